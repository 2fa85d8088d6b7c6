/*
 * The debug console port (0xE9, as Bochs and QEMU have it): every byte a
 * guest writes is console output; reading it returns 0xE9 so a guest can
 * tell the port is there.
 */
#ifndef VMM_DEV_DEBUGCON_H
#define VMM_DEV_DEBUGCON_H

#include <stdint.h>

#define DEBUGCON_PORT 0xe9U

typedef void (*debugcon_out_fn)(void *ctx, const char *s, uint64_t len);

struct debugcon {
	debugcon_out_fn out;
	void *ctx;
	uint64_t bytes;
};

struct io_ops;
extern const struct io_ops debugcon_ops;

#endif
