/*
 * Splitting an operator's command line into words, and reading the guest
 * ids and numbers in them. Pure: the console domain and the host unit
 * tests build the same source.
 */
#ifndef VMM_CONSOLE_CMD_PARSE_H
#define VMM_CONSOLE_CMD_PARSE_H

#include <stdbool.h>
#include <stdint.h>

#define CMD_MAX_ARGS 16
#define CMD_LINE_MAX 256 /* bytes of a line, NUL excluded */

struct cmd_line {
	int argc;
	char *argv[CMD_MAX_ARGS];
	char rest[CMD_LINE_MAX + 1]; /* the text after the command word, leading blanks skipped */
};

/*
 * Splits line in place at blanks (space, tab), keeping a copy of what
 * follows the command word in rest (create's overrides may be quoted). 0 on
 * success (argc is 0 for a blank line); -1 if it has more than
 * CMD_MAX_ARGS words or more than CMD_LINE_MAX bytes.
 */
int cmd_split(char *line, struct cmd_line *out);

/* A decimal number of at most 9 digits (a guest id): true and *out, or false. */
bool cmd_parse_id(const char *s, uint32_t *out);

#endif
