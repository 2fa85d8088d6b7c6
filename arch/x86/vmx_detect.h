/*
 * Is VT-x usable on this CPU, and with which features? Reads CPUID and the
 * VMX capability MSRs only; changes nothing.
 */
#ifndef ARCH_X86_VMX_DETECT_H
#define ARCH_X86_VMX_DETECT_H

#include <stdbool.h>
#include <stdint.h>

struct vmx_caps {
	bool usable;
	const char *reason; /* why not, when !usable */
	char vendor[13];
	char brand[49];
	uint32_t family, model, stepping;
	bool feature_control_locked;
	bool true_ctls;        /* IA32_VMX_BASIC bit 55: use the TRUE_* control MSRs */
	bool ins_outs_info;    /* IA32_VMX_BASIC bit 54: INS/OUTS exits report instruction information */
	uint32_t vmcs_revision;
	bool ept, vpid, unrestricted_guest, preemption_timer, pml;
	bool ept_2m, ept_1g, ept_wb, invept, invvpid;
	bool invvpid_address; /* INVVPID of one linear address (IA32_VMX_EPT_VPID_CAP bit 40) */
	bool apicv, posted_interrupts;
	uint32_t preemption_timer_shift; /* timer counts TSC >> shift */
};

void vmx_detect(struct vmx_caps *caps);

#endif
