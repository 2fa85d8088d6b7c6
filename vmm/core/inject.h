/*
 * Event injection (SDM Vol. 3, 26.6): exceptions raised by exit handlers,
 * external interrupts from the VM's interrupt controller, and events whose
 * delivery a VM exit cut short (IDT-vectoring information, SDM 27.2.4),
 * which are delivered again. Runs in VMX root with the vCPU's VMCS current.
 */
#ifndef VMM_INJECT_H
#define VMM_INJECT_H

struct vcpu;

/* After an exit: an event being delivered when the exit happened is queued again. */
void inject_requeue_vectoring(struct vcpu *v);

/*
 * Before an entry: writes the queued event into the VM-entry
 * interruption-information field, or else an external interrupt the guest
 * can take now; asks for an interrupt-window exit when one is waiting that
 * it cannot take yet.
 */
void inject_before_entry(struct vcpu *v);

#endif
