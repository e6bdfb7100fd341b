/* Unpacks a cpio "newc" archive (the image's root filesystem) through the vnode operations. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "ramfs/ramfs.h"

/*
 * The format (cpio(5) "New ASCII Format"; the Linux kernel's initramfs buffer format): each
 * entry is a 110-byte header of ASCII characters, "070701" then 13 fields of 8 hex digits,
 * then the name (namesize bytes, NUL included), padded with NULs so that the data starts at a
 * multiple of 4 from the archive's start, then filesize bytes of data (a symlink's target),
 * padded to a multiple of 4 the same way. The entry named "TRAILER!!!" ends the archive.
 */
#define CPIO_MAGIC    "070701"
#define CPIO_HDR      110
#define CPIO_TRAILER  "TRAILER!!!"
#define CPIO_NAME_MAX 4096 /* namesize limit (PATH_MAX) */

enum {
	F_INO,
	F_MODE,
	F_UID,
	F_GID,
	F_NLINK,
	F_MTIME,
	F_FILESIZE,
	F_DEVMAJOR,
	F_DEVMINOR,
	F_RDEVMAJOR,
	F_RDEVMINOR,
	F_NAMESIZE,
	F_CHECK,
	F_COUNT
};

struct cpio_entry {
	uint32_t f[F_COUNT];
	const char *name; /* "./" stripped; not NUL-terminated */
	size_t len;
	const unsigned char *data;
	size_t next; /* offset of the next header */
};

/* Prints "pith: /: rootfs archive: <what> <name>" (name may be empty). */
static void complain(struct pith_vnode *root, const char *what, const char *name, size_t len)
{
	char msg[160];
	size_t n = strlen("rootfs archive: "), w = strlen(what);

	memcpy(msg, "rootfs archive: ", n);
	if (w > sizeof(msg) - n - 1)
		w = sizeof(msg) - n - 1;
	memcpy(msg + n, what, w);
	n += w;
	if (len && n + 2 < sizeof(msg)) {
		msg[n++] = ' ';
		if (len > sizeof(msg) - n - 1)
			len = sizeof(msg) - n - 1;
		memcpy(msg + n, name, len);
		n += len;
	}
	msg[n] = 0;
	pith_vfs_log(root->mnt, msg);
}

static bool hex8(const unsigned char *p, uint32_t *out)
{
	uint32_t v = 0;

	for (int i = 0; i < 8; i++) {
		unsigned c = p[i], d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			d = (c | 0x20) - 'a' + 10;
		else
			return false;
		v = v << 4 | d;
	}
	*out = v;
	return true;
}

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

/* Parses the entry at off: its header, name and data bounds. NULL, or what is wrong. */
static const char *parse(const unsigned char *a, size_t len, size_t off, struct cpio_entry *e)
{
	size_t name_end, data_end;

	if (len - off < CPIO_HDR || memcmp(a + off, CPIO_MAGIC, 6) != 0)
		return "bad header (not cpio newc)";
	for (int i = 0; i < F_COUNT; i++)
		if (!hex8(a + off + 6 + 8 * i, &e->f[i]))
			return "bad header field";
	if (e->f[F_NAMESIZE] < 2 || e->f[F_NAMESIZE] > CPIO_NAME_MAX ||
	    e->f[F_NAMESIZE] > len - off - CPIO_HDR)
		return "bad name size";
	name_end = off + CPIO_HDR + e->f[F_NAMESIZE];
	e->name = (const char *)a + off + CPIO_HDR;
	e->len = e->f[F_NAMESIZE] - 1;
	if (e->name[e->len] != 0 || memchr(e->name, 0, e->len))
		return "name not NUL-terminated";
	if (pad4(name_end) > len || e->f[F_FILESIZE] > len - pad4(name_end))
		return "data past the end of the archive in";
	e->data = a + pad4(name_end);
	data_end = pad4(name_end) + e->f[F_FILESIZE];
	e->next = pad4(data_end) < len ? pad4(data_end) : len;
	return NULL;
}

/* Strips "./" prefixes; NULL if the path is acceptable (relative, no "..", names <= 255). */
static const char *check_path(struct cpio_entry *e)
{
	while (e->len >= 2 && e->name[0] == '.' && e->name[1] == '/') {
		e->name += 2;
		e->len -= 2;
	}
	if (e->len == 1 && e->name[0] == '.')
		e->len = 0; /* the root itself */
	if (e->len && e->name[0] == '/')
		return "absolute path";
	for (size_t i = 0; i < e->len;) {
		const char *c = e->name + i, *slash = memchr(c, '/', e->len - i);
		size_t n = slash ? (size_t)(slash - c) : e->len - i;

		if (n > 255)
			return "name over 255 bytes in";
		if ((n == 2 && c[0] == '.' && c[1] == '.') || (n == 1 && c[0] == '.') ||
		    (n == 0 && slash))
			return "'.', '..' or '//' in";
		i += n + 1;
	}
	return NULL;
}

/* The directory holding path's last component (held), with that component in *last. */
static int walk_parent(struct pith_vnode *root, const char *path, size_t len,
		       struct pith_vnode **dir, const char **last, size_t *llen)
{
	struct pith_vnode *d = root, *next;
	const char *slash;

	pith_vnode_hold(d);
	while ((slash = memchr(path, '/', len))) {
		size_t n = (size_t)(slash - path);
		int err = S_ISDIR(d->mode) ? d->ops->lookup(d, path, n, &next) : -ENOTDIR;

		pith_vnode_put(d);
		if (err < 0)
			return err;
		d = next;
		path += n + 1;
		len -= n + 1;
	}
	if (!S_ISDIR(d->mode)) {
		pith_vnode_put(d);
		return -ENOTDIR;
	}
	*dir = d;
	*last = path;
	*llen = len;
	return 0;
}

/* Writes a regular file's data: 0 or -errno. */
static int fill_file(struct pith_vnode *vn, const struct cpio_entry *e)
{
	size_t done = 0;

	while (done < e->f[F_FILESIZE]) {
		long n = vn->ops->write(vn, e->data + done, e->f[F_FILESIZE] - done, done);

		if (n <= 0)
			return n < 0 ? (int)n : -EIO;
		done += (size_t)n;
	}
	return 0;
}

/* Creates the entry's file in dir: the new vnode (held) in *out. */
static int make_node(struct pith_vnode *dir, const char *name, size_t len,
		     const struct cpio_entry *e, struct pith_vnode **out)
{
	uint32_t mode = e->f[F_MODE];
	int err;

	switch (mode & S_IFMT) {
	case S_IFDIR:
		return dir->ops->mkdir(dir, name, len, mode & 07777, out);
	case S_IFLNK:
		if (e->f[F_FILESIZE] < 1 || e->f[F_FILESIZE] > 4095)
			return -ENAMETOOLONG;
		return dir->ops->symlink(dir, name, len, (const char *)e->data, e->f[F_FILESIZE],
					 out);
	case S_IFREG:
		err = dir->ops->create(dir, name, len, mode, 0, out);
		if (err == 0 && (err = fill_file(*out, e)) < 0)
			pith_vnode_put(*out);
		return err;
	default:
		return dir->ops->create(dir, name, len, mode,
					makedev(e->f[F_RDEVMAJOR], e->f[F_RDEVMINOR]), out);
	}
}

/* The header's permissions, owner and mtime, stored in vn. */
static void set_attrs(struct pith_vnode *vn, const struct cpio_entry *e)
{
	vn->mode = (vn->mode & S_IFMT) | (e->f[F_MODE] & 07777);
	vn->uid = e->f[F_UID];
	vn->gid = e->f[F_GID];
	vn->mtime.tv_sec = e->f[F_MTIME];
	vn->mtime.tv_nsec = 0;
	vn->ops->setattr(vn);
}

/* Creates one entry (an existing directory only takes the header's attributes). */
static int unpack_entry(struct pith_vnode *root, const struct cpio_entry *e)
{
	struct pith_vnode *dir, *vn;
	const char *name;
	size_t len;
	int err;

	if (e->len == 0) {
		set_attrs(root, e);
		return 0;
	}
	err = walk_parent(root, e->name, e->len, &dir, &name, &len);
	if (err < 0)
		return err;
	err = dir->ops->lookup(dir, name, len, &vn);
	if (err == 0 && !(S_ISDIR(vn->mode) && S_ISDIR(e->f[F_MODE]))) {
		pith_vnode_put(vn);
		err = -EEXIST;
	} else if (err == -ENOENT) {
		err = make_node(dir, name, len, e, &vn);
	}
	if (err == 0) {
		set_attrs(vn, e);
		pith_vnode_put(vn);
	}
	pith_vnode_put(dir);
	return err;
}

static const char *unpack_error(int err)
{
	switch (err) {
	case -ENOENT:
		return "parent directory missing for";
	case -ENOTDIR:
		return "parent is not a directory for";
	case -EEXIST:
		return "duplicate entry";
	case -ENOSPC:
		return "out of memory unpacking";
	case -ENAMETOOLONG:
		return "bad symlink target length in";
	default:
		return "cannot create";
	}
}

/* Calls fn on every entry up to the trailer; -EINVAL after a message on a malformed archive. */
static int walk(struct pith_vnode *root, const unsigned char *data, size_t len,
		int (*fn)(struct pith_vnode *root, const struct cpio_entry *e))
{
	struct cpio_entry e = {0};
	const char *bad;
	int err;

	for (size_t off = 0; off < len; off = e.next) {
		e.name = "";
		e.len = 0;
		bad = parse(data, len, off, &e);
		if (!bad && e.len == strlen(CPIO_TRAILER) &&
		    memcmp(e.name, CPIO_TRAILER, e.len) == 0)
			return 0;
		if (!bad)
			bad = check_path(&e);
		if (bad) {
			complain(root, bad, e.name, e.len);
			return -EINVAL;
		}
		err = fn(root, &e);

		if (err < 0) {
			complain(root, unpack_error(err), e.name, e.len);
			return err == -ENOSPC ? err : -EINVAL;
		}
	}
	complain(root, "no TRAILER!!! entry (truncated?)", "", 0);
	return -EINVAL;
}

/* Second pass: a directory's mtime as in the archive (its entries changed it meanwhile). */
static int dir_times(struct pith_vnode *root, const struct cpio_entry *e)
{
	struct pith_vnode *dir, *vn;
	const char *name;
	size_t len;

	if (!S_ISDIR(e->f[F_MODE]))
		return 0;
	if (e->len == 0) {
		set_attrs(root, e);
		return 0;
	}
	if (walk_parent(root, e->name, e->len, &dir, &name, &len) < 0)
		return 0;
	if (dir->ops->lookup(dir, name, len, &vn) == 0) {
		set_attrs(vn, e);
		pith_vnode_put(vn);
	}
	pith_vnode_put(dir);
	return 0;
}

int pith_cpio_unpack(struct pith_vnode *root, const unsigned char *data, size_t len)
{
	int err = walk(root, data, len, unpack_entry);

	return err < 0 ? err : walk(root, data, len, dir_times);
}
