/*
 * Hypercall argument checks against hostile values: lengths, wrap-around,
 * buffers that leave the caller's RAM or touch its devices.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "vmm/mgmt/hc_check.h"
#include "vmm/abi/hypercall_abi.h"

#define MiB (1024ULL * 1024)

static const struct io_ops no_ops;

static void bus_with_lapic(struct io_bus *bus)
{
	*bus = (struct io_bus){ 0 };
	assert_int_equal(io_bus_register(bus, 0xfee00000ULL, 0x1000, &no_ops, NULL, "lapic"), 0);
	/* A device inside RAM's range (as a hostile layout might have). */
	assert_int_equal(io_bus_register(bus, 0x200000ULL, 0x1000, &no_ops, NULL, "hole"), 0);
}

static void test_good_buffers(void **state)
{
	struct io_bus bus;

	bus_with_lapic(&bus);
	assert_int_equal(hc_check_buffer(&bus, 16 * MiB, 0x1000, 64, 64, 4096), 0);
	assert_int_equal(hc_check_buffer(&bus, 16 * MiB, 16 * MiB - 64, 64, 1, 4096), 0);
	assert_int_equal(hc_check_buffer(&bus, 16 * MiB, 0, 1, 1, 1), 0);
	/* Right next to the hole on either side. */
	assert_int_equal(hc_check_buffer(&bus, 16 * MiB, 0x200000 - 16, 16, 1, 4096), 0);
	assert_int_equal(hc_check_buffer(&bus, 16 * MiB, 0x201000, 16, 1, 4096), 0);
}

static void test_bad_lengths(void **state)
{
	struct io_bus bus;

	bus_with_lapic(&bus);
	assert_int_equal(hc_check_buffer(&bus, 16 * MiB, 0x1000, 63, 64, 4096), -HV_EINVAL);
	assert_int_equal(hc_check_buffer(&bus, 16 * MiB, 0x1000, 4097, 1, 4096), -HV_EINVAL);
	assert_int_equal(hc_check_buffer(&bus, 16 * MiB, 0x1000, UINT64_MAX, 1, 4096), -HV_EINVAL);
	assert_int_equal(hc_check_buffer(&bus, 16 * MiB, 0x1000, 0, 1, 4096), -HV_EINVAL);
}

static void test_outside_ram(void **state)
{
	struct io_bus bus;

	bus_with_lapic(&bus);
	assert_int_equal(hc_check_buffer(&bus, 16 * MiB, 16 * MiB, 1, 1, 4096), -HV_EFAULT);
	assert_int_equal(hc_check_buffer(&bus, 16 * MiB, 16 * MiB - 63, 64, 1, 4096), -HV_EFAULT);
	assert_int_equal(hc_check_buffer(&bus, 16 * MiB, 0xfee00000ULL, 16, 1, 4096), -HV_EFAULT);
	/* gpa + len wraps to a small number: must not look like a buffer at 0. */
	assert_int_equal(hc_check_buffer(&bus, 16 * MiB, UINT64_MAX - 7, 16, 1, 4096), -HV_EFAULT);
	assert_int_equal(hc_check_buffer(&bus, 16 * MiB, UINT64_MAX, 1, 1, 4096), -HV_EFAULT);
	assert_int_equal(hc_check_buffer(&bus, 0, 0, 1, 1, 4096), -HV_EFAULT);
}

static void test_device_ranges(void **state)
{
	struct io_bus bus;

	bus_with_lapic(&bus);
	assert_int_equal(hc_check_buffer(&bus, 16 * MiB, 0x200000, 1, 1, 4096), -HV_EFAULT);
	assert_int_equal(hc_check_buffer(&bus, 16 * MiB, 0x200fff, 1, 1, 4096), -HV_EFAULT);
	assert_int_equal(hc_check_buffer(&bus, 16 * MiB, 0x200000 - 1, 2, 1, 4096), -HV_EFAULT);
	assert_int_equal(hc_check_buffer(&bus, 16 * MiB, 0x1ff000, 0x3000, 1, 0x3000), -HV_EFAULT);
	/* RAM that reaches the LAPIC: a buffer into it is refused. */
	assert_int_equal(hc_check_buffer(&bus, 0x100000000ULL, 0xfedfffffULL, 2, 1, 4096),
			 -HV_EFAULT);
}

static void test_u32(void **state)
{
	assert_int_equal(hc_check_u32(0), 0);
	assert_int_equal(hc_check_u32(0xffffffffULL), 0);
	assert_int_equal(hc_check_u32(0x100000000ULL), -HV_EINVAL);
	assert_int_equal(hc_check_u32(UINT64_MAX), -HV_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_buffers),
		cmocka_unit_test(test_bad_lengths),
		cmocka_unit_test(test_outside_ram),
		cmocka_unit_test(test_device_ranges),
		cmocka_unit_test(test_u32),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
