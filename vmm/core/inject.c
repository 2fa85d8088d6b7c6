/*
 * Event injection. A vCPU has one queued event for the next entry. An
 * exception raised while one is queued is combined with it as SDM Vol. 3,
 * 6.15 says (vmm/core/exc_class.h): a double fault, a triple fault that ends
 * the VM, or delivered in its place; a queued external interrupt or NMI,
 * which nothing would raise again, waits in `held` behind the exception
 * and is injected on a later entry, once the guest can take it.
 */
#include "vmm/core/inject.h"

#include "arch/x86/vmx.h"
#include "vmm/core/exc_class.h"
#include "vmm/core/exitq.h"
#include "vmm/core/vcpu_setup.h"
#include "vmm/core/vm.h"
#include "vmm/core/vm_irq.h"

#define RFLAGS_IF (1ULL << 9)
#define INTERRUPTIBILITY_STI (1U << 0)
#define INTERRUPTIBILITY_MOV_SS (1U << 1)
#define INTERRUPTIBILITY_NMI (1U << 3)
#define GUEST_ACTIVITY_ACTIVE 0U
#define GUEST_ACTIVITY_HLT 1U

void vcpu_inject_exception(struct vcpu *v, uint8_t vector, bool has_error, uint32_t error_code)
{
	if (v->pending.valid) {
		uint32_t queued = v->pending.info;

		switch (exc_combine(intr_info_type(queued), intr_info_vector(queued), vector)) {
		case EXC_TRIPLE_FAULT:
			vm_end(v->vm, VM_CRASHED, "triple fault (exception %u while delivering #DF)",
			       vector);
			return;
		case EXC_DOUBLE_FAULT:
			vector = EXC_VECTOR_DF;
			has_error = true;
			error_code = 0;
			break;
		case EXC_HOLD_QUEUED:
			v->held = v->pending;
			break;
		case EXC_DELIVER_NEW:
			break;
		}
	}
	v->pending.valid = true;
	v->pending.info = intr_info_make(vector, INTR_TYPE_HW_EXCEPTION, has_error);
	v->pending.error_code = error_code;
	v->pending.insn_len = 0;
}

void inject_requeue_vectoring(struct vcpu *v)
{
	uint32_t info = v->exit.idt_vectoring;
	uint32_t type = intr_info_type(info);

	if (!intr_info_valid(info))
		return;
	v->pending.valid = true;
	v->pending.info = intr_info_reinject(info);
	v->pending.error_code = v->exit.idt_vectoring_error;
	/* Software interrupts and exceptions need their instruction length again (SDM 27.2.4). */
	v->pending.insn_len = (type == INTR_TYPE_SW_INTR || type == INTR_TYPE_SW_EXCEPTION ||
			       type == INTR_TYPE_PRIV_SW_EXCEPTION)
				      ? v->exit.insn_len
				      : 0;
}

static void set_interrupt_window(struct vcpu *v, bool on)
{
	uint32_t ctls = v->ctls[VCPU_CTL_PROC] & ~CPU_INTR_WINDOW_EXITING;

	if (on)
		ctls |= CPU_INTR_WINDOW_EXITING;
	vcpu_write_controls(v, VCPU_CTL_PROC, ctls);
	v->wants_interrupt_window = on;
}

static bool can_take_interrupt(struct vcpu *v)
{
	uint32_t blocking = vmcs_read32(VMCS_GUEST_INTERRUPTIBILITY);

	return (v->rflags & RFLAGS_IF) &&
	       !(blocking & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS));
}

/* A held external interrupt needs what any interrupt needs; a held NMI only that no blocking forbids it. */
static bool can_take_held(struct vcpu *v)
{
	uint32_t blocking;

	if (intr_info_type(v->held.info) != INTR_TYPE_NMI)
		return can_take_interrupt(v);
	blocking = vmcs_read32(VMCS_GUEST_INTERRUPTIBILITY);
	return !(blocking & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS | INTERRUPTIBILITY_NMI));
}

/*
 * A guest that ran HLT natively (HLT exiting off, vmctl; or off until just
 * now, or restored so) is in the HLT activity state; it leaves it to take
 * the event, as KVM does before injecting: its RIP is already past the
 * HLT. Checked on every injection, not only while HLT exiting is off,
 * because turning it back on leaves the state as it was.
 */
static void wake_from_hlt(struct vcpu *v)
{
	if (vmcs_read32(VMCS_GUEST_ACTIVITY_STATE) == GUEST_ACTIVITY_HLT)
		vmcs_write32(VMCS_GUEST_ACTIVITY_STATE, GUEST_ACTIVITY_ACTIVE);
}

static void write_event(struct vcpu *v, const struct vcpu_event *e)
{
	wake_from_hlt(v);
	vmcs_write32(VMCS_ENTRY_INTR_INFO, e->info);
	if (intr_info_has_error(e->info))
		vmcs_write32(VMCS_ENTRY_EXCEPTION_ERROR_CODE, e->error_code);
	if (e->insn_len)
		vmcs_write32(VMCS_ENTRY_INSTRUCTION_LEN, e->insn_len);
}

void inject_before_entry(struct vcpu *v)
{
	bool want_window = false;

	if (v->pending.valid) {
		write_event(v, &v->pending);
		v->pending.valid = false;
		/* A held event or a device interrupt still waiting is delivered after this one. */
		want_window = v->held.valid || vm_irq_pending(v);
	} else if (v->held.valid) {
		if (can_take_held(v)) {
			write_event(v, &v->held);
			v->held.valid = false;
			want_window = vm_irq_pending(v);
		} else {
			/*
			 * An interrupt-window exit comes once IF allows; an NMI
			 * blocked by an NMI would make it exit at once, over and
			 * over: it is tried again at the next entry instead.
			 */
			want_window = intr_info_type(v->held.info) != INTR_TYPE_NMI;
		}
	} else if (vm_irq_pending(v)) {
		if (can_take_interrupt(v)) {
			int vector = vm_irq_ack(v);

			if (vector >= 0) {
				wake_from_hlt(v);
				vmcs_write32(VMCS_ENTRY_INTR_INFO,
					     intr_info_make((uint8_t)vector, INTR_TYPE_EXT_INTR, false));
			}
		} else {
			want_window = true;
		}
	}
	if (want_window != v->wants_interrupt_window)
		set_interrupt_window(v, want_window);
}
