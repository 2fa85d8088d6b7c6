/*
 * Encoder, decoder and copier of a device's field list (see
 * snap_dev_layout.h). Elements are read from and written to the device's
 * struct with memcpy at their width, so a field's alignment or type
 * (bool, int64_t) does not matter; a flag is checked before it is stored,
 * so a bool never holds anything but 0 or 1.
 */
#include "vmm/snapshot/snap_dev_layout.h"

#include "lib/string.h"

static void put_element(struct snap_out *o, const uint8_t *p, unsigned width)
{
	uint16_t v16;
	uint32_t v32;
	uint64_t v64;

	switch (width) {
	case 1:
		snap_put8(o, *p);
		break;
	case 2:
		memcpy(&v16, p, 2);
		snap_put16(o, v16);
		break;
	case 4:
		memcpy(&v32, p, 4);
		snap_put32(o, v32);
		break;
	default:
		memcpy(&v64, p, 8);
		snap_put64(o, v64);
		break;
	}
}

static uint64_t get_element(struct snap_in *in, unsigned width)
{
	switch (width) {
	case 1:
		return snap_get8(in);
	case 2:
		return snap_get16(in);
	case 4:
		return snap_get32(in);
	default:
		return snap_get64(in);
	}
}

static void store_element(uint8_t *p, unsigned width, uint64_t v)
{
	uint16_t v16 = (uint16_t)v;
	uint32_t v32 = (uint32_t)v;

	switch (width) {
	case 1:
		*p = (uint8_t)v;
		break;
	case 2:
		memcpy(p, &v16, 2);
		break;
	case 4:
		memcpy(p, &v32, 4);
		break;
	default:
		memcpy(p, &v, 8);
		break;
	}
}

/* Where element k of field f is in a device struct. */
static size_t element_at(const struct snap_dev_field *f, unsigned k)
{
	return f->offset + (size_t)k * f->stride;
}

const char *snap_dev_version_why(uint16_t version, uint16_t supported)
{
	return version == supported ? NULL : "section version not supported";
}

const char *snap_dev_length_why(const struct snap_in *in)
{
	if (in->overrun)
		return "payload truncated";
	return snap_in_done(in) ? NULL : "bytes after the device's state";
}

int snap_dev_layout_put(struct snap_out *o, const void *state, const struct snap_dev_layout *l)
{
	const uint8_t *s = state;

	for (unsigned i = 0; i < l->nfields; i++)
		for (unsigned k = 0; k < l->fields[i].count; k++)
			put_element(o, s + element_at(&l->fields[i], k), l->fields[i].width);
	return o->overrun ? -1 : 0;
}

/* Reads every field into d; false if a flag was neither 0 nor 1 (that one is not stored). */
static bool get_fields(struct snap_in *in, uint8_t *d, const struct snap_dev_layout *l)
{
	bool flags_ok = true;

	for (unsigned i = 0; i < l->nfields; i++) {
		const struct snap_dev_field *f = &l->fields[i];

		for (unsigned k = 0; k < f->count; k++) {
			uint64_t v = get_element(in, f->width);

			if (f->flag && v > 1)
				flags_ok = false;
			else
				store_element(d + element_at(f, k), f->width, v);
		}
	}
	return flags_ok;
}

/* The listed fields, and nothing else, from src to dst. */
static void copy_fields(uint8_t *dst, const uint8_t *src, const struct snap_dev_layout *l)
{
	for (unsigned i = 0; i < l->nfields; i++)
		for (unsigned k = 0; k < l->fields[i].count; k++) {
			size_t at = element_at(&l->fields[i], k);

			memcpy(dst + at, src + at, l->fields[i].width);
		}
}

const char *snap_dev_layout_get(struct snap_in *in, uint16_t version, void *live, void *scratch,
				const struct snap_dev_layout *l)
{
	const char *why = snap_dev_version_why(version, l->version);
	bool flags_ok;

	if (why)
		return why;
	/* The copy starts as the live device, so that the checks see its configuration. */
	memcpy(scratch, live, l->size);
	flags_ok = get_fields(in, scratch, l);
	why = snap_dev_length_why(in);
	if (why)
		return why;
	if (!flags_ok)
		return "a flag is neither 0 nor 1";
	why = l->check ? l->check(scratch, live) : NULL;
	if (why)
		return why;
	copy_fields(live, scratch, l);
	return NULL;
}
