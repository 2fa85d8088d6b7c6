/*
 * A VM's life-cycle states and what each allows: which ones the schedulers
 * run, let go of, or leave alone. Pure: the host unit tests include it.
 *
 *   CREATING -> RUNNING <-> PAUSED
 *                  |  \-> HALTED
 *                  v
 *           STOPPED or CRASHED (ended: its vCPUs are let go of and freed)
 *
 * Every transition, and what causes it:
 *
 *   (none)   -> CREATING  vm_create: boot autostart, `create`, `reboot`,
 *                         `restore` (its RAM, devices and vCPUs come from a
 *                         snapshot instead of an image), `clone` (the same,
 *                         its RAM shared with its source)
 *   CREATING -> RUNNING   vm_create, once the VM is whole
 *   CREATING -> (freed)   vm_create fails: bad image, no memory, a snapshot
 *                         section that does not decode
 *   RUNNING  -> PAUSED    `pause`; `save` and `clone` (for the copy, then back
 *                         to what it was, unless `save ... stop`)
 *   HALTED   -> PAUSED    the same
 *   PAUSED   -> RUNNING   `unpause`; the end of a `save`
 *   PAUSED   -> HALTED    the end of a `save` of a halted guest
 *   RUNNING  -> HALTED    the scheduler: every vCPU waits in HLT with IF=0
 *   RUNNING  -> STOPPED   the guest: HC_SHUTDOWN, ACPI S5 (also after
 *                         `shutdown`'s power button)
 *   RUNNING  -> CRASHED   the guest: triple fault, an access outside its
 *                         RAM, a failed VM entry, a pvpanic report
 *   any live -> STOPPED   `destroy` (then freed); `reboot` and a guest's
 *                         own reset (then freed and created again, new id)
 *   STOPPED, CRASHED -> (freed)  `destroy`
 *
 * A save holds the VM's end claim (vm_claim_end) while it runs, so that
 * `destroy` or a reset cannot free the VM under it.
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
