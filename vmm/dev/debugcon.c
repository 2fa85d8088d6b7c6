/*
 * Debug console port model. Pure: the output goes through a callback.
 */
#include "vmm/dev/debugcon.h"

#include "vmm/io_bus.h"

static int debugcon_read(void *opaque, uint64_t addr, unsigned size, uint64_t *value)
{
	/* Every byte lane reads 0xE9: IN AX returns 0xE9E9. */
	*value = 0xe9e9e9e9e9e9e9e9ULL & (size == 8 ? ~0ULL : ((1ULL << (size * 8)) - 1));
	return 0;
}

static int debugcon_write(void *opaque, uint64_t addr, unsigned size, uint64_t value)
{
	struct debugcon *d = opaque;
	char c = (char)(value & 0xff);

	/* Only the low byte goes to the port; wider writes cover other ports. */
	d->bytes++;
	if (d->out)
		d->out(d->ctx, &c, 1);
	return 0;
}

const struct io_ops debugcon_ops = { debugcon_read, debugcon_write };
