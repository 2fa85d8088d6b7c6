/*
 * Event injection. A vCPU has one queued event; a second exception raised
 * while one is queued becomes a double fault, and a fault while a double
 * fault is queued ends the VM as a triple fault would (SDM Vol. 3, 6.15,
 * table 6-5, simplified: every pair is treated as contributory).
 */
#include "vmm/core/inject.h"

#include "arch/x86/vmx.h"
#include "vmm/core/exitq.h"
#include "vmm/core/vcpu_setup.h"
#include "vmm/core/vm.h"
#include "vmm/core/vm_irq.h"

#define VECTOR_DF 8
#define RFLAGS_IF (1ULL << 9)
#define INTERRUPTIBILITY_STI (1U << 0)
#define INTERRUPTIBILITY_MOV_SS (1U << 1)

void vcpu_inject_exception(struct vcpu *v, uint8_t vector, bool has_error, uint32_t error_code)
{
	if (v->pending.valid) {
		uint32_t queued = v->pending.info;

		if (intr_info_type(queued) == INTR_TYPE_HW_EXCEPTION &&
		    intr_info_vector(queued) == VECTOR_DF) {
			vm_end(v->vm, VM_CRASHED, "triple fault (exception %u while delivering #DF)",
			       vector);
			return;
		}
		if (intr_info_type(queued) == INTR_TYPE_HW_EXCEPTION) {
			vector = VECTOR_DF;
			has_error = true;
			error_code = 0;
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
	uint32_t ctls = vcpu_proc_controls();

	if (on)
		ctls |= CPU_INTR_WINDOW_EXITING;
	vmcs_write32(VMCS_PROC_BASED_CTLS, ctls);
	v->wants_interrupt_window = on;
}

static bool can_take_interrupt(struct vcpu *v)
{
	uint32_t blocking = vmcs_read32(VMCS_GUEST_INTERRUPTIBILITY);

	return (v->rflags & RFLAGS_IF) &&
	       !(blocking & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS));
}

void inject_before_entry(struct vcpu *v)
{
	bool want_window = false;

	if (v->pending.valid) {
		vmcs_write32(VMCS_ENTRY_INTR_INFO, v->pending.info);
		if (intr_info_has_error(v->pending.info))
			vmcs_write32(VMCS_ENTRY_EXCEPTION_ERROR_CODE, v->pending.error_code);
		if (v->pending.insn_len)
			vmcs_write32(VMCS_ENTRY_INSTRUCTION_LEN, v->pending.insn_len);
		v->pending.valid = false;
		/* A device interrupt still waiting is delivered after this event. */
		want_window = vm_irq_pending(v);
	} else if (vm_irq_pending(v)) {
		if (can_take_interrupt(v)) {
			int vector = vm_irq_ack(v);

			if (vector >= 0)
				vmcs_write32(VMCS_ENTRY_INTR_INFO,
					     intr_info_make((uint8_t)vector, INTR_TYPE_EXT_INTR, false));
		} else {
			want_window = true;
		}
	}
	if (want_window != v->wants_interrupt_window)
		set_interrupt_window(v, want_window);
}
