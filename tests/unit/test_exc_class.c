/*
 * Host unit test for vmm/core/exc_class.h: the exception classes of SDM Vol. 3
 * table 6-4 and every row and column of table 6-5, plus the events a VM
 * exit re-queues (external interrupts, NMIs, software interrupts).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "vmm/core/exc_class.h"

static const uint8_t benign[] = { 1, 2, 3, 4, 5, 6, 7, 9, 16, 17, 18, 19 };
static const uint8_t contributory[] = { 0, 10, 11, 12, 13, 21 };
static const uint8_t page_faults[] = { 14, 20 };

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void test_classes(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N(benign); i++)
		assert_int_equal(exc_class_of(benign[i]), EXC_BENIGN);
	for (i = 0; i < N(contributory); i++)
		assert_int_equal(exc_class_of(contributory[i]), EXC_CONTRIBUTORY);
	for (i = 0; i < N(page_faults); i++)
		assert_int_equal(exc_class_of(page_faults[i]), EXC_PAGE_FAULT);
	assert_int_equal(exc_class_of(8), EXC_BENIGN); /* #DF has its own row */
}

/* Expected answer for a queued hardware exception of class `first` and a new one of class `second`. */
static enum exc_combine table_6_5(enum exc_class first, enum exc_class second)
{
	if (first == EXC_CONTRIBUTORY && second == EXC_CONTRIBUTORY)
		return EXC_DOUBLE_FAULT;
	if (first == EXC_PAGE_FAULT && second != EXC_BENIGN)
		return EXC_DOUBLE_FAULT;
	return EXC_DELIVER_NEW;
}

static void test_table_6_5(void **state)
{
	const uint8_t *sets[] = { benign, contributory, page_faults };
	const size_t sizes[] = { N(benign), N(contributory), N(page_faults) };
	const enum exc_class classes[] = { EXC_BENIGN, EXC_CONTRIBUTORY, EXC_PAGE_FAULT };
	size_t a, b, i, j;

	(void)state;
	for (a = 0; a < 3; a++)
		for (b = 0; b < 3; b++)
			for (i = 0; i < sizes[a]; i++)
				for (j = 0; j < sizes[b]; j++)
					assert_int_equal(exc_combine(INTR_TYPE_HW_EXCEPTION, sets[a][i],
								     sets[b][j]),
							 table_6_5(classes[a], classes[b]));
}

static void test_named_pairs(void **state)
{
	(void)state;
	assert_int_equal(exc_combine(INTR_TYPE_HW_EXCEPTION, 14, 14), EXC_DOUBLE_FAULT); /* #PF in #PF */
	assert_int_equal(exc_combine(INTR_TYPE_HW_EXCEPTION, 14, 13), EXC_DOUBLE_FAULT); /* #GP in #PF */
	assert_int_equal(exc_combine(INTR_TYPE_HW_EXCEPTION, 13, 14), EXC_DELIVER_NEW);  /* #PF in #GP */
	assert_int_equal(exc_combine(INTR_TYPE_HW_EXCEPTION, 13, 11), EXC_DOUBLE_FAULT); /* #NP in #GP */
	assert_int_equal(exc_combine(INTR_TYPE_HW_EXCEPTION, 6, 13), EXC_DELIVER_NEW);   /* #GP in #UD */
	assert_int_equal(exc_combine(INTR_TYPE_HW_EXCEPTION, 14, 1), EXC_DELIVER_NEW);   /* #DB in #PF */
}

static void test_double_fault_row(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N(contributory); i++)
		assert_int_equal(exc_combine(INTR_TYPE_HW_EXCEPTION, 8, contributory[i]),
				 EXC_TRIPLE_FAULT);
	for (i = 0; i < N(page_faults); i++)
		assert_int_equal(exc_combine(INTR_TYPE_HW_EXCEPTION, 8, page_faults[i]),
				 EXC_TRIPLE_FAULT);
	for (i = 0; i < N(benign); i++)
		assert_int_equal(exc_combine(INTR_TYPE_HW_EXCEPTION, 8, benign[i]), EXC_DELIVER_NEW);
}

/* Re-queued external interrupts and NMIs are never lost; software events come back by re-execution. */
static void test_requeued_events(void **state)
{
	uint8_t v;

	(void)state;
	for (v = 0; v < 32; v++) {
		assert_int_equal(exc_combine(INTR_TYPE_EXT_INTR, 0x30, v), EXC_HOLD_QUEUED);
		assert_int_equal(exc_combine(INTR_TYPE_NMI, 2, v), EXC_HOLD_QUEUED);
		assert_int_equal(exc_combine(INTR_TYPE_SW_INTR, 0x80, v), EXC_DELIVER_NEW);
		assert_int_equal(exc_combine(INTR_TYPE_SW_EXCEPTION, 3, v), EXC_DELIVER_NEW);
		assert_int_equal(exc_combine(INTR_TYPE_PRIV_SW_EXCEPTION, 1, v), EXC_DELIVER_NEW);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classes),
		cmocka_unit_test(test_table_6_5),
		cmocka_unit_test(test_named_pairs),
		cmocka_unit_test(test_double_fault_row),
		cmocka_unit_test(test_requeued_events),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
