/* Copying an image's loadable segments into guest memory. */
#include "load.h"

#include <string.h>

int load__image(const struct elf_image *img, const struct guest_mem *mem)
{
	for (unsigned i = 0; i < img->nseg; i++) {
		const struct elf_segment *s = &img->seg[i];
		void *dst = guest_mem__raw(mem, s->vaddr, s->memsz);

		if (!dst) /* filesz <= memsz: checked by elf_image__parse */
			return -1;
		memcpy(dst, img->data + s->offset, s->filesz);
	}
	return 0;
}
