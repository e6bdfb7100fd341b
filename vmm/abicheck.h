/* The check that an image speaks this monitor's Pith ABI. */
#ifndef VMM_ABICHECK_H
#define VMM_ABICHECK_H

#include <stddef.h>

#include "elf.h"

/*
 * 0 if img carries a Pith ABI note with PITH_ABI_VERSION; otherwise -1 with the message
 * "<path> was built for Pith ABI N, this pith speaks ABI M; rebuild it with this pith build"
 * (or, without a note, "<path> is not a Pith image; ...") in err.
 */
int abicheck__image(const struct elf_image *img, const char *path, char *err, size_t errlen);

#endif
