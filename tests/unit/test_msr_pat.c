/*
 * Host unit test for vmm/core/msr_pat.h: which IA32_PAT values a guest may
 * write when the hypervisor emulates the MSR (SDM Vol. 3, table 12-10).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "vmm/core/msr_pat.h"

static void test_valid(void **state)
{
	static const uint8_t types[] = { 0, 1, 4, 5, 6, 7 }; /* UC WC WT WP WB UC- */
	unsigned i, slot;

	(void)state;
	assert_true(pat_valid(PAT_DEFAULT));
	assert_true(pat_valid(0));
	assert_true(pat_valid(0x0001040600070406ULL)); /* Linux's: WC in entry 1 of the upper half */
	for (slot = 0; slot < 8; slot++)
		for (i = 0; i < sizeof(types); i++)
			assert_true(pat_valid((PAT_DEFAULT & ~(0xffULL << (slot * 8))) |
					      (uint64_t)types[i] << (slot * 8)));
}

static void test_invalid(void **state)
{
	unsigned slot, v;

	(void)state;
	for (slot = 0; slot < 8; slot++) {
		for (v = 2; v <= 3; v++) /* reserved types */
			assert_false(pat_valid((uint64_t)v << (slot * 8)));
		for (v = 8; v < 256; v++) /* reserved bits 7:3 */
			assert_false(pat_valid((uint64_t)v << (slot * 8)));
	}
	assert_false(pat_valid(~0ULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_invalid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
