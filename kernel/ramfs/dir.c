/* ramfs directory tables: a hash by name for lookups, slots in insertion order for readdir. */
#include <errno.h>
#include <string.h>

#include "mem/mem.h"
#include "ramfs/ramfs.h"

#define MIN_BUCKETS 8u
#define MIN_SLOTS   8u

/* FNV-1a over the name. */
static uint64_t name_hash(const char *name, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)name[i]) * 0x100000001b3ull;
	return h;
}

static struct ramfs_entry **chain(const struct ramfs_dir *d, const char *name, size_t len)
{
	return &d->hash[name_hash(name, len) & (d->nbuckets - 1)];
}

struct ramfs_entry *pith_ramfs_dir_find(struct ramfs_dir *d, const char *name, size_t len)
{
	if (!d->nbuckets)
		return NULL;
	for (struct ramfs_entry *e = *chain(d, name, len); e; e = e->hnext)
		if (e->len == len && memcmp(e->name, name, len) == 0)
			return e;
	return NULL;
}

struct ramfs_entry *pith_ramfs_entry_new(const char *name, size_t len, struct pith_vnode *vn)
{
	struct ramfs_entry *e = pith_kmalloc(sizeof(*e) + len);

	if (!e)
		return NULL;
	e->vn = vn;
	e->len = (uint8_t)len;
	memcpy(e->name, name, len);
	return e;
}

void pith_ramfs_entry_free(struct ramfs_entry *e)
{
	pith_kfree(e, sizeof(*e) + e->len);
}

/* Moves every entry into a table of n buckets; false (the old table kept) without memory. */
static bool rehash(struct ramfs_dir *d, size_t n)
{
	struct ramfs_entry **old = d->hash, **hash = pith_kmalloc(n * sizeof(*hash));
	size_t oldn = d->nbuckets;

	if (!hash)
		return false;
	d->hash = hash;
	d->nbuckets = n;
	for (size_t i = 0; i < oldn; i++) {
		for (struct ramfs_entry *e = old[i], *next; e; e = next) {
			struct ramfs_entry **c = chain(d, e->name, e->len);

			next = e->hnext;
			e->hnext = *c;
			*c = e;
		}
	}
	if (old)
		pith_kfree(old, oldn * sizeof(*old));
	return true;
}

/* Drops the tombstones from the slots (seq order is kept). */
static void compact(struct ramfs_dir *d)
{
	size_t n = 0;

	for (size_t i = 0; i < d->nslots; i++)
		if (d->slots[i].e)
			d->slots[n++] = d->slots[i];
	d->nslots = n;
}

static int grow_slots(struct ramfs_dir *d)
{
	size_t cap = d->cap ? d->cap * 2 : MIN_SLOTS;
	struct ramfs_slot *s = pith_kmalloc(cap * sizeof(*s));

	if (!s)
		return -ENOSPC;
	if (d->slots) {
		memcpy(s, d->slots, d->nslots * sizeof(*s));
		pith_kfree(d->slots, d->cap * sizeof(*s));
	}
	d->slots = s;
	d->cap = cap;
	return 0;
}

int pith_ramfs_dir_reserve(struct ramfs_dir *d)
{
	if (!d->nbuckets && !rehash(d, MIN_BUCKETS))
		return -ENOSPC;
	if (d->live + 1 > d->nbuckets)
		rehash(d, d->nbuckets * 2); /* without memory the chains just get longer */
	if (d->nslots < d->cap)
		return 0;
	if (d->nslots > d->live && d->nslots - d->live >= d->cap / 4) { /* enough tombstones */
		compact(d);
		return 0;
	}
	return grow_slots(d);
}

void pith_ramfs_dir_insert(struct ramfs_dir *d, struct ramfs_entry *e)
{
	struct ramfs_entry **c = chain(d, e->name, e->len);

	if (d->next_seq < RAMFS_FIRST_SEQ)
		d->next_seq = RAMFS_FIRST_SEQ;
	e->seq = d->next_seq++;
	e->hnext = *c;
	*c = e;
	d->slots[d->nslots].seq = e->seq;
	d->slots[d->nslots++].e = e;
	d->live++;
}

size_t pith_ramfs_dir_seek(const struct ramfs_dir *d, uint64_t seq)
{
	size_t lo = 0, hi = d->nslots;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (d->slots[mid].seq < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void pith_ramfs_dir_remove(struct ramfs_dir *d, struct ramfs_entry *e)
{
	struct ramfs_entry **c = chain(d, e->name, e->len);
	size_t i = pith_ramfs_dir_seek(d, e->seq);

	while (*c != e)
		c = &(*c)->hnext;
	*c = e->hnext;
	d->slots[i].e = NULL;
	d->live--;
	if (d->live == 0)
		d->nslots = 0; /* cookies stay valid: seq keeps growing */
}

void pith_ramfs_dir_free(struct ramfs_dir *d)
{
	for (size_t i = 0; i < d->nslots; i++)
		if (d->slots[i].e)
			pith_ramfs_entry_free(d->slots[i].e);
	if (d->hash)
		pith_kfree(d->hash, d->nbuckets * sizeof(*d->hash));
	if (d->slots)
		pith_kfree(d->slots, d->cap * sizeof(*d->slots));
	d->hash = NULL;
	d->slots = NULL;
	d->nbuckets = d->nslots = d->cap = d->live = 0;
}
