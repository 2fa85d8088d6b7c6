/*
 * The scheduler's state on each physical CPU, shared by the scheduling
 * loop (vmm/core/sched.c) and the code that runs a slice (vmm/exit/vcpu_run.c).
 */
#ifndef VMM_SCHED_CPU_H
#define VMM_SCHED_CPU_H

#include <stdbool.h>
#include <stdint.h>

struct vcpu;
struct vm;

struct sched_cpu {
	struct vcpu *loaded;       /* whose FPU state and guest MSRs are on this CPU */
	struct vm *volatile using; /* the VM whose vCPU it runs now; NULL between slices */
	uint32_t rr;               /* round robin: VM slot * VM_MAX_VCPUS + vCPU index */
	volatile bool kicked;      /* another CPU gave one of its vCPUs something to do */
};

/* Runs v (whose cpu is this one) for at most a slice. */
void vcpu_run_slice(struct sched_cpu *c, struct vcpu *v);

/* This CPU, v's own, lets go of v for good: its VMCS is cleared here, so v may be freed. */
void vcpu_release_here(struct sched_cpu *c, struct vcpu *v);

/* VCPU_REQ_SAVE_STATE for v, which does not run (vmm/exit/vcpu_state.c); c is v's CPU. */
void vcpu_save_state_idle(struct sched_cpu *c, struct vcpu *v);

/* Writes what exit handlers changed in v's cached RIP, RSP, RFLAGS and blocking into its VMCS (current). */
void vcpu_write_back_state(struct vcpu *v);

#endif
