/* pith inspect: what an image holds (kind, ABI, entry, segments, components, symbols). */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pith/abi.h>

#include "elf.h"
#include "rootfs.h"

/* Byte totals by kind of segment. */
struct seg_totals {
	uint64_t text, rodata, data, bss;
};

/* "r-x"-style permissions of a segment. */
static const char *perm_string(uint32_t flags, char buf[4])
{
	buf[0] = flags & ELF_SEG_R ? 'r' : '-';
	buf[1] = flags & ELF_SEG_W ? 'w' : '-';
	buf[2] = flags & ELF_SEG_X ? 'x' : '-';
	buf[3] = 0;
	return buf;
}

/* bytes as "27.1 KiB", "3.0 MiB" or "512 B". */
static const char *human(uint64_t bytes, char *buf, size_t len)
{
	if (bytes < 1024)
		snprintf(buf, len, "%llu B", (unsigned long long)bytes);
	else if (bytes < (1ULL << 20))
		snprintf(buf, len, "%.1f KiB", bytes / 1024.0);
	else
		snprintf(buf, len, "%.1f MiB", bytes / (1024.0 * 1024.0));
	return buf;
}

static void print_kind_and_abi(const struct elf_image *img)
{
	if (!img->has_abi_note) {
		printf("kind          static Linux ELF (no Pith note: runs on Pith's compat "
		       "kernel)\n");
		printf("ABI version   none\n");
		return;
	}
	printf("kind          Pith image\n");
	if (img->abi.abi_version == PITH_ABI_VERSION)
		printf("ABI version   %u (this pith runs it)\n", img->abi.abi_version);
	else
		printf("ABI version   %u (this pith runs version %u only: rebuild the image with "
		       "this pith)\n",
		       img->abi.abi_version, PITH_ABI_VERSION);
	printf("compat entry  0x%llx\n", (unsigned long long)img->abi.compat_entry);
}

static void print_entry(const struct elf_image *img)
{
	uint64_t off = 0;
	const char *sym = elf_image__symbolize(img, img->entry, &off);

	printf("entry         0x%llx", (unsigned long long)img->entry);
	if (sym && off == 0)
		printf(" (%s)", sym);
	else if (sym)
		printf(" (%s+0x%llx)", sym, (unsigned long long)off);
	printf("\n");
}

/* One line per segment; adds each to the totals. */
static void print_segments(const struct elf_image *img, struct seg_totals *t)
{
	char perm[4], size[32];

	printf("segments      %u\n", img->nseg);
	for (unsigned i = 0; i < img->nseg; i++) {
		const struct elf_segment *s = &img->seg[i];

		printf("  0x%08llx-0x%08llx %s %10s", (unsigned long long)s->vaddr,
		       (unsigned long long)(s->vaddr + s->memsz), perm_string(s->flags, perm),
		       human(s->memsz, size, sizeof(size)));
		if (s->filesz != s->memsz)
			printf(" (%s in the file)", human(s->filesz, size, sizeof(size)));
		printf("\n");
		if (s->flags & ELF_SEG_X)
			t->text += s->memsz;
		else if (s->flags & ELF_SEG_W) {
			t->data += s->filesz;
			t->bss += s->memsz - s->filesz;
		} else
			t->rodata += s->memsz;
	}
}

static void print_totals(const struct seg_totals *t)
{
	char a[32], b[32], c[32], d[32];

	printf("sizes         text %s, rodata %s, data %s, bss %s\n", human(t->text, a, sizeof(a)),
	       human(t->rodata, b, sizeof(b)), human(t->data, c, sizeof(c)),
	       human(t->bss, d, sizeof(d)));
}

static int name__cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * Component names in alphabetical order (the link order says nothing), with anything
 * unprintable replaced: they come from the file.
 */
static void print_components(const struct elf_image *img)
{
	const char *names[sizeof(img->components) / sizeof(img->components[0])];
	unsigned n = img->ncomponents;

	memcpy(names, img->components, n * sizeof(names[0]));
	qsort(names, n, sizeof(names[0]), name__cmp);
	printf("components   ");
	if (n == 0)
		printf(" none");
	for (unsigned i = 0; i < n; i++) {
		putchar(' ');
		for (const char *p = names[i]; *p; p++)
			putchar(*p > ' ' && *p < 0x7f ? *p : '?');
	}
	printf("\n");
}

/* An ELF64 symbol (Elf64_Sym), as laid out in the file. */
struct sym64 {
	uint32_t name;
	uint8_t info, other;
	uint16_t shndx;
	uint64_t value, size;
};

/* The value of the symbol called name, or 0. */
static uint64_t symbol_value(const struct elf_image *img, const char *name)
{
	for (size_t i = 0; img->symtab && i < img->nsyms && i < ELF_IMAGE_MAX_SYMBOLS; i++) {
		struct sym64 s;

		memcpy(&s, (const uint8_t *)img->symtab + i * sizeof(s), sizeof(s));
		if (s.name < img->strtab_size &&
		    strncmp(img->strtab + s.name, name, img->strtab_size - s.name) == 0)
			return s.value;
	}
	return 0;
}

/* The bytes of the file at [start, end) (guest addresses inside one segment's file data). */
static const uint8_t *image_bytes(const struct elf_image *img, uint64_t start, uint64_t end)
{
	for (unsigned i = 0; i < img->nseg && start && start <= end; i++) {
		const struct elf_segment *s = &img->seg[i];

		if (start >= s->vaddr && end <= s->vaddr + s->filesz)
			return img->data + s->offset + (start - s->vaddr);
	}
	return NULL;
}

/* "rootfs  N files, SIZE" for an image built with --rootfs/--copy; nothing without one. */
static void print_rootfs(const struct elf_image *img)
{
	uint64_t start = symbol_value(img, "pith_rootfs_start");
	uint64_t end = symbol_value(img, "pith_rootfs_end");
	const uint8_t *data = image_bytes(img, start, end);
	size_t files;
	uint64_t bytes;
	char size[32], content[32];

	if (!data)
		return;
	if (rootfs__scan(data, end - start, &files, &bytes) < 0) {
		printf("rootfs        %s, not a valid cpio newc archive\n",
		       human(end - start, size, sizeof(size)));
		return;
	}
	printf("rootfs        %zu files, %s (%s of file data)\n", files,
	       human(end - start, size, sizeof(size)), human(bytes, content, sizeof(content)));
}

static int inspect(const char *path)
{
	struct elf_image img;
	struct seg_totals totals = {0};
	char err[512], size[32];

	if (elf_image__open(&img, path, PITH_MEM_MAX, err, sizeof(err)) < 0)
		return cli__error("%s", err);
	printf("image         %s\n", path);
	printf("file size     %zu bytes (%s)\n", img.size, human(img.size, size, sizeof(size)));
	print_kind_and_abi(&img);
	print_entry(&img);
	print_segments(&img, &totals);
	print_totals(&totals);
	if (img.has_abi_note)
		print_components(&img);
	print_rootfs(&img);
	printf("symbols       %zu%s\n", img.nsyms, img.symtab ? "" : " (stripped)");
	elf_image__close(&img);
	return 0;
}

int inspect_cmd__main(int argc, char **argv)
{
	if (argc >= 1 && (strcmp(argv[0], "-h") == 0 || strcmp(argv[0], "--help") == 0)) {
		cli__help();
		return 0;
	}
	if (argc < 1)
		return cli__usage_error("inspect: no image given");
	if (argc > 1)
		return cli__usage_error("inspect: one image at a time (got %d arguments)", argc);
	if (argv[0][0] == '-')
		return cli__usage_error("inspect: unknown option '%s'", argv[0]);
	return inspect(argv[0]);
}
