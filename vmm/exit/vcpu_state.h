/*
 * A vCPU's whole state out of and back into its VMCS and the CPU, for
 * snapshots (struct vcpu_saved). Runs in VMX root with interrupts off and
 * the vCPU's VM lock held, the vCPU out of the guest.
 */
#ifndef VMM_EXIT_VCPU_STATE_H
#define VMM_EXIT_VCPU_STATE_H

#include "vmm/core/vcpu_saved.h"

#include <stdbool.h>

struct vcpu;

/*
 * Fills *s from v on v's own CPU, or on any CPU where v's VMCS is not
 * active elsewhere; regs_on_cpu: this CPU's FPU and hand-switched MSRs hold
 * v's values (it ran here last). Leaves v's VMCS current. 0 ok; -1 if its
 * VMCS could not be loaded or read.
 */
int vcpu_state_capture(struct vcpu *v, bool regs_on_cpu, struct vcpu_saved *s);

/*
 * VCPU_REQ_SAVE_STATE on v's own CPU: captures into v->save_to and
 * publishes v->saved. Takes v's VM lock unless the caller holds it.
 */
void vcpu_save_state_here(struct vcpu *v, bool regs_on_cpu, bool vm_locked);

/*
 * Gives v the state in *s: v's VMCS was just set up by vcpu_setup_vmcs and
 * is current; its VM's clock (start_tsc) is already the restored one.
 * 0 ok; -1 if a VMCS write failed.
 */
int vcpu_state_apply(struct vcpu *v, const struct vcpu_saved *s);

#endif
