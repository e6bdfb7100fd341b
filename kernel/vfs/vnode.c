/* The vnode cache: one in-memory vnode per (mount, inode number), freed with its last reference. */
#include <stdint.h>

#include "core/core.h"
#include "mem/mem.h"
#include "vfs/vfs.h"

#define VNODE_BUCKETS 1024u /* a power of two */

static struct pith_vnode *buckets[VNODE_BUCKETS];

static struct pith_vnode **bucket(const struct pith_mount *m, uint64_t ino)
{
	uint64_t h = ((uintptr_t)m >> 4) ^ ino * 0x9e3779b97f4a7c15ULL;

	return &buckets[(h >> 32) & (VNODE_BUCKETS - 1)];
}

static void unhash(struct pith_vnode *vn)
{
	struct pith_vnode **p = bucket(vn->mnt, vn->ino);

	while (*p && *p != vn)
		p = &(*p)->hnext;
	PITH_ASSERT_MSG(*p, "vnode not in the cache");
	*p = vn->hnext;
}

struct pith_vnode *pith_vnode_get(struct pith_mount *m, uint64_t ino, bool *fresh)
{
	struct pith_vnode **b = bucket(m, ino), *vn;

	for (vn = *b; vn; vn = vn->hnext) {
		if (vn->mnt == m && vn->ino == ino) {
			vn->refs++;
			*fresh = false;
			return vn;
		}
	}
	vn = pith_kmalloc(sizeof(*vn));
	if (!vn)
		return NULL;
	vn->mnt = m;
	vn->ino = ino;
	vn->refs = 1;
	vn->hnext = *b;
	*b = vn;
	*fresh = true;
	return vn;
}

void pith_vnode_discard(struct pith_vnode *vn)
{
	unhash(vn);
	pith_kfree(vn, sizeof(*vn));
}

void pith_vnode_hold(struct pith_vnode *vn)
{
	vn->refs++;
}

void pith_vnode_put(struct pith_vnode *vn)
{
	PITH_ASSERT_MSG(vn->refs > 0, "vnode released more often than held");
	if (--vn->refs)
		return;
	if (vn->ops && vn->ops->evict)
		vn->ops->evict(vn);
	pith_vnode_discard(vn);
}
