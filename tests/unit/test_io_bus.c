/* Unit tests of vmm/core/io_bus.c: registration rules and dispatch. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "vmm/core/io_bus.h"

struct fake_dev {
	uint64_t last_addr, last_value;
	unsigned last_size, reads, writes;
	struct vcpu *last_vcpu;
};

static int fake_read(struct vcpu *v, void *opaque, uint64_t addr, unsigned size, uint64_t *value)
{
	struct fake_dev *d = opaque;

	d->last_vcpu = v;
	d->reads++;
	d->last_addr = addr;
	d->last_size = size;
	*value = 0xab;
	return 0;
}

static int fake_write(struct vcpu *v, void *opaque, uint64_t addr, unsigned size, uint64_t value)
{
	struct fake_dev *d = opaque;

	d->last_vcpu = v;
	d->writes++;
	d->last_addr = addr;
	d->last_size = size;
	d->last_value = value;
	return 0;
}

static const struct io_ops fake_ops = { fake_read, fake_write };
static const struct io_ops write_only_ops = { NULL, fake_write };

static void test_register_rules(void **state)
{
	struct io_bus bus = { 0 };
	struct fake_dev d = { 0 };
	unsigned i;

	(void)state;
	assert_int_equal(io_bus_register(&bus, 0x3f8, 8, &fake_ops, &d, "uart"), 0);
	assert_int_equal(io_bus_register(&bus, 0x3f8, 8, &fake_ops, &d, "again"), -1);
	assert_int_equal(io_bus_register(&bus, 0x3f0, 9, &fake_ops, &d, "overlap low"), -1);
	assert_int_equal(io_bus_register(&bus, 0x3ff, 1, &fake_ops, &d, "overlap high"), -1);
	assert_int_equal(io_bus_register(&bus, 0x3f0, 8, &fake_ops, &d, "adjacent"), 0);
	assert_int_equal(io_bus_register(&bus, 0x400, 0, &fake_ops, &d, "empty"), -1);
	assert_int_equal(io_bus_register(&bus, ~0ULL - 1, 4, &fake_ops, &d, "wraps"), -1);
	assert_int_equal(io_bus_register(&bus, 0x500, 1, NULL, &d, "no ops"), -1);
	for (i = bus.count; i < IO_BUS_MAX_RANGES; i++)
		assert_int_equal(io_bus_register(&bus, 0x1000 + i, 1, &fake_ops, &d, "fill"), 0);
	assert_int_equal(io_bus_register(&bus, 0x9000, 1, &fake_ops, &d, "full"), -1);
}

static void test_dispatch(void **state)
{
	struct io_bus bus = { 0 };
	struct fake_dev a = { 0 }, b = { 0 };
	/* The bus never looks at the vCPU: it hands it to the device. */
	struct vcpu *cpu0 = (struct vcpu *)&a, *cpu1 = (struct vcpu *)&b;
	uint64_t v = 0;

	(void)state;
	assert_int_equal(io_bus_register(&bus, 0x40, 4, &fake_ops, &a, "pit"), 0);
	assert_int_equal(io_bus_register(&bus, 0xfee00000, 0x1000, &write_only_ops, &b, "wo"), 0);

	assert_int_equal(io_bus_read(&bus, cpu0, 0x42, 1, &v), 0);
	assert_int_equal(v, 0xab);
	assert_int_equal(a.last_addr, 0x42);
	assert_ptr_equal(a.last_vcpu, cpu0);
	assert_int_equal(io_bus_write(&bus, cpu1, 0x43, 1, 0x34), 0);
	assert_int_equal(a.last_value, 0x34);
	assert_ptr_equal(a.last_vcpu, cpu1);
	/* An access that spills past the end of a range is not that device's. */
	assert_int_equal(io_bus_read(&bus, cpu0, 0x43, 2, &v), -1);
	assert_int_equal(io_bus_read(&bus, cpu0, 0x3f, 1, &v), -1);
	assert_int_equal(io_bus_read(&bus, cpu0, 0x44, 1, &v), -1);
	/* A device without a read callback leaves reads unclaimed. */
	assert_int_equal(io_bus_read(&bus, cpu0, 0xfee000b0, 4, &v), -1);
	assert_int_equal(io_bus_write(&bus, cpu0, 0xfee000b0, 4, 0), 0);
	assert_int_equal(b.writes, 1);
	assert_null(io_bus_find(&bus, ~0ULL, 2));
	assert_null(io_bus_find(&bus, 0x40, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_register_rules),
		cmocka_unit_test(test_dispatch),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
