/*
 * Host unit test for vmm/dev/ioapic.c: the 82093AA registers reached
 * through IOREGSEL/IOWIN as Linux's io_apic.c does, and pin delivery
 * (edge, level with Remote IRR and EOI, mask, polarity) as the 82093AA
 * datasheet's redirection table section describes it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "vmm/dev/ioapic.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct msg_rec {
	unsigned int count;
	uint8_t vector, mode, dest;
	bool logical, level;
};

static void rec_deliver(void *ctx, uint8_t vector, uint8_t delivery_mode, bool logical,
			uint8_t dest, bool level)
{
	struct msg_rec *r = ctx;

	r->count++;
	r->vector = vector;
	r->mode = delivery_mode;
	r->logical = logical;
	r->dest = dest;
	r->level = level;
}

static void setup(struct ioapic *io, struct msg_rec *r, uint32_t id)
{
	*r = (struct msg_rec){ 0 };
	ioapic_init(io, id, (struct ioapic_delivery){ rec_deliver, r });
}

static void reg_write(struct ioapic *io, uint32_t reg, uint32_t v)
{
	assert_int_equal(ioapic_mmio_write(io, IOAPIC_IOREGSEL, reg), 0);
	assert_int_equal(ioapic_mmio_write(io, IOAPIC_IOWIN, v), 0);
}

static uint32_t reg_read(struct ioapic *io, uint32_t reg)
{
	uint32_t v = 0xdeadbeef;

	assert_int_equal(ioapic_mmio_write(io, IOAPIC_IOREGSEL, reg), 0);
	assert_int_equal(ioapic_mmio_read(io, IOAPIC_IOWIN, &v), 0);
	return v;
}

/* Programs pin's entry: high word first, then low, as Linux's ioapic_write_entry(). */
static void program(struct ioapic *io, unsigned int pin, uint32_t low, uint32_t high)
{
	reg_write(io, IOAPIC_REG_REDIR + 2 * pin + 1, high);
	reg_write(io, IOAPIC_REG_REDIR + 2 * pin, low);
}

static uint32_t entry_low(struct ioapic *io, unsigned int pin)
{
	return reg_read(io, IOAPIC_REG_REDIR + 2 * pin);
}

#define EDGE 0x00000U
#define LEVEL 0x08000U
#define ACTIVE_LOW 0x02000U
#define MASKED 0x10000U
#define REMOTE_IRR 0x04000U

static void test_id_version(void **state)
{
	struct ioapic io;
	struct msg_rec r;
	uint32_t v;
	unsigned int pin;

	setup(&io, &r, 2);
	assert_int_equal(reg_read(&io, IOAPIC_REG_ID), 0x02000000);
	assert_int_equal(reg_read(&io, IOAPIC_REG_VERSION), 0x00170011);
	assert_int_equal(reg_read(&io, IOAPIC_REG_ARB), 0x02000000);
	/* IOREGSEL reads back (8 bits). */
	assert_int_equal(ioapic_mmio_write(&io, IOAPIC_IOREGSEL, 0xffffff13), 0);
	assert_int_equal(ioapic_mmio_read(&io, IOAPIC_IOREGSEL, &v), 0);
	assert_int_equal(v, 0x13);
	/* Only bits 27:24 of the ID are writable; version and arbitration are read-only. */
	reg_write(&io, IOAPIC_REG_ID, 0xf5ffffff);
	assert_int_equal(reg_read(&io, IOAPIC_REG_ID), 0x05000000);
	reg_write(&io, IOAPIC_REG_VERSION, 0);
	assert_int_equal(reg_read(&io, IOAPIC_REG_VERSION), 0x00170011);
	reg_write(&io, IOAPIC_REG_ARB, 0x0f000000);
	assert_int_equal(reg_read(&io, IOAPIC_REG_ARB), 0x05000000);
	/* Reset: every entry masked. */
	for (pin = 0; pin < IOAPIC_PINS; pin++) {
		assert_int_equal(entry_low(&io, pin), MASKED);
		assert_int_equal(reg_read(&io, IOAPIC_REG_REDIR + 2 * pin + 1), 0);
	}
	/* Past the table, and other MMIO offsets. */
	assert_int_equal(reg_read(&io, 0x40), 0);
	assert_int_equal(ioapic_mmio_read(&io, 0x20, &v), -1);
	assert_int_equal(v, 0);
	assert_int_equal(ioapic_mmio_write(&io, 0x40, 0x31), -1);
	assert_int_equal(ioapic_mmio_read(&io, 0x04, &v), -1);
}

static void test_redir_halves(void **state)
{
	struct ioapic io;
	struct msg_rec r;

	setup(&io, &r, 0);
	/* Pin 3: vector 0x33, lowest priority, logical, active low, level, masked. */
	program(&io, 3, 0x0001a933, 0x0f000000);
	assert_int_equal(entry_low(&io, 3), 0x0001a933);
	assert_int_equal(reg_read(&io, 0x17), 0x0f000000);
	/* Neighbours untouched. */
	assert_int_equal(entry_low(&io, 2), MASKED);
	assert_int_equal(entry_low(&io, 4), MASKED);
	assert_int_equal(reg_read(&io, 0x15), 0);
	assert_int_equal(reg_read(&io, 0x19), 0);
	/* Writing one half keeps the other. */
	reg_write(&io, 0x17, 0x01000000);
	assert_int_equal(entry_low(&io, 3), 0x0001a933);
	reg_write(&io, 0x16, 0x00010040);
	assert_int_equal(reg_read(&io, 0x17), 0x01000000);
	/* The last pin: 0x3e/0x3f. */
	program(&io, 23, 0x00010057, 0x57000000);
	assert_int_equal(reg_read(&io, 0x3e), 0x00010057);
	assert_int_equal(reg_read(&io, 0x3f), 0x57000000);
	assert_int_equal(entry_low(&io, 22), MASKED);
}

static void test_read_only_bits(void **state)
{
	struct ioapic io;
	struct msg_rec r;

	setup(&io, &r, 0);
	/* Delivery status (12), Remote IRR (14), reserved 31:17 and 55:32 ignore writes. */
	program(&io, 5, 0xffffffff, 0xffffffff);
	assert_int_equal(entry_low(&io, 5), 0x0001afff);
	assert_int_equal(reg_read(&io, 0x1b), 0xff000000);

	/* Remote IRR cannot be cleared by a write while the entry stays level. */
	program(&io, 5, LEVEL | 0x45, 0);
	ioapic_set_irq(&io, 5, true);
	assert_int_equal(r.count, 1);
	assert_int_equal(entry_low(&io, 5), LEVEL | REMOTE_IRR | 0x45);
	reg_write(&io, 0x1a, LEVEL | 0x45);
	assert_int_equal(entry_low(&io, 5), LEVEL | REMOTE_IRR | 0x45);
	assert_int_equal(r.count, 1);
	/* Linux's fix for a stuck Remote IRR: switch to edge (masked) and back. */
	reg_write(&io, 0x1a, MASKED | EDGE | 0x45);
	assert_int_equal(entry_low(&io, 5), MASKED | 0x45);
	reg_write(&io, 0x1a, LEVEL | 0x45);
	assert_int_equal(r.count, 2); /* still asserted: sent again */
}

static void test_edge(void **state)
{
	struct ioapic io;
	struct msg_rec r;

	setup(&io, &r, 0);
	program(&io, 1, EDGE | 0x31, 0x03000000);
	ioapic_set_irq(&io, 1, true);
	assert_int_equal(r.count, 1);
	assert_int_equal(r.vector, 0x31);
	assert_int_equal(r.mode, 0);
	assert_false(r.logical);
	assert_int_equal(r.dest, 3);
	assert_false(r.level);
	/* No Remote IRR for edge entries. */
	assert_int_equal(entry_low(&io, 1), 0x31);
	/* Once per rising edge. */
	ioapic_set_irq(&io, 1, true);
	assert_int_equal(r.count, 1);
	ioapic_set_irq(&io, 1, false);
	assert_int_equal(r.count, 1);
	ioapic_set_irq(&io, 1, true);
	assert_int_equal(r.count, 2);
	ioapic_eoi(&io, 0x31);
	assert_int_equal(r.count, 2);

	/* Fields pass through: NMI (mode 4), logical, destination 0xa5. */
	program(&io, 2, EDGE | 0xc00 | 0x00, 0xa5000000);
	ioapic_set_irq(&io, 2, true);
	assert_int_equal(r.count, 3);
	assert_int_equal(r.mode, 4);
	assert_true(r.logical);
	assert_int_equal(r.dest, 0xa5);

	/* Pins past the table are ignored. */
	ioapic_set_irq(&io, IOAPIC_PINS, true);
	assert_int_equal(r.count, 3);
}

static void test_masked(void **state)
{
	struct ioapic io;
	struct msg_rec r;

	setup(&io, &r, 0);
	/* Reset state: masked. */
	ioapic_set_irq(&io, 4, true);
	ioapic_set_irq(&io, 4, false);
	assert_int_equal(r.count, 0);

	/* An edge while masked is lost, not held for the unmask. */
	program(&io, 4, MASKED | EDGE | 0x34, 0);
	ioapic_set_irq(&io, 4, true);
	program(&io, 4, EDGE | 0x34, 0);
	assert_int_equal(r.count, 0);
	ioapic_set_irq(&io, 4, false);
	ioapic_set_irq(&io, 4, true);
	assert_int_equal(r.count, 1);

	/* A masked level pin waits; unmasking it while asserted sends. */
	program(&io, 10, MASKED | LEVEL | 0x3a, 0);
	ioapic_set_irq(&io, 10, true);
	assert_int_equal(r.count, 1);
	assert_int_equal(entry_low(&io, 10), MASKED | LEVEL | 0x3a);
	program(&io, 10, LEVEL | 0x3a, 0);
	assert_int_equal(r.count, 2);
	assert_int_equal(r.vector, 0x3a);
	assert_true(r.level);

	/* A level pin that dropped before the unmask sends nothing. */
	program(&io, 11, MASKED | LEVEL | 0x3b, 0);
	ioapic_set_irq(&io, 11, true);
	ioapic_set_irq(&io, 11, false);
	program(&io, 11, LEVEL | 0x3b, 0);
	assert_int_equal(r.count, 2);
}

static void test_level_remote_irr_eoi(void **state)
{
	struct ioapic io;
	struct msg_rec r;

	setup(&io, &r, 0);
	program(&io, 9, LEVEL | 0x39, 0x01000000);
	program(&io, 12, LEVEL | 0x3c, 0);
	ioapic_set_irq(&io, 9, true);
	assert_int_equal(r.count, 1);
	assert_int_equal(r.vector, 0x39);
	assert_true(r.level);
	assert_int_equal(r.dest, 1);
	assert_int_equal(entry_low(&io, 9), LEVEL | REMOTE_IRR | 0x39);
	/* Outstanding: no more messages until the EOI. */
	ioapic_set_irq(&io, 9, true);
	assert_int_equal(r.count, 1);
	/* Another vector's EOI changes nothing. */
	ioapic_eoi(&io, 0x3c);
	assert_int_equal(r.count, 1);
	assert_int_equal(entry_low(&io, 9), LEVEL | REMOTE_IRR | 0x39);
	/* EOI while still asserted: sent again. */
	ioapic_eoi(&io, 0x39);
	assert_int_equal(r.count, 2);
	assert_int_equal(entry_low(&io, 9), LEVEL | REMOTE_IRR | 0x39);
	/* The device deasserts; the EOI clears Remote IRR and sends nothing. */
	ioapic_set_irq(&io, 9, false);
	ioapic_eoi(&io, 0x39);
	assert_int_equal(r.count, 2);
	assert_int_equal(entry_low(&io, 9), LEVEL | 0x39);
	/* A new assertion is sent. */
	ioapic_set_irq(&io, 9, true);
	assert_int_equal(r.count, 3);

	/* Two pins sharing a vector: one EOI serves both. */
	program(&io, 12, LEVEL | 0x39, 0);
	ioapic_set_irq(&io, 12, true);
	assert_int_equal(r.count, 4);
	ioapic_set_irq(&io, 9, false);
	ioapic_set_irq(&io, 12, false);
	ioapic_eoi(&io, 0x39);
	assert_int_equal(entry_low(&io, 9), LEVEL | 0x39);
	assert_int_equal(entry_low(&io, 12), LEVEL | 0x39);
	assert_int_equal(r.count, 4);
}

static void test_polarity(void **state)
{
	struct ioapic io;
	struct msg_rec r;

	setup(&io, &r, 0);
	/* A PCI line: active low, level. Idle is electrically high. */
	ioapic_set_irq(&io, 16, true);
	program(&io, 16, ACTIVE_LOW | LEVEL | 0x50, 0);
	assert_int_equal(r.count, 0);
	ioapic_set_irq(&io, 16, false); /* asserted */
	assert_int_equal(r.count, 1);
	assert_int_equal(r.vector, 0x50);
	ioapic_set_irq(&io, 16, true);
	ioapic_eoi(&io, 0x50);
	assert_int_equal(r.count, 1);
	assert_int_equal(entry_low(&io, 16), ACTIVE_LOW | LEVEL | 0x50);

	/* Active-low edge: the falling edge is the assertion. */
	ioapic_set_irq(&io, 17, true);
	program(&io, 17, ACTIVE_LOW | EDGE | 0x51, 0);
	ioapic_set_irq(&io, 17, false);
	assert_int_equal(r.count, 2);
	assert_int_equal(r.vector, 0x51);
	ioapic_set_irq(&io, 17, true);
	assert_int_equal(r.count, 2);

	/* An active-low pin never driven high counts as asserted (see ioapic.h). */
	program(&io, 18, ACTIVE_LOW | LEVEL | 0x52, 0);
	assert_int_equal(r.count, 3);
	assert_int_equal(r.vector, 0x52);
	/* Active high, level: asserted while high. */
	program(&io, 19, LEVEL | 0x53, 0);
	assert_int_equal(r.count, 3);
	ioapic_set_irq(&io, 19, true);
	assert_int_equal(r.count, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_id_version),
		cmocka_unit_test(test_redir_halves),
		cmocka_unit_test(test_read_only_bits),
		cmocka_unit_test(test_edge),
		cmocka_unit_test(test_masked),
		cmocka_unit_test(test_level_remote_irr_eoi),
		cmocka_unit_test(test_polarity),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
