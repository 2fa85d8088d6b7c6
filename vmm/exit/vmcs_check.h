/*
 * A software copy of the VM-entry checks on guest state (SDM Vol. 3C,
 * 26.3.1.1-26.3.1.5), of the control checks that depend on it (26.2), and
 * of those on the TPR shadow (26.2.1.1), so that a failed VM entry names
 * the field at fault instead of the CPU's bare "invalid guest state" or
 * "invalid control field(s)".
 *
 * Pure: the caller reads the VMCS into struct vmcs_guest_state (VMX root,
 * after the failed entry), so the checker also runs in host unit tests.
 * It covers the checks a hypervisor can get wrong by itself; it does not
 * read guest memory (PDPTEs, the VMCS link pointer's revision ID).
 */
#ifndef VMM_VMCS_CHECK_H
#define VMM_VMCS_CHECK_H

#include <stdint.h>

/* Access rights are in the VMCS format (SDM 24.4.1): bit 16 = unusable. */
struct vmcs_segment {
	uint16_t selector;
	uint64_t base;
	uint32_t limit, ar;
};

struct vmcs_guest_state {
	uint64_t cr0, cr3, cr4, dr7, rsp, rip, rflags, efer, pat, debugctl, link_pointer,
		pending_dbg;
	struct vmcs_segment es, cs, ss, ds, fs, gs, ldtr, tr;
	uint64_t gdtr_base, idtr_base;
	uint32_t gdtr_limit, idtr_limit;
	uint32_t interruptibility, activity, sysenter_cs;
	uint64_t sysenter_esp, sysenter_eip;
	/* proc2_ctls: 0 when "activate secondary controls" is off, as the CPU reads it. */
	uint32_t entry_ctls, proc_ctls, proc2_ctls, entry_intr_info;
	/* With "use TPR shadow": its fields, and VTPR (byte 0x80 of that page) as the caller read it. */
	uint64_t virtual_apic_addr;
	uint32_t tpr_threshold;
	uint8_t vtpr;
	uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1; /* the CPU's IA32_VMX_CR*_FIXED* MSRs */
	uint32_t phys_addr_bits; /* CPUID.80000008H:EAX[7:0] */
};

struct vmcs_problem {
	uint32_t field;         /* VMCS encoding (arch/x86/vmcs_fields.h), e.g. VMCS_GUEST_RFLAGS */
	const char *field_name; /* "GUEST_RFLAGS": the encoding's name without VMCS_ */
	char detail[96];        /* the rule broken, e.g. "reserved bit 15 set (must be 0)" */
};

/*
 * Returns how many problems s has (0: consistent as far as these checks
 * go) and fills out[] with the first max of them, in the SDM's order. out
 * may be NULL when max is 0.
 */
int vmcs_check_guest_state(const struct vmcs_guest_state *s, struct vmcs_problem *out, int max);

#endif
