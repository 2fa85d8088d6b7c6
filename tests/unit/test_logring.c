/*
 * Host tests for lib/logring.c: wrap-around, writes larger than the ring,
 * readers that fell behind, and a model check against a flat copy of
 * everything written.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "lib/logring.h"

/* Reads everything from `from` into a string. */
static size_t read_all(const struct logring *r, uint64_t from, char *out,
		       size_t out_size, uint64_t *next)
{
	size_t n = logring_read(r, from, out, out_size - 1, next);

	out[n] = '\0';
	return n;
}

static void test_empty(void **state)
{
	char buf[8], out[16];
	struct logring r;
	uint64_t next = 99;

	logring_init(&r, buf, sizeof(buf));
	assert_int_equal(logring_oldest(&r), 0);
	assert_int_equal(read_all(&r, 0, out, sizeof(out), &next), 0);
	assert_int_equal(next, 0);
}

static void test_simple(void **state)
{
	char buf[8], out[16];
	struct logring r;
	uint64_t next;

	logring_init(&r, buf, sizeof(buf));
	logring_write(&r, "abc", 3);
	logring_write(&r, "de", 2);
	assert_int_equal(r.head, 5);
	assert_int_equal(logring_oldest(&r), 0);
	assert_int_equal(read_all(&r, 0, out, sizeof(out), &next), 5);
	assert_string_equal(out, "abcde");
	assert_int_equal(next, 5);
	/* Resume from where we stopped: nothing new. */
	assert_int_equal(read_all(&r, next, out, sizeof(out), &next), 0);
	assert_int_equal(next, 5);
	assert_int_equal(read_all(&r, 2, out, sizeof(out), &next), 3);
	assert_string_equal(out, "cde");
}

static void test_wrap(void **state)
{
	char buf[8], out[16];
	struct logring r;
	uint64_t next;

	logring_init(&r, buf, sizeof(buf));
	logring_write(&r, "012345", 6);
	logring_write(&r, "6789", 4); /* wraps: 8, 9 go to buf[0], buf[1] */
	assert_int_equal(logring_oldest(&r), 2);
	assert_int_equal(read_all(&r, 0, out, sizeof(out), &next), 8);
	assert_string_equal(out, "23456789");
	assert_int_equal(next, 10);
	/* Reading across the wrap point from the middle. */
	assert_int_equal(read_all(&r, 6, out, sizeof(out), &next), 4);
	assert_string_equal(out, "6789");
}

static void test_write_larger_than_ring(void **state)
{
	char buf[4], out[16];
	struct logring r;
	uint64_t next;

	logring_init(&r, buf, sizeof(buf));
	logring_write(&r, "x", 1);
	logring_write(&r, "abcdefghij", 10);
	assert_int_equal(r.head, 11);
	assert_int_equal(logring_oldest(&r), 7);
	assert_int_equal(read_all(&r, 0, out, sizeof(out), &next), 4);
	assert_string_equal(out, "ghij");
	assert_int_equal(next, 11);
	/* Exactly the ring's size. */
	logring_write(&r, "WXYZ", 4);
	assert_int_equal(read_all(&r, 0, out, sizeof(out), &next), 4);
	assert_string_equal(out, "WXYZ");
}

static void test_overwritten_sequence(void **state)
{
	char buf[4], out[16];
	struct logring r;
	uint64_t next;

	logring_init(&r, buf, sizeof(buf));
	logring_write(&r, "abcdef", 6);
	/* A reader at 1 lost "b": it gets the oldest held onwards. */
	assert_int_equal(read_all(&r, 1, out, sizeof(out), &next), 4);
	assert_string_equal(out, "cdef");
	assert_int_equal(next, 6);
	/* A reader from the future gets nothing and is brought back to head. */
	assert_int_equal(read_all(&r, 100, out, sizeof(out), &next), 0);
	assert_int_equal(next, 6);
}

static void test_small_output(void **state)
{
	char buf[8], out[4];
	struct logring r;
	uint64_t next, seq = 0;
	char all[16] = "";

	logring_init(&r, buf, sizeof(buf));
	logring_write(&r, "0123456789", 10);
	/* Drain in chunks of 3: 234 567 89. */
	for (;;) {
		size_t n = read_all(&r, seq, out, sizeof(out), &next);

		if (!n)
			break;
		assert_true(n <= 3);
		strcat(all, out);
		seq = next;
	}
	assert_string_equal(all, "23456789");
	assert_int_equal(seq, 10);
	assert_int_equal(logring_read(&r, 2, out, 0, &next), 0);
	assert_int_equal(next, 2);
	assert_int_equal(logring_read(&r, 2, out, 1, NULL), 1);
	assert_int_equal(out[0], '2');
}

static void test_zero_size(void **state)
{
	struct logring r;
	char out[4];
	uint64_t next;

	logring_init(&r, NULL, 0);
	logring_write(&r, "abc", 3);
	assert_int_equal(r.head, 3);
	assert_int_equal(logring_oldest(&r), 3);
	assert_int_equal(logring_read(&r, 0, out, sizeof(out), &next), 0);
	assert_int_equal(next, 3);
}

/* Random-ish writes of every length, compared with a flat log. */
static void test_model(void **state)
{
	static char flat[20000];
	char buf[37], out[64];
	struct logring r;
	size_t total = 0, i;
	uint32_t x = 12345;

	logring_init(&r, buf, sizeof(buf));
	while (total < sizeof(flat) - 100) {
		char chunk[100];
		size_t len;

		x = x * 1103515245U + 12345U;
		len = (x >> 16) % 90;
		for (i = 0; i < len; i++)
			chunk[i] = (char)('a' + (total + i) % 26);
		logring_write(&r, chunk, len);
		memcpy(flat + total, chunk, len);
		total += len;
		assert_int_equal(r.head, total);

		uint64_t from = total > 50 ? total - 50 : 0, next;
		uint64_t oldest = total > sizeof(buf) ? total - sizeof(buf) : 0;
		size_t n = logring_read(&r, from, out, sizeof(out), &next);
		uint64_t eff = from < oldest ? oldest : from;

		assert_int_equal(logring_oldest(&r), oldest);
		assert_int_equal(n, total - eff);
		assert_memory_equal(out, flat + eff, n);
		assert_int_equal(next, total);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_simple),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_write_larger_than_ring),
		cmocka_unit_test(test_overwritten_sequence),
		cmocka_unit_test(test_small_output),
		cmocka_unit_test(test_zero_size),
		cmocka_unit_test(test_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
