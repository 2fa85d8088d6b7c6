/*
 * Text for VM-instruction error numbers (SDM 30.4), so that a failing
 * VMREAD, VMWRITE, VMLAUNCH or VMRESUME prints why it failed.
 *
 * Pure lookup: runs anywhere (VMX root, any context) and in host tests.
 */
#ifndef ARCH_X86_VMX_ERRORS_H
#define ARCH_X86_VMX_ERRORS_H

#include <stdint.h>

/*
 * The SDM 30.4 text for @err (the VMCS_VM_INSTRUCTION_ERROR field); never
 * NULL: numbers the SDM does not define give "unknown VM-instruction error".
 */
const char *vmx_insn_error_name(uint32_t err);

#endif
