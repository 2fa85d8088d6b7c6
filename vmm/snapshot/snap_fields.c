/*
 * The field encoder and decoder of section payloads (see snap_fields.h).
 */
#include "vmm/snapshot/snap_fields.h"

#include "lib/le_bytes.h"
#include "lib/string.h"

void snap_out_init(struct snap_out *o, void *buf, size_t cap)
{
	o->buf = buf;
	o->cap = cap;
	o->len = 0;
	o->overrun = false;
}

/* Room for n more bytes? Marks the overrun the first time there is not. */
static uint8_t *out_room(struct snap_out *o, size_t n)
{
	if (o->overrun || o->cap - o->len < n) {
		o->overrun = true;
		return NULL;
	}
	o->len += n;
	return o->buf + o->len - n;
}

void snap_put8(struct snap_out *o, uint8_t v)
{
	uint8_t *p = out_room(o, 1);

	if (p)
		*p = v;
}

void snap_put16(struct snap_out *o, uint16_t v)
{
	uint8_t *p = out_room(o, 2);

	if (p)
		le_store16(p, v);
}

void snap_put32(struct snap_out *o, uint32_t v)
{
	uint8_t *p = out_room(o, 4);

	if (p)
		le_store32(p, v);
}

void snap_put64(struct snap_out *o, uint64_t v)
{
	uint8_t *p = out_room(o, 8);

	if (p)
		le_store64(p, v);
}

void snap_put_bytes(struct snap_out *o, const void *src, size_t n)
{
	uint8_t *p = out_room(o, n);

	if (p)
		memcpy(p, src, n);
}

void snap_in_init(struct snap_in *in, const void *buf, size_t len)
{
	in->buf = buf;
	in->len = len;
	in->pos = 0;
	in->overrun = false;
}

static const uint8_t *in_take(struct snap_in *in, size_t n)
{
	if (in->overrun || in->len - in->pos < n) {
		in->overrun = true;
		return NULL;
	}
	in->pos += n;
	return in->buf + in->pos - n;
}

uint8_t snap_get8(struct snap_in *in)
{
	const uint8_t *p = in_take(in, 1);

	return p ? *p : 0;
}

uint16_t snap_get16(struct snap_in *in)
{
	const uint8_t *p = in_take(in, 2);

	return p ? le_load16(p) : 0;
}

uint32_t snap_get32(struct snap_in *in)
{
	const uint8_t *p = in_take(in, 4);

	return p ? le_load32(p) : 0;
}

uint64_t snap_get64(struct snap_in *in)
{
	const uint8_t *p = in_take(in, 8);

	return p ? le_load64(p) : 0;
}

void snap_get_bytes(struct snap_in *in, void *dst, size_t n)
{
	const uint8_t *p = in_take(in, n);

	if (p)
		memcpy(dst, p, n);
	else
		memset(dst, 0, n);
}
