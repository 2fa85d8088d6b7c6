/*
 * A vCPU's general registers by the index exit qualifications and
 * instruction encodings use (0 RAX ... 15 R15). RSP lives in the VMCS and
 * is read only when a handler asks for it. Runs in VMX root with the
 * vCPU's VMCS current.
 */
#include "arch/x86/vmx.h"
#include "vmm/vcpu.h"

/* Where the entry stub keeps GPR `idx` (exit-qualification numbering); NULL for RSP, which lives in the VMCS. */
static uint64_t *gpr_slot(struct vcpu *v, unsigned idx)
{
	static const size_t offsets[16] = {
		offsetof(struct guest_regs, rax), offsetof(struct guest_regs, rcx),
		offsetof(struct guest_regs, rdx), offsetof(struct guest_regs, rbx), 0,
		offsetof(struct guest_regs, rbp), offsetof(struct guest_regs, rsi),
		offsetof(struct guest_regs, rdi), offsetof(struct guest_regs, r8),
		offsetof(struct guest_regs, r9), offsetof(struct guest_regs, r10),
		offsetof(struct guest_regs, r11), offsetof(struct guest_regs, r12),
		offsetof(struct guest_regs, r13), offsetof(struct guest_regs, r14),
		offsetof(struct guest_regs, r15),
	};

	idx &= 15;
	return idx == 4 ? NULL : (uint64_t *)((uint8_t *)&v->regs + offsets[idx]);
}

uint64_t vcpu_gpr(struct vcpu *v, unsigned idx)
{
	uint64_t *slot = gpr_slot(v, idx);

	if (slot)
		return *slot;
	if (!v->rsp_valid) {
		v->rsp = vmcs_read64(VMCS_GUEST_RSP);
		v->rsp_valid = true;
	}
	return v->rsp;
}

void vcpu_set_gpr(struct vcpu *v, unsigned idx, uint64_t value)
{
	uint64_t *slot = gpr_slot(v, idx);

	if (slot) {
		*slot = value;
		return;
	}
	v->rsp = value;
	v->rsp_valid = v->rsp_dirty = true;
}
