/*
 * VMX primitives: VMXON on a CPU, VMCS pointer operations, width-checked
 * VMREAD/VMWRITE, INVEPT/INVVPID, and the guest register block the entry
 * stub (arch/x86/vmx_entry.asm) saves and restores. Knows nothing of VMs.
 *
 * Runs in VMX root, interrupts off.
 */
#ifndef ARCH_X86_VMX_H
#define ARCH_X86_VMX_H

#include <stddef.h>
#include <stdint.h>

#include "arch/x86/vmcs_fields.h"

/* General registers of a guest, in the order vmx_entry.asm stores them. */
struct guest_regs {
	uint64_t rax, rcx, rdx, rbx, rbp, rsi, rdi;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t cr2;
};
_Static_assert(offsetof(struct guest_regs, rax) == 0x00, "vmx_entry.asm: rax");
_Static_assert(offsetof(struct guest_regs, rcx) == 0x08, "vmx_entry.asm: rcx");
_Static_assert(offsetof(struct guest_regs, rdx) == 0x10, "vmx_entry.asm: rdx");
_Static_assert(offsetof(struct guest_regs, rbx) == 0x18, "vmx_entry.asm: rbx");
_Static_assert(offsetof(struct guest_regs, rbp) == 0x20, "vmx_entry.asm: rbp");
_Static_assert(offsetof(struct guest_regs, rsi) == 0x28, "vmx_entry.asm: rsi");
_Static_assert(offsetof(struct guest_regs, rdi) == 0x30, "vmx_entry.asm: rdi");
_Static_assert(offsetof(struct guest_regs, r8) == 0x38, "vmx_entry.asm: r8");
_Static_assert(offsetof(struct guest_regs, r15) == 0x70, "vmx_entry.asm: r15");
_Static_assert(offsetof(struct guest_regs, cr2) == 0x78, "vmx_entry.asm: cr2");

/*
 * Enters VMX operation on this CPU: locks IA32_FEATURE_CONTROL with
 * VMX-outside-SMX if the firmware left it unlocked, applies the CR0/CR4
 * fixed bits, and executes VMXON on `vmxon_phys` (a zeroed 4 KiB page).
 * 0 ok; -1 with *why.
 */
int vmx_on(uint32_t vmcs_revision, uint64_t vmxon_phys, const char **why);

/* 0 ok, else the VM-instruction error (or -1 for VMfailInvalid). */
int vmcs_clear(uint64_t phys);
int vmcs_load(uint64_t phys);

/* Logs a failed VMREAD/VMWRITE with its VM-instruction error (the slow path of the accessors). */
void vmcs_access_failed(const char *op, uint32_t field, uint8_t no_current_vmcs);

/*
 * Raw accessors; use the width-checked macros below. Inline because every
 * VM exit makes a dozen of them: the common path is VMREAD/VMWRITE and a
 * flag test.
 */
static inline uint64_t vmcs_read_raw(uint32_t field)
{
	uint64_t v = 0;
	uint8_t cf, zf;

	__asm__ volatile("vmread %3, %0; setc %1; setz %2"
			 : "=r"(v), "=qm"(cf), "=qm"(zf)
			 : "r"((uint64_t)field)
			 : "cc");
	if (__builtin_expect(cf | zf, 0)) {
		vmcs_access_failed("VMREAD", field, cf);
		return 0;
	}
	return v;
}

static inline void vmcs_write_raw(uint32_t field, uint64_t value)
{
	uint8_t cf, zf;

	__asm__ volatile("vmwrite %3, %2; setc %0; setz %1"
			 : "=qm"(cf), "=qm"(zf)
			 : "r"((uint64_t)field), "rm"(value)
			 : "cc");
	if (__builtin_expect(cf | zf, 0))
		vmcs_access_failed("VMWRITE", field, cf);
}

#define VMCS_CHECK_WIDTH(field, w1, w2)                                                \
	_Static_assert(VMCS_FIELD_WIDTH(field) == (w1) || VMCS_FIELD_WIDTH(field) == (w2), \
		       "VMCS field accessed with the wrong width")

#define vmcs_read16(f) ({ VMCS_CHECK_WIDTH(f, VMCS_WIDTH_16, VMCS_WIDTH_16); (uint16_t)vmcs_read_raw(f); })
#define vmcs_read32(f) ({ VMCS_CHECK_WIDTH(f, VMCS_WIDTH_32, VMCS_WIDTH_32); (uint32_t)vmcs_read_raw(f); })
#define vmcs_read64(f) ({ VMCS_CHECK_WIDTH(f, VMCS_WIDTH_64, VMCS_WIDTH_NATURAL); vmcs_read_raw(f); })
#define vmcs_write16(f, v) do { VMCS_CHECK_WIDTH(f, VMCS_WIDTH_16, VMCS_WIDTH_16); vmcs_write_raw(f, (uint16_t)(v)); } while (0)
#define vmcs_write32(f, v) do { VMCS_CHECK_WIDTH(f, VMCS_WIDTH_32, VMCS_WIDTH_32); vmcs_write_raw(f, (uint32_t)(v)); } while (0)
#define vmcs_write64(f, v) do { VMCS_CHECK_WIDTH(f, VMCS_WIDTH_64, VMCS_WIDTH_NATURAL); vmcs_write_raw(f, (uint64_t)(v)); } while (0)

/*
 * VMWRITE/VMREAD failures on this CPU since boot (each is also logged):
 * per CPU, so that one CPU setting a VMCS up does not count another's.
 */
uint64_t vmcs_access_error_count(void);

#define INVEPT_SINGLE_CONTEXT 1U
#define INVEPT_ALL_CONTEXTS 2U
#define INVVPID_INDIVIDUAL_ADDRESS 0U
#define INVVPID_SINGLE_CONTEXT 1U
#define INVVPID_ALL_CONTEXTS 2U

void invept(uint32_t type, uint64_t eptp);
void invvpid(uint32_t type, uint16_t vpid);
/* INVVPID of one linear address (canonical: the CPU refuses others), where the CPU has that type. */
void invvpid_address(uint16_t vpid, uint64_t linear);

/*
 * Enters the guest whose VMCS is current (VMLAUNCH if !launched, else
 * VMRESUME) with `regs` loaded; returns on the next VM exit with `regs`
 * holding the guest's registers. Returns 0 after an exit, 1 when the
 * instruction failed with VMfailInvalid, 2 with VMfailValid (read
 * VMCS_VM_INSTRUCTION_ERROR). Implemented in vmx_entry.asm.
 */
int vmx_enter(struct guest_regs *regs, int launched);

/* Where a VM exit lands (VMCS_HOST_RIP). */
void vmx_exit_entry(void);

#endif
