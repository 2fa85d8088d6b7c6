/*
 * VMCS set-up (SDM Vol. 3, chapter 24 for the fields, 26.2-26.3 for what VM
 * entry checks). Every control is computed from the capability MSRs: the
 * TRUE_* ones when IA32_VMX_BASIC bit 55 says so. A control we need that
 * the CPU cannot give is a clear error; a control we would merely like is
 * dropped; a reserved bit is set only where the CPU insists. The debug
 * controls are wanted so that a guest's DR7 and DEBUGCTL survive its exits
 * (an exit sets DR7 to 0x400: without them the guest's value is lost).
 */
#include "vmm/core/vcpu_setup.h"

#include "arch/x86/cpu.h"
#include "arch/x86/gdt.h"
#include "arch/x86/smp.h"
#include "lib/log.h"
#include "lib/string.h"
#include "mm/heap.h"
#include "mm/kpaging.h"
#include "mm/phys.h"
#include "vmm/core/hv.h"
#include "vmm/core/msr_pat.h"
#include "vmm/core/sched.h"
#include "vmm/core/vm.h"
#include "vmm/core/vtpr.h"


struct ctl_request {
	uint32_t msr, true_msr;
	uint32_t required, wanted;
	const char *name;
};

static const char *const ctl_missing[] = {
	"pin-based controls", "primary processor-based controls",
	"secondary processor-based controls", "VM-exit controls", "VM-entry controls",
};

enum { CTL_PIN, CTL_PROC, CTL_PROC2, CTL_EXIT, CTL_ENTRY, CTL_COUNT };

static struct ctl_request requests[CTL_COUNT] = {
	[CTL_PIN] = { MSR_IA32_VMX_PINBASED_CTLS, MSR_IA32_VMX_TRUE_PINBASED_CTLS,
		      PIN_EXTINT_EXITING | PIN_NMI_EXITING, PIN_VIRTUAL_NMIS | PIN_PREEMPTION_TIMER,
		      "pin-based" },
	[CTL_PROC] = { MSR_IA32_VMX_PROCBASED_CTLS, MSR_IA32_VMX_TRUE_PROCBASED_CTLS,
		       CPU_HLT_EXITING | CPU_USE_IO_BITMAPS | CPU_USE_MSR_BITMAPS |
			       CPU_ACTIVATE_SECONDARY_CTLS | CPU_USE_TSC_OFFSETTING,
		       CPU_MWAIT_EXITING | CPU_MONITOR_EXITING | CPU_RDPMC_EXITING,
		       "primary processor-based" },
	[CTL_PROC2] = { MSR_IA32_VMX_PROCBASED_CTLS2, MSR_IA32_VMX_PROCBASED_CTLS2,
			CPU2_ENABLE_EPT | CPU2_UNRESTRICTED_GUEST,
			CPU2_ENABLE_VPID | CPU2_ENABLE_RDTSCP | CPU2_ENABLE_INVPCID |
				CPU2_WBINVD_EXITING | CPU2_ENABLE_XSAVES,
			"secondary processor-based" },
	[CTL_EXIT] = { MSR_IA32_VMX_EXIT_CTLS, MSR_IA32_VMX_TRUE_EXIT_CTLS,
		       EXIT_HOST_ADDR_SPACE_SIZE | EXIT_SAVE_IA32_EFER | EXIT_LOAD_IA32_EFER,
		       EXIT_ACK_INTR_ON_EXIT | EXIT_SAVE_IA32_PAT | EXIT_LOAD_IA32_PAT |
			       EXIT_SAVE_PREEMPTION_TIMER | EXIT_SAVE_DEBUG_CONTROLS,
		       "VM-exit" },
	[CTL_ENTRY] = { MSR_IA32_VMX_ENTRY_CTLS, MSR_IA32_VMX_TRUE_ENTRY_CTLS,
			ENTRY_LOAD_IA32_EFER, ENTRY_LOAD_IA32_PAT | ENTRY_IA32E_MODE | ENTRY_LOAD_DEBUG_CONTROLS,
			"VM-entry" },
};

static uint32_t ctl_value[CTL_COUNT];
static const char *ctl_error;
static bool refuse_tpr_shadow;

void vcpu_refuse_tpr_shadow(void)
{
	refuse_tpr_shadow = true;
}

/*
 * Allowed settings (SDM A.3-A.5): low half = bits that must be 1, high half
 * = bits that may be 1, from the TRUE_* MSR where IA32_VMX_BASIC says so.
 */
void vcpu_control_caps(enum vcpu_ctl which, uint32_t *must1, uint32_t *may1)
{
	const struct ctl_request *r = &requests[which];
	uint64_t caps = rdmsr(hv_vmx_caps()->true_ctls ? r->true_msr : r->msr);

	*must1 = (uint32_t)caps;
	*may1 = (uint32_t)(caps >> 32);
}

/*
 * Asks for required|wanted, keeps what may be 1, adds what must be 1. A
 * guest's CR8 must never reach the physical TPR, so the primary controls
 * then get the TPR shadow or CR8 exiting (vmm/core/vtpr.h).
 */
static int compute_control(int i)
{
	const struct ctl_request *r = &requests[i];
	uint32_t must1, may1;

	vcpu_control_caps((enum vcpu_ctl)i, &must1, &may1);

	if ((r->required & may1) != r->required) {
		ctl_error = ctl_missing[i];
		return -1;
	}
	ctl_value[i] = ((r->required | r->wanted) & may1) | must1;
	if (i == CTL_PROC && refuse_tpr_shadow)
		may1 &= ~CPU_USE_TPR_SHADOW;
	if (i == CTL_PROC && vtpr_choose_controls(&ctl_value[i], must1, may1)) {
		ctl_error = "TPR shadow or CR8-load and CR8-store exiting";
		return -1;
	}
	return 0;
}

int vcpu_check_controls(const char **why)
{
	uint32_t exit_must1, entry_must1, may1;
	int i;

	for (i = 0; i < CTL_COUNT; i++) {
		if (compute_control(i)) {
			*why = ctl_error;
			return -1;
		}
	}
	/*
	 * PAT is switched by all three controls or by none: an entry that
	 * loaded the guest's PAT with no exit to load the host's back would
	 * leave the host running on the guest's memory types (msr.c then
	 * emulates the MSR instead).
	 */
	if (!vcpu_pat_switched()) {
		vcpu_control_caps(VCPU_CTL_EXIT, &exit_must1, &may1);
		vcpu_control_caps(VCPU_CTL_ENTRY, &entry_must1, &may1);
		ctl_value[CTL_EXIT] &= ~(EXIT_SAVE_IA32_PAT | EXIT_LOAD_IA32_PAT) | exit_must1;
		ctl_value[CTL_ENTRY] &= ~ENTRY_LOAD_IA32_PAT | entry_must1;
	}
	return 0;
}

bool vcpu_uses_tpr_shadow(void)
{
	return ctl_value[CTL_PROC] & CPU_USE_TPR_SHADOW;
}

static uint16_t next_vpid = 1;

/* A page of the vCPU's, or NULL; phys_alloc_page() pages come zeroed. */
static void *alloc_page_virt(void)
{
	uint64_t page = phys_alloc_page();

	return page ? phys_to_virt(page) : NULL;
}

static void free_page_virt(void *page)
{
	if (page)
		phys_free(virt_to_phys(page), 1);
}

struct vcpu *vcpu_create(struct vm *vm, uint32_t id)
{
	struct vcpu *v = kzalloc(sizeof(*v));
	uint64_t vmcs;

	if (!v)
		return NULL;
	vmcs = phys_alloc_page();
	v->fpu_area = alloc_page_virt(); /* zeroed: the reset state */
	v->dr[6] = 0xffff0ff0ULL; /* DR6 at reset (SDM Vol. 3, 18.2.3); DR0-DR3 are 0 */
	/* Zeroed too: VTPR 0, the TPR after reset. */
	v->vapic = vcpu_uses_tpr_shadow() ? alloc_page_virt() : NULL;
	if (!vmcs || !v->fpu_area || (vcpu_uses_tpr_shadow() && !v->vapic)) {
		if (vmcs)
			phys_free(vmcs, 1);
		free_page_virt(v->fpu_area);
		free_page_virt(v->vapic);
		kfree(v);
		return NULL;
	}
	*(uint32_t *)phys_to_virt(vmcs) = hv_vmx_caps()->vmcs_revision;
	/* The reset values of FCW and MXCSR, for FXRSTOR and for XRSTOR of SSE state. */
	*(uint16_t *)v->fpu_area = 0x037f;
	*(uint32_t *)((uint8_t *)v->fpu_area + 24) = 0x1f80;
	v->vm = vm;
	v->id = id;
	v->vmcs_phys = vmcs;
	/* Several CPUs may create guests at once. VPID 0 is the host's: skip it when the count wraps. */
	do
		v->vpid = __atomic_fetch_add(&next_vpid, 1, __ATOMIC_RELAXED);
	while (!v->vpid);
	v->host_cpu = -1;
	v->state = id == 0 ? VCPU_RUNNABLE : VCPU_WAIT_SIPI;
	v->xcr0 = 1; /* x87 only, as after reset */
	v->pat = PAT_DEFAULT;
	return v;
}

void vcpu_free(struct vcpu *v)
{
	if (!v)
		return;
	sched_forget_vcpu(v);
	/*
	 * VMCLEAR only where the VMCS is active: here when vm_create gives up,
	 * else its own CPU cleared it when it let go (vcpu_release_here). A
	 * VMCS still active on another CPU is leaked rather than cleared from
	 * the wrong one and freed under that CPU's feet.
	 */
	if (v->vmcs_active) {
		if (v->host_cpu != (int32_t)cpu_index()) {
			log_error("hv: vCPU %u's VMCS is still active on CPU %d: not freed", v->id,
				  v->host_cpu);
			return;
		}
		vmcs_clear(v->vmcs_phys);
	}
	phys_free(v->vmcs_phys, 1);
	free_page_virt(v->fpu_area);
	free_page_virt(v->vapic);
	kfree(v);
}

static uint64_t host_idt_base(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr;

	__asm__ volatile("sidt %0" : "=m"(idtr));
	return idtr.base;
}

/* The host state of the CPU that sets the VMCS up: a vCPU that moves to another CPU needs it again. */
void vcpu_setup_host_state(void)
{
	unsigned cpu = cpu_index();

	vmcs_write64(VMCS_HOST_CR0, read_cr0());
	vmcs_write64(VMCS_HOST_CR3, kpaging_cr3());
	vmcs_write64(VMCS_HOST_CR4, read_cr4());
	vmcs_write16(VMCS_HOST_CS_SELECTOR, GDT_KERNEL_CS);
	vmcs_write16(VMCS_HOST_SS_SELECTOR, GDT_KERNEL_DS);
	vmcs_write16(VMCS_HOST_DS_SELECTOR, GDT_KERNEL_DS);
	vmcs_write16(VMCS_HOST_ES_SELECTOR, GDT_KERNEL_DS);
	vmcs_write16(VMCS_HOST_FS_SELECTOR, 0);
	vmcs_write16(VMCS_HOST_GS_SELECTOR, 0);
	vmcs_write16(VMCS_HOST_TR_SELECTOR, GDT_TSS);
	vmcs_write64(VMCS_HOST_FS_BASE, 0);
	vmcs_write64(VMCS_HOST_GS_BASE, (uint64_t)cpu_local_self()); /* cpu_index() reads through GS */
	vmcs_write64(VMCS_HOST_TR_BASE, tss_base(cpu));
	vmcs_write64(VMCS_HOST_GDTR_BASE, gdt_base(cpu));
	vmcs_write64(VMCS_HOST_IDTR_BASE, host_idt_base());
	vmcs_write32(VMCS_HOST_IA32_SYSENTER_CS, 0);
	vmcs_write64(VMCS_HOST_IA32_SYSENTER_ESP, 0);
	vmcs_write64(VMCS_HOST_IA32_SYSENTER_EIP, 0);
	vmcs_write64(VMCS_HOST_IA32_EFER, rdmsr(MSR_IA32_EFER));
	vmcs_write64(VMCS_HOST_IA32_PAT, rdmsr(MSR_IA32_PAT));
	vmcs_write64(VMCS_HOST_RIP, (uint64_t)vmx_exit_entry);
}

/* Access rights (SDM 24.4.1, table 24-2). */
#define AR_CODE16 0x009bU   /* present, S, code, read, accessed */
#define AR_DATA16 0x0093U   /* present, S, data, write, accessed */
#define AR_CODE32 0xc09bU   /* + G, D/B */
#define AR_DATA32 0xc093U
#define AR_CODE64 0xa09bU   /* + G, L */
#define AR_TSS_BUSY 0x008bU
#define AR_LDT_UNUSABLE 0x10000U

static void set_segment(uint32_t sel_field, uint16_t sel, uint64_t base, uint32_t limit, uint32_t ar)
{
	/* Guest segment fields are laid out at fixed strides from ES (SDM B.1.2, B.3.3, B.4.3). */
	uint32_t idx = (sel_field - VMCS_GUEST_ES_SELECTOR) / 2;

	vmcs_write_raw(sel_field, sel);
	vmcs_write_raw(VMCS_GUEST_ES_BASE + idx * 2, base);
	vmcs_write_raw(VMCS_GUEST_ES_LIMIT + idx * 2, limit);
	vmcs_write_raw(VMCS_GUEST_ES_AR + idx * 2, ar);
}

static const uint32_t data_segments[] = {
	VMCS_GUEST_ES_SELECTOR, VMCS_GUEST_SS_SELECTOR, VMCS_GUEST_DS_SELECTOR,
	VMCS_GUEST_FS_SELECTOR, VMCS_GUEST_GS_SELECTOR,
};

static void setup_guest_state(struct vcpu *v)
{
	const struct vcpu_boot_state *b = &v->boot;
	uint64_t cr0_fixed = rdmsr(MSR_IA32_VMX_CR0_FIXED0) & ~(CR0_PE | CR0_PG);
	uint64_t cr4_fixed = rdmsr(MSR_IA32_VMX_CR4_FIXED0);
	uint64_t cr0, cr4 = 0, efer = 0;
	uint16_t cs = b->code_sel ? b->code_sel : 0x08, ds = b->data_sel ? b->data_sel : 0x10;
	unsigned i;

	switch (b->mode) {
	case BOOT_REAL:
		cr0 = 0x10; /* ET */
		set_segment(VMCS_GUEST_CS_SELECTOR, b->cs_selector, (uint64_t)b->cs_selector << 4,
			    0xffff, AR_CODE16);
		for (i = 0; i < 5; i++)
			set_segment(data_segments[i], 0, 0, 0xffff, AR_DATA16);
		break;
	case BOOT_PROTECTED:
		cr0 = CR0_PE | 0x10;
		set_segment(VMCS_GUEST_CS_SELECTOR, cs, 0, 0xffffffff, AR_CODE32);
		for (i = 0; i < 5; i++)
			set_segment(data_segments[i], ds, 0, 0xffffffff, AR_DATA32);
		break;
	default:
		cr0 = CR0_PE | CR0_PG | CR0_WP | 0x10 | 0x20 | 0x2; /* + ET, NE, MP */
		cr4 = CR4_PAE;
		efer = EFER_LME | EFER_LMA;
		set_segment(VMCS_GUEST_CS_SELECTOR, cs, 0, 0xffffffff, AR_CODE64);
		for (i = 0; i < 5; i++)
			set_segment(data_segments[i], ds, 0, 0xffffffff, AR_DATA32);
		break;
	}
	set_segment(VMCS_GUEST_LDTR_SELECTOR, 0, 0, 0, AR_LDT_UNUSABLE);
	set_segment(VMCS_GUEST_TR_SELECTOR, 0, 0, 0xffff, AR_TSS_BUSY);
	vmcs_write64(VMCS_GUEST_GDTR_BASE, b->gdt_base);
	vmcs_write32(VMCS_GUEST_GDTR_LIMIT, b->gdt_limit ? b->gdt_limit : 0xffff);
	vmcs_write64(VMCS_GUEST_IDTR_BASE, 0);
	vmcs_write32(VMCS_GUEST_IDTR_LIMIT, b->mode == BOOT_REAL ? 0x3ff : 0);

	/*
	 * The guest sees CR0/CR4 as it set them (read shadows); the bits VMX
	 * forces on (CR0.NE, CR4.VMXE) are owned by the hypervisor, so a guest
	 * write that would change them exits and is checked.
	 */
	vmcs_write64(VMCS_GUEST_CR0, cr0 | cr0_fixed);
	vmcs_write64(VMCS_CR0_READ_SHADOW, cr0);
	vmcs_write64(VMCS_CR0_GUEST_HOST_MASK, cr0_fixed);
	vmcs_write64(VMCS_GUEST_CR4, cr4 | cr4_fixed);
	vmcs_write64(VMCS_CR4_READ_SHADOW, cr4);
	vmcs_write64(VMCS_CR4_GUEST_HOST_MASK, cr4_fixed | CR4_VMXE);
	vmcs_write64(VMCS_GUEST_CR3, b->cr3);
	vmcs_write64(VMCS_GUEST_IA32_EFER, efer);
	vmcs_write64(VMCS_GUEST_IA32_PAT, PAT_DEFAULT);
	vmcs_write64(VMCS_GUEST_DR7, 0x400);
	vmcs_write64(VMCS_GUEST_IA32_DEBUGCTL, 0);
	vmcs_write32(VMCS_GUEST_IA32_SYSENTER_CS, 0);
	vmcs_write64(VMCS_GUEST_IA32_SYSENTER_ESP, 0);
	vmcs_write64(VMCS_GUEST_IA32_SYSENTER_EIP, 0);
	vmcs_write32(VMCS_GUEST_INTERRUPTIBILITY, 0);
	vmcs_write32(VMCS_GUEST_ACTIVITY_STATE, 0);
	vmcs_write64(VMCS_GUEST_PENDING_DBG_EXCEPTIONS, 0);
	vmcs_write64(VMCS_LINK_POINTER, ~0ULL);

	v->rip = b->rip;
	v->rsp = b->rsp;
	v->rflags = 0x2;
	v->rip_dirty = v->rsp_dirty = v->rflags_dirty = true;
	v->ctls[VCPU_CTL_ENTRY] = ctl_value[CTL_ENTRY] & ~ENTRY_IA32E_MODE;
	if (b->mode == BOOT_LONG)
		v->ctls[VCPU_CTL_ENTRY] |= ENTRY_IA32E_MODE;
}

static const uint32_t ctl_fields[VCPU_CTL_COUNT] = {
	[VCPU_CTL_PIN] = VMCS_PIN_BASED_CTLS, [VCPU_CTL_PROC] = VMCS_PROC_BASED_CTLS,
	[VCPU_CTL_PROC2] = VMCS_PROC_BASED_CTLS2, [VCPU_CTL_EXIT] = VMCS_EXIT_CTLS,
	[VCPU_CTL_ENTRY] = VMCS_ENTRY_CTLS,
};

_Static_assert((int)VCPU_CTL_PIN == (int)CTL_PIN && (int)VCPU_CTL_PROC == (int)CTL_PROC &&
		       (int)VCPU_CTL_PROC2 == (int)CTL_PROC2 && (int)VCPU_CTL_EXIT == (int)CTL_EXIT &&
		       (int)VCPU_CTL_ENTRY == (int)CTL_ENTRY,
	       "a vCPU's control words start as ctl_value's");

void vcpu_write_controls(struct vcpu *v, enum vcpu_ctl which, uint32_t value)
{
	v->ctls[which] = value;
	vmcs_write_raw(ctl_fields[which], value);
}

void vcpu_request_controls(struct vcpu *v, enum vcpu_ctl which, uint32_t set, uint32_t clear)
{
	vcpu_ctl_change_add(&v->ctl_change[which], set, clear);
	vcpu_request(v, VCPU_REQ_RELOAD_CONTROLS);
}

void vcpu_apply_requested_controls(struct vcpu *v)
{
	unsigned w;

	for (w = 0; w < VCPU_CTL_COUNT; w++) {
		uint32_t value = vcpu_ctl_change_apply(&v->ctl_change[w], v->ctls[w]);

		if (value != v->ctls[w])
			vcpu_write_controls(v, (enum vcpu_ctl)w, value);
		v->ctl_change[w] = (struct vcpu_ctl_change){ 0, 0 };
	}
}

int vcpu_setup_vmcs(struct vcpu *v, const char **why)
{
	const struct vm *vm = v->vm;
	uint64_t errors = vmcs_access_error_count();

	if (vmcs_clear(v->vmcs_phys) || vmcs_load(v->vmcs_phys)) {
		*why = "VMCLEAR/VMPTRLD of a new VMCS failed";
		return -1;
	}
	v->launched = false;
	/* The operator's settings (vm->vmctl) hold from the start and across INIT-SIPI. */
	vcpu_write_controls(v, VCPU_CTL_PIN, vmctl_apply(&vm->vmctl, VMCTL_PIN, ctl_value[CTL_PIN]));
	vcpu_write_controls(v, VCPU_CTL_PROC, vmctl_apply(&vm->vmctl, VMCTL_PROC, ctl_value[CTL_PROC]));
	vcpu_write_controls(v, VCPU_CTL_PROC2, vmctl_apply(&vm->vmctl, VMCTL_PROC2, ctl_value[CTL_PROC2]));
	vcpu_write_controls(v, VCPU_CTL_EXIT, ctl_value[CTL_EXIT]);
	v->wants_interrupt_window = false; /* the processor controls above have it off */
	v->exception_bitmap = vm->vmctl.trap;
	vmcs_write32(VMCS_EXCEPTION_BITMAP, v->exception_bitmap);
	vmcs_write32(VMCS_PF_ERROR_CODE_MASK, 0);
	vmcs_write32(VMCS_PF_ERROR_CODE_MATCH, 0);
	vmcs_write32(VMCS_CR3_TARGET_COUNT, 0);
	vmcs_write32(VMCS_EXIT_MSR_STORE_COUNT, 0);
	vmcs_write32(VMCS_EXIT_MSR_LOAD_COUNT, 0);
	vmcs_write32(VMCS_ENTRY_MSR_LOAD_COUNT, 0);
	vmcs_write32(VMCS_ENTRY_INTR_INFO, 0);
	vmcs_write64(VMCS_IO_BITMAP_A, virt_to_phys(vm->io_bitmap));
	vmcs_write64(VMCS_IO_BITMAP_B, virt_to_phys(vm->io_bitmap) + PAGE_SIZE);
	vmcs_write64(VMCS_MSR_BITMAP, virt_to_phys(vm->msr_bitmap));
	vmcs_write64(VMCS_TSC_OFFSET, v->tsc.offset); /* kept across INIT, as a CPU's TSC is */
	vmcs_write64(VMCS_EPT_POINTER, vm->eptp);
	if (ctl_value[CTL_PROC2] & CPU2_ENABLE_VPID)
		vmcs_write16(VMCS_VPID, v->vpid);
	if (ctl_value[CTL_PROC2] & CPU2_ENABLE_XSAVES)
		vmcs_write64(VMCS_XSS_EXITING_BITMAP, 0);
	if (v->vapic) {
		/* VM entry checks the threshold against VTPR[7:4] (SDM 26.2.1.1): 0 always passes. */
		vmcs_write64(VMCS_VIRTUAL_APIC_ADDR, virt_to_phys(v->vapic));
		vmcs_write32(VMCS_TPR_THRESHOLD, 0);
		v->tpr_threshold = 0;
		vcpu_vtpr_store(v);
	}
	vcpu_setup_host_state();
	v->host_cpu = (int32_t)cpu_index();
	v->vmcs_active = true;
	setup_guest_state(v);
	vcpu_write_controls(v, VCPU_CTL_ENTRY, v->ctls[VCPU_CTL_ENTRY]);
	if (vmcs_access_error_count() != errors) {
		*why = "a VMWRITE failed while setting up the VMCS (see the log)";
		return -1;
	}
	return 0;
}

bool vcpu_pat_switched(void)
{
	return (ctl_value[CTL_EXIT] & (EXIT_SAVE_IA32_PAT | EXIT_LOAD_IA32_PAT)) ==
		       (EXIT_SAVE_IA32_PAT | EXIT_LOAD_IA32_PAT) &&
	       (ctl_value[CTL_ENTRY] & ENTRY_LOAD_IA32_PAT);
}

uint32_t vcpu_proc_controls(void)
{
	return ctl_value[CTL_PROC];
}

uint32_t vcpu_exit_controls(void)
{
	return ctl_value[CTL_EXIT];
}

uint32_t vcpu_pin_controls(void)
{
	return ctl_value[CTL_PIN];
}

uint32_t vcpu_proc2_controls(void)
{
	return ctl_value[CTL_PROC2];
}
