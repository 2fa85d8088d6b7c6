/*
 * A device's snapshot payload described as data: the list of its plain
 * state fields, each named by offsetof and written element by element,
 * little-endian, in list order. One list serves the encoder, the decoder
 * and the copy into the live device, so the three cannot drift apart, and
 * a member left out of the list (the wiring: irq lines, callbacks, their
 * contexts) is never encoded, decoded or written to the live device. The
 * codecs of snap_dev_isa.c and snap_dev_apic.c are built on it. Pure:
 * kernel and host unit tests.
 */
#ifndef VMM_SNAPSHOT_SNAP_DEV_LAYOUT_H
#define VMM_SNAPSHOT_SNAP_DEV_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/snapshot/snap_fields.h"

struct snap_dev_field {
	uint16_t offset; /* of the first element in the device's struct */
	uint16_t stride; /* bytes from one element to the next */
	uint16_t count;	 /* elements: 1 for a scalar */
	uint8_t width;	 /* bytes of one element: 1, 2, 4 or 8 */
	bool flag;	 /* every element must be 0 or 1 (a bool, or a uint8_t used as one) */
};

#define SNAP_MEMBER(type, m) (((type *)0)->m)
#define SNAP_LEN(a) (sizeof(a) / sizeof((a)[0]))
/* w, which must be 1, 2, 4 or 8: anything else does not compile. */
#define SNAP_WIDTH(w) ((w) + 0 * sizeof(char[(w) == 1 || (w) == 2 || (w) == 4 || (w) == 8 ? 1 : -1]))
#define SNAP_IS_BOOL(x) _Generic((x), bool: true, default: false)

/* A scalar member; a bool is a flag. */
#define SNAP_FIELD(type, m)                                                            \
	{ offsetof(type, m), 0, 1, SNAP_WIDTH(sizeof(SNAP_MEMBER(type, m))),          \
	  SNAP_IS_BOOL(SNAP_MEMBER(type, m)) }
/* Every element of an array member of integers. */
#define SNAP_ARRAY(type, m)                                                            \
	{ offsetof(type, m), sizeof(SNAP_MEMBER(type, m)[0]), SNAP_LEN(SNAP_MEMBER(type, m)), \
	  SNAP_WIDTH(sizeof(SNAP_MEMBER(type, m)[0])), false }
/* Member m of every element of a, an array of structs. */
#define SNAP_EACH_AS(type, a, m, is_flag)                                              \
	{ offsetof(type, a[0].m), sizeof(SNAP_MEMBER(type, a)[0]),                     \
	  SNAP_LEN(SNAP_MEMBER(type, a)), SNAP_WIDTH(sizeof(SNAP_MEMBER(type, a)[0].m)), is_flag }
#define SNAP_EACH(type, a, m) SNAP_EACH_AS(type, a, m, SNAP_IS_BOOL(SNAP_MEMBER(type, a)[0].m))
#define SNAP_EACH_FLAG(type, a, m) SNAP_EACH_AS(type, a, m, true)

struct snap_dev_layout {
	uint16_t version; /* of the section; a change to the list needs a new one */
	size_t size;	  /* of the device's struct */
	const struct snap_dev_field *fields;
	unsigned nfields;
	/*
	 * The device's own checks of a decoded copy, with the live device for
	 * what configuration fixes: NULL if valid, else why. NULL: none.
	 */
	const char *(*check)(const void *decoded, const void *live);
};

/* Appends state's fields to o: 0, or -1 if o overran (it holds less than the payload). */
int snap_dev_layout_put(struct snap_out *o, const void *state, const struct snap_dev_layout *l);

/*
 * Decodes a whole payload (in spans exactly the section's) of section
 * version `version` into scratch, a copy of live (both l->size bytes),
 * checks it, and only then copies the listed fields into live. NULL on
 * success; else the reason, and live is unchanged.
 */
const char *snap_dev_layout_get(struct snap_in *in, uint16_t version, void *live, void *scratch,
				const struct snap_dev_layout *l);

/* The checks every decoder starts and ends with: NULL, or why the section is refused. */
const char *snap_dev_version_why(uint16_t version, uint16_t supported);
const char *snap_dev_length_why(const struct snap_in *in); /* read exactly? */

/*
 * The codec of a device model of struct `type` whose fields are listed in
 * NAME_fields and checked by `check` (or NULL): NAME_layout, and the
 * snap_dev_put_NAME and snap_dev_get_NAME that snap_dev.h declares, the
 * decoder's scratch copy a local of the device's type.
 */
#define SNAP_DEV_LAYOUT_CODEC(name, type, section_version, check)                            \
	static const struct snap_dev_layout name##_layout = {                                 \
		section_version, sizeof(type), name##_fields, SNAP_LEN(name##_fields), check  \
	};                                                                                    \
	int snap_dev_put_##name(struct snap_out *o, const type *state)                        \
	{                                                                                     \
		return snap_dev_layout_put(o, state, &name##_layout);                         \
	}                                                                                     \
	const char *snap_dev_get_##name(struct snap_in *in, uint16_t version, type *state)    \
	{                                                                                     \
		type scratch;                                                                 \
                                                                                              \
		return snap_dev_layout_get(in, version, state, &scratch, &name##_layout);     \
	}

#endif
