/*
 * Command-line words; see cmd_parse.h.
 */
#include "vmm/console/cmd_parse.h"

#include <stddef.h>

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

int cmd_split(char *line, struct cmd_line *out)
{
	char *p = line;
	size_t n = 0;

	out->argc = 0;
	out->rest[0] = 0;
	while (line[n])
		if (++n > CMD_LINE_MAX)
			return -1;
	while (is_blank(*p))
		p++;
	while (*p && !is_blank(*p))
		p++;
	while (is_blank(*p))
		p++;
	for (n = 0; p[n]; n++)
		out->rest[n] = p[n];
	out->rest[n] = 0;

	for (p = line;;) {
		while (is_blank(*p))
			p++;
		if (!*p)
			return 0;
		if (out->argc == CMD_MAX_ARGS)
			return -1;
		out->argv[out->argc++] = p;
		while (*p && !is_blank(*p))
			p++;
		if (*p)
			*p++ = 0;
	}
}

bool cmd_parse_id(const char *s, uint32_t *out)
{
	uint32_t v = 0;
	size_t n = 0;

	if (!s[0])
		return false;
	for (; s[n]; n++) {
		if (s[n] < '0' || s[n] > '9' || n == 9)
			return false;
		v = v * 10 + (uint32_t)(s[n] - '0');
	}
	*out = v;
	return true;
}
