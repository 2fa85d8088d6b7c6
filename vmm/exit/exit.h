/*
 * VM-exit dispatch: one table from basic exit reason to handler, with a
 * name for statistics (vmm/exit/exit.c). Handlers run in VMX root with the
 * vCPU's VMCS current and its exit state already read into v->exit; each
 * advances RIP itself when the instruction completed.
 */
#ifndef VMM_EXIT_H
#define VMM_EXIT_H

#include <stdint.h>

struct vcpu;

/* What a handler asks of the run loop. */
#define EXIT_RESUME 0 /* enter the guest again */
#define EXIT_YIELD 1  /* let another vCPU run (HLT, end of time slice) */
#define EXIT_STOP 2   /* the VM ended: never enter it again */

typedef int (*exit_handler_fn)(struct vcpu *v);

struct exit_entry {
	exit_handler_fn handler;
	const char *name;
};

/* Name of an exit reason for statistics ("cpuid", "io", ...). */
const char *exit_stat_name(uint32_t reason);

/* Reads the exit state from the VMCS into v->exit and runs the handler. */
int exit_dispatch(struct vcpu *v);

/* What CPUID returns to this vCPU (vmm/exit/exit_cpuid.c). */
void vcpu_cpuid(struct vcpu *v, uint32_t leaf, uint32_t subleaf, uint32_t out[4]);

/* Handlers living in their own files. */
int handle_cpuid(struct vcpu *v);
int handle_io(struct vcpu *v);
int handle_cr_access(struct vcpu *v);
int handle_ept_violation(struct vcpu *v);
int handle_ept_misconfig(struct vcpu *v);
int handle_vmcall(struct vcpu *v);

/*
 * The exits the operator's settings enable (vmm/exit/exit_vmctl.c). A
 * trapped exception: counted and passed on to the guest, returning what
 * the run loop should do; -1 if v does not trap that exception (nothing
 * changed: the caller reports it).
 */
int vmctl_pass_exception(struct vcpu *v, uint32_t intr_info);
int handle_rdtsc(struct vcpu *v);
int handle_rdtscp(struct vcpu *v);
int handle_pause(struct vcpu *v);
int handle_invlpg(struct vcpu *v);
int handle_invpcid(struct vcpu *v);
int handle_mov_dr(struct vcpu *v);
int handle_rdrand(struct vcpu *v);
int handle_rdseed(struct vcpu *v);

#endif
