/*
 * VT-x detection: CPUID.1:ECX.VMX, the vendor, IA32_FEATURE_CONTROL, and the
 * capability MSRs (SDM Vol. 3, Appendix A). The capability MSRs are read
 * only when CPUID says VMX exists: on other CPUs they raise #GP.
 */
#include "arch/x86/vmx_detect.h"

#include "arch/x86/cpu.h"
#include "lib/string.h"

#define CPUID1_ECX_VMX (1U << 5)
#define FC_LOCKED (1ULL << 0)
#define FC_VMX_OUTSIDE_SMX (1ULL << 2)
#define BASIC_INS_OUTS_INFO (1ULL << 54)
#define BASIC_TRUE_CTLS (1ULL << 55)
#define PROCBASED_SECONDARY (1ULL << 31)
#define PINBASED_PREEMPTION_TIMER (1ULL << 6)
#define PINBASED_POSTED_INTR (1ULL << 7)
#define SECONDARY_VIRT_APIC_ACCESS (1ULL << 0)
#define SECONDARY_EPT (1ULL << 1)
#define SECONDARY_VPID (1ULL << 5)
#define SECONDARY_UNRESTRICTED (1ULL << 7)
#define SECONDARY_APIC_REG_VIRT (1ULL << 8)
#define SECONDARY_VIRT_INTR_DELIVERY (1ULL << 9)
#define SECONDARY_PML (1ULL << 17)
#define EPTCAP_WB (1ULL << 14)
#define EPTCAP_2M (1ULL << 16)
#define EPTCAP_1G (1ULL << 17)
#define EPTCAP_INVEPT (1ULL << 20)
#define EPTCAP_INVVPID (1ULL << 32)
#define EPTCAP_INVVPID_ADDRESS (1ULL << 40)

static void read_identity(struct vmx_caps *c)
{
	struct cpuid_regs r = cpuid(0, 0);
	uint32_t leaf;

	memcpy(c->vendor, &r.ebx, 4);
	memcpy(c->vendor + 4, &r.edx, 4);
	memcpy(c->vendor + 8, &r.ecx, 4);
	c->vendor[12] = 0;

	r = cpuid(1, 0);
	c->stepping = r.eax & 0xfU;
	c->model = (r.eax >> 4) & 0xfU;
	c->family = (r.eax >> 8) & 0xfU;
	if (c->family == 6 || c->family == 15)
		c->model |= ((r.eax >> 16) & 0xfU) << 4;
	if (c->family == 15)
		c->family += (r.eax >> 20) & 0xffU;

	c->brand[0] = 0;
	if (cpuid(0x80000000U, 0).eax >= 0x80000004U) {
		for (leaf = 0; leaf < 3; leaf++) {
			r = cpuid(0x80000002U + leaf, 0);
			memcpy(c->brand + leaf * 16, &r, 16);
		}
		c->brand[48] = 0;
	}
	if (!c->brand[0])
		memcpy(c->brand, "unknown model", sizeof("unknown model"));
}

/* Allowed-1 settings are the high 32 bits of a control capability MSR. */
static bool allowed1(uint32_t msr, uint64_t bit)
{
	return (rdmsr(msr) >> 32) & bit;
}

void vmx_detect(struct vmx_caps *c)
{
	uint64_t fc, basic, ept_cap = 0;
	uint32_t pin_msr, proc_msr;

	memset(c, 0, sizeof(*c));
	read_identity(c);

	if (!(cpuid(1, 0).ecx & CPUID1_ECX_VMX)) {
		c->reason = strcmp(c->vendor, "GenuineIntel")
			? "CPUID reports no VMX (this CPU is not Intel; AMD SVM is not supported)"
			: "CPUID reports no VMX (disabled, or hidden by the hypervisor below us)";
		return;
	}
	fc = rdmsr(MSR_IA32_FEATURE_CONTROL);
	c->feature_control_locked = fc & FC_LOCKED;
	if ((fc & FC_LOCKED) && !(fc & FC_VMX_OUTSIDE_SMX)) {
		c->reason = "the firmware locked IA32_FEATURE_CONTROL with VMX off "
			    "(enable Intel VT-x in the firmware setup)";
		return;
	}

	basic = rdmsr(MSR_IA32_VMX_BASIC);
	c->vmcs_revision = basic & 0x7fffffffU;
	c->true_ctls = basic & BASIC_TRUE_CTLS;
	c->ins_outs_info = basic & BASIC_INS_OUTS_INFO;
	pin_msr = c->true_ctls ? MSR_IA32_VMX_TRUE_PINBASED_CTLS : MSR_IA32_VMX_PINBASED_CTLS;
	proc_msr = c->true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS : MSR_IA32_VMX_PROCBASED_CTLS;

	c->preemption_timer = allowed1(pin_msr, PINBASED_PREEMPTION_TIMER);
	c->posted_interrupts = allowed1(pin_msr, PINBASED_POSTED_INTR);
	c->preemption_timer_shift = rdmsr(MSR_IA32_VMX_MISC) & 0x1fU;
	if (allowed1(proc_msr, PROCBASED_SECONDARY)) {
		c->ept = allowed1(MSR_IA32_VMX_PROCBASED_CTLS2, SECONDARY_EPT);
		c->vpid = allowed1(MSR_IA32_VMX_PROCBASED_CTLS2, SECONDARY_VPID);
		c->unrestricted_guest = allowed1(MSR_IA32_VMX_PROCBASED_CTLS2, SECONDARY_UNRESTRICTED);
		c->pml = allowed1(MSR_IA32_VMX_PROCBASED_CTLS2, SECONDARY_PML);
		c->apicv = allowed1(MSR_IA32_VMX_PROCBASED_CTLS2, SECONDARY_VIRT_APIC_ACCESS) &&
			   allowed1(MSR_IA32_VMX_PROCBASED_CTLS2, SECONDARY_APIC_REG_VIRT) &&
			   allowed1(MSR_IA32_VMX_PROCBASED_CTLS2, SECONDARY_VIRT_INTR_DELIVERY);
	}
	if (c->ept || c->vpid)
		ept_cap = rdmsr(MSR_IA32_VMX_EPT_VPID_CAP);
	c->ept_wb = ept_cap & EPTCAP_WB;
	c->ept_2m = ept_cap & EPTCAP_2M;
	c->ept_1g = ept_cap & EPTCAP_1G;
	c->invept = ept_cap & EPTCAP_INVEPT;
	c->invvpid = ept_cap & EPTCAP_INVVPID;
	c->invvpid_address = c->invvpid && (ept_cap & EPTCAP_INVVPID_ADDRESS);

	if (!c->ept || !c->ept_wb || !c->invept) {
		c->reason = "VT-x is present but lacks EPT with write-back tables and INVEPT";
		return;
	}
	c->usable = true;
}
