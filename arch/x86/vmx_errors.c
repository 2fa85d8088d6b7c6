/*
 * VM-instruction error numbers to text, worded as in SDM 30.4 (table 30-1).
 *
 * Pure lookup: runs anywhere (VMX root, any context) and in host tests.
 */
#include "arch/x86/vmx_errors.h"

#include <stddef.h>

#include "arch/x86/vmcs_fields.h"

static const char *const vmx_insn_errors[] = {
	[VMXERR_VMCALL_IN_ROOT] = "VMCALL executed in VMX root operation",
	[VMXERR_VMCLEAR_INVALID_ADDR] = "VMCLEAR with invalid physical address",
	[VMXERR_VMCLEAR_VMXON_PTR] = "VMCLEAR with VMXON pointer",
	[VMXERR_VMLAUNCH_NONCLEAR_VMCS] = "VMLAUNCH with non-clear VMCS",
	[VMXERR_VMRESUME_NONLAUNCHED_VMCS] = "VMRESUME with non-launched VMCS",
	[VMXERR_VMRESUME_AFTER_VMXOFF] = "VMRESUME after VMXOFF (VMXOFF and VMXON between VMLAUNCH and VMRESUME)",
	[VMXERR_ENTRY_INVALID_CONTROL] = "VM entry with invalid control field(s)",
	[VMXERR_ENTRY_INVALID_HOST_STATE] = "VM entry with invalid host-state field(s)",
	[VMXERR_VMPTRLD_INVALID_ADDR] = "VMPTRLD with invalid physical address",
	[VMXERR_VMPTRLD_VMXON_PTR] = "VMPTRLD with VMXON pointer",
	[VMXERR_VMPTRLD_BAD_REVISION] = "VMPTRLD with incorrect VMCS revision identifier",
	[VMXERR_UNSUPPORTED_COMPONENT] = "VMREAD/VMWRITE from/to unsupported VMCS component",
	[VMXERR_VMWRITE_READ_ONLY] = "VMWRITE to read-only VMCS component",
	[VMXERR_VMXON_IN_ROOT] = "VMXON executed in VMX root operation",
	[VMXERR_ENTRY_INVALID_EXEC_VMCS_PTR] = "VM entry with invalid executive-VMCS pointer",
	[VMXERR_ENTRY_NONLAUNCHED_EXEC_VMCS] = "VM entry with non-launched executive VMCS",
	[VMXERR_ENTRY_EXEC_VMCS_PTR_NOT_VMXON] =
		"VM entry with executive-VMCS pointer not VMXON pointer (when attempting to deactivate the dual-monitor treatment of SMIs and SMM)",
	[VMXERR_VMCALL_NONCLEAR_VMCS] =
		"VMCALL with non-clear VMCS (when attempting to activate the dual-monitor treatment of SMIs and SMM)",
	[VMXERR_VMCALL_INVALID_EXIT_CONTROLS] = "VMCALL with invalid VM-exit control fields",
	[VMXERR_VMCALL_BAD_MSEG_REVISION] =
		"VMCALL with incorrect MSEG revision identifier (when attempting to activate the dual-monitor treatment of SMIs and SMM)",
	[VMXERR_VMXOFF_DUAL_MONITOR] = "VMXOFF under dual-monitor treatment of SMIs and SMM",
	[VMXERR_VMCALL_INVALID_SMM_FEATURES] =
		"VMCALL with invalid SMM-monitor features (when attempting to activate the dual-monitor treatment of SMIs and SMM)",
	[VMXERR_ENTRY_INVALID_EXEC_VMCS_CONTROLS] =
		"VM entry with invalid VM-execution control fields in executive VMCS (when attempting to return from SMM)",
	[VMXERR_ENTRY_EVENTS_BLOCKED_BY_MOV_SS] = "VM entry with events blocked by MOV SS",
	[VMXERR_INVALID_INVEPT_INVVPID_OPERAND] = "Invalid operand to INVEPT/INVVPID",
};

const char *vmx_insn_error_name(uint32_t err)
{
	/* Holes in the table (0, 14, 21, 27) are numbers the SDM leaves unused. */
	if (err < sizeof(vmx_insn_errors) / sizeof(vmx_insn_errors[0]) && vmx_insn_errors[err])
		return vmx_insn_errors[err];
	return "unknown VM-instruction error";
}
