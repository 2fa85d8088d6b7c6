/*
 * Unit tests of the in-memory snapshot store (vmm/snapshot/snap_store.c)
 * over a malloc-backed env that keeps a ledger of every allocation: a
 * snapshot of three sections built, committed, walked and read back as
 * the byte stream of snap_format.h (which snap_verify takes), every flipped
 * byte caught, names and the store's size limit enforced, and all memory
 * given back on delete and abort. Runs on the host under cmocka.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/snapshot/snap_format.h"
#include "vmm/snapshot/snap_store.h"

/* ---------------------------------------------------------------- env --- */

#define LEDGER_MAX 256

/* Every block the store holds, with the size it was given (after trims). */
static struct {
	struct {
		void *p;
		uint64_t bytes;
	} live[LEDGER_MAX];
	unsigned n_live;
	unsigned allocs, frees, trims;
	uint64_t live_bytes;
	bool fail_alloc;
} mem;

static int ctx_token;

static unsigned ledger_find(void *p)
{
	unsigned i;

	for (i = 0; i < mem.n_live; i++)
		if (mem.live[i].p == p)
			return i;
	fail_msg("the store handed back %p, which it was never given", p);
	return 0;
}

static void *env_alloc(void *ctx, uint64_t bytes)
{
	void *p;

	assert_ptr_equal(ctx, &ctx_token);
	if (mem.fail_alloc)
		return NULL;
	assert_true(mem.n_live < LEDGER_MAX);
	p = calloc(1, (size_t)bytes);
	assert_non_null(p);
	mem.live[mem.n_live].p = p;
	mem.live[mem.n_live].bytes = bytes;
	mem.n_live++;
	mem.allocs++;
	mem.live_bytes += bytes;
	return p;
}

static void env_free(void *ctx, void *p, uint64_t bytes)
{
	unsigned i;

	assert_ptr_equal(ctx, &ctx_token);
	i = ledger_find(p);
	if (mem.live[i].bytes != bytes)
		fail_msg("freed %p as %llu bytes, it holds %llu", p, (unsigned long long)bytes,
			 (unsigned long long)mem.live[i].bytes);
	mem.live_bytes -= bytes;
	mem.live[i] = mem.live[--mem.n_live];
	mem.frees++;
	free(p);
}

/* Bookkeeping only: the block keeps its malloc size, the ledger its new one. */
static void env_trim(void *ctx, void *p, uint64_t bytes, uint64_t keep)
{
	unsigned i;

	assert_ptr_equal(ctx, &ctx_token);
	i = ledger_find(p);
	assert_true(keep <= bytes);
	if (mem.live[i].bytes != bytes)
		fail_msg("trimmed %p as %llu bytes, it holds %llu", p, (unsigned long long)bytes,
			 (unsigned long long)mem.live[i].bytes);
	mem.live[i].bytes = keep;
	mem.live_bytes -= bytes - keep;
	mem.trims++;
}

static const struct snap_store_env env = {
	.alloc = env_alloc, .free = env_free, .trim = env_trim, .ctx = &ctx_token,
};

static const struct snap_store_env env_no_trim = {
	.alloc = env_alloc, .free = env_free, .trim = NULL, .ctx = &ctx_token,
};

static void assert_all_given_back(void)
{
	assert_int_equal(mem.n_live, 0);
	assert_int_equal(mem.allocs, mem.frees);
	assert_true(mem.live_bytes == 0);
}

static int setup(void **state)
{
	(void)state;
	memset(&mem, 0, sizeof(mem));
	snap_store_init(&env);
	return 0;
}

/* Frees what a failed test left, so that one failure does not become a leak report. */
static int teardown(void **state)
{
	(void)state;
	while (mem.n_live)
		free(mem.live[--mem.n_live].p);
	return 0;
}

/* ----------------------------------------------------------- snapshots --- */

struct sec_spec {
	uint32_t type;
	uint16_t version;
	size_t len, max; /* payload bytes, and what section_begin asked room for */
	uint8_t seed;
};

/* Three sections of varying sizes: one empty, one larger than a page, one trimmed hard. */
static const struct sec_spec big[] = {
	{ SNAP_SEC_VCPU, 1, 17, 17, 0x11 },
	{ SNAP_SEC_DEVICE, 7, 0, 100, 0x22 },
	{ SNAP_SEC_RAM, 0xfedc, 70000, 2u << 20, 0x33 },
};

/* Small enough to flip every bit of. */
static const struct sec_spec small[] = {
	{ SNAP_SEC_VM, 2, 3, 64, 0x44 },
	{ SNAP_SEC_DEVICE, 1, 0, 0, 0x55 },
	{ SNAP_SEC_RAM, 3, 29, 29, 0x66 },
};

static void pattern(uint8_t *p, size_t len, uint8_t seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(seed + i * 13 + (i >> 8));
}

static struct snapshot *begin(const char *name)
{
	const char *why = "not set";
	struct snapshot *s = snap_store_begin(name, "linux-guest", "stop", 1700000000, &why);

	if (!s)
		fail_msg("begin(%s) refused: %s", name, why);
	return s;
}

static void add(struct snapshot *s, const struct sec_spec *spec)
{
	uint8_t *p = snap_store_section_begin(s, spec->max);

	assert_non_null(p);
	pattern(p, spec->len, spec->seed);
	snap_store_section_end(s, spec->type, spec->version, spec->len);
}

static struct snapshot *build(const char *name, const struct sec_spec *specs, unsigned n, bool commit)
{
	struct snapshot *s = begin(name);
	unsigned i;

	for (i = 0; i < n; i++)
		add(s, &specs[i]);
	if (commit)
		snap_store_commit(s);
	return s;
}

/* The byte stream the snapshot should read as, built with snap_format's encoders alone. */
static uint8_t *expected_stream(const char *guest, const struct sec_spec *specs, unsigned n, size_t *len)
{
	size_t total = SNAP_HEADER_BYTES, at;
	uint8_t *buf;
	unsigned i;

	for (i = 0; i < n; i++)
		total += SNAP_SECTION_HEADER_BYTES + specs[i].len;
	buf = malloc(total);
	assert_non_null(buf);
	snap_header_encode(buf, guest, n, 0);
	at = SNAP_HEADER_BYTES;
	for (i = 0; i < n; i++) {
		uint8_t *payload = buf + at + SNAP_SECTION_HEADER_BYTES;

		pattern(payload, specs[i].len, specs[i].seed);
		snap_section_header_encode(buf + at, specs[i].type, specs[i].version, payload, specs[i].len);
		at += SNAP_SECTION_HEADER_BYTES + specs[i].len;
	}
	*len = total;
	return buf;
}

/* How many snapshots snap_store_at lists; each must be complete. */
static unsigned listed(void)
{
	unsigned i, n = 0;

	for (i = 0; i < SNAP_STORE_MAX; i++) {
		struct snapshot *s = snap_store_at(i);

		if (s) {
			assert_true(s->complete);
			assert_ptr_equal(snap_store_find(s->name), s);
			n++;
		}
	}
	assert_null(snap_store_at(SNAP_STORE_MAX));
	assert_null(snap_store_at(~0U));
	return n;
}

static uint8_t *read_all(const struct snapshot *s)
{
	uint8_t *buf = malloc((size_t)s->bytes + 1);

	assert_non_null(buf);
	buf[s->bytes] = 0xee;
	assert_int_equal(snap_store_read(s, 0, buf, (size_t)s->bytes + 1), s->bytes);
	assert_int_equal(buf[s->bytes], 0xee);
	return buf;
}

/* --------------------------------------------------------------- tests --- */

static void test_build_and_commit(void **state)
{
	struct snapshot *s;

	(void)state;
	s = begin("first");
	assert_null(snap_store_find("first"));
	add(s, &big[0]);
	add(s, &big[1]);
	assert_null(snap_store_find("first"));
	add(s, &big[2]);
	assert_int_equal(s->sections, 3);
	assert_null(snap_store_find("first"));
	assert_int_equal(listed(), 0);
	snap_store_commit(s);
	assert_ptr_equal(snap_store_find("first"), s);
	assert_true(s->complete);
	assert_string_equal(s->name, "first");
	assert_string_equal(s->guest, "linux-guest");
	assert_string_equal(s->method, "stop");
	assert_true(s->created == 1700000000);
	assert_int_equal(s->bytes, SNAP_HEADER_BYTES + 3 * SNAP_SECTION_HEADER_BYTES + 17 + 0 + 70000);
	assert_null(snap_store_verify(s));
	assert_null(snap_store_find("firs"));
	assert_null(snap_store_find("first2"));
	assert_int_equal(snap_store_delete("first"), 0);
	assert_all_given_back();
}

static void test_trim_gives_back(void **state)
{
	struct snapshot *s;

	(void)state;
	s = build("trimmed", big, 3, true);
	/* Sections 1 and 2 asked for more than they used; section 0 did not. */
	assert_int_equal(mem.trims, 2);
	assert_int_equal(mem.n_live, 3);
	/* What is held is the records and no more than a small header each beyond the stream. */
	assert_true(mem.live_bytes >= s->bytes - SNAP_HEADER_BYTES);
	assert_true(mem.live_bytes <= s->bytes - SNAP_HEADER_BYTES + 3 * 64);
	assert_int_equal(snap_store_delete("trimmed"), 0);
	assert_all_given_back();
}

static void test_no_trim_env(void **state)
{
	struct snapshot *s;
	uint8_t *got, *want;
	size_t want_len;

	(void)state;
	snap_store_init(&env_no_trim);
	s = build("untrimmed", big, 3, true);
	assert_int_equal(mem.trims, 0);
	assert_null(snap_store_verify(s));
	want = expected_stream("linux-guest", big, 3, &want_len);
	got = read_all(s);
	assert_int_equal(s->bytes, want_len);
	assert_memory_equal(got, want, want_len);
	free(got);
	free(want);
	assert_int_equal(snap_store_delete("untrimmed"), 0);
	assert_all_given_back();
}

static void test_sections_walk(void **state)
{
	struct snapshot *s;
	struct snap_cursor c;
	struct snap_section sec;
	const char *why;
	uint8_t want[70000];
	unsigned i;

	(void)state;
	s = build("walk", big, 3, true);
	snap_store_rewind(&c, s);
	for (i = 0; i < 3; i++) {
		why = "not set";
		assert_int_equal(snap_store_next(&c, &sec, &why), 1);
		assert_int_equal(sec.type, big[i].type);
		assert_int_equal(sec.version, big[i].version);
		assert_int_equal(sec.length, big[i].len);
		pattern(want, big[i].len, big[i].seed);
		assert_memory_equal(sec.payload, want, big[i].len);
	}
	assert_int_equal(snap_store_next(&c, &sec, &why), 0);
	assert_int_equal(snap_store_next(&c, &sec, &why), 0);
	/* Rewound, it starts over. */
	snap_store_rewind(&c, s);
	assert_int_equal(snap_store_next(&c, &sec, &why), 1);
	assert_int_equal(sec.type, big[0].type);
	assert_int_equal(snap_store_delete("walk"), 0);
	assert_all_given_back();
}

static void test_stream_is_the_format(void **state)
{
	struct snapshot *s;
	struct snap_reader r;
	struct snap_info info;
	struct snap_section sec;
	uint8_t *got, *want;
	size_t want_len;
	unsigned i;

	(void)state;
	s = build("stream", big, 3, true);
	want = expected_stream("linux-guest", big, 3, &want_len);
	assert_int_equal(s->bytes, want_len);
	got = read_all(s);
	assert_memory_equal(got, want, want_len);
	assert_null(snap_verify(got, want_len));

	assert_null(snap_reader_init(&r, got, want_len, &info));
	assert_string_equal(info.guest, "linux-guest");
	assert_int_equal(info.section_count, 3);
	assert_int_equal(info.flags, 0);
	for (i = 0; i < 3; i++) {
		assert_int_equal(snap_reader_next(&r, &sec), 1);
		assert_int_equal(sec.type, big[i].type);
		assert_int_equal(sec.version, big[i].version);
		assert_int_equal(sec.length, big[i].len);
		assert_memory_equal(sec.payload, want + (sec.payload - got), big[i].len);
	}
	assert_int_equal(snap_reader_next(&r, &sec), 0);
	free(got);
	free(want);
	assert_int_equal(snap_store_delete("stream"), 0);
	assert_all_given_back();
}

static void test_long_guest_name_is_cut(void **state)
{
	const char *why;
	struct snapshot *s;
	uint8_t hdr[SNAP_HEADER_BYTES];
	struct snap_reader r;
	struct snap_info info;

	(void)state;
	s = snap_store_begin("cut", "a-guest-name-of-more-than-thirty-two-bytes", "stop-and-more", 1, &why);
	assert_non_null(s);
	assert_string_equal(s->guest, "a-guest-name-of-more-than-thirty");
	assert_string_equal(s->method, "stop-an");
	snap_store_commit(s);
	assert_int_equal(snap_store_read(s, 0, hdr, sizeof(hdr)), sizeof(hdr));
	assert_null(snap_reader_init(&r, hdr, sizeof(hdr), &info));
	assert_string_equal(info.guest, "a-guest-name-of-more-than-thirty");
	assert_int_equal(info.section_count, 0);
	assert_null(snap_store_verify(s));
	assert_int_equal(snap_store_delete("cut"), 0);
	assert_all_given_back();
}

static void test_reads_at_any_offset(void **state)
{
	struct snapshot *s;
	uint8_t *whole, dst[300];
	uint64_t off;
	size_t len, want, n;

	(void)state;
	s = build("slices", small, 3, true);
	whole = read_all(s);
	assert_true(s->bytes + 4 < sizeof(dst));
	for (off = 0; off <= s->bytes + 2; off++)
		for (len = 0; len <= s->bytes + 2; len++) {
			want = off >= s->bytes ? 0 : (size_t)(s->bytes - off < len ? s->bytes - off : len);
			memset(dst, 0xee, sizeof(dst));
			n = snap_store_read(s, off, dst, len);
			if (n != want)
				fail_msg("read(%llu, %zu) gave %zu bytes, not %zu", (unsigned long long)off, len, n,
					 want);
			if (n && memcmp(dst, whole + off, n))
				fail_msg("read(%llu, %zu) differs from the stream", (unsigned long long)off, len);
			if (dst[n] != 0xee)
				fail_msg("read(%llu, %zu) wrote past what it returned", (unsigned long long)off, len);
		}
	free(whole);

	/* The same across the large one, at boundaries and odd places. */
	{
		static const uint64_t offs[] = { 0, 1, 63, 64, 65, 87, 88, 105, 106, 129, 130, 153, 154, 1000, 70153 };
		static const size_t lens[] = { 1, 2, 23, 24, 25, 64, 4096, 70000, 80000 };
		uint8_t *big_whole, *buf = malloc(80000);
		unsigned i, j;

		assert_non_null(buf);
		build("slices-big", big, 3, true);
		s = snap_store_find("slices-big");
		big_whole = read_all(s);
		for (i = 0; i < sizeof(offs) / sizeof(offs[0]); i++)
			for (j = 0; j < sizeof(lens) / sizeof(lens[0]); j++) {
				off = offs[i];
				len = lens[j];
				want = off >= s->bytes ? 0 : (size_t)(s->bytes - off < len ? s->bytes - off : len);
				assert_int_equal(snap_store_read(s, off, buf, len), want);
				assert_memory_equal(buf, big_whole + off, want);
			}
		free(buf);
		free(big_whole);
	}
	assert_int_equal(snap_store_delete("slices"), 0);
	assert_int_equal(snap_store_delete("slices-big"), 0);
	assert_all_given_back();
}

static void test_every_flipped_byte_refused(void **state)
{
	struct snapshot *s;
	uint8_t *whole, b;
	uint64_t off;
	unsigned bit;

	(void)state;
	s = build("flip", small, 3, true);
	whole = read_all(s);
	assert_null(snap_store_verify(s));
	for (off = 0; off < s->bytes; off++) {
		for (bit = 0; bit < 9; bit++) {
			uint8_t mask = bit < 8 ? (uint8_t)(1U << bit) : 0xff;

			assert_int_equal(snap_store_flip(s, off, mask), 0);
			/* The flip lands on that byte of the stream and no other. */
			assert_int_equal(snap_store_read(s, off, &b, 1), 1);
			assert_int_equal(b, whole[off] ^ mask);
			if (!snap_store_verify(s))
				fail_msg("byte %llu flipped with %#x went unnoticed", (unsigned long long)off, mask);
			assert_int_equal(snap_store_flip(s, off, mask), 0);
			if (snap_store_verify(s))
				fail_msg("byte %llu flipped back is still refused", (unsigned long long)off);
		}
	}
	assert_int_equal(snap_store_flip(s, s->bytes, 1), -1);
	assert_int_equal(snap_store_flip(s, s->bytes + 1000, 1), -1);
	free(whole);
	whole = read_all(s);
	{
		size_t want_len;
		uint8_t *want = expected_stream("linux-guest", small, 3, &want_len);

		assert_memory_equal(whole, want, want_len);
		free(want);
	}
	free(whole);
	assert_int_equal(snap_store_delete("flip"), 0);
	assert_all_given_back();
}

static void test_flip_reasons(void **state)
{
	struct snapshot *s;
	struct snap_cursor c;
	struct snap_section sec;
	const char *why;

	(void)state;
	s = build("reasons", small, 3, true);
	snap_store_flip(s, 20, 1);
	assert_string_equal(snap_store_verify(s), "header checksum mismatch");
	snap_store_flip(s, 20, 1);
	/* In the third section's payload: the walk stops there. */
	snap_store_flip(s, s->bytes - 1, 0x80);
	assert_string_equal(snap_store_verify(s), "section checksum mismatch");
	snap_store_rewind(&c, s);
	assert_int_equal(snap_store_next(&c, &sec, &why), 1);
	assert_int_equal(snap_store_next(&c, &sec, &why), 1);
	assert_int_equal(snap_store_next(&c, &sec, &why), -1);
	assert_string_equal(why, "section checksum mismatch");
	snap_store_flip(s, s->bytes - 1, 0x80);
	/* In the first section's header. */
	snap_store_flip(s, SNAP_HEADER_BYTES + 8, 4);
	assert_string_equal(snap_store_verify(s), "section header checksum mismatch");
	snap_store_flip(s, SNAP_HEADER_BYTES + 8, 4);
	assert_null(snap_store_verify(s));
	assert_int_equal(snap_store_delete("reasons"), 0);
	assert_all_given_back();
}

static void test_names(void **state)
{
	static const char *const bad[] = {
		"",
		"abcdefghijklmnopqrstuvwxyz012345", /* 32 */
		"a b",
		"a/b",
		"/",
		" ",
		"tab\there",
		"colon:",
		"\xc3\xa9t\xc3\xa9",
		"abcdefghijklmnopqrstuvwxyz0123456789",
	};
	static const char *const good[] = {
		"a", "abcdefghijklmnopqrstuvwxyz01234" /* 31 */, "A-Z_0.9", "...", "-", "_",
	};
	const char *why;
	unsigned i;
	struct snapshot *s;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		if (snap_store_begin(bad[i], "g", "stop", 0, &why))
			fail_msg("name \"%s\" accepted", bad[i]);
		assert_string_equal(why, "a snapshot name is 1 to 31 letters, digits, '-', '_' or '.'");
	}
	assert_int_equal(mem.allocs, 0);
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		why = NULL;
		s = snap_store_begin(good[i], "g", "stop", 0, &why);
		if (!s)
			fail_msg("name \"%s\" refused: %s", good[i], why);
		assert_string_equal(s->name, good[i]);
		snap_store_commit(s);
	}
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_int_equal(snap_store_delete(good[i]), 0);
	assert_all_given_back();
}

static void test_duplicate_refused(void **state)
{
	struct snapshot *s, *t;
	const char *why;

	(void)state;
	s = build("twice", small, 3, true);
	why = NULL;
	assert_null(snap_store_begin("twice", "g", "stop", 0, &why));
	assert_string_equal(why, "a snapshot of that name exists already");
	/* Not only committed ones: a snapshot being taken holds its name too. */
	t = begin("pending");
	why = NULL;
	assert_null(snap_store_begin("pending", "g", "stop", 0, &why));
	assert_string_equal(why, "a snapshot of that name exists already");
	/* The refused one changed nothing. */
	assert_ptr_equal(snap_store_find("twice"), s);
	assert_null(snap_store_verify(s));
	snap_store_abort(t);
	/* Gone, the name is free again. */
	assert_int_equal(snap_store_delete("twice"), 0);
	s = build("twice", small, 1, true);
	assert_int_equal(snap_store_delete("twice"), 0);
	assert_int_equal(snap_store_delete("twice"), -1);
	assert_all_given_back();
}

static void test_store_full(void **state)
{
	struct snapshot *snaps[SNAP_STORE_MAX], *s;
	char name[16];
	const char *why;
	unsigned i;

	(void)state;
	/* Committed and uncommitted alike take a slot. */
	for (i = 0; i < SNAP_STORE_MAX; i++) {
		snprintf(name, sizeof(name), "snap%u", i);
		snaps[i] = build(name, small, i % 4 == 3 ? 0 : 1, i % 2 == 0);
	}
	assert_int_equal(listed(), SNAP_STORE_MAX / 2);
	why = NULL;
	assert_null(snap_store_begin("one-more", "g", "stop", 0, &why));
	assert_string_equal(why, "the snapshot store is full (16 snapshots): delete one first");
	/* A taken name is still refused as taken. */
	assert_null(snap_store_begin("snap3", "g", "stop", 0, &why));
	assert_string_equal(why, "a snapshot of that name exists already");
	/* One deleted, there is room for one. */
	assert_int_equal(snap_store_delete("snap4"), 0);
	snaps[4] = NULL;
	s = begin("one-more");
	why = NULL;
	assert_null(snap_store_begin("two-more", "g", "stop", 0, &why));
	assert_string_equal(why, "the snapshot store is full (16 snapshots): delete one first");
	snap_store_abort(s);
	/* An uncommitted one cannot be deleted by name, only aborted. */
	assert_int_equal(snap_store_delete("snap1"), -1);
	for (i = 0; i < SNAP_STORE_MAX; i++) {
		if (!snaps[i])
			continue;
		if (i % 2 == 0) {
			assert_int_equal(snap_store_delete(snaps[i]->name), 0);
		} else {
			assert_null(snap_store_find(snaps[i]->name));
			snap_store_abort(snaps[i]);
		}
	}
	assert_int_equal(listed(), 0);
	assert_all_given_back();
	/* Empty again: all 16 fit once more. */
	for (i = 0; i < SNAP_STORE_MAX; i++) {
		snprintf(name, sizeof(name), "again%u", i);
		snaps[i] = build(name, small, 1, true);
	}
	assert_int_equal(listed(), SNAP_STORE_MAX);
	for (i = 0; i < SNAP_STORE_MAX; i++)
		snap_store_abort(snaps[i]);
	assert_all_given_back();
}

static void test_listing(void **state)
{
	struct snapshot *a, *b, *c;
	unsigned i;
	bool seen_a = false, seen_c = false;

	(void)state;
	assert_int_equal(listed(), 0);
	a = build("list-a", small, 3, true);
	b = build("list-b", small, 2, false);
	c = build("list-c", small, 1, true);
	assert_int_equal(listed(), 2);
	for (i = 0; i < SNAP_STORE_MAX; i++) {
		struct snapshot *s = snap_store_at(i);

		assert_true(s != b);
		seen_a = seen_a || s == a;
		seen_c = seen_c || s == c;
	}
	assert_true(seen_a && seen_c);
	assert_null(snap_store_find("list-b"));
	snap_store_commit(b);
	assert_int_equal(listed(), 3);
	assert_ptr_equal(snap_store_find("list-b"), b);
	assert_null(snap_store_verify(b));
	assert_int_equal(snap_store_delete("list-a"), 0);
	assert_int_equal(listed(), 2);
	assert_null(snap_store_find("list-a"));
	assert_int_equal(snap_store_delete("list-a"), -1);
	assert_int_equal(snap_store_delete("list-b"), 0);
	assert_int_equal(snap_store_delete("list-c"), 0);
	assert_int_equal(listed(), 0);
	assert_all_given_back();
}

static void test_delete_gives_back(void **state)
{
	(void)state;
	build("del", big, 3, true);
	assert_int_equal(mem.allocs, 3);
	assert_int_equal(mem.n_live, 3);
	assert_int_equal(snap_store_delete("nope"), -1);
	assert_int_equal(mem.frees, 0);
	assert_int_equal(snap_store_delete("del"), 0);
	assert_all_given_back();
	assert_int_equal(snap_store_delete("del"), -1);
	assert_null(snap_store_find("del"));
}

static void test_abort_gives_back(void **state)
{
	struct snapshot *s;

	(void)state;
	/* Uncommitted, sections closed. */
	s = build("abort1", big, 3, false);
	snap_store_abort(s);
	assert_all_given_back();
	assert_null(snap_store_find("abort1"));

	/* With a section still open, after two closed ones. */
	s = build("abort2", big, 2, false);
	assert_non_null(snap_store_section_begin(s, 5000));
	assert_int_equal(mem.n_live, 3);
	snap_store_abort(s);
	assert_all_given_back();

	/* With only an open section. */
	s = begin("abort3");
	assert_non_null(snap_store_section_begin(s, 1));
	snap_store_abort(s);
	assert_all_given_back();

	/* With nothing at all. */
	s = begin("abort4");
	snap_store_abort(s);
	assert_all_given_back();

	/* A committed one, aborted directly (what delete does). */
	s = build("abort5", small, 3, true);
	snap_store_abort(s);
	assert_all_given_back();
	assert_null(snap_store_find("abort5"));
	assert_int_equal(listed(), 0);

	/* The names are free again. */
	s = begin("abort2");
	snap_store_abort(s);
	assert_all_given_back();
}

static void test_out_of_memory(void **state)
{
	struct snapshot *s;

	(void)state;
	s = build("oom", small, 1, false);
	mem.fail_alloc = true;
	assert_null(snap_store_section_begin(s, 4096));
	mem.fail_alloc = false;
	/* The failed section left nothing behind: the snapshot still commits whole. */
	add(s, &small[2]);
	snap_store_commit(s);
	assert_int_equal(s->sections, 2);
	assert_null(snap_store_verify(s));
	assert_int_equal(snap_store_delete("oom"), 0);
	assert_all_given_back();

	/* Out of memory, then given up. */
	s = build("oom2", small, 2, false);
	mem.fail_alloc = true;
	assert_null(snap_store_section_begin(s, 4096));
	mem.fail_alloc = false;
	snap_store_abort(s);
	assert_all_given_back();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_build_and_commit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_trim_gives_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_trim_env, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sections_walk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stream_is_the_format, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_guest_name_is_cut, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reads_at_any_offset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_flipped_byte_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flip_reasons, setup, teardown),
		cmocka_unit_test_setup_teardown(test_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_listing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete_gives_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_abort_gives_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_out_of_memory, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
