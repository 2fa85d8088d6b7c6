/*
 * Guest MSR policy and the RDMSR/WRMSR exits (SDM Vol. 3, 24.6.9 for the
 * bitmap layout; Vol. 4 for the MSRs). Runs in VMX root with the vCPU's
 * VMCS current.
 */
#include "vmm/exit/msr.h"

#include "arch/x86/cpu.h"
#include "lib/log.h"
#include "lib/string.h"
#include "vmm/exit/exit.h"
#include "vmm/core/vm.h"
#include "vmm/core/msr_pat.h"
#include "vmm/core/vcpu_setup.h"

#define MSR_IA32_TSC 0x010U
#define MSR_IA32_TSC_ADJUST 0x03bU
#define MSR_IA32_SPEC_CTRL 0x048U
#define MSR_IA32_PRED_CMD 0x049U
#define MSR_IA32_FLUSH_CMD 0x10bU
#define MSR_IA32_PLATFORM_ID 0x017U
#define MSR_IA32_BIOS_SIGN_ID 0x08bU
#define MSR_IA32_SYSENTER_CS 0x174U
#define MSR_IA32_SYSENTER_ESP 0x175U
#define MSR_IA32_SYSENTER_EIP 0x176U
#define MSR_IA32_MISC_ENABLE 0x1a0U
#define MSR_IA32_TSC_DEADLINE 0x6e0U
#define MSR_STAR 0xc0000081U
#define MSR_LSTAR 0xc0000082U
#define MSR_CSTAR 0xc0000083U
#define MSR_SFMASK 0xc0000084U
#define MSR_FS_BASE 0xc0000100U
#define MSR_GS_BASE 0xc0000101U
#define MSR_KERNEL_GS_BASE 0xc0000102U
#define MSR_TSC_AUX 0xc0000103U

/* MISC_ENABLE as guests expect it: fast strings on, BTS and PEBS unavailable. */
#define MISC_ENABLE_VALUE ((1ULL << 0) | (1ULL << 11) | (1ULL << 12))
#define EFER_WRITABLE (EFER_SCE | EFER_LME | EFER_NXE)

/*
 * IA32_PAT is passed through only where the VMCS switches it
 * (vcpu_pat_switched()); IA32_SPEC_CTRL is switched by hand around every
 * entry and exit (msr_enter_guest, msr_exit_guest).
 */
static const uint32_t passthrough[] = {
	MSR_IA32_SPEC_CTRL, MSR_IA32_PRED_CMD, MSR_IA32_FLUSH_CMD, MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP,
	MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE, MSR_STAR, MSR_LSTAR, MSR_CSTAR,
	MSR_SFMASK, MSR_TSC_AUX,
};

/*
 * Not switched by VMX itself and not used by the hypervisor, so switched
 * by hand only between vCPUs.
 */
static const uint32_t switched[MSR_SWITCHED_COUNT] = {
	MSR_KERNEL_GS_BASE, MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SFMASK, MSR_TSC_AUX,
};

_Static_assert(MSR_SWITCHED_COUNT == sizeof(((struct vcpu *)0)->guest_msrs) / sizeof(uint64_t),
	       "struct vcpu keeps one slot per switched MSR");

static void bitmap_clear(uint8_t *bitmap, uint32_t msr, bool write)
{
	uint32_t base = write ? 2048 : 0;

	if (msr >= 0xc0000000U) {
		base += 1024;
		msr -= 0xc0000000U;
	}
	bitmap[base + msr / 8] &= (uint8_t)~(1U << (msr % 8));
}

void msr_bitmap_init(uint8_t *bitmap)
{
	unsigned i;

	memset(bitmap, 0xff, 4096);
	for (i = 0; i < sizeof(passthrough) / sizeof(passthrough[0]); i++) {
		bitmap_clear(bitmap, passthrough[i], false);
		bitmap_clear(bitmap, passthrough[i], true);
	}
	/* Reads of the TSC honour the TSC offset without an exit. */
	bitmap_clear(bitmap, MSR_IA32_TSC, false);
	/* Where the VMCS loads and saves it, the guest's PAT never reaches the host. */
	if (vcpu_pat_switched()) {
		bitmap_clear(bitmap, MSR_IA32_PAT, false);
		bitmap_clear(bitmap, MSR_IA32_PAT, true);
	}
}

/* Which of the switched MSRs this CPU has: touching one it lacks is a #GP in the host. */
static bool switched_present[MSR_SWITCHED_COUNT];
static bool spec_ctrl_present;
static uint64_t host_spec_ctrl; /* what the hypervisor runs with (as the firmware left it) */

void msr_init_host(void)
{
	bool rdtscp = cpuid(0x80000000U, 0).eax >= 0x80000001U &&
		      (cpuid(0x80000001U, 0).edx & (1U << 27));
	uint32_t leaf7_edx = cpuid(0, 0).eax >= 7 ? cpuid(7, 0).edx : 0;
	unsigned i;

	for (i = 0; i < MSR_SWITCHED_COUNT; i++) {
		switch (switched[i]) {
		case MSR_TSC_AUX:
			switched_present[i] = rdtscp;
			break;
		default:
			switched_present[i] = true; /* long mode's syscall and GS MSRs */
			break;
		}
	}
	/* IBRS, STIBP or SSBD: any of them means SPEC_CTRL exists. */
	spec_ctrl_present = leaf7_edx & ((1U << 26) | (1U << 27) | (1U << 31));
	if (spec_ctrl_present)
		host_spec_ctrl = rdmsr(MSR_IA32_SPEC_CTRL);
}

/*
 * The guest writes SPEC_CTRL without exiting, so its value is read back on
 * every exit and the host's put in its place; the MSR is written only when
 * the two differ (a guest that never sets it costs one RDMSR an exit).
 */
void msr_enter_guest(struct vcpu *v)
{
	if (spec_ctrl_present && v->spec_ctrl != host_spec_ctrl)
		wrmsr(MSR_IA32_SPEC_CTRL, v->spec_ctrl);
}

void msr_exit_guest(struct vcpu *v)
{
	if (!spec_ctrl_present)
		return;
	v->spec_ctrl = rdmsr(MSR_IA32_SPEC_CTRL);
	if (v->spec_ctrl != host_spec_ctrl)
		wrmsr(MSR_IA32_SPEC_CTRL, host_spec_ctrl);
}

void msr_save_guest(uint64_t *saved)
{
	unsigned i;

	for (i = 0; i < MSR_SWITCHED_COUNT; i++)
		if (switched_present[i])
			saved[i] = rdmsr(switched[i]);
}

void msr_load_guest(const uint64_t *saved)
{
	unsigned i;

	for (i = 0; i < MSR_SWITCHED_COUNT; i++)
		if (switched_present[i])
			wrmsr(switched[i], saved[i]);
}

static void set_edx_eax(struct vcpu *v, uint64_t value)
{
	v->regs.rax = (uint32_t)value;
	v->regs.rdx = value >> 32;
}

int handle_rdmsr(struct vcpu *v)
{
	uint32_t msr = (uint32_t)v->regs.rcx;
	uint64_t value;

	switch (msr) {
	case MSR_IA32_EFER:
		value = vmcs_read64(VMCS_GUEST_IA32_EFER);
		break;
	case MSR_IA32_MISC_ENABLE:
		value = MISC_ENABLE_VALUE;
		break;
	case MSR_IA32_TSC_ADJUST:
		value = v->tsc.adjust;
		break;
	case MSR_IA32_TSC_DEADLINE:
		value = lapic_read_tsc_deadline(&v->lapic);
		break;
	case MSR_IA32_PLATFORM_ID:
	case MSR_IA32_BIOS_SIGN_ID:
		value = 0;
		break;
	case MSR_IA32_APIC_BASE:
		value = v->lapic.apic_base;
		break;
	case MSR_IA32_PAT: /* exits only where the VMCS cannot switch it */
		value = v->pat;
		break;
	default:
		log_debug("guest %s: RDMSR 0x%x: not virtualized, #GP", v->vm->name, msr);
		vcpu_inject_gp(v);
		return EXIT_RESUME;
	}
	set_edx_eax(v, value);
	vcpu_skip_insn(v);
	return EXIT_RESUME;
}

int handle_wrmsr(struct vcpu *v)
{
	uint32_t msr = (uint32_t)v->regs.rcx;
	uint64_t value = (v->regs.rdx << 32) | (uint32_t)v->regs.rax;
	uint64_t efer, cr0;

	switch (msr) {
	case MSR_IA32_EFER:
		efer = vmcs_read64(VMCS_GUEST_IA32_EFER);
		cr0 = vmcs_read64(VMCS_GUEST_CR0);
		/* Reserved bits, or LME changed while paging is on: #GP (SDM Vol. 3, 2.2.1). */
		if ((value & ~(EFER_WRITABLE | EFER_LMA)) ||
		    ((cr0 & CR0_PG) && ((value ^ efer) & EFER_LME))) {
			vcpu_inject_gp(v);
			return EXIT_RESUME;
		}
		/* LMA is the CPU's to set: keep it. */
		vmcs_write64(VMCS_GUEST_IA32_EFER, (value & EFER_WRITABLE) | (efer & EFER_LMA));
		break;
	case MSR_IA32_TSC:
		/* SDM 17.17.3: a write to the TSC moves TSC_ADJUST by the same amount. */
		guest_tsc_write(&v->tsc, rdtsc(), value);
		vmcs_write64(VMCS_TSC_OFFSET, v->tsc.offset);
		v->vm->timers_dirty = true; /* an armed deadline is now nearer or farther */
		break;
	case MSR_IA32_TSC_DEADLINE:
		lapic_write_tsc_deadline(&v->lapic, value, guest_tsc_now(&v->tsc, rdtsc()));
		v->vm->timers_dirty = true;
		break;
	case MSR_IA32_TSC_ADJUST:
		/* ... and a write to TSC_ADJUST moves the TSC. */
		guest_tsc_write_adjust(&v->tsc, value);
		vmcs_write64(VMCS_TSC_OFFSET, v->tsc.offset);
		v->vm->timers_dirty = true;
		break;
	case MSR_IA32_APIC_BASE:
		/* The LAPIC stays at 0xFEE00000 in xAPIC mode: only the global enable may change. */
		if ((value & ~(LAPIC_BASE_ENABLE | LAPIC_BASE_BSP)) != LAPIC_MMIO_BASE ||
		    (value & LAPIC_BASE_BSP) != (v->lapic.apic_base & LAPIC_BASE_BSP)) {
			vcpu_inject_gp(v);
			return EXIT_RESUME;
		}
		v->lapic.apic_base = value;
		break;
	case MSR_IA32_PAT:
		/* Emulated: kept for the guest to read back, never loaded into the host's PAT. */
		if (!pat_valid(value)) {
			vcpu_inject_gp(v);
			return EXIT_RESUME;
		}
		v->pat = value;
		break;
	case MSR_IA32_MISC_ENABLE:
	case MSR_IA32_BIOS_SIGN_ID:
		break; /* accepted and ignored, as KVM does */
	default:
		log_debug("guest %s: WRMSR 0x%x <- 0x%llx: not virtualized, #GP", v->vm->name, msr,
			  (unsigned long long)value);
		vcpu_inject_gp(v);
		return EXIT_RESUME;
	}
	vcpu_skip_insn(v);
	return EXIT_RESUME;
}
