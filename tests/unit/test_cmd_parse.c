/*
 * The console's command-line words: blanks, the text kept for create,
 * too many words, over-long lines, and guest ids.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "vmm/console/cmd_parse.h"

static void test_split(void **state)
{
	char line[] = "  create\tlinux  memory=64 cmdline=\"a b\"  ";
	struct cmd_line c;

	assert_int_equal(cmd_split(line, &c), 0);
	assert_int_equal(c.argc, 5);
	assert_string_equal(c.argv[0], "create");
	assert_string_equal(c.argv[1], "linux");
	assert_string_equal(c.argv[2], "memory=64");
	assert_string_equal(c.argv[3], "cmdline=\"a");
	assert_string_equal(c.argv[4], "b\"");
	assert_string_equal(c.rest, "linux  memory=64 cmdline=\"a b\"  ");
}

static void test_blank_and_single(void **state)
{
	char blank[] = " \t ", empty[] = "", one[] = "list", one_sp[] = " list  ";
	struct cmd_line c;

	assert_int_equal(cmd_split(blank, &c), 0);
	assert_int_equal(c.argc, 0);
	assert_int_equal(cmd_split(empty, &c), 0);
	assert_int_equal(c.argc, 0);
	assert_int_equal(cmd_split(one, &c), 0);
	assert_int_equal(c.argc, 1);
	assert_string_equal(c.argv[0], "list");
	assert_string_equal(c.rest, "");
	assert_int_equal(cmd_split(one_sp, &c), 0);
	assert_int_equal(c.argc, 1);
	assert_string_equal(c.argv[0], "list");
	assert_string_equal(c.rest, "");
}

static void test_limits(void **state)
{
	char many[64], full[CMD_LINE_MAX + 2];
	struct cmd_line c;
	int i;

	/* 16 words fit, 17 do not. */
	strcpy(many, "a b c d e f g h i j k l m n o p");
	assert_int_equal(cmd_split(many, &c), 0);
	assert_int_equal(c.argc, CMD_MAX_ARGS);
	strcpy(many, "a b c d e f g h i j k l m n o p q");
	assert_int_equal(cmd_split(many, &c), -1);

	memset(full, 'x', CMD_LINE_MAX);
	full[0] = 'c';
	full[1] = ' ';
	full[CMD_LINE_MAX] = 0;
	assert_int_equal(cmd_split(full, &c), 0);
	assert_int_equal(strlen(c.rest), CMD_LINE_MAX - 2);
	memset(full, 'x', CMD_LINE_MAX + 1);
	full[CMD_LINE_MAX + 1] = 0;
	assert_int_equal(cmd_split(full, &c), -1);

	/* Bytes a hostile terminal might send are just word characters here. */
	for (i = 0; i < 40; i++)
		many[i] = (char)(0x80 + i);
	many[40] = 0;
	assert_int_equal(cmd_split(many, &c), 0);
	assert_int_equal(c.argc, 1);
}

static void test_ids(void **state)
{
	uint32_t id = 77;

	assert_true(cmd_parse_id("0", &id));
	assert_int_equal(id, 0);
	assert_true(cmd_parse_id("42", &id));
	assert_int_equal(id, 42);
	assert_true(cmd_parse_id("999999999", &id));
	assert_int_equal(id, 999999999);
	id = 5;
	assert_false(cmd_parse_id("", &id));
	assert_false(cmd_parse_id("1234567890", &id));
	assert_false(cmd_parse_id("-1", &id));
	assert_false(cmd_parse_id("4a", &id));
	assert_false(cmd_parse_id("linux", &id));
	assert_false(cmd_parse_id(" 4", &id));
	assert_int_equal(id, 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_blank_and_single),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_ids),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
