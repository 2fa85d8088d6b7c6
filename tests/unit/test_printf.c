/*
 * Host tests for lib/printf.c. Most cases are also run through the C
 * library's snprintf, so the expected strings are checked against a
 * reference as well as against the implementation under test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "lib/printf.h"

/* Both hv_snprintf and libc must produce `want`, with the same return value. */
#define CHECK(want, ...)                                                  \
	do {                                                              \
		char hv[256], lc[256];                                    \
		int hn = hv_snprintf(hv, sizeof(hv), __VA_ARGS__);        \
		int ln = snprintf(lc, sizeof(lc), __VA_ARGS__);           \
		assert_string_equal(hv, want);                            \
		assert_string_equal(lc, want);                            \
		assert_int_equal(hn, (int)sizeof(want) - 1);              \
		assert_int_equal(ln, hn);                                 \
	} while (0)

/*
 * Through a function without the format attribute: formats that -Wformat
 * would refuse (unknown conversions, flags C calls ignored), and cases
 * where hv_snprintf documents its own output.
 */
static int call_hv(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = hv_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

#define CHECK_HV(want, ...)                                               \
	do {                                                              \
		char hv[256];                                             \
		int hn = call_hv(hv, sizeof(hv), __VA_ARGS__);            \
		assert_string_equal(hv, want);                            \
		assert_int_equal(hn, (int)sizeof(want) - 1);              \
	} while (0)

static void test_plain(void **state)
{
	CHECK("", "%s", "");
	CHECK("hello", "hello");
	CHECK("100%", "100%%");
	CHECK("a%b", "a%cb", '%');
}

static void test_signed(void **state)
{
	CHECK("0", "%d", 0);
	CHECK("-42", "%d", -42);
	CHECK("42", "%i", 42);
	CHECK("-2147483648", "%d", INT_MIN);
	CHECK("2147483647", "%d", INT_MAX);
	CHECK("-9223372036854775808", "%lld", LLONG_MIN);
	CHECK("-9223372036854775808", "%ld", LONG_MIN);
	CHECK("-1", "%zd", (ptrdiff_t)-1);
	CHECK("-1", "%hhd", 255);
	CHECK("4464", "%hd", 70000);
}

static void test_unsigned(void **state)
{
	CHECK("4294967295", "%u", UINT_MAX);
	CHECK("18446744073709551615", "%llu", ULLONG_MAX);
	CHECK("18446744073709551615", "%lu", ULONG_MAX);
	CHECK("18446744073709551615", "%zu", SIZE_MAX);
	CHECK("deadbeef", "%x", 0xdeadbeefU);
	CHECK("DEADBEEF", "%X", 0xdeadbeefU);
	CHECK("ffffffffffffffff", "%llx", ~0ULL);
	CHECK("ff", "%hhx", 0x1ffU);
	CHECK("ffff", "%hx", 0x1ffffU);
	CHECK("0", "%x", 0U);
	CHECK("1000", "%zx", (size_t)0x1000);
}

static void test_width_flags(void **state)
{
	CHECK("   42", "%5d", 42);
	CHECK("42   |", "%-5d|", 42);
	CHECK("00042", "%05d", 42);
	CHECK("-0042", "%05d", -42);
	CHECK("  -42", "%5d", -42);
	CHECK_HV("-42  |", "%-05d|", -42); /* '-' beats '0' */
	CHECK("000003f8", "%08x", 0x3f8U);
	CHECK("42", "%1d", 42); /* width smaller than the number */
	CHECK("   ab", "%5s", "ab");
	CHECK("ab   |", "%-5s|", "ab");
	CHECK("    x", "%5c", 'x');
	CHECK("x    |", "%-5c|", 'x');
	CHECK("   42", "%*d", 5, 42);
	CHECK("42   |", "%*d|", -5, 42);
}

static void test_precision(void **state)
{
	static const char unterminated[3] = { 'a', 'b', 'c' };

	CHECK("hel", "%.3s", "hello");
	CHECK("  hel", "%5.3s", "hello");
	CHECK("hi", "%.10s", "hi");
	CHECK("", "%.0s", "hello");
	/* Precision must stop the read: ASan flags a byte past the array. */
	CHECK("abc", "%.3s", unterminated);
	CHECK("ab", "%.*s", 2, unterminated);
	CHECK("hello", "%.*s", -1, "hello");
	/* On integers, a minimum digit count that disables '0'. */
	CHECK("005", "%.3d", 5);
	CHECK_HV("  005", "%05.3d", 5);
	CHECK("-005", "%.3d", -5);
	CHECK("", "%.0d", 0);
}

static void test_pointer_and_null(void **state)
{
	CHECK("0x1234", "%p", (void *)0x1234);
	CHECK("    0xff", "%8p", (void *)0xff);
	CHECK_HV("0xffff800000000000", "%p", (void *)0xffff800000000000UL);
	CHECK_HV("0x0", "%p", (void *)NULL);
	CHECK_HV("(null)", "%s", (char *)NULL);
}

static void test_truncation(void **state)
{
	char buf[8];
	int n;

	memset(buf, 'X', sizeof(buf));
	n = hv_snprintf(buf, 5, "hello world");
	assert_int_equal(n, 11);
	assert_string_equal(buf, "hell");
	assert_int_equal(buf[5], 'X'); /* nothing written past size */

	memset(buf, 'X', sizeof(buf));
	n = hv_snprintf(buf, 1, "abc");
	assert_int_equal(n, 3);
	assert_int_equal(buf[0], '\0');
	assert_int_equal(buf[1], 'X');

	memset(buf, 'X', sizeof(buf));
	n = hv_snprintf(buf, 0, "abc%d", 12345);
	assert_int_equal(n, 8);
	assert_int_equal(buf[0], 'X');
	n = hv_snprintf(NULL, 0, "%s", "measure");
	assert_int_equal(n, 7);

	/* Exactly fits: 7 characters + NUL in 8 bytes. */
	n = hv_snprintf(buf, sizeof(buf), "%07d", 1);
	assert_int_equal(n, 7);
	assert_string_equal(buf, "0000001");
	n = hv_snprintf(buf, sizeof(buf), "%08d", 1);
	assert_int_equal(n, 8);
	assert_string_equal(buf, "0000000");
}

static void test_unknown_conversion(void **state)
{
	char buf[32];

	assert_int_equal(call_hv(buf, sizeof(buf), "a%qb"), 4);
	assert_string_equal(buf, "a%qb");
	assert_int_equal(call_hv(buf, sizeof(buf), "end%"), 4);
	assert_string_equal(buf, "end%");
	assert_int_equal(call_hv(buf, sizeof(buf), "end%-5"), 6);
	assert_string_equal(buf, "end%-5");
	/* An unknown spec consumes no argument: the next one is still right. */
	assert_int_equal(call_hv(buf, sizeof(buf), "%q %d", 7), 4);
	assert_string_equal(buf, "%q 7");
}

static void test_mixed(void **state)
{
	CHECK("guest web: 4 vcpus, 0x10000000 bytes, [bzImage]",
	      "guest %s: %u vcpus, 0x%llx bytes, [%s]", "web", 4U,
	      0x10000000ULL, "bzImage");
	CHECK("hv.cfg:12: missing '='", "%s:%u: %s", "hv.cfg", 12U, "missing '='");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_signed),
		cmocka_unit_test(test_unsigned),
		cmocka_unit_test(test_width_flags),
		cmocka_unit_test(test_precision),
		cmocka_unit_test(test_pointer_and_null),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_unknown_conversion),
		cmocka_unit_test(test_mixed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
