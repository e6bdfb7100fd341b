/* Copying an image's loadable segments into guest memory. */
#ifndef VMM_LOAD_H
#define VMM_LOAD_H

#include "elf.h"
#include "guestmem.h"

/*
 * Copy the file bytes of every PT_LOAD segment to its address (the rest of each segment is
 * fresh zeroed memory). Returns 0, or -1 if a segment does not fit in guest memory.
 */
int load__image(const struct elf_image *img, const struct guest_mem *mem);

/* Record the image's read-only segments (page-rounded) as memory the monitor must never write
   for the guest (guest_mem__ptr_rw). 0, or -1 if there are too many. */
int load__protect(const struct elf_image *img, struct guest_mem *mem);

#endif
