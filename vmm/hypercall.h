/* Hypercall registry and dispatch: handlers register themselves, keyed by port, in a section. */
#ifndef VMM_HYPERCALL_H
#define VMM_HYPERCALL_H

#include <stdint.h>

#include <linux/kvm.h>

struct vm;

/* A handler's result when the guest should continue; anything else ends the run with it. */
#define HC_RESUME (-1)

/* Largest hypercall struct (the dispatcher copies it in through an aligned buffer). */
#define HC_ARG_MAX 64

struct hypercall {
	uint16_t port;	   /* PITH_HC_* */
	uint16_t arg_size; /* sizeof the call's struct */
	const char *name;  /* for messages: "console" */
	/* arg: a private copy of the guest's struct; returns HC_RESUME or a `pith run` status */
	int (*handle)(struct vm *vm, void *arg);
};

/* Register a handler: HYPERCALL(PITH_HC_CONSOLE, console, struct pith_hc_console, fn); */
#define HYPERCALL(port_, name_, type_, fn_)                                                        \
	_Static_assert(sizeof(type_) <= HC_ARG_MAX, "hypercall struct too large");                 \
	static const struct hypercall hypercall_##name_                                            \
	    __attribute__((used, section("pith_hypercalls"), aligned(sizeof(void *)))) = {         \
		.port = (port_), .arg_size = sizeof(type_), .name = #name_, .handle = (fn_)}

/*
 * Handle a KVM_EXIT_IO on a port that is not a trap port: check it is a 4-byte `out` to a
 * registered hypercall port, check the struct's address, and run the handler.
 */
int hypercall__dispatch(struct vm *vm, const struct kvm_run *run);

#endif
