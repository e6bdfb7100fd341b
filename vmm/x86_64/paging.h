/* The guest's page tables: an identity map of guest RAM with the memory map's permissions. */
#ifndef VMM_X86_64_PAGING_H
#define VMM_X86_64_PAGING_H

#include <stddef.h>
#include <stdint.h>

#include "guestmem.h"
#include "layout.h"

/*
 * Build the page tables in the monitor's page-table pages (fresh, zeroed guest memory) and
 * return the root in *cr3. 2 MiB pages where a 2 MiB-aligned range is uniform, 4 KiB pages
 * elsewhere. Returns 0, or -1 with a message in err if the page-table pages run out.
 */
int x86_paging__build(const struct layout *l, const struct guest_mem *mem, uint64_t *cr3, char *err,
		      size_t errlen);

#endif
