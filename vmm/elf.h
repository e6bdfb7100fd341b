/* ELF image loader: checks an image (Pith or static Linux ELF); finds segments, notes, symbols. */
#ifndef VMM_ELF_H
#define VMM_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pith/abi.h>

#define ELF_IMAGE_MAX_SEGMENTS	 16
#define ELF_IMAGE_MAX_COMPONENTS 32
#define ELF_IMAGE_MAX_PHNUM	 256	    /* more program headers than this: refused */
#define ELF_IMAGE_MAX_SYMBOLS	 (1u << 20) /* symbols beyond this are not looked at */

/* Segment permission bits, as in ELF p_flags. */
#define ELF_SEG_X 1u
#define ELF_SEG_W 2u
#define ELF_SEG_R 4u

struct elf_segment {
	uint64_t vaddr; /* as in the file */
	uint64_t memsz;
	uint64_t filesz;
	uint64_t offset; /* file offset of the first byte */
	uint32_t flags;	 /* ELF_SEG_* */
};

struct elf_image {
	const uint8_t *data; /* the whole file (elf_image__open's copy, or the caller's buffer) */
	size_t size;
	bool mapped; /* data is elf_image__open's private copy of the file (unmapped by close) */

	uint64_t entry;	     /* e_entry */
	uint64_t phdr_vaddr; /* guest address of the program headers, 0 if not loaded */
	uint16_t phnum;
	const void *phdrs;				/* the program headers inside data */
	struct elf_segment seg[ELF_IMAGE_MAX_SEGMENTS]; /* PT_LOAD segments, sorted by vaddr */
	unsigned nseg;
	uint64_t image_end; /* page-aligned end of the highest segment */

	bool has_abi_note; /* a PITH_NOTE_ABI note was found */
	struct pith_note_abi abi;
	/* PITH_NOTE_COMPONENT names (pointing into data) */
	const char *components[ELF_IMAGE_MAX_COMPONENTS];
	unsigned ncomponents;

	const void *symtab; /* Elf64_Sym array inside data, NULL if stripped */
	size_t nsyms;
	const char *strtab;
	size_t strtab_size;
};

/*
 * Parse and validate an image held in memory. Checks: ELF64, little-endian, x86_64, ET_EXEC,
 * every header and segment inside the file (overflow-safe), no PT_INTERP/PT_DYNAMIC (static
 * only), segments inside [PITH_IMAGE_BASE, limit), no overlap between segments, no page shared by
 * segments of different permissions, no segment both writable and executable, filesz <= memsz,
 * the entry point inside an executable segment, notes well-formed, and the symbol table (if
 * any) inside the file. A Pith image has a PITH_NOTE_ABI note (has_abi_note); its version is
 * not checked here. Without one, the image is a static Linux ELF (the compat path).
 * Returns 0, or -1 with a one-line reason in err (no trailing newline): "image <what is wrong>;
 * <what to do>". On failure img is zeroed (elf_image__close is then harmless). Notes are read
 * with the padding of their PT_NOTE's p_align (4, or 8 as GNU property notes use).
 */
int elf_image__parse(struct elf_image *img, const void *data, size_t size, uint64_t limit,
		     char *err, size_t errlen);

/* Read a file into private memory, then elf_image__parse it. Same return convention; errors name
 * the file. */
int elf_image__open(struct elf_image *img, const char *path, uint64_t limit, char *err,
		    size_t errlen);

/* Unmap (if mapped) and free what the image holds. Safe on an image whose parse or open failed. */
void elf_image__close(struct elf_image *img);

/*
 * Name of the function or object symbol containing addr, or NULL; *offset receives addr minus
 * the symbol's value. If no symbol's [value, value + size) contains addr, the nearest function
 * before addr in the same executable segment is used (assembly often has no sizes; a global label
 * without a type in an executable segment counts as a function). Works on a stripped image
 * (returns NULL). Scans the symbol table on each call: no allocation, no system call, nothing
 * to prepare (safe under the monitor's seccomp filter).
 */
const char *elf_image__symbolize(const struct elf_image *img, uint64_t addr, uint64_t *offset);

#endif
