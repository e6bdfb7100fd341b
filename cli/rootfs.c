/* pith build --rootfs/--copy: collects host files and writes them as one cpio newc archive. */
#include "rootfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * The archive format: cpio(5) "New ASCII Format" ("newc"), as the Linux kernel's initramfs
 * buffer format describes it: a 110-byte header ("070701" then 13 fields of 8 hex digits: ino,
 * mode, uid, gid, nlink, mtime, filesize, devmajor, devminor, rdevmajor, rdevminor, namesize,
 * check), the NUL-terminated name padded to a multiple of 4 from the archive's start, the data
 * padded the same way; the entry "TRAILER!!!" ends it. kernel/ramfs/cpio.c reads it.
 */
#define NEWC_MAGIC   "070701"
#define NEWC_HDR     110
#define NEWC_TRAILER "TRAILER!!!"
#define IMG_PATH_MAX 4095 /* bytes of a path in the image (PATH_MAX without the NUL) */

struct rootfs_entry {
	char *path;    /* in the image, without the leading '/': "etc/hosts"; "" is the root */
	char *src;     /* the host file, or NULL for a directory made to hold DEST */
	uint32_t mode; /* type and permissions */
	uint64_t size; /* regular files: bytes, at the time they were added */
	uint32_t mtime;
	size_t order; /* when it was added: a later entry replaces an earlier one */
};

struct rootfs {
	struct rootfs_entry *e;
	size_t n, cap, added;
};

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

struct rootfs *rootfs__new(void)
{
	return calloc(1, sizeof(struct rootfs));
}

void rootfs__free(struct rootfs *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++) {
		free(r->e[i].path);
		free(r->e[i].src);
	}
	free(r->e);
	free(r);
}

/* Appends an entry (path and src are copied); -1 when memory ran out. */
static int push(struct rootfs *r, const char *path, const char *src, const struct stat *st)
{
	struct rootfs_entry *e;

	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		void *p = realloc(r->e, cap * sizeof(*r->e));

		if (!p)
			return -1;
		r->e = p;
		r->cap = cap;
	}
	e = &r->e[r->n];
	e->path = strdup(path);
	e->src = src ? strdup(src) : NULL;
	if (!e->path || (src && !e->src)) {
		free(e->path);
		free(e->src);
		return -1;
	}
	e->mode = st->st_mode;
	e->size = S_ISREG(st->st_mode) ? (uint64_t)st->st_size : 0;
	e->mtime = st->st_mtime < 0 ? 0 : st->st_mtime > UINT32_MAX ? UINT32_MAX : st->st_mtime;
	e->order = r->added++;
	r->n++;
	return 0;
}

static const char *type_name(mode_t m)
{
	return S_ISSOCK(m)   ? "a socket"
	       : S_ISFIFO(m) ? "a fifo"
	       : S_ISCHR(m)  ? "a character device"
	       : S_ISBLK(m)  ? "a block device"
			     : "of an unknown type";
}

/* Checks one host file's type and size; 0 or -1 with a message. */
static int check_file(const char *src, const struct stat *st, char *err, size_t errlen)
{
	if (!S_ISREG(st->st_mode) && !S_ISDIR(st->st_mode) && !S_ISLNK(st->st_mode))
		return fail(err, errlen,
			    "%s is %s; only files, directories and symlinks can go in the image",
			    src, type_name(st->st_mode));
	if (S_ISREG(st->st_mode) && (uint64_t)st->st_size > UINT32_MAX)
		return fail(err, errlen,
			    "%s is 4 GiB or larger, too large for the image; put it "
			    "on a disk (pith run --disk)",
			    src);
	return 0;
}

static int add_tree(struct rootfs *r, const char *src, const char *path, char *err, size_t errlen);

/* Adds every entry of the directory src (image path `path`). */
static int add_dir_entries(struct rootfs *r, const char *src, const char *path, char *err,
			   size_t errlen)
{
	DIR *d = opendir(src);
	struct dirent *de;
	int rc = 0;

	if (!d)
		return fail(err, errlen, "cannot read the directory %s: %s; check its permissions",
			    src, strerror(errno));
	while (rc == 0 && (errno = 0, de = readdir(d))) {
		char *s, *p;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (asprintf(&s, "%s/%s", src, de->d_name) < 0)
			s = NULL;
		if (asprintf(&p, "%s%s%s", path, *path ? "/" : "", de->d_name) < 0)
			p = NULL;
		rc = s && p ? add_tree(r, s, p, err, errlen) : fail(err, errlen, "out of memory");
		free(s);
		free(p);
	}
	if (rc == 0 && errno)
		rc = fail(err, errlen, "cannot read the directory %s: %s", src, strerror(errno));
	closedir(d);
	return rc;
}

/* Adds src, whose attributes are st, at image path `path`, recursively. */
static int add_entry(struct rootfs *r, const char *src, const struct stat *st, const char *path,
		     char *err, size_t errlen)
{
	if (check_file(src, st, err, errlen) < 0)
		return -1;
	if (strlen(path) > IMG_PATH_MAX)
		return fail(err, errlen, "%s: its path in the image is longer than %d bytes", src,
			    IMG_PATH_MAX);
	if (push(r, path, src, st) < 0)
		return fail(err, errlen, "out of memory");
	return S_ISDIR(st->st_mode) ? add_dir_entries(r, src, path, err, errlen) : 0;
}

/* Adds src (lstat: a symlink inside a tree stays one) at image path `path`, recursively. */
static int add_tree(struct rootfs *r, const char *src, const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (lstat(src, &st) < 0)
		return fail(err, errlen, "cannot read %s: %s", src, strerror(errno));
	return add_entry(r, src, &st, path, err, errlen);
}

/* DEST made canonical: no leading, doubled or trailing '/'; -1 if "." or ".." appear or a name
   is over 255 bytes. "/" becomes "". */
static int dest_path(const char *dest, char *out, size_t cap)
{
	size_t n = 0;

	for (const char *p = dest; *p;) {
		size_t len = strcspn(p, "/");

		if (len == 0) {
			p++;
			continue;
		}
		if (len > 255 || (len == 1 && p[0] == '.') || (len == 2 && !strncmp(p, "..", 2)) ||
		    n + len + 2 > cap)
			return -1;
		if (n)
			out[n++] = '/';
		memcpy(out + n, p, len);
		n += len;
		p += len;
	}
	out[n] = 0;
	return 0;
}

/* The directories above path (made with mode 0755, mtime 0, where nothing else gives them). */
static int add_parents(struct rootfs *r, const char *path)
{
	struct stat st = {.st_mode = S_IFDIR | 0755};
	char buf[IMG_PATH_MAX + 1];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *s = strchr(buf, '/'); s; s = strchr(s + 1, '/')) {
		*s = 0;
		if (push(r, buf, NULL, &st) < 0)
			return -1;
		*s = '/';
	}
	return 0;
}

int rootfs__add(struct rootfs *r, const char *opt, const char *src, const char *dest, char *err,
		size_t errlen)
{
	char path[IMG_PATH_MAX + 1];
	struct stat st;

	if (dest[0] != '/')
		return fail(err, errlen,
			    "%s %s:%s: the destination is not an absolute path; "
			    "write SRC:/PATH-IN-THE-IMAGE",
			    opt, src, dest);
	if (dest_path(dest, path, sizeof(path)) < 0)
		return fail(err, errlen,
			    "%s %s:%s: the destination holds '.', '..' or a name over "
			    "255 bytes; write a plain absolute path",
			    opt, src, dest);
	if (stat(src, &st) < 0)
		return fail(err, errlen, "%s %s: %s; give an existing %s", opt, src,
			    strerror(errno), path[0] ? "file or directory" : "directory");
	if (!path[0] && !S_ISDIR(st.st_mode))
		return fail(err, errlen,
			    "%s %s: not a directory; give the directory whose files "
			    "become the image's /",
			    opt, src);
	if (add_parents(r, path) < 0)
		return fail(err, errlen, "out of memory");
	return add_entry(r, src, &st, path, err, errlen); /* SRC itself: a symlink is followed */
}

static int entry_cmp(const void *a, const void *b)
{
	const struct rootfs_entry *x = a, *y = b;
	int c = strcmp(x->path, y->path);

	if (c)
		return c;
	if (!x->src != !y->src) /* an explicit entry beats a made-up parent */
		return x->src ? 1 : -1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/*
 * Sorts by path and keeps the last of each run of equal paths; -1 with a message if a file
 * and a directory claim one path, or if an entry lies below something that is not a directory.
 */
static int normalize(struct rootfs *r, char *err, size_t errlen)
{
	size_t n = 0;

	qsort(r->e, r->n, sizeof(*r->e), entry_cmp);
	for (size_t i = 0; i < r->n; i++) {
		struct rootfs_entry *e = &r->e[i];

		if (n && strcmp(r->e[n - 1].path, e->path) == 0) {
			struct rootfs_entry *prev = &r->e[n - 1];

			if (S_ISDIR(prev->mode) != S_ISDIR(e->mode))
				return fail(err, errlen,
					    "/%s is both a directory and a file in "
					    "the image; change --rootfs or --copy",
					    e->path);
			free(prev->path);
			free(prev->src);
			*prev = *e;
			continue;
		}
		r->e[n++] = *e;
	}
	r->n = n;
	return 0;
}

static int path_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct rootfs_entry *)elem)->path);
}

/* Entry i's parent is in the (sorted, unique) list and is a directory. */
static int check_parent(const struct rootfs *r, size_t i, char *err, size_t errlen)
{
	const char *path = r->e[i].path, *slash = strrchr(path, '/');
	const struct rootfs_entry *p;
	char parent[IMG_PATH_MAX + 1];

	if (!slash)
		return 0;
	snprintf(parent, sizeof(parent), "%.*s", (int)(slash - path), path);
	p = bsearch(parent, r->e, i, sizeof(*r->e), path_cmp);
	if (p && S_ISDIR(p->mode))
		return 0;
	return fail(err, errlen,
		    "/%s is inside /%s, which is not a directory in the image; "
		    "change --rootfs or --copy",
		    path, parent);
}

/* The output and its offset (for padding). */
struct out {
	FILE *f;
	uint64_t off;
	bool failed;
};

static void put(struct out *o, const void *p, size_t n)
{
	if (n && fwrite(p, 1, n, o->f) != n)
		o->failed = true;
	o->off += n;
}

static void pad(struct out *o)
{
	static const char zeros[4];

	put(o, zeros, (4 - o->off % 4) % 4);
}

static void header(struct out *o, const char *name, uint32_t ino, uint32_t mode, uint32_t nlink,
		   uint32_t mtime, uint32_t size)
{
	char h[NEWC_HDR + 1];
	size_t namesize = strlen(name) + 1;

	snprintf(h, sizeof(h), NEWC_MAGIC "%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		 ino, mode, 0u, 0u, nlink, mtime, size, 0u, 0u, 0u, 0u, (uint32_t)namesize, 0u);
	put(o, h, NEWC_HDR);
	put(o, name, namesize);
	pad(o);
}

/* Copies a regular file's bytes; exactly e->size of them, or an error. */
static int copy_data(struct out *o, const struct rootfs_entry *e, char *err, size_t errlen)
{
	char buf[65536];
	uint64_t done = 0;
	ssize_t n;
	int fd = open(e->src, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return fail(err, errlen, "cannot read %s: %s; check its permissions", e->src,
			    strerror(errno));
	while ((n = read(fd, buf, sizeof(buf))) > 0 && done + (uint64_t)n <= e->size) {
		put(o, buf, (size_t)n);
		done += (uint64_t)n;
	}
	close(fd);
	if (n < 0)
		return fail(err, errlen, "cannot read %s: %s", e->src, strerror(errno));
	if (n > 0 || done != e->size)
		return fail(err, errlen, "%s changed size while it was packed; try again", e->src);
	pad(o);
	return 0;
}

/* One entry: header, then the file's bytes or the symlink's target. */
static int write_entry(struct out *o, const struct rootfs_entry *e, uint32_t ino, char *err,
		       size_t errlen)
{
	char target[IMG_PATH_MAX + 1];
	ssize_t n = 0;

	if (S_ISLNK(e->mode)) {
		n = readlink(e->src, target, sizeof(target));
		if (n <= 0 || n > IMG_PATH_MAX)
			return fail(err, errlen, "cannot read the symlink %s: %s", e->src,
				    n < 0 ? strerror(errno) : "target too long");
	}
	header(o, e->path[0] ? e->path : ".", ino, e->mode, S_ISDIR(e->mode) ? 2 : 1, e->mtime,
	       S_ISREG(e->mode) ? (uint32_t)e->size : (uint32_t)n);
	if (S_ISLNK(e->mode)) {
		put(o, target, (size_t)n);
		pad(o);
	}
	return S_ISREG(e->mode) ? copy_data(o, e, err, errlen) : 0;
}

int rootfs__write(struct rootfs *r, FILE *f, char *err, size_t errlen)
{
	struct out o = {.f = f};

	if (normalize(r, err, errlen) < 0)
		return -1;
	for (size_t i = 0; i < r->n; i++)
		if (check_parent(r, i, err, errlen) < 0 ||
		    write_entry(&o, &r->e[i], (uint32_t)i + 1, err, errlen) < 0)
			return -1;
	header(&o, NEWC_TRAILER, 0, 0, 1, 0, 0);
	if (o.failed || fflush(f) != 0)
		return fail(err, errlen, "cannot write the archive: %s; check the space in $TMPDIR",
			    strerror(errno));
	return 0;
}

static bool hex8(const unsigned char *p, uint32_t *v)
{
	*v = 0;
	for (int i = 0; i < 8; i++) {
		int c = p[i];
		int d = c >= '0' && c <= '9'			 ? c - '0'
			: (c | 0x20) >= 'a' && (c | 0x20) <= 'f' ? (c | 0x20) - 'a' + 10
								 : -1;

		if (d < 0)
			return false;
		*v = *v << 4 | (uint32_t)d;
	}
	return true;
}

int rootfs__scan(const unsigned char *a, size_t len, size_t *entries, uint64_t *bytes)
{
	size_t off = 0;

	*entries = 0;
	*bytes = 0;
	while (len - off >= NEWC_HDR && memcmp(a + off, NEWC_MAGIC, 6) == 0) {
		uint32_t mode, size, namesize;
		const char *name = (const char *)a + off + NEWC_HDR;

		if (!hex8(a + off + 14, &mode) || !hex8(a + off + 54, &size) ||
		    !hex8(a + off + 94, &namesize) || namesize < 1 ||
		    namesize > len - off - NEWC_HDR || name[namesize - 1])
			return -1;
		if (strcmp(name, NEWC_TRAILER) == 0)
			return 0;
		*entries += strcmp(name, ".") != 0;
		*bytes += S_ISREG(mode) ? size : 0;
		off = (off + NEWC_HDR + namesize + 3) & ~(size_t)3;
		if (off > len || size > len - off)
			return -1;
		off = (off + size + 3) & ~(size_t)3;
		if (off > len)
			return -1;
	}
	return -1;
}

/* "<dir>/<name>" in buf; -1 if it does not fit. */
static int join(char *buf, size_t len, const char *dir, const char *name)
{
	return (size_t)snprintf(buf, len, "%s/%s", dir, name) < len ? 0 : -1;
}

/* The assembly that links the archive into the image's read-only data (see kernel/vfs/vfs.h). */
static int write_asm(const char *spath, const char *archive)
{
	FILE *f = fopen(spath, "w");
	int rc;

	if (!f)
		return -1;
	fprintf(f,
		"/* The image's root filesystem (cpio newc), made by pith build. */\n"
		"\t.section .rodata.pith_rootfs,\"a\"\n"
		"\t.balign 16\n"
		"\t.globl pith_rootfs_start\n"
		"\t.type pith_rootfs_start, @object\n"
		"pith_rootfs_start:\n"
		"\t.incbin \"%s\"\n"
		"\t.globl pith_rootfs_end\n"
		"pith_rootfs_end:\n"
		"\t.size pith_rootfs_start, pith_rootfs_end - pith_rootfs_start\n"
		"\t.section .note.GNU-stack,\"\",@progbits\n",
		archive);
	rc = ferror(f) ? -1 : 0;
	return fclose(f) != 0 ? -1 : rc;
}

int rootfs__make_object(struct rootfs *r, struct rootfs_object *obj, char *err, size_t errlen)
{
	const char *tmpdir = getenv("TMPDIR");
	FILE *f;
	int rc;

	memset(obj, 0, sizeof(*obj));
	if (!tmpdir || !*tmpdir || strchr(tmpdir, '"') || strchr(tmpdir, '\\'))
		tmpdir = "/tmp";
	if (join(obj->dir, sizeof(obj->dir), tmpdir, "pith-rootfs-XXXXXX") < 0 ||
	    !mkdtemp(obj->dir)) {
		obj->dir[0] = 0;
		return fail(err, errlen, "cannot make a temporary folder in %s: %s; set TMPDIR",
			    tmpdir, strerror(errno));
	}
	if (join(obj->archive, sizeof(obj->archive), obj->dir, "rootfs.cpio") < 0 ||
	    join(obj->asm_file, sizeof(obj->asm_file), obj->dir, "rootfs.S") < 0)
		return fail(err, errlen, "the path of %s is too long; set TMPDIR", obj->dir);
	f = fopen(obj->archive, "w");
	if (!f)
		return fail(err, errlen, "cannot write %s: %s", obj->archive, strerror(errno));
	rc = rootfs__write(r, f, err, errlen);
	if (fclose(f) != 0 && rc == 0)
		rc = fail(err, errlen, "cannot write %s: %s", obj->archive, strerror(errno));
	if (rc == 0 && write_asm(obj->asm_file, obj->archive) < 0)
		rc = fail(err, errlen, "cannot write %s: %s", obj->asm_file, strerror(errno));
	return rc;
}

void rootfs__remove_object(struct rootfs_object *obj)
{
	if (!obj->dir[0])
		return;
	unlink(obj->archive);
	unlink(obj->asm_file);
	rmdir(obj->dir);
	obj->dir[0] = 0;
}
