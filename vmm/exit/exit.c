/*
 * The exit table and the handlers small enough to live beside it. Runs in
 * VMX root, interrupts off, with the exiting vCPU's VMCS current.
 *
 * An unknown exit reason, or an entry failure, dumps the VMCS and ends that
 * guest; the host and the other guests run on.
 */
#include "vmm/exit/exit.h"

#include "arch/x86/apic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/fpu.h"
#include "arch/x86/xsave_layout.h"
#include "lib/log.h"
#include "vmm/core/exitq.h"
#include "vmm/core/inject.h"
#include "vmm/exit/msr.h"
#include "vmm/core/vcpu_setup.h"
#include "vmm/core/vm.h"
#include "vmm/exit/vmcs_dump.h"

static int handle_exception_or_nmi(struct vcpu *v)
{
	uint32_t info = vmcs_read32(VMCS_EXIT_INTR_INFO);
	int rc;

	/*
	 * An NMI meant for the host: the host has no NMI sources of its own,
	 * so note it and go on. Exceptions come here only where the operator
	 * trapped them (vmctl): counted and passed on to the guest.
	 */
	if (intr_info_type(info) == INTR_TYPE_NMI) {
		log_warn("hv: NMI while guest %s ran", v->vm->name);
		return EXIT_RESUME;
	}
	rc = vmctl_pass_exception(v, info);
	if (rc >= 0)
		return rc;
	vmcs_dump(v, "unexpected exception exit");
	vm_end(v->vm, VM_CRASHED, "unexpected exception exit, vector %u", intr_info_vector(info));
	return EXIT_STOP;
}

static int handle_external_interrupt(struct vcpu *v)
{
	uint32_t info;

	/*
	 * The host's own devices are quiet (the legacy PIC is masked): what
	 * comes here is an IPI from another CPU (smp_send_ipi), whose whole job
	 * was to get this CPU out of the guest. Without acknowledge-on-exit it
	 * is still pending, and the IDT's handler takes it and sends the EOI;
	 * acknowledged on exit, it sits in the APIC's ISR until we send it.
	 */
	if (!(v->ctls[VCPU_CTL_EXIT] & EXIT_ACK_INTR_ON_EXIT)) {
		cpu_take_pending_interrupts();
		return EXIT_RESUME;
	}
	info = vmcs_read32(VMCS_EXIT_INTR_INFO);
	if (intr_info_valid(info) && intr_info_vector(info) != APIC_SPURIOUS_VECTOR)
		apic_eoi();
	return EXIT_RESUME;
}

static int handle_interrupt_window(struct vcpu *v)
{
	/* The guest can take an interrupt now: inject.c delivers it and drops the window request. */
	return EXIT_RESUME;
}

static int handle_tpr_below_threshold(struct vcpu *v)
{
	/*
	 * The guest lowered CR8 below an interrupt it held back. A trap: RIP
	 * is already past the MOV. The TPR was read back from the
	 * virtual-APIC page on this exit; inject.c delivers the interrupt.
	 */
	return EXIT_RESUME;
}

static int handle_triple_fault(struct vcpu *v)
{
	vm_end(v->vm, VM_CRASHED, "triple fault on vCPU %u at RIP 0x%llx", v->id,
	       (unsigned long long)v->rip);
	return EXIT_STOP;
}

static int handle_hlt(struct vcpu *v)
{
	/*
	 * Blocking by STI covers only the instruction after STI, which was
	 * this HLT: drop it, as the CPU would, so that `sti; hlt` takes its
	 * interrupt on the next entry without an interrupt-window exit.
	 */
	v->clear_blocking = true;
	vcpu_skip_insn(v);
	v->state = VCPU_HALTED;
	return EXIT_YIELD;
}

static int handle_vmx_instruction(struct vcpu *v)
{
	/* VMX is hidden from guests (CPUID.1:ECX.VMX = 0): the CPU would raise #UD. */
	vcpu_inject_ud(v);
	return EXIT_RESUME;
}

static int handle_ud_instruction(struct vcpu *v)
{
	/* MONITOR/MWAIT/RDPMC/GETSEC...: not offered to guests, so #UD as on a CPU without them. */
	vcpu_inject_ud(v);
	return EXIT_RESUME;
}

static int handle_invd_wbinvd(struct vcpu *v)
{
	/* Guest memory is write-back and coherent; the host's caches need nothing. */
	vcpu_skip_insn(v);
	return EXIT_RESUME;
}

static int handle_xsetbv(struct vcpu *v)
{
	uint64_t value = (v->regs.rdx << 32) | (uint32_t)v->regs.rax;
	uint32_t leaf_d[4];
	uint64_t supported;

	/* What the guest's CPUID offers, not the host's: hidden state stays off. */
	vcpu_cpuid(v, 0xd, 0, leaf_d);
	supported = leaf_d[0] | ((uint64_t)leaf_d[3] << 32);
	/* SDM XSETBV: only XCR0, a combination it takes, only what CPUID offers. */
	if ((uint32_t)v->regs.rcx != 0 || !xcr0_combination_valid(value) || (value & ~supported)) {
		vcpu_inject_gp(v);
		return EXIT_RESUME;
	}
	v->xcr0 = value;
	fpu_load_xcr0(value); /* the CPU runs this guest with it from the next entry */
	vcpu_skip_insn(v);
	return EXIT_RESUME;
}

static int handle_init(struct vcpu *v)
{
	/* An INIT to a running vCPU: it waits for a SIPI, as an AP does after reset. */
	v->state = VCPU_WAIT_SIPI;
	return EXIT_YIELD;
}

static int handle_preemption_timer(struct vcpu *v)
{
	return EXIT_YIELD;
}

static int handle_entry_failure(struct vcpu *v)
{
	vmcs_dump_entry_failure(v);
	vm_end(v->vm, VM_CRASHED, "VM entry failed: %s (qualification %llu)",
	       exit_reason_name(v->exit.reason), (unsigned long long)v->exit.qualification);
	return EXIT_STOP;
}

static const struct exit_entry exit_table[EXIT_REASON_MAX + 1] = {
	[EXIT_REASON_EXCEPTION_NMI] = { handle_exception_or_nmi, "exception-nmi" },
	[EXIT_REASON_EXTERNAL_INTERRUPT] = { handle_external_interrupt, "external-interrupt" },
	[EXIT_REASON_TRIPLE_FAULT] = { handle_triple_fault, "triple-fault" },
	[EXIT_REASON_INIT] = { handle_init, "init" },
	[EXIT_REASON_INTERRUPT_WINDOW] = { handle_interrupt_window, "interrupt-window" },
	[EXIT_REASON_CPUID] = { handle_cpuid, "cpuid" },
	[EXIT_REASON_GETSEC] = { handle_ud_instruction, "getsec" },
	[EXIT_REASON_HLT] = { handle_hlt, "hlt" },
	[EXIT_REASON_INVD] = { handle_invd_wbinvd, "invd" },
	[EXIT_REASON_INVLPG] = { handle_invlpg, "invlpg" },
	[EXIT_REASON_RDPMC] = { handle_ud_instruction, "rdpmc" },
	[EXIT_REASON_RDTSC] = { handle_rdtsc, "rdtsc" },
	[EXIT_REASON_VMCALL] = { handle_vmcall, "vmcall" },
	[EXIT_REASON_VMCLEAR] = { handle_vmx_instruction, "vmclear" },
	[EXIT_REASON_VMLAUNCH] = { handle_vmx_instruction, "vmlaunch" },
	[EXIT_REASON_VMPTRLD] = { handle_vmx_instruction, "vmptrld" },
	[EXIT_REASON_VMPTRST] = { handle_vmx_instruction, "vmptrst" },
	[EXIT_REASON_VMREAD] = { handle_vmx_instruction, "vmread" },
	[EXIT_REASON_VMRESUME] = { handle_vmx_instruction, "vmresume" },
	[EXIT_REASON_VMWRITE] = { handle_vmx_instruction, "vmwrite" },
	[EXIT_REASON_VMXOFF] = { handle_vmx_instruction, "vmxoff" },
	[EXIT_REASON_VMXON] = { handle_vmx_instruction, "vmxon" },
	[EXIT_REASON_CR_ACCESS] = { handle_cr_access, "cr-access" },
	[EXIT_REASON_DR_ACCESS] = { handle_mov_dr, "dr-access" },
	[EXIT_REASON_IO_INSTRUCTION] = { handle_io, "io" },
	[EXIT_REASON_RDMSR] = { handle_rdmsr, "rdmsr" },
	[EXIT_REASON_WRMSR] = { handle_wrmsr, "wrmsr" },
	[EXIT_REASON_INVALID_GUEST_STATE] = { handle_entry_failure, "invalid-guest-state" },
	[EXIT_REASON_MSR_LOADING] = { handle_entry_failure, "msr-loading" },
	[EXIT_REASON_MWAIT] = { handle_ud_instruction, "mwait" },
	[EXIT_REASON_MONITOR] = { handle_ud_instruction, "monitor" },
	[EXIT_REASON_PAUSE] = { handle_pause, "pause" },
	[EXIT_REASON_MACHINE_CHECK] = { handle_entry_failure, "machine-check" },
	[EXIT_REASON_TPR_BELOW_THRESHOLD] = { handle_tpr_below_threshold, "tpr-below-threshold" },
	[EXIT_REASON_EPT_VIOLATION] = { handle_ept_violation, "ept-violation" },
	[EXIT_REASON_EPT_MISCONFIG] = { handle_ept_misconfig, "ept-misconfig" },
	[EXIT_REASON_INVEPT] = { handle_vmx_instruction, "invept" },
	[EXIT_REASON_RDTSCP] = { handle_rdtscp, "rdtscp" },
	[EXIT_REASON_PREEMPTION_TIMER] = { handle_preemption_timer, "preemption-timer" },
	[EXIT_REASON_INVVPID] = { handle_vmx_instruction, "invvpid" },
	[EXIT_REASON_WBINVD] = { handle_invd_wbinvd, "wbinvd" },
	[EXIT_REASON_XSETBV] = { handle_xsetbv, "xsetbv" },
	[EXIT_REASON_RDRAND] = { handle_rdrand, "rdrand" },
	[EXIT_REASON_INVPCID] = { handle_invpcid, "invpcid" },
	[EXIT_REASON_VMFUNC] = { handle_vmx_instruction, "vmfunc" },
	[EXIT_REASON_RDSEED] = { handle_rdseed, "rdseed" },
};

const char *exit_stat_name(uint32_t reason)
{
	if (reason <= EXIT_REASON_MAX && exit_table[reason].name)
		return exit_table[reason].name;
	return exit_reason_name(reason);
}

static void read_exit_state(struct vcpu *v)
{
	struct vcpu_exit *e = &v->exit;

	e->full_reason = vmcs_read32(VMCS_EXIT_REASON);
	e->reason = e->full_reason & EXIT_REASON_BASIC_MASK;
	e->qualification = vmcs_read64(VMCS_EXIT_QUALIFICATION);
	e->insn_len = vmcs_read32(VMCS_EXIT_INSTRUCTION_LEN);
	e->idt_vectoring = vmcs_read32(VMCS_IDT_VECTORING_INFO);
	if (intr_info_valid(e->idt_vectoring) && intr_info_has_error(e->idt_vectoring))
		e->idt_vectoring_error = vmcs_read32(VMCS_IDT_VECTORING_ERROR_CODE);
	v->rip = vmcs_read64(VMCS_GUEST_RIP);
	v->rflags = vmcs_read64(VMCS_GUEST_RFLAGS);
	v->rip_dirty = v->rflags_dirty = false;
	v->rsp_valid = false; /* read on demand: few exits need it */
}

int exit_dispatch(struct vcpu *v)
{
	uint32_t reason;

	read_exit_state(v);
	reason = v->exit.reason;
	v->exits_total++;
	if (reason <= EXIT_REASON_MAX)
		v->exits[reason]++;

	/* An event cut short by this exit is delivered again on the next entry. */
	inject_requeue_vectoring(v);

	if (v->exit.full_reason & EXIT_REASON_ENTRY_FAILURE)
		return handle_entry_failure(v);
	if (reason > EXIT_REASON_MAX || !exit_table[reason].handler) {
		vmcs_dump(v, "unhandled exit");
		vm_end(v->vm, VM_CRASHED, "unhandled VM exit %u (%s) at RIP 0x%llx", reason,
		       exit_reason_name(reason), (unsigned long long)v->rip);
		return EXIT_STOP;
	}
	return exit_table[reason].handler(v);
}
