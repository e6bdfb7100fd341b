/* The check that an image speaks this monitor's Pith ABI. */
#include "abicheck.h"

#include <stdio.h>

#include <pith/abi.h>

int abicheck__image(const struct elf_image *img, const char *path, char *err, size_t errlen)
{
	if (!img->has_abi_note) {
		snprintf(err, errlen,
			 "%s is not a Pith image (no Pith ABI note); rebuild it with pith build",
			 path);
		return -1;
	}
	if (img->abi.abi_version != PITH_ABI_VERSION) {
		snprintf(err, errlen,
			 "%s was built for Pith ABI %u, this pith speaks ABI %u; rebuild it with "
			 "this pith build",
			 path, img->abi.abi_version, PITH_ABI_VERSION);
		return -1;
	}
	return 0;
}
