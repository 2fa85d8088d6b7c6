/*
 * The console domain's main loop: read what the operator types, edit it
 * into a line, run it, show the prompt again. It waits for input inside
 * HC_OP_READ, so it costs nothing while nobody types.
 */
#include "lib/string.h"
#include "vmm/console/console.h"
#include "vmm/console/hc.h"
#include "vmm/console/line_edit.h"
#include "vmm/console/out.h"

#define WAIT_US 1000000ULL

static struct line_editor editor;
static struct cmd_line cmd;

size_t console_read(char *buf, size_t len, uint64_t timeout_us)
{
	int64_t n = hc(HC_OP_READ, hc_ptr(buf), len, timeout_us, 0);

	/* Woken by input: the bytes are there now. */
	if (n == 0 && timeout_us)
		n = hc(HC_OP_READ, hc_ptr(buf), len, 0, 0);
	return n > 0 ? (size_t)n : 0;
}

static void flush(struct le_output *o)
{
	out_write(o->buf, o->len);
	o->len = 0;
}

static void run_line(const char *line)
{
	char copy[CMD_LINE_MAX + 1];
	size_t len = strlen(line);

	if (len > CMD_LINE_MAX)
		len = CMD_LINE_MAX;
	memcpy(copy, line, len);
	copy[len] = 0;
	if (cmd_split(copy, &cmd)) {
		out_printf("too many words: at most %d\n", CMD_MAX_ARGS);
		return;
	}
	if (cmd.argc)
		commands_run(&cmd);
}

void console_main(void)
{
	static struct le_output o;
	char in[64];

	out_printf("\nhv console domain: type 'help' for the commands\n");
	le_init(&editor, "hv> ");
	le_prompt(&editor, &o);
	flush(&o);
	for (;;) {
		size_t n = console_read(in, sizeof(in), WAIT_US), i;

		for (i = 0; i < n; i++) {
			enum le_result r = le_feed(&editor, (uint8_t)in[i], &o);

			flush(&o);
			if (r == LE_LINE)
				run_line(le_line(&editor));
			if (r != LE_NONE) {
				le_prompt(&editor, &o);
				flush(&o);
			}
		}
	}
}
