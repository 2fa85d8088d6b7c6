/*
 * Host unit test for vmm/dev/acpi_pm.c: the PM timer's rate and 24-bit
 * wrap, TMR_STS, PM1 status write-one-to-clear and enable bits, SCI_EN
 * stuck at 1, and sleep requests at every width, as ACPICA's
 * acpi_hw_legacy_sleep makes them (ACPI 6.5 4.8.3, 7.4.2).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "vmm/dev/acpi_pm.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define BASE 0x600U
#define S5 5U
#define SEC 1000000000ULL

struct sleeps {
	unsigned count, typ;
};

static void record_sleep(void *ctx, unsigned slp_typ)
{
	struct sleeps *s = ctx;

	s->count++;
	s->typ = slp_typ;
}

static void setup(struct acpi_pm *pm, struct sleeps *s)
{
	*s = (struct sleeps){ 0 };
	acpi_pm_init(pm, BASE, S5, (struct acpi_pm_wiring){ .sleep = record_sleep, .ctx = s });
}

static uint32_t in(struct acpi_pm *pm, uint16_t port, unsigned size, uint64_t now)
{
	uint32_t v = 0x5a5a5a5a;

	assert_true(acpi_pm_io_read(pm, port, size, &v, now));
	return v;
}

static void out(struct acpi_pm *pm, uint16_t port, unsigned size, uint32_t v, uint64_t now)
{
	assert_true(acpi_pm_io_write(pm, port, size, v, now));
}

/* The first nanosecond by which n timer ticks have passed. */
static uint64_t tick_ns(uint64_t n)
{
	return (uint64_t)(((unsigned __int128)n * SEC + ACPI_PM_TIMER_HZ - 1) / ACPI_PM_TIMER_HZ);
}

static void test_timer(void **state)
{
	static const struct {
		uint64_t ns;
		uint32_t ticks;
	} cases[] = {
		{ 0, 0 },
		{ 279, 0 },			/* one tick is 279.365 ns */
		{ 280, 1 },
		{ 1000000, 3579 },
		{ SEC, 3579545 },
		{ 4 * SEC, 14318180 },
		{ 5 * SEC, 17897725 & 0xffffff },	/* wrapped once */
		{ 3600 * SEC, (uint32_t)(12886362000ULL & 0xffffff) },
	};
	struct sleeps s;
	struct acpi_pm pm;

	setup(&pm, &s);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		uint32_t t = cases[i].ticks;

		assert_int_equal(acpi_pm_timer(cases[i].ns), t);
		assert_int_equal(in(&pm, BASE + 8, 4, cases[i].ns), t);
		assert_int_equal(in(&pm, BASE + 8, 2, cases[i].ns), t & 0xffff);
		assert_int_equal(in(&pm, BASE + 10, 2, cases[i].ns), t >> 16);
		assert_int_equal(in(&pm, BASE + 9, 1, cases[i].ns), t >> 8 & 0xff);
		assert_int_equal(in(&pm, BASE + 11, 1, cases[i].ns), 0);
	}
	/* The wrap itself. */
	assert_int_equal(acpi_pm_timer(tick_ns(0x1000000) - 1), 0xffffff);
	assert_int_equal(acpi_pm_timer(tick_ns(0x1000000)), 0);
	/* Writes do nothing. */
	out(&pm, BASE + 8, 4, 0, SEC);
	assert_int_equal(in(&pm, BASE + 8, 4, SEC), 3579545);
}

static void test_tmr_sts(void **state)
{
	uint64_t toggle = tick_ns(1U << 23);
	struct sleeps s;
	struct acpi_pm pm;

	setup(&pm, &s);
	assert_int_equal(in(&pm, BASE, 2, toggle - 1), 0);
	assert_int_equal(in(&pm, BASE, 2, toggle), ACPI_PM1_TMR);
	assert_int_equal(in(&pm, BASE, 1, toggle + 5), ACPI_PM1_TMR);
	/* Writing 0 leaves it; writing 1 clears it until the next toggle. */
	out(&pm, BASE, 2, 0, toggle + 10);
	assert_int_equal(in(&pm, BASE, 2, toggle + 10), ACPI_PM1_TMR);
	out(&pm, BASE, 2, ACPI_PM1_TMR, toggle + 10);
	assert_int_equal(in(&pm, BASE, 2, toggle + 10), 0);
	assert_int_equal(in(&pm, BASE, 2, tick_ns(2U << 23) - 1), 0);
	assert_int_equal(in(&pm, BASE, 2, tick_ns(2U << 23)), ACPI_PM1_TMR);
}

static void test_enable_and_control(void **state)
{
	struct sleeps s;
	struct acpi_pm pm;

	setup(&pm, &s);
	assert_int_equal(in(&pm, BASE + 2, 2, 0), 0);
	out(&pm, BASE + 2, 2, 0xffff, 0);
	assert_int_equal(in(&pm, BASE + 2, 2, 0), ACPI_PM1_EN_BITS);
	out(&pm, BASE + 3, 1, 0x00, 0);
	assert_int_equal(in(&pm, BASE + 2, 2, 0), ACPI_PM1_EN_BITS & 0xff);
	/* A dword at the event block: status in the low half, enable in the high. */
	out(&pm, BASE, 4, 0x01000000, 0);
	assert_int_equal(in(&pm, BASE, 4, 0), 0x01000000);

	/* SCI_EN reads 1 whatever is written; SLP_EN and GBL_RLS read 0. */
	assert_int_equal(in(&pm, BASE + 4, 2, 0), ACPI_PM1_SCI_EN);
	out(&pm, BASE + 4, 2, ACPI_PM1_GBL_RLS | ACPI_PM1_BM_RLD | 3U << 10, 0);
	assert_int_equal(in(&pm, BASE + 4, 2, 0), ACPI_PM1_SCI_EN | ACPI_PM1_BM_RLD | 3U << 10);
	assert_int_equal(in(&pm, BASE + 5, 1, 0), 3U << 2);
	out(&pm, BASE + 4, 1, 0, 0);
	assert_int_equal(in(&pm, BASE + 4, 2, 0), ACPI_PM1_SCI_EN | 3U << 10);
	assert_int_equal(s.count, 0);
}

static const struct {
	const char *what;
	uint16_t port;
	unsigned size;
	uint32_t first, second; /* ACPICA writes SLP_TYP, then SLP_TYP | SLP_EN */
	unsigned sleeps;
	bool wake;
} requests[] = {
	{ "S5, word", BASE + 4, 2, S5 << 10, S5 << 10 | ACPI_PM1_SLP_EN, 1, false },
	{ "S5, byte", BASE + 5, 1, S5 << 2, S5 << 2 | ACPI_PM1_SLP_EN >> 8, 1, false },
	{ "S5, SLP_EN alone", BASE + 4, 2, S5 << 10, ACPI_PM1_SLP_EN, 0, true },
	{ "S5 typ, no SLP_EN", BASE + 4, 2, S5 << 10, S5 << 10, 0, false },
	{ "S3", BASE + 4, 2, 1U << 10, 1U << 10 | ACPI_PM1_SLP_EN, 0, true },
	{ "S0 typ", BASE + 4, 2, 0, ACPI_PM1_SLP_EN, 0, true },
	{ "low byte only", BASE + 4, 1, 0xff, 0xff, 0, false },
};

static void test_sleep(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(requests); i++) {
		struct sleeps s;
		struct acpi_pm pm;
		uint32_t sts;

		setup(&pm, &s);
		out(&pm, requests[i].port, requests[i].size, requests[i].first, SEC);
		assert_int_equal(s.count, 0);
		out(&pm, requests[i].port, requests[i].size, requests[i].second, SEC);
		if (s.count != requests[i].sleeps)
			fail_msg("%s: %u sleeps", requests[i].what, s.count);
		if (s.count)
			assert_int_equal(s.typ, S5);
		sts = in(&pm, BASE, 2, SEC);
		if (!!(sts & ACPI_PM1_WAK_STS) != requests[i].wake)
			fail_msg("%s: status %#x", requests[i].what, sts);
		/* WAK_STS is write-one-to-clear. */
		out(&pm, BASE + 1, 1, 0x80, SEC);
		assert_int_equal(in(&pm, BASE, 2, SEC), 0);
	}
}

static void test_no_callback(void **state)
{
	struct acpi_pm pm;

	acpi_pm_init(&pm, BASE, S5, (struct acpi_pm_wiring){ 0 });
	out(&pm, BASE + 4, 2, S5 << 10 | ACPI_PM1_SLP_EN, 0);
}

static const struct {
	uint16_t port;
	unsigned size;
} outside[] = {
	{ BASE - 1, 1 }, { BASE - 2, 4 }, { BASE + 6, 1 }, { BASE + 7, 1 }, { BASE + 6, 2 },
	{ BASE + 3, 2 }, { BASE + 2, 4 }, { BASE + 4, 4 }, { BASE + 5, 2 }, { BASE + 10, 4 },
	{ BASE + 12, 1 }, { BASE, 3 }, { BASE, 8 }, { BASE, 0 }, { 0, 1 },
};

static void test_outside(void **state)
{
	struct sleeps s;
	struct acpi_pm pm;
	uint32_t v = 0x5a;

	setup(&pm, &s);
	for (size_t i = 0; i < ARRAY_SIZE(outside); i++) {
		assert_false(acpi_pm_io_read(&pm, outside[i].port, outside[i].size, &v, 0));
		assert_false(acpi_pm_io_write(&pm, outside[i].port, outside[i].size, ~0U, 0));
	}
	assert_int_equal(v, 0x5a);
	assert_int_equal(s.count, 0);
	assert_int_equal(in(&pm, BASE + 2, 2, 0), 0);
}

static void record_sci(void *ctx, unsigned line, bool level)
{
	int *sci = ctx;

	assert_int_equal(line, 9);
	*sci = level;
}

/* The power button: status always, SCI only while enabled, cleared by writing 1. */
static void test_power_button(void **state)
{
	struct acpi_pm pm;
	int sci = -1;

	acpi_pm_init(&pm, BASE, S5, (struct acpi_pm_wiring){ .sci = { record_sci, &sci, 9 } });
	assert_int_equal(sci, 0);
	acpi_pm_power_button(&pm);
	assert_int_equal(in(&pm, BASE + ACPI_PM_STS, 2, 0) & ACPI_PM1_PWRBTN, ACPI_PM1_PWRBTN);
	assert_int_equal(sci, 0); /* not enabled: no interrupt */
	out(&pm, BASE + ACPI_PM_EN, 2, ACPI_PM1_PWRBTN, 0);
	assert_int_equal(sci, 1);
	out(&pm, BASE + ACPI_PM_STS, 2, ACPI_PM1_TMR, 0); /* clearing another bit keeps it */
	assert_int_equal(sci, 1);
	out(&pm, BASE + ACPI_PM_STS + 1, 1, ACPI_PM1_PWRBTN >> 8, 0);
	assert_int_equal(sci, 0);
	assert_int_equal(in(&pm, BASE + ACPI_PM_STS, 2, 0) & ACPI_PM1_PWRBTN, 0);
	acpi_pm_power_button(&pm);
	assert_int_equal(sci, 1);
	out(&pm, BASE + ACPI_PM_EN, 2, 0, 0);
	assert_int_equal(sci, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timer),
		cmocka_unit_test(test_tmr_sts),
		cmocka_unit_test(test_enable_and_control),
		cmocka_unit_test(test_sleep),
		cmocka_unit_test(test_no_callback),
		cmocka_unit_test(test_outside),
		cmocka_unit_test(test_power_button),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
