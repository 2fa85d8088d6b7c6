/*
 * Byte ring keeping the newest bytes (see lib/logring.h). Byte n of the
 * stream lives at buf[n % size] until n + size is written. Pure; runs in the
 * kernel with interrupts off and in host unit tests.
 */
#include "lib/logring.h"

#include "lib/string.h"

void logring_init(struct logring *r, char *buf, size_t size)
{
	r->buf = buf;
	r->size = size;
	r->head = 0;
}

void logring_write(struct logring *r, const char *s, size_t len)
{
	size_t at, first;

	/* Only the last `size` bytes of a long write can survive it. */
	if (len > r->size) {
		r->head += len - r->size;
		s += len - r->size;
		len = r->size;
	}
	if (!len)
		return;
	at = (size_t)(r->head % r->size);
	first = r->size - at < len ? r->size - at : len;
	memcpy(r->buf + at, s, first);
	memcpy(r->buf, s + first, len - first);
	r->head += len;
}

uint64_t logring_oldest(const struct logring *r)
{
	return r->head > r->size ? r->head - r->size : 0;
}

size_t logring_read(const struct logring *r, uint64_t from, char *out,
		    size_t out_size, uint64_t *next)
{
	uint64_t oldest = logring_oldest(r);
	size_t count, at, first;

	if (from < oldest)
		from = oldest;
	if (from > r->head)
		from = r->head;
	count = r->head - from < out_size ? (size_t)(r->head - from) : out_size;
	if (count) {
		at = (size_t)(from % r->size);
		first = r->size - at < count ? r->size - at : count;
		memcpy(out, r->buf + at, first);
		memcpy(out + first, r->buf, count - first);
	}
	if (next)
		*next = from + count;
	return count;
}
