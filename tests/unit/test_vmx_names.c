/*
 * Host unit test for the VMX naming tables: every VMCS field encoding in
 * arch/x86/vmcs_fields.h sits in the width and type group its name says
 * (SDM 24.11.2), no two fields share an encoding, and the VM-instruction
 * error and exit-reason names come out right.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86/vmcs_fields.h"
#include "arch/x86/vmx_errors.h"
#include "vmm/abi/exit_reason.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct field {
	const char *name;
	uint32_t enc;
	uint32_t width;
	uint32_t type;
};

#define F(n, w, t) { #n, VMCS_##n, VMCS_WIDTH_##w, VMCS_TYPE_##t }

static const struct field fields[] = {
	F(VPID, 16, CONTROL),
	F(POSTED_INTR_NV, 16, CONTROL),
	F(EPTP_INDEX, 16, CONTROL),
	F(HLAT_PREFIX_SIZE, 16, CONTROL),
	F(LAST_PID_POINTER_INDEX, 16, CONTROL),
	F(GUEST_ES_SELECTOR, 16, GUEST),
	F(GUEST_CS_SELECTOR, 16, GUEST),
	F(GUEST_SS_SELECTOR, 16, GUEST),
	F(GUEST_DS_SELECTOR, 16, GUEST),
	F(GUEST_FS_SELECTOR, 16, GUEST),
	F(GUEST_GS_SELECTOR, 16, GUEST),
	F(GUEST_LDTR_SELECTOR, 16, GUEST),
	F(GUEST_TR_SELECTOR, 16, GUEST),
	F(GUEST_INTR_STATUS, 16, GUEST),
	F(GUEST_PML_INDEX, 16, GUEST),
	F(GUEST_UINV, 16, GUEST),
	F(HOST_ES_SELECTOR, 16, HOST),
	F(HOST_CS_SELECTOR, 16, HOST),
	F(HOST_SS_SELECTOR, 16, HOST),
	F(HOST_DS_SELECTOR, 16, HOST),
	F(HOST_FS_SELECTOR, 16, HOST),
	F(HOST_GS_SELECTOR, 16, HOST),
	F(HOST_TR_SELECTOR, 16, HOST),

	F(IO_BITMAP_A, 64, CONTROL),
	F(IO_BITMAP_B, 64, CONTROL),
	F(MSR_BITMAP, 64, CONTROL),
	F(EXIT_MSR_STORE_ADDR, 64, CONTROL),
	F(EXIT_MSR_LOAD_ADDR, 64, CONTROL),
	F(ENTRY_MSR_LOAD_ADDR, 64, CONTROL),
	F(EXECUTIVE_VMCS_PTR, 64, CONTROL),
	F(PML_ADDRESS, 64, CONTROL),
	F(TSC_OFFSET, 64, CONTROL),
	F(VIRTUAL_APIC_ADDR, 64, CONTROL),
	F(APIC_ACCESS_ADDR, 64, CONTROL),
	F(POSTED_INTR_DESC_ADDR, 64, CONTROL),
	F(VMFUNC_CONTROLS, 64, CONTROL),
	F(EPT_POINTER, 64, CONTROL),
	F(EOI_EXIT_BITMAP0, 64, CONTROL),
	F(EOI_EXIT_BITMAP1, 64, CONTROL),
	F(EOI_EXIT_BITMAP2, 64, CONTROL),
	F(EOI_EXIT_BITMAP3, 64, CONTROL),
	F(EPTP_LIST_ADDR, 64, CONTROL),
	F(VMREAD_BITMAP, 64, CONTROL),
	F(VMWRITE_BITMAP, 64, CONTROL),
	F(VE_INFO_ADDR, 64, CONTROL),
	F(XSS_EXITING_BITMAP, 64, CONTROL),
	F(ENCLS_EXITING_BITMAP, 64, CONTROL),
	F(SPP_TABLE_PTR, 64, CONTROL),
	F(TSC_MULTIPLIER, 64, CONTROL),
	F(PROC_BASED_CTLS3, 64, CONTROL),
	F(ENCLV_EXITING_BITMAP, 64, CONTROL),
	F(PID_POINTER_TABLE, 64, CONTROL),
	F(EXIT_CTLS2, 64, CONTROL),
	F(GUEST_PHYSICAL_ADDR, 64, READ_ONLY),
	F(LINK_POINTER, 64, GUEST),
	F(GUEST_IA32_DEBUGCTL, 64, GUEST),
	F(GUEST_IA32_PAT, 64, GUEST),
	F(GUEST_IA32_EFER, 64, GUEST),
	F(GUEST_IA32_PERF_GLOBAL_CTRL, 64, GUEST),
	F(GUEST_PDPTE0, 64, GUEST),
	F(GUEST_PDPTE1, 64, GUEST),
	F(GUEST_PDPTE2, 64, GUEST),
	F(GUEST_PDPTE3, 64, GUEST),
	F(GUEST_IA32_BNDCFGS, 64, GUEST),
	F(GUEST_IA32_RTIT_CTL, 64, GUEST),
	F(GUEST_IA32_LBR_CTL, 64, GUEST),
	F(GUEST_IA32_PKRS, 64, GUEST),
	F(HOST_IA32_PAT, 64, HOST),
	F(HOST_IA32_EFER, 64, HOST),
	F(HOST_IA32_PERF_GLOBAL_CTRL, 64, HOST),
	F(HOST_IA32_PKRS, 64, HOST),

	F(PIN_BASED_CTLS, 32, CONTROL),
	F(PROC_BASED_CTLS, 32, CONTROL),
	F(EXCEPTION_BITMAP, 32, CONTROL),
	F(PF_ERROR_CODE_MASK, 32, CONTROL),
	F(PF_ERROR_CODE_MATCH, 32, CONTROL),
	F(CR3_TARGET_COUNT, 32, CONTROL),
	F(EXIT_CTLS, 32, CONTROL),
	F(EXIT_MSR_STORE_COUNT, 32, CONTROL),
	F(EXIT_MSR_LOAD_COUNT, 32, CONTROL),
	F(ENTRY_CTLS, 32, CONTROL),
	F(ENTRY_MSR_LOAD_COUNT, 32, CONTROL),
	F(ENTRY_INTR_INFO, 32, CONTROL),
	F(ENTRY_EXCEPTION_ERROR_CODE, 32, CONTROL),
	F(ENTRY_INSTRUCTION_LEN, 32, CONTROL),
	F(TPR_THRESHOLD, 32, CONTROL),
	F(PROC_BASED_CTLS2, 32, CONTROL),
	F(PLE_GAP, 32, CONTROL),
	F(PLE_WINDOW, 32, CONTROL),
	F(INSTRUCTION_TIMEOUT, 32, CONTROL),
	F(VM_INSTRUCTION_ERROR, 32, READ_ONLY),
	F(EXIT_REASON, 32, READ_ONLY),
	F(EXIT_INTR_INFO, 32, READ_ONLY),
	F(EXIT_INTR_ERROR_CODE, 32, READ_ONLY),
	F(IDT_VECTORING_INFO, 32, READ_ONLY),
	F(IDT_VECTORING_ERROR_CODE, 32, READ_ONLY),
	F(EXIT_INSTRUCTION_LEN, 32, READ_ONLY),
	F(EXIT_INSTRUCTION_INFO, 32, READ_ONLY),
	F(GUEST_ES_LIMIT, 32, GUEST),
	F(GUEST_CS_LIMIT, 32, GUEST),
	F(GUEST_SS_LIMIT, 32, GUEST),
	F(GUEST_DS_LIMIT, 32, GUEST),
	F(GUEST_FS_LIMIT, 32, GUEST),
	F(GUEST_GS_LIMIT, 32, GUEST),
	F(GUEST_LDTR_LIMIT, 32, GUEST),
	F(GUEST_TR_LIMIT, 32, GUEST),
	F(GUEST_GDTR_LIMIT, 32, GUEST),
	F(GUEST_IDTR_LIMIT, 32, GUEST),
	F(GUEST_ES_AR, 32, GUEST),
	F(GUEST_CS_AR, 32, GUEST),
	F(GUEST_SS_AR, 32, GUEST),
	F(GUEST_DS_AR, 32, GUEST),
	F(GUEST_FS_AR, 32, GUEST),
	F(GUEST_GS_AR, 32, GUEST),
	F(GUEST_LDTR_AR, 32, GUEST),
	F(GUEST_TR_AR, 32, GUEST),
	F(GUEST_INTERRUPTIBILITY, 32, GUEST),
	F(GUEST_ACTIVITY_STATE, 32, GUEST),
	F(GUEST_SMBASE, 32, GUEST),
	F(GUEST_IA32_SYSENTER_CS, 32, GUEST),
	F(PREEMPTION_TIMER_VALUE, 32, GUEST),
	F(HOST_IA32_SYSENTER_CS, 32, HOST),

	F(CR0_GUEST_HOST_MASK, NATURAL, CONTROL),
	F(CR4_GUEST_HOST_MASK, NATURAL, CONTROL),
	F(CR0_READ_SHADOW, NATURAL, CONTROL),
	F(CR4_READ_SHADOW, NATURAL, CONTROL),
	F(CR3_TARGET_VALUE0, NATURAL, CONTROL),
	F(CR3_TARGET_VALUE1, NATURAL, CONTROL),
	F(CR3_TARGET_VALUE2, NATURAL, CONTROL),
	F(CR3_TARGET_VALUE3, NATURAL, CONTROL),
	F(EXIT_QUALIFICATION, NATURAL, READ_ONLY),
	F(IO_RCX, NATURAL, READ_ONLY),
	F(IO_RSI, NATURAL, READ_ONLY),
	F(IO_RDI, NATURAL, READ_ONLY),
	F(IO_RIP, NATURAL, READ_ONLY),
	F(GUEST_LINEAR_ADDR, NATURAL, READ_ONLY),
	F(GUEST_CR0, NATURAL, GUEST),
	F(GUEST_CR3, NATURAL, GUEST),
	F(GUEST_CR4, NATURAL, GUEST),
	F(GUEST_ES_BASE, NATURAL, GUEST),
	F(GUEST_CS_BASE, NATURAL, GUEST),
	F(GUEST_SS_BASE, NATURAL, GUEST),
	F(GUEST_DS_BASE, NATURAL, GUEST),
	F(GUEST_FS_BASE, NATURAL, GUEST),
	F(GUEST_GS_BASE, NATURAL, GUEST),
	F(GUEST_LDTR_BASE, NATURAL, GUEST),
	F(GUEST_TR_BASE, NATURAL, GUEST),
	F(GUEST_GDTR_BASE, NATURAL, GUEST),
	F(GUEST_IDTR_BASE, NATURAL, GUEST),
	F(GUEST_DR7, NATURAL, GUEST),
	F(GUEST_RSP, NATURAL, GUEST),
	F(GUEST_RIP, NATURAL, GUEST),
	F(GUEST_RFLAGS, NATURAL, GUEST),
	F(GUEST_PENDING_DBG_EXCEPTIONS, NATURAL, GUEST),
	F(GUEST_IA32_SYSENTER_ESP, NATURAL, GUEST),
	F(GUEST_IA32_SYSENTER_EIP, NATURAL, GUEST),
	F(GUEST_IA32_S_CET, NATURAL, GUEST),
	F(GUEST_SSP, NATURAL, GUEST),
	F(GUEST_IA32_INTERRUPT_SSP_TABLE_ADDR, NATURAL, GUEST),
	F(HOST_CR0, NATURAL, HOST),
	F(HOST_CR3, NATURAL, HOST),
	F(HOST_CR4, NATURAL, HOST),
	F(HOST_FS_BASE, NATURAL, HOST),
	F(HOST_GS_BASE, NATURAL, HOST),
	F(HOST_TR_BASE, NATURAL, HOST),
	F(HOST_GDTR_BASE, NATURAL, HOST),
	F(HOST_IDTR_BASE, NATURAL, HOST),
	F(HOST_IA32_SYSENTER_ESP, NATURAL, HOST),
	F(HOST_IA32_SYSENTER_EIP, NATURAL, HOST),
	F(HOST_RSP, NATURAL, HOST),
	F(HOST_RIP, NATURAL, HOST),
	F(HOST_IA32_S_CET, NATURAL, HOST),
	F(HOST_SSP, NATURAL, HOST),
	F(HOST_IA32_INTERRUPT_SSP_TABLE_ADDR, NATURAL, HOST),
};

/* The width helper works in constant expressions, which is what accessors need. */
_Static_assert(VMCS_FIELD_WIDTH(VMCS_GUEST_RIP) == VMCS_WIDTH_NATURAL, "natural");
_Static_assert(VMCS_FIELD_WIDTH(VMCS_EPT_POINTER) == VMCS_WIDTH_64, "64");
_Static_assert(VMCS_FIELD_WIDTH(VMCS_EXIT_REASON) == VMCS_WIDTH_32, "32");
_Static_assert(VMCS_FIELD_WIDTH(VMCS_VPID) == VMCS_WIDTH_16, "16");

static void test_field_encodings(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
		const struct field *f = &fields[i];

		if (VMCS_FIELD_WIDTH(f->enc) != f->width || VMCS_FIELD_TYPE(f->enc) != f->type)
			fail_msg("%s (%#x): width %u type %u, expected %u %u", f->name, f->enc,
				 VMCS_FIELD_WIDTH(f->enc), VMCS_FIELD_TYPE(f->enc), f->width, f->type);
		/* Full encodings only (bit 0 clear), bit 12 and bits 31:15 reserved. */
		assert_int_equal(f->enc & 0xffff9001U, 0);
		for (size_t j = 0; j < i; j++)
			if (fields[j].enc == f->enc)
				fail_msg("%s and %s share %#x", fields[j].name, f->name, f->enc);
	}
	/* Spot checks against SDM Appendix B. */
	assert_int_equal(VMCS_GUEST_RIP, 0x681e);
	assert_int_equal(VMCS_EPT_POINTER, 0x201a);
	assert_int_equal(VMCS_PROC_BASED_CTLS2, 0x401e);
	assert_int_equal(VMCS_EXIT_QUALIFICATION, 0x6400);
	assert_int_equal(VMCS_HOST_RIP, 0x6c16);
	assert_int_equal(VMCS_FIELD_HIGH(VMCS_TSC_OFFSET), 0x2011);
}

static void test_control_bits(void **state)
{
	/* The bits named in SDM 24.6-24.8 that setup code relies on. */
	assert_int_equal(PIN_EXTINT_EXITING, 0x1);
	assert_int_equal(PIN_NMI_EXITING, 0x8);
	assert_int_equal(PIN_PREEMPTION_TIMER, 0x40);
	assert_int_equal(CPU_HLT_EXITING, 0x80);
	assert_int_equal(CPU_USE_IO_BITMAPS, 0x02000000);
	assert_int_equal(CPU_USE_MSR_BITMAPS, 0x10000000);
	assert_int_equal(CPU_ACTIVATE_SECONDARY_CTLS, 0x80000000U);
	assert_int_equal(CPU2_ENABLE_EPT, 0x2);
	assert_int_equal(CPU2_ENABLE_VPID, 0x20);
	assert_int_equal(CPU2_UNRESTRICTED_GUEST, 0x80);
	assert_int_equal(CPU2_ENABLE_XSAVES, 0x100000);
	assert_int_equal(EXIT_HOST_ADDR_SPACE_SIZE, 0x200);
	assert_int_equal(EXIT_ACK_INTR_ON_EXIT, 0x8000);
	assert_int_equal(EXIT_LOAD_IA32_EFER, 0x200000);
	assert_int_equal(ENTRY_IA32E_MODE, 0x200);
	assert_int_equal(ENTRY_LOAD_IA32_EFER, 0x8000);
	/* Default1 bits (A.3-A.5): CR3-load/store exiting are among them, the others are not. */
	assert_int_equal(CPU_DEFAULT1 & (CPU_CR3_LOAD_EXITING | CPU_CR3_STORE_EXITING),
			 CPU_CR3_LOAD_EXITING | CPU_CR3_STORE_EXITING);
	assert_int_equal(CPU_DEFAULT1 & (CPU_HLT_EXITING | CPU_USE_IO_BITMAPS | CPU_USE_MSR_BITMAPS), 0);
	assert_int_equal(EXIT_DEFAULT1 & (EXIT_HOST_ADDR_SPACE_SIZE | EXIT_ACK_INTR_ON_EXIT), 0);
	assert_int_equal(ENTRY_DEFAULT1 & (ENTRY_IA32E_MODE | ENTRY_LOAD_IA32_EFER), 0);
}

static void test_insn_errors(void **state)
{
	assert_string_equal(vmx_insn_error_name(VMXERR_ENTRY_INVALID_CONTROL),
			    "VM entry with invalid control field(s)");
	assert_string_equal(vmx_insn_error_name(7), "VM entry with invalid control field(s)");
	assert_string_equal(vmx_insn_error_name(8), "VM entry with invalid host-state field(s)");
	assert_string_equal(vmx_insn_error_name(12), "VMREAD/VMWRITE from/to unsupported VMCS component");
	assert_string_equal(vmx_insn_error_name(13), "VMWRITE to read-only VMCS component");
	assert_string_equal(vmx_insn_error_name(1), "VMCALL executed in VMX root operation");
	assert_string_equal(vmx_insn_error_name(26), "VM entry with events blocked by MOV SS");
	assert_string_equal(vmx_insn_error_name(28), "Invalid operand to INVEPT/INVVPID");
	/* Unused numbers and out of range. */
	assert_string_equal(vmx_insn_error_name(0), "unknown VM-instruction error");
	assert_string_equal(vmx_insn_error_name(14), "unknown VM-instruction error");
	assert_string_equal(vmx_insn_error_name(21), "unknown VM-instruction error");
	assert_string_equal(vmx_insn_error_name(27), "unknown VM-instruction error");
	assert_string_equal(vmx_insn_error_name(29), "unknown VM-instruction error");
	assert_string_equal(vmx_insn_error_name(0xffffffffU), "unknown VM-instruction error");
	/* Every defined number 1..28 except the gaps has its own text. */
	for (uint32_t e = 1; e <= 28; e++) {
		bool gap = e == 14 || e == 21 || e == 27;

		assert_int_equal(strcmp(vmx_insn_error_name(e), "unknown VM-instruction error") == 0, gap);
	}
}

static void test_exit_reasons(void **state)
{
	static const struct {
		uint32_t reason;
		const char *name;
	} cases[] = {
		{ 0, "exception-nmi" },	   { 1, "external-interrupt" }, { 2, "triple-fault" },
		{ 7, "interrupt-window" }, { 10, "cpuid" },		{ 12, "hlt" },
		{ 18, "vmcall" },	   { 28, "cr-access" },		{ 30, "io" },
		{ 31, "rdmsr" },	   { 32, "wrmsr" },		{ 33, "invalid-guest-state" },
		{ 48, "ept-violation" },   { 49, "ept-misconfig" },	{ 52, "preemption-timer" },
		{ 55, "xsetbv" },	   { 62, "pml-full" },		{ 70, "enclv" },
		{ 74, "bus-lock" },	   { 79, "wrmsrlist" },
		/* Unused numbers and beyond the table. */
		{ 35, "unknown" },	   { 38, "unknown" },		{ 42, "unknown" },
		{ 71, "unknown" },	   { 80, "unknown" },		{ 0xffff, "unknown" },
		{ 0x80000021U, "unknown" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		assert_string_equal(exit_reason_name(cases[i].reason), cases[i].name);

	assert_int_equal(EXIT_REASON_CPUID, 10);
	assert_int_equal(EXIT_REASON_IO_INSTRUCTION, 30);
	assert_int_equal(EXIT_REASON_EPT_VIOLATION, 48);
	assert_int_equal(EXIT_REASON_XSETBV, 55);
	/* An entry failure for invalid guest state, as read from the VMCS. */
	assert_int_equal(0x80000021U & EXIT_REASON_BASIC_MASK, EXIT_REASON_INVALID_GUEST_STATE);
	assert_true(0x80000021U & EXIT_REASON_ENTRY_FAILURE);

	/* Every defined reason has a distinct name. */
	for (uint32_t a = 0; a < EXIT_REASON_MAX; a++) {
		if (!strcmp(exit_reason_name(a), "unknown"))
			continue;
		for (uint32_t b = 0; b < a; b++)
			assert_true(strcmp(exit_reason_name(a), exit_reason_name(b)) != 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_field_encodings),
		cmocka_unit_test(test_control_bits),
		cmocka_unit_test(test_insn_errors),
		cmocka_unit_test(test_exit_reasons),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
