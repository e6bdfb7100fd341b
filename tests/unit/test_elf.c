/* Unit tests of the ELF loader: a valid image, real Linux executables, many corrupt variants. */
#include <linux/elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elf.h"
#include "test.h"

#define LIMIT (64ULL << 20)

static const char *fixdir;
static uint8_t *fix; /* tiny.elf, see fixtures/tiny.c */
static size_t fix_size;

/* ---- Helpers ------------------------------------------------------------------------------ */

static uint8_t *read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n);
		if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		*size = (size_t)n;
	}
	fclose(f);
	return buf;
}

static const char *fixture_path(const char *name)
{
	static char path[4096];

	snprintf(path, sizeof(path), "%s/%s", fixdir, name);
	return path;
}

static uint8_t *dup_fixture(void)
{
	uint8_t *b = malloc(fix_size);

	memcpy(b, fix, fix_size);
	return b;
}

static Elf64_Ehdr *ehdr(uint8_t *b)
{
	return (Elf64_Ehdr *)b;
}

static Elf64_Phdr *phdr(uint8_t *b, unsigned i)
{
	return (Elf64_Phdr *)(b + ehdr(b)->e_phoff) + i;
}

static Elf64_Shdr *shdr(uint8_t *b, unsigned i)
{
	return (Elf64_Shdr *)(b + ehdr(b)->e_shoff) + i;
}

/* The nth (from 0) program header of the given type. */
static Elf64_Phdr *phdr_of_type(uint8_t *b, uint32_t type, unsigned nth)
{
	for (unsigned i = 0; i < ehdr(b)->e_phnum; i++)
		if (phdr(b, i)->p_type == type && nth-- == 0)
			return phdr(b, i);
	return NULL;
}

static Elf64_Shdr *shdr_of_type(uint8_t *b, uint32_t type)
{
	for (unsigned i = 0; i < ehdr(b)->e_shnum; i++)
		if (shdr(b, i)->sh_type == type)
			return shdr(b, i);
	return NULL;
}

/* The Pith note of the given type in tiny.elf's note segment. */
static Elf64_Nhdr *pith_note(uint8_t *b, uint32_t type)
{
	Elf64_Phdr *ph = phdr_of_type(b, PT_NOTE, 0);

	for (uint64_t off = ph->p_offset; off < ph->p_offset + ph->p_filesz;) {
		Elf64_Nhdr *n = (Elf64_Nhdr *)(b + off);

		if (n->n_type == type)
			return n;
		off += sizeof(*n) + ((n->n_namesz + 3) & ~3u) + ((n->n_descsz + 3) & ~3u);
	}
	return NULL;
}

/* Value of the defined symbol called name in img's symbol table, or 0 (for the checks below). */
static uint64_t sym_lookup(const struct elf_image *img, const char *name)
{
	for (size_t i = 0; i < img->nsyms; i++) {
		Elf64_Sym s;

		memcpy(&s, (const uint8_t *)img->symtab + i * sizeof(s), sizeof(s));
		if (s.st_shndx != SHN_UNDEF && s.st_name < img->strtab_size &&
		    strcmp(img->strtab + s.st_name, name) == 0)
			return s.st_value;
	}
	return 0;
}

/* Parse an exact-size copy of size bytes of b, so any over-read is outside the allocation. */
static int parse_copy(const uint8_t *b, size_t size, uint64_t limit, char *err, size_t errlen)
{
	uint8_t *copy = malloc(size ? size : 1);
	struct elf_image img;
	int rc;

	memcpy(copy, b, size);
	err[0] = 0;
	rc = elf_image__parse(&img, copy, size, limit, err, errlen);
	if (rc == 0) {
		elf_image__symbolize(&img, img.entry, NULL);
	}
	elf_image__close(&img);
	free(copy);
	return rc;
}

/* The image must be refused with a one-line error, starting "image ", that contains want. */
static void reject_n(const char *what, const uint8_t *b, size_t size, uint64_t limit,
		     const char *want)
{
	char err[512];
	int rc = parse_copy(b, size, limit, err, sizeof(err));

	CHECKF(rc == -1, "%s: accepted", what);
	CHECKF(strstr(err, want) != NULL, "%s: error \"%s\" lacks \"%s\"", what, err, want);
	CHECKF(strncmp(err, "image ", 6) == 0 && !strchr(err, '\n') && strchr(err, ';'),
	       "%s: error \"%s\" is not one line \"image ...; what to do\"", what, err);
}

/* Same for a mutated copy of the fixture, which is freed. */
static void reject(const char *what, uint8_t *b, const char *want)
{
	reject_n(what, b, fix_size, LIMIT, want);
	free(b);
}

static void accept(const char *what, uint8_t *b, uint64_t limit)
{
	char err[512];

	CHECKF(parse_copy(b, fix_size, limit, err, sizeof(err)) == 0, "%s: refused: %s", what, err);
	free(b);
}

/* ---- The valid image ---------------------------------------------------------------------- */

static void test_valid_notes(const struct elf_image *img)
{
	CHECK(img->has_abi_note);
	CHECK_U64(img->abi.abi_version, PITH_ABI_VERSION);
	CHECK_U64(img->abi.reserved, 0);
	CHECK_U64(img->abi.compat_entry, sym_lookup(img, "tiny_compat_entry"));
	CHECK_U64(img->ncomponents, 2);
	CHECK_STR(img->components[0], "core");
	CHECK_STR(img->components[1], "console");
}

static void test_valid_segments(const struct elf_image *img, const uint8_t *data)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)data;

	CHECK_U64(img->nseg, 4);
	for (unsigned i = 0; i < img->nseg; i++) {
		const struct elf_segment *s = &img->seg[i];

		CHECK(s->vaddr >= PITH_IMAGE_BASE && s->vaddr + s->memsz <= img->image_end);
		CHECK(s->filesz <= s->memsz && s->offset + s->filesz <= img->size);
		CHECK(i == 0 || s->vaddr >= img->seg[i - 1].vaddr + img->seg[i - 1].memsz);
	}
	CHECK_U64(img->seg[0].flags, ELF_SEG_R);
	CHECK_U64(img->seg[1].flags, ELF_SEG_R | ELF_SEG_X);
	CHECK_U64(img->seg[3].flags, ELF_SEG_R | ELF_SEG_W);
	CHECK(img->seg[3].memsz > img->seg[3].filesz); /* .bss */
	CHECK_U64(img->image_end % PITH_PAGE_SIZE, 0);
	CHECK_U64(img->image_end, (img->seg[3].vaddr + img->seg[3].memsz + PITH_PAGE_SIZE - 1) &
				      ~(PITH_PAGE_SIZE - 1));
	CHECK_U64(img->entry, eh->e_entry);
	CHECK_U64(img->phnum, eh->e_phnum);
	CHECK(img->phdrs == data + eh->e_phoff);
	/* The first segment maps the file from offset 0, so the headers are at base + e_phoff. */
	CHECK_U64(img->seg[0].offset, 0);
	CHECK_U64(img->phdr_vaddr, img->seg[0].vaddr + eh->e_phoff);
}

static void test_valid_symbols(const struct elf_image *img)
{
	uint64_t helper = sym_lookup(img, "tiny_helper");
	uint64_t table = sym_lookup(img, "tiny_table");
	uint64_t asm_fn = sym_lookup(img, "tiny_compat_entry");
	uint64_t off = 99;

	CHECK(img->symtab != NULL && img->nsyms > 4);
	CHECK_U64(sym_lookup(img, "_start"), img->entry);
	CHECK(helper != 0 && table != 0 && asm_fn != 0);
	CHECK_U64(sym_lookup(img, "no_such_symbol"), 0);
	CHECK_U64(sym_lookup(img, ""), 0);
	CHECK_STR(elf_image__symbolize(img, img->entry, &off), "_start");
	CHECK_U64(off, 0);
	CHECK_STR(elf_image__symbolize(img, helper + 3, &off), "tiny_helper");
	CHECK_U64(off, 3);
	CHECK_STR(elf_image__symbolize(img, table + 8 * 63, &off), "tiny_table");
	CHECK_U64(off, 8 * 63);
	/* Sizeless assembly: the nearest FUNC before, in the same executable segment. */
	CHECK_STR(elf_image__symbolize(img, asm_fn + 5, &off), "tiny_compat_entry");
	CHECK_U64(off, 5);
	CHECK(elf_image__symbolize(img, table + 8 * 64 + 64, &off) == NULL); /* past it, not code */
	CHECK(elf_image__symbolize(img, PITH_IMAGE_BASE, &off) == NULL);
	CHECK(elf_image__symbolize(img, 0, &off) == NULL);
	CHECK(elf_image__symbolize(img, UINT64_MAX, NULL) == NULL);
	CHECK_STR(elf_image__symbolize(img, helper, NULL), "tiny_helper"); /* offset optional */
}

static void test_valid(void)
{
	struct elf_image img;
	char err[512] = "";

	CHECKF(elf_image__parse(&img, fix, fix_size, LIMIT, err, sizeof(err)) == 0, "tiny.elf: %s",
	       err);
	CHECK(img.data == fix && img.size == fix_size && !img.mapped);
	test_valid_notes(&img);
	test_valid_segments(&img, fix);
	test_valid_symbols(&img);
	elf_image__close(&img);
	CHECK(img.data == NULL && img.symtab == NULL);
	elf_image__close(&img); /* closing twice is harmless */
}

/* Program headers that no segment maps fully: phdr_vaddr is 0 (the monitor copies them). */
static void test_phdrs_not_loaded(void)
{
	struct elf_image img;
	char err[512];
	uint8_t *b = dup_fixture();
	Elf64_Phdr *first = phdr_of_type(b, PT_LOAD, 0);

	first->p_filesz = ehdr(b)->e_phoff + ehdr(b)->e_phnum * sizeof(Elf64_Phdr) - 1;
	CHECKF(elf_image__parse(&img, b, fix_size, LIMIT, err, sizeof(err)) == 0, "%s", err);
	CHECK_U64(img.phdr_vaddr, 0);
	CHECK(img.phdrs == b + ehdr(b)->e_phoff && img.phnum == ehdr(b)->e_phnum);
	elf_image__close(&img);
	first->p_filesz += 1; /* exactly covered */
	CHECKF(elf_image__parse(&img, b, fix_size, LIMIT, err, sizeof(err)) == 0, "%s", err);
	CHECK_U64(img.phdr_vaddr, first->p_vaddr + ehdr(b)->e_phoff);
	elf_image__close(&img);
	free(b);
}

/* ---- elf_image__open ---------------------------------------------------------------------- */

/* The image is a private copy: truncating the file afterwards changes nothing (no SIGBUS). */
static void test_open_then_truncate(void)
{
	char path[] = "/tmp/pith-test-elf.XXXXXX", err[512] = "";
	struct elf_image img;
	int fd = mkstemp(path);

	if (!CHECK(fd >= 0 && write(fd, fix, fix_size) == (ssize_t)fix_size))
		return;
	close(fd);
	CHECKF(elf_image__open(&img, path, LIMIT, err, sizeof(err)) == 0, "%s", err);
	CHECK(truncate(path, 0) == 0);
	unlink(path);
	CHECK(img.size == fix_size && memcmp(img.data, fix, fix_size) == 0);
	CHECK_STR(elf_image__symbolize(&img, img.entry, NULL), "_start");
	elf_image__close(&img);
}

/*
 * Files that are not images are refused without being read: a FIFO must not block the open (an
 * alarm ends the test if it does), and a 3 GiB sparse file of zeroes is refused by its first
 * bytes (the alarm also catches reading it all).
 */
static void test_open_odd_files(void)
{
	char dir[] = "/tmp/pith-test-elf.XXXXXX", path[64], err[512] = "";
	struct elf_image img;

	if (!CHECK(mkdtemp(dir) != NULL))
		return;
	alarm(2);
	snprintf(path, sizeof(path), "%s/fifo", dir);
	CHECK(mkfifo(path, 0600) == 0);
	CHECK(elf_image__open(&img, path, LIMIT, err, sizeof(err)) == -1);
	CHECK_CONTAINS(err, "fifo is not a regular file");
	unlink(path);
	snprintf(path, sizeof(path), "%s/big", dir);
	CHECK(close(open(path, O_CREAT | O_WRONLY, 0600)) == 0 && truncate(path, 3ULL << 30) == 0);
	CHECK(elf_image__open(&img, path, LIMIT, err, sizeof(err)) == -1);
	CHECK_CONTAINS(err, "big is not an ELF file");
	alarm(0);
	unlink(path);
	rmdir(dir);
}

static void test_open(void)
{
	struct elf_image img;
	char err[512] = "", path[4096];

	CHECKF(elf_image__open(&img, fixture_path("tiny.elf"), LIMIT, err, sizeof(err)) == 0, "%s",
	       err);
	CHECK(img.mapped && img.size == fix_size && memcmp(img.data, fix, fix_size) == 0);
	CHECK_STR(elf_image__symbolize(&img, img.entry, NULL), "_start");
	elf_image__close(&img);
	test_open_then_truncate();
	test_open_odd_files();

	snprintf(path, sizeof(path), "%s", fixture_path("no-such-file.pith"));
	CHECK(elf_image__open(&img, path, LIMIT, err, sizeof(err)) == -1);
	CHECK(strncmp(err, path, strlen(path)) == 0);
	CHECK_CONTAINS(err, "cannot be opened: No such file or directory; check the path");
	elf_image__close(&img); /* safe after a failed open */

	CHECK(elf_image__open(&img, fixdir, LIMIT, err, sizeof(err)) == -1);
	CHECK_CONTAINS(err, "is not a regular file");
	CHECK(elf_image__open(&img, fixture_path("empty"), LIMIT, err, sizeof(err)) == -1);
	CHECK_CONTAINS(err, "is empty");
	CHECK(elf_image__open(&img, fixture_path("not-elf.txt"), LIMIT, err, sizeof(err)) == -1);
	CHECK_CONTAINS(err, "not-elf.txt is not an ELF file; pass an image built with pith build");

	/* A small error buffer truncates the message, never overflows it. */
	char small[8];
	CHECK(elf_image__open(&img, fixture_path("not-elf.txt"), LIMIT, small, sizeof(small)) ==
	      -1);
	CHECK_U64(strlen(small), 7);
	CHECK(elf_image__open(&img, fixture_path("not-elf.txt"), LIMIT, NULL, 0) == -1);
}

/* ---- Truncation at every length ----------------------------------------------------------- */

static void test_truncations(void)
{
	unsigned bad = 0;
	char err[512];

	/* Precondition: the section headers end the file, so every shorter length cuts something.
	 */
	CHECK_U64(ehdr(fix)->e_shoff + ehdr(fix)->e_shnum * sizeof(Elf64_Shdr), fix_size);
	for (size_t n = 0; n < fix_size; n++) {
		int rc = parse_copy(fix, n, LIMIT, err, sizeof(err));
		const char *want = n < 4 ? "is not an ELF file" : "is truncated";

		if (rc != -1 || !strstr(err, want)) {
			bad++;
			CHECKF(false, "truncated to %zu bytes: rc %d, \"%s\"", n, rc, err);
		}
	}
	CHECKF(bad == 0, "%u of %zu truncations misjudged", bad, fix_size);
	CHECK(elf_image__parse(&(struct elf_image){0}, NULL, 0, LIMIT, err, sizeof(err)) == -1);
}

/* ---- The ELF header ----------------------------------------------------------------------- */

static void test_ident(void)
{
	uint8_t *b;

	b = dup_fixture(), b[1] = 'X';
	reject("bad magic", b, "is not an ELF file; pass an image built with pith build");
	b = dup_fixture(), b[EI_CLASS] = ELFCLASS32;
	reject("32-bit", b, "is a 32-bit ELF file; Pith runs 64-bit x86_64 images");
	b = dup_fixture(), b[EI_CLASS] = 0;
	reject("class 0", b, "invalid ELF class");
	b = dup_fixture(), b[EI_DATA] = ELFDATA2MSB;
	reject("big-endian", b, "is not a little-endian ELF file");
	b = dup_fixture(), b[EI_VERSION] = 2;
	reject("ident version", b, "unknown ELF version");
	b = dup_fixture(), ehdr(b)->e_version = 0;
	reject("e_version", b, "unknown ELF version");
	b = dup_fixture(), ehdr(b)->e_machine = EM_386;
	reject("i386", b, "is built for another machine (ELF machine 3)");
	b = dup_fixture(), ehdr(b)->e_machine = EM_AARCH64;
	reject("aarch64", b, "is built for another machine");
}

static void test_type(void)
{
	char err[512];
	uint8_t *b;

	b = dup_fixture(), ehdr(b)->e_type = ET_REL;
	reject("ET_REL", b, "is an object file, not an executable; link it with pith build");
	b = dup_fixture(), ehdr(b)->e_type = ET_CORE;
	reject("ET_CORE", b, "is a core dump");
	b = dup_fixture(), ehdr(b)->e_type = 0x1234;
	reject("odd type", b, "is not an executable (ELF type 4660)");
	b = dup_fixture(), ehdr(b)->e_type = ET_DYN;
	parse_copy(b, fix_size, LIMIT, err, sizeof(err));
	CHECK_STR(err, "image is a position-independent executable; Pith runs static non-PIE "
		       "images (build it with pith build)");
	free(b);
	b = dup_fixture(), phdr_of_type(b, PT_GNU_STACK, 0)->p_type = PT_INTERP;
	parse_copy(b, fix_size, LIMIT, err, sizeof(err));
	CHECK_STR(err, "image is dynamically linked; Pith runs static images (build it with pith "
		       "build, or link it with -static)");
	free(b);
	b = dup_fixture(), phdr_of_type(b, PT_GNU_STACK, 0)->p_type = PT_DYNAMIC;
	reject("PT_DYNAMIC", b, "is dynamically linked");
	/* A dynamic PIE reports being dynamic: that is what its author needs to fix first. */
	b = dup_fixture(), phdr_of_type(b, PT_GNU_STACK, 0)->p_type = PT_INTERP;
	ehdr(b)->e_type = ET_DYN;
	reject("dynamic PIE", b, "is dynamically linked");
}

static void test_phdr_table(void)
{
	uint8_t *b;

	b = dup_fixture(), ehdr(b)->e_phoff = fix_size;
	reject("phoff at EOF", b, "is truncated: its program headers end past the end");
	b = dup_fixture(), ehdr(b)->e_phoff = fix_size - 56 * 2;
	reject("phoff near EOF", b, "is truncated");
	b = dup_fixture(), ehdr(b)->e_phoff = UINT64_MAX - 16;
	reject("phoff wraps", b, "is truncated");
	b = dup_fixture(), ehdr(b)->e_phoff = 1ULL << 63;
	reject("phoff huge", b, "is truncated");
	b = dup_fixture(), ehdr(b)->e_phnum = 0xffff;
	reject("phnum 0xffff", b, "has 65535 program headers (at most 256)");
	b = dup_fixture(), ehdr(b)->e_phnum = 180;
	reject("phnum past EOF", b, "is truncated");
	b = dup_fixture(), ehdr(b)->e_phnum = 0;
	reject("phnum 0", b, "has no program headers");
	b = dup_fixture(), ehdr(b)->e_phentsize = 32;
	reject("phentsize", b, "has program headers of 32 bytes (ELF64 uses 56)");
	b = dup_fixture(), ehdr(b)->e_phoff = 0; /* unaligned, overlapping the header: still read */
	reject("phoff 0", b, "image ");
}

/* ---- Segments ----------------------------------------------------------------------------- */

static void test_segment_bounds(void)
{
	uint8_t *b;

	b = dup_fixture(), phdr_of_type(b, PT_LOAD, 1)->p_filesz = fix_size;
	phdr_of_type(b, PT_LOAD, 1)->p_memsz = fix_size;
	reject("filesz past EOF", b, "is truncated: the segment at 0x101000 ends past the end");
	b = dup_fixture(), phdr_of_type(b, PT_LOAD, 1)->p_offset = fix_size - 1;
	reject("offset past EOF", b, "is truncated");
	b = dup_fixture(), phdr_of_type(b, PT_LOAD, 1)->p_offset = UINT64_MAX - 8;
	reject("offset wraps", b, "is truncated");
	b = dup_fixture(), phdr_of_type(b, PT_LOAD, 3)->p_filesz = 0x2000;
	reject("filesz > memsz", b, "more file bytes than memory bytes");
	b = dup_fixture(), phdr_of_type(b, PT_LOAD, 3)->p_vaddr = 0xfffffffffffff000ULL;
	reject("vaddr + memsz wraps", b, "wraps around the address space");
	b = dup_fixture(), phdr_of_type(b, PT_LOAD, 3)->p_memsz = UINT64_MAX;
	reject("memsz huge", b, "wraps around");
	b = dup_fixture(), phdr_of_type(b, PT_LOAD, 0)->p_vaddr = 0x1000;
	reject("below base", b, "has a segment at 0x1000, below 0x100000 where Pith images start");
	b = dup_fixture(), phdr_of_type(b, PT_LOAD, 0)->p_vaddr = PITH_IMAGE_BASE - 1;
	reject("just below base", b, "below 0x100000");
	b = dup_fixture(), phdr_of_type(b, PT_LOAD, 3)->p_memsz = 1ULL << 33;
	reject("beyond limit", b, "past the guest memory limit 0x4000000; give it more memory");
}

/* A segment may end exactly at the limit, not one byte past it. */
static void test_segment_limit(void)
{
	Elf64_Phdr *data = phdr_of_type(fix, PT_LOAD, 3);
	uint64_t end = data->p_vaddr + data->p_memsz;

	accept("ends at the limit", dup_fixture(), end);
	reject_n("ends past the limit", fix, fix_size, end - 1, "past the guest memory limit");
	reject_n("limit below base", fix, fix_size, PITH_IMAGE_BASE, "past the guest memory limit");
}

static void test_segment_layout(void)
{
	uint8_t *b;

	b = dup_fixture(), phdr_of_type(b, PT_LOAD, 3)->p_flags = PF_R | PF_W | PF_X;
	reject("W+X", b, "that is both writable and executable; Pith maps W^X");
	b = dup_fixture(), phdr_of_type(b, PT_LOAD, 1)->p_flags = PF_W | PF_X;
	reject("W+X without R", b, "both writable and executable");
	b = dup_fixture(), phdr_of_type(b, PT_LOAD, 3)->p_vaddr = 0x102100;
	reject("overlap", b, "has overlapping segments at 0x102000 and 0x102100");
	b = dup_fixture(), phdr_of_type(b, PT_LOAD, 0)->p_vaddr = 0x101000;
	reject("same start", b, "has overlapping segments");
	b = dup_fixture(), phdr_of_type(b, PT_LOAD, 3)->p_vaddr = 0x102240;
	reject("shared page", b,
	       "has segments with different permissions sharing the page at 0x102000");
	/* The same page with the same permissions is fine (rodata next to the headers' page). */
	b = dup_fixture(), phdr_of_type(b, PT_LOAD, 2)->p_vaddr = 0x100400;
	accept("shared page, same permissions", b, LIMIT);
	b = dup_fixture(), phdr_of_type(b, PT_LOAD, 1)->p_flags = PF_R;
	reject("entry not executable", b, "has its entry point 0x");
	b = dup_fixture(), ehdr(b)->e_entry = 0x100;
	reject("entry outside", b, "outside its executable segments");
	b = dup_fixture();
	for (unsigned i = 0; i < ehdr(b)->e_phnum; i++)
		if (phdr(b, i)->p_type == PT_LOAD)
			phdr(b, i)->p_type = PT_NULL;
	reject("no PT_LOAD", b, "has no loadable segments");
	b = dup_fixture(), phdr_of_type(b, PT_LOAD, 2)->p_memsz = 0; /* empty: skipped */
	phdr_of_type(b, PT_LOAD, 2)->p_filesz = 0;
	accept("empty segment", b, LIMIT);
}

/* ---- Notes -------------------------------------------------------------------------------- */

static void test_notes(void)
{
	uint8_t *b;
	char err[512];

	b = dup_fixture(), pith_note(b, PITH_NOTE_ABI)->n_descsz = 8;
	reject("ABI note of 8 bytes", b, "has a malformed Pith ABI note (8 bytes, expected 16)");
	b = dup_fixture(), pith_note(b, 99)->n_type = PITH_NOTE_ABI;
	reject("two ABI notes", b, "has two Pith ABI notes");
	b = dup_fixture(), pith_note(b, PITH_NOTE_ABI)->n_namesz = 0xffffffff;
	reject("namesz huge", b, "has a note whose sizes run past its segment");
	b = dup_fixture(), pith_note(b, PITH_NOTE_ABI)->n_descsz = 0xfffffff0;
	reject("descsz huge", b, "sizes run past");
	b = dup_fixture(), pith_note(b, 99)->n_descsz = 17;
	reject("descsz past segment", b, "sizes run past");
	b = dup_fixture(), phdr_of_type(b, PT_NOTE, 0)->p_filesz = 0x80 + 4;
	reject("note segment with a partial header", b, "has a truncated note");
	b = dup_fixture(), phdr_of_type(b, PT_NOTE, 0)->p_offset = fix_size - 8;
	reject("note segment past EOF", b, "is truncated: a note segment ends past the end");
	b = dup_fixture(), phdr_of_type(b, PT_NOTE, 0)->p_offset = UINT64_MAX;
	reject("note offset wraps", b, "is truncated");

	/* A component name without its NUL, and an empty one. */
	Elf64_Nhdr *n;
	b = dup_fixture(), n = pith_note(b, PITH_NOTE_COMPONENT);
	memset((uint8_t *)(n + 1) + 8, 'x', 8); /* "core\0" and its padding */
	reject("component without NUL", b, "has a malformed Pith component note");
	b = dup_fixture(), n = pith_note(b, PITH_NOTE_COMPONENT);
	((uint8_t *)(n + 1))[8] = 0;
	reject("empty component", b, "malformed Pith component note");

	/* A note not named "Pith" is ignored, whatever its type. */
	b = dup_fixture(), n = pith_note(b, PITH_NOTE_ABI);
	((uint8_t *)(n + 1))[0] = 'Q';
	CHECK(parse_copy(b, fix_size, LIMIT, err, sizeof(err)) == 0);
	free(b);
}

/* ---- Symbols ------------------------------------------------------------------------------ */

static void test_symbol_tables(void)
{
	uint8_t *b;

	b = dup_fixture(), shdr_of_type(b, SHT_SYMTAB)->sh_link = 200;
	reject("sh_link out of range", b, "has a symbol table without a string table");
	b = dup_fixture(), shdr_of_type(b, SHT_SYMTAB)->sh_link = 1;
	reject("sh_link to a non-strtab", b, "linked to a non-string section");
	b = dup_fixture(), shdr_of_type(b, SHT_SYMTAB)->sh_offset = fix_size - 24;
	reject("symtab past EOF", b, "is truncated: its symbol table ends past the end");
	b = dup_fixture(), shdr_of_type(b, SHT_SYMTAB)->sh_size = UINT64_MAX - 23;
	reject("symtab size wraps", b, "symbol table");
	b = dup_fixture(), shdr_of_type(b, SHT_STRTAB)->sh_offset = UINT64_MAX;
	reject("strtab wraps", b, "is truncated");
	b = dup_fixture(), shdr_of_type(b, SHT_SYMTAB)->sh_entsize = 16;
	reject("sym entsize", b, "has a malformed symbol table");
	b = dup_fixture(), shdr_of_type(b, SHT_SYMTAB)->sh_size = 25;
	reject("symtab size not a multiple", b, "malformed symbol table");
	b = dup_fixture(), ehdr(b)->e_shoff = UINT64_MAX - 100;
	reject("shoff wraps", b, "is truncated: its section headers end past the end");
	b = dup_fixture(), ehdr(b)->e_shnum = 0xffff;
	reject("shnum huge", b, "is truncated");
	b = dup_fixture(), ehdr(b)->e_shentsize = 40;
	reject("shentsize", b, "has section headers of 40 bytes (ELF64 uses 64)");
}

/* A string table without a NUL, at the very end of an exact-size buffer: names are not read. */
static void test_unterminated_names(void)
{
	struct elf_image img;
	char err[512];
	size_t size = fix_size + 64;
	uint8_t *b = malloc(size);
	Elf64_Shdr *str;

	memcpy(b, fix, fix_size);
	memset(b + fix_size, 'A', 64);
	str = shdr(b, shdr_of_type(b, SHT_SYMTAB)->sh_link);
	str->sh_offset = fix_size;
	str->sh_size = 64;
	CHECKF(elf_image__parse(&img, b, size, LIMIT, err, sizeof(err)) == 0, "%s", err);
	CHECK(elf_image__symbolize(&img, img.entry, NULL) == NULL);
	CHECK_U64(sym_lookup(&img, "_start"), 0);
	CHECK_U64(sym_lookup(&img, "AAAA"), 0);
	elf_image__close(&img);
	free(b);
}

static void test_stripped_and_bad_names(void)
{
	struct elf_image img;
	char err[512];
	uint8_t *b = dup_fixture();

	ehdr(b)->e_shoff = 0;
	ehdr(b)->e_shnum = 0;
	CHECKF(elf_image__parse(&img, b, fix_size, LIMIT, err, sizeof(err)) == 0, "%s", err);
	CHECK(img.symtab == NULL && img.nsyms == 0);
	CHECK(elf_image__symbolize(&img, img.entry, NULL) == NULL);
	CHECK_U64(sym_lookup(&img, "_start"), 0);
	elf_image__close(&img);

	/* Names outside the string table are skipped, not read. */
	memcpy(b, fix, fix_size);
	Elf64_Shdr *sym = shdr_of_type(b, SHT_SYMTAB);
	for (uint64_t i = 0; i < sym->sh_size / sizeof(Elf64_Sym); i++)
		((Elf64_Sym *)(b + sym->sh_offset))[i].st_name = 0xfffffff0;
	CHECKF(elf_image__parse(&img, b, fix_size, LIMIT, err, sizeof(err)) == 0, "%s", err);
	CHECK(elf_image__symbolize(&img, img.entry, NULL) == NULL);
	CHECK_U64(sym_lookup(&img, "_start"), 0);
	elf_image__close(&img);
	free(b);
	test_unterminated_names();
}

/* ---- Hand-built images: layouts the fixture does not have --------------------------------- */

#define SYN_SIZE  0x1000
#define SYN_NOTES 0x600

struct synth {
	uint8_t buf[SYN_SIZE];
	size_t notes_len;
};

/* An ELF with nload PT_LOAD segments (the first RX over the whole file) and one PT_NOTE. */
static void synth_init(struct synth *s, unsigned nload, uint64_t note_align)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)s->buf;

	memset(s, 0, sizeof(*s));
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_entry = PITH_IMAGE_BASE + 0x800;
	eh->e_phoff = sizeof(*eh);
	eh->e_phentsize = sizeof(Elf64_Phdr);
	eh->e_phnum = (uint16_t)(nload + 1);
	for (unsigned i = 0; i < nload; i++)
		*phdr(s->buf, i) = (Elf64_Phdr){.p_type = PT_LOAD,
						.p_flags = i ? PF_R : PF_R | PF_X,
						.p_vaddr = PITH_IMAGE_BASE + i * 0x1000ULL,
						.p_filesz = i ? 0 : SYN_SIZE,
						.p_memsz = 0x1000};
	*phdr(s->buf, nload) =
	    (Elf64_Phdr){.p_type = PT_NOTE, .p_offset = SYN_NOTES, .p_align = note_align};
}

/* Append a note; align is the PT_NOTE's (4 or 8). */
static void synth_note(struct synth *s, const char *name, uint32_t type, const void *desc,
		       uint32_t descsz, unsigned align)
{
	uint8_t *p = s->buf + SYN_NOTES + s->notes_len;
	Elf64_Nhdr nh = {(uint32_t)strlen(name) + 1, descsz, type};
	size_t desc_off = (sizeof(nh) + nh.n_namesz + align - 1) & ~(size_t)(align - 1);

	memcpy(p, &nh, sizeof(nh));
	memcpy(p + sizeof(nh), name, nh.n_namesz);
	memcpy(p + desc_off, desc, descsz);
	s->notes_len += (desc_off + descsz + align - 1) & ~(size_t)(align - 1);
	phdr(s->buf, ehdr(s->buf)->e_phnum - 1)->p_filesz = s->notes_len;
}

static int synth_parse(struct synth *s, struct elf_image *img, char *err)
{
	return elf_image__parse(img, s->buf, SYN_SIZE, LIMIT, err, 512);
}

static const struct pith_note_abi abi_desc = {PITH_ABI_VERSION, 0, PITH_IMAGE_BASE + 0x900};

/* 8-byte aligned notes (as GNU property notes are): padding follows the segment's p_align. */
static void test_synth_note_align(void)
{
	static struct synth s;
	struct elf_image img;
	char err[512];
	uint8_t gnu_desc[12] = {1};

	synth_init(&s, 1, 8);
	synth_note(&s, "GNU", 5, gnu_desc, sizeof(gnu_desc), 8);
	synth_note(&s, PITH_NOTE_NAME, PITH_NOTE_ABI, &abi_desc, sizeof(abi_desc), 8);
	synth_note(&s, PITH_NOTE_NAME, PITH_NOTE_COMPONENT, "mem", 4, 8);
	CHECKF(synth_parse(&s, &img, err) == 0, "8-aligned notes: %s", err);
	CHECK(img.has_abi_note && img.abi.compat_entry == abi_desc.compat_entry);
	CHECK(img.ncomponents == 1 && strcmp(img.components[0], "mem") == 0);
	CHECK(img.symtab == NULL && img.phdr_vaddr == PITH_IMAGE_BASE + sizeof(Elf64_Ehdr));
	elf_image__close(&img);

	/* The last note may end without padding at the end of its segment. */
	synth_init(&s, 1, 4);
	synth_note(&s, PITH_NOTE_NAME, PITH_NOTE_COMPONENT, "time", 5, 4);
	phdr(s.buf, 1)->p_filesz -= 3;
	CHECKF(synth_parse(&s, &img, err) == 0, "unpadded last note: %s", err);
	CHECK(img.ncomponents == 1 && !img.has_abi_note);
	elf_image__close(&img);
}

static void test_synth_counts(void)
{
	static struct synth s;
	struct elf_image img;
	char err[512], name[16];

	synth_init(&s, 1, 4);
	for (int i = 0; i < ELF_IMAGE_MAX_COMPONENTS; i++) {
		snprintf(name, sizeof(name), "c%d", i);
		synth_note(&s, PITH_NOTE_NAME, PITH_NOTE_COMPONENT, name, strlen(name) + 1, 4);
	}
	CHECKF(synth_parse(&s, &img, err) == 0, "32 components: %s", err);
	CHECK(img.ncomponents == 32 && strcmp(img.components[31], "c31") == 0);
	elf_image__close(&img);
	synth_note(&s, PITH_NOTE_NAME, PITH_NOTE_COMPONENT, "one-more", 9, 4);
	CHECK(synth_parse(&s, &img, err) == -1);
	CHECK_CONTAINS(err, "has more than 32 Pith component notes");

	synth_init(&s, ELF_IMAGE_MAX_SEGMENTS, 4);
	CHECKF(synth_parse(&s, &img, err) == 0, "16 segments: %s", err);
	CHECK(img.nseg == 16 && img.image_end == PITH_IMAGE_BASE + 16 * 0x1000);
	elf_image__close(&img);
	synth_init(&s, ELF_IMAGE_MAX_SEGMENTS + 1, 4);
	CHECK(synth_parse(&s, &img, err) == -1);
	CHECK_CONTAINS(err, "has more than 16 loadable segments");

	/* Segments out of order in the file come out sorted. */
	synth_init(&s, 3, 4);
	phdr(s.buf, 1)->p_vaddr = PITH_IMAGE_BASE + 0x5000;
	phdr(s.buf, 2)->p_vaddr = PITH_IMAGE_BASE + 0x3000;
	CHECKF(synth_parse(&s, &img, err) == 0, "unsorted: %s", err);
	CHECK(img.seg[1].vaddr == PITH_IMAGE_BASE + 0x3000 &&
	      img.seg[2].vaddr == PITH_IMAGE_BASE + 0x5000);
	elf_image__close(&img);
}

/* ---- Real Linux executables built by the host compiler ------------------------------------ */

static void test_real(const char *name, const char *want_err)
{
	struct elf_image img;
	char err[512] = "", want[1024];
	const char *path = fixture_path(name);
	int rc = elf_image__open(&img, path, PITH_MEM_MAX, err, sizeof(err));

	if (!want_err) {
		CHECKF(rc == 0, "%s: %s", name, err);
		CHECKF(rc == 0 && !img.has_abi_note && img.ncomponents == 0, "%s: notes", name);
		CHECKF(rc == 0 && sym_lookup(&img, "main") != 0, "%s: main", name);
		CHECKF(rc == 0 && sym_lookup(&img, "_start") == img.entry, "%s: _start", name);
		elf_image__close(&img);
		return;
	}
	snprintf(want, sizeof(want), "%s %s", path, want_err);
	CHECKF(rc == -1, "%s: accepted", name);
	CHECK_STR(err, want);
}

/* The symbol elf_image__symbolize gives for a fixture's entry point. */
static const char *entry_symbol(const char *name)
{
	static char sym[256];
	struct elf_image img;
	char err[512];
	const char *s;

	if (elf_image__open(&img, fixture_path(name), PITH_MEM_MAX, err, sizeof(err)) < 0)
		return NULL;
	s = elf_image__symbolize(&img, img.entry, NULL);
	snprintf(sym, sizeof(sym), "%s", s ? s : "");
	elf_image__close(&img);
	return s ? sym : NULL;
}

static void test_real_world(void)
{
	test_real("hello-static", NULL);
	CHECK_STR(entry_symbol("hello-static"), "_start");
	/* musl's _start is a global assembly label without a type: it still counts. */
	CHECK_STR(entry_symbol("hello-musl-static"), "_start");
	test_real("hello-musl-static", NULL);
	test_real("hello-dynamic", "is dynamically linked; Pith runs static images (build it with "
				   "pith build, or link it with -static)");
	test_real("hello-nopie-dynamic", "is dynamically linked; Pith runs static images (build it "
					 "with pith build, or link it with -static)");
	test_real("hello-static-pie", "is a position-independent executable; Pith runs static "
				      "non-PIE images (build it with pith build)");
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s FIXTURE-DIR\n", argv[0]);
		return 2;
	}
	fixdir = argv[1];
	fix = read_file(fixture_path("tiny.elf"), &fix_size);
	if (!CHECKF(fix != NULL, "cannot read %s", fixture_path("tiny.elf")))
		return test__done();
	test_valid();
	test_phdrs_not_loaded();
	test_open();
	test_truncations();
	test_ident();
	test_type();
	test_phdr_table();
	test_segment_bounds();
	test_segment_limit();
	test_segment_layout();
	test_notes();
	test_symbol_tables();
	test_stripped_and_bad_names();
	test_synth_note_align();
	test_synth_counts();
	test_real_world();
	free(fix);
	return test__done();
}
