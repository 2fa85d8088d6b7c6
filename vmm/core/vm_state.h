/*
 * A VM's life-cycle states and what each allows: which ones the schedulers
 * run, let go of, or leave alone. Pure: the host unit tests include it.
 *
 *   CREATING -> RUNNING <-> PAUSED
 *                  |  \-> HALTED
 *                  v
 *           STOPPED or CRASHED (ended: its vCPUs are let go of and freed)
 */
#ifndef VMM_VM_STATE_H
#define VMM_VM_STATE_H

#include <stdbool.h>

enum vm_state {
	VM_RUNNING,
	VM_PAUSED,
	VM_HALTED,   /* every vCPU executed HLT with interrupts off */
	VM_STOPPED,  /* it shut itself down */
	VM_CRASHED,  /* it did something that ended it (triple fault, bad access) */
	VM_CREATING, /* in the VM table (its id and slot are taken) but still being built */
};

/* Its vCPUs may run again: running, or waiting for the operator or an interrupt. */
static inline bool vm_state_live(enum vm_state s)
{
	return s == VM_RUNNING || s == VM_PAUSED || s == VM_HALTED;
}

/* It ended: its vCPUs' CPUs let go of them for good, and it may be freed. */
static inline bool vm_state_ended(enum vm_state s)
{
	return s == VM_STOPPED || s == VM_CRASHED;
}

/* Something may still run without a new guest being created (the boot CPU's loop goes on). */
static inline bool vm_state_may_run(enum vm_state s)
{
	return s == VM_RUNNING || s == VM_PAUSED || s == VM_CREATING;
}

static inline const char *vm_state_label(enum vm_state s)
{
	static const char *const names[] = {
		[VM_RUNNING] = "running", [VM_PAUSED] = "paused", [VM_HALTED] = "halted",
		[VM_STOPPED] = "stopped", [VM_CRASHED] = "crashed", [VM_CREATING] = "creating",
	};

	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

#endif
