/*
 * A vCPU's general registers by the index exit qualifications and
 * instruction encodings use (0 RAX ... 15 R15). RSP lives in the VMCS and
 * is read only when a handler asks for it. Runs in VMX root with the
 * vCPU's VMCS current.
 */
#include "arch/x86/vmx.h"
#include "vmm/abi/hypercall_types.h"
#include "vmm/core/vcpu.h"

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

void vcpu_take_snapshot(struct vcpu *v)
{
	static const uint32_t selectors[8] = {
		VMCS_GUEST_ES_SELECTOR, VMCS_GUEST_CS_SELECTOR, VMCS_GUEST_SS_SELECTOR,
		VMCS_GUEST_DS_SELECTOR, VMCS_GUEST_FS_SELECTOR, VMCS_GUEST_GS_SELECTOR,
		VMCS_GUEST_LDTR_SELECTOR, VMCS_GUEST_TR_SELECTOR,
	};
	unsigned i;

	v->snap.rsp = vcpu_gpr(v, 4);
	v->snap.cr0 = vmcs_read64(VMCS_GUEST_CR0);
	v->snap.cr3 = vmcs_read64(VMCS_GUEST_CR3);
	v->snap.cr4 = vmcs_read64(VMCS_GUEST_CR4);
	v->snap.efer = vmcs_read64(VMCS_GUEST_IA32_EFER);
	for (i = 0; i < 8; i++)
		v->snap.sel[i] = (uint16_t)vmcs_read_raw(selectors[i]);
}

void vcpu_snapshot_regs(const struct vcpu *v, struct hv_vcpu_info *info)
{
	struct vcpu *w = (struct vcpu *)v; /* gpr_slot does not write */
	unsigned i;

	for (i = 0; i < 16; i++)
		info->gpr[i] = i == 4 ? v->snap.rsp : *gpr_slot(w, i);
	info->rip = v->rip;
	info->rflags = v->rflags;
	info->cr0 = v->snap.cr0;
	info->cr3 = v->snap.cr3;
	info->cr4 = v->snap.cr4;
	info->efer = v->snap.efer;
	info->es = v->snap.sel[0];
	info->cs = v->snap.sel[1];
	info->ss = v->snap.sel[2];
	info->ds = v->snap.sel[3];
	info->fs = v->snap.sel[4];
	info->gs = v->snap.sel[5];
	info->ldtr = v->snap.sel[6];
	info->tr = v->snap.sel[7];
}
