/*
 * Unit tests of vmm/core/vtpr.c: the CR8 controls chosen from the capability
 * MSR's allowed settings. Whatever the CPU offers, CR8 must end up either
 * shadowed or exiting, never both off. Runs on the host under cmocka.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "arch/x86/vmcs_fields.h"
#include "vmm/core/vtpr.h"

#define CR8_EXITS (CPU_CR8_LOAD_EXITING | CPU_CR8_STORE_EXITING)
#define BASE (CPU_HLT_EXITING | CPU_USE_IO_BITMAPS | CPU_USE_MSR_BITMAPS | CPU_ACTIVATE_SECONDARY_CTLS)
#define MAY1_ALL 0xfff9fffeU /* a Skylake's allowed-1 bits, roughly */

/* The shadow where offered; CR8 exits dropped since the CPU lets them go. */
static void test_shadow_preferred(void **state)
{
	uint32_t proc = BASE | CR8_EXITS;

	(void)state;
	assert_int_equal(vtpr_choose_controls(&proc, CPU_DEFAULT1, MAY1_ALL), 0);
	assert_int_equal(proc, BASE | CPU_USE_TPR_SHADOW);
}

/* A CPU that insists on CR8 exits keeps them, with the shadow too. */
static void test_forced_exits_stay(void **state)
{
	uint32_t proc = BASE;

	(void)state;
	assert_int_equal(vtpr_choose_controls(&proc, CPU_DEFAULT1 | CR8_EXITS, MAY1_ALL), 0);
	assert_int_equal(proc, BASE | CPU_USE_TPR_SHADOW | CR8_EXITS);
}

/* No shadow: both CR8 exits. */
static void test_exits_without_shadow(void **state)
{
	uint32_t proc = BASE;

	(void)state;
	assert_int_equal(vtpr_choose_controls(&proc, CPU_DEFAULT1, MAY1_ALL & ~CPU_USE_TPR_SHADOW), 0);
	assert_int_equal(proc, BASE | CR8_EXITS);
}

/* Neither shadow nor both exits: refused, controls untouched. */
static void test_neither_refused(void **state)
{
	uint32_t may1[] = {
		MAY1_ALL & ~(CPU_USE_TPR_SHADOW | CPU_CR8_LOAD_EXITING),
		MAY1_ALL & ~(CPU_USE_TPR_SHADOW | CPU_CR8_STORE_EXITING),
		MAY1_ALL & ~(CPU_USE_TPR_SHADOW | CR8_EXITS),
	};
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(may1) / sizeof(may1[0]); i++) {
		uint32_t proc = BASE;

		assert_int_equal(vtpr_choose_controls(&proc, CPU_DEFAULT1, may1[i]), -1);
		assert_int_equal(proc, BASE);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shadow_preferred),
		cmocka_unit_test(test_forced_exits_stay),
		cmocka_unit_test(test_exits_without_shadow),
		cmocka_unit_test(test_neither_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
