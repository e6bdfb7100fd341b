/* A per-user cache of KVM's supported CPUID table, valid for one boot of one kernel and KVM. */
#ifndef VMM_X86_64_CPUID_CACHE_H
#define VMM_X86_64_CPUID_CACHE_H

#include <stdint.h>

#include "x86_64/cpuid.h"

/*
 * What a cached table must match: the host kernel (uname release), this boot (boot_id), the
 * KVM API version and the /dev/kvm node (its inode and change time: a KVM module loaded again
 * makes a new node). Compared byte for byte, so it is zeroed before being filled.
 */
struct x86_cpuid_key {
	char magic[8];
	uint32_t api;
	uint32_t entry_size; /* sizeof(struct kvm_cpuid_entry2) */
	uint64_t dev_ino, dev_ctime_sec, dev_ctime_nsec;
	char release[65];
	char boot_id[39];
};

struct x86_cpuid_cache {
	struct x86_cpuid_key key;
	char dir[256]; /* "" if this user has no cache folder (no $XDG_RUNTIME_DIR, not root) */
};

/*
 * Fill c->table from the cache if the cache file is well formed, owned by this user, not
 * writable by others and made for this very kernel and KVM (cc receives the key, for
 * x86_cpuid_cache__store). Returns 0 on a hit, -1 otherwise (then fetch the table).
 * The table is only ever given to KVM_SET_CPUID2, which validates it.
 */
int x86_cpuid_cache__load(struct x86_cpuid_cache *cc, struct x86_cpuid *c);

/* Best effort: write c's fetched table for later runs (a new file renamed into place). */
void x86_cpuid_cache__store(const struct x86_cpuid_cache *cc, const struct x86_cpuid *c);

#endif
