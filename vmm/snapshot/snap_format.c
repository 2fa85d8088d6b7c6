/*
 * The snapshot container's encoder and decoder (see snap_format.h).
 */
#include "vmm/snapshot/snap_format.h"

#include "lib/le_bytes.h"
#include "lib/crc32c.h"
#include "lib/string.h"

static const uint8_t magic[8] = { 'H', 'V', 'S', 'N', 'A', 'P', '\r', '\n' };

#define HDR_VERSION 8
#define HDR_SIZE 12
#define HDR_NAME 16
#define HDR_SECTIONS 48
#define HDR_FLAGS 52
#define HDR_RESERVED 56
#define HDR_CRC 60

#define SEC_TYPE 0
#define SEC_VERSION 4
#define SEC_RESERVED 6
#define SEC_LENGTH 8
#define SEC_PAYLOAD_CRC 16
#define SEC_CRC 20

void snap_header_encode(uint8_t out[SNAP_HEADER_BYTES], const char *guest,
			uint32_t section_count, uint32_t flags)
{
	size_t n = strlen(guest);

	memset(out, 0, SNAP_HEADER_BYTES);
	memcpy(out, magic, sizeof(magic));
	le_store32(out + HDR_VERSION, SNAP_FORMAT_VERSION);
	le_store32(out + HDR_SIZE, SNAP_HEADER_BYTES);
	memcpy(out + HDR_NAME, guest, n < SNAP_NAME_BYTES ? n : SNAP_NAME_BYTES);
	le_store32(out + HDR_SECTIONS, section_count);
	le_store32(out + HDR_FLAGS, flags);
	le_store32(out + HDR_CRC, crc32c(0, out, HDR_CRC));
}

void snap_section_header_encode(uint8_t out[SNAP_SECTION_HEADER_BYTES], uint32_t type,
				uint16_t version, const void *payload, uint64_t length)
{
	le_store32(out + SEC_TYPE, type);
	le_store16(out + SEC_VERSION, version);
	le_store16(out + SEC_RESERVED, 0);
	le_store64(out + SEC_LENGTH, length);
	le_store32(out + SEC_PAYLOAD_CRC, crc32c(0, payload, (size_t)length));
	le_store32(out + SEC_CRC, crc32c(0, out, SEC_CRC));
}

const char *snap_reader_init(struct snap_reader *r, const void *buf, size_t len,
			     struct snap_info *info)
{
	const uint8_t *p = buf;
	unsigned i;

	memset(r, 0, sizeof(*r));
	if (len < SNAP_HEADER_BYTES)
		return "shorter than a snapshot header";
	if (memcmp(p, magic, sizeof(magic)))
		return "not a snapshot (bad magic)";
	if (le_load32(p + HDR_CRC) != crc32c(0, p, HDR_CRC))
		return "header checksum mismatch";
	if (le_load32(p + HDR_VERSION) != SNAP_FORMAT_VERSION)
		return "snapshot format version not supported";
	if (le_load32(p + HDR_SIZE) != SNAP_HEADER_BYTES || le_load32(p + HDR_RESERVED))
		return "malformed header";
	for (i = 0; i < SNAP_NAME_BYTES; i++)
		info->guest[i] = (char)p[HDR_NAME + i];
	info->guest[SNAP_NAME_BYTES] = '\0';
	info->version = SNAP_FORMAT_VERSION;
	info->section_count = le_load32(p + HDR_SECTIONS);
	info->flags = le_load32(p + HDR_FLAGS);
	r->buf = p;
	r->len = len;
	r->pos = SNAP_HEADER_BYTES;
	r->sections_left = info->section_count;
	return NULL;
}

static int fail(struct snap_reader *r, const char *why)
{
	r->why = why;
	return -1;
}

const char *snap_section_decode(const uint8_t *h, size_t avail, struct snap_section *s)
{
	uint64_t length;

	if (avail < SNAP_SECTION_HEADER_BYTES)
		return "truncated in a section header";
	if (le_load32(h + SEC_CRC) != crc32c(0, h, SEC_CRC))
		return "section header checksum mismatch";
	if (le_load16(h + SEC_RESERVED))
		return "malformed section header";
	length = le_load64(h + SEC_LENGTH);
	if (length > avail - SNAP_SECTION_HEADER_BYTES)
		return "truncated in a section";
	if (le_load32(h + SEC_PAYLOAD_CRC) != crc32c(0, h + SNAP_SECTION_HEADER_BYTES, (size_t)length))
		return "section checksum mismatch";
	s->type = le_load32(h + SEC_TYPE);
	s->version = le_load16(h + SEC_VERSION);
	s->payload = h + SNAP_SECTION_HEADER_BYTES;
	s->length = length;
	return NULL;
}

int snap_reader_next(struct snap_reader *r, struct snap_section *s)
{
	const char *why;

	if (r->why)
		return -1;
	if (!r->sections_left)
		return r->pos == r->len ? 0 : fail(r, "bytes after the last section");
	why = snap_section_decode(r->buf + r->pos, r->len - r->pos, s);
	if (why)
		return fail(r, why);
	r->pos += SNAP_SECTION_HEADER_BYTES + (size_t)s->length;
	r->sections_left--;
	return 1;
}

const char *snap_verify(const void *buf, size_t len)
{
	struct snap_reader r;
	struct snap_info info;
	struct snap_section s;
	const char *why = snap_reader_init(&r, buf, len, &info);
	int rc;

	if (why)
		return why;
	while ((rc = snap_reader_next(&r, &s)) > 0)
		;
	return rc < 0 ? r.why : NULL;
}
