/*
 * CPUID exits: the guest sees the virtual CPU that vmm/exit/cpuid_policy.c
 * describes (VMX hidden, the hypervisor bit set, our signature at
 * 0x40000000). Runs in VMX root with the vCPU's VMCS current.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/fpu.h"
#include "arch/x86/vmx.h"
#include "drivers/timer.h"
#include "vmm/exit/cpuid_policy.h"
#include "vmm/exit/exit.h"
#include "vmm/core/vm.h"

static void host_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
	struct cpuid_regs r = cpuid(leaf, subleaf);

	out[0] = r.eax;
	out[1] = r.ebx;
	out[2] = r.ecx;
	out[3] = r.edx;
}

/* CR4 as the guest believes it is: its own bits from CR4, ours from the read shadow. */
static uint64_t guest_visible_cr4(void)
{
	uint64_t mask = vmcs_read64(VMCS_CR4_GUEST_HOST_MASK);

	return (vmcs_read64(VMCS_GUEST_CR4) & ~mask) | (vmcs_read64(VMCS_CR4_READ_SHADOW) & mask);
}

void vcpu_cpuid(struct vcpu *v, uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
	struct cpuid_ctx ctx = {
		.host = host_cpuid,
		.vcpu_id = v->id,
		.vcpu_count = v->vm->vcpu_count,
		/* Only leaves 1, 7 and 0xD depend on CR4: spare the VMREADs elsewhere. */
		.guest_cr4 = (leaf == 1 || leaf == 7 || leaf == 0xd) ? guest_visible_cr4() : 0,
		.guest_xcr0 = v->xcr0,
		.tsc_hz = timer_tsc_hz(),
		.hide_xsavec = fpu_xsavec_fault() != NULL,
	};

	cpuid_guest(&ctx, leaf, subleaf, out);
}

/*
 * Leaves whose answer never changes for a vCPU are kept after the first
 * question (as KVM keeps its CPUID entries): the policy runs once per leaf,
 * not once per exit. Leaves with subleaves or that follow CR4/XCR0 are
 * always computed. Returns the cache slot, or -1.
 */
static int cache_slot(uint32_t leaf)
{
	switch (leaf) {
	case 0x1: case 0x4: case 0x7: case 0xb: case 0xd: case 0x1f:
		return -1;
	}
	if (leaf < VCPU_CPUID_BASIC)
		return (int)leaf;
	if (leaf >= 0x80000000U && leaf < 0x80000000U + VCPU_CPUID_EXT)
		return VCPU_CPUID_BASIC + (int)(leaf - 0x80000000U);
	return -1;
}

int handle_cpuid(struct vcpu *v)
{
	uint32_t leaf = (uint32_t)v->regs.rax;
	int slot = cache_slot(leaf);
	struct cpuid_answer a;

	if (slot >= 0 && (v->cpuid_cache_valid & (1ULL << slot))) {
		a = v->cpuid_cache[slot];
	} else {
		vcpu_cpuid(v, leaf, (uint32_t)v->regs.rcx, a.r);
		if (slot >= 0) {
			v->cpuid_cache[slot] = a;
			v->cpuid_cache_valid |= 1ULL << slot;
		}
	}
	v->regs.rax = a.r[0];
	v->regs.rbx = a.r[1];
	v->regs.rcx = a.r[2];
	v->regs.rdx = a.r[3];
	vcpu_skip_insn(v);
	return EXIT_RESUME;
}
