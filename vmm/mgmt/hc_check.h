/*
 * Checks on management hypercall arguments, before the core trusts any of
 * them. Pure: tested on the host with hostile inputs.
 */
#ifndef VMM_HC_CHECK_H
#define VMM_HC_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "vmm/core/io_bus.h"

/*
 * A caller's buffer [gpa, gpa + len): 0 if min_len <= len <= max_len and
 * every byte is the caller's RAM ([0, ram_bytes)) and none is one of its
 * devices' MMIO ranges; -HV_EINVAL for a bad length, -HV_EFAULT otherwise.
 * Wrap-around (gpa + len past 2^64) is a fault, never a small range.
 */
int hc_check_buffer(const struct io_bus *mmio, uint64_t ram_bytes, uint64_t gpa, uint64_t len,
		    uint64_t min_len, uint64_t max_len);

/* A guest id or vCPU index passed in a 64-bit register: -HV_EINVAL if it does not fit 32 bits. */
int hc_check_u32(uint64_t value);

#endif
