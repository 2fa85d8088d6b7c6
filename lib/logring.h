/*
 * A byte ring that keeps the newest bytes: the hypervisor log and the
 * per-guest console rings. Every byte gets a sequence number (its offset in
 * everything ever written), so a reader remembers where it stopped and can
 * tell how much it missed when the writer lapped it.
 *
 * No locking: callers serialise writers, and readers against writers.
 */
#ifndef LIB_LOGRING_H
#define LIB_LOGRING_H

#include <stddef.h>
#include <stdint.h>

struct logring {
	char *buf;
	size_t size;
	uint64_t head; /* total bytes ever written */
};

/* buf holds size bytes and belongs to the ring from now on; size may be 0. */
void logring_init(struct logring *r, char *buf, size_t size);
void logring_write(struct logring *r, const char *s, size_t len); /* overwrites the oldest */
uint64_t logring_oldest(const struct logring *r); /* sequence number of the oldest byte still held */
/*
 * Copies bytes from sequence `from` (clamped up to the oldest held) into out;
 * returns count; *next = sequence after the last byte copied. out is not
 * NUL-terminated. A `from` beyond the newest byte reads nothing and sets
 * *next to the current head. next may be NULL.
 */
size_t logring_read(const struct logring *r, uint64_t from, char *out, size_t out_size, uint64_t *next);

#endif
