/*
 * Field-by-field encoding of a section's payload: each owner of guest state
 * (a vCPU, each device, RAM) writes its fields one at a time into a
 * snap_out and reads them back from a snap_in in the same order, so no
 * struct layout, padding or pointer ever reaches a snapshot. Both sides
 * remember the first overrun instead of failing at every call: an encoder
 * or decoder checks once at the end. Pure: kernel and host unit tests.
 */
#ifndef VMM_SNAPSHOT_SNAP_FIELDS_H
#define VMM_SNAPSHOT_SNAP_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct snap_out {
	uint8_t *buf;
	size_t cap, len;
	bool overrun; /* a field did not fit: len stopped before it */
};

struct snap_in {
	const uint8_t *buf;
	size_t len, pos;
	bool overrun; /* a field ran past the end: it read as zero */
};

void snap_out_init(struct snap_out *o, void *buf, size_t cap);
void snap_put8(struct snap_out *o, uint8_t v);
void snap_put16(struct snap_out *o, uint16_t v);
void snap_put32(struct snap_out *o, uint32_t v);
void snap_put64(struct snap_out *o, uint64_t v);
void snap_put_bytes(struct snap_out *o, const void *p, size_t n);

void snap_in_init(struct snap_in *in, const void *buf, size_t len);
uint8_t snap_get8(struct snap_in *in);
uint16_t snap_get16(struct snap_in *in);
uint32_t snap_get32(struct snap_in *in);
uint64_t snap_get64(struct snap_in *in);
void snap_get_bytes(struct snap_in *in, void *p, size_t n);

/* A payload was read exactly: no overrun and nothing left over. */
static inline bool snap_in_done(const struct snap_in *in)
{
	return !in->overrun && in->pos == in->len;
}

#endif
