/* ELF image loader: checks an image (Pith or static Linux ELF); finds segments, notes, symbols. */
#include "elf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * ELF-64 structures and constants, from the System V gABI ("ELF-64 Object File Format", version
 * 1.5) and the x86-64 psABI. Defined here rather than taken from <elf.h>, which -Ivmm shadows.
 * The file is read with memcpy into these structs: nothing in it is assumed to be aligned.
 */
struct elf64_ehdr {
	uint8_t ident[16];
	uint16_t type;
	uint16_t machine;
	uint32_t version;
	uint64_t entry;
	uint64_t phoff;
	uint64_t shoff;
	uint32_t flags;
	uint16_t ehsize;
	uint16_t phentsize;
	uint16_t phnum;
	uint16_t shentsize;
	uint16_t shnum;
	uint16_t shstrndx;
};

struct elf64_phdr {
	uint32_t type;
	uint32_t flags;
	uint64_t offset;
	uint64_t vaddr;
	uint64_t paddr;
	uint64_t filesz;
	uint64_t memsz;
	uint64_t align;
};

struct elf64_shdr {
	uint32_t name;
	uint32_t type;
	uint64_t flags;
	uint64_t addr;
	uint64_t offset;
	uint64_t size;
	uint32_t link;
	uint32_t info;
	uint64_t addralign;
	uint64_t entsize;
};

struct elf64_sym {
	uint32_t name;
	uint8_t info;
	uint8_t other;
	uint16_t shndx;
	uint64_t value;
	uint64_t size;
};

struct elf64_nhdr {
	uint32_t namesz;
	uint32_t descsz;
	uint32_t type;
};

_Static_assert(sizeof(struct elf64_ehdr) == 64, "Elf64_Ehdr");
_Static_assert(sizeof(struct elf64_phdr) == 56, "Elf64_Phdr");
_Static_assert(sizeof(struct elf64_shdr) == 64, "Elf64_Shdr");
_Static_assert(sizeof(struct elf64_sym) == 24, "Elf64_Sym");

enum {
	EI_CLASS = 4,
	EI_DATA = 5,
	EI_VERSION = 6,
	ELFCLASS32 = 1,
	ELFCLASS64 = 2,
	ELFDATA2LSB = 1,
	EV_CURRENT = 1,
	ET_REL = 1,
	ET_EXEC = 2,
	ET_DYN = 3,
	ET_CORE = 4,
	EM_X86_64 = 62,
	PT_LOAD = 1,
	PT_DYNAMIC = 2,
	PT_INTERP = 3,
	PT_NOTE = 4,
	SHT_SYMTAB = 2,
	SHT_STRTAB = 3,
	SHN_UNDEF = 0,
	SHN_LORESERVE = 0xff00,
	STT_NOTYPE = 0,
	STT_OBJECT = 1,
	STT_FUNC = 2,
	STB_LOCAL = 0,
	STB_GLOBAL = 1,
};

/* Everything one parse needs: the image being filled and how to word an error. */
struct parse_ctx {
	struct elf_image *img;
	const char *name; /* "image", or the file's path */
	uint64_t limit;
	char *err;
	size_t errlen;
};

/* Write "<name> <reason>" into the error buffer; returns -1 for `return ctx__fail(...)`. */
__attribute__((format(printf, 2, 3))) static int ctx__fail(const struct parse_ctx *c,
							   const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!c->err || c->errlen == 0)
		return -1;
	n = snprintf(c->err, c->errlen, "%s ", c->name);
	if (n < 0 || (size_t)n >= c->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(c->err + n, c->errlen - n, fmt, ap);
	va_end(ap);
	return -1;
}

/* True if the byte range [off, off + len) lies inside a file of size bytes (overflow-safe). */
static bool file__contains(size_t size, uint64_t off, uint64_t len)
{
	uint64_t end;

	return !__builtin_add_overflow(off, len, &end) && end <= size;
}

/* True if a table of n entries of entsize bytes at off lies inside the file (overflow-safe). */
static bool file__contains_table(size_t size, uint64_t off, uint64_t n, uint64_t entsize)
{
	uint64_t len;

	return !__builtin_mul_overflow(n, entsize, &len) && file__contains(size, off, len);
}

static void phdr__read(const struct elf_image *img, unsigned i, struct elf64_phdr *ph)
{
	memcpy(ph, (const uint8_t *)img->phdrs + (size_t)i * sizeof(*ph), sizeof(*ph));
}

static const uint8_t elf_magic[4] = {0x7f, 'E', 'L', 'F'};

static int ctx__fail_not_elf(const struct parse_ctx *c)
{
	return ctx__fail(c, "is not an ELF file; pass an image built with pith build");
}

static int ehdr__check_ident(const struct parse_ctx *c, const struct elf64_ehdr *eh)
{
	if (c->img->size < sizeof(elf_magic) ||
	    memcmp(eh->ident, elf_magic, sizeof(elf_magic)) != 0)
		return ctx__fail_not_elf(c);
	if (c->img->size < sizeof(*eh))
		return ctx__fail(c,
				 "is truncated (%zu bytes, shorter than an ELF header); rebuild it",
				 c->img->size);
	if (eh->ident[EI_CLASS] == ELFCLASS32)
		return ctx__fail(c,
				 "is a 32-bit ELF file; Pith runs 64-bit x86_64 images (build it "
				 "with pith build)");
	if (eh->ident[EI_CLASS] != ELFCLASS64)
		return ctx__fail(c, "has an invalid ELF class (%u); rebuild it with pith build",
				 eh->ident[EI_CLASS]);
	if (eh->ident[EI_DATA] != ELFDATA2LSB)
		return ctx__fail(
		    c, "is not a little-endian ELF file; Pith runs x86_64 images (build it "
		       "with pith build)");
	if (eh->ident[EI_VERSION] != EV_CURRENT || eh->version != EV_CURRENT)
		return ctx__fail(c, "has an unknown ELF version; rebuild it with pith build");
	if (eh->machine != EM_X86_64)
		return ctx__fail(c,
				 "is built for another machine (ELF machine %u); Pith runs x86_64 "
				 "images (build it with pith build)",
				 eh->machine);
	return 0;
}

static int ehdr__check_type(const struct parse_ctx *c, const struct elf64_ehdr *eh)
{
	switch (eh->type) {
	case ET_EXEC:
	case ET_DYN: /* refused in image__check_static, after a possible PT_INTERP is reported */
		return 0;
	case ET_REL:
		return ctx__fail(c,
				 "is an object file, not an executable; link it with pith build");
	case ET_CORE:
		return ctx__fail(c, "is a core dump, not an executable; pass an image built with "
				    "pith build");
	default:
		return ctx__fail(c,
				 "is not an executable (ELF type %u); pass an image built with "
				 "pith build",
				 eh->type);
	}
}

/* The ELF header: identity, type, and a program header table that lies inside the file. */
static int ehdr__parse(const struct parse_ctx *c, struct elf64_ehdr *eh)
{
	struct elf_image *img = c->img;

	memset(eh, 0, sizeof(*eh));
	memcpy(eh, img->data, img->size < sizeof(*eh) ? img->size : sizeof(*eh));
	if (ehdr__check_ident(c, eh) < 0 || ehdr__check_type(c, eh) < 0)
		return -1;
	if (eh->phnum == 0)
		return ctx__fail(c, "has no program headers, so nothing to load; rebuild it with "
				    "pith build");
	if (eh->phentsize != sizeof(struct elf64_phdr))
		return ctx__fail(c,
				 "has program headers of %u bytes (ELF64 uses %zu); rebuild it "
				 "with pith build",
				 eh->phentsize, sizeof(struct elf64_phdr));
	if (eh->phnum > ELF_IMAGE_MAX_PHNUM)
		return ctx__fail(c,
				 "has %u program headers (at most %u); rebuild it with pith build",
				 eh->phnum, ELF_IMAGE_MAX_PHNUM);
	if (!file__contains_table(img->size, eh->phoff, eh->phnum, eh->phentsize))
		return ctx__fail(c,
				 "is truncated: its program headers end past the end of the file "
				 "(%zu bytes); rebuild it",
				 img->size);
	img->entry = eh->entry;
	img->phnum = eh->phnum;
	img->phdrs = img->data + eh->phoff;
	return 0;
}

/* True if a program header of the given type exists. */
static bool image__has_phdr(const struct elf_image *img, uint32_t type)
{
	struct elf64_phdr ph;

	for (unsigned i = 0; i < img->phnum; i++) {
		phdr__read(img, i, &ph);
		if (ph.type == type)
			return true;
	}
	return false;
}

/*
 * Static, non-PIE only. An interpreter is reported first (an ordinary `gcc` output is both
 * dynamic and PIE, and linking statically is what fixes it); a static PIE has PT_DYNAMIC too.
 */
static int image__check_static(const struct parse_ctx *c, const struct elf64_ehdr *eh)
{
	static const char dynamic[] = "is dynamically linked; Pith runs static images (build it "
				      "with pith build, or link it with -static)";

	if (image__has_phdr(c->img, PT_INTERP))
		return ctx__fail(c, "%s", dynamic);
	if (eh->type == ET_DYN)
		return ctx__fail(c,
				 "is a position-independent executable; Pith runs static non-PIE "
				 "images (build it with pith build)");
	if (image__has_phdr(c->img, PT_DYNAMIC))
		return ctx__fail(c, "%s", dynamic);
	return 0;
}

/* One PT_LOAD header: inside the file, inside guest memory, not writable and executable. */
static int segment__check(const struct parse_ctx *c, const struct elf64_phdr *ph)
{
	uint64_t end;

	if (ph->filesz > ph->memsz)
		return ctx__fail(c,
				 "has a segment at 0x%llx with more file bytes than memory bytes; "
				 "rebuild it with pith build",
				 (unsigned long long)ph->vaddr);
	if (!file__contains(c->img->size, ph->offset, ph->filesz))
		return ctx__fail(
		    c,
		    "is truncated: the segment at 0x%llx ends past the end of the file "
		    "(%zu bytes); rebuild it",
		    (unsigned long long)ph->vaddr, c->img->size);
	if (__builtin_add_overflow(ph->vaddr, ph->memsz, &end) || end > UINT64_MAX - PITH_PAGE_SIZE)
		return ctx__fail(c,
				 "has a segment at 0x%llx that wraps around the address space; "
				 "rebuild it with pith build",
				 (unsigned long long)ph->vaddr);
	if (ph->vaddr < PITH_IMAGE_BASE)
		return ctx__fail(c,
				 "has a segment at 0x%llx, below 0x%llx where Pith images start; "
				 "build it with pith build",
				 (unsigned long long)ph->vaddr, PITH_IMAGE_BASE);
	if (end > c->limit)
		return ctx__fail(c,
				 "has a segment at 0x%llx ending at 0x%llx, past the guest memory "
				 "limit 0x%llx; give it more memory with --mem",
				 (unsigned long long)ph->vaddr, (unsigned long long)end,
				 (unsigned long long)c->limit);
	if ((ph->flags & ELF_SEG_W) && (ph->flags & ELF_SEG_X))
		return ctx__fail(c,
				 "has a segment at 0x%llx that is both writable and executable; "
				 "Pith maps W^X (build it with pith build)",
				 (unsigned long long)ph->vaddr);
	return 0;
}

/* Insert a checked segment, keeping img->seg sorted by vaddr. */
static int segment__add(const struct parse_ctx *c, const struct elf64_phdr *ph)
{
	struct elf_image *img = c->img;
	unsigned i;

	if (img->nseg == ELF_IMAGE_MAX_SEGMENTS)
		return ctx__fail(c,
				 "has more than %u loadable segments; rebuild it with pith build",
				 ELF_IMAGE_MAX_SEGMENTS);
	for (i = img->nseg; i > 0 && img->seg[i - 1].vaddr > ph->vaddr; i--)
		img->seg[i] = img->seg[i - 1];
	img->seg[i] = (struct elf_segment){
	    .vaddr = ph->vaddr,
	    .memsz = ph->memsz,
	    .filesz = ph->filesz,
	    .offset = ph->offset,
	    .flags = ph->flags & (ELF_SEG_R | ELF_SEG_W | ELF_SEG_X),
	};
	img->nseg++;
	return 0;
}

/* Sorted segments: no overlap, and no page shared by segments of different permissions. */
static int segments__check_layout(const struct parse_ctx *c)
{
	const struct elf_image *img = c->img;

	for (unsigned i = 1; i < img->nseg; i++) {
		const struct elf_segment *a = &img->seg[i - 1], *b = &img->seg[i];
		uint64_t a_end = a->vaddr + a->memsz; /* checked in segment__check */

		if (b->vaddr < a_end)
			return ctx__fail(
			    c,
			    "has overlapping segments at 0x%llx and 0x%llx; rebuild it "
			    "with pith build",
			    (unsigned long long)a->vaddr, (unsigned long long)b->vaddr);
		if (a->flags != b->flags &&
		    (a_end - 1) / PITH_PAGE_SIZE == b->vaddr / PITH_PAGE_SIZE)
			return ctx__fail(
			    c,
			    "has segments with different permissions sharing the page at "
			    "0x%llx; link it with -z separate-code (pith build does)",
			    (unsigned long long)(b->vaddr & ~(PITH_PAGE_SIZE - 1)));
	}
	return 0;
}

/* Where the program headers are in guest memory: inside the segment whose file bytes hold them. */
static uint64_t phdrs__find_vaddr(const struct elf_image *img, const struct elf64_ehdr *eh)
{
	uint64_t ph_len = (uint64_t)eh->phnum * sizeof(struct elf64_phdr);

	for (unsigned i = 0; i < img->nseg; i++) {
		const struct elf_segment *s = &img->seg[i];

		if (eh->phoff >= s->offset && eh->phoff - s->offset <= s->filesz &&
		    ph_len <= s->filesz - (eh->phoff - s->offset))
			return s->vaddr + (eh->phoff - s->offset);
	}
	return 0;
}

/* Collect the PT_LOAD segments and work out image_end and phdr_vaddr. */
static int segments__load(const struct parse_ctx *c, const struct elf64_ehdr *eh)
{
	struct elf_image *img = c->img;
	const struct elf_segment *last;
	struct elf64_phdr ph;

	for (unsigned i = 0; i < img->phnum; i++) {
		phdr__read(img, i, &ph);
		if (ph.type != PT_LOAD || ph.memsz == 0)
			continue;
		if (segment__check(c, &ph) < 0 || segment__add(c, &ph) < 0)
			return -1;
	}
	if (img->nseg == 0)
		return ctx__fail(c, "has no loadable segments; rebuild it with pith build");
	if (segments__check_layout(c) < 0)
		return -1;
	img->phdr_vaddr = phdrs__find_vaddr(img, eh);
	last = &img->seg[img->nseg - 1];
	img->image_end = (last->vaddr + last->memsz + PITH_PAGE_SIZE - 1) & ~(PITH_PAGE_SIZE - 1);
	return 0;
}

/* The entry point must be code the image maps executable. */
static int entry__check(const struct parse_ctx *c)
{
	const struct elf_image *img = c->img;

	for (unsigned i = 0; i < img->nseg; i++) {
		const struct elf_segment *s = &img->seg[i];

		if (img->entry - s->vaddr < s->memsz && img->entry >= s->vaddr &&
		    (s->flags & ELF_SEG_X))
			return 0;
	}
	return ctx__fail(c,
			 "has its entry point 0x%llx outside its executable segments; rebuild it "
			 "with pith build",
			 (unsigned long long)img->entry);
}

/* A note named "Pith": the ABI note (once, exact size) or a component name (NUL-terminated). */
static int note__take_pith(const struct parse_ctx *c, uint32_t type, const uint8_t *desc,
			   uint32_t descsz)
{
	struct elf_image *img = c->img;

	if (type == PITH_NOTE_ABI) {
		if (descsz != sizeof(img->abi))
			return ctx__fail(c,
					 "has a malformed Pith ABI note (%u bytes, expected %zu); "
					 "rebuild it with pith build",
					 descsz, sizeof(img->abi));
		if (img->has_abi_note)
			return ctx__fail(c, "has two Pith ABI notes; rebuild it with pith build");
		memcpy(&img->abi, desc, sizeof(img->abi));
		img->has_abi_note = true;
	} else if (type == PITH_NOTE_COMPONENT) {
		if (descsz < 2 || memchr(desc, 0, descsz) == NULL || desc[0] == 0)
			return ctx__fail(c, "has a malformed Pith component note; rebuild it with "
					    "pith build");
		if (img->ncomponents == ELF_IMAGE_MAX_COMPONENTS)
			return ctx__fail(c,
					 "has more than %u Pith component notes; rebuild it with "
					 "pith build",
					 ELF_IMAGE_MAX_COMPONENTS);
		img->components[img->ncomponents++] = (const char *)desc;
	}
	return 0; /* other types: from a newer ABI, ignored */
}

/* v rounded up to a multiple of align (a power of two), overflow-safe. */
static bool offset__align_up(uint64_t v, uint64_t align, uint64_t *out)
{
	if (__builtin_add_overflow(v, align - 1, out))
		return false;
	*out &= ~(align - 1);
	return true;
}

/*
 * Every note in one PT_NOTE segment's bytes [p, p + len). Each note is a header, the name, then
 * the descriptor at the next multiple of align (4, or 8 for 8-aligned segments such as GNU
 * property notes), then the next note at the next multiple of align (gABI, "Note Section").
 */
static int notes__parse_segment(const struct parse_ctx *c, const uint8_t *p, uint64_t len,
				uint64_t align)
{
	static const char pith_name[] = PITH_NOTE_NAME;
	uint64_t pos = 0, name_off, name_end, desc_off, desc_end;
	struct elf64_nhdr nh;

	while (pos < len) {
		if (len - pos < sizeof(nh))
			return ctx__fail(c, "has a truncated note; rebuild it with pith build");
		memcpy(&nh, p + pos, sizeof(nh));
		name_off = pos + sizeof(nh);
		if (__builtin_add_overflow(name_off, (uint64_t)nh.namesz, &name_end) ||
		    !offset__align_up(name_end, align, &desc_off) ||
		    __builtin_add_overflow(desc_off, (uint64_t)nh.descsz, &desc_end) ||
		    desc_end > len)
			return ctx__fail(c,
					 "has a note whose sizes run past its segment; rebuild it "
					 "with pith build");
		if (nh.namesz == sizeof(pith_name) &&
		    memcmp(p + name_off, pith_name, sizeof(pith_name)) == 0 &&
		    note__take_pith(c, nh.type, p + desc_off, nh.descsz) < 0)
			return -1;
		if (!offset__align_up(desc_end, align, &pos))
			break;
	}
	return 0;
}

/* Notes come from PT_NOTE segments, which must lie inside the file. */
static int notes__parse(const struct parse_ctx *c)
{
	struct elf_image *img = c->img;
	struct elf64_phdr ph;

	for (unsigned i = 0; i < img->phnum; i++) {
		phdr__read(img, i, &ph);
		if (ph.type != PT_NOTE)
			continue;
		if (!file__contains(img->size, ph.offset, ph.filesz))
			return ctx__fail(
			    c,
			    "is truncated: a note segment ends past the end of the file "
			    "(%zu bytes); rebuild it",
			    img->size);
		if (notes__parse_segment(c, img->data + ph.offset, ph.filesz,
					 ph.align == 8 ? 8 : 4) < 0)
			return -1;
	}
	return 0;
}

static void shdr__read(const struct elf_image *img, uint64_t shoff, unsigned i,
		       struct elf64_shdr *sh)
{
	memcpy(sh, img->data + shoff + (size_t)i * sizeof(*sh), sizeof(*sh));
}

/* Take a SHT_SYMTAB section and the SHT_STRTAB it links to, both checked against the file. */
static int symtab__take(const struct parse_ctx *c, const struct elf64_ehdr *eh,
			const struct elf64_shdr *sym)
{
	struct elf_image *img = c->img;
	struct elf64_shdr str;

	if (sym->entsize != sizeof(struct elf64_sym) || sym->size % sizeof(struct elf64_sym))
		return ctx__fail(c, "has a malformed symbol table; rebuild it with pith build");
	if (sym->link == 0 || sym->link >= eh->shnum)
		return ctx__fail(c, "has a symbol table without a string table; rebuild it with "
				    "pith build");
	shdr__read(img, eh->shoff, sym->link, &str);
	if (str.type != SHT_STRTAB)
		return ctx__fail(
		    c, "has a symbol table linked to a non-string section; rebuild it with "
		       "pith build");
	if (!file__contains(img->size, sym->offset, sym->size) ||
	    !file__contains(img->size, str.offset, str.size))
		return ctx__fail(c,
				 "is truncated: its symbol table ends past the end of the file "
				 "(%zu bytes); rebuild it",
				 img->size);
	img->symtab = img->data + sym->offset;
	img->nsyms = sym->size / sizeof(struct elf64_sym);
	img->strtab = (const char *)img->data + str.offset;
	img->strtab_size = str.size;
	return 0;
}

/* Symbols are optional (a stripped image is fine); section headers, if any, must be valid. */
static int symtab__find(const struct parse_ctx *c, const struct elf64_ehdr *eh)
{
	struct elf64_shdr sh;

	if (eh->shoff == 0 || eh->shnum == 0)
		return 0;
	if (eh->shentsize != sizeof(struct elf64_shdr))
		return ctx__fail(
		    c,
		    "has section headers of %u bytes (ELF64 uses %zu); rebuild it with "
		    "pith build",
		    eh->shentsize, sizeof(struct elf64_shdr));
	if (!file__contains_table(c->img->size, eh->shoff, eh->shnum, sizeof(sh)))
		return ctx__fail(c,
				 "is truncated: its section headers end past the end of the file "
				 "(%zu bytes); rebuild it",
				 c->img->size);
	for (unsigned i = 0; i < eh->shnum; i++) {
		shdr__read(c->img, eh->shoff, i, &sh);
		if (sh.type == SHT_SYMTAB)
			return symtab__take(c, eh, &sh);
	}
	return 0;
}

static int image__parse(struct parse_ctx *c, const void *data, size_t size)
{
	struct elf64_ehdr eh;

	memset(c->img, 0, sizeof(*c->img));
	c->img->data = data;
	c->img->size = size;
	if (ehdr__parse(c, &eh) < 0 || image__check_static(c, &eh) < 0 ||
	    segments__load(c, &eh) < 0 || entry__check(c) < 0 || notes__parse(c) < 0 ||
	    symtab__find(c, &eh) < 0) {
		memset(c->img, 0, sizeof(*c->img));
		return -1;
	}
	return 0;
}

int elf_image__parse(struct elf_image *img, const void *data, size_t size, uint64_t limit,
		     char *err, size_t errlen)
{
	struct parse_ctx c = {
	    .img = img, .name = "image", .limit = limit, .err = err, .errlen = errlen};

	if (!data)
		size = 0;
	return image__parse(&c, data ? data : "", size);
}

/* Read all of fd into buf (size bytes); -1 on an error or if the file is shorter now. */
static int fd__read_all(int fd, uint8_t *buf, size_t size)
{
	size_t done = 0;

	while (done < size) {
		ssize_t n = read(fd, buf + done, size - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		done += (size_t)n;
	}
	return 0;
}

/* Whether the file starts with the ELF magic (a file too short to tell counts as yes). */
static bool fd__has_elf_magic(int fd)
{
	uint8_t head[sizeof(elf_magic)];

	return pread(fd, head, sizeof(head), 0) != (ssize_t)sizeof(head) ||
	       memcmp(head, elf_magic, sizeof(head)) == 0;
}

/*
 * Read a regular, non-empty file into private anonymous memory. Not a mapping of the file: the
 * monitor reads the image again long after validation (loading, crash reports), and a file
 * truncated or changed meanwhile must neither raise SIGBUS nor change what was validated.
 */
static int file__read(const struct parse_ctx *c, int fd, const void **data, size_t *size)
{
	struct stat st;
	void *buf;

	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return ctx__fail(c, "is not a regular file; pass an image built with pith build");
	if (st.st_size == 0 || (uint64_t)st.st_size > PITH_MEM_MAX)
		return ctx__fail(c, "is %s; pass an image built with pith build",
				 st.st_size == 0 ? "empty" : "larger than any guest memory");
	/* Before reading what may be gigabytes of something else. */
	if (!fd__has_elf_magic(fd))
		return ctx__fail_not_elf(c);
	*size = (size_t)st.st_size;
	buf = mmap(NULL, *size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		return ctx__fail(c, "cannot be read into memory: %s; check memory limits",
				 strerror(errno));
	if (fd__read_all(fd, buf, *size) < 0) {
		int e = errno;

		munmap(buf, *size);
		return ctx__fail(c, "cannot be read: %s; check the file",
				 e ? strerror(e) : "it became shorter while being read");
	}
	mprotect(buf, *size, PROT_READ); /* nothing writes it; if this fails it stays writable */
	*data = buf;
	return 0;
}

static int file__load(const struct parse_ctx *c, const char *path, const void **data, size_t *size)
{
	/* O_NONBLOCK: opening a FIFO must not wait for a writer (file__read refuses it). */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return ctx__fail(c, "cannot be opened: %s; check the path", strerror(errno));
	rc = file__read(c, fd, data, size);
	close(fd);
	return rc;
}

int elf_image__open(struct elf_image *img, const char *path, uint64_t limit, char *err,
		    size_t errlen)
{
	struct parse_ctx c = {
	    .img = img, .name = path, .limit = limit, .err = err, .errlen = errlen};
	const void *data = NULL;
	size_t size = 0;

	memset(img, 0, sizeof(*img));
	if (file__load(&c, path, &data, &size) < 0)
		return -1;
	if (image__parse(&c, data, size) < 0) {
		munmap((void *)data, size);
		return -1;
	}
	img->mapped = true;
	return 0;
}

void elf_image__close(struct elf_image *img)
{
	if (img->mapped && img->data)
		munmap((void *)img->data, img->size);
	memset(img, 0, sizeof(*img));
}

/* ---- Symbols ------------------------------------------------------------------------------ */

/* A candidate symbol for an address, as symbolize compares them. */
struct sym_hit {
	uint64_t value;
	uint64_t size;
	const char *name;
	bool func;
	bool global; /* STB_GLOBAL: named over a weak or local alias at the same address */
};

static void sym__read(const struct elf_image *img, size_t i, struct elf64_sym *s)
{
	memcpy(s, (const uint8_t *)img->symtab + i * sizeof(*s), sizeof(*s));
}

/* The NUL-terminated name at off in the string table, or NULL if off or the name is out of it. */
static const char *sym__name(const struct elf_image *img, uint32_t off)
{
	if (off >= img->strtab_size || img->strtab[off] == 0)
		return NULL;
	if (!memchr(img->strtab + off, 0, img->strtab_size - off))
		return NULL;
	return img->strtab + off;
}

static const struct elf_segment *segment__find(const struct elf_image *img, uint64_t addr)
{
	for (unsigned i = 0; i < img->nseg; i++)
		if (addr >= img->seg[i].vaddr && addr - img->seg[i].vaddr < img->seg[i].memsz)
			return &img->seg[i];
	return NULL;
}

/*
 * Whether a symbol can name an address, and as a function or not: FUNC and OBJECT symbols, and
 * global labels without a type inside executable segments (assembly entry points such as musl's
 * _start often lack .type), all with a section.
 */
static bool sym__usable(const struct elf_image *img, const struct elf64_sym *s, bool *func)
{
	unsigned type = s->info & 0xf, bind = s->info >> 4;
	const struct elf_segment *seg;

	if (s->shndx == SHN_UNDEF || s->shndx >= SHN_LORESERVE)
		return false;
	*func = type == STT_FUNC;
	if (type == STT_FUNC || type == STT_OBJECT)
		return true;
	if (type != STT_NOTYPE || bind == STB_LOCAL)
		return false;
	seg = segment__find(img, s->value);
	*func = true;
	return seg && (seg->flags & ELF_SEG_X);
}

/*
 * Whether a names the address better than b: it starts later, else is a FUNC, else is global,
 * else is larger.
 */
static bool sym_hit__better(const struct sym_hit *a, const struct sym_hit *b)
{
	if (!b->name || a->value != b->value)
		return !b->name || a->value > b->value;
	if (a->func != b->func)
		return a->func;
	if (a->global != b->global)
		return a->global;
	return a->size > b->size;
}

/*
 * One pass over the symbol table (no index: nothing to build or allocate before a crash report).
 * *inside gets the best symbol whose [value, value + size) contains addr; *before the best
 * FUNC that starts in [lo, addr]. At most ELF_IMAGE_MAX_SYMBOLS symbols are looked at.
 */
static void sym__scan(const struct elf_image *img, uint64_t addr, uint64_t lo,
		      struct sym_hit *inside, struct sym_hit *before)
{
	size_t n = img->nsyms < ELF_IMAGE_MAX_SYMBOLS ? img->nsyms : ELF_IMAGE_MAX_SYMBOLS;
	struct elf64_sym s;
	struct sym_hit h;

	for (size_t i = 0; i < n; i++) {
		sym__read(img, i, &s);
		if (s.value > addr || !sym__usable(img, &s, &h.func))
			continue;
		h.value = s.value;
		h.size = s.size;
		h.global = (s.info >> 4) == STB_GLOBAL;
		if (!(h.name = sym__name(img, s.name)))
			continue;
		if (addr - h.value < h.size && sym_hit__better(&h, inside))
			*inside = h;
		if (h.func && h.value >= lo && sym_hit__better(&h, before))
			*before = h;
	}
}

const char *elf_image__symbolize(const struct elf_image *img, uint64_t addr, uint64_t *offset)
{
	const struct elf_segment *seg = segment__find(img, addr);
	struct sym_hit inside = {0}, before = {0}, *e = &inside;

	if (!img->symtab)
		return NULL;
	sym__scan(img, addr, seg ? seg->vaddr : 0, &inside, &before);
	if (!inside.name && seg && (seg->flags & ELF_SEG_X))
		e = &before; /* assembly often has no sizes: the function before addr in its segment
			      */
	if (!e->name)
		return NULL;
	if (offset)
		*offset = addr - e->value;
	return e->name;
}
