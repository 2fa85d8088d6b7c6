/*
 * The vCPU scheduler: runs every live VM's vCPUs on this CPU, round-robin,
 * each for a time slice the VMX preemption timer enforces. A vCPU that
 * executes HLT gives the CPU up until an interrupt is due for it; paused
 * VMs do not run. Runs in VMX root, interrupts off.
 */
#ifndef VMM_SCHED_H
#define VMM_SCHED_H

struct vcpu;

/* Returns when no VM is left running. */
void sched_run(void);

/* A vCPU is about to be freed: the scheduler must not save state into it. */
void sched_forget_vcpu(struct vcpu *v);

#endif
