/* ext2 host test: after a crash at any write, e2fsck -p repairs the image; fsynced data lives. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"

#include "harness.h"

#define DURABLE_LEN 50000u
#define TRIALS_MAX  400 /* crash after every K up to this many writes, else at this many */

static char durable[DURABLE_LEN];
static bool trial_synced; /* the last trial's fsync of "durable" returned 0 */

/* What a program does to the filesystem: creations, writes, renames, removals, truncations.
   Errors are ignored (after the crash point every write fails). Returns true if the fsync of
   "durable" returned 0. */
static bool workload(struct h_fs *h)
{
	static char data[3u << 20];
	char name[64];
	struct pith_vnode *vn;
	bool synced = false;

	h_fill(data, sizeof(data), 99);
	for (int i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "new%d", i);
		h_write_file(h, name, data + i * 1000, (size_t)i * 7919 + 1);
	}
	h_mkdir(h, "d1");
	h_mkdir(h, "d1/d2");
	h_write_file(h, "d1/d2/f", data, 5000);
	h_write_file(h, "durable", durable, DURABLE_LEN);
	if (h_walk(h, "durable", &vn) == 0) {
		synced = vn->ops->fsync(vn, false) == 0;
		pith_vnode_put(vn);
	}
	h_rename(h, "old1", "d1/old1");
	h_rename(h, "old2", "old3");
	/* Not "olddir" -> "d1/moved": moving a directory between directories is the one
	   operation a crash can leave needing more than e2fsck -p (see kernel/ext2/README.md). */
	h_rename(h, "olddir", "olddir2");
	h_unlink(h, "old4");
	h_unlink(h, "new3");
	h_rmdir(h, "d1/d2") == -ENOTEMPTY ? h_unlink(h, "d1/d2/f") : 0;
	h_rmdir(h, "d1/d2");
	h_write_file(h, "old5", "short", 5);
	h_link(h, "old6", "d1/l6");
	h_symlink(h, "sl", "a/slow/symlink/target/that/is/longer/than/sixty/bytes/for/sure/ok");
	h_write_file(h, "big", data, sizeof(data));
	h_pwrite(h, "sparse", "x", 1, 40u << 20);
	h_unlink(h, "oldbig");
	for (int i = 0; i < 30; i++) {
		snprintf(name, sizeof(name), "d1/many%d", i);
		h_write_file(h, name, data, 3000);
	}
	return synced;
}

/* The image every trial starts from: files the workload renames and removes. */
static void make_template(const char *img)
{
	static char data[1u << 20];
	struct h_fs h;
	char name[32];

	h_fill(data, sizeof(data), 5);
	CHECK(h_mkfs(img, "-b 1024", "16M") == 0);
	CHECK(h_mount(&h, img, false) == 0);
	for (int i = 1; i <= 6; i++) {
		snprintf(name, sizeof(name), "old%d", i);
		CHECK(h_write_file(&h, name, data + i, 20000u * (unsigned)i) > 0);
	}
	CHECK(h_mkdir(&h, "olddir") == 0);
	CHECK(h_write_file(&h, "olddir/in", "in", 2) == 2);
	CHECK(h_write_file(&h, "oldbig", data, sizeof(data)) == sizeof(data));
	CHECK(h_unmount(&h) == 0);
	CHECK(h_fsck(img) == 0);
}

/* The number of writes the whole workload makes (mount to unmount). */
static uint64_t count_writes(const char *tmpl, const char *img)
{
	struct h_fs h;
	uint64_t n = 0;
	pid_t pid;
	int st, p[2];

	CHECK(pipe(p) == 0);
	h_sh("cp %s %s", tmpl, img);
	pid = fork();
	if (pid == 0) {
		if (h_mount(&h, img, false) == 0) {
			workload(&h);
			h_unmount(&h);
			n = host_blk_counters(h.disk)->writes;
		}
		_exit(write(p[1], &n, sizeof(n)) == sizeof(n) ? 0 : 1);
	}
	close(p[1]);
	CHECK(read(p[0], &n, sizeof(n)) == sizeof(n));
	close(p[0]);
	waitpid(pid, &st, 0);
	CHECK(h_fsck(img) == 0); /* and the uninterrupted run is clean */
	return n;
}

/* One crash after k writes; 0 if e2fsck -p repaired it and the fsynced file is intact. */
static int trial(const char *tmpl, const char *img, uint64_t k)
{
	struct h_fs h;
	pid_t pid;
	int st, pst, synced;

	h_sh("cp %s %s", tmpl, img);
	pid = fork();
	if (pid == 0) {
		h_mount_fault = (struct host_blk_fault){
		    .ops = HOST_BLK_FAIL_WRITE, .skip = k, .count = UINT64_MAX, .err = -EIO};
		if (h_mount(&h, img, false) == 0 && workload(&h))
			_exit(10);
		_exit(0);
	}
	waitpid(pid, &st, 0);
	synced = WIFEXITED(st) && WEXITSTATUS(st) == 10;
	trial_synced = synced;
	pst = h_sh("e2fsck -p %s >/dev/null 2>&1", img);
	if (pst > 1) {
		fprintf(stderr, "crash after %llu writes: e2fsck -p says %d\n",
			(unsigned long long)k, pst);
		h_sh("e2fsck -fn %s 2>&1 | head -20 >&2", img);
		return 1;
	}
	if (h_sh("e2fsck -fn %s >/dev/null 2>&1", img) != 0)
		return 2;
	if (synced) {
		char out[DURABLE_LEN + 1];
		const char *dump = h_tmp("durable.out");
		FILE *f;
		size_t n = 0;

		h_sh("rm -f %s; debugfs -R 'dump /durable %s' %s >/dev/null 2>&1", dump, dump, img);
		f = fopen(dump, "rb");
		if (f) {
			n = fread(out, 1, sizeof(out), f);
			fclose(f);
		}
		if (n != DURABLE_LEN || memcmp(out, durable, DURABLE_LEN) != 0) {
			fprintf(stderr, "crash after %llu writes: the fsynced file is lost\n",
				(unsigned long long)k);
			return 3;
		}
	}
	return 0;
}

int main(void)
{
	const char *tmpl = h_tmp("template.img"), *img = h_tmp("crash.img");
	uint64_t total;
	int bad = 0, fsynced = 0, trials;

	h_fill(durable, sizeof(durable), 1234);
	make_template(tmpl);
	total = count_writes(tmpl, img);
	trials = total < TRIALS_MAX ? (int)total + 1 : TRIALS_MAX;
	printf("the workload makes %llu writes; crashing after K of them, %d times\n",
	       (unsigned long long)total, trials);
	CHECK(total > 20);
	srand(42);
	for (int i = 0; i < trials; i++) {
		uint64_t k = total < TRIALS_MAX ? (uint64_t)i : (uint64_t)rand() % (total + 1);
		int r = trial(tmpl, img, k);

		CHECKF(r == 0, "crash after %llu of %llu writes: %d", (unsigned long long)k,
		       (unsigned long long)total, r);
		bad += r != 0;
		fsynced += r == 0 && trial_synced;
	}
	printf("%d of %d crash points repaired by e2fsck -p (%d after the fsync returned)\n",
	       trials - bad, trials, fsynced);
	h_cleanup();
	return test__done();
}
