/*
 * Host unit test for vmm/dev/sysctl.c: every way a guest asks the PC for a
 * reset (port 0x92, the 8042's pulse and output-port commands, 0xcf9 as
 * Linux's reboot writes it), A20, and the 8042 commands firmware uses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "vmm/dev/sysctl.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static unsigned resets;

static void count_reset(void *ctx)
{
	assert_ptr_equal(ctx, &resets);
	resets++;
}

static void setup(struct sysctl *s)
{
	resets = 0;
	sysctl_init(s, (struct sysctl_wiring){ count_reset, &resets });
}

static void out(struct sysctl *s, uint16_t port, uint8_t v)
{
	assert_true(sysctl_io_write(s, port, v));
}

static uint8_t in(struct sysctl *s, uint16_t port)
{
	uint8_t v = 0xa5;

	assert_true(sysctl_io_read(s, port, &v));
	return v;
}

/* A sequence of writes and how many resets it makes. */
struct step {
	uint16_t port;
	uint8_t value;
};

static const struct {
	const char *what;
	struct step steps[4];
	unsigned n, resets;
} sequences[] = {
	{ "92 fast reset", { { 0x92, 0x03 } }, 1, 1 },
	{ "92 bit 0 already set", { { 0x92, 0x03 }, { 0x92, 0x03 } }, 2, 1 },
	{ "92 set, clear, set", { { 0x92, 0x01 }, { 0x92, 0x00 }, { 0x92, 0x01 } }, 3, 2 },
	{ "92 A20 only", { { 0x92, 0x00 }, { 0x92, 0x02 } }, 2, 0 },
	{ "kbc 0xfe", { { 0x64, 0xfe } }, 1, 1 },
	{ "kbc 0xf0 pulses all", { { 0x64, 0xf0 } }, 1, 1 },
	{ "kbc 0xff pulses none", { { 0x64, 0xff } }, 1, 0 },
	{ "kbc 0xfd pulses A20", { { 0x64, 0xfd } }, 1, 0 },
	{ "kbc 0xd1 reset", { { 0x64, 0xd1 }, { 0x60, 0xfe } }, 2, 1 },
	{ "kbc 0xd1 A20", { { 0x64, 0xd1 }, { 0x60, 0xdf } }, 2, 0 },
	{ "kbc data without command", { { 0x60, 0x00 } }, 1, 0 },
	{ "kbc 0xd1 replaced", { { 0x64, 0xd1 }, { 0x64, 0xae }, { 0x60, 0x00 } }, 3, 0 },
	{ "cf9 linux", { { 0xcf9, 0x02 }, { 0xcf9, 0x06 } }, 2, 1 },
	{ "cf9 full", { { 0xcf9, 0x0e } }, 1, 1 },
	{ "cf9 soft", { { 0xcf9, 0x04 } }, 1, 1 },
	{ "cf9 select only", { { 0xcf9, 0x0a } }, 1, 0 },
	{ "cf9 twice", { { 0xcf9, 0x06 }, { 0xcf9, 0x06 } }, 2, 2 },
};

static void test_resets(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(sequences); i++) {
		struct sysctl s;

		setup(&s);
		for (unsigned j = 0; j < sequences[i].n; j++)
			out(&s, sequences[i].steps[j].port, sequences[i].steps[j].value);
		if (resets != sequences[i].resets)
			fail_msg("%s: %u resets, want %u", sequences[i].what, resets,
				 sequences[i].resets);
	}
}

static void test_no_callback(void **state)
{
	struct sysctl s;

	sysctl_init(&s, (struct sysctl_wiring){ 0 });
	out(&s, 0x64, 0xfe);
	out(&s, 0x92, 0x01);
	out(&s, 0xcf9, 0x06);
}

static void test_a20(void **state)
{
	struct sysctl s;

	setup(&s);
	assert_true(sysctl_a20(&s));
	assert_int_equal(in(&s, 0x92), 0x02);
	/* Both gates must close for A20 to be masked. */
	out(&s, 0x92, 0x00);
	assert_int_equal(in(&s, 0x92), 0x00);
	assert_true(sysctl_a20(&s));
	out(&s, 0x64, 0xd1);
	out(&s, 0x60, 0x01);
	assert_false(sysctl_a20(&s));
	out(&s, 0x64, 0xd0);
	assert_int_equal(in(&s, 0x60), 0x01);
	out(&s, 0x92, 0x02);
	assert_true(sysctl_a20(&s));
	out(&s, 0x92, 0x00);
	out(&s, 0x64, 0xd1);
	out(&s, 0x60, 0x03);
	assert_true(sysctl_a20(&s));
	assert_int_equal(resets, 0);
}

static void test_kbc_status_and_data(void **state)
{
	struct sysctl s;

	setup(&s);
	assert_int_equal(in(&s, 0x64), 0x1c);
	/* Self-test: 0x55 in the output buffer, OBF until read. */
	out(&s, 0x64, 0xaa);
	assert_int_equal(in(&s, 0x64), 0x1d);
	assert_int_equal(in(&s, 0x60), 0x55);
	assert_int_equal(in(&s, 0x64), 0x1c);
	/* With nothing pending, the last byte again. */
	assert_int_equal(in(&s, 0x60), 0x55);
	assert_int_equal(in(&s, 0x64), 0x1c);

	/* Command byte: read, write, and the enable/disable commands. */
	out(&s, 0x64, 0x20);
	assert_int_equal(in(&s, 0x60), 0x45);
	out(&s, 0x64, 0xad);
	out(&s, 0x64, 0xa7);
	out(&s, 0x64, 0x20);
	assert_int_equal(in(&s, 0x60), 0x75);
	out(&s, 0x64, 0xae);
	out(&s, 0x64, 0xa8);
	out(&s, 0x64, 0x20);
	assert_int_equal(in(&s, 0x60), 0x45);
	out(&s, 0x64, 0x60);
	out(&s, 0x60, 0x61);
	/* Bit 3 says the last write went to the data port; SYS follows the command byte. */
	assert_int_equal(in(&s, 0x64), 0x10);
	out(&s, 0x64, 0x20);
	assert_int_equal(in(&s, 0x64), 0x19);
	assert_int_equal(in(&s, 0x60), 0x61);
	out(&s, 0x64, 0xab);
	assert_int_equal(in(&s, 0x60), 0x00);
	assert_int_equal(resets, 0);
}

static void test_cf9_read_back(void **state)
{
	struct sysctl s;

	setup(&s);
	assert_int_equal(in(&s, 0xcf9), 0x00);
	out(&s, 0xcf9, 0x0a);
	assert_int_equal(in(&s, 0xcf9), 0x0a);
	out(&s, 0xcf9, 0xff);
	assert_int_equal(in(&s, 0xcf9), 0x0a); /* RST_CPU reads 0 */
}

static void test_foreign_ports(void **state)
{
	static const uint16_t ports[] = { 0x61, 0x62, 0x63, 0x65, 0x91, 0x93, 0xcf8, 0xcfa,
					  0x160, 0x164 };
	struct sysctl s;
	uint8_t v = 0x5a;

	setup(&s);
	for (size_t i = 0; i < ARRAY_SIZE(ports); i++) {
		assert_false(sysctl_io_write(&s, ports[i], 0xfe));
		assert_false(sysctl_io_read(&s, ports[i], &v));
	}
	assert_int_equal(v, 0x5a);
	assert_int_equal(resets, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resets),
		cmocka_unit_test(test_no_callback),
		cmocka_unit_test(test_a20),
		cmocka_unit_test(test_kbc_status_and_data),
		cmocka_unit_test(test_cf9_read_back),
		cmocka_unit_test(test_foreign_ports),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
