/*
 * Debug console port model. Pure: the output goes through a callback.
 */
#include "vmm/dev/debugcon.h"

uint64_t debugcon_io_read(unsigned size)
{
	/* Every byte lane reads 0xE9: IN AX returns 0xE9E9. */
	return 0xe9e9e9e9e9e9e9e9ULL & (size == 8 ? ~0ULL : ((1ULL << (size * 8)) - 1));
}

void debugcon_io_write(struct debugcon *d, uint64_t value)
{
	char c = (char)(value & 0xff);

	/* Only the low byte goes to the port; wider writes cover other ports. */
	d->bytes++;
	if (d->wire.out)
		d->wire.out(d->wire.ctx, &c, 1);
}
