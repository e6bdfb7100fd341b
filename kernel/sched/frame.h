/* Offsets of struct pith_upcall_frame and of the switch frame, for the sched assembly. */
#ifndef PITH_SCHED_FRAME_H
#define PITH_SCHED_FRAME_H

/* struct pith_upcall_frame (include/pith/abi.h); upcall.c checks them with offsetof. */
#define PITH_UF_RAX    32
#define PITH_UF_RBX    40
#define PITH_UF_RCX    48
#define PITH_UF_RDX    56
#define PITH_UF_RSI    64
#define PITH_UF_RDI    72
#define PITH_UF_RBP    80
#define PITH_UF_R8     88
#define PITH_UF_R9     96
#define PITH_UF_R10    104
#define PITH_UF_R11    112
#define PITH_UF_R12    120
#define PITH_UF_R13    128
#define PITH_UF_R14    136
#define PITH_UF_R15    144
#define PITH_UF_RFLAGS 152
#define PITH_UF_RSP    160
#define PITH_UF_RIP    168
#define PITH_UF_SIZE   176

/* Where the monitor puts a timer or signal frame: below the red zone of the interrupted RSP. */
#define PITH_UF_BELOW_RSP (128 + PITH_UF_SIZE)

/*
 * What pith_ctx_switch leaves on a switched-out thread's stack, from its saved RSP up: the x87
 * control word (bytes 0-1) and MXCSR (bytes 4-7), r15, r14, r13, r12, rbx, rbp, return address.
 */
#define PITH_SWITCH_FRAME_SIZE 64

#endif
