/*
 * The host's CPUs: starting the application processors (APs) with the
 * SDM's INIT-SIPI-SIPI sequence (Vol. 3, 8.4.4), this CPU's dense index,
 * and IPIs between CPUs.
 *
 * CPU 0 is the boot CPU; APs get 1, 2, ... in the order they arrive, up to
 * HV_MAX_CPUS. Each CPU's IA32_GS_BASE points at its struct cpu_local, so
 * cpu_index() is one load: the VMCS host state must carry the same GS base
 * (vmm/core/vcpu_setup.c takes it from cpu_local_self()).
 */
#ifndef ARCH_X86_SMP_H
#define ARCH_X86_SMP_H

#include <stddef.h>
#include <stdint.h>

struct acpi_info;

/* Host IDT vector of smp_send_ipi's wake-up/kick IPI: its handler only EOIs. */
#define SMP_IPI_VECTOR 0xf0U

/* Per-CPU data, reached through GS. */
struct cpu_local {
	struct cpu_local *self; /* %gs:0, so that a pointer costs one load too */
	uint32_t index;
	uint32_t apic_id;
	uint64_t vmcs_access_errors; /* failed VMREAD/VMWRITEs on this CPU (arch/x86/vmx.c) */
};
_Static_assert(offsetof(struct cpu_local, self) == 0, "cpu_local_self reads %gs:0");
_Static_assert(offsetof(struct cpu_local, index) == 8, "cpu_index reads %gs:8");

static inline unsigned cpu_index(void)
{
	uint32_t i;

	__asm__("movl %%gs:8, %0" : "=r"(i));
	return i;
}

static inline struct cpu_local *cpu_local_self(void)
{
	struct cpu_local *p;

	__asm__("movq %%gs:0, %0" : "=r"(p));
	return p;
}

/* On the boot CPU right after gdt_init_cpu(0) (which clears GS): makes it CPU 0. */
void smp_init_boot_cpu(void);

/*
 * APs started afterwards enter VMX operation (VMXON with this VMCS
 * revision) before they count as online; an AP that cannot is parked.
 * Without this call APs come online without VMX (a machine without VT-x).
 */
void smp_require_vmx(uint32_t vmcs_revision);

/*
 * On the boot CPU, once: starts every AP and returns the number of CPUs
 * online, the boot CPU included. With a MADT (acpi->cpu_count > 1) each
 * listed APIC ID gets its own INIT-SIPI-SIPI; without one (OVMF under
 * Bochs installs no ACPI tables) a broadcast INIT-SIPI-SIPI to all but
 * self, and whoever checks in within 100 ms counts. Needs the frame
 * allocator, the kernel's page tables and the calibrated TSC.
 */
unsigned smp_start_aps(const struct acpi_info *acpi);

unsigned smp_cpu_count(void);
uint32_t smp_apic_id(unsigned cpu); /* 0 for a CPU that is not online */

/* A fixed IPI with `vector` to CPU `cpu` (ignored unless it is online): wakes it from HLT, or out of a guest. */
void smp_send_ipi(unsigned cpu, uint8_t vector);

/*
 * What an AP runs once it is online, with interrupts off. The default
 * (weak) idles in `sti; hlt; cli`, so that an IPI wakes it; the scheduler
 * provides the real one.
 */
void ap_main(unsigned cpu);

#endif
