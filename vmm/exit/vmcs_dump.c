/*
 * VMCS reports. Runs in VMX root with the vCPU's VMCS current.
 */
#include "vmm/exit/vmcs_dump.h"

#include "arch/x86/cpu.h"
#include "arch/x86/vmx.h"
#include "lib/log.h"
#include "vmm/core/vcpu_setup.h"
#include "vmm/core/vm.h"
#include "vmm/exit/vmcs_check.h"

#define MAX_PROBLEMS 8

static void read_segment(unsigned idx, struct vmcs_segment *s)
{
	s->selector = (uint16_t)vmcs_read_raw(VMCS_GUEST_ES_SELECTOR + 2 * idx);
	s->base = vmcs_read_raw(VMCS_GUEST_ES_BASE + 2 * idx);
	s->limit = (uint32_t)vmcs_read_raw(VMCS_GUEST_ES_LIMIT + 2 * idx);
	s->ar = (uint32_t)vmcs_read_raw(VMCS_GUEST_ES_AR + 2 * idx);
}

static void read_guest_state(struct vcpu *v, struct vmcs_guest_state *s)
{
	struct vmcs_segment *segs[8] = { &s->es, &s->cs, &s->ss, &s->ds, &s->fs, &s->gs, &s->ldtr, &s->tr };
	unsigned i;

	for (i = 0; i < 8; i++)
		read_segment(i, segs[i]);
	s->cr0 = vmcs_read64(VMCS_GUEST_CR0);
	s->cr3 = vmcs_read64(VMCS_GUEST_CR3);
	s->cr4 = vmcs_read64(VMCS_GUEST_CR4);
	s->dr7 = vmcs_read64(VMCS_GUEST_DR7);
	s->rsp = vmcs_read64(VMCS_GUEST_RSP);
	s->rip = vmcs_read64(VMCS_GUEST_RIP);
	s->rflags = vmcs_read64(VMCS_GUEST_RFLAGS);
	s->efer = vmcs_read64(VMCS_GUEST_IA32_EFER);
	s->pat = vmcs_read64(VMCS_GUEST_IA32_PAT);
	s->debugctl = vmcs_read64(VMCS_GUEST_IA32_DEBUGCTL);
	s->link_pointer = vmcs_read64(VMCS_LINK_POINTER);
	s->pending_dbg = vmcs_read64(VMCS_GUEST_PENDING_DBG_EXCEPTIONS);
	s->gdtr_base = vmcs_read64(VMCS_GUEST_GDTR_BASE);
	s->idtr_base = vmcs_read64(VMCS_GUEST_IDTR_BASE);
	s->gdtr_limit = vmcs_read32(VMCS_GUEST_GDTR_LIMIT);
	s->idtr_limit = vmcs_read32(VMCS_GUEST_IDTR_LIMIT);
	s->interruptibility = vmcs_read32(VMCS_GUEST_INTERRUPTIBILITY);
	s->activity = vmcs_read32(VMCS_GUEST_ACTIVITY_STATE);
	s->sysenter_cs = vmcs_read32(VMCS_GUEST_IA32_SYSENTER_CS);
	s->sysenter_esp = vmcs_read64(VMCS_GUEST_IA32_SYSENTER_ESP);
	s->sysenter_eip = vmcs_read64(VMCS_GUEST_IA32_SYSENTER_EIP);
	s->entry_ctls = vmcs_read32(VMCS_ENTRY_CTLS);
	s->proc_ctls = vmcs_read32(VMCS_PROC_BASED_CTLS);
	s->proc2_ctls = (s->proc_ctls & CPU_ACTIVATE_SECONDARY_CTLS)
				? vmcs_read32(VMCS_PROC_BASED_CTLS2)
				: 0;
	if (s->proc_ctls & CPU_USE_TPR_SHADOW) {
		s->virtual_apic_addr = vmcs_read64(VMCS_VIRTUAL_APIC_ADDR);
		s->tpr_threshold = vmcs_read32(VMCS_TPR_THRESHOLD);
		/* Our own page, not whatever the field may have been broken to. */
		s->vtpr = v->vapic ? (uint8_t)*vcpu_vtpr(v) : 0;
	}
	s->entry_intr_info = vmcs_read32(VMCS_ENTRY_INTR_INFO);
	s->cr0_fixed0 = rdmsr(MSR_IA32_VMX_CR0_FIXED0);
	s->cr0_fixed1 = rdmsr(MSR_IA32_VMX_CR0_FIXED1);
	s->cr4_fixed0 = rdmsr(MSR_IA32_VMX_CR4_FIXED0);
	s->cr4_fixed1 = rdmsr(MSR_IA32_VMX_CR4_FIXED1);
	s->phys_addr_bits = cpuid(0x80000008U, 0).eax & 0xffU;
}

void vmcs_dump(struct vcpu *v, const char *why)
{
	struct vmcs_guest_state s = { 0 };

	read_guest_state(v, &s);
	log_error("guest %s vCPU %u: %s; VMCS guest state:", v->vm->name, v->id, why);
	log_error("  RIP %016llx RSP %016llx RFLAGS %016llx", (unsigned long long)s.rip,
		  (unsigned long long)s.rsp, (unsigned long long)s.rflags);
	log_error("  CR0 %016llx CR3 %016llx CR4 %016llx EFER %016llx", (unsigned long long)s.cr0,
		  (unsigned long long)s.cr3, (unsigned long long)s.cr4, (unsigned long long)s.efer);
	log_error("  CS %04x base %llx limit %x ar %x  SS %04x ar %x  TR %04x ar %x",
		  s.cs.selector, (unsigned long long)s.cs.base, s.cs.limit, s.cs.ar, s.ss.selector,
		  s.ss.ar, s.tr.selector, s.tr.ar);
	log_error("  GDTR %llx/%x IDTR %llx/%x  activity %u interruptibility %x entry controls %x",
		  (unsigned long long)s.gdtr_base, s.gdtr_limit, (unsigned long long)s.idtr_base,
		  s.idtr_limit, s.activity, s.interruptibility, s.entry_ctls);
	log_error("  RAX %016llx RBX %016llx RCX %016llx RDX %016llx",
		  (unsigned long long)v->regs.rax, (unsigned long long)v->regs.rbx,
		  (unsigned long long)v->regs.rcx, (unsigned long long)v->regs.rdx);
}

void vmcs_dump_entry_failure(struct vcpu *v)
{
	struct vmcs_problem problems[MAX_PROBLEMS];
	struct vmcs_guest_state s = { 0 };
	int n, i;

	read_guest_state(v, &s);
	n = vmcs_check_guest_state(&s, problems, MAX_PROBLEMS);
	if (n == 0)
		log_error("guest %s vCPU %u: VM entry failed, but no guest-state rule we check is broken",
			  v->vm->name, v->id);
	for (i = 0; i < n && i < MAX_PROBLEMS; i++)
		log_error("guest %s vCPU %u: VM entry failed: field %s (0x%04x): %s", v->vm->name,
			  v->id, problems[i].field_name, problems[i].field, problems[i].detail);
	vmcs_dump(v, "VM entry failed");
}
