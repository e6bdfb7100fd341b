/* Path lookup: ".", "..", symlinks, mount points in both directions, the cwd and dirfds. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "core/core.h"
#include "mem/mem.h"
#include "vfs/internal.h"

/*
 * The walk's state: the path still to resolve is buf[pos..] (NUL-terminated); cur is the
 * directory reached so far (held). A symlink's target is spliced in front of the rest, so the
 * buffer always holds one path and PITH_PATH_MAX bounds it (-ENAMETOOLONG beyond). One buffer
 * only: init hooks run on core's boot stack (64 KiB, shared with the filesystems' mount code).
 */
struct walk {
	char buf[PITH_PATH_MAX];
	size_t pos;
	struct pith_vnode *cur;
	unsigned links;
	unsigned flags;
};

static bool is_dir(const struct pith_vnode *vn)
{
	return S_ISDIR(vn->mode);
}

static bool is_link(const struct pith_vnode *vn)
{
	return S_ISLNK(vn->mode);
}

/* Replaces *slot (held) with vn (held). */
static void swap_ref(struct pith_vnode **slot, struct pith_vnode *vn)
{
	pith_vnode_put(*slot);
	*slot = vn;
}

/* Copies the user's NUL-terminated path page by page: -EFAULT, -ENAMETOOLONG. */
static int path_copy(const char *upath, char *buf)
{
	size_t i = 0;

	while (i < PITH_PATH_MAX) {
		uintptr_t a = (uintptr_t)(upath + i);
		size_t chunk = PITH_PAGE - (a & (PITH_PAGE - 1));

		if (chunk > PITH_PATH_MAX - i)
			chunk = PITH_PATH_MAX - i;
		if (!pith_user_readable(upath + i, chunk) && !pith_user_readable(upath + i, 1))
			return -EFAULT;
		if (!pith_user_readable(upath + i, chunk))
			chunk = 1; /* the end of the mapping: byte by byte */
		for (size_t end = i + chunk; i < end; i++) {
			buf[i] = upath[i];
			if (!buf[i])
				return 0;
		}
	}
	return -ENAMETOOLONG;
}

/* The vnode a lookup result stands for: the root of whatever is mounted on it (held). */
static struct pith_vnode *cross_down(struct pith_vnode *vn)
{
	while (vn->mounted) {
		struct pith_vnode *root = vn->mounted->root;

		pith_vnode_hold(root);
		swap_ref(&vn, root);
	}
	return vn;
}

/* "..": stays at the root; at a mount's root, first climbs to the covered directory. */
static int lookup_dotdot(struct walk *w, struct pith_vnode **out)
{
	struct pith_vnode *root = pith_vfs_root();

	while (w->cur != root && w->cur == w->cur->mnt->root && w->cur->mnt->covered) {
		pith_vnode_hold(w->cur->mnt->covered);
		swap_ref(&w->cur, w->cur->mnt->covered);
	}
	if (w->cur == root) {
		pith_vnode_hold(root);
		*out = root;
		return 0;
	}
	return w->cur->ops->lookup(w->cur, "..", 2, out);
}

/* Looks up one component in w->cur: the entry (held, mount points crossed) or -errno. */
static int lookup_one(struct walk *w, const char *name, size_t len, struct pith_vnode **out)
{
	int err;

	if (!is_dir(w->cur))
		return -ENOTDIR;
	if (len == 1 && name[0] == '.') {
		pith_vnode_hold(w->cur);
		*out = w->cur;
		return 0;
	}
	err = len == 2 && name[0] == '.' && name[1] == '.'
		  ? lookup_dotdot(w, out)
		  : w->cur->ops->lookup(w->cur, name, len, out);
	if (!err)
		*out = cross_down(*out);
	return err;
}

/* Starts the walk at the root (absolute path) or at dirfd's directory. */
static int walk_start(struct walk *w, int dirfd)
{
	struct pith_vnode *vn = pith_vfs_cwd();
	long err;

	if (w->buf[0] == '/') {
		vn = pith_vfs_root();
	} else if (dirfd != AT_FDCWD) {
		err = pith_vfs_fd_vnode(dirfd, &vn);
		if (err)
			return err == -EINVAL ? -ENOTDIR : (int)err;
	}
	if (w->buf[0] && !is_dir(vn))
		return -ENOTDIR;
	pith_vnode_hold(vn);
	w->cur = vn;
	return 0;
}

/*
 * Replaces the symlink `link` (just looked up in w->cur) by its target in front of the rest of
 * the path (buf[rest..]); an absolute target restarts at the root. The rest moves to the end of
 * the buffer, the target is read in front of it, and the rest comes back right after it.
 */
static int splice_link(struct walk *w, struct pith_vnode *link, size_t rest)
{
	size_t rlen = strlen(w->buf + rest), tail = PITH_PATH_MAX - rlen - 1;
	long tlen;

	if (++w->links > PITH_SYMLOOP_MAX)
		return -ELOOP;
	memmove(w->buf + tail, w->buf + rest, rlen + 1);
	tlen = link->ops->readlink ? link->ops->readlink(link, w->buf, tail) : -EINVAL;
	if (tlen <= 0)
		return tlen ? (int)tlen : -ENOENT;
	if ((size_t)tlen >= tail)
		return -ENAMETOOLONG; /* target + rest do not fit in PITH_PATH_MAX */
	memmove(w->buf + tlen, w->buf + tail, rlen + 1);
	w->pos = 0;
	if (w->buf[0] == '/') {
		pith_vnode_hold(pith_vfs_root());
		swap_ref(&w->cur, pith_vfs_root());
	}
	return 0;
}

/*
 * The next component of the path: its start and length; *rest is where the path goes on after
 * it (its slashes included), pos moves past the slashes. *last: nothing follows; *slash: it was
 * followed by a '/'.
 */
static size_t next_component(struct walk *w, const char **name, bool *last, bool *slash,
			     size_t *rest)
{
	const char *p = w->buf + w->pos, *q;
	size_t len;

	while (*p == '/')
		p++;
	for (q = p; *q && *q != '/'; q++)
		;
	len = (size_t)(q - p);
	*rest = (size_t)(q - w->buf);
	*slash = *q == '/';
	while (*q == '/')
		q++;
	*last = !*q;
	*name = p;
	w->pos = (size_t)(q - w->buf);
	return len;
}

static bool is_dot(const char *name, size_t len)
{
	return (len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.');
}

/* Hands the walk's result (w->cur) to nd: a path that named a directory or file. */
static int finish(struct walk *w, struct pith_nameidata *nd, bool slash)
{
	if (slash && !is_dir(w->cur))
		return -ENOTDIR;
	nd->vn = w->cur;
	w->cur = NULL;
	return 0;
}

static void set_name(struct pith_nameidata *nd, const char *name, size_t len)
{
	memcpy(nd->name, name, len);
	nd->name[len] = 0;
	nd->len = len;
}

/* PARENT: the path ended in "." or "..", or was "/": dir is the directory it names. */
static int finish_dot(struct walk *w, struct pith_nameidata *nd, const char *name, size_t len)
{
	struct pith_vnode *vn = w->cur;
	int err = len ? lookup_one(w, name, len, &vn) : 0;

	if (err)
		return err;
	if (len) {
		swap_ref(&w->cur, vn);
		set_name(nd, name, len);
	} else {
		set_name(nd, "/", 1);
	}
	nd->dir = w->cur;
	nd->last_dot = true;
	w->cur = NULL;
	return 0;
}

/*
 * PARENT: the last component. Its entry (or NULL if missing) goes to nd with its directory; a
 * symlink is followed with PITH_LOOKUP_FOLLOW (1 is returned: the walk goes on in the target).
 */
static int finish_parent(struct walk *w, struct pith_nameidata *nd, const char *name, size_t len,
			 size_t rest)
{
	struct pith_vnode *vn = NULL;
	int err;

	if (is_dot(name, len))
		return finish_dot(w, nd, name, len);
	err = lookup_one(w, name, len, &vn);
	if (err && err != -ENOENT)
		return err;
	if (vn && is_link(vn) && (w->flags & PITH_LOOKUP_FOLLOW)) {
		err = splice_link(w, vn, rest);
		pith_vnode_put(vn);
		return err ? err : 1;
	}
	set_name(nd, name, len);
	nd->dir = w->cur;
	nd->vn = vn;
	w->cur = NULL;
	return 0;
}

/* One step: the next component looked up; 1 while the walk goes on, 0 when nd is filled. */
static int walk_step(struct walk *w, struct pith_nameidata *nd)
{
	const char *name;
	bool last, slash;
	size_t rest, len = next_component(w, &name, &last, &slash, &rest);
	struct pith_vnode *vn;
	int err;

	if (!len)
		return w->flags & PITH_LOOKUP_PARENT ? finish_dot(w, nd, name, 0)
						     : finish(w, nd, true);
	if (len > PITH_NAME_MAX)
		return -ENAMETOOLONG;
	nd->trailing_slash = slash;
	if (last && (w->flags & PITH_LOOKUP_PARENT))
		return finish_parent(w, nd, name, len, rest);
	err = lookup_one(w, name, len, &vn);
	if (err)
		return err;
	if (is_link(vn) && (!last || slash || (w->flags & PITH_LOOKUP_FOLLOW))) {
		err = splice_link(w, vn, rest);
		pith_vnode_put(vn);
		return err ? err : 1;
	}
	swap_ref(&w->cur, vn);
	return last ? finish(w, nd, slash) : 1;
}

/*
 * Runs the walk from w->cur over w->buf; on error nothing stays held. A successful lookup
 * counts as an operation in progress (pith_vfs_enter) until pith_nameidata_done.
 */
static int walk_run(struct walk *w, struct pith_nameidata *nd)
{
	int err;

	memset(nd, 0, sizeof(*nd));
	pith_vfs_enter();
	if (!w->buf[0]) { /* PITH_LOOKUP_EMPTY: the start itself */
		nd->vn = w->cur;
		return 0;
	}
	do
		err = walk_step(w, nd);
	while (err == 1);
	if (w->cur)
		pith_vnode_put(w->cur);
	if (err) {
		memset(nd, 0, sizeof(*nd));
		pith_vfs_leave();
	}
	return err;
}

int pith_namei(int dirfd, const char *upath, unsigned flags, struct pith_nameidata *nd)
{
	struct walk w;
	int err = path_copy(upath, w.buf);

	if (err)
		return err;
	if (!w.buf[0] && !(flags & PITH_LOOKUP_EMPTY))
		return -ENOENT;
	w.pos = 0;
	w.links = 0;
	w.flags = flags;
	err = walk_start(&w, dirfd);
	return err ? err : walk_run(&w, nd);
}

int pith_namei_kernel(struct pith_vnode *start, const char *path, unsigned flags,
		      struct pith_nameidata *nd)
{
	struct walk w;
	size_t len = strlen(path);

	if (len >= PITH_PATH_MAX)
		return -ENAMETOOLONG;
	if (!len && !(flags & PITH_LOOKUP_EMPTY))
		return -ENOENT;
	memcpy(w.buf, path, len + 1);
	w.pos = 0;
	w.links = 0;
	w.flags = flags;
	w.cur = path[0] == '/' || !start ? pith_vfs_root() : start;
	pith_vnode_hold(w.cur);
	return walk_run(&w, nd);
}

void pith_nameidata_done(struct pith_nameidata *nd)
{
	if (nd->vn || nd->dir)
		pith_vfs_leave();
	if (nd->vn)
		pith_vnode_put(nd->vn);
	if (nd->dir)
		pith_vnode_put(nd->dir);
	nd->vn = nd->dir = NULL;
}
