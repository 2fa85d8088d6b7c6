/*
 * The debug console port (0xE9, as Bochs and QEMU have it): every byte a
 * guest writes is console output; reading it returns 0xE9 so a guest can
 * tell the port is there. Every member of struct debugcon but wire is
 * plain state, what a snapshot saves (bytes, a count of the output, is not
 * guest-visible); wire, the output callback and its context, holds
 * pointers into the owner, which re-creates it on restore.
 */
#ifndef VMM_DEV_DEBUGCON_H
#define VMM_DEV_DEBUGCON_H

#include <stdint.h>

#define DEBUGCON_PORT 0xe9U

typedef void (*debugcon_out_fn)(void *ctx, const char *s, uint64_t len);

struct debugcon_wiring {
	debugcon_out_fn out;	/* NULL: output is dropped */
	void *ctx;
};

struct debugcon {
	uint64_t bytes;
	struct debugcon_wiring wire;
};

/* What an IN of `size` bytes (1, 2, 4) reads. */
uint64_t debugcon_io_read(unsigned size);
/* An OUT: its low byte is console output. */
void debugcon_io_write(struct debugcon *d, uint64_t value);

#endif
