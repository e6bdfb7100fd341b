/* The initial process stack as Linux's execve builds it: argc, argv, envp, auxv and strings. */
#ifndef PITH_CORE_INITSTACK_H
#define PITH_CORE_INITSTACK_H

#include <stddef.h>
#include <stdint.h>

/* Auxiliary vector types (Linux include/uapi/linux/auxvec.h). */
#define PITH_AT_NULL	 0
#define PITH_AT_PHDR	 3
#define PITH_AT_PHENT	 4
#define PITH_AT_PHNUM	 5
#define PITH_AT_PAGESZ	 6
#define PITH_AT_BASE	 7
#define PITH_AT_FLAGS	 8
#define PITH_AT_ENTRY	 9
#define PITH_AT_UID	 11
#define PITH_AT_EUID	 12
#define PITH_AT_GID	 13
#define PITH_AT_EGID	 14
#define PITH_AT_PLATFORM 15
#define PITH_AT_HWCAP	 16
#define PITH_AT_CLKTCK	 17
#define PITH_AT_SECURE	 23
#define PITH_AT_RANDOM	 25

/* Most auxv entries the caller may pass; the builder adds AT_RANDOM, AT_PLATFORM and AT_NULL. */
#define PITH_INITSTACK_MAX_AUX 24

struct pith_auxv {
	uint64_t type;
	uint64_t value;
};

struct pith_initstack {
	uint8_t *bottom;     /* lowest usable byte of the stack */
	uint8_t *top;	     /* one past the highest (the initial stack_top) */
	const char *strings; /* argc + envc NUL-terminated strings, back to back */
	size_t strings_len;
	uint32_t argc, envc;
	const uint8_t *random;	     /* 16 bytes for AT_RANDOM */
	const struct pith_auxv *aux; /* entries other than AT_RANDOM/AT_PLATFORM/AT_NULL */
	size_t naux;		     /* at most PITH_INITSTACK_MAX_AUX */
};

/*
 * Copy the strings, the random bytes and the platform name ("x86_64") to the top of the stack,
 * then build below them: argc, argv[0..argc), NULL, envp[0..envc), NULL, the auxv pairs ending
 * with AT_NULL. Returns the initial stack pointer (16-byte aligned, pointing at argc), or NULL
 * if it does not fit between bottom and top or the strings do not match argc + envc.
 */
uint64_t *pith_initstack_build(const struct pith_initstack *in);

/* Number of NUL-terminated strings in [s, s + len); -1 if the last one is not terminated. */
long pith_initstack_count_strings(const char *s, size_t len);

#endif
