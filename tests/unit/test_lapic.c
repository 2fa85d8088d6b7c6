/*
 * Host unit test for vmm/dev/lapic.c: the xAPIC registers driven the way
 * Linux drives them, checked against the Intel SDM Vol. 3A chapter 11:
 * power-on state (11.4.7.1), software disable (11.4.7.2), priorities
 * (11.8.3), IRR/ISR/TMR and EOI (11.8.4-5), ESR (11.5.3), the ICR (11.6.1)
 * and the timer (11.5.4).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "vmm/dev/lapic.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define T0 7000000000ULL /* an arbitrary guest time */
#define NEVER UINT64_MAX

struct bus_rec {
	unsigned int ipis;
	uint32_t src, icr_low, dest;
	unsigned int eois;
	uint8_t eoi_vector;
	struct lapic *redeliver; /* non-NULL: an EOI re-asserts the vector, as the IOAPIC may */
	int pending_in_eoi;	/* lapic_pending_vector() right after that re-assertion */
};

static void rec_send_ipi(void *ctx, uint32_t src_id, uint32_t icr_low, uint32_t dest_field)
{
	struct bus_rec *r = ctx;

	r->ipis++;
	r->src = src_id;
	r->icr_low = icr_low;
	r->dest = dest_field;
}

static void rec_eoi_level(void *ctx, uint8_t vector)
{
	struct bus_rec *r = ctx;

	r->eois++;
	r->eoi_vector = vector;
	if (r->redeliver) {
		lapic_accept(r->redeliver, vector, true);
		r->pending_in_eoi = lapic_pending_vector(r->redeliver);
	}
}

static void setup(struct lapic *l, struct bus_rec *r, uint32_t id, bool bsp)
{
	*r = (struct bus_rec){ 0 };
	lapic_init(l, id, bsp, (struct lapic_bus){ rec_send_ipi, rec_eoi_level, r });
}

static void wr(struct lapic *l, uint32_t off, uint32_t v, uint64_t now)
{
	assert_int_equal(lapic_mmio_write(l, off, v, now), 0);
}

static uint32_t rd(struct lapic *l, uint32_t off, uint64_t now)
{
	uint32_t v = 0xdeadbeef;

	assert_int_equal(lapic_mmio_read(l, off, &v, now), 0);
	return v;
}

/* Software-enabled with spurious vector 0xFF, as Linux's setup_local_APIC() leaves it. */
static void setup_enabled(struct lapic *l, struct bus_rec *r)
{
	setup(l, r, 0, true);
	wr(l, LAPIC_REG_SVR, LAPIC_SVR_ENABLE | 0xff, 0);
}

static bool irr_has(struct lapic *l, uint8_t v)
{
	return rd(l, LAPIC_REG_IRR + v / 32U * 0x10U, 0) & (1U << (v % 32U));
}

static bool isr_has(struct lapic *l, uint8_t v)
{
	return rd(l, LAPIC_REG_ISR + v / 32U * 0x10U, 0) & (1U << (v % 32U));
}

static bool tmr_has(struct lapic *l, uint8_t v)
{
	return rd(l, LAPIC_REG_TMR + v / 32U * 0x10U, 0) & (1U << (v % 32U));
}

/* Takes the pending interrupt (must be v) and EOIs it. */
static void take_and_eoi(struct lapic *l, int v)
{
	assert_int_equal(lapic_pending_vector(l), v);
	lapic_ack(l, (uint8_t)v);
	wr(l, LAPIC_REG_EOI, 0, 0);
}

static const uint32_t lvt_regs[] = {
	LAPIC_REG_LVT_TIMER, LAPIC_REG_LVT_THERMAL, LAPIC_REG_LVT_PERF, LAPIC_REG_LVT_LINT0,
	LAPIC_REG_LVT_LINT1, LAPIC_REG_LVT_ERROR,  LAPIC_REG_LVT_CMCI,
};

static void check_power_on(struct lapic *l, uint32_t id)
{
	uint32_t v, i;

	assert_int_equal(rd(l, LAPIC_REG_ID, 0), id << 24);
	assert_int_equal(rd(l, LAPIC_REG_VERSION, 0), 0x00050014);
	assert_int_equal(rd(l, LAPIC_REG_SVR, 0), 0xff);
	assert_int_equal(rd(l, LAPIC_REG_DFR, 0), 0xffffffffU);
	assert_int_equal(rd(l, LAPIC_REG_TPR, 0), 0);
	assert_int_equal(rd(l, LAPIC_REG_PPR, 0), 0);
	assert_int_equal(rd(l, LAPIC_REG_LDR, 0), 0);
	assert_int_equal(rd(l, LAPIC_REG_ICR_LOW, 0), 0);
	assert_int_equal(rd(l, LAPIC_REG_ICR_HIGH, 0), 0);
	assert_int_equal(rd(l, LAPIC_REG_TIMER_INIT, 0), 0);
	assert_int_equal(rd(l, LAPIC_REG_TIMER_CUR, 0), 0);
	assert_int_equal(rd(l, LAPIC_REG_TIMER_DIV, 0), 0);
	for (i = 0; i < ARRAY_SIZE(lvt_regs); i++)
		assert_int_equal(rd(l, lvt_regs[i], 0), 0x00010000);
	for (i = 0; i < 8; i++) {
		assert_int_equal(rd(l, LAPIC_REG_ISR + i * 0x10, 0), 0);
		assert_int_equal(rd(l, LAPIC_REG_TMR + i * 0x10, 0), 0);
		assert_int_equal(rd(l, LAPIC_REG_IRR + i * 0x10, 0), 0);
	}
	assert_int_equal(lapic_pending_vector(l), -1);
	/* EOI is write-only; 0x040 is reserved. */
	assert_int_equal(lapic_mmio_read(l, LAPIC_REG_EOI, &v, 0), -1);
	assert_int_equal(lapic_mmio_read(l, 0x040, &v, 0), -1);
	assert_int_equal(v, 0);
	assert_int_equal(lapic_mmio_read(l, LAPIC_REG_TPR + 4, &v, 0), -1);
}

static void test_power_on_and_init(void **state)
{
	struct lapic l;
	struct bus_rec r;

	setup(&l, &r, 3, true);
	check_power_on(&l, 3);
	assert_int_equal(l.apic_base, 0xfee00900U);
	setup(&l, &r, 1, false);
	assert_int_equal(l.apic_base, 0xfee00800U);

	/* The ID is read-only. */
	assert_int_equal(lapic_mmio_write(&l, LAPIC_REG_ID, 7U << 24, 0), -1);
	assert_int_equal(rd(&l, LAPIC_REG_ID, 0), 1U << 24);

	/* INIT: everything back to power-on but the ID. */
	wr(&l, LAPIC_REG_SVR, 0x1ff, 0);
	wr(&l, LAPIC_REG_TPR, 0x20, 0);
	wr(&l, LAPIC_REG_LDR, 0x02000000, 0);
	wr(&l, LAPIC_REG_DFR, 0x0fffffff, 0);
	wr(&l, LAPIC_REG_LVT_LINT0, 0x700, 0);
	wr(&l, LAPIC_REG_TIMER_DIV, 0xb, 0);
	wr(&l, LAPIC_REG_TIMER_INIT, 100, 0);
	lapic_accept(&l, 0x40, true);
	lapic_ack(&l, 0x40);
	lapic_accept(&l, 0x50, false);
	lapic_reset(&l);
	check_power_on(&l, 1);
	assert_int_equal(l.apic_base, 0xfee00800U);
}

static void test_svr_disable_masks_lvts(void **state)
{
	struct lapic l;
	struct bus_rec r;
	unsigned int i;

	setup(&l, &r, 0, true);
	/* Disabled at power-on: unmasking is refused. */
	wr(&l, LAPIC_REG_LVT_TIMER, 0x30, 0);
	assert_int_equal(rd(&l, LAPIC_REG_LVT_TIMER, 0), 0x10030);
	/* ... and fixed interrupts are dropped. */
	lapic_accept(&l, 0x40, false);
	assert_int_equal(lapic_pending_vector(&l), -1);

	wr(&l, LAPIC_REG_SVR, 0x1ff, 0);
	assert_int_equal(rd(&l, LAPIC_REG_SVR, 0), 0x1ff);
	for (i = 0; i < ARRAY_SIZE(lvt_regs); i++) {
		wr(&l, lvt_regs[i], 0x40 + i, 0);
		assert_int_equal(rd(&l, lvt_regs[i], 0), 0x40 + i);
	}
	lapic_accept(&l, 0x40, false);
	assert_int_equal(lapic_pending_vector(&l), 0x40);

	/* Software disable masks every LVT; pending IRR bits are held (11.4.7.2). */
	wr(&l, LAPIC_REG_SVR, 0x0ff, 0);
	for (i = 0; i < ARRAY_SIZE(lvt_regs); i++)
		assert_int_equal(rd(&l, lvt_regs[i], 0), 0x10040 + i);
	assert_int_equal(lapic_pending_vector(&l), 0x40);
	wr(&l, LAPIC_REG_LVT_LINT0, 0x700, 0);
	assert_int_equal(rd(&l, LAPIC_REG_LVT_LINT0, 0), 0x10700);

	/* Re-enabling leaves them masked until software unmasks them. */
	wr(&l, LAPIC_REG_SVR, 0x1ff, 0);
	assert_int_equal(rd(&l, LAPIC_REG_LVT_LINT0, 0), 0x10700);
	wr(&l, LAPIC_REG_LVT_LINT0, 0x700, 0);
	assert_int_equal(rd(&l, LAPIC_REG_LVT_LINT0, 0), 0x700);
}

static void test_tpr_ppr(void **state)
{
	struct lapic l;
	struct bus_rec r;

	setup_enabled(&l, &r);
	lapic_accept(&l, 0x45, false);
	wr(&l, LAPIC_REG_TPR, 0x50, 0);
	assert_int_equal(rd(&l, LAPIC_REG_PPR, 0), 0x50);
	assert_int_equal(lapic_pending_vector(&l), -1);
	/* The same class as the TPR is blocked too: only a higher class passes. */
	wr(&l, LAPIC_REG_TPR, 0x40, 0);
	assert_int_equal(lapic_pending_vector(&l), -1);
	wr(&l, LAPIC_REG_TPR, 0x3f, 0);
	assert_int_equal(rd(&l, LAPIC_REG_TPR, 0), 0x3f);
	assert_int_equal(rd(&l, LAPIC_REG_PPR, 0), 0x3f);
	assert_int_equal(lapic_pending_vector(&l), 0x45);

	/* In service, vector 0x45 raises the PPR to its class. */
	lapic_ack(&l, 0x45);
	assert_int_equal(rd(&l, LAPIC_REG_PPR, 0), 0x40);
	lapic_accept(&l, 0x4f, false);
	assert_int_equal(lapic_pending_vector(&l), -1);
	lapic_accept(&l, 0x50, false);
	assert_int_equal(lapic_pending_vector(&l), 0x50);
	/* The TPR rules again once it is above the in-service class. */
	wr(&l, LAPIC_REG_TPR, 0x51, 0);
	assert_int_equal(rd(&l, LAPIC_REG_PPR, 0), 0x51);
	assert_int_equal(lapic_pending_vector(&l), -1);
	/* Only 8 bits of TPR exist. */
	wr(&l, LAPIC_REG_TPR, 0xffffff00, 0);
	assert_int_equal(rd(&l, LAPIC_REG_TPR, 0), 0);
	/* APR: the highest of TPR, ISR and IRR classes. */
	assert_int_equal(rd(&l, LAPIC_REG_APR, 0), 0x50);
	wr(&l, LAPIC_REG_TPR, 0x62, 0);
	assert_int_equal(rd(&l, LAPIC_REG_APR, 0), 0x62);
}

/* CR8 and the MMIO TPR are one register (SDM 10.8.6.1). */
static void test_cr8_is_the_tpr(void **state)
{
	struct lapic l;
	struct bus_rec r;
	uint64_t v;

	setup_enabled(&l, &r);
	for (v = 0; v < 16; v++) {
		assert_int_equal(lapic_write_cr8(&l, v), 0);
		assert_int_equal(lapic_read_cr8(&l), v);
		assert_int_equal(rd(&l, LAPIC_REG_TPR, 0), v << 4);
	}
	/* A CR8 write clears the subclass; a CR8 read drops it. */
	wr(&l, LAPIC_REG_TPR, 0x7b, 0);
	assert_int_equal(lapic_read_cr8(&l), 7);
	assert_int_equal(lapic_write_cr8(&l, 3), 0);
	assert_int_equal(rd(&l, LAPIC_REG_TPR, 0), 0x30);
	assert_int_equal(rd(&l, LAPIC_REG_PPR, 0), 0x30);
	/* Bits 63:4 are reserved: #GP, and the TPR stays. */
	assert_int_equal(lapic_write_cr8(&l, 0x10), -1);
	assert_int_equal(lapic_write_cr8(&l, 1ULL << 63), -1);
	assert_int_equal(lapic_write_cr8(&l, ~0ULL), -1);
	assert_int_equal(rd(&l, LAPIC_REG_TPR, 0), 0x30);
	/* INIT clears it. */
	lapic_write_cr8(&l, 9);
	lapic_reset(&l);
	assert_int_equal(lapic_read_cr8(&l), 0);
}

/* What CR8 holds back, and the threshold under which it stops doing so. */
static void test_cr8_priority_and_threshold(void **state)
{
	struct lapic l;
	struct bus_rec r;

	setup_enabled(&l, &r);
	assert_int_equal(lapic_tpr_threshold(&l), 0); /* nothing requested */
	lapic_write_cr8(&l, 15);
	assert_int_equal(lapic_ppr(&l), 0xf0);
	assert_int_equal(lapic_tpr_threshold(&l), 0);
	lapic_accept(&l, 0x20, false);
	assert_int_equal(lapic_pending_vector(&l), -1);
	assert_int_equal(lapic_tpr_threshold(&l), 2);
	/* Class 15 is held back by CR8 = 15 as well: only a higher class passes. */
	lapic_accept(&l, 0xfe, false);
	assert_int_equal(lapic_pending_vector(&l), -1);
	assert_int_equal(lapic_tpr_threshold(&l), 15);
	lapic_write_cr8(&l, 14);
	assert_int_equal(lapic_pending_vector(&l), 0xfe);
	assert_int_equal(lapic_tpr_threshold(&l), 0); /* deliverable: no threshold */
	lapic_ack(&l, 0xfe);
	/* 0x20 is now behind both the ISR (class 15) and CR8 = 14. */
	assert_int_equal(lapic_ppr(&l), 0xf0);
	assert_int_equal(lapic_tpr_threshold(&l), 2);
	/* Lowering CR8 does not beat the ISR; the EOI does. */
	lapic_write_cr8(&l, 0);
	assert_int_equal(lapic_tpr_threshold(&l), 0);
	assert_int_equal(lapic_pending_vector(&l), -1);
	wr(&l, LAPIC_REG_EOI, 0, 0);
	assert_int_equal(lapic_pending_vector(&l), 0x20);
	/* The threshold never exceeds TPR[7:4], as VM entry requires. */
	lapic_write_cr8(&l, 1);
	assert_int_equal(lapic_tpr_threshold(&l), 0);
	lapic_write_cr8(&l, 2);
	assert_int_equal(lapic_tpr_threshold(&l), 2);
	wr(&l, LAPIC_REG_TPR, 0x2f, 0); /* the subclass does not count */
	assert_int_equal(lapic_tpr_threshold(&l), 2);
	assert_int_equal(lapic_pending_vector(&l), -1);
	wr(&l, LAPIC_REG_TPR, 0x1f, 0);
	assert_int_equal(lapic_pending_vector(&l), 0x20);
}

static void test_priority_order(void **state)
{
	static const uint8_t in[] = { 0x30, 0xe0, 0x81, 0x80, 0x3f, 0xfe };
	static const int out[] = { 0xfe, 0xe0, 0x81, 0x80, 0x3f, 0x30 };
	struct lapic l;
	struct bus_rec r;
	unsigned int i;

	setup_enabled(&l, &r);
	for (i = 0; i < ARRAY_SIZE(in); i++)
		lapic_accept(&l, in[i], false);
	for (i = 0; i < ARRAY_SIZE(in); i++)
		assert_true(irr_has(&l, in[i]));
	for (i = 0; i < ARRAY_SIZE(out); i++)
		take_and_eoi(&l, out[i]);
	assert_int_equal(lapic_pending_vector(&l), -1);

	/* Nesting: a higher class interrupts a lower one in service, not the reverse. */
	lapic_accept(&l, 0x81, false);
	lapic_ack(&l, 0x81);
	lapic_accept(&l, 0x30, false);
	assert_int_equal(lapic_pending_vector(&l), -1);
	lapic_accept(&l, 0x91, false);
	assert_int_equal(lapic_pending_vector(&l), 0x91);
	lapic_ack(&l, 0x91);
	assert_true(isr_has(&l, 0x91));
	assert_false(irr_has(&l, 0x91));
	wr(&l, LAPIC_REG_EOI, 0, 0); /* ends 0x91, the highest in service */
	assert_false(isr_has(&l, 0x91));
	assert_true(isr_has(&l, 0x81));
	assert_int_equal(lapic_pending_vector(&l), -1);
	wr(&l, LAPIC_REG_EOI, 0, 0);
	assert_int_equal(lapic_pending_vector(&l), 0x30);
}

static void test_ack_eoi_level(void **state)
{
	struct lapic l;
	struct bus_rec r;

	setup_enabled(&l, &r);
	lapic_accept(&l, 0x61, true);
	lapic_accept(&l, 0x62, false);
	assert_true(tmr_has(&l, 0x61));
	assert_false(tmr_has(&l, 0x62));

	/* Edge EOI: no message to the IOAPIC. */
	take_and_eoi(&l, 0x62);
	assert_int_equal(r.eois, 0);
	/* Level EOI: the IOAPIC hears the vector. */
	lapic_ack(&l, 0x61);
	assert_true(isr_has(&l, 0x61));
	lapic_accept(&l, 0x71, false);
	take_and_eoi(&l, 0x71);
	assert_int_equal(r.eois, 0);
	wr(&l, LAPIC_REG_EOI, 0, 0);
	assert_int_equal(r.eois, 1);
	assert_int_equal(r.eoi_vector, 0x61);
	assert_false(isr_has(&l, 0x61));
	/* EOI with nothing in service does nothing. */
	wr(&l, LAPIC_REG_EOI, 0, 0);
	assert_int_equal(r.eois, 1);

	/* The same vector accepted as edge clears its TMR bit. */
	lapic_accept(&l, 0x61, false);
	assert_false(tmr_has(&l, 0x61));
	take_and_eoi(&l, 0x61);
	assert_int_equal(r.eois, 1);

	/* A still-asserted line re-delivers from inside the EOI: ISR is already clear. */
	r.redeliver = &l;
	lapic_accept(&l, 0x61, true);
	take_and_eoi(&l, 0x61);
	assert_int_equal(r.eois, 2);
	assert_int_equal(r.pending_in_eoi, 0x61);
	assert_false(isr_has(&l, 0x61));
	assert_int_equal(lapic_pending_vector(&l), 0x61);
}

static void test_esr(void **state)
{
	struct lapic l;
	struct bus_rec r;
	uint32_t v;

	setup_enabled(&l, &r);
	/* lapic_setup_esr(): write, read, program LVT error, write, read. */
	wr(&l, LAPIC_REG_ESR, 0, 0);
	assert_int_equal(rd(&l, LAPIC_REG_ESR, 0), 0);
	wr(&l, LAPIC_REG_LVT_ERROR, 0xfe, 0);
	wr(&l, LAPIC_REG_ESR, 0, 0);
	assert_int_equal(rd(&l, LAPIC_REG_ESR, 0), 0);

	/* An illegal vector is refused and reported through the error LVT. */
	lapic_accept(&l, 0x05, false);
	assert_false(irr_has(&l, 0x05));
	assert_true(irr_has(&l, 0xfe));
	assert_int_equal(rd(&l, LAPIC_REG_ESR, 0), 0); /* not yet latched */
	wr(&l, LAPIC_REG_ESR, 0x1234, 0);
	assert_int_equal(rd(&l, LAPIC_REG_ESR, 0), LAPIC_ESR_RECV_ILLEGAL_VECTOR);
	assert_int_equal(rd(&l, LAPIC_REG_ESR, 0), LAPIC_ESR_RECV_ILLEGAL_VECTOR);
	wr(&l, LAPIC_REG_ESR, 0, 0);
	assert_int_equal(rd(&l, LAPIC_REG_ESR, 0), 0);

	/* Sending a fixed IPI with an illegal vector. */
	wr(&l, LAPIC_REG_ICR_LOW, 0x0000000f, 0);
	assert_int_equal(r.ipis, 0);
	/* A reserved register. */
	assert_int_equal(lapic_mmio_read(&l, 0x3f0, &v, 0), -1);
	wr(&l, LAPIC_REG_ESR, 0, 0);
	assert_int_equal(rd(&l, LAPIC_REG_ESR, 0),
			 LAPIC_ESR_SEND_ILLEGAL_VECTOR | LAPIC_ESR_ILLEGAL_REGISTER);

	/* Masked error LVT: logged, no interrupt. */
	take_and_eoi(&l, 0xfe);
	wr(&l, LAPIC_REG_LVT_ERROR, 0x100fe, 0);
	lapic_accept(&l, 0x01, false);
	assert_int_equal(lapic_pending_vector(&l), -1);
	wr(&l, LAPIC_REG_ESR, 0, 0);
	assert_int_equal(rd(&l, LAPIC_REG_ESR, 0), LAPIC_ESR_RECV_ILLEGAL_VECTOR);

	/* An illegal vector in the error LVT itself is logged, never delivered. */
	wr(&l, LAPIC_REG_LVT_ERROR, 0x05, 0);
	wr(&l, LAPIC_REG_ICR_LOW, 0x00000001, 0);
	assert_false(irr_has(&l, 0x05));
	wr(&l, LAPIC_REG_ESR, 0, 0);
	assert_int_equal(rd(&l, LAPIC_REG_ESR, 0),
			 LAPIC_ESR_SEND_ILLEGAL_VECTOR | LAPIC_ESR_RECV_ILLEGAL_VECTOR);
}

static void test_icr_send_ipi(void **state)
{
	static const struct {
		uint32_t high, low, want_low, want_dest;
	} cases[] = {
		{ 0x03000000, 0x0000c500, 0x0000c500, 0x03 }, /* INIT assert, physical */
		{ 0x03000000, 0x00008500, 0x00008500, 0x03 }, /* INIT de-assert */
		{ 0x03000000, 0x00000698, 0x00000698, 0x03 }, /* SIPI to 0x98000 */
		{ 0x0f000000, 0x00000840, 0x00000840, 0x0f }, /* fixed, logical */
		{ 0xff000000, 0x000c10fd, 0x000c00fd, 0xff }, /* all but self; status bit dropped */
		{ 0x00000000, 0x00040441, 0x00040441, 0x00 }, /* self, with an NMI */
		{ 0x01ffffff, 0xfff30130, 0x00000130, 0x01 }, /* lowest priority; reserved bits dropped */
	};
	struct lapic l;
	struct bus_rec r;
	unsigned int i;

	setup_enabled(&l, &r);
	l.id = 9;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		wr(&l, LAPIC_REG_ICR_HIGH, cases[i].high, 0);
		assert_int_equal(r.ipis, i);
		wr(&l, LAPIC_REG_ICR_LOW, cases[i].low, 0);
		assert_int_equal(r.ipis, i + 1);
		assert_int_equal(r.src, 9);
		assert_int_equal(r.icr_low, cases[i].want_low);
		assert_int_equal(r.dest, cases[i].want_dest);
		/* Delivery is instant: the status bit reads idle. */
		assert_int_equal(rd(&l, LAPIC_REG_ICR_LOW, 0), cases[i].want_low);
		assert_int_equal(rd(&l, LAPIC_REG_ICR_HIGH, 0), cases[i].high & 0xff000000U);
	}
}

static void test_match_dest(void **state)
{
	struct lapic l;
	struct bus_rec r;

	setup(&l, &r, 5, false);
	assert_true(lapic_match_dest(&l, false, 5));
	assert_true(lapic_match_dest(&l, false, 0xff));
	assert_false(lapic_match_dest(&l, false, 4));
	/* Flat model: Linux gives CPU n bit n of the LDR. */
	wr(&l, LAPIC_REG_LDR, 0x20000000, 0);
	assert_true(lapic_match_dest(&l, true, 0x20));
	assert_true(lapic_match_dest(&l, true, 0x2f));
	assert_false(lapic_match_dest(&l, true, 0x1f));
	/* Cluster model: cluster 2, member bit 1. */
	wr(&l, LAPIC_REG_DFR, 0x0fffffff, 0);
	assert_int_equal(rd(&l, LAPIC_REG_DFR, 0), 0x0fffffff);
	wr(&l, LAPIC_REG_LDR, 0x22000000, 0);
	assert_true(lapic_match_dest(&l, true, 0x23));
	assert_true(lapic_match_dest(&l, true, 0xf2));
	assert_false(lapic_match_dest(&l, true, 0x32));
	assert_false(lapic_match_dest(&l, true, 0x21));
}

/* Divide by 1, so one tick is one ns, and the timer LVT as given. */
static void timer_setup(struct lapic *l, struct bus_rec *r, uint32_t lvt)
{
	setup_enabled(l, r);
	wr(l, LAPIC_REG_TIMER_DIV, 0xb, 0);
	wr(l, LAPIC_REG_LVT_TIMER, lvt, 0);
}

static void test_timer_oneshot(void **state)
{
	struct lapic l;
	struct bus_rec r;

	timer_setup(&l, &r, 0x30);
	assert_int_equal(lapic_timer_update(&l, T0, 0), NEVER);
	wr(&l, LAPIC_REG_TIMER_INIT, 1000, T0);
	assert_int_equal(rd(&l, LAPIC_REG_TIMER_INIT, T0), 1000);
	assert_int_equal(rd(&l, LAPIC_REG_TIMER_CUR, T0), 1000);
	assert_int_equal(rd(&l, LAPIC_REG_TIMER_CUR, T0 + 250), 750);
	assert_int_equal(rd(&l, LAPIC_REG_TIMER_CUR, T0 + 999), 1);
	assert_int_equal(lapic_timer_update(&l, T0 + 999, 0), T0 + 1000);
	assert_int_equal(lapic_pending_vector(&l), -1);
	assert_int_equal(lapic_timer_update(&l, T0 + 1000, 0), NEVER);
	assert_int_equal(rd(&l, LAPIC_REG_TIMER_CUR, T0 + 1000), 0);
	take_and_eoi(&l, 0x30);
	/* Once only. */
	assert_int_equal(lapic_timer_update(&l, T0 + 100000, 0), NEVER);
	assert_int_equal(lapic_pending_vector(&l), -1);
	assert_int_equal(rd(&l, LAPIC_REG_TIMER_INIT, T0), 1000);

	/* An expiry due before a register access is raised by the access. */
	wr(&l, LAPIC_REG_TIMER_INIT, 10, T0 + 200000);
	wr(&l, LAPIC_REG_TIMER_INIT, 10, T0 + 200010);
	take_and_eoi(&l, 0x30);
	/* Writing 0 stops it. */
	wr(&l, LAPIC_REG_TIMER_INIT, 0, T0 + 200015);
	assert_int_equal(lapic_timer_update(&l, T0 + 300000, 0), NEVER);
	assert_int_equal(lapic_pending_vector(&l), -1);
}

static void test_timer_periodic(void **state)
{
	struct lapic l;
	struct bus_rec r;

	setup_enabled(&l, &r);
	/* Divide by 2 (power-on DCR): 500 ticks are 1000 ns. */
	wr(&l, LAPIC_REG_LVT_TIMER, 0x20031, 0);
	wr(&l, LAPIC_REG_TIMER_INIT, 500, T0);
	assert_int_equal(lapic_timer_update(&l, T0 + 999, 0), T0 + 1000);
	assert_int_equal(lapic_pending_vector(&l), -1);
	assert_int_equal(lapic_timer_update(&l, T0 + 1000, 0), T0 + 2000);
	/* Re-armed: the count restarts from the initial count. */
	assert_int_equal(rd(&l, LAPIC_REG_TIMER_CUR, T0 + 1000), 500);
	assert_int_equal(rd(&l, LAPIC_REG_TIMER_CUR, T0 + 1500), 250);
	take_and_eoi(&l, 0x31);
	assert_int_equal(lapic_timer_update(&l, T0 + 2000, 0), T0 + 3000);
	take_and_eoi(&l, 0x31);
	/* Missed periods collapse into one interrupt; the phase is kept. */
	assert_int_equal(lapic_timer_update(&l, T0 + 5500, 0), T0 + 6000);
	take_and_eoi(&l, 0x31);
	assert_int_equal(lapic_pending_vector(&l), -1);
	assert_int_equal(lapic_timer_update(&l, T0 + 5999, 0), T0 + 6000);
	assert_int_equal(lapic_pending_vector(&l), -1);
	assert_int_equal(lapic_timer_update(&l, T0 + 6000, 0), T0 + 7000);
	take_and_eoi(&l, 0x31);

	/* Switching to one-shot keeps the running count and stops after it. */
	wr(&l, LAPIC_REG_LVT_TIMER, 0x31, T0 + 6200);
	assert_int_equal(rd(&l, LAPIC_REG_TIMER_CUR, T0 + 6200), 400);
	assert_int_equal(lapic_timer_update(&l, T0 + 7000, 0), NEVER);
	take_and_eoi(&l, 0x31);
	assert_int_equal(lapic_timer_update(&l, T0 + 9000, 0), NEVER);
	assert_int_equal(lapic_pending_vector(&l), -1);
}

static void test_timer_tsc_deadline(void **state)
{
	struct lapic l;
	struct bus_rec r;

	timer_setup(&l, &r, 0x32);
	l.tsc_hz = 2000000000ULL; /* 2 TSC ticks per ns */
	/* Not in deadline mode: the MSR reads 0 and ignores writes. */
	lapic_write_tsc_deadline(&l, 5000, 0);
	assert_int_equal(lapic_read_tsc_deadline(&l), 0);

	wr(&l, LAPIC_REG_LVT_TIMER, 0x40032, 0);
	lapic_write_tsc_deadline(&l, 10000, 0);
	assert_int_equal(lapic_read_tsc_deadline(&l), 10000);
	assert_int_equal(lapic_timer_update(&l, T0, 0), T0 + 5000);
	assert_int_equal(lapic_timer_update(&l, T0 + 4999, 9999), T0 + 5000);
	assert_int_equal(lapic_pending_vector(&l), -1);
	assert_int_equal(lapic_timer_update(&l, T0 + 5000, 10000), NEVER);
	assert_int_equal(lapic_read_tsc_deadline(&l), 0);
	take_and_eoi(&l, 0x32);
	assert_int_equal(lapic_timer_update(&l, T0 + 9000, 18000), NEVER);
	assert_int_equal(lapic_pending_vector(&l), -1);

	/* Writing 0 disarms. */
	lapic_write_tsc_deadline(&l, 20000, 18000);
	lapic_write_tsc_deadline(&l, 0, 18000);
	assert_int_equal(lapic_timer_update(&l, T0 + 20000, 40000), NEVER);
	assert_int_equal(lapic_pending_vector(&l), -1);

	/* A deadline already passed fires at once. */
	lapic_write_tsc_deadline(&l, 39000, 40000);
	take_and_eoi(&l, 0x32);
	assert_int_equal(lapic_read_tsc_deadline(&l), 0);

	/* The initial count is ignored in this mode. */
	wr(&l, LAPIC_REG_TIMER_INIT, 100, T0 + 20000);
	assert_int_equal(rd(&l, LAPIC_REG_TIMER_INIT, T0 + 20000), 0);
	assert_int_equal(lapic_timer_update(&l, T0 + 30000, 60000), NEVER);
	assert_int_equal(lapic_pending_vector(&l), -1);

	/* Leaving the mode disarms the deadline. */
	lapic_write_tsc_deadline(&l, 70000, 60000);
	wr(&l, LAPIC_REG_LVT_TIMER, 0x32, T0 + 30000);
	wr(&l, LAPIC_REG_LVT_TIMER, 0x40032, T0 + 30000);
	assert_int_equal(lapic_read_tsc_deadline(&l), 0);
	assert_int_equal(lapic_timer_update(&l, T0 + 40000, 80000), NEVER);
	assert_int_equal(lapic_pending_vector(&l), -1);

	/* A masked deadline expires silently. */
	wr(&l, LAPIC_REG_LVT_TIMER, 0x50032, T0 + 40000);
	lapic_write_tsc_deadline(&l, 90000, 80000);
	assert_int_equal(lapic_timer_update(&l, T0 + 50000, 100000), NEVER);
	assert_int_equal(lapic_pending_vector(&l), -1);
	assert_int_equal(lapic_read_tsc_deadline(&l), 0);
}

static void test_timer_divide(void **state)
{
	static const struct {
		uint32_t dcr, div;
	} cases[] = {
		{ 0x0, 2 },  { 0x1, 4 },  { 0x2, 8 },   { 0x3, 16 },
		{ 0x8, 32 }, { 0x9, 64 }, { 0xa, 128 }, { 0xb, 1 },
	};
	struct lapic l;
	struct bus_rec r;
	unsigned int i;
	uint64_t d;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		setup_enabled(&l, &r);
		wr(&l, LAPIC_REG_LVT_TIMER, 0x33, 0);
		/* Bit 2 and bits 31:4 are reserved. */
		wr(&l, LAPIC_REG_TIMER_DIV, cases[i].dcr | 0xfffffff4U, 0);
		assert_int_equal(rd(&l, LAPIC_REG_TIMER_DIV, 0), cases[i].dcr);
		d = cases[i].div;
		wr(&l, LAPIC_REG_TIMER_INIT, 1000, T0);
		assert_int_equal(rd(&l, LAPIC_REG_TIMER_CUR, T0 + 10 * d - 1), 991);
		assert_int_equal(rd(&l, LAPIC_REG_TIMER_CUR, T0 + 10 * d), 990);
		assert_int_equal(lapic_timer_update(&l, T0, 0), T0 + 1000 * d);
	}

	/* Changing the divider mid-count keeps the count and changes its rate. */
	setup_enabled(&l, &r);
	wr(&l, LAPIC_REG_LVT_TIMER, 0x33, 0);
	wr(&l, LAPIC_REG_TIMER_DIV, 0xb, 0);
	wr(&l, LAPIC_REG_TIMER_INIT, 1000, T0);
	wr(&l, LAPIC_REG_TIMER_DIV, 0x0, T0 + 500);
	assert_int_equal(rd(&l, LAPIC_REG_TIMER_CUR, T0 + 700), 400);
	assert_int_equal(lapic_timer_update(&l, T0 + 700, 0), T0 + 1500);
}

static void test_timer_masked(void **state)
{
	struct lapic l;
	struct bus_rec r;

	/* One-shot: counts and expires, raises nothing, and unmasking later stays quiet. */
	timer_setup(&l, &r, 0x10030);
	wr(&l, LAPIC_REG_TIMER_INIT, 100, T0);
	assert_int_equal(rd(&l, LAPIC_REG_TIMER_CUR, T0 + 40), 60);
	lapic_timer_update(&l, T0 + 1000, 0);
	assert_int_equal(lapic_pending_vector(&l), -1);
	assert_int_equal(rd(&l, LAPIC_REG_TIMER_CUR, T0 + 1000), 0);
	wr(&l, LAPIC_REG_LVT_TIMER, 0x30, T0 + 1000);
	assert_int_equal(lapic_timer_update(&l, T0 + 2000, 0), NEVER);
	assert_int_equal(lapic_pending_vector(&l), -1);

	/* Periodic, unmasked mid-period: the next boundary interrupts, not the unmask. */
	timer_setup(&l, &r, 0x30030);
	wr(&l, LAPIC_REG_TIMER_INIT, 100, T0);
	wr(&l, LAPIC_REG_LVT_TIMER, 0x20030, T0 + 550);
	assert_int_equal(lapic_timer_update(&l, T0 + 550, 0), T0 + 600);
	assert_int_equal(lapic_pending_vector(&l), -1);
	lapic_timer_update(&l, T0 + 600, 0);
	take_and_eoi(&l, 0x30);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_power_on_and_init),
		cmocka_unit_test(test_svr_disable_masks_lvts),
		cmocka_unit_test(test_tpr_ppr),
		cmocka_unit_test(test_cr8_is_the_tpr),
		cmocka_unit_test(test_cr8_priority_and_threshold),
		cmocka_unit_test(test_priority_order),
		cmocka_unit_test(test_ack_eoi_level),
		cmocka_unit_test(test_esr),
		cmocka_unit_test(test_icr_send_ipi),
		cmocka_unit_test(test_match_dest),
		cmocka_unit_test(test_timer_oneshot),
		cmocka_unit_test(test_timer_periodic),
		cmocka_unit_test(test_timer_tsc_deadline),
		cmocka_unit_test(test_timer_divide),
		cmocka_unit_test(test_timer_masked),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
