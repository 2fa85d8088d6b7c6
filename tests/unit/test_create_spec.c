/*
 * `create NAME key=value ...`: sections from hv.cfg, overrides, guests
 * defined on the spot, and every way the line can be wrong.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/mgmt/create_spec.h"

#define MiB (1024ULL * 1024)

static struct hvcfg cfg;

static bool known(const char *name, void *ctx)
{
	static const char *const images[] = { "bzImage", "initrd.img", "ticker.bin", "console.bin" };
	size_t i;

	(void)ctx;
	for (i = 0; i < sizeof(images) / sizeof(images[0]); i++)
		if (!strcmp(name, images[i]))
			return true;
	return false;
}

static int setup(void **state)
{
	static const char text[] = "[guest linux]\nkernel = bzImage\ninitrd = initrd.img\n"
				   "cmdline = \"console=ttyS0\"\nmemory = 128M\nvcpus = 2\nautostart = yes\n"
				   "[guest con]\nkernel = console.bin\nrole = console\n"
				   "[guest gone]\nkernel = missing.bin\n";

	assert_int_equal(hvcfg_parse(text, sizeof(text) - 1, &cfg, NULL), 0);
	return 0;
}

static int parse(const char *spec, struct hvcfg_guest *g, char *err, size_t size)
{
	memset(err, 0, size);
	return create_spec_parse(spec, strlen(spec), &cfg, known, NULL, g, err, size);
}

static void expect_error(const char *spec, const char *want)
{
	struct hvcfg_guest g;
	char err[160];

	if (parse(spec, &g, err, sizeof(err)) != -1 || !strstr(err, want))
		fail_msg("'%s': got '%s', wanted '%s'", spec, err, want);
}

static void test_from_section(void **state)
{
	struct hvcfg_guest g;
	char err[160];

	assert_int_equal(parse("linux", &g, err, sizeof(err)), 0);
	assert_string_equal(g.name, "linux");
	assert_string_equal(g.kernel, "bzImage");
	assert_int_equal(g.memory_bytes, 128 * MiB);
	assert_int_equal(g.vcpus, 2);
	assert_false(g.autostart);
}

static void test_overrides(void **state)
{
	struct hvcfg_guest g;
	char err[160];

	assert_int_equal(parse("  linux memory=256M\tvcpus=1 cmdline=\"console=ttyS0 quiet\" cpus=1 ",
			       &g, err, sizeof(err)), 0);
	assert_int_equal(g.memory_bytes, 256 * MiB);
	assert_int_equal(g.vcpus, 1);
	assert_string_equal(g.cmdline, "console=ttyS0 quiet");
	assert_int_equal(g.cpu_count, 1);
	assert_int_equal(g.cpus[0], 1);
	/* A guest hv.cfg does not name, defined on the spot. */
	assert_int_equal(parse("t2 kernel=ticker.bin type=long memory=8", &g, err, sizeof(err)), 0);
	assert_string_equal(g.name, "t2");
	assert_string_equal(g.kernel, "ticker.bin");
	assert_int_equal(g.memory_bytes, 8 * MiB);
	assert_int_equal(g.vcpus, 1);
}

static void test_errors(void **state)
{
	char big[2048];

	expect_error("", "missing guest name");
	expect_error("   ", "missing guest name");
	expect_error("bad/name", "bad guest name");
	expect_error("0123456789012345678901234567890123", "bad guest name");
	expect_error("nosuch", "no guest 'nosuch' in hv.cfg");
	expect_error("gone", "kernel 'missing.bin' is not among the images");
	expect_error("linux kernel=nosuch.bin", "kernel 'nosuch.bin' is not among the images");
	expect_error("linux initrd=x.img", "initrd 'x.img' is not among");
	expect_error("linux memory", "expected key=value, got 'memory'");
	expect_error("linux =5", "expected key=value");
	expect_error("linux memory=lots", "bad number 'lots' for memory");
	expect_error("linux colour=blue", "unknown key 'colour'");
	expect_error("linux autostart=yes", "'autostart' cannot be set by create");
	expect_error("linux cmdline=\"unterminated", "unterminated quote");
	expect_error("con", "only one console domain");
	expect_error("linux role=console", "only one console domain");
	expect_error("linux vcpus=9", "vcpus = 9 is out of range: expected 1 to 8");
	expect_error("linux vcpus=1\x1b[A", "only printable ASCII");
	expect_error("linux \xff", "only printable ASCII");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	expect_error(big, "too long");
	memcpy(big, "linux cmdline=", 14);
	big[600] = 0;
	expect_error(big, "too long");
	big[300] = 0;
	expect_error(big, "word too long");
}

/* A NUL inside the given length is not printable: refused, not a short string. */
static void test_embedded_nul(void **state)
{
	struct hvcfg_guest g;
	char err[160];

	assert_int_equal(create_spec_parse("linux\0x", 7, &cfg, known, NULL, &g, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "printable"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_from_section),
		cmocka_unit_test(test_overrides),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_embedded_nul),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
