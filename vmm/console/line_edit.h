/*
 * The console domain's line editor: turns the bytes the operator's terminal
 * (a VT100/xterm-like terminal, or a script) sends over the serial line into
 * finished command lines, and says what to write back so the screen always
 * shows the prompt, the line being edited and the cursor where they are.
 *
 * A pure state machine: no globals, no heap, no I/O; the whole state is in
 * struct line_editor. Runs in the console domain (freestanding) and in host
 * unit tests. A line only ever holds printable ASCII (0x20-0x7e).
 *
 * Keys: printable bytes insert at the cursor; Backspace (0x7f, 0x08);
 * Ctrl-A/Home, Ctrl-E/End; Ctrl-B/Left, Ctrl-F/Right; Ctrl-P/Up and
 * Ctrl-N/Down walk the history; Ctrl-D/Delete delete under the cursor;
 * Ctrl-K kills to the end, Ctrl-U to the start, Ctrl-W the word before the
 * cursor; Ctrl-L redraws; Ctrl-C discards the line; CR, LF or CR LF (or
 * LF CR) is one Enter. Other control bytes, bytes >= 0x80 and escape
 * sequences that mean nothing here are swallowed whole.
 *
 * Terminal output uses only printable text, "\r\n", "\r", "\b", ESC [ n C,
 * ESC [ n D, ESC [ K and BEL (0x07), all on the prompt's row: with a width
 * set (le_set_columns) a line longer than the terminal scrolls
 * horizontally instead of wrapping.
 */
#ifndef VMM_CONSOLE_LINE_EDIT_H
#define VMM_CONSOLE_LINE_EDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LE_LINE_MAX 256    /* bytes of a line, NUL excluded; more is refused with a bell */
#define LE_HISTORY 16      /* lines kept for up/down */
#define LE_PROMPT_MAX 15   /* prompt bytes kept, NUL excluded */
#define LE_ESC_PARAMS_MAX 16 /* CSI parameter/intermediate bytes; a longer sequence is dropped */

/*
 * What the editor wants written to the terminal. le_prompt() and le_feed()
 * append to it; the caller writes buf[0..len) and sets len = 0. Output that
 * does not fit is cut off (never overflows); a single call produces well
 * under 512 bytes, so draining after every call never loses any.
 */
struct le_output {
	char buf[1024];
	size_t len;
};

enum le_result {
	LE_NONE,      /* keep feeding */
	LE_LINE,      /* Enter: le_line() is the finished line; history updated */
	LE_INTERRUPT, /* Ctrl-C: the line was discarded, "^C\r\n" output */
};

enum le_esc {
	LE_ESC_NONE,
	LE_ESC_ESC,      /* after ESC */
	LE_ESC_CSI,      /* after ESC [ : collecting parameter bytes */
	LE_ESC_SS3,      /* after ESC O : one final byte follows */
	LE_ESC_DISCARD,  /* overlong CSI: swallow it up to its final byte */
	LE_ESC_SKIP1,    /* after ESC [ [ (Linux console F1-F5): one byte follows */
};

struct line_editor {
	char prompt[LE_PROMPT_MAX + 1];
	size_t prompt_len;
	unsigned columns;            /* terminal width; 0 = assume wide enough */

	char line[LE_LINE_MAX + 1];  /* always NUL-terminated at len */
	size_t len, cursor;          /* cursor <= len <= LE_LINE_MAX */
	bool active;                 /* a prompt is up and the line is being edited */
	uint8_t enter_pair;          /* CR or LF that completes the last Enter, else 0 */

	/* What the terminal shows, relative to the first column after the prompt. */
	size_t scroll;               /* index of the first line byte shown */
	size_t drawn;                /* line bytes shown */
	size_t col;                  /* the terminal's cursor column */

	/* History: a ring of the last LE_HISTORY lines, newest at hist_next - 1. */
	char hist[LE_HISTORY][LE_LINE_MAX + 1];
	size_t hist_count, hist_next;
	size_t browse;               /* 0 = editing our own line; k = k-th newest entry shown */
	char saved[LE_LINE_MAX + 1]; /* our own line while browsing */

	enum le_esc esc;
	char esc_buf[LE_ESC_PARAMS_MAX];
	size_t esc_len;
};

/* prompt: printable ASCII, at most LE_PROMPT_MAX bytes kept (NULL = none). */
void le_init(struct line_editor *le, const char *prompt);

/*
 * Terminal width in columns, 0 for "wide enough for prompt and any line"
 * (the default). With a width, the line scrolls sideways so nothing is ever
 * written in the last column. Takes effect at the next redraw.
 */
void le_set_columns(struct line_editor *le, unsigned columns);

/*
 * Starts a new empty line and outputs the prompt. Call after le_init() and
 * after every LE_LINE / LE_INTERRUPT once the line has been used (the next
 * le_feed() does it itself if the caller did not).
 */
void le_prompt(struct line_editor *le, struct le_output *out);

/* One byte from the terminal; appends what to write back to out. */
enum le_result le_feed(struct line_editor *le, uint8_t byte, struct le_output *out);

/* The line being edited; after LE_LINE the finished line, until le_prompt(). */
const char *le_line(const struct line_editor *le);

#endif
