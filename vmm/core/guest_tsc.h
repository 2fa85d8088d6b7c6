/*
 * A vCPU's TSC as its guest sees it: host TSC + offset, the offset being
 * the one source of truth for the VMCS's TSC offset, RDTSC, IA32_TSC and
 * IA32_TSC_ADJUST, and the timing of its LAPIC's TSC-deadline timer
 * (SDM Vol. 3, 17.17 and 25.3). Pure: the host unit tests include it.
 */
#ifndef VMM_GUEST_TSC_H
#define VMM_GUEST_TSC_H

#include <stdint.h>

struct guest_tsc {
	uint64_t offset; /* guest TSC = host TSC + offset (mod 2^64), as VMCS_TSC_OFFSET */
	uint64_t adjust; /* IA32_TSC_ADJUST as the guest sees it */
};

static inline uint64_t guest_tsc_now(const struct guest_tsc *t, uint64_t host_tsc)
{
	return host_tsc + t->offset;
}

/* WRMSR IA32_TSC: the TSC becomes value, and TSC_ADJUST moves by as much (17.17.3). */
static inline void guest_tsc_write(struct guest_tsc *t, uint64_t host_tsc, uint64_t value)
{
	uint64_t offset = value - host_tsc;

	t->adjust += offset - t->offset;
	t->offset = offset;
}

/* WRMSR IA32_TSC_ADJUST: the TSC moves by the change. */
static inline void guest_tsc_write_adjust(struct guest_tsc *t, uint64_t value)
{
	t->offset += value - t->adjust;
	t->adjust = value;
}

#endif
