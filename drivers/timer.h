/*
 * The TSC as the hypervisor's clock: calibrated once at boot against a
 * timer of known frequency, then read without I/O. Assumes an invariant TSC
 * that is in step on all CPUs (true of every VT-x part with EPT we target).
 *
 * Kernel only. timer_calibrate runs once on the BSP with interrupts off,
 * before the APs start; the readers may be called anywhere afterwards.
 */
#ifndef DRIVERS_TIMER_H
#define DRIVERS_TIMER_H

#include <stdint.h>

struct acpi_info;

/*
 * Measures the TSC frequency over about 10 ms: against the ACPI PM timer
 * when acpi (may be NULL) gives one, else against PIT channel 2, else from
 * CPUID leaves 0x15/0x16, else assumes a default. Every wait is bounded, and
 * the result and the method are logged. The time since boot counts from here.
 */
void timer_calibrate(const struct acpi_info *acpi);

/* TSC ticks per second; 0 before timer_calibrate. */
uint64_t timer_tsc_hz(void);

/* Nanoseconds since timer_calibrate; 0 before it. */
uint64_t timer_ns_since_boot(void);

/* Busy-waits at least us microseconds (before calibration: an assumed, high frequency). */
void timer_udelay(uint64_t us);

#endif
