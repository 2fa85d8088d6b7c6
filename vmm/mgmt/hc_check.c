/*
 * Hypercall argument checks; see hc_check.h.
 */
#include "vmm/mgmt/hc_check.h"

#include "vmm/abi/hypercall_abi.h"

int hc_check_buffer(const struct io_bus *mmio, uint64_t ram_bytes, uint64_t gpa, uint64_t len,
		    uint64_t min_len, uint64_t max_len)
{
	unsigned i;

	if (len < min_len || len > max_len)
		return -HV_EINVAL;
	if (len == 0)
		return 0;
	if (gpa >= ram_bytes || len > ram_bytes - gpa)
		return -HV_EFAULT;
	for (i = 0; i < mmio->count; i++) {
		const struct io_range *r = &mmio->ranges[i];

		if (gpa < r->base + r->len && r->base < gpa + len)
			return -HV_EFAULT;
	}
	return 0;
}

int hc_check_u32(uint64_t value)
{
	return value > 0xffffffffULL ? -HV_EINVAL : 0;
}
