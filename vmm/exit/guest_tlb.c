/*
 * Guest translation flushes (guest_tlb.h). INVVPID of a single context
 * also drops global translations, more than MOV to CR3 would: the CPU may
 * always drop more than asked, so the guest cannot tell.
 */
#include "vmm/exit/guest_tlb.h"

#include "arch/x86/vmx.h"
#include "vmm/core/hv.h"
#include "vmm/core/vcpu.h"

static int uses_vpid(const struct vcpu *v)
{
	return (v->ctls[VCPU_CTL_PROC2] & CPU2_ENABLE_VPID) && hv_vmx_caps()->invvpid;
}

void guest_tlb_flush(struct vcpu *v)
{
	if (uses_vpid(v))
		invvpid(INVVPID_SINGLE_CONTEXT, v->vpid);
}

void guest_tlb_flush_address(struct vcpu *v, uint64_t linear)
{
	if (!uses_vpid(v))
		return;
	if (hv_vmx_caps()->invvpid_address && guest_canonical(linear))
		invvpid_address(v->vpid, linear);
	else
		invvpid(INVVPID_SINGLE_CONTEXT, v->vpid);
}
