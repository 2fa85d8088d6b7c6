/*
 * hv.cfg parser (format in boot/hvcfg.h). Runs in the UEFI loader and in
 * the kernel at boot, on bytes read from a FAT volume anyone may edit: the
 * text is a length, not a C string, every copy is bounded, every number is
 * checked for overflow, and every error names the line and what was
 * expected, because the only reader is a person at a serial console.
 */
#include "boot/hvcfg.h"

#include <stdarg.h>

#include "boot/boot_info.h"
#include "lib/printf.h"
#include "lib/string.h"

_Static_assert(HVCFG_PATH_MAX == BOOT_FILE_NAME_MAX, "paths in hv.cfg become boot_file names");

#define HVCFG_LINE_MAX 511
#define HVCFG_ECHO_MAX 32 /* bytes of a bad value quoted back in a message */

#define KiB (1ULL << 10)
#define MiB (1ULL << 20)
#define GiB (1ULL << 30)

/* A slice of the text: not NUL-terminated. */
struct hvcfg_str {
	const char *p;
	size_t len;
};

/* Where a setter writes its complaint. */
struct hvcfg_msg {
	char *buf;
	size_t size;
};

static int hvcfg_fail(struct hvcfg_msg *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int hvcfg_fail(struct hvcfg_msg *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	hv_vsnprintf(m->buf, m->size, fmt, ap);
	va_end(ap);
	return -1;
}

/* Length to pass to "%.*s" when quoting user text back. */
static int hvcfg_echo(struct hvcfg_str s)
{
	return (int)(s.len < HVCFG_ECHO_MAX ? s.len : HVCFG_ECHO_MAX);
}

static bool hvcfg_is_space(char c)
{
	return c == ' ' || c == '\t';
}

static char hvcfg_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static struct hvcfg_str hvcfg_trim(struct hvcfg_str s)
{
	while (s.len && hvcfg_is_space(s.p[0]))
		s.p++, s.len--;
	while (s.len && hvcfg_is_space(s.p[s.len - 1]))
		s.len--;
	return s;
}

static bool hvcfg_eq(struct hvcfg_str s, const char *word)
{
	return strlen(word) == s.len && memcmp(s.p, word, s.len) == 0;
}

static bool hvcfg_eq_nocase(struct hvcfg_str s, const char *word)
{
	size_t i;

	if (strlen(word) != s.len)
		return false;
	for (i = 0; i < s.len; i++)
		if (hvcfg_lower(s.p[i]) != word[i])
			return false;
	return true;
}

/* Bounded copy into a field of `size` bytes (incl. NUL); fails if too long. */
static int hvcfg_copy(char *dst, size_t size, const char *key, struct hvcfg_str v,
		      struct hvcfg_msg *m)
{
	if (v.len >= size)
		return hvcfg_fail(m, "value too long for %s: at most %zu characters, got %zu",
				  key, size - 1, v.len);
	memcpy(dst, v.p, v.len);
	dst[v.len] = '\0';
	return 0;
}

/* ------------------------------------------------------------- numbers --- */

enum { HVCFG_NUM_OK = 0, HVCFG_NUM_BAD = -1, HVCFG_NUM_RANGE = -2 };

static int hvcfg_digit(char c, unsigned int base)
{
	int d;

	c = hvcfg_lower(c);
	if (c >= '0' && c <= '9')
		d = c - '0';
	else if (c >= 'a' && c <= 'f')
		d = c - 'a' + 10;
	else
		return -1;
	return d < (int)base ? d : -1;
}

/* Decimal, or with hex_ok also 0x hex; HVCFG_NUM_RANGE if it overflows 64 bits. */
static int hvcfg_number(struct hvcfg_str s, bool hex_ok, uint64_t *out)
{
	unsigned int base = 10;
	uint64_t v = 0;
	size_t i = 0;

	if (hex_ok && s.len > 2 && s.p[0] == '0' && hvcfg_lower(s.p[1]) == 'x') {
		base = 16;
		i = 2;
	}
	if (i == s.len)
		return HVCFG_NUM_BAD;
	for (; i < s.len; i++) {
		int d = hvcfg_digit(s.p[i], base);

		if (d < 0)
			return HVCFG_NUM_BAD;
		if (v > (~0ULL - (uint64_t)d) / base)
			return HVCFG_NUM_RANGE;
		v = v * base + (uint64_t)d;
	}
	*out = v;
	return HVCFG_NUM_OK;
}

/* A number with an optional K, M or G suffix; without one it counts `unit`s. */
static int hvcfg_size(struct hvcfg_str s, uint64_t unit, uint64_t *out)
{
	uint64_t mult = unit, v;
	int rc;

	if (s.len) {
		switch (hvcfg_lower(s.p[s.len - 1])) {
		case 'k': mult = KiB; s.len--; break;
		case 'm': mult = MiB; s.len--; break;
		case 'g': mult = GiB; s.len--; break;
		}
	}
	rc = hvcfg_number(s, false, &v);
	if (rc != HVCFG_NUM_OK)
		return rc;
	if (v > ~0ULL / mult)
		return HVCFG_NUM_RANGE;
	*out = v * mult;
	return HVCFG_NUM_OK;
}

/* ------------------------------------------------------- guest values --- */

static int hvcfg_set_path(char *dst, const char *key, bool required, struct hvcfg_str v,
			  struct hvcfg_msg *m)
{
	size_t i;

	if (required && !v.len)
		return hvcfg_fail(m, "empty value for %s: expected a path on the boot volume", key);
	/* The loader turns it into a UCS-2 EFI path: plain ASCII only. */
	for (i = 0; i < v.len; i++)
		if ((unsigned char)v.p[i] < 0x20 || (unsigned char)v.p[i] > 0x7e)
			return hvcfg_fail(m, "bad path for %s: expected printable ASCII", key);
	return hvcfg_copy(dst, HVCFG_PATH_MAX, key, v, m);
}

static int guest_kernel(struct hvcfg_guest *g, struct hvcfg_str v, struct hvcfg_msg *m)
{
	return hvcfg_set_path(g->kernel, "kernel", true, v, m);
}

static int guest_initrd(struct hvcfg_guest *g, struct hvcfg_str v, struct hvcfg_msg *m)
{
	return hvcfg_set_path(g->initrd, "initrd", false, v, m);
}

static int guest_cmdline(struct hvcfg_guest *g, struct hvcfg_str v, struct hvcfg_msg *m)
{
	return hvcfg_copy(g->cmdline, sizeof(g->cmdline), "cmdline", v, m);
}

static int guest_memory(struct hvcfg_guest *g, struct hvcfg_str v, struct hvcfg_msg *m)
{
	uint64_t bytes;
	int rc = hvcfg_size(v, MiB, &bytes);

	if (rc == HVCFG_NUM_BAD)
		return hvcfg_fail(m, "bad number '%.*s' for memory: expected e.g. 512M, 2G or "
				  "262144K (a plain number is MiB)", hvcfg_echo(v), v.p);
	if (rc == HVCFG_NUM_RANGE || bytes < MiB || bytes > 64 * GiB)
		return hvcfg_fail(m, "memory = %.*s is out of range: expected 1M to 64G",
				  hvcfg_echo(v), v.p);
	if (bytes % (4 * KiB))
		return hvcfg_fail(m, "memory = %.*s is not a multiple of 4K", hvcfg_echo(v), v.p);
	g->memory_bytes = bytes;
	return 0;
}

static int guest_vcpus(struct hvcfg_guest *g, struct hvcfg_str v, struct hvcfg_msg *m)
{
	uint64_t n;
	int rc = hvcfg_number(v, false, &n);

	if (rc == HVCFG_NUM_BAD)
		return hvcfg_fail(m, "bad number '%.*s' for vcpus: expected 1 to %u",
				  hvcfg_echo(v), v.p, HVCFG_VCPUS_MAX);
	if (rc == HVCFG_NUM_RANGE || n < 1 || n > HVCFG_VCPUS_MAX)
		return hvcfg_fail(m, "vcpus = %.*s is out of range: expected 1 to %u",
				  hvcfg_echo(v), v.p, HVCFG_VCPUS_MAX);
	g->vcpus = (uint32_t)n;
	return 0;
}

static int guest_autostart(struct hvcfg_guest *g, struct hvcfg_str v, struct hvcfg_msg *m)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (hvcfg_eq_nocase(v, yes[i]) || hvcfg_eq_nocase(v, no[i])) {
			g->autostart = hvcfg_eq_nocase(v, yes[i]);
			return 0;
		}
	}
	return hvcfg_fail(m, "bad value '%.*s' for autostart: expected yes, no, true, false, "
			  "on, off, 1 or 0", hvcfg_echo(v), v.p);
}

static int guest_type(struct hvcfg_guest *g, struct hvcfg_str v, struct hvcfg_msg *m)
{
	static const char *const names[] = {
		[HVCFG_TYPE_AUTO] = "auto", [HVCFG_TYPE_LINUX] = "linux",
		[HVCFG_TYPE_MULTIBOOT] = "multiboot", [HVCFG_TYPE_REAL] = "real",
		[HVCFG_TYPE_LONG] = "long",
	};
	uint8_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (hvcfg_eq_nocase(v, names[i])) {
			g->type = i;
			return 0;
		}
	}
	return hvcfg_fail(m, "bad value '%.*s' for type: expected auto, linux, multiboot, real "
			  "or long", hvcfg_echo(v), v.p);
}

static int guest_role(struct hvcfg_guest *g, struct hvcfg_str v, struct hvcfg_msg *m)
{
	if (hvcfg_eq_nocase(v, "guest") || hvcfg_eq_nocase(v, "console")) {
		g->console = hvcfg_eq_nocase(v, "console");
		return 0;
	}
	return hvcfg_fail(m, "bad value '%.*s' for role: expected guest or console",
			  hvcfg_echo(v), v.p);
}

/* "cpus = 1" or "cpus = 0,1": the physical CPUs the guest's vCPUs are pinned to, in turn. */
static int guest_cpus(struct hvcfg_guest *g, struct hvcfg_str v, struct hvcfg_msg *m)
{
	uint8_t list[HVCFG_CPUS_MAX];
	size_t start = 0, n = 0;

	while (start <= v.len) {
		size_t end = start;
		uint64_t cpu;

		while (end < v.len && v.p[end] != ',')
			end++;
		if (n == HVCFG_CPUS_MAX)
			return hvcfg_fail(m, "cpus = %.*s lists more than %d CPUs", hvcfg_echo(v), v.p,
					  HVCFG_CPUS_MAX);
		if (hvcfg_number(hvcfg_trim((struct hvcfg_str){ v.p + start, end - start }), false,
				 &cpu) != HVCFG_NUM_OK || cpu >= HVCFG_CPU_LIMIT)
			return hvcfg_fail(m, "bad value '%.*s' for cpus: expected CPU numbers 0 to %d "
					  "separated by commas, e.g. 0,1", hvcfg_echo(v), v.p,
					  HVCFG_CPU_LIMIT - 1);
		list[n++] = (uint8_t)cpu;
		start = end + 1;
	}
	memcpy(g->cpus, list, n);
	g->cpu_count = (uint8_t)n;
	return 0;
}

/* Raw images sit in the guest's low 4 GiB, page-aligned or (real mode) 16-byte aligned. */
static int guest_load(struct hvcfg_guest *g, struct hvcfg_str v, struct hvcfg_msg *m)
{
	uint64_t addr;
	int rc = hvcfg_number(v, true, &addr);

	if (rc == HVCFG_NUM_BAD)
		return hvcfg_fail(m, "bad address '%.*s' for load: expected e.g. 0x8000",
				  hvcfg_echo(v), v.p);
	if (rc == HVCFG_NUM_RANGE || addr < 0x2000 || addr >= 0x100000000ULL || addr % 16)
		return hvcfg_fail(m, "load = %.*s is out of range: expected a 16-byte aligned "
				  "address from 0x2000 to below 4G", hvcfg_echo(v), v.p);
	g->load_addr = addr;
	return 0;
}

/*
 * "vmctl = rdtsc-exiting=on,#BP=trap": the guest's execution controls and
 * trapped exceptions at creation. Only its form is checked here (the
 * loader knows nothing of VMX); the hypervisor judges every word against
 * the CPU when it creates the guest, and refuses the guest if one is bad.
 */
static int guest_vmctl(struct hvcfg_guest *g, struct hvcfg_str v, struct hvcfg_msg *m)
{
	size_t i;

	if (!v.len)
		return hvcfg_fail(m, "empty value for vmctl: expected e.g. rdtsc-exiting=on,#BP=trap");
	for (i = 0; i < v.len; i++) {
		char c = v.p[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '=' || c == '#' || c == ',' || c == ' '))
			return hvcfg_fail(m, "bad character '%c' in vmctl: expected NAME=on|off or "
					  "#EXC=trap|off words separated by commas", c);
	}
	return hvcfg_copy(g->vmctl, sizeof(g->vmctl), "vmctl", v, m);
}

/* --------------------------------------------------- hypervisor values --- */

static int hv_log_level(struct hvcfg_hypervisor *hv, struct hvcfg_str v, struct hvcfg_msg *m)
{
	static const char *const levels[] = { "error", "warn", "info", "debug" };
	uint8_t i;

	for (i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
		if (hvcfg_eq_nocase(v, levels[i])) {
			hv->log_level = i;
			return 0;
		}
	}
	return hvcfg_fail(m, "bad value '%.*s' for log_level: expected error, warn, info or debug",
			  hvcfg_echo(v), v.p);
}

static int hv_serial(struct hvcfg_hypervisor *hv, struct hvcfg_str v, struct hvcfg_msg *m)
{
	/* The PC's conventional COM port bases. */
	static const struct { const char *name; uint16_t port; } coms[] = {
		{ "com1", 0x3f8 }, { "com2", 0x2f8 }, { "com3", 0x3e8 }, { "com4", 0x2e8 },
	};
	uint64_t port;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(coms) / sizeof(coms[0]); i++) {
		if (hvcfg_eq_nocase(v, coms[i].name)) {
			hv->serial_port = coms[i].port;
			return 0;
		}
	}
	rc = hvcfg_number(v, true, &port);
	if (rc == HVCFG_NUM_BAD)
		return hvcfg_fail(m, "bad value '%.*s' for serial: expected com1 to com4 or a port "
				  "number (decimal or 0x hex)", hvcfg_echo(v), v.p);
	/* A 16550 decodes 8 ports from its base: they must not wrap. */
	if (rc == HVCFG_NUM_RANGE || port < 1 || port > 0xfff8)
		return hvcfg_fail(m, "serial = %.*s is out of range: expected a port from 0x1 "
				  "to 0xfff8", hvcfg_echo(v), v.p);
	hv->serial_port = (uint16_t)port;
	return 0;
}

static int hv_baud(struct hvcfg_hypervisor *hv, struct hvcfg_str v, struct hvcfg_msg *m)
{
	/* Rates the 16550's divisor (115200 / baud) hits exactly. */
	static const uint32_t rates[] = { 300, 600, 1200, 2400, 4800, 9600,
					  19200, 38400, 57600, 115200 };
	uint64_t baud;
	size_t i;
	int rc = hvcfg_number(v, false, &baud);

	if (rc == HVCFG_NUM_BAD)
		return hvcfg_fail(m, "bad number '%.*s' for baud: expected e.g. 115200",
				  hvcfg_echo(v), v.p);
	for (i = 0; rc == HVCFG_NUM_OK && i < sizeof(rates) / sizeof(rates[0]); i++) {
		if (baud == rates[i]) {
			hv->baud = rates[i];
			return 0;
		}
	}
	return hvcfg_fail(m, "baud = %.*s is out of range: expected one of 300, 600, 1200, "
			  "2400, 4800, 9600, 19200, 38400, 57600, 115200", hvcfg_echo(v), v.p);
}

static int hv_console_ring(struct hvcfg_hypervisor *hv, struct hvcfg_str v, struct hvcfg_msg *m)
{
	uint64_t bytes;
	int rc = hvcfg_size(v, 1, &bytes);

	if (rc == HVCFG_NUM_BAD)
		return hvcfg_fail(m, "bad number '%.*s' for console_ring: expected a size like "
				  "64K or 1M", hvcfg_echo(v), v.p);
	if (rc == HVCFG_NUM_RANGE || bytes < 4 * KiB || bytes > 16 * MiB)
		return hvcfg_fail(m, "console_ring = %.*s is out of range: expected 4K to 16M",
				  hvcfg_echo(v), v.p);
	hv->console_ring_bytes = (uint32_t)bytes;
	return 0;
}

static int hv_cmdline(struct hvcfg_hypervisor *hv, struct hvcfg_str v, struct hvcfg_msg *m)
{
	return hvcfg_copy(hv->cmdline, sizeof(hv->cmdline), "cmdline", v, m);
}

/* ----------------------------------------------------------- key tables --- */

struct hvcfg_key {
	const char *name;
	int (*set_guest)(struct hvcfg_guest *g, struct hvcfg_str v, struct hvcfg_msg *m);
	int (*set_hv)(struct hvcfg_hypervisor *hv, struct hvcfg_str v, struct hvcfg_msg *m);
};

static const struct hvcfg_key hvcfg_guest_keys[] = {
	{ "kernel", guest_kernel, NULL },
	{ "initrd", guest_initrd, NULL },
	{ "cmdline", guest_cmdline, NULL },
	{ "memory", guest_memory, NULL },
	{ "vcpus", guest_vcpus, NULL },
	{ "autostart", guest_autostart, NULL },
	{ "type", guest_type, NULL },
	{ "load", guest_load, NULL },
	{ "role", guest_role, NULL },
	{ "cpus", guest_cpus, NULL },
	{ "vmctl", guest_vmctl, NULL },
};

static const struct hvcfg_key hvcfg_hv_keys[] = {
	{ "log_level", NULL, hv_log_level },
	{ "serial", NULL, hv_serial },
	{ "baud", NULL, hv_baud },
	{ "console_ring", NULL, hv_console_ring },
	{ "cmdline", NULL, hv_cmdline },
};

#define HVCFG_COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Index of `key` in the table, or -1 with a message listing the keys allowed. */
static int hvcfg_lookup(const struct hvcfg_key *keys, size_t count, const char *section,
			struct hvcfg_str key, struct hvcfg_msg *m)
{
	char list[128] = "";
	size_t i, at = 0;

	for (i = 0; i < count; i++)
		if (hvcfg_eq(key, keys[i].name))
			return (int)i;
	for (i = 0; i < count && at < sizeof(list); i++)
		at += (size_t)hv_snprintf(list + at, sizeof(list) - at, "%s%s", i ? ", " : "",
					  keys[i].name);
	return hvcfg_fail(m, "unknown key '%.*s' in %s: expected %s", hvcfg_echo(key),
			  key.p, section, list);
}

static void hvcfg_guest_defaults(struct hvcfg_guest *g)
{
	memset(g, 0, sizeof(*g));
	g->memory_bytes = 256 * MiB;
	g->vcpus = 1;
	g->autostart = false;
}

static bool hvcfg_name_ok(struct hvcfg_str name);

int hvcfg_guest_init(struct hvcfg_guest *g, const char *name)
{
	struct hvcfg_str n = { name, strlen(name) };

	if (!hvcfg_name_ok(n))
		return -1;
	hvcfg_guest_defaults(g);
	memcpy(g->name, name, n.len);
	return 0;
}

int hvcfg_set_guest_key(struct hvcfg_guest *g, const char *key, const char *value,
			char *msg, size_t msg_size)
{
	struct hvcfg_msg m = { msg, msg_size };
	struct hvcfg_str k = { key, strlen(key) };
	struct hvcfg_str v = { value, strlen(value) };
	int i = hvcfg_lookup(hvcfg_guest_keys, HVCFG_COUNT(hvcfg_guest_keys), "[guest]", k, &m);

	if (i < 0)
		return -1;
	return hvcfg_guest_keys[i].set_guest(g, v, &m);
}

/* ------------------------------------------------------------ the file --- */

enum hvcfg_section { HVCFG_NONE, HVCFG_HV, HVCFG_GUEST };

struct hvcfg_parser {
	struct hvcfg *cfg;
	struct hvcfg_error *err;
	struct hvcfg_msg msg; /* err->msg */
	uint32_t line;
	enum hvcfg_section section;
	bool hv_seen;
	uint32_t keys_seen; /* bit i: key i of the section's table already set */
	struct hvcfg_guest *guest;
};

static int hvcfg_error_at(struct hvcfg_parser *p, uint32_t line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int hvcfg_error_at(struct hvcfg_parser *p, uint32_t line, const char *fmt, ...)
{
	va_list ap;

	p->err->line = line;
	va_start(ap, fmt);
	hv_vsnprintf(p->err->msg, sizeof(p->err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

/* Checks what a section needs before the next one starts (or the file ends). */
static int hvcfg_end_section(struct hvcfg_parser *p)
{
	if (p->section == HVCFG_GUEST && !p->guest->kernel[0])
		return hvcfg_error_at(p, p->guest->line, "guest '%s' has no kernel= (it is required)",
				      p->guest->name);
	return 0;
}

/* Two console domains would fight over the operator's serial line. */
static int hvcfg_one_console(struct hvcfg_parser *p)
{
	const struct hvcfg_guest *first = NULL;
	uint32_t i;

	for (i = 0; i < p->cfg->guest_count; i++) {
		const struct hvcfg_guest *g = &p->cfg->guests[i];

		if (!g->console)
			continue;
		if (first)
			return hvcfg_error_at(p, g->line, "guest '%s' is a second console domain "
					      "('%s' on line %u is the first): at most one may have "
					      "role = console", g->name, first->name, first->line);
		first = g;
	}
	return 0;
}

static bool hvcfg_name_ok(struct hvcfg_str name)
{
	size_t i;

	if (name.len < 1 || name.len >= HVCFG_NAME_MAX)
		return false;
	for (i = 0; i < name.len; i++) {
		char c = name.p[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return false;
	}
	return true;
}

static int hvcfg_start_guest(struct hvcfg_parser *p, struct hvcfg_str name)
{
	struct hvcfg *cfg = p->cfg;
	struct hvcfg_guest *g;
	uint32_t i;

	if (!hvcfg_name_ok(name))
		return hvcfg_error_at(p, p->line, "bad guest name '%.*s': expected 1 to %d "
				      "characters of A-Z a-z 0-9 _ -", hvcfg_echo(name), name.p,
				      HVCFG_NAME_MAX - 1);
	for (i = 0; i < cfg->guest_count; i++)
		if (hvcfg_eq(name, cfg->guests[i].name))
			return hvcfg_error_at(p, p->line, "duplicate guest '%s' (first on line %u)",
					      cfg->guests[i].name, cfg->guests[i].line);
	if (cfg->guest_count == HVCFG_MAX_GUESTS)
		return hvcfg_error_at(p, p->line, "too many guests: at most %d", HVCFG_MAX_GUESTS);

	g = &cfg->guests[cfg->guest_count++];
	hvcfg_guest_defaults(g);
	memcpy(g->name, name.p, name.len);
	g->line = p->line;
	p->guest = g;
	p->section = HVCFG_GUEST;
	return 0;
}

static int hvcfg_section_line(struct hvcfg_parser *p, struct hvcfg_str s)
{
	struct hvcfg_str inner;

	if (s.len < 2 || s.p[s.len - 1] != ']')
		return hvcfg_error_at(p, p->line, "section header must end with ']'");
	if (hvcfg_end_section(p))
		return -1;
	inner = hvcfg_trim((struct hvcfg_str){ s.p + 1, s.len - 2 });
	p->keys_seen = 0;

	if (hvcfg_eq(inner, "hypervisor")) {
		if (p->hv_seen)
			return hvcfg_error_at(p, p->line, "duplicate section [hypervisor]");
		p->hv_seen = true;
		p->section = HVCFG_HV;
		return 0;
	}
	if (inner.len >= 5 && memcmp(inner.p, "guest", 5) == 0 &&
	    (inner.len == 5 || hvcfg_is_space(inner.p[5])))
		return hvcfg_start_guest(p, hvcfg_trim((struct hvcfg_str){ inner.p + 5,
									  inner.len - 5 }));
	return hvcfg_error_at(p, p->line, "unknown section [%.*s]: expected [hypervisor] or "
			      "[guest NAME]", hvcfg_echo(inner), inner.p);
}

static int hvcfg_key_line(struct hvcfg_parser *p, struct hvcfg_str s)
{
	const struct hvcfg_key *keys;
	struct hvcfg_str key, val;
	size_t eq = 0, count;
	char where[48];
	int i, rc;

	while (eq < s.len && s.p[eq] != '=')
		eq++;
	if (eq == s.len)
		return hvcfg_error_at(p, p->line, "missing '=': expected key = value");
	key = hvcfg_trim((struct hvcfg_str){ s.p, eq });
	val = hvcfg_trim((struct hvcfg_str){ s.p + eq + 1, s.len - eq - 1 });
	if (!key.len)
		return hvcfg_error_at(p, p->line, "missing key before '='");
	if (val.len && val.p[0] == '"') {
		if (val.len < 2 || val.p[val.len - 1] != '"')
			return hvcfg_error_at(p, p->line, "unterminated quote in the value of %.*s",
					      hvcfg_echo(key), key.p);
		val.p++;
		val.len -= 2;
	}

	if (p->section == HVCFG_GUEST) {
		keys = hvcfg_guest_keys;
		count = HVCFG_COUNT(hvcfg_guest_keys);
		hv_snprintf(where, sizeof(where), "[guest %s]", p->guest->name);
	} else {
		keys = hvcfg_hv_keys;
		count = HVCFG_COUNT(hvcfg_hv_keys);
		hv_snprintf(where, sizeof(where), "[hypervisor]");
	}
	/* Lookup and setters write the message; the line is ours to add. */
	i = hvcfg_lookup(keys, count, where, key, &p->msg);
	if (i < 0) {
		p->err->line = p->line;
		return -1;
	}
	if (p->keys_seen & (1U << i))
		return hvcfg_error_at(p, p->line, "duplicate key '%s' in %s", keys[i].name, where);
	p->keys_seen |= 1U << i;
	if (p->section == HVCFG_GUEST)
		rc = keys[i].set_guest(p->guest, val, &p->msg);
	else
		rc = keys[i].set_hv(&p->cfg->hv, val, &p->msg);
	if (rc)
		p->err->line = p->line;
	return rc;
}

static int hvcfg_line(struct hvcfg_parser *p, struct hvcfg_str line)
{
	struct hvcfg_str s = hvcfg_trim(line);

	if (!s.len || s.p[0] == '#' || s.p[0] == ';')
		return 0;
	if (s.p[0] == '[')
		return hvcfg_section_line(p, s);
	if (p->section == HVCFG_NONE)
		return hvcfg_error_at(p, p->line, "text outside any section: expected [hypervisor] "
				      "or [guest NAME] first");
	return hvcfg_key_line(p, s);
}

int hvcfg_parse(const char *text, size_t len, struct hvcfg *out, struct hvcfg_error *err)
{
	struct hvcfg_error scratch;
	struct hvcfg_parser p = { .cfg = out, .err = err ? err : &scratch };
	size_t pos = 0;

	p.msg = (struct hvcfg_msg){ p.err->msg, sizeof(p.err->msg) };
	p.err->line = 0;
	p.err->msg[0] = '\0';
	memset(out, 0, sizeof(*out));
	out->hv.log_level = 2;
	out->hv.serial_port = 0x3f8;
	out->hv.baud = 115200;
	out->hv.console_ring_bytes = 64 * KiB;

	/* Windows editors like to start UTF-8 files with a byte order mark. */
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		pos = 3;
	while (pos < len) {
		size_t start = pos, end;

		p.line++;
		for (; pos < len && text[pos] != '\n'; pos++)
			if (text[pos] == '\0')
				return hvcfg_error_at(&p, p.line, "NUL byte in the file: hv.cfg "
						      "must be plain text");
		end = pos;
		if (pos < len)
			pos++; /* the '\n' */
		if (end > start && text[end - 1] == '\r')
			end--;
		if (end - start > HVCFG_LINE_MAX)
			return hvcfg_error_at(&p, p.line, "line too long: %zu characters, at most %d",
					      end - start, HVCFG_LINE_MAX);
		if (hvcfg_line(&p, (struct hvcfg_str){ text + start, end - start }))
			return -1;
	}
	if (hvcfg_end_section(&p))
		return -1;
	return hvcfg_one_console(&p);
}

const struct hvcfg_guest *hvcfg_find_guest(const struct hvcfg *cfg, const char *name)
{
	uint32_t i;

	for (i = 0; i < cfg->guest_count; i++)
		if (strcmp(cfg->guests[i].name, name) == 0)
			return &cfg->guests[i];
	return NULL;
}
