/*
 * VMX primitives (SDM Vol. 3, chapters 23-25 and 30). Runs in VMX root,
 * interrupts off. A failed VMREAD/VMWRITE is logged with the
 * VM-instruction error rather than crashing: the caller decides whether
 * the guest can go on.
 */
#include "arch/x86/vmx.h"

#include "arch/x86/cpu.h"
#include "arch/x86/smp.h"
#include "arch/x86/vmx_errors.h"
#include "lib/log.h"

#define FC_LOCKED (1ULL << 0)
#define FC_VMX_OUTSIDE_SMX (1ULL << 2)

uint64_t vmcs_access_error_count(void)
{
	return cpu_local_self()->vmcs_access_errors;
}

int vmx_on(uint32_t vmcs_revision, uint64_t vmxon_phys, const char **why)
{
	uint64_t fc = rdmsr(MSR_IA32_FEATURE_CONTROL);
	uint64_t cr0, cr4;
	uint8_t failed;

	if (!(fc & FC_LOCKED)) {
		fc |= FC_LOCKED | FC_VMX_OUTSIDE_SMX;
		wrmsr(MSR_IA32_FEATURE_CONTROL, fc);
	}
	if (!(fc & FC_VMX_OUTSIDE_SMX)) {
		*why = "IA32_FEATURE_CONTROL is locked with VMX outside SMX disabled";
		return -1;
	}
	/* SDM 23.8: CR0 and CR4 must honour the fixed bits in VMX operation. */
	cr0 = read_cr0();
	cr0 |= rdmsr(MSR_IA32_VMX_CR0_FIXED0);
	cr0 &= rdmsr(MSR_IA32_VMX_CR0_FIXED1);
	write_cr0(cr0);
	cr4 = read_cr4() | CR4_VMXE;
	cr4 |= rdmsr(MSR_IA32_VMX_CR4_FIXED0);
	cr4 &= rdmsr(MSR_IA32_VMX_CR4_FIXED1);
	write_cr4(cr4);

	*(volatile uint32_t *)vmxon_phys = vmcs_revision;
	__asm__ volatile("vmxon %1; setna %0" : "=rm"(failed) : "m"(vmxon_phys) : "cc", "memory");
	if (failed) {
		*why = "VMXON failed";
		return -1;
	}
	return 0;
}

static int vmx_status(uint8_t invalid, uint8_t valid)
{
	if (invalid)
		return -1;
	if (valid)
		return (int)vmcs_read_raw(VMCS_VM_INSTRUCTION_ERROR);
	return 0;
}

int vmcs_clear(uint64_t phys)
{
	uint8_t cf, zf;

	__asm__ volatile("vmclear %2; setc %0; setz %1" : "=rm"(cf), "=rm"(zf) : "m"(phys) : "cc", "memory");
	return vmx_status(cf, zf);
}

int vmcs_load(uint64_t phys)
{
	uint8_t cf, zf;

	__asm__ volatile("vmptrld %2; setc %0; setz %1" : "=rm"(cf), "=rm"(zf) : "m"(phys) : "cc", "memory");
	return vmx_status(cf, zf);
}

void vmcs_access_failed(const char *op, uint32_t field, uint8_t no_current_vmcs)
{
	uint64_t err;

	cpu_local_self()->vmcs_access_errors++;
	if (no_current_vmcs) {
		log_error("vmx: %s of field 0x%x failed: no current VMCS", op, field);
		return;
	}
	__asm__ volatile("vmread %1, %0" : "=r"(err) : "r"((uint64_t)VMCS_VM_INSTRUCTION_ERROR) : "cc");
	log_error("vmx: %s of field 0x%x failed: error %llu (%s)", op, field,
		  (unsigned long long)err, vmx_insn_error_name((uint32_t)err));
}

void invept(uint32_t type, uint64_t eptp)
{
	struct {
		uint64_t eptp, reserved;
	} desc = { eptp, 0 };

	__asm__ volatile("invept %0, %1" : : "m"(desc), "r"((uint64_t)type) : "cc", "memory");
}

void invvpid_address(uint16_t vpid, uint64_t linear)
{
	struct {
		uint64_t vpid, addr;
	} desc = { vpid, linear };

	__asm__ volatile("invvpid %0, %1" : : "m"(desc), "r"((uint64_t)INVVPID_INDIVIDUAL_ADDRESS)
			 : "cc", "memory");
}

void invvpid(uint32_t type, uint16_t vpid)
{
	struct {
		uint64_t vpid, addr;
	} desc = { vpid, 0 };

	__asm__ volatile("invvpid %0, %1" : : "m"(desc), "r"((uint64_t)type) : "cc", "memory");
}
