/*
 * Unit tests of the RAM section's payload (vmm/snapshot/snap_ram.c) over a
 * fake 4 MiB guest RAM with zero and non-zero pages: runs saved and loaded
 * back exactly (zero pages cleared, nothing outside the run touched), the
 * payload's length and bitmap, and a bad count, address, bitmap or length
 * refused before anything is written. Runs on the host under cmocka.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "lib/le_bytes.h"
#include "vmm/snapshot/snap_fields.h"
#include "vmm/snapshot/snap_ram.h"

#define RAM_BYTES (4ULL << 20)
#define RAM_PAGES (RAM_BYTES / SNAP_RAM_PAGE)
#define RUN_BYTES ((uint64_t)SNAP_RAM_RUN_PAGES * SNAP_RAM_PAGE)

struct fake_ram {
	uint8_t *base;
	uint64_t bytes;
	unsigned calls;
};

static struct fake_ram src_ram, dst_ram;
static uint8_t *payload; /* SNAP_RAM_PAYLOAD_MAX + 1 bytes */
static size_t payload_len;

static uint8_t *ram_page(void *ctx, uint64_t gpa)
{
	struct fake_ram *r = ctx;

	/* The callback's precondition: an aligned page inside guest RAM. */
	assert_true(gpa % SNAP_RAM_PAGE == 0);
	assert_true(gpa < r->bytes);
	r->calls++;
	return r->base + gpa;
}

/*
 * Page p of the source: zero, non-zero only in its last byte, non-zero only
 * in its first, or full of a pattern. Page 0 and the last page of RAM are
 * non-zero so that both ends of a run are exercised.
 */
static void fill_page(uint8_t *page, uint64_t p)
{
	unsigned i;

	memset(page, 0, SNAP_RAM_PAGE);
	if (p == 0 || p == RAM_PAGES - 1)
		page[SNAP_RAM_PAGE - 1] = 0x5a;
	else if (p % 5 == 0 || p % 8 == 3)
		; /* zero */
	else if (p % 7 == 1)
		page[SNAP_RAM_PAGE - 1] = (uint8_t)(p | 1);
	else if (p % 11 == 2)
		page[0] = 0x80;
	else
		for (i = 0; i < SNAP_RAM_PAGE; i++)
			page[i] = (uint8_t)(p * 31 + i);
}

static int setup(void **state)
{
	uint64_t p;

	(void)state;
	src_ram.base = malloc(RAM_BYTES);
	dst_ram.base = malloc(RAM_BYTES);
	payload = malloc(SNAP_RAM_PAYLOAD_MAX + 1);
	assert_non_null(src_ram.base);
	assert_non_null(dst_ram.base);
	assert_non_null(payload);
	src_ram.bytes = dst_ram.bytes = RAM_BYTES;
	src_ram.calls = dst_ram.calls = 0;
	for (p = 0; p < RAM_PAGES; p++)
		fill_page(src_ram.base + p * SNAP_RAM_PAGE, p);
	memset(dst_ram.base, 0xaa, RAM_BYTES);
	payload_len = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(src_ram.base);
	free(dst_ram.base);
	free(payload);
	return 0;
}

static bool page_zero(const uint8_t *p)
{
	unsigned i;

	for (i = 0; i < SNAP_RAM_PAGE; i++)
		if (p[i])
			return false;
	return true;
}

static uint32_t count_zero(uint64_t gpa, uint32_t count)
{
	uint32_t i, n = 0;

	for (i = 0; i < count; i++)
		n += page_zero(src_ram.base + gpa + (uint64_t)i * SNAP_RAM_PAGE);
	return n;
}

/* Saves a run into `payload` and checks what it says about it. */
static void put(uint64_t gpa, uint32_t count)
{
	struct snap_out o;
	uint32_t zero = count_zero(gpa, count), i;
	size_t bm = (count + 7) / 8;

	assert_true(zero > 0 && zero < count); /* every run here has both kinds */
	snap_out_init(&o, payload, SNAP_RAM_PAYLOAD_MAX);
	assert_int_equal(snap_ram_put(&o, gpa, count, ram_page, &src_ram), zero);
	assert_false(o.overrun);
	payload_len = o.len;
	assert_int_equal(payload_len, 12 + bm + (size_t)(count - zero) * SNAP_RAM_PAGE);
	assert_true(le_load64(payload) == gpa);
	assert_int_equal(le_load32(payload + 8), count);
	for (i = 0; i < count; i++) {
		bool present = payload[12 + i / 8] >> (i % 8) & 1;

		assert_int_equal(present, !page_zero(src_ram.base + gpa + (uint64_t)i * SNAP_RAM_PAGE));
	}
	for (i = count; i < bm * 8; i++)
		assert_int_equal(payload[12 + i / 8] >> (i % 8) & 1, 0);
}

static void expect_accepted(size_t len, uint64_t gpa, uint32_t count)
{
	uint64_t got_gpa = 0xdeadULL;
	uint32_t got_count = 0xbeefU;
	const char *why = snap_ram_check(payload, len, RAM_BYTES, &got_gpa, &got_count);

	if (why)
		fail_msg("good payload refused: %s", why);
	assert_true(got_gpa == gpa);
	assert_int_equal(got_count, count);
}

/* Refused (with `why`, if given), and gpa/count left as they were. */
static void expect_refused(size_t len, const char *why)
{
	uint64_t got_gpa = 0xdeadULL;
	uint32_t got_count = 0xbeefU;
	const char *got = snap_ram_check(payload, len, RAM_BYTES, &got_gpa, &got_count);

	if (!got)
		fail_msg("bad payload of %zu bytes accepted", len);
	if (why)
		assert_string_equal(got, why);
	assert_true(got_gpa == 0xdeadULL);
	assert_int_equal(got_count, 0xbeefU);
}

/* Saves, checks and loads a run into dst_ram: the source's bytes there, 0xaa still elsewhere. */
static void round_trip(uint64_t gpa, uint32_t count)
{
	uint64_t end = gpa + (uint64_t)count * SNAP_RAM_PAGE, i;

	put(gpa, count);
	expect_accepted(payload_len, gpa, count);
	dst_ram.calls = 0;
	snap_ram_load(payload, payload_len, ram_page, &dst_ram);
	assert_int_equal(dst_ram.calls, count);
	assert_memory_equal(dst_ram.base + gpa, src_ram.base + gpa, (size_t)(end - gpa));
	for (i = 0; i < gpa; i++)
		if (dst_ram.base[i] != 0xaa)
			fail_msg("byte %#llx before the run was written", (unsigned long long)i);
	for (i = end; i < RAM_BYTES; i++)
		if (dst_ram.base[i] != 0xaa)
			fail_msg("byte %#llx after the run was written", (unsigned long long)i);
}

static void test_source_has_every_kind(void **state)
{
	uint64_t p;
	unsigned last_only = 0, zero = 0;

	(void)state;
	for (p = 0; p < RAM_PAGES; p++) {
		const uint8_t *pg = src_ram.base + p * SNAP_RAM_PAGE;
		bool head_zero = true;
		unsigned i;

		for (i = 0; i < SNAP_RAM_PAGE - 1; i++)
			head_zero = head_zero && !pg[i];
		zero += head_zero && !pg[SNAP_RAM_PAGE - 1];
		last_only += head_zero && pg[SNAP_RAM_PAGE - 1];
	}
	assert_true(zero > 100);
	assert_true(last_only > 10);
	/* Page 1 is one of them (test_one_page_runs uses it), and so is the last page of RAM. */
	assert_int_equal(src_ram.base[2 * SNAP_RAM_PAGE - 1], 1);
	assert_int_equal(src_ram.base[RAM_BYTES - 1], 0x5a);
}

static void test_run_at_zero(void **state)
{
	(void)state;
	round_trip(0, SNAP_RAM_RUN_PAGES);
}

static void test_run_at_last_2m(void **state)
{
	(void)state;
	round_trip(RAM_BYTES - RUN_BYTES, SNAP_RAM_RUN_PAGES);
}

static void test_whole_ram_in_runs(void **state)
{
	uint64_t gpa;

	(void)state;
	for (gpa = 0; gpa < RAM_BYTES; gpa += RUN_BYTES) {
		put(gpa, SNAP_RAM_RUN_PAGES);
		expect_accepted(payload_len, gpa, SNAP_RAM_RUN_PAGES);
		snap_ram_load(payload, payload_len, ram_page, &dst_ram);
	}
	assert_memory_equal(dst_ram.base, src_ram.base, RAM_BYTES);
}

static void test_short_runs(void **state)
{
	(void)state;
	/* Counts that leave part of the bitmap's last byte unused. */
	round_trip(5 * SNAP_RAM_PAGE, 13);
	memset(dst_ram.base, 0xaa, RAM_BYTES);
	round_trip(RAM_BYTES - 11 * SNAP_RAM_PAGE, 11);
	memset(dst_ram.base, 0xaa, RAM_BYTES);
	round_trip(1000 * SNAP_RAM_PAGE, 9);
}

static void test_one_page_runs(void **state)
{
	struct snap_out o;

	(void)state;
	/* A zero page: header and a bitmap byte of 0, no data. */
	snap_out_init(&o, payload, SNAP_RAM_PAYLOAD_MAX);
	assert_int_equal(snap_ram_put(&o, 5 * SNAP_RAM_PAGE, 1, ram_page, &src_ram), 1);
	assert_int_equal(o.len, 13);
	assert_int_equal(payload[12], 0);
	expect_accepted(o.len, 5 * SNAP_RAM_PAGE, 1);
	snap_ram_load(payload, o.len, ram_page, &dst_ram);
	assert_true(page_zero(dst_ram.base + 5 * SNAP_RAM_PAGE));

	/* A page whose only non-zero byte is its last. */
	snap_out_init(&o, payload, SNAP_RAM_PAYLOAD_MAX);
	assert_int_equal(snap_ram_put(&o, 1 * SNAP_RAM_PAGE, 1, ram_page, &src_ram), 0);
	assert_int_equal(o.len, 13 + SNAP_RAM_PAGE);
	assert_int_equal(payload[12], 1);
	expect_accepted(o.len, SNAP_RAM_PAGE, 1);
	snap_ram_load(payload, o.len, ram_page, &dst_ram);
	assert_memory_equal(dst_ram.base + SNAP_RAM_PAGE, src_ram.base + SNAP_RAM_PAGE, SNAP_RAM_PAGE);
	assert_int_equal(dst_ram.base[2 * SNAP_RAM_PAGE - 1], 1);
}

static void test_payload_max(void **state)
{
	struct snap_out o;

	(void)state;
	/* A run with no zero page fills SNAP_RAM_PAYLOAD_MAX exactly. */
	memset(src_ram.base, 0x11, RUN_BYTES);
	snap_out_init(&o, payload, SNAP_RAM_PAYLOAD_MAX);
	assert_int_equal(snap_ram_put(&o, 0, SNAP_RAM_RUN_PAGES, ram_page, &src_ram), 0);
	assert_false(o.overrun);
	assert_int_equal(o.len, SNAP_RAM_PAYLOAD_MAX);
	expect_accepted(o.len, 0, SNAP_RAM_RUN_PAGES);
}

static void test_bad_count_refused(void **state)
{
	(void)state;
	put(0, SNAP_RAM_RUN_PAGES);
	le_store32(payload + 8, 0);
	expect_refused(payload_len, "RAM section has a bad page count");
	le_store32(payload + 8, SNAP_RAM_RUN_PAGES + 1);
	expect_refused(payload_len, "RAM section has a bad page count");
	le_store32(payload + 8, 0xffffffffU);
	expect_refused(payload_len, "RAM section has a bad page count");
	le_store32(payload + 8, SNAP_RAM_RUN_PAGES);
	expect_accepted(payload_len, 0, SNAP_RAM_RUN_PAGES);
}

static void test_bad_gpa_refused(void **state)
{
	static const char outside[] = "RAM section lies outside the guest's RAM";

	(void)state;
	put(RAM_BYTES - 16 * SNAP_RAM_PAGE, 16);
	expect_accepted(payload_len, RAM_BYTES - 16 * SNAP_RAM_PAGE, 16);

	/* Not 4 KiB-aligned. */
	le_store64(payload, RAM_BYTES - 16 * SNAP_RAM_PAGE - 8);
	expect_refused(payload_len, outside);
	le_store64(payload, 1);
	expect_refused(payload_len, outside);
	le_store64(payload, 0x800);
	expect_refused(payload_len, outside);
	/* At or past the end of RAM, and far past it (where gpa + count * 4 KiB wraps). */
	le_store64(payload, RAM_BYTES);
	expect_refused(payload_len, outside);
	le_store64(payload, RAM_BYTES + 16 * SNAP_RAM_PAGE);
	expect_refused(payload_len, outside);
	le_store64(payload, 0xfffffffffffff000ULL);
	expect_refused(payload_len, outside);
	/* Starts inside, ends one page past the end. */
	le_store64(payload, RAM_BYTES - 15 * SNAP_RAM_PAGE);
	expect_refused(payload_len, outside);
	le_store64(payload, RAM_BYTES - SNAP_RAM_PAGE);
	expect_refused(payload_len, outside);
	/* Ends exactly at the end: fine. */
	le_store64(payload, 0);
	expect_accepted(payload_len, 0, 16);
}

static void test_full_run_past_end_refused(void **state)
{
	(void)state;
	put(RAM_BYTES - RUN_BYTES, SNAP_RAM_RUN_PAGES);
	le_store64(payload, RAM_BYTES - RUN_BYTES + SNAP_RAM_PAGE);
	expect_refused(payload_len, "RAM section lies outside the guest's RAM");
	/* The same payload against a RAM one page smaller than the run's end. */
	le_store64(payload, RAM_BYTES - RUN_BYTES);
	{
		uint64_t g = 0xdeadULL;
		uint32_t c = 0xbeefU;

		assert_non_null(snap_ram_check(payload, payload_len, RAM_BYTES - SNAP_RAM_PAGE, &g, &c));
		assert_true(g == 0xdeadULL);
		assert_null(snap_ram_check(payload, payload_len, RAM_BYTES, &g, &c));
	}
}

static void test_bitmap_past_count_refused(void **state)
{
	unsigned bit;

	(void)state;
	put(5 * SNAP_RAM_PAGE, 13); /* bitmap of 2 bytes, bits 13..15 unused */
	for (bit = 13; bit < 16; bit++) {
		payload[12 + bit / 8] |= (uint8_t)(1U << (bit % 8));
		expect_refused(payload_len, "RAM section's page bitmap runs past its count");
		/* Even with a page's worth of data more to go with the bit. */
		memset(payload + payload_len, 0x33, SNAP_RAM_PAGE);
		expect_refused(payload_len + SNAP_RAM_PAGE, "RAM section's page bitmap runs past its count");
		payload[12 + bit / 8] &= (uint8_t)~(1U << (bit % 8));
	}
	expect_accepted(payload_len, 5 * SNAP_RAM_PAGE, 13);
}

static void test_length_refused(void **state)
{
	size_t n;

	(void)state;
	put(0, SNAP_RAM_RUN_PAGES);
	expect_refused(payload_len - 1, "RAM section is truncated");
	payload[payload_len] = 0;
	expect_refused(payload_len + 1, "RAM section is longer than its pages");
	for (n = 0; n < 12; n++)
		expect_refused(n, "RAM section is truncated");
	/* Cut inside the bitmap. */
	expect_refused(12 + 10, "RAM section is truncated");
	/* A page's bit cleared: the payload is now a page too long. */
	payload[12] &= (uint8_t)~1U;
	expect_refused(payload_len, "RAM section is longer than its pages");
}

static void test_every_truncation_refused(void **state)
{
	size_t n;

	(void)state;
	put(1000 * SNAP_RAM_PAGE, 9);
	for (n = 0; n < payload_len; n++)
		expect_refused(n, "RAM section is truncated");
	expect_accepted(payload_len, 1000 * SNAP_RAM_PAGE, 9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_source_has_every_kind, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_at_zero, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_at_last_2m, setup, teardown),
		cmocka_unit_test_setup_teardown(test_whole_ram_in_runs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_short_runs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_one_page_runs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_payload_max, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_count_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_gpa_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_run_past_end_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bitmap_past_count_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_length_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_truncation_refused, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
