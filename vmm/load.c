/* Copying an image's loadable segments into guest memory, and noting which are read-only. */
#include "load.h"

#include <string.h>

#include <pith/abi.h>

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

int load__protect(const struct elf_image *img, struct guest_mem *mem)
{
	for (unsigned i = 0; i < img->nseg; i++) {
		const struct elf_segment *s = &img->seg[i];
		uint64_t start = s->vaddr & ~(PITH_PAGE_SIZE - 1);
		uint64_t end = (s->vaddr + s->memsz + PITH_PAGE_SIZE - 1) & ~(PITH_PAGE_SIZE - 1);

		/* Pages are never shared by segments of different permissions (elf_image__parse),
		   so whole pages are what the page tables map read-only. */
		if (!(s->flags & ELF_SEG_W) && guest_mem__protect(mem, start, end) < 0)
			return -1;
	}
	return 0;
}
