/*
 * Starting the APs (SDM Vol. 3, 8.4.4: INIT, 10 ms, SIPI, 200 us, SIPI),
 * per-CPU data through GS, and IPIs. smp_start_aps runs once on the boot
 * CPU; ap_entry on each AP as it arrives; interrupts are off throughout.
 *
 * Starting a CPU needs frames below 1 MiB, the kernel's page tables and
 * the calibrated TSC, so this file sits on mm/ and drivers/ (ACPI's MADT
 * says which CPUs exist).
 *
 * An AP brings itself up under start_lock, one at a time, and takes the
 * next CPU index only once nothing can fail any more: online CPUs are
 * numbered 0..smp_cpu_count()-1 without holes even if one AP is refused.
 */
#include "arch/x86/smp.h"

#include <stdbool.h>

#include "arch/x86/ap_boot.h"
#include "arch/x86/cpu.h"
#include "arch/x86/fpu.h"
#include "arch/x86/gdt.h"
#include "arch/x86/idt.h"
#include "arch/x86/apic.h"
#include "arch/x86/vmx.h"
#include "arch/x86/vmx_detect.h"
#include "drivers/acpi.h"
#include "drivers/timer.h"
#include "lib/log.h"
#include "lib/spinlock.h"
#include "mm/kpaging.h"
#include "mm/phys.h"

#define INIT_DELAY_US 10000
#define SIPI_DELAY_US 200
/* From the last SIPI until the AP has checked in: microseconds on hardware, far less than this. */
#define CHECKIN_TIMEOUT_US 100000
#define XAPIC_MAX_ID 0xfeU /* 0xff is the xAPIC broadcast ID */

static struct cpu_local cpus[HV_MAX_CPUS];
static unsigned online = 1;
static bool apic_ready;

static spinlock_t start_lock = SPINLOCK_INIT;
static unsigned next_index = 1; /* under start_lock */
static bool closed;             /* under start_lock: the boot CPU has counted */
static uint32_t reported;       /* APs that got through ap_entry, online or refused */
static bool vmx_required;
static uint32_t vmx_revision;

static void load_cpu_local(unsigned idx)
{
	cpus[idx].self = &cpus[idx];
	cpus[idx].index = idx;
	wrmsr(MSR_IA32_GS_BASE, (uint64_t)&cpus[idx]);
}

/* This CPU's initial APIC ID from CPUID, valid before its APIC is set up (SDM Vol. 2, CPUID leaves 01H and 0BH). */
static uint32_t cpuid_apic_id(void)
{
	if (cpuid(0, 0).eax >= 0xb && cpuid(0xb, 0).ebx)
		return cpuid(0xb, 0).edx;
	return cpuid(1, 0).ebx >> 24;
}

void smp_init_boot_cpu(void)
{
	load_cpu_local(0);
	cpus[0].apic_id = cpuid_apic_id();
}

void smp_require_vmx(uint32_t vmcs_revision)
{
	vmx_revision = vmcs_revision;
	vmx_required = true;
}

unsigned smp_cpu_count(void)
{
	return online;
}

uint32_t smp_apic_id(unsigned cpu)
{
	return cpu < online ? cpus[cpu].apic_id : 0;
}

void smp_send_ipi(unsigned cpu, uint8_t vector)
{
	if (apic_ready && cpu < online)
		apic_send_ipi(cpus[cpu].apic_id, APIC_ICR_FIXED | vector);
}

static void ipi_interrupt(struct trap_frame *frame)
{
	apic_eoi();
}

static void spurious_interrupt(struct trap_frame *frame)
{
	/* A spurious interrupt sets no ISR bit, so it takes no EOI (SDM 10.9). */
}

__attribute__((weak)) void ap_main(unsigned cpu)
{
	for (;;)
		cpu_wait_for_interrupt();
}

/* --------------------------------------------------------------- on the AP --- */

/* The AP's APIC, FPU and VMX: everything that may refuse it. 0 ok, -1 with *why. */
static int ap_prepare(const char **why)
{
	struct vmx_caps caps;
	uint64_t vmxon;

	if (apic_init_cpu(why))
		return -1;
	fpu_init_cpu();
	if (!vmx_required)
		return 0;
	vmx_detect(&caps);
	if (!caps.usable) {
		*why = caps.reason;
		return -1;
	}
	if (caps.vmcs_revision != vmx_revision) {
		*why = "its VMCS revision differs from the boot CPU's";
		return -1;
	}
	vmxon = phys_alloc_page();
	if (!vmxon) {
		*why = "out of memory for its VMXON region";
		return -1;
	}
	if (vmx_on(vmx_revision, vmxon, why)) {
		phys_free(vmxon, 1);
		return -1;
	}
	return 0;
}

void ap_entry(void)
{
	const char *why;
	unsigned idx;

	idt_init_cpu(); /* faults are reported from here on: the trampoline's selectors match the kernel's */
	spin_lock(&start_lock);
	if (closed) { /* the boot CPU stopped waiting for us */
		spin_unlock(&start_lock);
		cpu_halt_forever();
	}
	idx = next_index;
	load_cpu_local(idx); /* for an exception report; the index is ours only if we succeed */
	if (ap_prepare(&why)) {
		spin_unlock(&start_lock);
		log_warn("hv: CPU with APIC id %u left offline: %s", cpuid_apic_id(), why);
		__atomic_add_fetch(&reported, 1, __ATOMIC_RELEASE);
		cpu_halt_forever();
	}
	gdt_init_cpu(idx);
	load_cpu_local(idx); /* loading GS in gdt_init_cpu cleared its base */
	cpus[idx].apic_id = apic_id();
	next_index = idx + 1;
	spin_unlock(&start_lock);

	log_info("hv: CPU %u online (APIC id %u)", idx, cpus[idx].apic_id);
	__atomic_add_fetch(&reported, 1, __ATOMIC_RELEASE);
	ap_main(idx);
	cpu_halt_forever();
}

/* ---------------------------------------------------------- on the boot CPU --- */

static bool wait_reported(uint32_t target, uint64_t timeout_us)
{
	uint64_t deadline = timer_ns_since_boot() + timeout_us * 1000;

	while (__atomic_load_n(&reported, __ATOMIC_ACQUIRE) < target) {
		if (timer_ns_since_boot() > deadline)
			return false;
		cpu_pause();
	}
	return true;
}

static void init_sipi_sipi(uint32_t apic_id, uint32_t shorthand, uint8_t vector)
{
	apic_send_ipi(apic_id, APIC_ICR_INIT | APIC_ICR_ASSERT | shorthand);
	timer_udelay(INIT_DELAY_US);
	apic_send_ipi(apic_id, APIC_ICR_STARTUP | APIC_ICR_ASSERT | shorthand | vector);
	timer_udelay(SIPI_DELAY_US);
	/* Ignored by an AP the first one started: it is no longer waiting for a SIPI. */
	apic_send_ipi(apic_id, APIC_ICR_STARTUP | APIC_ICR_ASSERT | shorthand | vector);
}

/* One INIT-SIPI-SIPI per processor the MADT lists, waiting for each to check in. */
static void start_listed(const struct acpi_info *acpi, uint8_t vector, unsigned stacks)
{
	unsigned started = 0;
	uint32_t i;

	for (i = 0; i < acpi->cpu_count; i++) {
		uint32_t id = acpi->lapic_ids[i], before;

		if (id == cpus[0].apic_id)
			continue;
		if (started == stacks) {
			log_warn("smp: the MADT lists %u CPUs; starting %u of them (HV_MAX_CPUS is %u)",
				 acpi->cpu_count, started + 1, HV_MAX_CPUS);
			return;
		}
		if (!apic_x2apic() && id > XAPIC_MAX_ID) {
			log_warn("smp: CPU with APIC id %u needs x2APIC mode; not started", id);
			continue;
		}
		before = __atomic_load_n(&reported, __ATOMIC_ACQUIRE);
		init_sipi_sipi(id, 0, vector);
		started++;
		if (!wait_reported(before + 1, CHECKIN_TIMEOUT_US))
			log_warn("smp: CPU with APIC id %u did not check in", id);
	}
}

/*
 * Without a MADT nobody says which CPUs exist: wake all but ourselves at
 * once and count who checks in.
 */
static void start_broadcast(uint8_t vector, unsigned stacks)
{
	log_info("smp: no ACPI MADT: broadcast INIT-SIPI-SIPI to every other CPU");
	init_sipi_sipi(0, APIC_ICR_ALL_BUT_SELF, vector);
	wait_reported(stacks, CHECKIN_TIMEOUT_US);
}

static int boot_cpu_apic(const char **why)
{
	if (apic_probe(why))
		return -1;
	if (!apic_x2apic() && kpaging_remap(apic_mmio_phys(), 1, KPAGING_MMIO)) {
		*why = "out of memory for page tables";
		return -1;
	}
	if (apic_init_cpu(why))
		return -1;
	cpus[0].apic_id = apic_id();
	apic_ready = true;
	idt_set_handler(SMP_IPI_VECTOR, ipi_interrupt);
	idt_set_handler(APIC_SPURIOUS_VECTOR, spurious_interrupt);
	return 0;
}

unsigned smp_start_aps(const struct acpi_info *acpi)
{
	bool madt = acpi && acpi->has_madt;
	uint32_t taken, parked;
	const char *why;
	unsigned stacks;
	uint8_t vector;

	if (boot_cpu_apic(&why)) {
		log_warn("smp: not starting other CPUs: %s", why);
		return online;
	}
	if (madt && acpi->cpu_count <= 1)
		return online;
	stacks = madt ? acpi->cpu_count - 1 : HV_MAX_CPUS - 1;
	vector = ap_boot_prepare(&stacks, &why);
	if (!vector) {
		log_warn("smp: not starting other CPUs: %s", why);
		return online;
	}
	if (madt)
		start_listed(acpi, vector, stacks);
	else
		start_broadcast(vector, stacks);

	taken = ap_boot_close(&parked);
	if (!wait_reported(taken, CHECKIN_TIMEOUT_US))
		log_warn("smp: %u CPUs woke up but did not check in",
			 taken - __atomic_load_n(&reported, __ATOMIC_ACQUIRE));
	spin_lock(&start_lock);
	closed = true;
	online = next_index;
	spin_unlock(&start_lock);
	ap_boot_free_unused(taken);
	if (parked)
		log_warn("smp: %u more CPUs left parked: the hypervisor runs at most %u", parked,
			 HV_MAX_CPUS);
	return online;
}
