/* Builds the initial process stack (argc, argv, envp, auxv, strings) in Linux's execve layout. */
#include <string.h>

#include "core/initstack.h"

static const char platform[] = "x86_64";

long pith_initstack_count_strings(const char *s, size_t len)
{
	long n = 0;

	for (size_t i = 0; i < len; i++)
		n += s[i] == '\0';
	if (len && s[len - 1] != '\0')
		return -1;
	return n;
}

/* Move *cur down by len bytes (then align down to align), failing below bottom. */
static uint8_t *carve(uint8_t **cur, uint8_t *bottom, size_t len, uintptr_t align)
{
	uintptr_t p = (uintptr_t)*cur;

	if (p - (uintptr_t)bottom < len)
		return NULL;
	p = (p - len) & ~(align - 1);
	if (p < (uintptr_t)bottom)
		return NULL;
	*cur = (uint8_t *)p;
	return *cur;
}

/* Fill argv or envp: count pointers to consecutive strings starting at *s, then NULL. */
static uint64_t *put_string_vector(uint64_t *v, const char **s, uint32_t count)
{
	for (uint32_t i = 0; i < count; i++) {
		*v++ = (uint64_t)(uintptr_t)*s;
		*s += strlen(*s) + 1;
	}
	*v++ = 0;
	return v;
}

static uint64_t *put_aux(uint64_t *v, uint64_t type, uint64_t value)
{
	v[0] = type;
	v[1] = value;
	return v + 2;
}

uint64_t *pith_initstack_build(const struct pith_initstack *in)
{
	uint8_t *cur = in->top, *end, *strings, *random, *plat;

	if (in->naux > PITH_INITSTACK_MAX_AUX ||
	    pith_initstack_count_strings(in->strings, in->strings_len) != (long)in->argc + in->envc)
		return NULL;
	/* An 8-byte zero end marker at the very top, as Linux leaves. */
	if (!(end = carve(&cur, in->bottom, 8, 8)) ||
	    !(strings = carve(&cur, in->bottom, in->strings_len, 1)) ||
	    !(random = carve(&cur, in->bottom, 16, 16)) ||
	    !(plat = carve(&cur, in->bottom, sizeof(platform), 1)))
		return NULL;
	memset(end, 0, 8);
	memcpy(strings, in->strings, in->strings_len);
	memcpy(random, in->random, 16);
	memcpy(plat, platform, sizeof(platform));

	/* argc + argv + NULL + envp + NULL + (aux + AT_RANDOM + AT_PLATFORM + AT_NULL) pairs. */
	size_t words = 1 + in->argc + 1 + in->envc + 1 + 2 * (in->naux + 3);
	uint64_t *sp = (uint64_t *)(void *)carve(&cur, in->bottom, words * 8, 16);

	if (!sp)
		return NULL;
	const char *s = (const char *)strings;
	uint64_t *v = sp;

	*v++ = in->argc;
	v = put_string_vector(v, &s, in->argc);
	v = put_string_vector(v, &s, in->envc);
	for (size_t i = 0; i < in->naux; i++)
		v = put_aux(v, in->aux[i].type, in->aux[i].value);
	v = put_aux(v, PITH_AT_RANDOM, (uint64_t)(uintptr_t)random);
	v = put_aux(v, PITH_AT_PLATFORM, (uint64_t)(uintptr_t)plat);
	put_aux(v, PITH_AT_NULL, 0);
	return sp;
}
