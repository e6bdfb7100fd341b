/* The virtual disks: host files opened and locked, boot info, doorbell, setup, statistics. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blk.h"
#include "blk_io.h"
#include "print.h"
#include "vm.h"

/* One set of disks per monitor process. */
static struct blk_dev the_dev;

static int open__failed(const struct blk_disk_config *c, char *err, size_t errlen)
{
	int e = errno;

	if (e == ENOENT)
		snprintf(err, errlen,
			 "--disk %s: no such file; make one with 'pith disk create %s "
			 "SIZE'",
			 c->path, c->path);
	else if (e == EISDIR)
		snprintf(err, errlen,
			 "--disk %s: not a regular file or block device; give a disk "
			 "image file",
			 c->path);
	else if (!c->ro && (e == EACCES || e == EPERM || e == EROFS))
		snprintf(err, errlen,
			 "--disk %s: cannot open it read-write: %s; add :ro to use "
			 "it read-only",
			 c->path, strerror(e));
	else
		snprintf(err, errlen, "--disk %s: cannot open it: %s; check the path", c->path,
			 strerror(e));
	return -1;
}

/* The disk's size in bytes: a regular file's, or a block device's (BLKGETSIZE64). */
static int disk__size(int fd, const struct stat *st, const char *path, uint64_t *size, char *err,
		      size_t errlen)
{
	if (S_ISREG(st->st_mode)) {
		*size = (uint64_t)st->st_size;
		return 0;
	}
	if (S_ISBLK(st->st_mode) && ioctl(fd, BLKGETSIZE64, size) == 0)
		return 0;
	snprintf(err, errlen,
		 "--disk %s: not a regular file or block device; give a disk image "
		 "file",
		 path);
	return -1;
}

static int size__check(uint64_t size, const char *path, char *err, size_t errlen)
{
	if (size == 0) {
		snprintf(err, errlen,
			 "--disk %s: the file is empty; make a disk image with 'pith "
			 "disk create FILE SIZE'",
			 path);
		return -1;
	}
	if (size % BLK_SECTOR == 0)
		return 0;
	snprintf(err, errlen,
		 "--disk %s: size %llu is not a multiple of %u bytes; round it up "
		 "with 'truncate -s %%%u %s'",
		 path, (unsigned long long)size, BLK_SECTOR, BLK_SECTOR, path);
	return -1;
}

/* Read-write: an exclusive lock, read-only: a shared one; never waits. */
static int disk__lock(int fd, const struct blk_disk_config *c, char *err, size_t errlen)
{
	if (flock(fd, (c->ro ? LOCK_SH : LOCK_EX) | LOCK_NB) == 0)
		return 0;
	if (errno == EWOULDBLOCK)
		snprintf(err, errlen,
			 "--disk %s: in use by another pith run; stop that run or "
			 "give another image",
			 c->path);
	else
		snprintf(err, errlen, "--disk %s: cannot lock it: %s; give another image", c->path,
			 strerror(errno));
	return -1;
}

/* The same file twice in one run would defeat the lock: refused by (device, inode). */
static int disk__unique(const struct stat *st, struct stat *seen, unsigned i, const char *path,
			char *err, size_t errlen)
{
	for (unsigned j = 0; j < i; j++)
		if (seen[j].st_dev == st->st_dev && seen[j].st_ino == st->st_ino) {
			snprintf(err, errlen,
				 "--disk %s: the same image is given twice (disk %u "
				 "and disk %u); give each image once",
				 path, j, i);
			return -1;
		}
	seen[i] = *st;
	return 0;
}

static int disk__open(struct blk_disk *d, const struct blk_disk_config *c, struct stat *seen,
		      unsigned i, char *err, size_t errlen)
{
	struct stat *st = &seen[i];

	d->ro = c->ro;
	d->fd = open(c->path, (c->ro ? O_RDONLY : O_RDWR) | O_CLOEXEC | O_NOCTTY);
	if (d->fd < 0)
		return open__failed(c, err, errlen);
	if (fstat(d->fd, st) < 0) {
		snprintf(err, errlen, "--disk %s: cannot stat it: %s", c->path, strerror(errno));
		return -1;
	}
	if (disk__size(d->fd, st, c->path, &d->size, err, errlen) < 0 ||
	    size__check(d->size, c->path, err, errlen) < 0 ||
	    disk__unique(st, seen, i, c->path, err, errlen) < 0)
		return -1;
	return disk__lock(d->fd, c, err, errlen);
}

static int dev__eventfds(struct blk_dev *dev, char *err, size_t errlen)
{
	dev->io.kick_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	dev->io.wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (dev->io.kick_fd >= 0 && dev->io.wake_fd >= 0)
		return 0;
	snprintf(err, errlen, "cannot create the disks' eventfds: %s; raise ulimit -n",
		 strerror(errno));
	return -1;
}

int blk_dev__init(struct vm *vm, char *err, size_t errlen)
{
	const struct blk_config *cfg = &vm->cfg->blk;
	struct blk_dev *dev = &the_dev;
	struct stat seen[PITH_BLK_MAX];

	*dev = (struct blk_dev){.io = {.kick_fd = -1, .wake_fd = -1}};
	for (unsigned i = 0; i < PITH_BLK_MAX; i++)
		dev->io.disks[i].fd = -1;
	if (cfg->count > PITH_BLK_MAX) {
		snprintf(err, errlen, "%u disks, at most %u; give fewer --disk options", cfg->count,
			 PITH_BLK_MAX);
		return -1;
	}
	for (unsigned i = 0; i < cfg->count; i++)
		if (disk__open(&dev->io.disks[i], &cfg->disks[i], seen, i, err, errlen) < 0)
			return -1;
	if (dev__eventfds(dev, err, errlen) < 0)
		return -1;
	dev->io.count = cfg->count;
	dev->io.mem = &vm->mem;
	dev->vm_fd = vm->kvm.vm_fd;
	vm->blk = dev;
	return 0;
}

void blk_dev__info(const struct vm *vm, unsigned i, struct pith_blk_info *info)
{
	const struct blk_disk *d = &vm->blk->io.disks[i];

	*info = (struct pith_blk_info){.sectors = d->size / BLK_SECTOR,
				       .sector_size = BLK_SECTOR,
				       .flags = d->ro ? PITH_BLK_RO : 0};
	memcpy(info->mount, vm->cfg->blk.disks[i].mount, sizeof(info->mount));
	info->mount[sizeof(info->mount) - 1] = 0;
}

int blk_dev__start(struct vm *vm, char *err, size_t errlen)
{
	return blk_io__start(&vm->blk->io, vm->cfg->verbose, err, errlen);
}

/* PITH_BLK_KICK_PORT: a 4-byte out of any value writes kick_fd inside the host kernel. */
static int dev__bind_doorbell(struct blk_dev *dev)
{
	struct kvm_ioeventfd ev = {.addr = PITH_BLK_KICK_PORT,
				   .len = 4,
				   .fd = dev->io.kick_fd,
				   .flags = KVM_IOEVENTFD_FLAG_PIO};

	if (dev->doorbell)
		return 0;
	if (ioctl(dev->vm_fd, KVM_IOEVENTFD, &ev) < 0)
		return -1;
	dev->doorbell = true;
	return 0;
}

/* Two disks' rings must not share bytes (the guest would corrupt its own requests). */
static bool ring__overlaps(const struct blk_dev *dev, uint64_t ring)
{
	for (unsigned i = 0; i < dev->io.count; i++)
		if (dev->set_up[i] && ring < dev->ring_gpa[i] + sizeof(struct pith_blk_ring) &&
		    dev->ring_gpa[i] < ring + sizeof(struct pith_blk_ring))
			return true;
	return false;
}

int blk_dev__setup(struct vm *vm, uint32_t disk, uint64_t ring)
{
	struct blk_dev *dev = vm->blk;
	struct pith_blk_ring *r;

	if (!dev || disk >= dev->io.count)
		return -ENODEV;
	if (dev->set_up[disk])
		return -EBUSY;
	r = blk_ring__check(&vm->mem, ring);
	if (!r || ring__overlaps(dev, ring))
		return -EINVAL;
	if (dev__bind_doorbell(dev) < 0) {
		print__err("pith: cannot bind the disks' doorbell port (KVM_IOEVENTFD): %s; the "
			   "guest runs without disk %u\n",
			   strerror(errno), disk);
		return -EIO;
	}
	dev->set_up[disk] = true;
	dev->ring_gpa[disk] = ring;
	blk_io__attach(&dev->io, disk, r);
	return 0;
}

int blk_dev__wake_fd(const struct vm *vm)
{
	return vm->blk ? vm->blk->io.wake_fd : -1;
}

static void stat__print(const char *name, const uint64_t *v)
{
	print__err("pith: stats: %s %llu\n", name,
		   (unsigned long long)__atomic_load_n(v, __ATOMIC_RELAXED));
}

void blk_dev__print_stats(const struct vm *vm)
{
	const struct blk_stats *s;

	if (!vm->blk)
		return;
	s = &vm->blk->io.stats;
	stat__print("blk_reads", &s->reads);
	stat__print("blk_writes", &s->writes);
	stat__print("blk_flushes", &s->flushes);
	stat__print("blk_read_bytes", &s->read_bytes);
	stat__print("blk_write_bytes", &s->write_bytes);
	stat__print("blk_err_inval", &s->err_inval);
	stat__print("blk_err_rofs", &s->err_rofs);
	stat__print("blk_err_io", &s->err_io);
	stat__print("blk_kicks", &s->kicks);
	stat__print("blk_guest_wakes", &s->guest_wakes);
}
