/*
 * The snapshot container: a header, then typed sections, each with its
 * own length and CRC-32C, all little-endian and written field by field
 * (never a raw copy of a struct). The same byte stream is meant for the
 * memory store, a disk store and a migration link; what goes inside the
 * sections (vCPU state, each device, RAM) has its own encoders.
 *
 *   header   64 bytes: magic "HVSNAP\r\n", format version, header size,
 *            guest name (32 bytes, NUL-padded), section count, flags,
 *            CRC-32C of the bytes before it
 *   section  24-byte header: type, section version, reserved (0), payload
 *            length, CRC-32C of the payload, CRC-32C of the 20 bytes
 *            before it; then the payload
 *
 * Every byte is covered by a CRC or a check, so a truncated stream, a
 * flipped byte, a wrong version or a length that runs past the end is
 * refused with a reason, and decoding a stream changes nothing until it
 * has been read whole. Pure: runs in the kernel and in host unit tests.
 */
#ifndef VMM_SNAPSHOT_SNAP_FORMAT_H
#define VMM_SNAPSHOT_SNAP_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SNAP_FORMAT_VERSION 1U
#define SNAP_HEADER_BYTES 64U
#define SNAP_SECTION_HEADER_BYTES 24U
#define SNAP_NAME_BYTES 32U

/* Section types: one number per owner of guest state. */
enum snap_section_type {
	SNAP_SEC_VM = 1,     /* the VM's configuration and clocks */
	SNAP_SEC_VCPU = 2,   /* one per vCPU */
	SNAP_SEC_DEVICE = 3, /* one per device of the VM's device table */
	SNAP_SEC_RAM = 4,    /* guest RAM, a run of pages at a time */
};

struct snap_info {
	uint32_t version;
	char guest[SNAP_NAME_BYTES + 1];
	uint32_t section_count;
	uint32_t flags;
};

struct snap_section {
	uint32_t type;
	uint16_t version;
	const uint8_t *payload;
	uint64_t length;
};

/* Writes the 64-byte header. `guest` longer than 32 bytes is cut. */
void snap_header_encode(uint8_t out[SNAP_HEADER_BYTES], const char *guest,
			uint32_t section_count, uint32_t flags);

/* Writes a section header for `payload` (its CRC is computed here). */
void snap_section_header_encode(uint8_t out[SNAP_SECTION_HEADER_BYTES], uint32_t type,
				uint16_t version, const void *payload, uint64_t length);

/* Reads a whole stream held in memory, section by section. */
struct snap_reader {
	const uint8_t *buf;
	size_t len, pos;
	uint32_t sections_left;
	const char *why; /* after an error: what was wrong */
};

/* Checks the header; NULL if good, else the reason. `info` is filled only on success. */
const char *snap_reader_init(struct snap_reader *r, const void *buf, size_t len,
			     struct snap_info *info);

/*
 * The next section: 1 and *s filled, 0 at the end of a stream whose every
 * byte was accounted for, -1 on an error (r->why says what).
 */
int snap_reader_next(struct snap_reader *r, struct snap_section *s);

/*
 * One section at h with `avail` bytes after it: NULL and *s filled if its
 * header and payload are whole and their checksums match, else the
 * reason. The section takes SNAP_SECTION_HEADER_BYTES + s->length bytes.
 */
const char *snap_section_decode(const uint8_t *h, size_t avail, struct snap_section *s);

/* Checks a whole stream without using it: NULL if every section is good. */
const char *snap_verify(const void *buf, size_t len);

#endif
