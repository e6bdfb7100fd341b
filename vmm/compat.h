/* The compatibility path: programs that make Linux syscalls with the `syscall` instruction. */
#ifndef VMM_COMPAT_H
#define VMM_COMPAT_H

#include <stddef.h>

struct vm;

/*
 * The program has no Pith note: it is a static Linux ELF. Open Pith's compat kernel
 * (cfg->compat_kernel), check its ABI, and set vm->compat, vm->entry and vm->compat_entry.
 * Returns 0, or -1 with "<what>; <what to do>" in err.
 */
int compat__open_kernel(struct vm *vm, char *err, size_t errlen);

/*
 * The LSTAR stub reported a `syscall` instruction: send the vCPU back to CPL3 at the compat
 * entry with every general register as the instruction left it (RCX = return RIP, R11 =
 * RFLAGS). Returns HC_RESUME, or PITH_EXIT_CRASH after a report.
 */
int compat__syscall(struct vm *vm);

#endif
