/*
 * Host unit test for vmm/dev/pic.c: the 8259A pair driven the way Linux
 * and PC firmware drive it (ICW1-4, OCW1-3, ELCR), checked against the
 * Intel 8259A datasheet's priority, EOI, cascade and spurious-IRQ rules.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "vmm/dev/pic.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static void out(struct pic *p, uint16_t port, uint8_t v)
{
	assert_true(pic_io_write(p, port, v));
}

static uint8_t in(struct pic *p, uint16_t port)
{
	uint8_t v = 0xa5;

	assert_true(pic_io_read(p, port, &v));
	return v;
}

/* Linux's init_8259A(): ICW1 0x11, ICW2 0x20/0x28, ICW3 4/2, ICW4 1. */
static void linux_init(struct pic *p, uint8_t icw4)
{
	out(p, PIC_MASTER_DATA, 0xff);
	out(p, PIC_SLAVE_DATA, 0xff);
	out(p, PIC_MASTER_CMD, 0x11);
	out(p, PIC_MASTER_DATA, 0x20);
	out(p, PIC_MASTER_DATA, 0x04);
	out(p, PIC_MASTER_DATA, icw4);
	out(p, PIC_SLAVE_CMD, 0x11);
	out(p, PIC_SLAVE_DATA, 0x28);
	out(p, PIC_SLAVE_DATA, 0x02);
	out(p, PIC_SLAVE_DATA, icw4);
	out(p, PIC_MASTER_DATA, 0x00);
	out(p, PIC_SLAVE_DATA, 0x00);
}

static void setup(struct pic *p, uint8_t icw4)
{
	pic_init(p);
	linux_init(p, icw4);
}

static void pulse(struct pic *p, unsigned irq)
{
	pic_set_irq(p, irq, true);
	pic_set_irq(p, irq, false);
}

static uint8_t read_isr(struct pic *p, uint16_t cmd)
{
	out(p, cmd, 0x0b); /* OCW3: RR=1 RIS=1 */
	return in(p, cmd);
}

static uint8_t read_irr(struct pic *p, uint16_t cmd)
{
	out(p, cmd, 0x0a); /* OCW3: RR=1 RIS=0 */
	return in(p, cmd);
}

static void test_power_on_and_init(void **state)
{
	struct pic p;

	pic_init(&p);
	pulse(&p, 0);
	assert_int_equal(pic_pending_vector(&p), -1); /* unprogrammed: all masked */
	assert_int_equal(in(&p, PIC_MASTER_DATA), 0xff);

	linux_init(&p, 0x01);
	/* ICW1 reset the edge sense: the earlier pulse is gone. */
	assert_int_equal(pic_pending_vector(&p), -1);
	pulse(&p, 0);
	assert_int_equal(pic_pending_vector(&p), 0x20);
	assert_int_equal(pic_ack(&p), 0x20);
	assert_int_equal(pic_pending_vector(&p), -1);

	/* Mid-initialisation nothing is delivered, and data writes are ICWs. */
	out(&p, PIC_MASTER_CMD, 0x11);
	pulse(&p, 1);
	assert_int_equal(pic_pending_vector(&p), -1);
	out(&p, PIC_MASTER_DATA, 0x30);
	out(&p, PIC_MASTER_DATA, 0x04);
	out(&p, PIC_MASTER_DATA, 0x01);
	assert_int_equal(pic_pending_vector(&p), 0x31);
}

/* Requests raised together; vectors in the order the fully nested mode serves them. */
struct prio_case {
	uint16_t irqs; /* bit n: IRQ n */
	uint8_t order[4];
	unsigned int n;
};

static const struct prio_case prio_cases[] = {
	{ 1U << 3 | 1U << 1 | 1U << 5, { 0x21, 0x23, 0x25 }, 3 },
	{ 1U << 7 | 1U << 0, { 0x20, 0x27 }, 2 },
	/* Slave lines rank where IR2 does: between IRQ 1 and IRQ 3. */
	{ 1U << 12 | 1U << 3 | 1U << 1, { 0x21, 0x2c, 0x23 }, 3 },
	{ 1U << 15 | 1U << 8 | 1U << 4, { 0x28, 0x2f, 0x24 }, 3 },
	{ 1U << 14 | 1U << 9 | 1U << 0 | 1U << 6, { 0x20, 0x29, 0x2e, 0x26 }, 4 },
};

static void test_priority(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(prio_cases); i++) {
		const struct prio_case *c = &prio_cases[i];
		struct pic p;

		setup(&p, 0x01);
		for (unsigned int irq = 0; irq < 16; irq++)
			if (c->irqs & (1U << irq))
				pulse(&p, irq);
		for (unsigned int k = 0; k < c->n; k++) {
			assert_int_equal(pic_pending_vector(&p), c->order[k]);
			assert_int_equal(pic_ack(&p), c->order[k]);
			/* In service blocks everything below it until the EOI. */
			assert_int_equal(pic_pending_vector(&p), -1);
			if (c->order[k] >= 0x28)
				out(&p, PIC_SLAVE_CMD, 0x20);
			out(&p, PIC_MASTER_CMD, 0x20);
		}
		assert_int_equal(pic_pending_vector(&p), -1);
	}
}

static void test_nesting(void **state)
{
	struct pic p;

	setup(&p, 0x01);
	pulse(&p, 4);
	assert_int_equal(pic_ack(&p), 0x24);
	pulse(&p, 6);
	assert_int_equal(pic_pending_vector(&p), -1);
	pulse(&p, 1); /* higher priority interrupts the IRQ 4 handler */
	assert_int_equal(pic_ack(&p), 0x21);
	assert_int_equal(read_isr(&p, PIC_MASTER_CMD), 0x12);
	out(&p, PIC_MASTER_CMD, 0x20); /* non-specific EOI ends IRQ 1, the highest */
	assert_int_equal(read_isr(&p, PIC_MASTER_CMD), 0x10);
	assert_int_equal(pic_pending_vector(&p), -1);
	out(&p, PIC_MASTER_CMD, 0x20);
	assert_int_equal(pic_ack(&p), 0x26);
}

static void test_mask(void **state)
{
	struct pic p;

	setup(&p, 0x01);
	out(&p, PIC_MASTER_DATA, 0x08);
	assert_int_equal(in(&p, PIC_MASTER_DATA), 0x08);
	pulse(&p, 3);
	assert_int_equal(pic_pending_vector(&p), -1);
	assert_int_equal(read_irr(&p, PIC_MASTER_CMD), 0x08); /* latched while masked */
	pulse(&p, 5);
	assert_int_equal(pic_ack(&p), 0x25);
	out(&p, PIC_MASTER_CMD, 0x20);
	out(&p, PIC_MASTER_DATA, 0x00);
	assert_int_equal(pic_ack(&p), 0x23);

	/* Masking IR2 on the master silences the whole slave. */
	out(&p, PIC_MASTER_CMD, 0x20);
	out(&p, PIC_MASTER_DATA, 0x04);
	pulse(&p, 11);
	assert_int_equal(pic_pending_vector(&p), -1);
	out(&p, PIC_MASTER_DATA, 0x00);
	assert_int_equal(pic_ack(&p), 0x2b);
}

static void test_specific_eoi(void **state)
{
	struct pic p;

	setup(&p, 0x01);
	pulse(&p, 5);
	assert_int_equal(pic_ack(&p), 0x25);
	pulse(&p, 3);
	assert_int_equal(pic_ack(&p), 0x23);
	assert_int_equal(read_isr(&p, PIC_MASTER_CMD), 0x28);
	out(&p, PIC_MASTER_CMD, 0x65); /* specific EOI for IRQ 5, not the highest */
	assert_int_equal(read_isr(&p, PIC_MASTER_CMD), 0x08);
	out(&p, PIC_MASTER_CMD, 0x63);
	assert_int_equal(read_isr(&p, PIC_MASTER_CMD), 0x00);
}

static void test_cascade(void **state)
{
	struct pic p;

	setup(&p, 0x01);
	pulse(&p, 8);
	assert_int_equal(read_irr(&p, PIC_MASTER_CMD), 0x04);
	assert_int_equal(pic_pending_vector(&p), 0x28);
	assert_int_equal(pic_ack(&p), 0x28);
	assert_int_equal(read_isr(&p, PIC_MASTER_CMD), 0x04); /* IR2 in service */
	assert_int_equal(read_isr(&p, PIC_SLAVE_CMD), 0x01);
	assert_int_equal(read_irr(&p, PIC_MASTER_CMD), 0x00);

	/* A lower slave line waits for the slave's EOI, then for nothing else. */
	pulse(&p, 13);
	assert_int_equal(pic_pending_vector(&p), -1);
	out(&p, PIC_SLAVE_CMD, 0x20);
	assert_int_equal(pic_pending_vector(&p), -1); /* master IR2 still in service */
	out(&p, PIC_MASTER_CMD, 0x20);
	assert_int_equal(pic_ack(&p), 0x2d);
	assert_int_equal(read_isr(&p, PIC_SLAVE_CMD), 0x20);
}

static void test_edge_and_level(void **state)
{
	struct pic p;

	setup(&p, 0x01);
	/* Edge: a line held high requests once, however often it is driven. */
	pic_set_irq(&p, 5, true);
	assert_int_equal(pic_ack(&p), 0x25);
	out(&p, PIC_MASTER_CMD, 0x20);
	pic_set_irq(&p, 5, true);
	assert_int_equal(pic_pending_vector(&p), -1);
	pic_set_irq(&p, 5, false);
	pic_set_irq(&p, 5, true);
	assert_int_equal(pic_ack(&p), 0x25);
	out(&p, PIC_MASTER_CMD, 0x20);
	pic_set_irq(&p, 5, false);

	/* ELCR: reserved bits read 0 (IRQ 0-2, 8, 13). */
	out(&p, PIC_ELCR_MASTER, 0xff);
	out(&p, PIC_ELCR_SLAVE, 0xff);
	assert_int_equal(in(&p, PIC_ELCR_MASTER), 0xf8);
	assert_int_equal(in(&p, PIC_ELCR_SLAVE), 0xde);
	out(&p, PIC_ELCR_MASTER, 0x20);
	out(&p, PIC_ELCR_SLAVE, 0x00);

	/* Level: requests again after EOI while high, not at all once low. */
	pic_set_irq(&p, 5, true);
	assert_int_equal(pic_ack(&p), 0x25);
	out(&p, PIC_MASTER_CMD, 0x20);
	assert_int_equal(pic_pending_vector(&p), 0x25);
	pic_set_irq(&p, 5, false);
	assert_int_equal(pic_pending_vector(&p), -1);

	/* A line made level-triggered while high requests at once. */
	pic_set_irq(&p, 3, true);
	assert_int_equal(pic_ack(&p), 0x23);
	out(&p, PIC_MASTER_CMD, 0x20);
	assert_int_equal(pic_pending_vector(&p), -1);
	out(&p, PIC_ELCR_MASTER, 0x28);
	assert_int_equal(pic_pending_vector(&p), 0x23);
	pic_set_irq(&p, 3, false);
	out(&p, PIC_ELCR_MASTER, 0x20);

	/* Level on the slave: the cascade follows it. */
	out(&p, PIC_ELCR_SLAVE, 0x08);
	pic_set_irq(&p, 11, true);
	assert_int_equal(pic_ack(&p), 0x2b);
	out(&p, PIC_SLAVE_CMD, 0x20);
	out(&p, PIC_MASTER_CMD, 0x20);
	assert_int_equal(pic_ack(&p), 0x2b);
	pic_set_irq(&p, 11, false); /* the handler quiets the device, then EOIs */
	out(&p, PIC_SLAVE_CMD, 0x20);
	out(&p, PIC_MASTER_CMD, 0x20);
	assert_int_equal(pic_pending_vector(&p), -1);
}

static void test_spurious(void **state)
{
	struct pic p;

	setup(&p, 0x01);
	/* Nothing pending: master IR7, nothing put in service. */
	assert_int_equal(pic_ack(&p), 0x27);
	assert_int_equal(read_isr(&p, PIC_MASTER_CMD), 0x00);

	/* A level request that drops before INTA. */
	out(&p, PIC_ELCR_MASTER, 0x08);
	pic_set_irq(&p, 3, true);
	assert_int_equal(pic_pending_vector(&p), 0x23);
	pic_set_irq(&p, 3, false);
	assert_int_equal(pic_ack(&p), 0x27);

	/* The slave's request vanishes after the master latched IR2: IRQ 15. */
	pulse(&p, 10);
	out(&p, PIC_SLAVE_DATA, 0x04);
	assert_int_equal(pic_pending_vector(&p), 0x2f);
	assert_int_equal(pic_ack(&p), 0x2f);
	assert_int_equal(read_isr(&p, PIC_MASTER_CMD), 0x04);
	assert_int_equal(read_isr(&p, PIC_SLAVE_CMD), 0x00);
}

static void test_ocw3_reads(void **state)
{
	struct pic p;

	setup(&p, 0x01);
	pulse(&p, 1);
	pulse(&p, 6);
	assert_int_equal(in(&p, PIC_MASTER_CMD), 0x42); /* IRR by default */
	assert_int_equal(pic_ack(&p), 0x21);
	assert_int_equal(read_isr(&p, PIC_MASTER_CMD), 0x02);
	assert_int_equal(in(&p, PIC_MASTER_CMD), 0x02); /* selection sticks */
	out(&p, PIC_MASTER_CMD, 0x08); /* RR=0: no change */
	assert_int_equal(in(&p, PIC_MASTER_CMD), 0x02);
	assert_int_equal(read_irr(&p, PIC_MASTER_CMD), 0x40);

	/* Poll: the read is the INTA. */
	out(&p, PIC_MASTER_CMD, 0x20);
	out(&p, PIC_MASTER_CMD, 0x0c);
	assert_int_equal(in(&p, PIC_MASTER_DATA), 0x86);
	assert_int_equal(read_isr(&p, PIC_MASTER_CMD), 0x40);
	out(&p, PIC_MASTER_CMD, 0x20);
	out(&p, PIC_MASTER_CMD, 0x0c);
	assert_int_equal(in(&p, PIC_MASTER_CMD), 0x00);
}

static void test_aeoi(void **state)
{
	struct pic p;

	setup(&p, 0x03); /* ICW4: 8086 mode, AEOI */
	pulse(&p, 4);
	assert_int_equal(pic_ack(&p), 0x24);
	assert_int_equal(read_isr(&p, PIC_MASTER_CMD), 0x00);
	pulse(&p, 6);
	assert_int_equal(pic_ack(&p), 0x26); /* no EOI needed */
	pulse(&p, 9);
	assert_int_equal(pic_ack(&p), 0x29);
	assert_int_equal(read_isr(&p, PIC_SLAVE_CMD), 0x00);

	/* Two slave requests in AEOI mode: the second is not lost in the cascade. */
	pulse(&p, 9);
	pulse(&p, 10);
	assert_int_equal(pic_ack(&p), 0x29);
	assert_int_equal(pic_ack(&p), 0x2a);
	assert_int_equal(pic_pending_vector(&p), -1);

	/* Rotate in AEOI: a served line drops to the lowest priority. */
	out(&p, PIC_MASTER_CMD, 0x80);
	pulse(&p, 0);
	assert_int_equal(pic_ack(&p), 0x20);
	pulse(&p, 0);
	pulse(&p, 5);
	assert_int_equal(pic_ack(&p), 0x25);
}

static void test_rotation(void **state)
{
	struct pic p;

	setup(&p, 0x01);
	out(&p, PIC_MASTER_CMD, 0xc4); /* set priority: IRQ 4 lowest, 5 highest */
	pulse(&p, 4);
	pulse(&p, 5);
	assert_int_equal(pic_ack(&p), 0x25);
	out(&p, PIC_MASTER_CMD, 0x20);
	assert_int_equal(pic_ack(&p), 0x24);
	out(&p, PIC_MASTER_CMD, 0x20);
	pulse(&p, 0);
	pulse(&p, 6);
	assert_int_equal(pic_ack(&p), 0x26);
	out(&p, PIC_MASTER_CMD, 0xa0); /* rotate on non-specific EOI: 6 lowest */
	pulse(&p, 6);
	assert_int_equal(pic_ack(&p), 0x20);
	out(&p, PIC_MASTER_CMD, 0xe0); /* rotate on specific EOI 0: 1 highest */
	pulse(&p, 1);
	assert_int_equal(pic_ack(&p), 0x21);
}

static void test_special_mask(void **state)
{
	struct pic p;

	setup(&p, 0x01);
	pulse(&p, 1);
	assert_int_equal(pic_ack(&p), 0x21);
	pulse(&p, 5);
	assert_int_equal(pic_pending_vector(&p), -1);
	out(&p, PIC_MASTER_DATA, 0x02);
	out(&p, PIC_MASTER_CMD, 0x68); /* OCW3: ESMM, SMM */
	assert_int_equal(pic_ack(&p), 0x25);
	out(&p, PIC_MASTER_CMD, 0x48); /* special mask off */
	pulse(&p, 6);
	assert_int_equal(pic_pending_vector(&p), -1);
}

static void test_foreign_ports(void **state)
{
	static const uint16_t ports[] = { 0x1f, 0x22, 0x40, 0x9f, 0xa2, 0x4cf, 0x4d2 };
	struct pic p;
	uint8_t v = 0x5a;

	pic_init(&p);
	for (size_t i = 0; i < ARRAY_SIZE(ports); i++) {
		assert_false(pic_io_write(&p, ports[i], 0));
		assert_false(pic_io_read(&p, ports[i], &v));
	}
	assert_int_equal(v, 0x5a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_power_on_and_init),
		cmocka_unit_test(test_priority),
		cmocka_unit_test(test_nesting),
		cmocka_unit_test(test_mask),
		cmocka_unit_test(test_specific_eoi),
		cmocka_unit_test(test_cascade),
		cmocka_unit_test(test_edge_and_level),
		cmocka_unit_test(test_spurious),
		cmocka_unit_test(test_ocw3_reads),
		cmocka_unit_test(test_aeoi),
		cmocka_unit_test(test_rotation),
		cmocka_unit_test(test_special_mask),
		cmocka_unit_test(test_foreign_ports),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
