/*
 * Control-register access exits (SDM Vol. 3, 27.2.1 table 27-3). CR0 and
 * CR4 exit only when the guest changes a bit the hypervisor owns (CR0.NE,
 * CR4.VMXE: VMX forces them on under the guest's feet), or on CLTS/LMSW of
 * such a bit; CR3 exits where the operator asked for it (vmctl) or the CPU
 * cannot drop CR3 exiting, and is emulated as the CPU would load it. The guest
 * sees its own values through the read shadows. CR8 exits only where the
 * CPU has no TPR shadow (vmm/core/vtpr.h): it is emulated against the vCPU's
 * virtual LAPIC, never the CPU's own TPR.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/vmx.h"
#include "vmm/exit/exit.h"
#include "vmm/core/exitq.h"
#include "vmm/core/hv.h"
#include "vmm/core/vm.h"
#include "vmm/core/vcpu_setup.h"
#include "vmm/exit/guest_access.h"
#include "vmm/exit/guest_tlb.h"

#define CR0_TS (1ULL << 3)
#define CR4_PCIDE (1ULL << 17)
#define CR3_NO_FLUSH (1ULL << 63) /* with CR4.PCIDE: keep the new PCID's translations */
#define PDPTE_RESERVED 0x1e6ULL   /* bits 2:1 and 8:5 of a present PAE PDPTE (SDM 4.4.1) */
#define CR0_NW (1ULL << 29)
#define CR0_CD (1ULL << 30)
#define CR_TYPE_MOV_TO 0U
#define CR_TYPE_MOV_FROM 1U
#define CR_TYPE_CLTS 2U
#define CR_TYPE_LMSW 3U

/*
 * A guest write of CR0: the value the guest asked for goes to the shadow,
 * the value with VMX's fixed bits to the real CR0. Turning paging on or off
 * while EFER.LME is set enters or leaves IA-32e mode, which the CPU would
 * have done had the write not exited.
 */
static int emulate_cr0_write(struct vcpu *v, uint64_t value)
{
	uint64_t fixed0 = rdmsr(MSR_IA32_VMX_CR0_FIXED0) & ~(CR0_PE | CR0_PG);
	uint64_t efer = vmcs_read64(VMCS_GUEST_IA32_EFER);
	uint64_t old = vmcs_read64(VMCS_CR0_READ_SHADOW);
	uint32_t entry = v->ctls[VCPU_CTL_ENTRY];

	if ((value >> 32) || ((value & CR0_PG) && !(value & CR0_PE)) ||
	    ((value & CR0_NW) && !(value & CR0_CD))) {
		vcpu_inject_gp(v);
		return EXIT_RESUME;
	}
	if ((value ^ old) & CR0_PG && (efer & EFER_LME)) {
		if (value & CR0_PG) {
			if (!(vmcs_read64(VMCS_CR4_READ_SHADOW) & CR4_PAE)) {
				vcpu_inject_gp(v);
				return EXIT_RESUME;
			}
			efer |= EFER_LMA;
			entry |= ENTRY_IA32E_MODE;
		} else {
			efer &= ~EFER_LMA;
			entry &= ~ENTRY_IA32E_MODE;
		}
		vmcs_write64(VMCS_GUEST_IA32_EFER, efer);
		vcpu_write_controls(v, VCPU_CTL_ENTRY, entry);
	}
	vmcs_write64(VMCS_CR0_READ_SHADOW, value);
	vmcs_write64(VMCS_GUEST_CR0, value | fixed0);
	vcpu_skip_insn(v);
	return EXIT_RESUME;
}

static int emulate_cr4_write(struct vcpu *v, uint64_t value)
{
	uint64_t fixed0 = rdmsr(MSR_IA32_VMX_CR4_FIXED0);
	uint64_t fixed1 = rdmsr(MSR_IA32_VMX_CR4_FIXED1);

	/* VMX is hidden from the guest, so CR4.VMXE is as reserved as any bit the CPU lacks. */
	if ((value & CR4_VMXE) || (value & ~fixed1)) {
		vcpu_inject_gp(v);
		return EXIT_RESUME;
	}
	vmcs_write64(VMCS_CR4_READ_SHADOW, value);
	vmcs_write64(VMCS_GUEST_CR4, value | fixed0 | CR4_VMXE);
	/* Paging-mode bits changed behind the CPU's back: drop the guest's cached translations. */
	guest_tlb_flush(v);
	vcpu_skip_insn(v);
	return EXIT_RESUME;
}

/* Bits above the guest's physical-address width. */
static uint64_t above_maxphyaddr(struct vcpu *v)
{
	uint32_t leaf[4];

	vcpu_cpuid(v, 0x80000008U, 0, leaf);
	return ~((1ULL << (leaf[0] & 0xffU)) - 1);
}

/*
 * With PAE paging outside IA-32e mode, MOV to CR3 loads the four PDPTEs
 * (SDM 4.4.1); with EPT, VM entry takes them from the VMCS (26.3.2.4), so
 * an emulated load puts them there. 0, or -1 for #GP (a present entry with
 * reserved bits, or a table outside RAM).
 */
static int load_pdptes(struct vcpu *v, uint64_t cr3)
{
	uint64_t pdpte[4], reserved = PDPTE_RESERVED | above_maxphyaddr(v);
	unsigned i;

	if (vm_copy_from_guest(v->vm, pdpte, cr3 & 0xffffffe0ULL, sizeof(pdpte)))
		return -1;
	for (i = 0; i < 4; i++)
		if ((pdpte[i] & 1U) && (pdpte[i] & reserved))
			return -1;
	for (i = 0; i < 4; i++)
		vmcs_write_raw(VMCS_GUEST_PDPTE0 + 2 * i, pdpte[i]);
	return 0;
}

/*
 * MOV to CR3 (SDM 4.10.4.1): in 64-bit mode bit 63 with CR4.PCIDE asks to
 * keep translations and is not stored, and bits above the physical-address
 * width are #GP; elsewhere only the low 32 bits count. Every other load
 * flushes the guest's non-global translations, which the hypervisor must
 * do itself because VPID keeps them across exits.
 */
static int emulate_cr3_write(struct vcpu *v, uint64_t value)
{
	uint64_t cr0 = vmcs_read64(VMCS_GUEST_CR0), cr4 = vmcs_read64(VMCS_GUEST_CR4);
	bool flush = true;

	if (guest_address_size() == 8) {
		if ((cr4 & CR4_PCIDE) && (value & CR3_NO_FLUSH)) {
			flush = false;
			value &= ~CR3_NO_FLUSH;
		}
		if (value & above_maxphyaddr(v)) {
			vcpu_inject_gp(v);
			return EXIT_RESUME;
		}
	} else {
		value = (uint32_t)value;
		if ((cr0 & CR0_PG) && (cr4 & CR4_PAE) &&
		    !(vmcs_read64(VMCS_GUEST_IA32_EFER) & EFER_LMA) && load_pdptes(v, value)) {
			vcpu_inject_gp(v);
			return EXIT_RESUME;
		}
	}
	vmcs_write64(VMCS_GUEST_CR3, value);
	if (flush)
		guest_tlb_flush(v);
	vcpu_skip_insn(v);
	return EXIT_RESUME;
}

/* MOV to CR8 (SDM 10.8.6.1): bits 63:4 are reserved; a lower TPR may let an interrupt through at once. */
static int emulate_cr8_write(struct vcpu *v, uint64_t value)
{
	if (lapic_write_cr8(&v->lapic, value)) {
		vcpu_inject_gp(v);
		return EXIT_RESUME;
	}
	vcpu_skip_insn(v);
	return EXIT_RESUME;
}

int handle_cr_access(struct vcpu *v)
{
	uint64_t q = v->exit.qualification;
	unsigned cr = exitq_cr_num(q), gpr = exitq_cr_gpr(q);
	uint64_t shadow;

	switch (exitq_cr_type(q)) {
	case CR_TYPE_MOV_TO:
		if (cr == 0)
			return emulate_cr0_write(v, vcpu_gpr(v, gpr));
		if (cr == 4)
			return emulate_cr4_write(v, vcpu_gpr(v, gpr));
		if (cr == 3)
			return emulate_cr3_write(v, vcpu_gpr(v, gpr));
		if (cr == 8)
			return emulate_cr8_write(v, vcpu_gpr(v, gpr));
		break;
	case CR_TYPE_MOV_FROM:
		if (cr == 3) {
			shadow = vmcs_read64(VMCS_GUEST_CR3);
			vcpu_set_gpr(v, gpr, guest_address_size() == 8 ? shadow : (uint32_t)shadow);
			vcpu_skip_insn(v);
			return EXIT_RESUME;
		}
		if (cr == 8) {
			vcpu_set_gpr(v, gpr, lapic_read_cr8(&v->lapic));
			vcpu_skip_insn(v);
			return EXIT_RESUME;
		}
		break;
	case CR_TYPE_CLTS:
		shadow = vmcs_read64(VMCS_CR0_READ_SHADOW) & ~CR0_TS;
		return emulate_cr0_write(v, shadow);
	case CR_TYPE_LMSW:
		/* LMSW loads CR0 bits 3:0 but can never clear PE. */
		shadow = vmcs_read64(VMCS_CR0_READ_SHADOW);
		return emulate_cr0_write(v, (shadow & ~0xeULL) | (exitq_cr_lmsw_source(q) & 0xfU) |
					    (shadow & CR0_PE));
	}
	vm_end(v->vm, VM_CRASHED, "unexpected control-register exit (CR%u, qualification 0x%llx)",
	       cr, (unsigned long long)q);
	return EXIT_STOP;
}
