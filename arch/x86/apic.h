/*
 * The host's local APIC (SDM Vol. 3, chapter 10): this CPU's APIC ID, EOI,
 * and inter-processor interrupts, through the xAPIC's MMIO page or the
 * x2APIC's MSRs, whichever mode the firmware left the boot CPU in. Every
 * CPU is kept in the boot CPU's mode.
 *
 * Runs in VMX root with interrupts off; each CPU reaches only its own APIC.
 */
#ifndef ARCH_X86_APIC_H
#define ARCH_X86_APIC_H

#include <stdbool.h>
#include <stdint.h>

#define APIC_SPURIOUS_VECTOR 0xffU

/* ICR fields (SDM 10.6.1): delivery mode, level, destination shorthand. */
#define APIC_ICR_FIXED 0x000U
#define APIC_ICR_INIT 0x500U
#define APIC_ICR_STARTUP 0x600U
#define APIC_ICR_ASSERT (1U << 14)
#define APIC_ICR_ALL_BUT_SELF (3U << 18)

/*
 * On the boot CPU, before any other call: reads IA32_APIC_BASE. 0 ok; -1
 * with *why if the APIC is disabled. The caller maps apic_mmio_phys()
 * uncached first when !apic_x2apic().
 */
int apic_probe(const char **why);
bool apic_x2apic(void);
uint64_t apic_mmio_phys(void);

/*
 * Software-enables this CPU's APIC (spurious vector APIC_SPURIOUS_VECTOR,
 * TPR 0) so that it accepts fixed IPIs; on an AP, first switches it to
 * x2APIC mode if the boot CPU is in it. 0 ok; -1 with *why.
 */
int apic_init_cpu(const char **why);

uint32_t apic_id(void);
void apic_eoi(void);

/*
 * Sends an IPI: `icr` is delivery mode | vector | APIC_ICR_* flags, to
 * `apic_id` (ignored with a shorthand). Returns once this APIC has sent it
 * (xAPIC delivery status), or after a bounded wait.
 */
void apic_send_ipi(uint32_t apic_id, uint32_t icr);

/* Whether this CPU's APIC timer has TSC-deadline mode (CPUID.1:ECX[24]). */
bool apic_has_tsc_deadline(void);
/* One interrupt with `vector` when the TSC reaches tsc (at once if it has). */
void apic_timer_deadline(uint64_t tsc, uint8_t vector);
void apic_timer_cancel(void);

#endif
