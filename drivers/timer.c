/*
 * TSC calibration and time keeping (interface in drivers/timer.h).
 *
 * Runs in VMX root; calibration on the BSP at boot with interrupts off.
 * Under Bochs with `clock: sync=none`, emulated time advances with executed
 * instructions, so every wait here is bounded by a count of loop iterations
 * as well as by time: a timer that never ticks costs a bounded number of
 * instructions and a logged fallback, never a hang.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/x86/cpu.h"
#include "drivers/acpi.h"
#include "drivers/timer.h"
#include "lib/log.h"

#define CALIBRATE_MS 10U

/* ACPI PM timer: 3.579545 MHz (ACPI 6.5 4.8.3.3), 24 bits unless TMR_VAL_EXT. */
#define PM_TIMER_HZ 3579545ULL

/* 8254 PIT input clock, and the PC's port 0x61 wiring of channel 2. */
#define PIT_HZ 1193182ULL
#define PIT_CH2_DATA 0x42U
#define PIT_MODE 0x43U
#define PIT_MODE_CH2_LOHI_MODE0 0xb0U /* channel 2, lobyte/hibyte, mode 0, binary */
#define PORT_61 0x61U
#define PORT_61_GATE2 0x01U   /* channel 2 gate */
#define PORT_61_SPEAKER 0x02U /* speaker data enable: keep it off */
#define PORT_61_OUT2 0x20U    /* channel 2 output, read-only */

/*
 * Loop bounds. A PM timer read takes about 1 us on hardware and a few
 * instructions under Bochs; the timer ticks every 279 ns (Bochs: every 1 us
 * of emulated time). 100k reads of one value therefore mean it is stuck,
 * and 5M reads bound the whole 10 ms window at a few seconds of hardware
 * time or a few tens of millions of emulated instructions.
 */
#define STUCK_READS 100000U
#define MAX_READS 5000000U

/*
 * Plausible TSC rates. Above the maximum, the nanosecond conversion
 * ((delta % hz) * 1e9) could overflow 64 bits.
 */
#define TSC_HZ_MIN 1000000ULL
#define TSC_HZ_MAX 18000000000ULL

/* Used when nothing could be measured, and before calibration: high, so that delays err long. */
#define TSC_HZ_DEFAULT 4000000000ULL

static uint64_t tsc_hz;
static uint64_t tsc_boot;

static bool plausible(uint64_t hz)
{
	return hz >= TSC_HZ_MIN && hz <= TSC_HZ_MAX;
}

/* TSC ticks per PM timer tick, counted over CALIBRATE_MS; 0 on failure (*why says why). */
static uint64_t measure_pm_timer(uint16_t port, bool is32, const char **why)
{
	const uint32_t mask = is32 ? 0xffffffffU : 0xffffffU;
	const uint32_t target = (uint32_t)(PM_TIMER_HZ * CALIBRATE_MS / 1000);
	uint32_t start, now, last, elapsed;
	uint32_t reads, same;
	uint64_t t0, t1;

	/* Start on a tick edge so the window does not begin mid-tick. */
	start = inl(port) & mask;
	for (reads = 0; (now = inl(port) & mask) == start; reads++) {
		if (reads == STUCK_READS) {
			*why = "PM timer does not tick";
			return 0;
		}
	}
	t0 = rdtsc();
	start = last = now;
	same = 0;
	for (reads = 0;; reads++) {
		now = inl(port) & mask;
		elapsed = (now - start) & mask;
		if (elapsed >= target)
			break;
		if (now != last) {
			last = now;
			same = 0;
		} else if (++same == STUCK_READS) {
			*why = "PM timer stopped ticking";
			return 0;
		}
		if (reads == MAX_READS) {
			*why = "PM timer too slow";
			return 0;
		}
	}
	t1 = rdtsc();
	return (t1 - t0) * PM_TIMER_HZ / elapsed;
}

/*
 * PIT channel 2 in mode 0 (interrupt on terminal count) with its gate
 * driven from port 0x61: OUT2 goes low when the mode is written and high
 * when the count runs out, and port 0x61 bit 5 shows it. The speaker stays
 * off, and port 0x61 is restored.
 */
static uint64_t measure_pit(const char **why)
{
	const uint16_t latch = (uint16_t)(PIT_HZ * CALIBRATE_MS / 1000);
	uint8_t saved = inb(PORT_61);
	uint64_t t0, t1, hz = 0;
	uint32_t reads;

	outb(PORT_61, (uint8_t)((saved & ~PORT_61_SPEAKER) | PORT_61_GATE2));
	outb(PIT_MODE, PIT_MODE_CH2_LOHI_MODE0);
	outb(PIT_CH2_DATA, latch & 0xffU);
	outb(PIT_CH2_DATA, latch >> 8);
	t0 = rdtsc();
	for (reads = 0; !(inb(PORT_61) & PORT_61_OUT2); reads++) {
		if (reads == MAX_READS) {
			*why = "PIT channel 2 never reached terminal count";
			goto out;
		}
	}
	t1 = rdtsc();
	/* High at the first read: no PIT behind port 0x61 (a floating bus reads 0xff). */
	if (reads == 0) {
		*why = "PIT channel 2 output already high";
		goto out;
	}
	hz = (t1 - t0) * PIT_HZ / latch;
out:
	outb(PORT_61, saved);
	return hz;
}

/*
 * CPUID 0x15 gives the TSC as a ratio of the crystal clock (when the
 * crystal is enumerated); 0x16 gives the base frequency in MHz, which the
 * TSC matches on the parts that have it (SDM Vol. 2A, CPUID).
 */
static uint64_t from_cpuid(const char **method)
{
	uint32_t max = cpuid(0, 0).eax;
	struct cpuid_regs r;

	if (max >= 0x15) {
		r = cpuid(0x15, 0);
		if (r.eax && r.ebx && r.ecx) {
			*method = "CPUID leaf 0x15";
			return (uint64_t)r.ecx * r.ebx / r.eax;
		}
	}
	if (max >= 0x16) {
		r = cpuid(0x16, 0);
		if (r.eax & 0xffffU) {
			*method = "CPUID leaf 0x16 (base frequency)";
			return (uint64_t)(r.eax & 0xffffU) * 1000000ULL;
		}
	}
	return 0;
}

void timer_calibrate(const struct acpi_info *acpi)
{
	const char *method = NULL, *why = NULL;
	uint64_t hz = 0;

	tsc_boot = rdtsc();

	if (acpi && acpi->pm_timer && acpi->pm_timer <= 0xffffU) {
		hz = measure_pm_timer((uint16_t)acpi->pm_timer, acpi->pm_timer_32bit, &why);
		if (plausible(hz)) {
			method = "ACPI PM timer";
		} else {
			log_warn("timer: ACPI PM timer at port 0x%x unusable (%s); trying the PIT",
				 acpi->pm_timer, why ? why : "implausible rate");
			hz = 0;
		}
	} else {
		log_info("timer: no ACPI PM timer; using the PIT");
	}

	if (!hz) {
		why = NULL;
		hz = measure_pit(&why);
		if (plausible(hz)) {
			method = "PIT channel 2";
		} else {
			log_warn("timer: PIT calibration failed (%s); trying CPUID",
				 why ? why : "implausible rate");
			hz = 0;
		}
	}

	if (!hz) {
		hz = from_cpuid(&method);
		if (!plausible(hz)) {
			hz = TSC_HZ_DEFAULT;
			method = "an assumed default: time and delays are approximate";
			log_warn("timer: could not measure the TSC");
		}
	}

	tsc_hz = hz;
	log_info("timer: TSC %lu.%03lu MHz, from %s", (unsigned long)(hz / 1000000),
		 (unsigned long)(hz / 1000 % 1000), method);
}

uint64_t timer_tsc_hz(void)
{
	return tsc_hz;
}

uint64_t timer_ns_since_boot(void)
{
	uint64_t hz = tsc_hz, d;

	if (!hz)
		return 0;
	d = rdtsc() - tsc_boot;
	/* Split so that no product overflows: (d % hz) * 1e9 < TSC_HZ_MAX * 1e9 < 2^64. */
	return d / hz * 1000000000ULL + d % hz * 1000000000ULL / hz;
}

void timer_udelay(uint64_t us)
{
	uint64_t hz = tsc_hz ? tsc_hz : TSC_HZ_DEFAULT;
	uint64_t ticks, start;

	if (us / 1000000 > UINT64_MAX / hz)
		ticks = UINT64_MAX;
	else
		ticks = us / 1000000 * hz + us % 1000000 * hz / 1000000;
	start = rdtsc();
	while (rdtsc() - start < ticks)
		cpu_pause();
}
