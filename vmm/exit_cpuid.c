/*
 * CPUID exits: the guest sees the virtual CPU that vmm/cpuid_policy.c
 * describes (VMX hidden, the hypervisor bit set, our signature at
 * 0x40000000). Runs in VMX root with the vCPU's VMCS current.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/vmx.h"
#include "vmm/cpuid_policy.h"
#include "vmm/exit.h"
#include "vmm/vm.h"

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
		.guest_cr4 = guest_visible_cr4(),
		.guest_xcr0 = v->xcr0,
	};

	cpuid_guest(&ctx, leaf, subleaf, out);
}

int handle_cpuid(struct vcpu *v)
{
	uint32_t out[4];

	vcpu_cpuid(v, (uint32_t)v->regs.rax, (uint32_t)v->regs.rcx, out);
	v->regs.rax = out[0];
	v->regs.rbx = out[1];
	v->regs.rcx = out[2];
	v->regs.rdx = out[3];
	vcpu_skip_insn(v);
	return EXIT_RESUME;
}
