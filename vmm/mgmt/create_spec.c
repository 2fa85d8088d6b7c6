/*
 * Parsing `create NAME key=value ...` into a guest configuration. See
 * create_spec.h.
 */
#include "vmm/mgmt/create_spec.h"

#include <stdarg.h>

#include "lib/printf.h"
#include "lib/string.h"

#define KEY_MAX 16

struct spec_reader {
	const char *p, *end;
};

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * The next word into buf: runs of non-blanks, where a double-quoted part
 * may hold blanks (the quotes are dropped). 1 got one, 0 none left, -1 bad.
 */
static int next_word(struct spec_reader *r, char *buf, size_t size, const char **why)
{
	size_t n = 0;
	bool quoted = false;

	while (r->p < r->end && is_space(*r->p))
		r->p++;
	if (r->p == r->end)
		return 0;
	while (r->p < r->end && (quoted || !is_space(*r->p))) {
		char c = *r->p++;

		if (c == '"') {
			quoted = !quoted;
			continue;
		}
		if (n + 1 >= size) {
			*why = "word too long";
			return -1;
		}
		buf[n++] = c;
	}
	if (quoted) {
		*why = "unterminated quote";
		return -1;
	}
	buf[n] = 0;
	return 1;
}

static int fail(char *err, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	hv_vsnprintf(err, size, fmt, ap);
	va_end(ap);
	return -1;
}

static int set_override(struct hvcfg_guest *g, char *word, char *err, size_t err_size)
{
	char *eq = strchr(word, '=');
	char msg[160];

	if (!eq || eq == word)
		return fail(err, err_size, "expected key=value, got '%s'", word);
	*eq = 0;
	if (strlen(word) >= KEY_MAX || !strcmp(word, "autostart"))
		return fail(err, err_size, "'%s' cannot be set by create", word);
	if (hvcfg_set_guest_key(g, word, eq + 1, msg, sizeof(msg)))
		return fail(err, err_size, "%s", msg);
	return 0;
}

int create_spec_parse(const char *spec, size_t len, const struct hvcfg *cfg,
		      create_image_known_fn image_known, void *ctx, struct hvcfg_guest *out,
		      char *err, size_t err_size)
{
	struct spec_reader r = { spec, spec + len };
	const struct hvcfg_guest *section;
	char word[HVCFG_CMDLINE_MAX + KEY_MAX];
	const char *why = "";
	size_t i;
	int got;

	if (len > CREATE_SPEC_MAX)
		return fail(err, err_size, "create: the line is too long");
	for (i = 0; i < len; i++)
		if ((unsigned char)spec[i] < 0x20 || (unsigned char)spec[i] > 0x7e)
			if (spec[i] != '\t')
				return fail(err, err_size, "create: only printable ASCII is allowed");
	got = next_word(&r, word, HVCFG_NAME_MAX, &why);
	if (got == 0)
		return fail(err, err_size, "create: missing guest name (usage: create NAME "
			    "[key=value ...])");
	if (got < 0 || hvcfg_guest_init(out, word))
		return fail(err, err_size, "create: bad guest name%s%s: expected 1 to 31 of "
			    "A-Z a-z 0-9 _ -", got < 0 ? ": " : "", got < 0 ? why : "");
	section = hvcfg_find_guest(cfg, word);
	if (section)
		*out = *section;
	while ((got = next_word(&r, word, sizeof(word), &why)) > 0)
		if (set_override(out, word, err, err_size))
			return -1;
	if (got < 0)
		return fail(err, err_size, "create: %s", why);
	if (!out->kernel[0])
		return fail(err, err_size, "no guest '%s' in hv.cfg: give kernel= (and memory=, "
			    "vcpus=, ...) to define one", out->name);
	if (out->console)
		return fail(err, err_size, "guest '%s': there is only one console domain, and it "
			    "is not created from the console", out->name);
	if (!image_known(out->kernel, ctx))
		return fail(err, err_size, "kernel '%s' is not among the images loaded at boot "
			    "(hv.cfg names them)", out->kernel);
	if (out->initrd[0] && !image_known(out->initrd, ctx))
		return fail(err, err_size, "initrd '%s' is not among the images loaded at boot",
			    out->initrd);
	out->autostart = false;
	return 0;
}
