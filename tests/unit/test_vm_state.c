/*
 * Host unit test for vmm/core/vm_state.h: a VM being built is neither live nor
 * ended, so no scheduler runs it or lets go of (VMCLEARs) its vCPUs, and
 * the boot CPU's loop does not see the machine as done meanwhile.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "vmm/core/vm_state.h"

static void test_creating(void **state)
{
	(void)state;
	assert_false(vm_state_live(VM_CREATING));
	assert_false(vm_state_ended(VM_CREATING));
	assert_true(vm_state_may_run(VM_CREATING));
	assert_string_equal(vm_state_label(VM_CREATING), "creating");
}

static void test_every_state(void **state)
{
	static const struct {
		enum vm_state s;
		int live, ended, may_run;
		const char *label;
	} cases[] = {
		{ VM_RUNNING, 1, 0, 1, "running" }, { VM_PAUSED, 1, 0, 1, "paused" },
		{ VM_HALTED, 1, 0, 0, "halted" },   { VM_STOPPED, 0, 1, 0, "stopped" },
		{ VM_CRASHED, 0, 1, 0, "crashed" }, { VM_CREATING, 0, 0, 1, "creating" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(vm_state_live(cases[i].s), cases[i].live);
		assert_int_equal(vm_state_ended(cases[i].s), cases[i].ended);
		assert_int_equal(vm_state_may_run(cases[i].s), cases[i].may_run);
		/* live and ended never overlap */
		assert_false(vm_state_live(cases[i].s) && vm_state_ended(cases[i].s));
		assert_string_equal(vm_state_label(cases[i].s), cases[i].label);
	}
	assert_string_equal(vm_state_label((enum vm_state)99), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_creating),
		cmocka_unit_test(test_every_state),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
