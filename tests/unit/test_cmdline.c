/* Unit tests of lib/cmdline.c: looking up key=value words. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "lib/cmdline.h"

struct case_ {
	const char *cmdline, *key;
	bool found;
	const char *value;
};

static const struct case_ cases[] = {
	{ "when_done=poweroff", "when_done", true, "poweroff" },
	{ "a=1 when_done=halt b=2", "when_done", true, "halt" },
	{ "  when_done=halt\tb=2 ", "b", true, "2" },
	{ "x=1 x=2", "x", true, "2" },          /* the last word wins */
	{ "debug", "debug", true, "" },         /* bare word */
	{ "debugger=1", "debug", false, NULL }, /* a prefix is not the key */
	{ "when_done", "when", false, NULL },
	{ "", "x", false, NULL },
	{ "x=", "x", true, "" },
	{ "x=0123456789abcdef", "x", true, "0123456789a" }, /* truncated to the buffer */
};

static void test_cases(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char out[12] = "unset";
		bool found = cmdline_get(cases[i].cmdline, cases[i].key, out, sizeof(out));

		assert_int_equal(found, cases[i].found);
		if (found)
			assert_string_equal(out, cases[i].value);
	}
}

static void test_null_and_empty(void **state)
{
	char out[4];

	(void)state;
	assert_false(cmdline_get(NULL, "x", out, sizeof(out)));
	assert_false(cmdline_get("x=1", "", out, sizeof(out)));
	assert_false(cmdline_get("x=1", "x", out, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_null_and_empty),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
