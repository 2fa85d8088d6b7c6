/*
 * Host unit test for vmm/dev/rtc.c: the calendar around leap years and
 * century years, the clock registers in BCD, binary and 12-hour modes, UIP
 * timing, setting the time the way Linux's mc146818_set_time does, the
 * periodic, update-ended and alarm interrupts, and the CMOS memory bytes.
 * Expected values come from the MC146818A datasheet and the PC/AT CMOS map.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "vmm/dev/rtc.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define SEC 1000000000ULL
#define MS 1000000ULL
#define EPOCH 1700000000ULL /* 2023-11-14 22:13:20 UTC, a Tuesday */
#define MIB (1024ULL * 1024ULL)
#define GIB (1024ULL * MIB)

struct irq_rec {
	unsigned edges;
	bool level;
};

static void irq_rec_fn(void *ctx, unsigned line, bool level)
{
	struct irq_rec *r = ctx;

	assert_int_equal(line, RTC_IRQ);
	assert_int_not_equal(level, r->level); /* only changes are signalled */
	if (level)
		r->edges++;
	r->level = level;
}

static void setup(struct rtc *r, struct irq_rec *rec, uint64_t epoch)
{
	*rec = (struct irq_rec){ 0 };
	rtc_init(r, epoch, 512 * MIB, (struct irq_line){ irq_rec_fn, rec, RTC_IRQ });
}

static uint8_t rd(struct rtc *r, uint8_t idx, uint64_t now)
{
	uint8_t v = 0xa5;

	assert_true(rtc_io_write(r, RTC_PORT_INDEX, idx, now));
	assert_true(rtc_io_read(r, RTC_PORT_DATA, &v, now));
	return v;
}

static void wr(struct rtc *r, uint8_t idx, uint8_t v, uint64_t now)
{
	assert_true(rtc_io_write(r, RTC_PORT_INDEX, idx, now));
	assert_true(rtc_io_write(r, RTC_PORT_DATA, v, now));
}

/* ------------------------------------------------------- calendar --- */

static const struct {
	uint64_t t;
	struct rtc_time tm;
} calendar[] = {
	{ 0, { 1970, 1, 1, 0, 0, 0, 4 } },
	{ 68169600, { 1972, 2, 29, 0, 0, 0, 2 } },
	{ 946684799, { 1999, 12, 31, 23, 59, 59, 5 } },
	{ 946684800, { 2000, 1, 1, 0, 0, 0, 6 } },
	{ 951782399, { 2000, 2, 28, 23, 59, 59, 1 } },
	{ 951782400, { 2000, 2, 29, 0, 0, 0, 2 } },	/* 2000 is a leap year (400) */
	{ 951868800, { 2000, 3, 1, 0, 0, 0, 3 } },
	{ 978220800, { 2000, 12, 31, 0, 0, 0, 0 } },	/* day 366 */
	{ 978307200, { 2001, 1, 1, 0, 0, 0, 1 } },
	{ EPOCH, { 2023, 11, 14, 22, 13, 20, 2 } },
	{ 1709208000, { 2024, 2, 29, 12, 0, 0, 4 } },
	{ 2147483648, { 2038, 1, 19, 3, 14, 8, 2 } },	/* past 32-bit time_t */
	{ 4107542399, { 2100, 2, 28, 23, 59, 59, 0 } },
	{ 4107542400, { 2100, 3, 1, 0, 0, 0, 1 } },	/* 2100 is not (100) */
	{ 4133980799, { 2100, 12, 31, 23, 59, 59, 5 } },
	{ 13574563200, { 2400, 2, 29, 0, 0, 0, 2 } },
	{ 253402300799, { 9999, 12, 31, 23, 59, 59, 5 } },
};

static void test_calendar(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(calendar); i++) {
		const struct rtc_time *want = &calendar[i].tm;
		struct rtc_time got;

		rtc_civil_from_unix(calendar[i].t, &got);
		assert_int_equal(got.year, want->year);
		assert_int_equal(got.month, want->month);
		assert_int_equal(got.day, want->day);
		assert_int_equal(got.hour, want->hour);
		assert_int_equal(got.min, want->min);
		assert_int_equal(got.sec, want->sec);
		assert_int_equal(got.weekday, want->weekday);
		assert_int_equal(rtc_unix_from_civil(want), calendar[i].t);
	}
}

static void test_calendar_every_day(void **state)
{
	/* Each day from 1970 to 2401 follows the one before it. */
	struct rtc_time prev, tm;

	rtc_civil_from_unix(0, &prev);
	for (uint64_t t = 86400; t < 13574563200ULL + 366 * 86400ULL; t += 86400) {
		static const uint8_t mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
		bool leap = (prev.year % 4 == 0 && prev.year % 100 != 0) || prev.year % 400 == 0;
		unsigned last = mdays[prev.month - 1] + (prev.month == 2 && leap);

		rtc_civil_from_unix(t, &tm);
		if (prev.day < last) {
			assert_true(tm.year == prev.year && tm.month == prev.month &&
				    tm.day == prev.day + 1);
		} else if (prev.month < 12) {
			assert_true(tm.year == prev.year && tm.month == prev.month + 1 &&
				    tm.day == 1);
		} else {
			assert_true(tm.year == prev.year + 1 && tm.month == 1 && tm.day == 1);
		}
		assert_int_equal(tm.weekday, (prev.weekday + 1) % 7);
		assert_int_equal(rtc_unix_from_civil(&tm), t);
		prev = tm;
	}
}

static void test_calendar_unnormalised(void **state)
{
	struct rtc_time tm = { 2023, 2, 29, 0, 0, 0, 0 }; /* runs on into March 1 */

	assert_int_equal(rtc_unix_from_civil(&tm), 1677628800);
	tm = (struct rtc_time){ 1969, 12, 31, 23, 59, 59, 0 };
	assert_int_equal(rtc_unix_from_civil(&tm), 0);
}

/* ------------------------------------------------- clock registers --- */

static void test_time_bcd(void **state)
{
	struct irq_rec rec;
	struct rtc r;

	setup(&r, &rec, EPOCH);
	assert_int_equal(rd(&r, RTC_REG_SECONDS, 0), 0x20);
	assert_int_equal(rd(&r, RTC_REG_MINUTES, 0), 0x13);
	assert_int_equal(rd(&r, RTC_REG_HOURS, 0), 0x22);
	assert_int_equal(rd(&r, RTC_REG_WEEKDAY, 0), 3); /* Tuesday, Sunday = 1 */
	assert_int_equal(rd(&r, RTC_REG_DAY, 0), 0x14);
	assert_int_equal(rd(&r, RTC_REG_MONTH, 0), 0x11);
	assert_int_equal(rd(&r, RTC_REG_YEAR, 0), 0x23);
	assert_int_equal(rd(&r, RTC_REG_CENTURY, 0), 0x20);
	assert_int_equal(rd(&r, RTC_REG_A, 0), 0x26);
	assert_int_equal(rd(&r, RTC_REG_B, 0), 0x02);
	assert_int_equal(rd(&r, RTC_REG_C, 0), 0x00);
	assert_int_equal(rd(&r, RTC_REG_D, 0), 0x80);

	/* The time advances at whole seconds of guest time. */
	assert_int_equal(rd(&r, RTC_REG_SECONDS, SEC - 1), 0x20);
	assert_int_equal(rd(&r, RTC_REG_SECONDS, SEC), 0x21);
	assert_int_equal(rd(&r, RTC_REG_SECONDS, 40 * SEC), 0x00);
	assert_int_equal(rd(&r, RTC_REG_MINUTES, 40 * SEC), 0x14);
	assert_int_equal(rd(&r, RTC_REG_SECONDS, 3600 * SEC + 39 * SEC + 500 * MS), 0x59);
	assert_int_equal(rd(&r, RTC_REG_HOURS, 3600 * SEC + 40 * SEC), 0x23);
}

static void test_time_across_century(void **state)
{
	struct irq_rec rec;
	struct rtc r;

	setup(&r, &rec, 4102444799ULL); /* 2099-12-31 23:59:59, a Thursday */
	assert_int_equal(rd(&r, RTC_REG_YEAR, 0), 0x99);
	assert_int_equal(rd(&r, RTC_REG_CENTURY, 0), 0x20);
	assert_int_equal(rd(&r, RTC_REG_WEEKDAY, 0), 5);
	assert_int_equal(rd(&r, RTC_REG_YEAR, SEC), 0x00);
	assert_int_equal(rd(&r, RTC_REG_CENTURY, SEC), 0x21);
	assert_int_equal(rd(&r, RTC_REG_MONTH, SEC), 0x01);
	assert_int_equal(rd(&r, RTC_REG_DAY, SEC), 0x01);
	assert_int_equal(rd(&r, RTC_REG_HOURS, SEC), 0x00);
	assert_int_equal(rd(&r, RTC_REG_WEEKDAY, SEC), 6);
}

static void test_time_formats(void **state)
{
	static const struct {
		uint8_t b;
		uint64_t t;
		uint8_t hours, minutes, year;
	} cases[] = {
		{ 0x06, EPOCH, 22, 13, 23 },			/* binary, 24-hour */
		{ 0x04, EPOCH, 0x80 | 10, 13, 23 },		/* binary, 12-hour: 10 PM */
		{ 0x00, EPOCH, 0x80 | 0x10, 0x13, 0x23 },	/* BCD, 12-hour */
		{ 0x00, 946684800, 0x12, 0x00, 0x00 },		/* midnight is 12 AM */
		{ 0x00, 946684800 + 12 * 3600, 0x80 | 0x12, 0x00, 0x00 }, /* noon is 12 PM */
		{ 0x00, 946684800 + 3600 + 59 * 60, 0x01, 0x59, 0x00 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct irq_rec rec;
		struct rtc r;

		setup(&r, &rec, cases[i].t);
		wr(&r, RTC_REG_B, cases[i].b, 0);
		assert_int_equal(rd(&r, RTC_REG_HOURS, 0), cases[i].hours);
		assert_int_equal(rd(&r, RTC_REG_MINUTES, 0), cases[i].minutes);
		assert_int_equal(rd(&r, RTC_REG_YEAR, 0), cases[i].year);
	}
}

static void test_uip(void **state)
{
	struct irq_rec rec;
	struct rtc r;
	uint64_t t = 5 * SEC;

	setup(&r, &rec, EPOCH);
	assert_int_equal(rd(&r, RTC_REG_A, t - RTC_UIP_NS - 1), 0x26);
	assert_int_equal(rd(&r, RTC_REG_A, t - RTC_UIP_NS), 0xa6);
	assert_int_equal(rd(&r, RTC_REG_SECONDS, t - 1), 0x24);
	assert_int_equal(rd(&r, RTC_REG_A, t - 1), 0xa6);
	assert_int_equal(rd(&r, RTC_REG_A, t), 0x26);
	assert_int_equal(rd(&r, RTC_REG_SECONDS, t), 0x25);

	/* UIP is not writable, and SET keeps it clear (no updates happen). */
	wr(&r, RTC_REG_A, 0xa6, t);
	assert_int_equal(rd(&r, RTC_REG_A, t), 0x26);
	wr(&r, RTC_REG_B, RTC_B_SET | RTC_B_24H, t);
	assert_int_equal(rd(&r, RTC_REG_A, t + SEC - 1), 0x26);
}

/* mc146818_set_time() in Linux 6.1: SET, divider reset, the bytes, then release. */
static void linux_set_time(struct rtc *r, const uint8_t bytes[7], uint64_t now)
{
	uint8_t b = rd(r, RTC_REG_B, now), a;

	wr(r, RTC_REG_B, b | RTC_B_SET, now);
	a = rd(r, RTC_REG_A, now);
	wr(r, RTC_REG_A, a | 0x70, now);
	wr(r, RTC_REG_YEAR, bytes[0], now);
	wr(r, RTC_REG_MONTH, bytes[1], now);
	wr(r, RTC_REG_DAY, bytes[2], now);
	wr(r, RTC_REG_HOURS, bytes[3], now);
	wr(r, RTC_REG_MINUTES, bytes[4], now);
	wr(r, RTC_REG_SECONDS, bytes[5], now);
	wr(r, RTC_REG_CENTURY, bytes[6], now);
	wr(r, RTC_REG_B, b, now);
	wr(r, RTC_REG_A, a, now);
}

static void test_set_time_linux(void **state)
{
	static const uint8_t when[7] = { 0x30, 0x01, 0x02, 0x03, 0x04, 0x05, 0x20 };
	struct irq_rec rec;
	struct rtc r;
	uint64_t t = 7 * SEC + 300 * MS;

	setup(&r, &rec, EPOCH);
	linux_set_time(&r, when, t);
	/* The first update comes half a second after the divider's release. */
	assert_int_equal(rd(&r, RTC_REG_SECONDS, t + 500 * MS - 1), 0x05);
	assert_int_equal(rd(&r, RTC_REG_SECONDS, t + 500 * MS), 0x06);
	assert_int_equal(rd(&r, RTC_REG_SECONDS, t + 1500 * MS), 0x07);
	assert_int_equal(rd(&r, RTC_REG_MINUTES, t + 1500 * MS), 0x04);
	assert_int_equal(rd(&r, RTC_REG_HOURS, t), 0x03);
	assert_int_equal(rd(&r, RTC_REG_DAY, t), 0x02);
	assert_int_equal(rd(&r, RTC_REG_MONTH, t), 0x01);
	assert_int_equal(rd(&r, RTC_REG_YEAR, t), 0x30);
	assert_int_equal(rd(&r, RTC_REG_CENTURY, t), 0x20);
	assert_int_equal(rd(&r, RTC_REG_WEEKDAY, t), 4); /* 2030-01-02 is a Wednesday */
	assert_int_equal(rd(&r, RTC_REG_A, t + 500 * MS - RTC_UIP_NS) & RTC_A_UIP, RTC_A_UIP);
}

static void test_set_time_frozen(void **state)
{
	struct irq_rec rec;
	struct rtc r;
	uint64_t t = 10 * SEC + 300 * MS;

	setup(&r, &rec, EPOCH);
	wr(&r, RTC_REG_B, RTC_B_SET | RTC_B_24H, t);
	/* Frozen: the bytes hold the time at SET and do not move. */
	assert_int_equal(rd(&r, RTC_REG_SECONDS, t + 5 * SEC), 0x30);
	assert_int_equal(rd(&r, RTC_REG_MINUTES, t + 5 * SEC), 0x13);
	wr(&r, RTC_REG_SECONDS, 0x45, t + 5 * SEC);
	wr(&r, RTC_REG_MINUTES, 0x59, t + 5 * SEC);
	wr(&r, RTC_REG_HOURS, 0x23, t + 5 * SEC);
	assert_int_equal(rd(&r, RTC_REG_SECONDS, t + 6 * SEC), 0x45);
	/* Cleared with the divider running: updates keep their phase (whole seconds). */
	wr(&r, RTC_REG_B, RTC_B_24H, 16 * SEC + 700 * MS);
	assert_int_equal(rd(&r, RTC_REG_SECONDS, 17 * SEC - 1), 0x45);
	assert_int_equal(rd(&r, RTC_REG_SECONDS, 17 * SEC), 0x46);
	/* 23:59:59 rolls the day over: 2023-11-15. */
	assert_int_equal(rd(&r, RTC_REG_DAY, 31 * SEC), 0x15);
	assert_int_equal(rd(&r, RTC_REG_HOURS, 31 * SEC), 0x00);
	assert_int_equal(rd(&r, RTC_REG_WEEKDAY, 31 * SEC), 4);
}

static void test_set_time_running(void **state)
{
	struct irq_rec rec;
	struct rtc r;

	setup(&r, &rec, EPOCH);
	/* A clock byte written without SET takes effect at once, the rest running on. */
	wr(&r, RTC_REG_MINUTES, 0x40, 2 * SEC + 600 * MS);
	assert_int_equal(rd(&r, RTC_REG_MINUTES, 2 * SEC + 700 * MS), 0x40);
	assert_int_equal(rd(&r, RTC_REG_SECONDS, 2 * SEC + 700 * MS), 0x22);
	assert_int_equal(rd(&r, RTC_REG_SECONDS, 3 * SEC), 0x23);
	assert_int_equal(rd(&r, RTC_REG_HOURS, 3 * SEC), 0x22);
}

static void test_divider_reset_stops(void **state)
{
	struct irq_rec rec;
	struct rtc r;

	setup(&r, &rec, EPOCH);
	wr(&r, RTC_REG_A, 0x66, 2 * SEC + 100 * MS);
	assert_int_equal(rd(&r, RTC_REG_SECONDS, 9 * SEC), 0x22);
	assert_int_equal(rd(&r, RTC_REG_A, 9 * SEC), 0x66);
	wr(&r, RTC_REG_A, 0x26, 9 * SEC);
	assert_int_equal(rd(&r, RTC_REG_SECONDS, 9 * SEC + 499 * MS), 0x22);
	assert_int_equal(rd(&r, RTC_REG_SECONDS, 9 * SEC + 500 * MS), 0x23);
}

/* ------------------------------------------------------ interrupts --- */

/* Periodic rates as divisors of the 32.768 kHz time base. */
static const struct {
	uint8_t rs;
	uint64_t ticks;
} rates[] = {
	{ 1, 128 }, { 2, 256 }, { 3, 4 }, { 4, 8 }, { 6, 32 }, { 15, 16384 },
};

/* The first nanosecond by which n time-base ticks have passed. */
static uint64_t ticks_ns(uint64_t n)
{
	return (n * SEC + 32767) / 32768;
}

static void test_periodic(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(rates); i++) {
		uint64_t t = 3 * SEC, p = rates[i].ticks, next, later;
		struct irq_rec rec;
		struct rtc r;

		setup(&r, &rec, EPOCH);
		wr(&r, RTC_REG_A, (uint8_t)(RTC_A_DV_32K | rates[i].rs), t);
		rd(&r, RTC_REG_C, t); /* the power-on 1024 Hz rate left PF set */
		wr(&r, RTC_REG_B, RTC_B_24H | RTC_B_PIE, t);
		assert_int_equal(rec.edges, 0);
		next = rtc_update(&r, t);
		assert_int_equal(next, t + ticks_ns(p));
		assert_int_equal(rtc_update(&r, next - 1), next);
		assert_int_equal(rec.edges, 0);
		rtc_update(&r, next);
		assert_int_equal(rec.edges, 1);
		assert_true(rec.level);
		/* The line stays up, with no new deadline, until C is read. */
		later = t + ticks_ns(10 * p);
		assert_int_equal(rtc_update(&r, later), UINT64_MAX);
		assert_int_equal(rec.edges, 1);
		assert_int_equal(rd(&r, RTC_REG_C, later) & ~RTC_C_UF, RTC_C_IRQF | RTC_C_PF);
		assert_false(rec.level);
		assert_int_equal(rd(&r, RTC_REG_C, later), 0);
		assert_int_equal(rtc_update(&r, later), t + ticks_ns(11 * p));
	}
}

static void test_periodic_off(void **state)
{
	struct irq_rec rec;
	struct rtc r;

	setup(&r, &rec, EPOCH);
	assert_int_equal(rtc_update(&r, 0), UINT64_MAX);
	/* PF is set whether or not PIE is: polled, it shows in C with no IRQ. */
	assert_int_equal(rd(&r, RTC_REG_C, 2 * MS), RTC_C_PF);
	assert_int_equal(rec.edges, 0);
	/* Rate 0: no periodic flag at all. */
	wr(&r, RTC_REG_A, RTC_A_DV_32K, 2 * MS);
	wr(&r, RTC_REG_B, RTC_B_24H | RTC_B_PIE, 2 * MS);
	assert_int_equal(rtc_update(&r, 2 * MS), UINT64_MAX);
	assert_int_equal(rd(&r, RTC_REG_C, 900 * MS), 0);
	/* Divider in reset: none either. */
	wr(&r, RTC_REG_A, 0x66, 900 * MS);
	assert_int_equal(rtc_update(&r, 900 * MS), UINT64_MAX);
	assert_int_equal(rd(&r, RTC_REG_C, 5 * SEC), 0);
	assert_int_equal(rec.edges, 0);
}

static void test_update_interrupt(void **state)
{
	struct irq_rec rec;
	struct rtc r;

	setup(&r, &rec, EPOCH);
	assert_int_equal(rd(&r, RTC_REG_C, 100 * MS), RTC_C_PF);
	wr(&r, RTC_REG_A, RTC_A_DV_32K, 100 * MS);
	wr(&r, RTC_REG_B, RTC_B_24H | RTC_B_UIE, 100 * MS);
	assert_int_equal(rtc_update(&r, 100 * MS), SEC);
	assert_int_equal(rec.edges, 0);
	assert_int_equal(rtc_update(&r, SEC), UINT64_MAX);
	assert_int_equal(rec.edges, 1);
	assert_int_equal(rd(&r, RTC_REG_C, SEC + 1), RTC_C_IRQF | RTC_C_UF);
	assert_int_equal(rtc_update(&r, SEC + 1), 2 * SEC);
	/* Clearing UIE drops the pin, though UF stays set. */
	rtc_update(&r, 2 * SEC);
	assert_true(rec.level);
	wr(&r, RTC_REG_B, RTC_B_24H, 2 * SEC);
	assert_false(rec.level);
	assert_int_equal(rd(&r, RTC_REG_C, 2 * SEC), RTC_C_UF);
	/* SET clears UIE and stops updates. */
	wr(&r, RTC_REG_B, RTC_B_SET | RTC_B_UIE | RTC_B_24H, 2 * SEC);
	assert_int_equal(rd(&r, RTC_REG_B, 2 * SEC), RTC_B_SET | RTC_B_24H);
	assert_int_equal(rd(&r, RTC_REG_C, 5 * SEC), 0);
}

static void test_alarm(void **state)
{
	static const struct {
		uint8_t sec, min, hour;
		uint64_t after_ns; /* from 22:13:20.5 */
	} cases[] = {
		{ 0x23, 0x13, 0x22, 2500 * MS },		/* 22:13:23 */
		{ 0xc0, 0xff, 0xc0, 500 * MS },			/* every second */
		{ 0x00, 0xc0, 0xc0, 39500 * MS },		/* each minute */
		{ 0x20, 0x13, 0x22, 86399500 * MS },		/* this very second: tomorrow */
		{ 0x00, 0x00, 0x01, 9999500 * MS },		/* 01:00:00 */
		{ 0x00, 0x00, 0xc0, 2799500 * MS },		/* each hour */
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct irq_rec rec;
		struct rtc r;
		uint64_t t = 500 * MS, at;

		setup(&r, &rec, EPOCH);
		wr(&r, RTC_REG_SECONDS_ALARM, cases[i].sec, t);
		wr(&r, RTC_REG_MINUTES_ALARM, cases[i].min, t);
		wr(&r, RTC_REG_HOURS_ALARM, cases[i].hour, t);
		wr(&r, RTC_REG_A, RTC_A_DV_32K, t);
		rd(&r, RTC_REG_C, t); /* the power-on 1024 Hz rate left PF set */
		wr(&r, RTC_REG_B, RTC_B_24H | RTC_B_AIE, t);
		at = t + cases[i].after_ns;
		assert_int_equal(rtc_update(&r, t), at);
		assert_int_equal(rtc_update(&r, at - 1), at);
		assert_int_equal(rec.edges, 0);
		rtc_update(&r, at);
		assert_int_equal(rec.edges, 1);
		assert_int_equal(rd(&r, RTC_REG_C, at) & ~RTC_C_UF, RTC_C_IRQF | RTC_C_AF);
	}
}

static void test_alarm_never(void **state)
{
	struct irq_rec rec;
	struct rtc r;

	setup(&r, &rec, EPOCH);
	wr(&r, RTC_REG_SECONDS_ALARM, 0x60, 0); /* no such second in BCD */
	wr(&r, RTC_REG_A, RTC_A_DV_32K, 0);
	wr(&r, RTC_REG_B, RTC_B_24H | RTC_B_AIE, 0);
	assert_int_equal(rtc_update(&r, 0), UINT64_MAX);
	/* The same byte in binary mode is second 96: still never. */
	wr(&r, RTC_REG_B, RTC_B_24H | RTC_B_AIE | RTC_B_DM_BINARY, 0);
	assert_int_equal(rtc_update(&r, 0), UINT64_MAX);
	/* 12-hour mode: alarm at 10 PM (0x90) is 22:00:00 tomorrow. */
	wr(&r, RTC_REG_SECONDS_ALARM, 0, 0);
	wr(&r, RTC_REG_MINUTES_ALARM, 0, 0);
	wr(&r, RTC_REG_HOURS_ALARM, 0x90, 0);
	wr(&r, RTC_REG_B, RTC_B_AIE, 0);
	assert_int_equal(rtc_update(&r, 0), (86400 - 800) * SEC);
}

/* ------------------------------------------------------ CMOS bytes --- */

static void test_memory(void **state)
{
	struct irq_rec rec;
	struct rtc r;

	setup(&r, &rec, EPOCH);
	for (unsigned i = 0x0e; i < 0x80; i++) {
		if (i == RTC_REG_CENTURY)
			continue;
		wr(&r, (uint8_t)i, (uint8_t)(i * 7 + 1), 0);
	}
	for (unsigned i = 0x0e; i < 0x80; i++) {
		if (i == RTC_REG_CENTURY)
			continue;
		assert_int_equal(rd(&r, (uint8_t)i, SEC), (uint8_t)(i * 7 + 1));
	}
	/* C and D are read-only. */
	wr(&r, RTC_REG_D, 0x00, SEC);
	wr(&r, RTC_REG_C, 0xff, SEC);
	assert_int_equal(rd(&r, RTC_REG_D, SEC), RTC_D_VRT);
	assert_int_equal(rd(&r, RTC_REG_C, SEC) & RTC_C_IRQF, 0);
}

static const struct {
	uint64_t ram;
	uint16_t ext_kb, blocks_16m;
	uint32_t blocks_4g;
} sizes[] = {
	{ 8 * MIB, 7 * 1024, 0, 0 },
	{ 64 * MIB, 0xfc00, (48 * MIB) >> 16, 0 },
	{ 512 * MIB, 0xfc00, (496 * MIB) >> 16, 0 },
	{ 4 * GIB, 0xfc00, 0xff00, 0 },
	{ 6 * GIB, 0xfc00, 0xff00, (2 * GIB) >> 16 },
	{ 2048 * GIB, 0xfc00, 0xff00, 0xffffff },
};

static void test_memory_size(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		struct rtc r;
		unsigned sum = 0;

		rtc_init(&r, EPOCH, sizes[i].ram, (struct irq_line){ 0 });
		assert_int_equal(rd(&r, 0x15, 0) | rd(&r, 0x16, 0) << 8, 640);
		assert_int_equal(rd(&r, 0x17, 0) | rd(&r, 0x18, 0) << 8, sizes[i].ext_kb);
		assert_int_equal(rd(&r, 0x30, 0) | rd(&r, 0x31, 0) << 8, sizes[i].ext_kb);
		assert_int_equal(rd(&r, 0x34, 0) | rd(&r, 0x35, 0) << 8, sizes[i].blocks_16m);
		assert_int_equal(rd(&r, 0x5b, 0) | rd(&r, 0x5c, 0) << 8 | rd(&r, 0x5d, 0) << 16,
				 sizes[i].blocks_4g);
		for (uint8_t j = 0x10; j <= 0x2d; j++)
			sum += rd(&r, j, 0);
		assert_int_equal(rd(&r, 0x2e, 0) << 8 | rd(&r, 0x2f, 0), sum);
	}
}

static void test_ports(void **state)
{
	static const uint16_t foreign[] = { 0x6f, 0x72, 0x73, 0x170, 0x71 + 0x100 };
	struct irq_rec rec;
	struct rtc r;
	uint8_t v = 0x5a;

	setup(&r, &rec, EPOCH);
	for (size_t i = 0; i < ARRAY_SIZE(foreign); i++) {
		assert_false(rtc_io_write(&r, foreign[i], 0, 0));
		assert_false(rtc_io_read(&r, foreign[i], &v, 0));
	}
	assert_int_equal(v, 0x5a);
	/* Bit 7 of the index port masks NMI and is not part of the index. */
	assert_true(rtc_io_write(&r, RTC_PORT_INDEX, 0x80 | RTC_REG_D, 0));
	assert_true(r.nmi_disabled);
	assert_true(rtc_io_read(&r, RTC_PORT_DATA, &v, 0));
	assert_int_equal(v, RTC_D_VRT);
	assert_true(rtc_io_write(&r, RTC_PORT_INDEX, RTC_REG_YEAR, 0));
	assert_false(r.nmi_disabled);
	assert_true(rtc_io_read(&r, RTC_PORT_DATA, &v, 0));
	assert_int_equal(v, 0x23);
	assert_true(rtc_io_read(&r, RTC_PORT_INDEX, &v, 0));
	assert_int_equal(v, 0xff);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_calendar),
		cmocka_unit_test(test_calendar_every_day),
		cmocka_unit_test(test_calendar_unnormalised),
		cmocka_unit_test(test_time_bcd),
		cmocka_unit_test(test_time_across_century),
		cmocka_unit_test(test_time_formats),
		cmocka_unit_test(test_uip),
		cmocka_unit_test(test_set_time_linux),
		cmocka_unit_test(test_set_time_frozen),
		cmocka_unit_test(test_set_time_running),
		cmocka_unit_test(test_divider_reset_stops),
		cmocka_unit_test(test_periodic),
		cmocka_unit_test(test_periodic_off),
		cmocka_unit_test(test_update_interrupt),
		cmocka_unit_test(test_alarm),
		cmocka_unit_test(test_alarm_never),
		cmocka_unit_test(test_memory),
		cmocka_unit_test(test_memory_size),
		cmocka_unit_test(test_ports),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
