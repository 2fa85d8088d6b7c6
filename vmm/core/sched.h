/*
 * The vCPU scheduler: each physical CPU runs its own vCPUs round-robin,
 * each for a time slice the VMX preemption timer enforces. A vCPU that
 * executes HLT gives the CPU up until an interrupt is due for it; paused
 * VMs do not run. Runs in VMX root, interrupts off.
 */
#ifndef VMM_SCHED_H
#define VMM_SCHED_H

#include "vmm/core/vcpu_req.h"

struct vcpu;

struct vm;

#define SCHED_SLICE_US 10000ULL /* a vCPU's time slice, unless it halts or blocks first */

/* On the boot CPU: returns when no VM is left running (the APs run ap_main). */
void sched_run(void);

/* A vCPU is about to be freed: the scheduler must not save state into it. */
void sched_forget_vcpu(struct vcpu *v);

/* v has something to do (an interrupt, a SIPI, input): get its CPU out of HLT or the guest. */
void sched_kick(struct vcpu *v);

/*
 * Any CPU: posts request r for v (vmm/core/vcpu_req.h), after the caller
 * has written what its handler reads, and kicks v's CPU so that a running
 * v handles it before it enters the guest again. v's VM must not be freed
 * meanwhile (its lock or the table lock held, or the caller one of its vCPUs).
 */
void vcpu_request(struct vcpu *v, enum vcpu_req r);

/* The same for every vCPU of vm (its EPT changed: VCPU_REQ_FLUSH_EPT). */
void vm_request_all(struct vm *vm, enum vcpu_req r);

/*
 * Waits until no other CPU is inside a slice of one of vm's vCPUs (a
 * paused VM's vCPUs leave at their next exit). Never with a lock held.
 */
void sched_wait_vm_off_cpus(struct vm *vm);

/*
 * Ends vm if it is still live and frees it once no CPU holds it: its vCPUs'
 * CPUs clear their VMCSs, and no CPU is inside one of its slices. Any CPU;
 * never with vm_table_lock or a VM's lock held.
 */
void sched_destroy_vm(struct vm *vm);

#endif
