/*
 * Unit tests of the snapshot container (vmm/snapshot/snap_format.c), the
 * payload field codec (snap_fields.c) and CRC-32C (lib/crc32c.c): round trips, and every truncation, every flipped
 * byte, a wrong version and trailing bytes refused with a reason. Runs on
 * the host under cmocka.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "lib/crc32c.h"
#include "vmm/snapshot/snap_fields.h"
#include "vmm/snapshot/snap_format.h"

static uint8_t stream[1024];
static size_t stream_len;

static const uint8_t vcpu_state[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
static const char device_state[] = "uart0 registers";

static void add_section(uint32_t type, uint16_t version, const void *payload, size_t len)
{
	snap_section_header_encode(stream + stream_len, type, version, payload, len);
	stream_len += SNAP_SECTION_HEADER_BYTES;
	memcpy(stream + stream_len, payload, len);
	stream_len += len;
}

/* A stream of three sections, one of them empty. */
static void build(void)
{
	snap_header_encode(stream, "linux", 3, 0x5);
	stream_len = SNAP_HEADER_BYTES;
	add_section(SNAP_SEC_VCPU, 2, vcpu_state, sizeof(vcpu_state));
	add_section(SNAP_SEC_DEVICE, 1, device_state, sizeof(device_state));
	add_section(SNAP_SEC_RAM, 1, "", 0);
}

static void test_crc32c_known_values(void **state)
{
	(void)state;
	/* The check value of CRC-32C (RFC 3720, and every CRC catalogue). */
	assert_int_equal(crc32c(0, "123456789", 9), 0xe3069283U);
	assert_int_equal(crc32c(0, "", 0), 0);
	assert_int_equal(crc32c_portable(0, "123456789", 9), 0xe3069283U);
	/* Continued over two halves, the same as over the whole. */
	assert_int_equal(crc32c(crc32c(0, "1234", 4), "56789", 5), 0xe3069283U);
}

/* Whichever way crc32c() computes (the CPU's CRC32 instruction or the table), the table agrees at every length and alignment. */
static void test_crc32c_paths_agree(void **state)
{
	static uint8_t data[4096 + 16];
	uint32_t x = 0x12345678U;
	size_t i, off, len;

	(void)state;
	for (i = 0; i < sizeof(data); i++) {
		x = x * 1103515245U + 12345U;
		data[i] = (uint8_t)(x >> 16);
	}
	for (off = 0; off < 8; off++)
		for (len = 0; len < 100; len++)
			assert_int_equal(crc32c(0x5a5a5a5aU, data + off, len),
					 crc32c_portable(0x5a5a5a5aU, data + off, len));
	assert_int_equal(crc32c(0, data, 4096), crc32c_portable(0, data, 4096));
}

static void test_round_trip(void **state)
{
	struct snap_reader r;
	struct snap_info info;
	struct snap_section s;

	(void)state;
	build();
	assert_null(snap_reader_init(&r, stream, stream_len, &info));
	assert_string_equal(info.guest, "linux");
	assert_int_equal(info.section_count, 3);
	assert_int_equal(info.flags, 0x5);
	assert_int_equal(snap_reader_next(&r, &s), 1);
	assert_int_equal(s.type, SNAP_SEC_VCPU);
	assert_int_equal(s.version, 2);
	assert_int_equal(s.length, sizeof(vcpu_state));
	assert_memory_equal(s.payload, vcpu_state, sizeof(vcpu_state));
	assert_int_equal(snap_reader_next(&r, &s), 1);
	assert_int_equal(s.type, SNAP_SEC_DEVICE);
	assert_string_equal((const char *)s.payload, device_state);
	assert_int_equal(snap_reader_next(&r, &s), 1);
	assert_int_equal(s.type, SNAP_SEC_RAM);
	assert_int_equal(s.length, 0);
	assert_int_equal(snap_reader_next(&r, &s), 0);
	assert_null(snap_verify(stream, stream_len));
}

static void test_long_name_is_cut(void **state)
{
	struct snap_reader r;
	struct snap_info info;

	(void)state;
	snap_header_encode(stream, "a-guest-name-of-more-than-thirty-two-bytes", 0, 0);
	assert_null(snap_reader_init(&r, stream, SNAP_HEADER_BYTES, &info));
	assert_string_equal(info.guest, "a-guest-name-of-more-than-thirty");
}

static void test_every_truncation_refused(void **state)
{
	size_t n;

	(void)state;
	build();
	for (n = 0; n < stream_len; n++)
		assert_non_null(snap_verify(stream, n));
}

static void test_every_flipped_byte_refused(void **state)
{
	size_t i;
	unsigned bit;

	(void)state;
	build();
	for (i = 0; i < stream_len; i++)
		for (bit = 0; bit < 8; bit++) {
			stream[i] ^= (uint8_t)(1U << bit);
			if (!snap_verify(stream, stream_len))
				fail_msg("byte %zu bit %u flipped went unnoticed", i, bit);
			stream[i] ^= (uint8_t)(1U << bit);
		}
	assert_null(snap_verify(stream, stream_len));
}

static void test_reasons(void **state)
{
	uint8_t bad[SNAP_HEADER_BYTES];

	(void)state;
	build();
	assert_string_equal(snap_verify(stream, 10), "shorter than a snapshot header");
	memcpy(bad, stream, sizeof(bad));
	bad[0] = 'X';
	assert_string_equal(snap_verify(bad, sizeof(bad)), "not a snapshot (bad magic)");
	/* A version from the future, with a header CRC that matches it. */
	memcpy(bad, stream, sizeof(bad));
	bad[8] = 2;
	bad[60] = bad[61] = bad[62] = bad[63] = 0;
	{
		uint32_t c = crc32c(0, bad, 60);

		bad[60] = (uint8_t)c;
		bad[61] = (uint8_t)(c >> 8);
		bad[62] = (uint8_t)(c >> 16);
		bad[63] = (uint8_t)(c >> 24);
	}
	assert_string_equal(snap_verify(bad, sizeof(bad)), "snapshot format version not supported");
	stream[stream_len] = 0;
	assert_string_equal(snap_verify(stream, stream_len + 1), "bytes after the last section");
	assert_string_equal(snap_verify(stream, stream_len - 1), "truncated in a section header");
	assert_string_equal(snap_verify(stream, stream_len - SNAP_SECTION_HEADER_BYTES - 1),
			    "truncated in a section");
	assert_string_equal(snap_verify(stream, SNAP_HEADER_BYTES + 3), "truncated in a section header");
	stream[SNAP_HEADER_BYTES + SNAP_SECTION_HEADER_BYTES] ^= 1;
	assert_string_equal(snap_verify(stream, stream_len), "section checksum mismatch");
	stream[SNAP_HEADER_BYTES + SNAP_SECTION_HEADER_BYTES] ^= 1;
	stream[SNAP_HEADER_BYTES + 9] ^= 1; /* a length that runs far past the end */
	assert_string_equal(snap_verify(stream, stream_len), "section header checksum mismatch");
}

static void test_fields_round_trip(void **state)
{
	uint8_t buf[32], bytes[3];
	struct snap_out o;
	struct snap_in in;

	(void)state;
	snap_out_init(&o, buf, sizeof(buf));
	snap_put8(&o, 0x12);
	snap_put16(&o, 0x3456);
	snap_put32(&o, 0x789abcdeU);
	snap_put64(&o, 0x0123456789abcdefULL);
	snap_put_bytes(&o, "xyz", 3);
	assert_false(o.overrun);
	assert_int_equal(o.len, 1 + 2 + 4 + 8 + 3);
	assert_int_equal(buf[1], 0x56); /* little-endian on the wire */

	snap_in_init(&in, buf, o.len);
	assert_int_equal(snap_get8(&in), 0x12);
	assert_int_equal(snap_get16(&in), 0x3456);
	assert_int_equal(snap_get32(&in), 0x789abcdeU);
	assert_int_equal(snap_get64(&in), 0x0123456789abcdefULL);
	snap_get_bytes(&in, bytes, 3);
	assert_memory_equal(bytes, "xyz", 3);
	assert_true(snap_in_done(&in));
}

static void test_fields_overrun(void **state)
{
	uint8_t buf[8];
	struct snap_out o;
	struct snap_in in;

	(void)state;
	snap_out_init(&o, buf, 6);
	snap_put32(&o, 1);
	snap_put32(&o, 2); /* does not fit */
	snap_put8(&o, 3);  /* nor does anything after it */
	assert_true(o.overrun);
	assert_int_equal(o.len, 4);

	snap_in_init(&in, buf, 4);
	assert_int_equal(snap_get32(&in), 1);
	assert_int_equal(snap_get16(&in), 0); /* past the end: zero */
	assert_true(in.overrun);
	assert_false(snap_in_done(&in));

	/* A payload with bytes left over is not done either. */
	snap_in_init(&in, buf, 4);
	(void)snap_get16(&in);
	assert_false(snap_in_done(&in));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc32c_known_values),
		cmocka_unit_test(test_crc32c_paths_agree),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_long_name_is_cut),
		cmocka_unit_test(test_every_truncation_refused),
		cmocka_unit_test(test_every_flipped_byte_refused),
		cmocka_unit_test(test_reasons),
		cmocka_unit_test(test_fields_round_trip),
		cmocka_unit_test(test_fields_overrun),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
