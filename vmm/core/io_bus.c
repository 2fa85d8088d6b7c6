/*
 * Address-range bus shared by port I/O and MMIO. A linear scan: a VM has a
 * handful of devices, and the ranges are searched in registration order.
 */
#include "vmm/core/io_bus.h"

#include <stddef.h>

static int overlaps(const struct io_range *r, uint64_t base, uint64_t len)
{
	return base < r->base + r->len && r->base < base + len;
}

int io_bus_register(struct io_bus *bus, uint64_t base, uint64_t len, const struct io_ops *ops,
		    void *opaque, const char *name)
{
	unsigned i;

	if (!len || base + len < base || !ops || bus->count == IO_BUS_MAX_RANGES)
		return -1;
	for (i = 0; i < bus->count; i++)
		if (overlaps(&bus->ranges[i], base, len))
			return -1;
	bus->ranges[bus->count++] = (struct io_range){ base, len, ops, opaque, name };
	return 0;
}

const struct io_range *io_bus_find(const struct io_bus *bus, uint64_t addr, unsigned size)
{
	unsigned i;

	if (!size || addr + size < addr)
		return NULL;
	for (i = 0; i < bus->count; i++) {
		const struct io_range *r = &bus->ranges[i];

		if (addr >= r->base && addr + size <= r->base + r->len)
			return r;
	}
	return NULL;
}

int io_bus_read(const struct io_bus *bus, struct vcpu *v, uint64_t addr, unsigned size,
		uint64_t *value)
{
	const struct io_range *r = io_bus_find(bus, addr, size);

	if (!r || !r->ops->read)
		return -1;
	return r->ops->read(v, r->opaque, addr, size, value);
}

int io_bus_write(const struct io_bus *bus, struct vcpu *v, uint64_t addr, unsigned size,
		 uint64_t value)
{
	const struct io_range *r = io_bus_find(bus, addr, size);

	if (!r || !r->ops->write)
		return -1;
	return r->ops->write(v, r->opaque, addr, size, value);
}
