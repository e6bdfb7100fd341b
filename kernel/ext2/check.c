/* ext2: the superblock's and group descriptors' sanity checks at mount, and metadata ranges. */
#include <errno.h>
#include <string.h>

#include "ext2/ext2.h"

/* Appends the decimal (or hex) digits of v at p; returns the new end. */
static char *put_num(char *p, uint64_t v, bool hex)
{
	char tmp[20];
	int n = 0;
	unsigned base = hex ? 16 : 10;

	if (hex) {
		*p++ = '0';
		*p++ = 'x';
	}
	do
		tmp[n++] = "0123456789abcdef"[v % base];
	while ((v /= base) != 0);
	while (n)
		*p++ = tmp[--n];
	return p;
}

/* Logs "<pre><v><post>" on the console for mount m. */
void ext2_log_num(const struct pith_mount *m, const char *pre, uint64_t v, bool hex,
		  const char *post)
{
	char msg[256], *p = msg;
	size_t a = strlen(pre), b = strlen(post);

	if (a > 120)
		a = 120;
	if (b > 100)
		b = 100;
	memcpy(p, pre, a);
	p = put_num(p + a, v, hex);
	memcpy(p, post, b);
	p[b] = 0;
	pith_vfs_log(m, msg);
}

/* Whether group g holds a copy of the superblock and the GDT (SPARSE_SUPER: 0, 1, powers of
   3, 5 and 7; Poirier 3.1.26). */
bool ext2_group_has_super(const struct ext2_fs *fs, uint32_t g)
{
	static const uint32_t bases[3] = {3, 5, 7};

	if (g <= 1 || !(fs->sb.s_feature_ro_compat & EXT2_FEATURE_RO_COMPAT_SPARSE_SUPER))
		return true;
	for (int i = 0; i < 3; i++) {
		uint64_t p = bases[i];

		while (p < g)
			p *= bases[i];
		if (p == g)
			return true;
	}
	return false;
}

/* The first block of group g and one past its last. */
static void group_range(const struct ext2_fs *fs, uint32_t g, uint64_t *start, uint64_t *end)
{
	*start = fs->sb.s_first_data_block + (uint64_t)g * fs->sb.s_blocks_per_group;
	*end = *start + fs->sb.s_blocks_per_group;
	if (*end > fs->sb.s_blocks_count)
		*end = fs->sb.s_blocks_count;
}

/* One past the superblock copy, GDT and reserved GDT blocks at the start of group g. */
static uint64_t group_super_end(const struct ext2_fs *fs, uint32_t g)
{
	uint64_t start, end;

	group_range(fs, g, &start, &end);
	if (!ext2_group_has_super(fs, g))
		return start;
	return start + 1 + fs->gd_blocks + fs->sb.s_reserved_gdt_blocks;
}

static uint32_t itable_blocks(const struct ext2_fs *fs)
{
	return fs->sb.s_inodes_per_group / fs->inodes_per_block;
}

bool ext2_block_is_meta(const struct ext2_fs *fs, uint64_t b)
{
	const struct ext2_group_desc *gd;
	uint32_t g;

	if (b < fs->sb.s_first_data_block || b >= fs->sb.s_blocks_count)
		return true;
	g = (uint32_t)((b - fs->sb.s_first_data_block) / fs->sb.s_blocks_per_group);
	gd = &fs->gd[g];
	if (b < group_super_end(fs, g))
		return true;
	if (b == gd->bg_block_bitmap || b == gd->bg_inode_bitmap)
		return true;
	return b >= gd->bg_inode_table && b < (uint64_t)gd->bg_inode_table + itable_blocks(fs);
}

bool ext2_block_ok(const struct ext2_fs *fs, uint64_t b)
{
	return b != 0 && !ext2_block_is_meta(fs, b);
}

/* Checks one group descriptor: every structure inside the group, none overlapping. */
static int check_group(struct ext2_fs *fs, uint32_t g)
{
	const struct ext2_group_desc *gd = &fs->gd[g];
	uint64_t start, end, meta = group_super_end(fs, g), it = gd->bg_inode_table;

	group_range(fs, g, &start, &end);
	if (gd->bg_block_bitmap < meta || gd->bg_block_bitmap >= end ||
	    gd->bg_inode_bitmap < meta || gd->bg_inode_bitmap >= end ||
	    gd->bg_block_bitmap == gd->bg_inode_bitmap || it < meta ||
	    it + itable_blocks(fs) > end) {
		ext2_log_num(fs->mnt, "corrupt group descriptor ", g, false,
			     ": a bitmap or the inode table lies outside its group");
		return -EINVAL;
	}
	if ((gd->bg_block_bitmap >= it && gd->bg_block_bitmap < it + itable_blocks(fs)) ||
	    (gd->bg_inode_bitmap >= it && gd->bg_inode_bitmap < it + itable_blocks(fs))) {
		ext2_log_num(fs->mnt, "corrupt group descriptor ", g, false,
			     ": a bitmap overlaps the inode table");
		return -EINVAL;
	}
	if (gd->bg_free_inodes_count > fs->sb.s_inodes_per_group ||
	    gd->bg_free_blocks_count > fs->sb.s_blocks_per_group)
		pith_vfs_log(fs->mnt, "warning: wrong free counts in a group descriptor");
	return 0;
}

int ext2_check_groups(struct ext2_fs *fs)
{
	for (uint32_t g = 0; g < fs->ngroups; g++) {
		int err = check_group(fs, g);

		if (err)
			return err;
	}
	return 0;
}

/* Block size, first data block, counts against the disk's size. */
static int check_geometry(struct ext2_fs *fs, uint64_t disk_bytes)
{
	const struct ext2_super *sb = &fs->sb;

	if (sb->s_log_block_size > 6) {
		ext2_log_num(fs->mnt, "not a usable ext2 filesystem (block size 2^",
			     10 + (uint64_t)sb->s_log_block_size, false, "; at most 64 KiB)");
		return -EINVAL;
	}
	if (sb->s_first_data_block != (sb->s_log_block_size == 0 ? 1u : 0u)) {
		ext2_log_num(fs->mnt, "corrupt superblock (first data block ",
			     sb->s_first_data_block, false, ")");
		return -EINVAL;
	}
	if (sb->s_blocks_count <= sb->s_first_data_block + 2 ||
	    (uint64_t)sb->s_blocks_count << (10 + sb->s_log_block_size) > disk_bytes) {
		ext2_log_num(fs->mnt, "corrupt superblock: ", sb->s_blocks_count, false,
			     " blocks do not fit on the disk");
		return -EINVAL;
	}
	return 0;
}

/* Blocks and inodes per group, inode size, first inode. */
static int check_groups_shape(struct ext2_fs *fs)
{
	const struct ext2_super *sb = &fs->sb;
	uint32_t bs = fs->block_size;

	if (sb->s_blocks_per_group < 8 || sb->s_blocks_per_group > 8 * bs ||
	    sb->s_blocks_per_group % 8 || sb->s_inodes_per_group == 0 ||
	    sb->s_inodes_per_group > 8 * bs) {
		pith_vfs_log(fs->mnt, "corrupt superblock: bad blocks or inodes per group");
		return -EINVAL;
	}
	if (fs->inode_size < 128 || fs->inode_size > bs ||
	    (fs->inode_size & (fs->inode_size - 1)) ||
	    sb->s_inodes_per_group % (bs / fs->inode_size)) {
		ext2_log_num(fs->mnt, "corrupt superblock: inode size ", fs->inode_size, false, "");
		return -EINVAL;
	}
	if ((uint64_t)sb->s_inodes_count > (uint64_t)sb->s_inodes_per_group * fs->ngroups ||
	    sb->s_inodes_count < EXT2_ROOT_INO || fs->first_ino > sb->s_inodes_count ||
	    fs->first_ino <= EXT2_ROOT_INO) {
		pith_vfs_log(fs->mnt, "corrupt superblock: bad inode counts");
		return -EINVAL;
	}
	return 0;
}

/* Fills the derived geometry and checks the superblock in fs->sb: 0 or -EINVAL after a line. */
int ext2_check_super(struct ext2_fs *fs, uint64_t disk_bytes)
{
	struct ext2_super *sb = &fs->sb;
	int err;

	if (sb->s_magic != EXT2_MAGIC) {
		ext2_log_num(fs->mnt, "not an ext2 filesystem (bad magic ", sb->s_magic, true, ")");
		return -EINVAL;
	}
	if (sb->s_rev_level > 1) {
		ext2_log_num(fs->mnt, "unknown ext2 revision ", sb->s_rev_level, false, "");
		return -EINVAL;
	}
	err = check_geometry(fs, disk_bytes);
	if (err)
		return err;
	fs->log_block_size = 10 + sb->s_log_block_size;
	fs->block_size = 1u << fs->log_block_size;
	fs->inode_size = sb->s_rev_level ? sb->s_inode_size : EXT2_GOOD_OLD_INODE_SIZE;
	fs->first_ino = sb->s_rev_level ? sb->s_first_ino : EXT2_GOOD_OLD_FIRST_INO;
	fs->addr_per_block = fs->block_size / 4;
	if (sb->s_blocks_per_group == 0) {
		pith_vfs_log(fs->mnt, "corrupt superblock: 0 blocks per group");
		return -EINVAL;
	}
	fs->ngroups =
	    (uint32_t)((sb->s_blocks_count - sb->s_first_data_block + sb->s_blocks_per_group - 1) /
		       sb->s_blocks_per_group);
	fs->gd_blocks = (uint32_t)(((uint64_t)fs->ngroups * sizeof(struct ext2_group_desc) +
				    fs->block_size - 1) >>
				   fs->log_block_size);
	err = check_groups_shape(fs);
	if (err)
		return err;
	fs->inodes_per_block = fs->block_size / fs->inode_size;
	if ((uint64_t)sb->s_first_data_block + 1 + fs->gd_blocks + sb->s_reserved_gdt_blocks >
	    sb->s_blocks_count) {
		pith_vfs_log(fs->mnt, "corrupt superblock: the group descriptors lie past the end");
		return -EINVAL;
	}
	return 0;
}

/* Incompatible and read-only features: -EINVAL (refused) or 0; may make the mount read-only. */
int ext2_check_features(struct ext2_fs *fs)
{
	const struct ext2_super *sb = &fs->sb;
	uint32_t incompat = sb->s_feature_incompat & ~EXT2_FEATURE_INCOMPAT_FILETYPE;
	uint32_t ro = sb->s_feature_ro_compat & ~EXT2_RO_COMPAT_WRITABLE;

	if (sb->s_rev_level == 0)
		return 0;
	if (incompat) {
		ext2_log_num(fs->mnt, "unsupported ext2 feature (incompat ", incompat, true,
			     ": journal recovery, extents, 64bit, meta_bg ...); use an ext2 image");
		return -EINVAL;
	}
	if (ro && !fs->mnt->readonly) {
		ext2_log_num(fs->mnt, "read-only ext2 feature (ro_compat ", ro, true,
			     "): mounted read-only");
		fs->mnt->readonly = true;
	}
	fs->filetype = sb->s_feature_incompat & EXT2_FEATURE_INCOMPAT_FILETYPE;
	return 0;
}
