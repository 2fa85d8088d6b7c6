/*
 * A virtual CPU: its VMCS, the registers the entry stub saves, the exit
 * state read once per exit, the event waiting to be injected, and per-reason
 * exit counters. Runs in VMX root, interrupts off, on the physical CPU whose
 * current VMCS is this vCPU's.
 */
#ifndef VMM_VCPU_H
#define VMM_VCPU_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86/vmx.h"
#include "vmm/dev/lapic.h"
#include "vmm/abi/exit_reason.h"
#include "vmm/abi/vmctl.h"
#include "vmm/core/guest_tsc.h"
#include "vmm/core/vcpu_req.h"

struct vm;
struct vcpu_saved;

enum vcpu_state {
	VCPU_RUNNABLE,
	VCPU_HALTED,  /* HLT: sleeps until an interrupt is due (or for good with IF=0) */
	VCPU_WAIT_SIPI, /* an application processor before the guest starts it */
	VCPU_STOPPED, /* its VM ended */
	VCPU_BLOCKED, /* in a hypercall waiting for the operator's input, until wake_tsc */
};

/* Guest state kept outside the VMCS at the end of each slice, for `info` from another CPU. */
struct vcpu_snapshot {
	uint64_t rsp, cr0, cr3, cr4, efer;
	uint16_t sel[8]; /* es cs ss ds fs gs ldtr tr */
};

/* What a VM exit reported, read from the VMCS once per exit. */
struct vcpu_exit {
	uint32_t reason; /* basic reason, bits 15:0 */
	uint32_t full_reason;
	uint64_t qualification;
	uint32_t insn_len;
	uint32_t insn_info;
	uint32_t intr_info;
	uint32_t intr_error;
	uint32_t idt_vectoring;
	uint32_t idt_vectoring_error;
	uint64_t guest_phys;
	uint64_t guest_linear;
};

/* An event to deliver on the next VM entry (VM-entry interruption information). */
struct vcpu_event {
	bool valid;
	uint32_t info;
	uint32_t error_code;
	uint32_t insn_len; /* software interrupts and exceptions */
};

/*
 * The VM-execution, exit and entry control words a vCPU keeps its own copy
 * of (vcpu->ctls); the first three are the operator's (vmm/abi/vmctl.h).
 */
enum vcpu_ctl { VCPU_CTL_PIN, VCPU_CTL_PROC, VCPU_CTL_PROC2, VCPU_CTL_EXIT, VCPU_CTL_ENTRY,
		VCPU_CTL_COUNT };
_Static_assert((int)VCPU_CTL_PIN == (int)VMCTL_PIN && (int)VCPU_CTL_PROC == (int)VMCTL_PROC &&
		       (int)VCPU_CTL_PROC2 == (int)VMCTL_PROC2,
	       "the operator's control words are the vCPU's first three");

/* Where a vCPU starts: filled by the guest loader, written into the VMCS by vcpu_setup. */
enum vcpu_boot_mode { BOOT_REAL, BOOT_PROTECTED, BOOT_LONG };

struct vcpu_boot_state {
	enum vcpu_boot_mode mode;
	uint64_t rip, rsp;
	uint16_t cs_selector; /* real mode: CS (base = selector << 4) */
	uint64_t cr3;         /* long mode: the page tables the loader built */
	uint64_t gdt_base;
	uint16_t gdt_limit;
	uint16_t code_sel, data_sel; /* protected and long mode; 0 means 0x08 and 0x10 */
};

#define VCPU_CPUID_BASIC 0x20 /* leaves 0-0x1f */
struct cpuid_answer {
	uint32_t r[4]; /* eax ebx ecx edx */
};
#define VCPU_CPUID_EXT 9      /* leaves 0x80000000-0x80000008 */

struct vcpu {
	struct vm *vm;
	uint32_t id;
	uint16_t vpid;
	enum vcpu_state state;
	uint32_t cpu; /* the physical CPU it runs on: it never moves (see vmm/core/sched.c) */
	int32_t host_cpu;  /* whose host state its VMCS holds; -1 none yet */
	bool vmcs_active;  /* its VMCS may be active on `cpu` (VMPTRLD without VMCLEAR since) */
	bool released;     /* its VM ended and `cpu` has let go of it: it may be freed */
	struct vcpu_saved *save_to; /* VCPU_REQ_SAVE_STATE: where its state goes */
	int32_t saved;              /* 0 asked for; 1 captured into save_to; -1 could not be */
	uint32_t requests; /* enum vcpu_req bits: work for `cpu` before the next entry (vmm/core/vcpu_req.h) */

	uint64_t vmcs_phys;
	bool launched;
	struct vcpu_boot_state boot;
	/*
	 * Its control words, the source of truth: set up from the CPU's
	 * capabilities, changed per vCPU (interrupt window, IA-32e mode entry)
	 * only through vcpu_write_controls(), which also writes the VMCS; from
	 * another CPU, asked for with vcpu_request_controls().
	 */
	uint32_t ctls[VCPU_CTL_COUNT];
	struct vcpu_ctl_change ctl_change[VCPU_CTL_COUNT]; /* asked for, not applied yet; VM's lock */
	uint32_t exception_bitmap; /* what VMCS_EXCEPTION_BITMAP holds: its VM's vmctl.trap, once applied */
	struct guest_regs regs;

	/* Cached guest state: read on exit, written back before entry when dirty. */
	uint64_t rip, rsp, rflags; /* rsp only while rsp_valid: use vcpu_rsp() */
	bool rip_dirty, rsp_dirty, rflags_dirty, rsp_valid;
	/* Set by its own exit handling on its own CPU, so a plain flag, not a request: */
	bool clear_blocking; /* drop STI/MOV-SS blocking before the next entry */
	struct vcpu_exit exit;

	struct vcpu_snapshot snap;
	struct lapic lapic;
	struct vcpu_event pending;
	struct vcpu_event held; /* a re-queued interrupt or NMI an exception went ahead of (vmm/core/inject.c) */
	bool wants_interrupt_window;
	uint64_t wake_tsc;      /* a halted vCPU with IF=1 wakes by then at the latest */
	uint64_t armed_deadline; /* what the preemption timer was last set to fire at */
	uint64_t xcr0;
	struct guest_tsc tsc; /* its TSC: the VMCS's TSC offset and its LAPIC's deadline timing follow it */
	struct cpuid_answer cpuid_cache[VCPU_CPUID_BASIC + VCPU_CPUID_EXT]; /* see vmm/exit/exit_cpuid.c */
	uint64_t cpuid_cache_valid;
	void *fpu_area;         /* XSAVE area, valid while another vCPU holds the CPU */
	void *vapic;            /* virtual-APIC page with the TPR shadow (VTPR at 0x80), else NULL */
	uint32_t tpr_threshold; /* what VMCS_TPR_THRESHOLD holds */
	uint64_t guest_msrs[6]; /* MSRs passed through but not switched by VMX (vmm/exit/msr.h) */
	uint64_t dr[7];         /* DR0-DR3 and DR6 (indexes 0-3, 6) while another vCPU has the CPU: VMX switches DR7 only */
	uint64_t spec_ctrl;     /* IA32_SPEC_CTRL while the host runs (vmm/exit/msr.c) */
	uint64_t pat;           /* IA32_PAT where it is emulated (no PAT load/save controls) */

	/* Statistics. */
	uint64_t exits_total;
	uint64_t exits[EXIT_REASON_MAX + 1];
	uint64_t exit_tsc[EXIT_REASON_MAX + 1]; /* host TSC from each exit to the next entry, by reason */
	uint32_t exit_tsc_min[EXIT_REASON_MAX + 1]; /* the fastest such handling (0: none yet) */
	uint64_t run_tsc; /* host TSC ticks spent in the guest, for CPU shares */
	uint64_t traps[32]; /* exceptions the operator trapped (vmctl), counted per vector and passed on */
};

/*
 * With the TPR shadow the guest's CR8 reads and writes VTPR, bits 7:0 at
 * offset 0x80 of the virtual-APIC page, without exiting (SDM 29.1.1,
 * 29.3), and the LAPIC model's TPR is the same register: the page is read
 * back into the model after every exit and written from it before every
 * entry (vmm/exit/vcpu_run.c). Only for a vCPU with a page (v->vapic).
 */
static inline volatile uint32_t *vcpu_vtpr(struct vcpu *v)
{
	return (volatile uint32_t *)((uint8_t *)v->vapic + LAPIC_REG_TPR);
}

static inline void vcpu_vtpr_load(struct vcpu *v)
{
	v->lapic.tpr = *vcpu_vtpr(v) & 0xffU;
}

static inline void vcpu_vtpr_store(struct vcpu *v)
{
	*vcpu_vtpr(v) = v->lapic.tpr;
}

/* Advances the guest's RIP past the instruction that exited. */
static inline void vcpu_skip_insn(struct vcpu *v)
{
	v->rip += v->exit.insn_len;
	v->rip_dirty = true;
}

/* Guest GPR by the index used in exit qualifications (0 rax ... 15 r15; 4 is rsp). */
uint64_t vcpu_gpr(struct vcpu *v, unsigned idx);
void vcpu_set_gpr(struct vcpu *v, unsigned idx, uint64_t value);

struct hv_vcpu_info;
/* Saves the VMCS-held state `info` shows (VMCS current), and fills an hv_vcpu_info from it. */
void vcpu_take_snapshot(struct vcpu *v);
void vcpu_snapshot_regs(const struct vcpu *v, struct hv_vcpu_info *info);

/*
 * Queues a hardware exception for the next entry, combined with an event
 * already queued as SDM 6.15 says (vmm/core/exc_class.h): #DF, a triple fault
 * that ends the VM, or the new exception first and a queued external
 * interrupt or NMI kept for the entry after.
 */
void vcpu_inject_exception(struct vcpu *v, uint8_t vector, bool has_error, uint32_t error_code);
static inline void vcpu_inject_gp(struct vcpu *v) { vcpu_inject_exception(v, 13, true, 0); }
static inline void vcpu_inject_ud(struct vcpu *v) { vcpu_inject_exception(v, 6, false, 0); }

#endif
