/*
 * An address-range bus: devices register [base, base+len) with read and
 * write callbacks; exit handlers decode an access and hand it to the bus.
 * One bus for port I/O and one for MMIO per VM. Overlapping registrations
 * are refused. Every access names the vCPU making it, so a device with
 * per-vCPU state (the LAPIC) finds that vCPU's. Pure: tested on the host.
 */
#ifndef VMM_IO_BUS_H
#define VMM_IO_BUS_H

#include <stdint.h>

#define IO_BUS_MAX_RANGES 32

struct vcpu;

struct io_ops {
	/* v: whose access; size is 1, 2, 4 or 8; return 0 if handled, -1 to treat as unclaimed */
	int (*read)(struct vcpu *v, void *opaque, uint64_t addr, unsigned size, uint64_t *value);
	int (*write)(struct vcpu *v, void *opaque, uint64_t addr, unsigned size, uint64_t value);
};

struct io_range {
	uint64_t base, len;
	const struct io_ops *ops;
	void *opaque;
	const char *name;
};

struct io_bus {
	struct io_range ranges[IO_BUS_MAX_RANGES];
	unsigned count;
};

/* 0 ok; -1 if len is 0, the range wraps, overlaps another, or the bus is full. */
int io_bus_register(struct io_bus *bus, uint64_t base, uint64_t len, const struct io_ops *ops,
		    void *opaque, const char *name);

/* The range holding every byte of [addr, addr+size), or NULL. */
const struct io_range *io_bus_find(const struct io_bus *bus, uint64_t addr, unsigned size);

/*
 * Dispatch an access: 0 if a device took it, -1 if nothing claims it (the
 * caller decides: unclaimed ports read as all ones, unclaimed MMIO ends the
 * guest).
 */
int io_bus_read(const struct io_bus *bus, struct vcpu *v, uint64_t addr, unsigned size,
		uint64_t *value);
int io_bus_write(const struct io_bus *bus, struct vcpu *v, uint64_t addr, unsigned size,
		 uint64_t value);

#endif
