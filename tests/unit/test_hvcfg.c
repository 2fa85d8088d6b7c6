/*
 * Host tests for boot/hvcfg.c: good files (defaults, every value form,
 * CRLF, BOM, quotes, limits exactly reached) and a table of bad files, each
 * checked for the line number and a word of the message. Texts are copied
 * to exactly-sized heap buffers so ASan catches any read past `len`.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot/hvcfg.h"

#define MiB (1ULL << 20)
#define GiB (1ULL << 30)

static struct hvcfg cfg;

/* Parses len bytes from a private copy with no terminator after it. */
static int parse_n(const char *text, size_t len, struct hvcfg_error *err)
{
	char *copy = malloc(len ? len : 1);
	int rc;

	memcpy(copy, text, len);
	rc = hvcfg_parse(copy, len, &cfg, err);
	free(copy);
	return rc;
}

static int parse(const char *text, struct hvcfg_error *err)
{
	return parse_n(text, strlen(text), err);
}

static void parse_ok(const char *text)
{
	struct hvcfg_error err;

	if (parse(text, &err) != 0)
		fail_msg("unexpected error on line %u: %s\n--- text:\n%s", err.line, err.msg, text);
	assert_int_equal(err.line, 0);
	assert_string_equal(err.msg, "");
}

static void test_full_file(void **state)
{
	const struct hvcfg_guest *g;

	parse_ok("# hv.cfg for the lab box\n"
		 "; another comment style\n"
		 "\n"
		 "[hypervisor]\n"
		 "log_level = debug\n"
		 "serial = com2\n"
		 "baud = 9600\n"
		 "console_ring = 1M\n"
		 "cmdline = \"nosmp iommu=off\"\n"
		 "\n"
		 "[guest linux]\n"
		 "  kernel = \\EFI\\hv\\bzImage  \n"
		 "\tinitrd\t=\tinitrd.img\n"
		 "cmdline = \"console=ttyS0 root=/dev/ram0 # not a comment\"\n"
		 "memory = 2G\n"
		 "vcpus = 4\n"
		 "autostart = yes\n"
		 "[guest tiny-2_b]\n"
		 "kernel=tiny.elf\n"
		 "cmdline = a=b c=\"d\"\n");

	assert_int_equal(cfg.hv.log_level, 3);
	assert_int_equal(cfg.hv.serial_port, 0x2f8);
	assert_int_equal(cfg.hv.baud, 9600);
	assert_int_equal(cfg.hv.console_ring_bytes, MiB);
	assert_string_equal(cfg.hv.cmdline, "nosmp iommu=off");
	assert_int_equal(cfg.guest_count, 2);

	g = hvcfg_find_guest(&cfg, "linux");
	assert_ptr_equal(g, &cfg.guests[0]);
	assert_string_equal(g->name, "linux");
	assert_string_equal(g->kernel, "\\EFI\\hv\\bzImage");
	assert_string_equal(g->initrd, "initrd.img");
	assert_string_equal(g->cmdline, "console=ttyS0 root=/dev/ram0 # not a comment");
	assert_int_equal(g->memory_bytes, 2 * GiB);
	assert_int_equal(g->vcpus, 4);
	assert_true(g->autostart);
	assert_int_equal(g->line, 11);

	g = hvcfg_find_guest(&cfg, "tiny-2_b");
	assert_non_null(g);
	assert_string_equal(g->kernel, "tiny.elf");
	assert_string_equal(g->cmdline, "a=b c=\"d\""); /* only a leading quote quotes */
	assert_int_equal(g->line, 18);
	/* Defaults. */
	assert_string_equal(g->initrd, "");
	assert_int_equal(g->memory_bytes, 256 * MiB);
	assert_int_equal(g->vcpus, 1);
	assert_false(g->autostart);

	assert_null(hvcfg_find_guest(&cfg, "LINUX"));
	assert_null(hvcfg_find_guest(&cfg, "lin"));
	assert_null(hvcfg_find_guest(&cfg, ""));
}

static void test_defaults_and_empty(void **state)
{
	static const char *const texts[] = {
		"", "\n\n", "# only a comment", "[hypervisor]\n", "\xef\xbb\xbf", "   \t\r\n",
	};
	size_t i;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		memset(&cfg, 0xa5, sizeof(cfg));
		parse_ok(texts[i]);
		assert_int_equal(cfg.guest_count, 0);
		assert_int_equal(cfg.hv.log_level, 2);
		assert_int_equal(cfg.hv.serial_port, 0x3f8);
		assert_int_equal(cfg.hv.baud, 115200);
		assert_int_equal(cfg.hv.console_ring_bytes, 65536);
		assert_string_equal(cfg.hv.cmdline, "");
	}
	/* A NULL err is allowed. */
	assert_int_equal(hvcfg_parse("[x]", 3, &cfg, NULL), -1);
	assert_int_equal(hvcfg_parse("", 0, &cfg, NULL), 0);
}

static void test_crlf_bom_no_newline(void **state)
{
	struct hvcfg_error err;

	parse_ok("\xef\xbb\xbf[guest a]\r\nkernel = k\r\ncmdline = x y\r\n\r\nvcpus=2");
	assert_int_equal(cfg.guest_count, 1);
	assert_string_equal(cfg.guests[0].kernel, "k");
	assert_string_equal(cfg.guests[0].cmdline, "x y");
	assert_int_equal(cfg.guests[0].vcpus, 2);
	/* Line numbers still count from the first line after a BOM. */
	assert_int_equal(parse("\xef\xbb\xbf\r\n[guest a]\r\nkernel = k\r\nbogus\r\n", &err), -1);
	assert_int_equal(err.line, 4);
	/* A BOM anywhere else is just bytes. */
	assert_int_equal(parse("\n\xef\xbb\xbf[hypervisor]\n", &err), -1);
	assert_int_equal(err.line, 2);
}

/* One guest key, its value and the expected field, parsed through a file. */
static const char *guest_file(const char *line)
{
	static char buf[1024];

	snprintf(buf, sizeof(buf), "[guest g]\nkernel = k\n%s\n", line);
	return buf;
}

static void test_memory_values(void **state)
{
	static const struct {
		const char *value;
		uint64_t bytes;
	} ok[] = {
		{ "1", 1 * MiB },	    { "512", 512 * MiB },	{ "1024K", 1 * MiB },
		{ "1028k", 1028 * 1024 },   { "256M", 256 * MiB },	{ "256m", 256 * MiB },
		{ "1G", GiB },		    { "64g", 64 * GiB },	{ "65536", 64 * GiB },
		{ "\"2G\"", 2 * GiB },	    { "0001", 1 * MiB },
	};
	size_t i;
	char line[64];

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(line, sizeof(line), "memory = %s", ok[i].value);
		parse_ok(guest_file(line));
		assert_int_equal(cfg.guests[0].memory_bytes, ok[i].bytes);
	}
}

static void test_other_values(void **state)
{
	static const struct {
		const char *value;
		bool on;
	} bools[] = {
		{ "yes", true }, { "no", false },  { "true", true }, { "false", false },
		{ "on", true },	 { "off", false }, { "1", true },    { "0", false },
		{ "YES", true }, { "Off", false },
	};
	static const struct {
		const char *value;
		uint16_t port;
	} serials[] = {
		{ "com1", 0x3f8 }, { "COM2", 0x2f8 }, { "com3", 0x3e8 }, { "com4", 0x2e8 },
		{ "0x3f8", 0x3f8 }, { "0X2E8", 0x2e8 }, { "1016", 0x3f8 }, { "0xfff8", 0xfff8 },
		{ "1", 1 },
	};
	static const uint32_t bauds[] = { 300, 600, 1200, 2400, 4800, 9600,
					  19200, 38400, 57600, 115200 };
	static const char *const levels[] = { "error", "warn", "info", "DEBUG" };
	char text[128];
	size_t i;

	for (i = 0; i < sizeof(bools) / sizeof(bools[0]); i++) {
		snprintf(text, sizeof(text), "autostart = %s", bools[i].value);
		parse_ok(guest_file(text));
		assert_int_equal(cfg.guests[0].autostart, bools[i].on);
	}
	for (i = 0; i < sizeof(serials) / sizeof(serials[0]); i++) {
		snprintf(text, sizeof(text), "[hypervisor]\nserial = %s\n", serials[i].value);
		parse_ok(text);
		assert_int_equal(cfg.hv.serial_port, serials[i].port);
	}
	for (i = 0; i < sizeof(bauds) / sizeof(bauds[0]); i++) {
		snprintf(text, sizeof(text), "[hypervisor]\nbaud = %u\n", bauds[i]);
		parse_ok(text);
		assert_int_equal(cfg.hv.baud, bauds[i]);
	}
	for (i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
		snprintf(text, sizeof(text), "[hypervisor]\nlog_level = %s\n", levels[i]);
		parse_ok(text);
		assert_int_equal(cfg.hv.log_level, i);
	}
	parse_ok("[hypervisor]\nconsole_ring = 4K\n");
	assert_int_equal(cfg.hv.console_ring_bytes, 4096);
	parse_ok("[hypervisor]\nconsole_ring = 16M\n");
	assert_int_equal(cfg.hv.console_ring_bytes, 16 * MiB);
	parse_ok("[hypervisor]\nconsole_ring = 5000\n"); /* a plain number is bytes */
	assert_int_equal(cfg.hv.console_ring_bytes, 5000);
	parse_ok(guest_file("vcpus = 8")); /* HVCFG_VCPUS_MAX: as many as a VM has */
	assert_int_equal(cfg.guests[0].vcpus, 8);
	parse_ok(guest_file("cmdline = \"\""));
	assert_string_equal(cfg.guests[0].cmdline, "");
	parse_ok(guest_file("cmdline ="));
	assert_string_equal(cfg.guests[0].cmdline, "");
	parse_ok(guest_file("initrd = \"  spaced name.img  \""));
	assert_string_equal(cfg.guests[0].initrd, "  spaced name.img  ");
	parse_ok(guest_file("type = real"));
	assert_int_equal(cfg.guests[0].type, HVCFG_TYPE_REAL);
	parse_ok(guest_file("type = Long"));
	assert_int_equal(cfg.guests[0].type, HVCFG_TYPE_LONG);
	parse_ok(guest_file("type = linux"));
	assert_int_equal(cfg.guests[0].type, HVCFG_TYPE_LINUX);
	parse_ok(guest_file("load = 0x8000"));
	assert_int_equal(cfg.guests[0].load_addr, 0x8000);
	parse_ok(guest_file("load = 1048576"));
	assert_int_equal(cfg.guests[0].load_addr, 0x100000);
	parse_ok(guest_file("vcpus = 2"));
	assert_int_equal(cfg.guests[0].type, HVCFG_TYPE_AUTO);
	assert_int_equal(cfg.guests[0].load_addr, 0);
}

/* Limits reached exactly are fine; one more is an error (see bad_cases). */
static void test_limits(void **state)
{
	char text[8192], val[600];
	size_t n;
	int i;

	memset(val, 'p', 63);
	val[63] = '\0';
	snprintf(text, sizeof(text), "[guest g]\nkernel = %s\ninitrd = %s\n", val, val);
	parse_ok(text);
	assert_int_equal(strlen(cfg.guests[0].kernel), 63);
	assert_int_equal(strlen(cfg.guests[0].initrd), 63);

	memset(val, 'c', 255);
	val[255] = '\0';
	snprintf(text, sizeof(text), "[guest g]\nkernel = k\ncmdline = \"%s\"\n"
		 "[hypervisor]\ncmdline = %s\n", val, val);
	parse_ok(text);
	assert_int_equal(strlen(cfg.guests[0].cmdline), 255);
	assert_int_equal(strlen(cfg.hv.cmdline), 255);

	/* A 511-character line (plus CRLF), here a comment. */
	text[0] = '#';
	memset(text + 1, 'x', 510);
	memcpy(text + 511, "\r\n[guest g]\nkernel=k", 20);
	parse_ok(text);

	/* A guest name of 31 characters; 16 guests. */
	n = 0;
	for (i = 0; i < 16; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "[guest %030d%c]\nkernel = k%d\n", i, 'a', i);
	parse_ok(text);
	assert_int_equal(cfg.guest_count, 16);
	assert_int_equal(strlen(cfg.guests[15].name), 31);
	assert_string_equal(cfg.guests[15].kernel, "k15");
	assert_non_null(hvcfg_find_guest(&cfg, "000000000000000000000000000015a"));
}

static const struct {
	const char *name;
	const char *text;
	uint32_t line;
	const char *want; /* words the message must contain, '|' separated */
} bad_cases[] = {
	{ "two console domains", "[guest c1]\nkernel = c\nrole = console\n[guest c2]\nkernel = c\n"
	  "role = console\n", 4, "second console domain|'c1' on line 1" },
	{ "bad role", "[guest a]\nkernel = k\nrole = dom0\n", 3, "bad value 'dom0' for role" },
	{ "vmctl empty", "[guest a]\nkernel = k\nvmctl =\n", 3, "empty value for vmctl" },
	{ "vmctl odd byte", "[guest a]\nkernel = k\nvmctl = rdtsc-exiting=on;#BP=trap\n", 3,
	  "bad character ';' in vmctl" },
	{ "vmctl twice", "[guest a]\nkernel = k\nvmctl = #BP=trap\nvmctl = #UD=trap\n", 4, "vmctl" },
	{ "cpus not a number", "[guest a]\nkernel = k\ncpus = one\n", 3, "bad value 'one' for cpus" },
	{ "cpus empty item", "[guest a]\nkernel = k\ncpus = 0,,1\n", 3, "for cpus" },
	{ "cpus trailing comma", "[guest a]\nkernel = k\ncpus = 0,\n", 3, "for cpus" },
	{ "cpus too high", "[guest a]\nkernel = k\ncpus = 64\n", 3, "0 to 63" },
	{ "cpus too many", "[guest a]\nkernel = k\ncpus = 0,1,2,3,4,5,6,7,0\n", 3, "more than 8" },
	{ "key before any section", "# c\nkernel = x\n", 2, "outside any section|[guest NAME]" },
	{ "unknown section", "[hypervisor]\n[guests a]\n", 2, "unknown section|guests" },
	{ "unknown section case", "[Hypervisor]\n", 1, "unknown section" },
	{ "unclosed header", "[guest a\n", 1, "']'" },
	{ "inline comment after header", "[hypervisor] # x\n", 1, "']'" },
	{ "lone bracket", "[\n", 1, "']'" },
	{ "guest without name", "[guest]\n", 1, "bad guest name" },
	{ "guest name with space", "[guest a b]\n", 1, "bad guest name|A-Z" },
	{ "guest name with dot", "[guest a.b]\n", 1, "bad guest name" },
	{ "guest name too long", "[guest 0123456789012345678901234567890a]\n", 1, "bad guest name|31" },
	{ "duplicate guest", "[guest a]\nkernel=k\n[guest b]\nkernel=k\n[guest a]\n", 5,
	  "duplicate guest|line 1" },
	{ "duplicate hypervisor", "[hypervisor]\n[hypervisor]\n", 2, "duplicate section" },
	{ "guest without kernel", "[guest a]\nvcpus=2\n\n[hypervisor]\n", 1, "no kernel=|'a'" },
	{ "last guest without kernel", "[guest a]\nkernel=k\n[guest b]\nmemory=1G", 3, "no kernel=|'b'" },
	{ "unknown guest key", "[guest a]\nkernel=k\nmem = 1G\n", 3,
	  "unknown key 'mem'|kernel, initrd, cmdline, memory, vcpus, autostart, type, load" },
	{ "bad type", "[guest a]\nkernel=k\ntype = pv\n", 3, "bad value 'pv' for type|auto, linux" },
	{ "load not a number", "[guest a]\nkernel=k\nload = here\n", 3, "bad address 'here'" },
	{ "load too low", "[guest a]\nkernel=k\nload = 0x1000\n", 3, "load = 0x1000 is out of range" },
	{ "load unaligned", "[guest a]\nkernel=k\nload = 0x8001\n", 3, "out of range|16-byte" },
	{ "load above 4G", "[guest a]\nkernel=k\nload = 0x100000000\n", 3, "out of range" },
	{ "guest key in hypervisor", "[hypervisor]\nvcpus = 1\n", 2,
	  "unknown key 'vcpus'|[hypervisor]|log_level, serial, baud, console_ring, cmdline" },
	{ "hypervisor key in guest", "[guest a]\nbaud = 9600\n", 2, "unknown key 'baud'|[guest a]" },
	{ "key case matters", "[guest a]\nKernel = k\n", 2, "unknown key 'Kernel'" },
	{ "duplicate guest key", "[guest a]\nkernel=k\nvcpus=1\nvcpus=2\n", 4, "duplicate key 'vcpus'" },
	{ "duplicate hv key", "[hypervisor]\nbaud=9600\nbaud=9600\n", 3, "duplicate key 'baud'" },
	{ "missing =", "[guest a]\nkernel k\n", 2, "missing '='" },
	{ "missing key", "[guest a]\n = k\n", 2, "missing key" },
	{ "unterminated quote", "[guest a]\ncmdline = \"abc\n", 2, "unterminated quote|cmdline" },
	{ "lone quote", "[guest a]\ncmdline = \"\n", 2, "unterminated quote" },
	{ "kernel too long", "[guest a]\nkernel = "
	  "0123456789012345678901234567890123456789012345678901234567890123\n", 2,
	  "value too long|kernel|63" },
	{ "empty kernel", "[guest a]\nkernel = \"\"\n", 2, "empty value for kernel" },
	{ "kernel not ascii", "[guest a]\nkernel = b\xc3\xa9.efi\n", 2, "ASCII" },
	{ "initrd control char", "[guest a]\nkernel=k\ninitrd = a\tb\n", 3, "initrd|ASCII" },
	{ "memory not a number", "[guest a]\nkernel=k\nmemory = lots\n", 3, "bad number|memory" },
	{ "memory bad suffix", "[guest a]\nkernel=k\nmemory = 1T\n", 3, "bad number" },
	{ "memory two suffixes", "[guest a]\nkernel=k\nmemory = 1MK\n", 3, "bad number" },
	{ "memory space before suffix", "[guest a]\nkernel=k\nmemory = 1 G\n", 3, "bad number" },
	{ "memory hex", "[guest a]\nkernel=k\nmemory = 0x100\n", 3, "bad number" },
	{ "memory negative", "[guest a]\nkernel=k\nmemory = -1\n", 3, "bad number" },
	{ "memory suffix only", "[guest a]\nkernel=k\nmemory = M\n", 3, "bad number" },
	{ "memory empty", "[guest a]\nkernel=k\nmemory =\n", 3, "bad number" },
	{ "memory zero", "[guest a]\nkernel=k\nmemory = 0\n", 3, "out of range|1M to 64G" },
	{ "memory below 1M", "[guest a]\nkernel=k\nmemory = 1020K\n", 3, "out of range" },
	{ "memory above 64G", "[guest a]\nkernel=k\nmemory = 65537\n", 3, "out of range" },
	{ "memory 64G+4K", "[guest a]\nkernel=k\nmemory = 67108868K\n", 3, "out of range" },
	{ "memory overflow in suffix", "[guest a]\nkernel=k\nmemory = 17179869185G\n", 3,
	  "out of range" },
	{ "memory overflow in digits", "[guest a]\nkernel=k\nmemory = 99999999999999999999999\n",
	  3, "out of range" },
	{ "memory 2^64 bytes exactly", "[guest a]\nkernel=k\nmemory = 18446744073709551616K\n",
	  3, "out of range" },
	{ "memory not 4K multiple", "[guest a]\nkernel=k\nmemory = 1025K\n", 3, "multiple of 4K" },
	{ "vcpus zero", "[guest a]\nkernel=k\nvcpus = 0\n", 3, "out of range|1 to 8" },
	{ "vcpus 9", "[guest a]\nkernel=k\nvcpus = 9\n", 3, "vcpus = 9 is out of range: expected 1 to 8" },
	{ "vcpus 64", "[guest a]\nkernel=k\nvcpus = 64\n", 3, "out of range|1 to 8" },
	{ "vcpus overflow", "[guest a]\nkernel=k\nvcpus = 18446744073709551617\n", 3, "out of range" },
	{ "vcpus hex", "[guest a]\nkernel=k\nvcpus = 0x2\n", 3, "bad number" },
	{ "vcpus word", "[guest a]\nkernel=k\nvcpus = two\n", 3, "bad number" },
	{ "autostart maybe", "[guest a]\nkernel=k\nautostart = maybe\n", 3, "autostart|yes, no" },
	{ "log_level", "[hypervisor]\nlog_level = verbose\n", 2, "log_level|error, warn, info or debug" },
	{ "log_level number", "[hypervisor]\nlog_level = 3\n", 2, "log_level" },
	{ "serial com5", "[hypervisor]\nserial = com5\n", 2, "bad value|serial|com1 to com4" },
	{ "serial 0", "[hypervisor]\nserial = 0\n", 2, "out of range|serial" },
	{ "serial too high", "[hypervisor]\nserial = 0xfff9\n", 2, "out of range" },
	{ "serial bad hex", "[hypervisor]\nserial = 0x3g8\n", 2, "bad value" },
	{ "serial bare 0x", "[hypervisor]\nserial = 0x\n", 2, "bad value" },
	{ "serial hex overflow", "[hypervisor]\nserial = 0x10000000000000000\n", 2, "out of range" },
	{ "baud not standard", "[hypervisor]\nbaud = 14400\n", 2, "out of range|baud|115200" },
	{ "baud too fast", "[hypervisor]\nbaud = 230400\n", 2, "out of range" },
	{ "baud overflow", "[hypervisor]\nbaud = 99999999999999999999\n", 2, "out of range" },
	{ "baud word", "[hypervisor]\nbaud = fast\n", 2, "bad number" },
	{ "console_ring small", "[hypervisor]\nconsole_ring = 4095\n", 2, "out of range|4K to 16M" },
	{ "console_ring big", "[hypervisor]\nconsole_ring = 17M\n", 2, "out of range" },
	{ "console_ring bad", "[hypervisor]\nconsole_ring = big\n", 2, "bad number|console_ring" },
};

static bool message_has(const char *msg, const char *want)
{
	char words[256], *w, *save;

	snprintf(words, sizeof(words), "%s", want);
	for (w = strtok_r(words, "|", &save); w; w = strtok_r(NULL, "|", &save))
		if (!strstr(msg, w))
			return false;
	return true;
}

static void test_bad_files(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		struct hvcfg_error err;
		int rc = parse(bad_cases[i].text, &err);

		if (rc != -1 || err.line != bad_cases[i].line || !message_has(err.msg, bad_cases[i].want))
			fail_msg("case '%s': rc %d, line %u (want %u), msg '%s' (want '%s')",
				 bad_cases[i].name, rc, err.line, bad_cases[i].line, err.msg,
				 bad_cases[i].want);
	}
}

static void test_bad_limits(void **state)
{
	struct hvcfg_error err;
	char text[8192], val[600];
	size_t n;
	int i;

	/* 512 characters on a line. */
	memset(text, '#', 512);
	memcpy(text + 512, "\n", 2);
	assert_int_equal(parse("[hypervisor]\n", &err), 0);
	assert_int_equal(parse_n(text, strlen(text), &err), -1);
	assert_int_equal(err.line, 1);
	assert_non_null(strstr(err.msg, "line too long"));
	/* Same, last line without a newline and with CR not counted. */
	assert_int_equal(parse_n(text, 512, &err), -1);
	assert_int_equal(err.line, 1);
	memcpy(text + 511, "\r\n", 3);
	assert_int_equal(parse_n(text, strlen(text), &err), 0);

	/* cmdline of 256. */
	memset(val, 'c', 256);
	val[256] = '\0';
	snprintf(text, sizeof(text), "[guest g]\nkernel = k\ncmdline = %s\n", val);
	assert_int_equal(parse(text, &err), -1);
	assert_int_equal(err.line, 3);
	assert_non_null(strstr(err.msg, "value too long"));
	snprintf(text, sizeof(text), "[hypervisor]\ncmdline = \"%s\"\n", val);
	assert_int_equal(parse(text, &err), -1);
	assert_int_equal(err.line, 2);
	assert_non_null(strstr(err.msg, "value too long for cmdline: at most 255"));

	/* 17 guests. */
	n = 0;
	for (i = 0; i < 17; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "[guest g%d]\nkernel = k\n", i);
	assert_int_equal(parse(text, &err), -1);
	assert_int_equal(err.line, 33);
	assert_non_null(strstr(err.msg, "too many guests"));

	/* A NUL byte, in a comment or a value. */
	assert_int_equal(parse_n("[guest a]\nkernel=k\n# a\0b\n", 23, &err), -1);
	assert_int_equal(err.line, 3);
	assert_non_null(strstr(err.msg, "NUL"));
	assert_int_equal(parse_n("[guest a]\nkernel=k\0\n", 20, &err), -1);
	assert_int_equal(err.line, 2);

	/* The message stays bounded whatever the input echoes back. */
	memset(val, 'z', 500);
	val[500] = '\0';
	snprintf(text, sizeof(text), "[guest a]\n%s = 1\n", val);
	assert_int_equal(parse(text, &err), -1);
	assert_true(strlen(err.msg) < sizeof(err.msg));
	assert_non_null(strstr(err.msg, "unknown key"));
}

static void test_role_and_cpus(void **state)
{
	parse_ok("[guest con]\nkernel = console.bin\nrole = console\ncpus = 1\n"
		 "[guest linux]\nkernel = k\ncpus = 0, 1 ,3\nrole = guest\n[guest plain]\nkernel = k\n");
	assert_true(cfg.guests[0].console);
	assert_int_equal(cfg.guests[0].cpu_count, 1);
	assert_int_equal(cfg.guests[0].cpus[0], 1);
	assert_false(cfg.guests[1].console);
	assert_int_equal(cfg.guests[1].cpu_count, 3);
	assert_int_equal(cfg.guests[1].cpus[0], 0);
	assert_int_equal(cfg.guests[1].cpus[1], 1);
	assert_int_equal(cfg.guests[1].cpus[2], 3);
	assert_false(cfg.guests[2].console);
	assert_int_equal(cfg.guests[2].cpu_count, 0);
	parse_ok("[guest a]\nkernel = k\ncpus = 0,1,2,3,4,5,6,63\n");
	assert_int_equal(cfg.guests[0].cpu_count, 8);
	assert_int_equal(cfg.guests[0].cpus[7], 63);
}

/* vmctl: kept as written for the hypervisor to judge (vmm/abi/vmctl.c), only its form checked here. */
static void test_vmctl(void **state)
{
	struct hvcfg_guest g;
	char msg[160], long_value[HVCFG_VMCTL_MAX + 8];

	parse_ok("[guest a]\nkernel = k\nvmctl = rdtsc-exiting=on,#BP=trap, hlt-exiting=off\n"
		 "[guest b]\nkernel = k\n");
	assert_string_equal(cfg.guests[0].vmctl, "rdtsc-exiting=on,#BP=trap, hlt-exiting=off");
	assert_string_equal(cfg.guests[1].vmctl, "");
	parse_ok("[guest a]\nkernel = k\nvmctl = \"#PF=trap\"\n");
	assert_string_equal(cfg.guests[0].vmctl, "#PF=trap");
	/* Unknown names pass here: the loader cannot know the CPU; the hypervisor refuses them. */
	parse_ok("[guest a]\nkernel = k\nvmctl = frobnicate=on\n");

	g = cfg.guests[0];
	assert_int_equal(hvcfg_set_guest_key(&g, "vmctl", "rdtsc-exiting=on", msg, sizeof(msg)), 0);
	assert_string_equal(g.vmctl, "rdtsc-exiting=on");
	memset(long_value, 'a', sizeof(long_value) - 1);
	long_value[sizeof(long_value) - 1] = '\0';
	assert_int_equal(hvcfg_set_guest_key(&g, "vmctl", long_value, msg, sizeof(msg)), -1);
	assert_non_null(strstr(msg, "too long for vmctl"));
	assert_int_equal(hvcfg_set_guest_key(&g, "vmctl", "a=b\n", msg, sizeof(msg)), -1);
	assert_string_equal(g.vmctl, "rdtsc-exiting=on");
}

static void test_set_guest_key(void **state)
{
	struct hvcfg_guest g, before;
	char msg[160];

	parse_ok("[guest a]\nkernel = k\nmemory = 1G\n");
	g = cfg.guests[0];

	assert_int_equal(hvcfg_set_guest_key(&g, "memory", "512M", msg, sizeof(msg)), 0);
	assert_int_equal(g.memory_bytes, 512 * MiB);
	assert_int_equal(hvcfg_set_guest_key(&g, "vcpus", "3", msg, sizeof(msg)), 0);
	assert_int_equal(g.vcpus, 3);
	assert_int_equal(hvcfg_set_guest_key(&g, "cmdline", "console=ttyS0 quiet", msg, sizeof(msg)), 0);
	assert_string_equal(g.cmdline, "console=ttyS0 quiet");
	assert_int_equal(hvcfg_set_guest_key(&g, "autostart", "on", msg, sizeof(msg)), 0);
	assert_true(g.autostart);
	assert_int_equal(hvcfg_set_guest_key(&g, "initrd", "", msg, sizeof(msg)), 0);
	assert_string_equal(g.initrd, "");

	/* Errors leave the guest untouched. */
	before = g;
	assert_int_equal(hvcfg_set_guest_key(&g, "memory", "3T", msg, sizeof(msg)), -1);
	assert_non_null(strstr(msg, "bad number"));
	assert_int_equal(hvcfg_set_guest_key(&g, "vcpus", "100", msg, sizeof(msg)), -1);
	assert_non_null(strstr(msg, "out of range"));
	assert_int_equal(hvcfg_set_guest_key(&g, "name", "b", msg, sizeof(msg)), -1);
	assert_non_null(strstr(msg, "unknown key 'name'"));
	assert_non_null(strstr(msg, "kernel, initrd, cmdline, memory, vcpus, autostart"));
	assert_int_equal(hvcfg_set_guest_key(&g, "kernel", "", msg, sizeof(msg)), -1);
	assert_int_equal(hvcfg_set_guest_key(&g, "kernel",
		"0123456789012345678901234567890123456789012345678901234567890123", msg,
		sizeof(msg)), -1);
	assert_non_null(strstr(msg, "too long"));
	assert_memory_equal(&g, &before, sizeof(g));

	/* A small or absent message buffer is fine. */
	assert_int_equal(hvcfg_set_guest_key(&g, "vcpus", "0", msg, 8), -1);
	assert_int_equal(strlen(msg), 7);
	assert_int_equal(hvcfg_set_guest_key(&g, "vcpus", "0", NULL, 0), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_file),
		cmocka_unit_test(test_defaults_and_empty),
		cmocka_unit_test(test_crlf_bom_no_newline),
		cmocka_unit_test(test_memory_values),
		cmocka_unit_test(test_other_values),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_bad_limits),
		cmocka_unit_test(test_set_guest_key),
		cmocka_unit_test(test_vmctl),
		cmocka_unit_test(test_role_and_cpus),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
