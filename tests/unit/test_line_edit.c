/*
 * Host tests for vmm/console/line_edit.c: the keys, CR LF as one Enter,
 * history, over-long lines, cut and malformed escape sequences, binary
 * input, and a fuzz loop. Redraws are checked by running the editor's
 * output through a one-row terminal model and comparing what it shows with
 * the prompt and le->line, cursor included.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "vmm/console/line_edit.h"

#define PROMPT "hv> "

/* ------------------------------------------------------- terminal model */

/*
 * One row of a VT100: printable bytes, \r, \b, ESC [ n C, ESC [ n D,
 * ESC [ K, BEL, and \r\n (which starts a fresh row). Anything else fails
 * the test. Cells never written or erased hold 0. With a width, writing
 * the last column (where a real terminal would wrap next) fails too.
 */
struct term {
	char row[600];
	size_t col;
	size_t width; /* 0: wide enough */
	size_t rows;  /* \n seen */
	int esc;      /* 0, 1 after ESC, 2 inside CSI */
	size_t n;
	bool have_n;
};

static void term_init(struct term *t, size_t width)
{
	memset(t, 0, sizeof(*t));
	t->width = width;
}

static size_t term_limit(const struct term *t)
{
	return t->width ? t->width : sizeof(t->row);
}

static void term_byte(struct term *t, uint8_t c)
{
	if (t->esc == 1) {
		assert_int_equal(c, '[');
		t->esc = 2;
		t->n = 0;
		t->have_n = false;
		return;
	}
	if (t->esc == 2) {
		if (c >= '0' && c <= '9') {
			t->n = t->n * 10 + (c - '0');
			t->have_n = true;
			return;
		}
		t->esc = 0;
		if (!t->have_n)
			t->n = 1;
		switch (c) {
		case 'C':
			t->col += t->n;
			assert_true(t->col < term_limit(t));
			break;
		case 'D':
			assert_true(t->n <= t->col); /* a real terminal would stop at 0 */
			t->col -= t->n;
			break;
		case 'K':
			assert_false(t->have_n);
			memset(t->row + t->col, 0, sizeof(t->row) - t->col);
			break;
		default:
			fail_msg("terminal: unexpected CSI final %#x", c);
		}
		return;
	}
	if (c >= 0x20 && c <= 0x7e) {
		assert_true(t->col + 1 < term_limit(t));
		t->row[t->col++] = (char)c;
		return;
	}
	switch (c) {
	case '\r': t->col = 0; break;
	case '\n': memset(t->row, 0, sizeof(t->row)); t->rows++; break;
	case '\b': assert_true(t->col > 0); t->col--; break;
	case 0x07: break;
	case 0x1b: t->esc = 1; break;
	default: fail_msg("terminal: unexpected byte %#x", c);
	}
}

static void term_write(struct term *t, struct le_output *out)
{
	size_t i;

	assert_true(out->len <= sizeof(out->buf));
	for (i = 0; i < out->len; i++)
		term_byte(t, (uint8_t)out->buf[i]);
	out->len = 0;
}

/* The row shows prompt + the visible part of the line, cursor in place. */
static void term_check(const struct term *t, const struct line_editor *le)
{
	char want[sizeof(t->row)];
	size_t n = le->prompt_len, vis = le->len - le->scroll, i;

	assert_int_equal(t->esc, 0);
	if (t->width) {
		size_t w = t->width - le->prompt_len - 1;

		if (vis > w)
			vis = w;
	} else {
		assert_int_equal(le->scroll, 0);
	}
	assert_true(le->scroll <= le->cursor);
	memset(want, 0, sizeof(want));
	memcpy(want, le->prompt, n);
	memcpy(want + n, le->line + le->scroll, vis);
	for (i = 0; i < sizeof(want); i++)
		if (t->row[i] != want[i])
			fail_msg("screen differs at column %zu: %#x, want %#x (line \"%s\")",
				 i, t->row[i], want[i], le->line);
	assert_int_equal(t->col, n + le->cursor - le->scroll);
}

/* ------------------------------------------------------------- helpers */

struct ctx {
	struct line_editor le;
	struct le_output out;
	struct term term;
	size_t lines, interrupts;
	char last[LE_LINE_MAX + 1];
};

static void ctx_init(struct ctx *c, size_t columns)
{
	memset(c, 0, sizeof(*c));
	le_init(&c->le, PROMPT);
	le_set_columns(&c->le, (unsigned)columns);
	term_init(&c->term, columns);
	le_prompt(&c->le, &c->out);
	term_write(&c->term, &c->out);
	term_check(&c->term, &c->le);
}

/*
 * Feeds bytes through the editor and the terminal model, checking the
 * screen after each; a finished line is recorded and a new prompt started.
 */
static enum le_result feed_n(struct ctx *c, const char *s, size_t n)
{
	enum le_result r = LE_NONE;
	size_t i;

	for (i = 0; i < n; i++) {
		r = le_feed(&c->le, (uint8_t)s[i], &c->out);
		assert_true(c->out.len < 512);
		term_write(&c->term, &c->out);
		if (r == LE_LINE) {
			c->lines++;
			strcpy(c->last, le_line(&c->le));
		} else if (r == LE_INTERRUPT) {
			c->interrupts++;
		}
		if (r != LE_NONE) {
			assert_int_equal(c->term.col, 0);
			le_prompt(&c->le, &c->out);
			term_write(&c->term, &c->out);
		}
		if (c->le.active)
			term_check(&c->term, &c->le);
	}
	return r;
}

static enum le_result feed(struct ctx *c, const char *s)
{
	return feed_n(c, s, strlen(s));
}

/* Feeds without the automatic prompt, returning the result of the last byte. */
static enum le_result raw_feed(struct line_editor *le, struct le_output *out, const char *s)
{
	enum le_result r = LE_NONE;

	while (*s)
		r = le_feed(le, (uint8_t)*s++, out);
	return r;
}

#define LEFT "\x1b[D"
#define RIGHT "\x1b[C"
#define UP "\x1b[A"
#define DOWN "\x1b[B"

static void assert_line(const struct ctx *c, const char *line, size_t cursor)
{
	assert_string_equal(c->le.line, line);
	assert_int_equal(c->le.len, strlen(line));
	assert_int_equal(c->le.cursor, cursor);
}

static uint64_t lcg_state;

static uint32_t lcg(void)
{
	lcg_state = lcg_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(lcg_state >> 33);
}

/* --------------------------------------------------------------- tests */

static void test_type_and_enter(void **state)
{
	struct line_editor le;
	struct le_output out = { .len = 0 };

	(void)state;
	le_init(&le, PROMPT);
	le_prompt(&le, &out);
	assert_int_equal(out.len, 4);
	assert_memory_equal(out.buf, "hv> ", 4);
	out.len = 0;
	assert_int_equal(raw_feed(&le, &out, "help"), LE_NONE);
	assert_int_equal(out.len, 4); /* typing at the end is a plain echo */
	assert_memory_equal(out.buf, "help", 4);
	out.len = 0;
	assert_int_equal(le_feed(&le, '\r', &out), LE_LINE);
	assert_string_equal(le_line(&le), "help");
	assert_int_equal(out.len, 2);
	assert_memory_equal(out.buf, "\r\n", 2);
}

static void test_crlf_is_one_enter(void **state)
{
	struct ctx c;

	(void)state;
	ctx_init(&c, 0);
	feed(&c, "ls\r\n");
	assert_int_equal(c.lines, 1);
	assert_string_equal(c.last, "ls");
	assert_int_equal(c.le.len, 0);
	feed(&c, "a\r\nb\r\n\r\n");
	assert_int_equal(c.lines, 4); /* a, b, and one empty line */
	assert_string_equal(c.last, "");
	feed(&c, "c\n\r");              /* LF CR is one Enter too */
	assert_int_equal(c.lines, 5);
	feed(&c, "\r\r");               /* but CR CR is two */
	assert_int_equal(c.lines, 7);
	feed(&c, "y\n\n");
	assert_int_equal(c.lines, 9);
	/* The LF is swallowed only right after the CR. */
	feed(&c, "x\rz\n");
	assert_int_equal(c.lines, 11);
	assert_string_equal(c.last, "z");
}

static void test_lf_alone(void **state)
{
	struct ctx c;

	(void)state;
	ctx_init(&c, 0);
	assert_int_equal(feed(&c, "list\n"), LE_LINE);
	assert_string_equal(c.last, "list");
	feed(&c, "stats\n");
	assert_int_equal(c.lines, 2);
	assert_string_equal(c.last, "stats");
}

static void test_finished_line_kept_until_prompt(void **state)
{
	struct line_editor le;
	struct le_output out = { .len = 0 };

	(void)state;
	le_init(&le, PROMPT);
	le_prompt(&le, &out);
	assert_int_equal(raw_feed(&le, &out, "one\r"), LE_LINE);
	/* The swallowed LF of CR LF does not disturb the finished line. */
	assert_int_equal(le_feed(&le, '\n', &out), LE_NONE);
	assert_string_equal(le_line(&le), "one");
	/* Feeding on without le_prompt() starts a new line with a prompt. */
	out.len = 0;
	assert_int_equal(le_feed(&le, 'x', &out), LE_NONE);
	assert_int_equal(out.len, 5);
	assert_memory_equal(out.buf, "hv> x", 5);
	assert_string_equal(le_line(&le), "x");
}

static void test_backspace(void **state)
{
	static const char bs[] = { 0x7f, 0x08 };
	struct ctx c;
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		char one[2] = { bs[i], 0 };

		ctx_init(&c, 0);
		feed(&c, one); /* at the start of an empty line: nothing */
		assert_line(&c, "", 0);
		feed(&c, "abcd");
		feed(&c, one); /* end */
		assert_line(&c, "abc", 3);
		feed(&c, LEFT);
		feed(&c, one); /* middle */
		assert_line(&c, "ac", 1);
		feed(&c, one); /* the first */
		assert_line(&c, "c", 0);
		feed(&c, one); /* at the start of a non-empty line: nothing */
		assert_line(&c, "c", 0);
		feed(&c, "\x05");
		feed(&c, one);
		assert_line(&c, "", 0);
	}
}

static void test_ctrl_u_k_w(void **state)
{
	struct ctx c;

	(void)state;
	ctx_init(&c, 0);
	feed(&c, "hello world" LEFT LEFT LEFT LEFT LEFT);
	assert_line(&c, "hello world", 6);
	feed(&c, "\x15");
	assert_line(&c, "world", 0);
	feed(&c, "\x15"); /* nothing before the cursor */
	assert_line(&c, "world", 0);
	feed(&c, RIGHT RIGHT "\x0b");
	assert_line(&c, "wo", 2);
	feed(&c, "\x0b");
	assert_line(&c, "wo", 2);

	feed(&c, "\x15" "vm start  linux");
	feed(&c, "\x17");
	assert_line(&c, "vm start  ", 10);
	feed(&c, "\x17");
	assert_line(&c, "vm ", 3);
	feed(&c, "\x17\x17");
	assert_line(&c, "", 0);
}

static void test_left_right_insert(void **state)
{
	struct ctx c;

	(void)state;
	ctx_init(&c, 0);
	feed(&c, "helo" LEFT "l");
	assert_line(&c, "hello", 4);
	feed(&c, RIGHT RIGHT RIGHT); /* stops at the end */
	assert_line(&c, "hello", 5);
	feed(&c, LEFT LEFT LEFT LEFT LEFT LEFT LEFT); /* stops at the start */
	assert_line(&c, "hello", 0);
	feed(&c, ">");
	assert_line(&c, ">hello", 1);
	feed(&c, "\x1bOC\x1bOC" "_"); /* application cursor keys */
	assert_line(&c, ">he_llo", 4);
	feed(&c, "\x1bOD\x02\x06\x06");   /* and Ctrl-B / Ctrl-F */
	assert_line(&c, ">he_llo", 4);
	feed(&c, "\x1b[1;5D" "!"); /* a Ctrl-arrow moves like an arrow */
	assert_line(&c, ">he!_llo", 4);
	assert_int_equal(feed(&c, "\r"), LE_LINE);
	assert_string_equal(c.last, ">he!_llo");
}

static void test_home_end(void **state)
{
	static const char *home[] = { "\x01", "\x1b[H", "\x1bOH", "\x1b[1~", "\x1b[7~" };
	static const char *end[] = { "\x05", "\x1b[F", "\x1bOF", "\x1b[4~", "\x1b[8~" };
	struct ctx c;
	size_t i, j;

	(void)state;
	for (i = 0; i < 5; i++) {
		for (j = 0; j < 5; j++) {
			ctx_init(&c, 0);
			feed(&c, "middle" LEFT LEFT);
			feed(&c, home[i]);
			assert_line(&c, "middle", 0);
			feed(&c, "<");
			feed(&c, end[j]);
			assert_line(&c, "<middle", 7);
			feed(&c, ">");
			assert_line(&c, "<middle>", 8);
		}
	}
}

static void test_delete_key(void **state)
{
	struct ctx c;

	(void)state;
	ctx_init(&c, 0);
	feed(&c, "abcd\x1b[3~"); /* at the end: nothing */
	assert_line(&c, "abcd", 4);
	feed(&c, LEFT LEFT "\x1b[3~");
	assert_line(&c, "abd", 2);
	feed(&c, "\x01\x1b[3~");
	assert_line(&c, "bd", 0);
	feed(&c, "\x04"); /* Ctrl-D deletes under the cursor too */
	assert_line(&c, "d", 0);
	feed(&c, "\x1b[3~\x1b[3~");
	assert_line(&c, "", 0);
}

static void test_history_up_down(void **state)
{
	struct ctx c;

	(void)state;
	ctx_init(&c, 0);
	feed(&c, UP); /* empty history: bell, nothing changes */
	assert_line(&c, "", 0);
	feed(&c, "one\rtwo\rthree\r");
	feed(&c, "par");
	feed(&c, UP);
	assert_line(&c, "three", 5);
	feed(&c, UP);
	assert_line(&c, "two", 3);
	feed(&c, "\x1bOA"); /* application mode up */
	assert_line(&c, "one", 3);
	feed(&c, UP); /* the oldest: stays */
	assert_line(&c, "one", 3);
	feed(&c, DOWN);
	assert_line(&c, "two", 3);
	feed(&c, "\x0e"); /* Ctrl-N */
	assert_line(&c, "three", 5);
	feed(&c, DOWN); /* past the newest: the line being edited comes back */
	assert_line(&c, "par", 3);
	feed(&c, DOWN);
	assert_line(&c, "par", 3);
	feed(&c, "t\x10"); /* Ctrl-P; the edited line is kept aside again */
	assert_line(&c, "three", 5);
	feed(&c, DOWN);
	assert_line(&c, "part", 4);

	/* A recalled entry, edited and entered, is a new entry. */
	feed(&c, "\x15" UP UP "s\r");
	assert_string_equal(c.last, "twos");
	feed(&c, UP);
	assert_line(&c, "twos", 4);
	feed(&c, UP);
	assert_line(&c, "three", 5);
	/* Enter while browsing enters the entry shown; browsing ends. */
	feed(&c, "\r");
	assert_string_equal(c.last, "three");
	feed(&c, DOWN);
	assert_line(&c, "", 0);
}

static void test_history_blank_and_repeat(void **state)
{
	struct ctx c;

	(void)state;
	ctx_init(&c, 0);
	feed(&c, "a\ra\r   \r\r");
	assert_int_equal(c.le.hist_count, 1);
	feed(&c, "b\ra\r");
	assert_int_equal(c.le.hist_count, 3); /* a b a: only the newest is compared */
	feed(&c, UP UP UP);
	assert_line(&c, "a", 1);
	feed(&c, UP);
	assert_line(&c, "a", 1);
	feed(&c, "\x03");
	feed(&c, " a \r"); /* spaces make it a different line */
	assert_int_equal(c.le.hist_count, 4);
}

static void test_history_cap(void **state)
{
	struct ctx c;
	char cmd[16];
	int i;

	(void)state;
	ctx_init(&c, 0);
	for (i = 0; i < 20; i++) {
		snprintf(cmd, sizeof(cmd), "cmd%d\r", i);
		feed(&c, cmd);
	}
	assert_int_equal(c.le.hist_count, LE_HISTORY);
	for (i = 19; i >= 20 - LE_HISTORY; i--) {
		feed(&c, UP);
		snprintf(cmd, sizeof(cmd), "cmd%d", i);
		assert_string_equal(c.le.line, cmd);
	}
	feed(&c, UP UP); /* cmd0..cmd3 were dropped */
	snprintf(cmd, sizeof(cmd), "cmd%d", 20 - LE_HISTORY);
	assert_string_equal(c.le.line, cmd);
	for (i = 0; i < LE_HISTORY; i++)
		feed(&c, DOWN);
	assert_line(&c, "", 0);
}

static void test_ctrl_c(void **state)
{
	struct line_editor le;
	struct le_output out = { .len = 0 };
	struct ctx c;

	(void)state;
	le_init(&le, PROMPT);
	le_prompt(&le, &out);
	raw_feed(&le, &out, "abc");
	out.len = 0;
	assert_int_equal(le_feed(&le, 0x03, &out), LE_INTERRUPT);
	assert_int_equal(out.len, 4);
	assert_memory_equal(out.buf, "^C\r\n", 4);
	assert_string_equal(le_line(&le), "");

	ctx_init(&c, 0);
	feed(&c, "abc" LEFT LEFT);
	assert_int_equal(feed(&c, "\x03"), LE_INTERRUPT);
	assert_int_equal(c.interrupts, 1);
	assert_int_equal(c.le.hist_count, 0);
	feed(&c, "x\r");
	assert_string_equal(c.last, "x");
	/* Ctrl-C ends browsing and an escape sequence too. */
	feed(&c, UP "\x1b[" "\x03" "A");
	assert_line(&c, "A", 1);
}

static void test_overlong_line(void **state)
{
	struct ctx c;
	size_t i, bells = 0;

	(void)state;
	ctx_init(&c, 0);
	for (i = 0; i < 10000; i++) {
		le_feed(&c.le, (uint8_t)('a' + i % 26), &c.out);
		if (c.out.len == 1 && c.out.buf[0] == 0x07)
			bells++;
		term_write(&c.term, &c.out);
		assert_true(c.le.len <= LE_LINE_MAX);
	}
	term_check(&c.term, &c.le);
	assert_int_equal(c.le.len, LE_LINE_MAX);
	assert_int_equal(bells, 10000 - LE_LINE_MAX);
	for (i = 0; i < LE_LINE_MAX; i++)
		assert_int_equal(c.le.line[i], 'a' + i % 26);
	/* Full: no insertion in the middle either; deleting makes room. */
	feed(&c, "\x01" "Z");
	assert_int_equal(c.le.len, LE_LINE_MAX);
	assert_int_equal(c.le.line[0], 'a');
	feed(&c, "\x1b[3~Z");
	assert_int_equal(c.le.len, LE_LINE_MAX);
	assert_int_equal(c.le.line[0], 'Z');
	assert_int_equal(feed(&c, "\r"), LE_LINE);
	assert_int_equal(strlen(c.last), LE_LINE_MAX);
	/* The long line in history comes back whole. */
	feed(&c, UP);
	assert_int_equal(c.le.len, LE_LINE_MAX);
	assert_int_equal(c.le.cursor, LE_LINE_MAX);
}

static void test_unknown_escapes(void **state)
{
	static const char *seqs[] = {
		"\x1b[2~", "\x1b[5~", "\x1b[6~", "\x1b[15~", "\x1b[Z", "\x1b[?1h",
		"\x1b[1;5P", "\x1b[[A", "\x1b[[E", "\x1bOP", "\x1bOS", "\x1bx",
		"\x1b" "b", "\x1b[200~", "\x1b[ q", "\x1b[>c", "\x1b[2;5~",
		"\x1b[999999999999999~", "\x1b\x1b", "\x1b[\x1b", "\x1bO\x1b",
		"\x1b[M", "\x1b[1;2;3;4;5m",
	};
	struct ctx c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(seqs) / sizeof(seqs[0]); i++) {
		ctx_init(&c, 0);
		feed(&c, "ab" LEFT);
		feed(&c, seqs[i]);
		feed(&c, "\x1b[0m"); /* ends whatever a cut sequence left open */
		assert_int_equal(c.le.esc, LE_ESC_NONE);
		feed(&c, "c");
		if (strcmp(c.le.line, "acb") != 0)
			fail_msg("after sequence %zu: \"%s\"", i, c.le.line);
		assert_int_equal(c.le.cursor, 2);
	}
	/* ESC ESC [ A: the second ESC starts the sequence over. */
	ctx_init(&c, 0);
	feed(&c, "x\r\x1b\x1b[A");
	assert_line(&c, "x", 1);
}

static void test_overlong_escape(void **state)
{
	struct ctx c;
	char seq[128];
	size_t i;

	(void)state;
	ctx_init(&c, 0);
	feed(&c, "keep");
	seq[0] = 0x1b;
	seq[1] = '[';
	for (i = 2; i < 102; i++)
		seq[i] = (char)('0' + i % 10);
	seq[102] = '\0';
	feed(&c, seq);
	assert_line(&c, "keep", 4);
	feed(&c, "~"); /* its final byte: swallowed */
	assert_line(&c, "keep", 4);
	assert_int_equal(c.le.esc, LE_ESC_NONE);
	feed(&c, "!");
	assert_line(&c, "keep!", 5);

	/* 16 parameter bytes are a sequence; 17 are dropped whole. */
	feed(&c, "\x1b[" "0000000000000001" "~");
	assert_line(&c, "keep!", 0);
	feed(&c, "\x1b[" "00000000000000004" "~");
	assert_line(&c, "keep!", 0);
	feed(&c, "\x1b[" "00000000000000000000001;2;3" "C");
	assert_line(&c, "keep!", 0);
	feed(&c, "\x1b[" "000000000000;1;4" "C");
	assert_line(&c, "keep!", 1);

	/* An overlong sequence cut by Enter: the line is entered intact. */
	feed(&c, seq);
	assert_int_equal(feed(&c, "\r"), LE_LINE);
	assert_string_equal(c.last, "keep!");
	assert_int_equal(c.le.esc, LE_ESC_NONE);
}

static void test_escape_cut(void **state)
{
	static const char *cuts[] = { "\x1b", "\x1b[", "\x1b[1", "\x1bO", "\x1b[1;", "\x1b[[" };
	char buf[32];
	struct ctx c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		ctx_init(&c, 0);
		snprintf(buf, sizeof(buf), "ab%s\r", cuts[i]);
		assert_int_equal(feed(&c, buf), LE_LINE);
		assert_string_equal(c.last, "ab");
		assert_int_equal(c.le.esc, LE_ESC_NONE);
		/* Cut by Backspace: the Backspace still counts, and the sequence is over. */
		snprintf(buf, sizeof(buf), "ab%s\x7f", cuts[i]);
		feed(&c, buf);
		assert_line(&c, "a", 1);
		assert_int_equal(c.le.esc, LE_ESC_NONE);
		feed(&c, "z");
		assert_line(&c, "az", 2);
		/* Cut by Ctrl-A: likewise. */
		snprintf(buf, sizeof(buf), "%s\x01" "y", cuts[i]);
		feed(&c, buf);
		assert_line(&c, "yaz", 1);
		/* Cut by a binary byte: dropped with the sequence. */
		snprintf(buf, sizeof(buf), "%s\xc3" "x", cuts[i]);
		feed(&c, buf);
		assert_line(&c, "yxaz", 2);
	}
}

static void test_escape_random_tail(void **state)
{
	struct ctx c;
	int round, i;

	(void)state;
	lcg_state = 7;
	ctx_init(&c, 0);
	for (round = 0; round < 2000; round++) {
		char junk[40];
		int n = 1 + (int)(lcg() % 30);

		junk[0] = 0x1b;
		for (i = 1; i < n; i++)
			junk[i] = (char)(1 + lcg() % 255);
		feed_n(&c, junk, (size_t)n);
		/* Whatever the junk did, Ctrl-C gets a clean, usable line. */
		feed(&c, "\x03");
		assert_int_equal(c.le.esc, LE_ESC_NONE);
		feed(&c, "ok\r");
		assert_string_equal(c.last, "ok");
	}
	/* Parameter-only junk after ESC [ never inserts anything. */
	for (round = 0; round < 2000; round++) {
		char junk[40];
		int n = 2 + (int)(lcg() % 38);

		feed(&c, "\x15" "ok");
		junk[0] = 0x1b;
		junk[1] = '[';
		for (i = 2; i < n; i++)
			junk[i] = (char)(0x20 + lcg() % 0x20);
		feed_n(&c, junk, (size_t)n);
		feed(&c, "\x1b[Z"); /* an ignored key: nothing may remain */
		assert_string_equal(c.le.line, "ok");
	}
}

static void test_binary_ignored(void **state)
{
	static const uint8_t ignored[] = { 0x00, 0x07, 0x09, 0x0f, 0x11, 0x12, 0x13, 0x14,
					   0x16, 0x18, 0x19, 0x1a, 0x1c, 0x1d, 0x1e, 0x1f };
	struct ctx c;
	unsigned b;
	size_t i;

	(void)state;
	ctx_init(&c, 0);
	feed(&c, "ab" LEFT);
	for (b = 0x80; b <= 0xff; b++) {
		le_feed(&c.le, (uint8_t)b, &c.out);
		assert_int_equal(c.out.len, 0);
	}
	for (i = 0; i < sizeof(ignored); i++) {
		le_feed(&c.le, ignored[i], &c.out);
		assert_int_equal(c.out.len, 0);
	}
	assert_line(&c, "ab", 1);
	assert_int_equal(feed(&c, "c\r"), LE_LINE);
	assert_string_equal(c.last, "acb");
}

/* A scripted session; feed() checks the screen after every byte. */
static void test_screen_after_edits(void **state)
{
	struct ctx c;

	(void)state;
	ctx_init(&c, 0);
	feed(&c, "vm list");
	feed(&c, LEFT LEFT LEFT LEFT "-a ");
	assert_line(&c, "vm -a list", 6);
	feed(&c, "\x7f\x7f\x7f" "\x1b[3~" "\x01" "x" "\x05" " 1");
	assert_line(&c, "xvm ist 1", 9);
	feed(&c, "\x1b[7~" "\x1b[3~\x1b[3~" "\x1b[8~" "\x7f");
	assert_line(&c, "m ist ", 6);
	feed(&c, "\x0c" LEFT LEFT LEFT "\x0b" "abcdefghij");
	feed(&c, "\x1b[6D"); /* keys carry no count: one to the left */
	assert_line(&c, "m iabcdefghij", 12);
	feed(&c, LEFT LEFT LEFT LEFT LEFT "\x15");
	assert_line(&c, "efghij", 0);
	feed(&c, "\r" "a long line to come back to\r" "x" UP LEFT LEFT "\x17");
	assert_line(&c, "a long line to come to", 20);
	feed(&c, DOWN UP UP DOWN);
	assert_line(&c, "a long line to come back to", 27);
	feed(&c, DOWN "yz" "\x02\x02" "\x0c");
	assert_line(&c, "xyz", 1);
	assert_int_equal(c.term.rows, 2);
}

/* A terminal narrower than the line: the line scrolls, nothing wraps. */
static void test_narrow_terminal(void **state)
{
	struct ctx c;
	size_t i;

	(void)state;
	ctx_init(&c, 20); /* 15 columns for the line */
	for (i = 0; i < 50; i++)
		feed(&c, (i % 2) ? "b" : "a");
	assert_int_equal(c.le.len, 50);
	assert_int_equal(c.le.scroll, 35);
	feed(&c, "\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f");
	assert_int_equal(c.le.scroll, 25); /* the row stays full */
	feed(&c, "\x01");
	assert_int_equal(c.le.scroll, 0);
	feed(&c, "\x05" "\x15");
	assert_line(&c, "", 0);
	assert_int_equal(c.le.scroll, 0);
	feed(&c, "0123456789abcdefghijklmnopqrstuvwxyz\r");
	feed(&c, UP "\x01" RIGHT RIGHT RIGHT "\x0b");
	assert_line(&c, "012", 3);
	/* Absurdly narrow: one column for the line still works. */
	ctx_init(&c, 6);
	feed(&c, "abcdef" LEFT LEFT "X\x7f\x7f" "\x01\x05");
	assert_line(&c, "abcef", 5);
}

/* Output the caller never drains is cut off, never overflows. */
static void test_output_truncated(void **state)
{
	struct line_editor le;
	struct le_output out = { .len = 0 };
	size_t i;

	(void)state;
	le_init(&le, PROMPT);
	le_prompt(&le, &out);
	for (i = 0; i < 5000; i++) {
		le_feed(&le, (uint8_t)(i % 3 ? 'q' : 0x0c), &out);
		assert_true(out.len <= sizeof(out.buf));
	}
	assert_int_equal(out.len, sizeof(out.buf));
	assert_int_equal(le.len, LE_LINE_MAX);
}

static void test_prompt_truncated(void **state)
{
	struct line_editor le;
	struct le_output out = { .len = 0 };

	(void)state;
	le_init(&le, "a-very-long-prompt-indeed> ");
	le_prompt(&le, &out);
	assert_int_equal(out.len, LE_PROMPT_MAX);
	assert_memory_equal(out.buf, "a-very-long-pro", LE_PROMPT_MAX);
	le_init(&le, NULL);
	out.len = 0;
	le_prompt(&le, &out);
	assert_int_equal(out.len, 0);
}

static void check_invariants(const struct line_editor *le)
{
	size_t i;

	assert_true(le->cursor <= le->len);
	assert_true(le->len <= LE_LINE_MAX);
	assert_int_equal(le->line[le->len], '\0');
	for (i = 0; i < le->len; i++)
		assert_true(le->line[i] >= 0x20 && le->line[i] <= 0x7e);
	assert_true(le->hist_count <= LE_HISTORY);
	assert_true(le->browse <= le->hist_count);
	assert_true(le->esc_len <= LE_ESC_PARAMS_MAX);
}

static uint8_t fuzz_byte(void)
{
	static const uint8_t keys[] = { 0x01, 0x02, 0x04, 0x05, 0x06, 0x08, 0x7f, 0x0b, 0x0c,
					0x0e, 0x10, 0x15, 0x17, 0x1b };
	uint32_t r = lcg() % 1000;

	if (r < 500)
		return (uint8_t)(0x20 + lcg() % 95);
	if (r < 700)
		return keys[lcg() % sizeof(keys)];
	if (r < 850)
		return (uint8_t)"[O[[0123456789;~ABCDHF?"[lcg() % 23];
	if (r < 860)
		return (r & 1) ? '\r' : '\n';
	if (r < 862)
		return 0x03;
	return (uint8_t)lcg();
}

/*
 * Pseudo-random bytes, biased to keys and escape fragments, through the
 * editor and the terminal model: invariants and the screen after each byte.
 */
static void fuzz(size_t columns, uint64_t seed, size_t n)
{
	struct ctx c;
	size_t i, j, longest = 0;

	lcg_state = seed;
	ctx_init(&c, columns);
	for (i = 0; i < n; i++) {
		uint8_t b = fuzz_byte();
		enum le_result r;

		if (lcg() % 5000 == 0) { /* now and then a burst to fill the line */
			for (j = 0; j < 300; j++)
				feed(&c, "w");
		}
		r = le_feed(&c.le, b, &c.out);
		assert_true(c.out.len < 512);
		term_write(&c.term, &c.out);
		check_invariants(&c.le);
		if (c.le.len > longest)
			longest = c.le.len;
		if (r != LE_NONE) {
			assert_int_equal(c.term.col, 0);
			if (lcg() % 2) { /* else the next byte prompts by itself */
				le_prompt(&c.le, &c.out);
				term_write(&c.term, &c.out);
			}
		}
		if (c.le.active)
			term_check(&c.term, &c.le);
	}
	for (i = 0; i < c.le.hist_count; i++) {
		const char *h = c.le.hist[i];

		assert_true(strlen(h) <= LE_LINE_MAX);
		for (j = 0; h[j]; j++)
			assert_true(h[j] >= 0x20 && h[j] <= 0x7e);
	}
	assert_int_equal(longest, LE_LINE_MAX);
	assert_int_equal(c.le.hist_count, LE_HISTORY);
}

static void test_fuzz_wide(void **state)
{
	(void)state;
	fuzz(0, 1, 300000);
}

static void test_fuzz_narrow(void **state)
{
	(void)state;
	fuzz(40, 2, 150000);
	fuzz(7, 3, 50000);
}

/* Uniform bytes, no terminal model: only the invariants. */
static void test_fuzz_uniform(void **state)
{
	struct line_editor le;
	struct le_output out;
	size_t i;

	(void)state;
	lcg_state = 12345;
	le_init(&le, PROMPT);
	out.len = 0;
	le_prompt(&le, &out);
	for (i = 0; i < 300000; i++) {
		le_feed(&le, (uint8_t)lcg(), &out);
		assert_true(out.len <= sizeof(out.buf));
		check_invariants(&le);
		if (lcg() % 4)
			out.len = 0;
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_type_and_enter),
		cmocka_unit_test(test_crlf_is_one_enter),
		cmocka_unit_test(test_lf_alone),
		cmocka_unit_test(test_finished_line_kept_until_prompt),
		cmocka_unit_test(test_backspace),
		cmocka_unit_test(test_ctrl_u_k_w),
		cmocka_unit_test(test_left_right_insert),
		cmocka_unit_test(test_home_end),
		cmocka_unit_test(test_delete_key),
		cmocka_unit_test(test_history_up_down),
		cmocka_unit_test(test_history_blank_and_repeat),
		cmocka_unit_test(test_history_cap),
		cmocka_unit_test(test_ctrl_c),
		cmocka_unit_test(test_overlong_line),
		cmocka_unit_test(test_unknown_escapes),
		cmocka_unit_test(test_overlong_escape),
		cmocka_unit_test(test_escape_cut),
		cmocka_unit_test(test_escape_random_tail),
		cmocka_unit_test(test_binary_ignored),
		cmocka_unit_test(test_screen_after_edits),
		cmocka_unit_test(test_narrow_terminal),
		cmocka_unit_test(test_output_truncated),
		cmocka_unit_test(test_prompt_truncated),
		cmocka_unit_test(test_fuzz_wide),
		cmocka_unit_test(test_fuzz_narrow),
		cmocka_unit_test(test_fuzz_uniform),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
