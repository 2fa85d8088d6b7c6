/*
 * The console domain's line editor (see line_edit.h). Every edit changes the
 * line, then refresh() brings the terminal in line with it: the editor keeps
 * a model of what the prompt's row shows (scroll, drawn, col) and rewrites
 * only from the first byte that changed, so typing at the end of a line
 * echoes just the byte typed, which keeps a script's transcript readable.
 *
 * Runs in the console domain, freestanding; built on the host for tests.
 */
#include "vmm/console/line_edit.h"

#include "lib/string.h"

#define BEL 0x07
#define ESC 0x1b

/* ---------------------------------------------------------------- output */

static void out_bytes(struct le_output *out, const char *s, size_t n)
{
	size_t room;

	if (out->len >= sizeof(out->buf))
		return;
	room = sizeof(out->buf) - out->len;
	if (n > room)
		n = room;
	memcpy(out->buf + out->len, s, n);
	out->len += n;
}

static void out_char(struct le_output *out, char c)
{
	out_bytes(out, &c, 1);
}

static void out_str(struct le_output *out, const char *s)
{
	out_bytes(out, s, strlen(s));
}

/* ESC [ n final */
static void out_csi_n(struct le_output *out, size_t n, char final)
{
	char tmp[32];
	size_t i = sizeof(tmp);

	tmp[--i] = final;
	do {
		tmp[--i] = (char)('0' + n % 10);
		n /= 10;
	} while (n);
	tmp[--i] = '[';
	tmp[--i] = ESC;
	out_bytes(out, tmp + i, sizeof(tmp) - i);
}

/* ------------------------------------------------------- screen tracking */

/* Columns for line bytes after the prompt; the cursor may sit one past them. */
static size_t window(const struct line_editor *le)
{
	if (le->columns == 0)
		return LE_LINE_MAX;
	if (le->columns > le->prompt_len + 1)
		return le->columns - le->prompt_len - 1;
	return 1;
}

/* Scrolls as little as keeps the cursor visible, and no blank space wasted. */
static void fit_scroll(struct line_editor *le)
{
	size_t w = window(le);
	size_t max = le->len > w ? le->len - w : 0;

	if (le->scroll > max)
		le->scroll = max;
	if (le->cursor < le->scroll)
		le->scroll = le->cursor;
	else if (le->cursor > le->scroll + w)
		le->scroll = le->cursor - w;
}

static size_t visible_end(const struct line_editor *le)
{
	size_t end = le->scroll + window(le);

	return end < le->len ? end : le->len;
}

static void move_to(struct line_editor *le, struct le_output *out, size_t col)
{
	if (col < le->col) {
		size_t n = le->col - col;

		if (n <= 3)
			while (n--)
				out_char(out, '\b');
		else
			out_csi_n(out, n, 'D');
	} else if (col > le->col) {
		out_csi_n(out, col - le->col, 'C');
	}
	le->col = col;
}

static void redraw_full(struct line_editor *le, struct le_output *out)
{
	size_t end;

	fit_scroll(le);
	end = visible_end(le);
	out_char(out, '\r');
	out_bytes(out, le->prompt, le->prompt_len);
	out_bytes(out, le->line + le->scroll, end - le->scroll);
	out_str(out, "\x1b[K");
	le->col = le->drawn = end - le->scroll;
	move_to(le, out, le->cursor - le->scroll);
}

/*
 * Makes the screen match the line after an edit that left line[0..from)
 * unchanged (from = len when only the cursor moved).
 */
static void refresh(struct line_editor *le, struct le_output *out, size_t from)
{
	size_t old_scroll = le->scroll, end, shown;

	fit_scroll(le);
	if (le->scroll != old_scroll || from < le->scroll) {
		redraw_full(le, out);
		return;
	}
	end = visible_end(le);
	shown = end - le->scroll;
	/* from <= old len, so every column before from - scroll is drawn. */
	if (from < end) {
		move_to(le, out, from - le->scroll);
		out_bytes(out, le->line + from, end - from);
		le->col = shown;
	}
	if (shown < le->drawn) {
		move_to(le, out, shown);
		out_str(out, "\x1b[K");
	}
	le->drawn = shown;
	move_to(le, out, le->cursor - le->scroll);
}

/* ----------------------------------------------------------------- edits */

static void insert(struct line_editor *le, struct le_output *out, char c)
{
	if (le->len >= LE_LINE_MAX) {
		out_char(out, BEL);
		return;
	}
	memmove(le->line + le->cursor + 1, le->line + le->cursor, le->len - le->cursor + 1);
	le->line[le->cursor] = c;
	le->len++;
	le->cursor++;
	refresh(le, out, le->cursor - 1);
}

/* Removes line[start..end) and leaves the cursor at start. */
static void delete_range(struct line_editor *le, struct le_output *out, size_t start, size_t end)
{
	if (start >= end)
		return;
	memmove(le->line + start, le->line + end, le->len - end + 1);
	le->len -= end - start;
	le->cursor = start;
	refresh(le, out, start);
}

static void delete_at_cursor(struct line_editor *le, struct le_output *out)
{
	if (le->cursor < le->len)
		delete_range(le, out, le->cursor, le->cursor + 1);
}

static void move_cursor(struct line_editor *le, struct le_output *out, size_t pos)
{
	le->cursor = pos;
	refresh(le, out, le->len);
}

static void word_rubout(struct line_editor *le, struct le_output *out)
{
	size_t start = le->cursor;

	while (start > 0 && le->line[start - 1] == ' ')
		start--;
	while (start > 0 && le->line[start - 1] != ' ')
		start--;
	delete_range(le, out, start, le->cursor);
}

/* Replaces the whole line (history), cursor at its end. s is printable. */
static void set_line(struct line_editor *le, struct le_output *out, const char *s)
{
	size_t n = strlen(s), same = 0;

	if (n > LE_LINE_MAX)
		n = LE_LINE_MAX;
	while (same < n && same < le->len && le->line[same] == s[same])
		same++;
	memcpy(le->line, s, n);
	le->line[n] = '\0';
	le->len = le->cursor = n;
	refresh(le, out, same);
}

/* --------------------------------------------------------------- history */

static const char *hist_entry(const struct line_editor *le, size_t k) /* 0 = newest */
{
	return le->hist[(le->hist_next + LE_HISTORY - 1 - k) % LE_HISTORY];
}

static void hist_add(struct line_editor *le)
{
	size_t i;

	for (i = 0; i < le->len && le->line[i] == ' '; i++)
		;
	if (i == le->len)
		return; /* blank */
	if (le->hist_count > 0 && strcmp(hist_entry(le, 0), le->line) == 0)
		return;
	memcpy(le->hist[le->hist_next], le->line, le->len + 1);
	le->hist_next = (le->hist_next + 1) % LE_HISTORY;
	if (le->hist_count < LE_HISTORY)
		le->hist_count++;
}

/*
 * Up: an older entry. Our own line is kept aside the first time and comes
 * back past the newest entry on the way down, as in bash; edits made to a
 * recalled entry last until it is left.
 */
static void hist_older(struct line_editor *le, struct le_output *out)
{
	if (le->browse >= le->hist_count) {
		out_char(out, BEL);
		return;
	}
	if (le->browse == 0)
		memcpy(le->saved, le->line, le->len + 1);
	le->browse++;
	set_line(le, out, hist_entry(le, le->browse - 1));
}

static void hist_newer(struct line_editor *le, struct le_output *out)
{
	if (le->browse == 0) {
		out_char(out, BEL);
		return;
	}
	le->browse--;
	set_line(le, out, le->browse == 0 ? le->saved : hist_entry(le, le->browse - 1));
}

/* ---------------------------------------------------------- line control */

static void clear_line(struct line_editor *le)
{
	le->len = le->cursor = 0;
	le->line[0] = '\0';
	le->scroll = le->drawn = le->col = 0;
	le->browse = 0;
	le->esc = LE_ESC_NONE;
}

static enum le_result enter(struct line_editor *le, struct le_output *out, uint8_t byte)
{
	le->enter_pair = byte == '\r' ? '\n' : '\r';
	out_str(out, "\r\n");
	hist_add(le);
	le->browse = 0;
	le->active = false;
	return LE_LINE;
}

/* "^C" after the text shown, or over its end when the row has no room. */
static enum le_result interrupt(struct line_editor *le, struct le_output *out)
{
	size_t w = window(le), at = le->drawn;

	if (w >= 2 && at > w - 2)
		at = w - 2;
	move_to(le, out, at);
	out_str(out, "^C");
	if (at + 2 < le->drawn)
		out_str(out, "\x1b[K");
	out_str(out, "\r\n");
	clear_line(le);
	le->active = false;
	return LE_INTERRUPT;
}

/* ------------------------------------------------------ escape sequences */

static void csi_dispatch(struct line_editor *le, struct le_output *out, uint8_t final)
{
	unsigned p1 = 0;
	size_t i;

	/* Only digits and ';' mean a key; private markers, intermediates: ignored. */
	for (i = 0; i < le->esc_len; i++) {
		char c = le->esc_buf[i];

		if (c == ';')
			continue;
		if (c < '0' || c > '9')
			return;
	}
	for (i = 0; i < le->esc_len && le->esc_buf[i] != ';'; i++)
		if (p1 < 1000)
			p1 = p1 * 10 + (unsigned)(le->esc_buf[i] - '0');

	/* Modifiers (ESC [ 1 ; 5 D) are ignored: a Ctrl-arrow is an arrow. */
	switch (final) {
	case 'A': hist_older(le, out); break;
	case 'B': hist_newer(le, out); break;
	case 'C': if (le->cursor < le->len) move_cursor(le, out, le->cursor + 1); break;
	case 'D': if (le->cursor > 0) move_cursor(le, out, le->cursor - 1); break;
	case 'H': move_cursor(le, out, 0); break;
	case 'F': move_cursor(le, out, le->len); break;
	case '~':
		if (p1 == 1 || p1 == 7)
			move_cursor(le, out, 0);
		else if (p1 == 4 || p1 == 8)
			move_cursor(le, out, le->len);
		else if (p1 == 3)
			delete_at_cursor(le, out);
		break;
	default:
		break;
	}
}

/*
 * One byte while inside an escape sequence. Returns false when the byte
 * ended the sequence without belonging to it and must be handled as an
 * ordinary byte (a control byte such as Enter or Ctrl-C, or Backspace), so
 * a cut sequence never swallows a key and never leaves the editor stuck.
 */
static bool esc_feed(struct line_editor *le, struct le_output *out, uint8_t byte)
{
	enum le_esc state = le->esc;

	if (byte == ESC) {
		le->esc = LE_ESC_ESC; /* a new sequence replaces the cut one */
		return true;
	}
	le->esc = LE_ESC_NONE;
	if (byte < 0x20 || byte == 0x7f)
		return false;
	if (byte >= 0x80)
		return true;

	switch (state) {
	case LE_ESC_ESC:
		if (byte == '[') {
			le->esc = LE_ESC_CSI;
			le->esc_len = 0;
		} else if (byte == 'O') {
			le->esc = LE_ESC_SS3;
		}
		/* ESC x (Alt-x): swallowed. */
		break;
	case LE_ESC_SS3:
		if ((byte >= 'A' && byte <= 'D') || byte == 'H' || byte == 'F') {
			le->esc_len = 0;
			csi_dispatch(le, out, byte);
		}
		break;
	case LE_ESC_CSI:
		if (byte == '[' && le->esc_len == 0) {
			le->esc = LE_ESC_SKIP1;
		} else if (byte < 0x40) {
			if (le->esc_len < LE_ESC_PARAMS_MAX) {
				le->esc_buf[le->esc_len++] = (char)byte;
				le->esc = LE_ESC_CSI;
			} else {
				le->esc = LE_ESC_DISCARD;
			}
		} else {
			csi_dispatch(le, out, byte);
		}
		break;
	case LE_ESC_DISCARD:
		if (byte < 0x40)
			le->esc = LE_ESC_DISCARD;
		break;
	case LE_ESC_SKIP1:
	case LE_ESC_NONE:
		break;
	}
	return true;
}

/* ------------------------------------------------------------- interface */

void le_init(struct line_editor *le, const char *prompt)
{
	size_t n = 0;

	memset(le, 0, sizeof(*le));
	while (prompt && prompt[n] && n < LE_PROMPT_MAX) {
		le->prompt[n] = prompt[n];
		n++;
	}
	le->prompt[n] = '\0';
	le->prompt_len = n;
}

void le_set_columns(struct line_editor *le, unsigned columns)
{
	le->columns = columns;
}

void le_prompt(struct line_editor *le, struct le_output *out)
{
	clear_line(le);
	le->active = true;
	out_bytes(out, le->prompt, le->prompt_len);
}

enum le_result le_feed(struct line_editor *le, uint8_t byte, struct le_output *out)
{
	uint8_t pair = le->enter_pair;

	le->enter_pair = 0;
	if (pair && byte == pair)
		return LE_NONE; /* the LF of CR LF (or CR of LF CR): same Enter */
	if (!le->active)
		le_prompt(le, out);
	if (le->esc != LE_ESC_NONE && esc_feed(le, out, byte))
		return LE_NONE;

	switch (byte) {
	case 0x01: move_cursor(le, out, 0); break;                             /* Ctrl-A */
	case 0x02: if (le->cursor > 0) move_cursor(le, out, le->cursor - 1); break; /* Ctrl-B */
	case 0x03: return interrupt(le, out);                                  /* Ctrl-C */
	case 0x04: delete_at_cursor(le, out); break;                           /* Ctrl-D */
	case 0x05: move_cursor(le, out, le->len); break;                       /* Ctrl-E */
	case 0x06: if (le->cursor < le->len) move_cursor(le, out, le->cursor + 1); break; /* Ctrl-F */
	case 0x08:                                                             /* Ctrl-H */
	case 0x7f: if (le->cursor > 0) delete_range(le, out, le->cursor - 1, le->cursor); break;
	case '\n':
	case '\r': return enter(le, out, byte);
	case 0x0b: delete_range(le, out, le->cursor, le->len); break;          /* Ctrl-K */
	case 0x0c: redraw_full(le, out); break;                                /* Ctrl-L */
	case 0x0e: hist_newer(le, out); break;                                 /* Ctrl-N */
	case 0x10: hist_older(le, out); break;                                 /* Ctrl-P */
	case 0x15: delete_range(le, out, 0, le->cursor); break;                /* Ctrl-U */
	case 0x17: word_rubout(le, out); break;                                /* Ctrl-W */
	case ESC: le->esc = LE_ESC_ESC; break;
	default:
		if (byte >= 0x20 && byte <= 0x7e)
			insert(le, out, (char)byte);
		break; /* other controls, bytes >= 0x80: ignored */
	}
	return LE_NONE;
}

const char *le_line(const struct line_editor *le)
{
	return le->line;
}
