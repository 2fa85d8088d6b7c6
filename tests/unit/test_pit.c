/*
 * Host unit test for vmm/dev/pit.c: the 8254's counters read through the
 * latch and read-back commands in every mode, access modes, channel 0's
 * interrupt timing, and port 0x61 driven the way Linux calibrates the TSC.
 * Expected counts come from the Intel 8254 datasheet's mode definitions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "vmm/dev/pit.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define T0 5000000000ULL /* an arbitrary guest time for the first load */

struct irq_rec {
	unsigned int edges;
	bool level;
};

static void irq_rec_fn(void *ctx, unsigned line, bool level)
{
	struct irq_rec *r = ctx;

	assert_int_equal(line, 0);
	if (level && !r->level)
		r->edges++;
	r->level = level;
}

/* The first nanosecond by which t clocks of 1.193182 MHz have passed. */
static uint64_t ns_at(uint64_t t)
{
	return (uint64_t)(((unsigned __int128)t * 1000000000U + PIT_HZ - 1) / PIT_HZ);
}

static void setup(struct pit *p, struct irq_rec *r)
{
	*r = (struct irq_rec){ 0 };
	pit_init(p, (struct irq_line){ irq_rec_fn, r, 0 });
}

static void out(struct pit *p, uint16_t port, uint8_t v, uint64_t now)
{
	assert_true(pit_io_write(p, port, v, now));
}

static uint8_t in(struct pit *p, uint16_t port, uint64_t now)
{
	uint8_t v = 0xa5;

	assert_true(pit_io_read(p, port, &v, now));
	return v;
}

/* Control word for channel ch with lo/hi access, then the count. */
static void program(struct pit *p, unsigned int ch, unsigned int mode, bool bcd, uint16_t count,
		    uint64_t now)
{
	out(p, PIT_PORT_CTRL, (uint8_t)(ch << 6 | PIT_ACCESS_LOHI << 4 | mode << 1 | bcd), now);
	out(p, (uint16_t)(PIT_PORT_CH0 + ch), count & 0xff, now);
	out(p, (uint16_t)(PIT_PORT_CH0 + ch), count >> 8, now);
}

/* Counter latch command, then both bytes (lo/hi access). */
static uint16_t latch_read(struct pit *p, unsigned int ch, uint64_t now)
{
	uint16_t lo, hi;

	out(p, PIT_PORT_CTRL, (uint8_t)(ch << 6), now);
	lo = in(p, (uint16_t)(PIT_PORT_CH0 + ch), now);
	hi = in(p, (uint16_t)(PIT_PORT_CH0 + ch), now);
	return (uint16_t)(hi << 8 | lo);
}

static uint8_t read_status(struct pit *p, unsigned int ch, uint64_t now)
{
	out(p, PIT_PORT_CTRL, (uint8_t)(0xe0 | 2U << ch), now); /* read-back, status only */
	return in(p, (uint16_t)(PIT_PORT_CH0 + ch), now);
}

struct count_case {
	unsigned int mode;
	bool bcd;
	uint16_t count;
	uint64_t ticks; /* clocks after the load (modes 1, 5: the trigger) */
	uint16_t expect;
};

static const struct count_case count_cases[] = {
	{ 0, false, 1000, 0, 1000 },
	{ 0, false, 1000, 100, 900 },
	{ 0, false, 1000, 999, 1 },
	{ 0, false, 1000, 1000, 0 },
	{ 0, false, 1000, 1001, 0xffff }, /* wraps and keeps counting */
	{ 0, false, 0, 1, 0xffff },	  /* 0 is 65536 */
	{ 1, false, 1000, 100, 900 },
	{ 1, false, 1000, 1002, 0xfffe },
	{ 2, false, 1000, 100, 900 },
	{ 2, false, 1000, 999, 1 },
	{ 2, false, 1000, 1000, 1000 }, /* reloaded */
	{ 2, false, 1000, 1500, 500 },
	{ 3, false, 1000, 100, 800 },	/* down by two */
	{ 3, false, 1000, 499, 2 },
	{ 3, false, 1000, 500, 1000 },	/* second half */
	{ 3, false, 1000, 600, 800 },
	{ 3, false, 1000, 2100, 800 },
	{ 4, false, 1000, 100, 900 },
	{ 5, false, 1000, 100, 900 },
	{ 0, true, 0x1000, 100, 0x0900 },
	{ 0, true, 0x0000, 1, 0x9999 },	/* BCD 0 is 10000 */
	{ 2, true, 0x0100, 150, 0x0050 },
	{ 6, false, 1000, 1000, 1000 },	/* 6 and 7 are 2 and 3 */
	{ 7, false, 1000, 100, 800 },
};

static void test_count_modes(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(count_cases); i++) {
		const struct count_case *c = &count_cases[i];
		struct irq_rec r;
		struct pit p;
		bool triggered = c->mode == 1 || c->mode == 5;
		unsigned int ch = triggered ? 2 : 0;
		uint16_t got;

		setup(&p, &r);
		program(&p, ch, c->mode, c->bcd, c->count, T0 - 1000);
		if (triggered)
			out(&p, PIT_PORT_61, PIT_61_GATE2, T0);
		else
			program(&p, ch, c->mode, c->bcd, c->count, T0);
		got = latch_read(&p, ch, T0 + ns_at(c->ticks));
		if (got != c->expect)
			fail_msg("case %zu: mode %u count %#x after %llu clocks: %#x, want %#x", i,
				 c->mode, c->count, (unsigned long long)c->ticks, got, c->expect);
	}
}

static void test_latch_holds(void **state)
{
	struct irq_rec r;
	struct pit p;

	setup(&p, &r);
	program(&p, 0, 2, false, 1000, T0);
	out(&p, PIT_PORT_CTRL, 0x00, T0 + ns_at(10));
	out(&p, PIT_PORT_CTRL, 0x00, T0 + ns_at(20)); /* ignored: not yet read */
	assert_int_equal(in(&p, PIT_PORT_CH0, T0 + ns_at(300)), 990 & 0xff);
	assert_int_equal(in(&p, PIT_PORT_CH0, T0 + ns_at(400)), 990 >> 8);
	/* Released: live reads again. */
	assert_int_equal(in(&p, PIT_PORT_CH0, T0 + ns_at(500)), 500 & 0xff);
	assert_int_equal(in(&p, PIT_PORT_CH0, T0 + ns_at(500)), 500 >> 8);
}

static void test_access_modes(void **state)
{
	struct irq_rec r;
	struct pit p;
	uint64_t t;

	setup(&p, &r);
	out(&p, PIT_PORT_CTRL, 0x14, T0); /* ch0, LSB only, mode 2 */
	out(&p, PIT_PORT_CH0, 0x80, T0);
	assert_int_equal(in(&p, PIT_PORT_CH0, T0 + ns_at(0x10)), 0x70);
	assert_int_equal(in(&p, PIT_PORT_CH0, T0 + ns_at(0x11)), 0x6f);

	t = T0 + 1000000;
	out(&p, PIT_PORT_CTRL, 0x24, t); /* ch0, MSB only: count 0x1200 */
	out(&p, PIT_PORT_CH0, 0x12, t);
	assert_int_equal(in(&p, PIT_PORT_CH0, t + ns_at(0x100)), 0x11);
	assert_int_equal(in(&p, PIT_PORT_CH0, t + ns_at(0x1200)), 0x12);

	/* Lo/hi: the write and read flip-flops both start at the LSB. */
	t += 10000000;
	out(&p, PIT_PORT_CTRL, 0x74, t); /* ch1, lo/hi, mode 2 */
	out(&p, PIT_PORT_CH1, 0x34, t);
	assert_int_equal(in(&p, PIT_PORT_CH1, t), 0x00); /* no count yet: stays put */
	out(&p, PIT_PORT_CTRL, 0x74, t);
	out(&p, PIT_PORT_CH1, 0x34, t);
	out(&p, PIT_PORT_CH1, 0x12, t);
	assert_int_equal(in(&p, PIT_PORT_CH1, t + ns_at(0x34)), 0x00);
	assert_int_equal(in(&p, PIT_PORT_CH1, t + ns_at(0x34)), 0x12);
	assert_int_equal(in(&p, PIT_PORT_CTRL, t + ns_at(0x34)), 0xff);
}

/* Mode 4's strobe ends, and OUT rises, one clock after the count reaches 0. */
static void test_mode4_interrupt(void **state)
{
	struct irq_rec r;
	struct pit p;

	setup(&p, &r);
	program(&p, 0, 4, false, 100, T0);
	assert_int_equal(pit_update(&p, T0 + ns_at(100)), T0 + ns_at(101));
	assert_int_equal(r.edges, 0);
	assert_int_equal(pit_update(&p, T0 + ns_at(101)), UINT64_MAX);
	assert_int_equal(r.edges, 1);
}

static void test_mode0_interrupt(void **state)
{
	struct irq_rec r;
	struct pit p;
	uint64_t due = T0 + ns_at(100);

	setup(&p, &r);
	assert_int_equal(pit_update(&p, T0), UINT64_MAX);
	program(&p, 0, 0, false, 100, T0);
	assert_int_equal(pit_update(&p, due - 1), due);
	assert_int_equal(r.edges, 0);
	assert_int_equal(pit_update(&p, due), UINT64_MAX);
	assert_int_equal(r.edges, 1);
	assert_false(r.level); /* delivered as a pulse */
	assert_int_equal(pit_update(&p, due + 1000000000), UINT64_MAX);
	assert_int_equal(r.edges, 1);

	/* Reprogramming rearms it; an edge already due is not swallowed. */
	program(&p, 0, 0, false, 50, due + 1000);
	program(&p, 0, 0, false, 50, due + 1000 + ns_at(60));
	assert_int_equal(r.edges, 2);
	assert_int_equal(p.irq_next_ns, due + 1000 + ns_at(60) + ns_at(50));
}

struct periodic_case {
	unsigned int mode;
	uint16_t count;
};

static const struct periodic_case periodic_cases[] = {
	{ 2, 1193 }, { 3, 1193 }, { 2, 11932 }, { 3, 0 },
};

static void test_periodic_interrupt(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(periodic_cases); i++) {
		const struct periodic_case *c = &periodic_cases[i];
		uint64_t n = c->count ? c->count : 65536;
		struct irq_rec r;
		struct pit p;

		setup(&p, &r);
		program(&p, 0, c->mode, false, c->count, T0);
		for (unsigned int k = 1; k <= 5; k++) {
			uint64_t due = T0 + ns_at(n * k);

			assert_int_equal(pit_update(&p, due - 1), due);
			assert_int_equal(r.edges, k - 1);
			assert_int_equal(pit_update(&p, due), T0 + ns_at(n * (k + 1)));
			assert_int_equal(r.edges, k);
		}
		/* 95 periods lost: one catch-up edge, then back on the old phase. */
		assert_int_equal(pit_update(&p, T0 + ns_at(n * 100) + 7), T0 + ns_at(n * 101));
		assert_int_equal(r.edges, 6);
	}
	/* 1193 clocks is a millisecond, near enough. */
	assert_in_range(ns_at(1193), 999800, 999900);
}

static void test_periodic_new_count(void **state)
{
	struct irq_rec r;
	struct pit p;

	setup(&p, &r);
	program(&p, 0, 2, false, 1000, T0);
	/* Count alone (no control word): takes over at the end of the period. */
	out(&p, PIT_PORT_CH0, 3000 & 0xff, T0 + ns_at(400));
	out(&p, PIT_PORT_CH0, 3000 >> 8, T0 + ns_at(400));
	assert_int_equal(read_status(&p, 0, T0 + ns_at(500)) & 0x40, 0x40); /* null count */
	assert_int_equal(latch_read(&p, 0, T0 + ns_at(500)), 500);
	assert_int_equal(pit_update(&p, T0 + ns_at(999)), T0 + ns_at(1000));
	assert_int_equal(pit_update(&p, T0 + ns_at(1000)), T0 + ns_at(1000) + ns_at(3000));
	assert_int_equal(r.edges, 1);
	assert_int_equal(latch_read(&p, 0, T0 + ns_at(1000) + ns_at(100)), 2900);
	assert_int_equal(read_status(&p, 0, T0 + ns_at(1000) + ns_at(100)) & 0x40, 0);
}

/* Linux's pit_calibrate_tsc() and quick_pit_calibrate() on channel 2. */
static void test_port61_calibration(void **state)
{
	const uint16_t latch = 59659; /* CAL_LATCH: 50 ms */
	struct irq_rec r;
	struct pit p;
	uint64_t t = T0;
	uint8_t v;

	setup(&p, &r);
	/* Gate low: mode 0 does not count. */
	program(&p, 2, 0, false, 1000, t);
	assert_int_equal(latch_read(&p, 2, t + 1000000), 1000);
	assert_int_equal(in(&p, PIT_PORT_61, t + 1000000) & PIT_61_OUT2, 0);

	t += 2000000;
	v = in(&p, PIT_PORT_61, t);
	out(&p, PIT_PORT_61, (uint8_t)((v & ~PIT_61_SPEAKER) | PIT_61_GATE2), t);
	out(&p, PIT_PORT_CTRL, 0xb0, t); /* ch2, lo/hi, mode 0, binary */
	out(&p, PIT_PORT_CH2, latch & 0xff, t);
	out(&p, PIT_PORT_CH2, latch >> 8, t);
	v = in(&p, PIT_PORT_61, t);
	assert_int_equal(v & (PIT_61_GATE2 | PIT_61_SPEAKER | PIT_61_OUT2), PIT_61_GATE2);
	assert_int_equal(in(&p, PIT_PORT_61, t + ns_at(latch) - 1) & PIT_61_OUT2, 0);
	assert_int_equal(in(&p, PIT_PORT_61, t + ns_at(latch)) & PIT_61_OUT2, PIT_61_OUT2);
	assert_int_equal(in(&p, PIT_PORT_61, t + 1000000000) & PIT_61_OUT2, PIT_61_OUT2);

	/* quick_pit_calibrate: count 0xffff, MSB read as the second of two reads. */
	t += 2000000000;
	program(&p, 2, 0, false, 0xffff, t);
	assert_int_equal(in(&p, PIT_PORT_CH2, t + ns_at(0x100)), 0xff);
	assert_int_equal(in(&p, PIT_PORT_CH2, t + ns_at(0x100)), 0xfe);

	/* Mode 0: writing the first byte of a new count drops OUT at once. */
	out(&p, PIT_PORT_CH2, 0x10, t + ns_at(0x10000));
	assert_int_equal(in(&p, PIT_PORT_61, t + ns_at(0x10000)) & PIT_61_OUT2, 0);
	out(&p, PIT_PORT_CH2, 0x00, t + ns_at(0x10000));
	assert_int_equal(in(&p, PIT_PORT_61, t + ns_at(0x10000) + ns_at(0x10)) & PIT_61_OUT2,
			 PIT_61_OUT2);

	/* Gate off and on again: mode 0 resumes where it stopped. */
	t += 1000000000;
	program(&p, 2, 0, false, 1000, t);
	out(&p, PIT_PORT_61, 0, t + ns_at(300));
	out(&p, PIT_PORT_61, PIT_61_GATE2, t + 1000000);
	assert_int_equal(latch_read(&p, 2, t + 1000000 + ns_at(100)), 600);

	/* Refresh toggle flips every 15.085 us. */
	t += 1000000000;
	assert_int_not_equal(in(&p, PIT_PORT_61, t) & PIT_61_REFRESH,
			     in(&p, PIT_PORT_61, t + 15085) & PIT_61_REFRESH);
	assert_int_equal(r.edges, 0); /* channel 2 never touches IRQ 0 */
}

static void test_gate_square_wave(void **state)
{
	struct irq_rec r;
	struct pit p;

	setup(&p, &r);
	out(&p, PIT_PORT_61, PIT_61_GATE2, T0);
	program(&p, 2, 3, false, 1000, T0); /* the PC speaker's tone */
	assert_int_equal(in(&p, PIT_PORT_61, T0 + ns_at(499)) & PIT_61_OUT2, PIT_61_OUT2);
	assert_int_equal(in(&p, PIT_PORT_61, T0 + ns_at(500)) & PIT_61_OUT2, 0);
	/* Gate low forces OUT high; the rising edge restarts the count. */
	out(&p, PIT_PORT_61, 0, T0 + ns_at(600));
	assert_int_equal(in(&p, PIT_PORT_61, T0 + ns_at(700)) & PIT_61_OUT2, PIT_61_OUT2);
	out(&p, PIT_PORT_61, PIT_61_GATE2, T0 + ns_at(5250));
	assert_int_equal(latch_read(&p, 2, T0 + ns_at(5250) + ns_at(10)), 980);

	/* Mode 2: OUT low for exactly the clock at count 1. */
	program(&p, 2, 2, false, 100, T0 + ns_at(6000));
	for (unsigned int d = 97; d <= 201; d++) {
		bool low = d == 99 || d == 199;

		assert_int_equal(in(&p, PIT_PORT_61, T0 + ns_at(6000) + ns_at(d)) & PIT_61_OUT2,
				 low ? 0 : PIT_61_OUT2);
	}
}

static void test_read_back(void **state)
{
	struct irq_rec r;
	struct pit p;
	uint64_t t = T0;

	setup(&p, &r);
	out(&p, PIT_PORT_CTRL, 0x34, t);
	assert_int_equal(read_status(&p, 0, t), 0xf4); /* OUT high, null count, lo/hi, mode 2 */
	out(&p, PIT_PORT_CH0, 0xe8, t);
	out(&p, PIT_PORT_CH0, 0x03, t);
	assert_int_equal(read_status(&p, 0, t), 0xb4);

	out(&p, PIT_PORT_CTRL, 0x30, t);
	assert_int_equal(read_status(&p, 0, t), 0x70); /* mode 0: OUT low at once */
	out(&p, PIT_PORT_CH0, 100, t);
	out(&p, PIT_PORT_CH0, 0, t);
	assert_int_equal(read_status(&p, 0, t), 0x30);
	assert_int_equal(read_status(&p, 0, t + ns_at(100)), 0xb0);

	/* Count and status together: status first, then the count. */
	t += 1000000;
	program(&p, 1, 2, true, 0x0500, t);
	out(&p, PIT_PORT_CTRL, 0xc4, t + ns_at(10)); /* counter 1 */
	assert_int_equal(in(&p, PIT_PORT_CH1, t + 50000), 0xb5);
	assert_int_equal(in(&p, PIT_PORT_CH1, t + 50000), 0x90);
	assert_int_equal(in(&p, PIT_PORT_CH1, t + 50000), 0x04);

	/* Count only, several counters at once. */
	t += 1000000;
	program(&p, 0, 2, false, 2000, t);
	out(&p, PIT_PORT_61, PIT_61_GATE2, t);
	program(&p, 2, 2, false, 3000, t);
	out(&p, PIT_PORT_CTRL, 0xda, t + ns_at(10)); /* counters 0 and 2, count only */
	assert_int_equal(in(&p, PIT_PORT_CH0, t + 50000), 1990 & 0xff);
	assert_int_equal(in(&p, PIT_PORT_CH0, t + 50000), 1990 >> 8);
	assert_int_equal(in(&p, PIT_PORT_CH2, t + 50000), 2990 & 0xff);
	assert_int_equal(in(&p, PIT_PORT_CH2, t + 50000), 2990 >> 8);
}

static void test_foreign_ports(void **state)
{
	static const uint16_t ports[] = { 0x3f, 0x44, 0x60, 0x62, 0x20 };
	struct irq_rec r;
	struct pit p;
	uint8_t v = 0x5a;

	setup(&p, &r);
	for (size_t i = 0; i < ARRAY_SIZE(ports); i++) {
		assert_false(pit_io_write(&p, ports[i], 0, T0));
		assert_false(pit_io_read(&p, ports[i], &v, T0));
	}
	assert_int_equal(v, 0x5a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_count_modes),
		cmocka_unit_test(test_latch_holds),
		cmocka_unit_test(test_access_modes),
		cmocka_unit_test(test_mode0_interrupt),
		cmocka_unit_test(test_mode4_interrupt),
		cmocka_unit_test(test_periodic_interrupt),
		cmocka_unit_test(test_periodic_new_count),
		cmocka_unit_test(test_port61_calibration),
		cmocka_unit_test(test_gate_square_wave),
		cmocka_unit_test(test_read_back),
		cmocka_unit_test(test_foreign_ports),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
