/*
 * Everything of a vCPU that a snapshot keeps, as plain values: the
 * guest-state fields of its VMCS (by field number, in the order of
 * vcpu_saved_fields), the registers the entry stub keeps, its FPU/XSAVE
 * image, the MSRs switched by hand, its TSC, the events on their way in and
 * its run state. Its LAPIC goes with it (the LAPIC's own codec). No
 * pointers: filled on the vCPU's CPU (vmm/exit/vcpu_state.c), encoded by
 * vmm/snapshot/snap_vcpu.c, and pure for the host unit tests.
 */
#ifndef VMM_CORE_VCPU_SAVED_H
#define VMM_CORE_VCPU_SAVED_H

#include <stdint.h>

#include "arch/x86/vmcs_fields.h"

/* The guest-state VMCS fields every snapshot holds (SDM Vol. 3, 25.4), in this order. */
#define VCPU_SAVED_FIELDS_LIST(X)                                                                 \
	X(VMCS_GUEST_ES_SELECTOR) X(VMCS_GUEST_CS_SELECTOR) X(VMCS_GUEST_SS_SELECTOR)             \
	X(VMCS_GUEST_DS_SELECTOR) X(VMCS_GUEST_FS_SELECTOR) X(VMCS_GUEST_GS_SELECTOR)             \
	X(VMCS_GUEST_LDTR_SELECTOR) X(VMCS_GUEST_TR_SELECTOR)                                     \
	X(VMCS_GUEST_ES_LIMIT) X(VMCS_GUEST_CS_LIMIT) X(VMCS_GUEST_SS_LIMIT)                      \
	X(VMCS_GUEST_DS_LIMIT) X(VMCS_GUEST_FS_LIMIT) X(VMCS_GUEST_GS_LIMIT)                      \
	X(VMCS_GUEST_LDTR_LIMIT) X(VMCS_GUEST_TR_LIMIT) X(VMCS_GUEST_GDTR_LIMIT)                  \
	X(VMCS_GUEST_IDTR_LIMIT)                                                                  \
	X(VMCS_GUEST_ES_AR) X(VMCS_GUEST_CS_AR) X(VMCS_GUEST_SS_AR) X(VMCS_GUEST_DS_AR)           \
	X(VMCS_GUEST_FS_AR) X(VMCS_GUEST_GS_AR) X(VMCS_GUEST_LDTR_AR) X(VMCS_GUEST_TR_AR)         \
	X(VMCS_GUEST_ES_BASE) X(VMCS_GUEST_CS_BASE) X(VMCS_GUEST_SS_BASE) X(VMCS_GUEST_DS_BASE)   \
	X(VMCS_GUEST_FS_BASE) X(VMCS_GUEST_GS_BASE) X(VMCS_GUEST_LDTR_BASE)                       \
	X(VMCS_GUEST_TR_BASE) X(VMCS_GUEST_GDTR_BASE) X(VMCS_GUEST_IDTR_BASE)                     \
	X(VMCS_GUEST_CR0) X(VMCS_GUEST_CR3) X(VMCS_GUEST_CR4) X(VMCS_GUEST_DR7)                   \
	X(VMCS_GUEST_RSP) X(VMCS_GUEST_RIP) X(VMCS_GUEST_RFLAGS)                                  \
	X(VMCS_GUEST_PENDING_DBG_EXCEPTIONS) X(VMCS_GUEST_IA32_SYSENTER_CS)                       \
	X(VMCS_GUEST_IA32_SYSENTER_ESP) X(VMCS_GUEST_IA32_SYSENTER_EIP)                           \
	X(VMCS_GUEST_IA32_DEBUGCTL) X(VMCS_GUEST_IA32_EFER)                                       \
	X(VMCS_GUEST_INTERRUPTIBILITY) X(VMCS_GUEST_ACTIVITY_STATE)                               \
	X(VMCS_GUEST_PDPTE0) X(VMCS_GUEST_PDPTE1) X(VMCS_GUEST_PDPTE2) X(VMCS_GUEST_PDPTE3)       \
	X(VMCS_CR0_READ_SHADOW) X(VMCS_CR4_READ_SHADOW)

#define VCPU_SAVED_COUNT_ONE(f) +1
enum { VCPU_SAVED_FIELD_COUNT = 0 VCPU_SAVED_FIELDS_LIST(VCPU_SAVED_COUNT_ONE) };
#undef VCPU_SAVED_COUNT_ONE

extern const uint32_t vcpu_saved_fields[VCPU_SAVED_FIELD_COUNT];

#define VCPU_SAVED_GPRS 16   /* struct guest_regs in its order: rax rcx rdx rbx rbp rsi rdi r8-r15 cr2 */
#define VCPU_SAVED_MSRS 6    /* the MSRs switched by hand (vmm/exit/msr.c), in its order */
#define VCPU_SAVED_FPU_BYTES 4096 /* the XSAVE area as XSAVE/XRSTOR use it */
#define VCPU_SAVED_RUN_STATE_MAX 2U /* run_state is VCPU_RUNNABLE, VCPU_HALTED or VCPU_WAIT_SIPI */

/* An event on its way into the guest (struct vcpu_event's plain fields). */
struct vcpu_saved_event {
	uint8_t valid;
	uint32_t info, error_code, insn_len;
};

struct vcpu_saved {
	uint64_t vmcs[VCPU_SAVED_FIELD_COUNT];
	uint64_t gprs[VCPU_SAVED_GPRS]; /* RSP is in vmcs[] */
	uint64_t xcr0;
	uint64_t msrs[VCPU_SAVED_MSRS];
	uint64_t spec_ctrl, pat;
	/* Its TSC as an offset from the VM's own clock (guest TSC - TSC ticks since the VM started), and TSC_ADJUST. */
	uint64_t tsc_from_vm_clock, tsc_adjust;
	struct vcpu_saved_event pending, held;
	uint32_t run_state; /* enum vcpu_state: runnable, halted, waiting for SIPI */
	uint8_t fpu[VCPU_SAVED_FPU_BYTES];
};

/* The slot of `field` in vcpu_saved.vmcs, or -1 if a snapshot does not hold it. */
int vcpu_saved_slot(uint32_t field);

#endif
