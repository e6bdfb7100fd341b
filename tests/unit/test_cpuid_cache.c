/* The CPUID cache: a table written by one run is read back by the next; anything odd is a miss. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test.h"
#include "x86_64/cpuid_cache.h"

static char dir[256], file[300];
static int kvm_fd;

/* A fetched-looking table of n entries with recognisable contents. */
static void table__fake(struct x86_cpuid *c, unsigned n)
{
	memset(c, 0, sizeof(*c));
	c->sys_fd = kvm_fd;
	c->table.head.nent = n;
	for (unsigned i = 0; i < n; i++) {
		c->table.entry[i].function = i;
		c->table.entry[i].eax = 0x1000 + i;
	}
}

static void store_fresh(unsigned n)
{
	struct x86_cpuid_cache cc;
	struct x86_cpuid c;

	unlink(file);
	table__fake(&c, n);
	c.rc = -1;
	x86_cpuid_cache__load(&cc, &c); /* a miss: fills the key */
	table__fake(&c, n);
	x86_cpuid_cache__store(&cc, &c);
}

static int load(struct x86_cpuid *c)
{
	struct x86_cpuid_cache cc;

	memset(c, 0, sizeof(*c));
	c->sys_fd = kvm_fd;
	c->rc = -1;
	return x86_cpuid_cache__load(&cc, c);
}

/* Run a shell command with the cache file's path in $F. */
static void shell(const char *cmd)
{
	setenv("F", file, 1);
	CHECKF(system(cmd) == 0, "%s", cmd);
}

static void check_hit(void)
{
	struct x86_cpuid c;
	struct stat st;

	store_fresh(3);
	CHECKF(stat(file, &st) == 0 && (st.st_mode & 0777) == 0600, "the cache file is mode 0600");
	CHECKF(load(&c) == 0 && c.rc == 0, "a stored table is a hit");
	CHECK(c.table.head.nent == 3 && c.table.entry[2].function == 2 &&
	      c.table.entry[2].eax == 0x1002);
}

/* After store_fresh, run a shell command on the file; the next load must miss. */
static void check_miss(const char *what, const char *cmd)
{
	struct x86_cpuid c;

	store_fresh(3);
	shell(cmd);
	CHECKF(load(&c) != 0 && c.rc != 0, "miss: %s", what);
}

int main(void)
{
	char tmpl[] = "/tmp/pith-cpuid.XXXXXX";

	if (!test__require_kvm())
		return test__done();
	kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (!CHECK(kvm_fd >= 0 && mkdtemp(tmpl)))
		return test__done();
	setenv("XDG_RUNTIME_DIR", tmpl, 1);
	snprintf(dir, sizeof(dir), "%s/pith", tmpl);
	snprintf(file, sizeof(file), "%s/cpuid", dir);

	check_hit();
	check_miss("one byte short", "truncate -s -1 \"$F\"");
	check_miss("one byte more", "printf x >> \"$F\"");
	check_miss("group-writable", "chmod g+w \"$F\"");
	check_miss("a symlink", "mv \"$F\" \"$F.real\" && ln -s cpuid.real \"$F\"");
	check_miss("random bytes of the same size",
		   "head -c $(stat -c %s \"$F\") /dev/urandom > \"$F.r\" && mv \"$F.r\" \"$F\"");
	/* struct x86_cpuid_key: magic 8, api 4, entry size 4, node 24, release 65, boot id 39 */
	check_miss("another kernel release (the key differs)",
		   "printf X | dd of=\"$F\" bs=1 seek=60 conv=notrunc status=none");
	check_miss("a huge entry count", "printf '\\377\\377\\377\\377' | dd of=\"$F\" bs=1 "
					 "seek=$((8+4+4+24+65+39)) conv=notrunc status=none");

	if (geteuid() == 0)
		check_miss("a file owned by another user", "chown nobody \"$F\"");

	/* Nothing is written into a folder that others may write to. */
	CHECK(chmod(dir, 0777) == 0);
	store_fresh(2);
	CHECKF(access(file, F_OK) != 0, "nothing written into a folder writable by others");
	setenv("F", tmpl, 1);
	CHECK(system("rm -rf \"$F\"") == 0);
	return test__done();
}
