/* Kernel memory: size classes 16..2048 carved from pages, whole pages above; pages marked kern. */
#include <string.h>

#include "core/core.h"
#include "mem/mem.h"

#define MIN_SHIFT 4  /* 16 bytes */
#define MAX_SHIFT 11 /* 2048 bytes */
#define NCLASSES  (MAX_SHIFT - MIN_SHIFT + 1)

/*
 * A slab: one page holding blocks of one size class, with this header at its start. Slabs with
 * at least one free block sit on their class's partial list; a full slab is on no list; an
 * empty one is kept as the class's spare (one at most) or its page goes back to the arena.
 */
struct slab {
	struct slab *next, *prev;
	void *free;	/* first free block; each free block starts with the next one's address */
	unsigned inuse; /* blocks handed out */
	unsigned cls;
};

#define SLAB_HDR 32 /* blocks start here: keeps every block 16-byte aligned */
_Static_assert(sizeof(struct slab) <= SLAB_HDR, "slab header");

static struct slab partial[NCLASSES]; /* circular list heads (next = prev = self when empty) */
static struct slab *spare[NCLASSES];

static size_t class_size(unsigned cls)
{
	return (size_t)1 << (cls + MIN_SHIFT);
}

static unsigned size_class(size_t size)
{
	unsigned cls = 0;

	while (class_size(cls) < size)
		cls++;
	return cls;
}

/* Weak: an image that never unmaps (no stack cache linked) has no cached stacks to free. */
extern bool pith_stack_cache_flush(void) __attribute__((weak));

/* When the arena is full, cached thread stacks are freed and the search retried. */
static void *pages_get(size_t n)
{
	long first = pith_pages_kern_alloc(&pith_mem.pages, n);

	if (first < 0 && pith_stack_cache_flush && pith_stack_cache_flush())
		first = pith_pages_kern_alloc(&pith_mem.pages, n);

	return first < 0 ? NULL
			 : (void *)(uintptr_t)pith_pages_addr(&pith_mem.pages, (size_t)first);
}

static void pages_put(void *p, size_t n)
{
	uint64_t a = (uint64_t)(uintptr_t)p;

	PITH_ASSERT(a >= pith_mem.pages.base && (a & (PITH_PAGE - 1)) == 0);
	pith_pages_kern_free(&pith_mem.pages, (a - pith_mem.pages.base) / PITH_PAGE, n);
}

static void list_add(struct slab *head, struct slab *s)
{
	if (!head->next)
		head->next = head->prev = head;
	s->next = head->next;
	s->prev = head;
	head->next->prev = s;
	head->next = s;
}

static void list_del(struct slab *s)
{
	s->prev->next = s->next;
	s->next->prev = s->prev;
	s->next = s->prev = NULL;
}

/* A slab of class cls with every block free, from the spare or a fresh page. */
static struct slab *slab_new(unsigned cls)
{
	struct slab *s = spare[cls];
	size_t size = class_size(cls);
	char *b;

	if (s) {
		spare[cls] = NULL;
		return s;
	}
	s = pages_get(1);
	if (!s)
		return NULL;
	s->cls = cls;
	for (b = (char *)s + SLAB_HDR; b + size <= (char *)s + PITH_PAGE; b += size) {
		*(void **)b = s->free;
		s->free = b;
	}
	return s;
}

static void *small_alloc(unsigned cls)
{
	struct slab *head = &partial[cls], *s = head->next;
	void *b;

	if (!s || s == head) {
		s = slab_new(cls);
		if (!s)
			return NULL;
		list_add(head, s);
	}
	b = s->free;
	s->free = *(void **)b;
	s->inuse++;
	if (!s->free)
		list_del(s); /* full */
	memset(b, 0, class_size(cls));
	return b;
}

static void small_free(void *p, unsigned cls)
{
	struct slab *s = (struct slab *)((uintptr_t)p & ~(uintptr_t)(PITH_PAGE - 1));

	PITH_ASSERT_MSG(s->cls == cls && s->inuse > 0, "pith_kfree: bad pointer or size");
	if (!s->free)
		list_add(&partial[cls], s); /* was full */
	*(void **)p = s->free;
	s->free = p;
	if (--s->inuse)
		return;
	list_del(s);
	if (!spare[cls])
		spare[cls] = s;
	else
		pages_put(s, 1);
}

void *pith_kmalloc(size_t size)
{
	if (size > ((size_t)1 << MAX_SHIFT)) {
		uint64_t bytes = pith_mem_page_round(size);

		return bytes ? pages_get(bytes / PITH_PAGE) : NULL;
	}
	return small_alloc(size_class(size ? size : 1));
}

void pith_kfree(void *p, size_t size)
{
	if (!p)
		return;
	if (size > ((size_t)1 << MAX_SHIFT))
		pages_put(p, pith_mem_page_round(size) / PITH_PAGE);
	else
		small_free(p, size_class(size ? size : 1));
}
