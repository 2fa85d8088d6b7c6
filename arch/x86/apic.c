/*
 * Local APIC access in xAPIC (MMIO) or x2APIC (MSR) mode, SDM Vol. 3,
 * 10.4-10.6 and 10.12. The mode and the MMIO address are the boot CPU's,
 * read once by apic_probe; APs are brought into the same mode. Runs with
 * interrupts off, so nothing interrupts the two-part xAPIC ICR write.
 */
#include "arch/x86/apic.h"

#include "arch/x86/cpu.h"

#define APIC_BASE_EXTD (1ULL << 10) /* x2APIC mode */
#define APIC_BASE_EN (1ULL << 11)
#define APIC_BASE_ADDR_MASK 0x000ffffffffff000ULL

/* Register offsets in the xAPIC page; the x2APIC MSR is 0x800 + offset / 16. */
#define REG_ID 0x020U
#define REG_TPR 0x080U
#define REG_EOI 0x0b0U
#define REG_SVR 0x0f0U
#define REG_ICR_LOW 0x300U
#define REG_ICR_HIGH 0x310U
#define X2APIC_MSR(reg) (0x800U + ((reg) >> 4))

#define SVR_ENABLE (1U << 8)
#define ICR_PENDING (1U << 12) /* xAPIC delivery status: not yet accepted */
#define ICR_SPINS 1000000      /* a stuck APIC must not hang the CPU */

static bool x2apic;
static uint64_t mmio_phys;

static uint32_t reg_read(uint32_t reg)
{
	if (x2apic)
		return (uint32_t)rdmsr(X2APIC_MSR(reg));
	/* RAM and the APIC page are identity-mapped; the caller mapped this page uncached. */
	return *(volatile uint32_t *)(uintptr_t)(mmio_phys + reg);
}

static void reg_write(uint32_t reg, uint32_t v)
{
	if (x2apic)
		wrmsr(X2APIC_MSR(reg), v);
	else
		*(volatile uint32_t *)(uintptr_t)(mmio_phys + reg) = v;
}

int apic_probe(const char **why)
{
	uint64_t base = rdmsr(MSR_IA32_APIC_BASE);

	if (!(base & APIC_BASE_EN)) {
		*why = "the boot CPU's local APIC is disabled (IA32_APIC_BASE)";
		return -1;
	}
	x2apic = base & APIC_BASE_EXTD;
	mmio_phys = base & APIC_BASE_ADDR_MASK;
	return 0;
}

bool apic_x2apic(void)
{
	return x2apic;
}

uint64_t apic_mmio_phys(void)
{
	return mmio_phys;
}

/* An AP after INIT keeps the APIC mode the firmware gave it: make it the boot CPU's (SDM 10.12.5). */
static int match_boot_cpu_mode(const char **why)
{
	uint64_t base = rdmsr(MSR_IA32_APIC_BASE);

	if (!x2apic && (base & APIC_BASE_ADDR_MASK) != mmio_phys) {
		*why = "its local APIC is not at the boot CPU's address";
		return -1;
	}
	if (x2apic && !(base & APIC_BASE_EXTD)) {
		/* Disabled to x2APIC is only allowed through xAPIC. */
		if (!(base & APIC_BASE_EN))
			wrmsr(MSR_IA32_APIC_BASE, base | APIC_BASE_EN);
		wrmsr(MSR_IA32_APIC_BASE, base | APIC_BASE_EN | APIC_BASE_EXTD);
	} else if (!x2apic && (base & APIC_BASE_EXTD)) {
		/* x2APIC to xAPIC is only allowed through the disabled state. */
		wrmsr(MSR_IA32_APIC_BASE, base & ~(APIC_BASE_EN | APIC_BASE_EXTD));
		wrmsr(MSR_IA32_APIC_BASE, (base & ~APIC_BASE_EXTD) | APIC_BASE_EN);
	} else if (!(base & APIC_BASE_EN)) {
		wrmsr(MSR_IA32_APIC_BASE, base | APIC_BASE_EN);
	}
	return 0;
}

int apic_init_cpu(const char **why)
{
	if (match_boot_cpu_mode(why))
		return -1;
	reg_write(REG_TPR, 0);
	reg_write(REG_SVR, (reg_read(REG_SVR) & ~0xffU) | SVR_ENABLE | APIC_SPURIOUS_VECTOR);
	return 0;
}

uint32_t apic_id(void)
{
	uint32_t id = reg_read(REG_ID);

	return x2apic ? id : id >> 24;
}

void apic_eoi(void)
{
	if (x2apic || mmio_phys) /* nothing to acknowledge before apic_probe */
		reg_write(REG_EOI, 0);
}

static void wait_icr_idle(void)
{
	int spins = ICR_SPINS;

	while ((reg_read(REG_ICR_LOW) & ICR_PENDING) && --spins)
		cpu_pause();
}

void apic_send_ipi(uint32_t apic_id, uint32_t icr)
{
	if (x2apic) {
		/* WRMSR to the ICR is not serializing: make earlier stores visible to the target first. */
		__asm__ volatile("mfence; lfence" ::: "memory");
		wrmsr(X2APIC_MSR(REG_ICR_LOW), ((uint64_t)apic_id << 32) | icr);
		return;
	}
	wait_icr_idle();
	reg_write(REG_ICR_HIGH, apic_id << 24);
	reg_write(REG_ICR_LOW, icr);
	wait_icr_idle();
}

#define REG_LVT_TIMER 0x320U
#define LVT_TIMER_TSC_DEADLINE (2U << 17)
#define MSR_IA32_TSC_DEADLINE 0x6e0U
#define CPUID1_ECX_TSC_DEADLINE (1U << 24)

bool apic_has_tsc_deadline(void)
{
	return (cpuid(1, 0).ecx & CPUID1_ECX_TSC_DEADLINE) != 0;
}

void apic_timer_deadline(uint64_t tsc, uint8_t vector)
{
	reg_write(REG_LVT_TIMER, LVT_TIMER_TSC_DEADLINE | vector);
	/* SDM 10.5.4.1: the MSR write must not pass the LVT write. */
	__asm__ volatile("mfence" ::: "memory");
	wrmsr(MSR_IA32_TSC_DEADLINE, tsc ? tsc : 1);
}

void apic_timer_cancel(void)
{
	wrmsr(MSR_IA32_TSC_DEADLINE, 0);
}
