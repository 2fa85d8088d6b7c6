/*
 * Host unit test for vmm/boot/multiboot.c: finding the header (alignment, the
 * 8192-byte window, checksums), images described by the address fields and
 * ELF32 images built in memory, the flags the loader must refuse, the
 * placement rules, and the boot information structure read back from the
 * buffer with its guest-physical pointers rebased onto it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "vmm/boot/multiboot.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define FILE_MAX 0x6000U
#define RAM (64ULL << 20)
#define LOAD 0x100000U

static uint8_t file[FILE_MAX];

static void put32(size_t off, uint32_t v)
{
	memcpy(file + off, &v, 4);
}

static void put16(size_t off, uint16_t v)
{
	memcpy(file + off, &v, 2);
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

/* A header at `off` with a correct checksum (magic + flags + checksum == 0). */
static void put_header(size_t off, uint32_t flags)
{
	put32(off + MB_HDR_MAGIC, MB_HEADER_MAGIC);
	put32(off + MB_HDR_FLAGS, flags);
	put32(off + MB_HDR_CHECKSUM, 0U - MB_HEADER_MAGIC - flags);
}

/* The address fields, for a file whose byte 0 loads at `load`. */
static void put_address(size_t off, uint32_t load, uint32_t load_end, uint32_t bss_end,
			uint32_t entry)
{
	put_header(off, MB_FLAG_ADDRESS | MB_FLAG_MEMORY_INFO);
	put32(off + MB_HDR_HEADER_ADDR, load + (uint32_t)off);
	put32(off + MB_HDR_LOAD_ADDR, load);
	put32(off + MB_HDR_LOAD_END_ADDR, load_end);
	put32(off + MB_HDR_BSS_END_ADDR, bss_end);
	put32(off + MB_HDR_ENTRY_ADDR, entry);
}

static int parse(size_t size, uint64_t ram, struct mb_image *img, const char **why)
{
	*why = "unset";
	return mb_parse(file, size, ram, img, why);
}

static void expect_fail(size_t size, uint64_t ram, const char *word)
{
	struct mb_image img;
	const char *why;

	assert_int_equal(parse(size, ram, &img, &why), -1);
	assert_non_null(why);
	if (!strstr(why, word))
		fail_msg("expected \"%s\" in \"%s\"", word, why);
}

static void expect_segment(const struct mb_segment *s, uint64_t gpa, uint64_t off, uint64_t filesz,
			   uint64_t memsz)
{
	assert_int_equal(s->gpa, gpa);
	assert_int_equal(s->file_offset, off);
	assert_int_equal(s->filesz, filesz);
	assert_int_equal(s->memsz, memsz);
}

static int setup(void **state)
{
	memset(file, 0, sizeof(file));
	return 0;
}

/* ---------------------------------------------------------------- header --- */

static void test_header_offsets(void **state)
{
	static const size_t offsets[] = { 0, 4, 0x40, 0x1000, MB_HEADER_SEARCH - MB_HDR_SIZE_ADDRESS };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(offsets); i++) {
		struct mb_image img;
		const char *why;

		memset(file, 0, sizeof(file));
		put_address(offsets[i], LOAD, 0, 0, LOAD + 0x10);
		assert_int_equal(parse(0x4000, RAM, &img, &why), 0);
		assert_null(why);
		assert_int_equal(img.segment_count, 1);
		expect_segment(&img.segments[0], LOAD, 0, 0x4000, 0x4000);
		assert_int_equal(img.entry, LOAD + 0x10);
		assert_int_equal(img.header_flags, MB_FLAG_ADDRESS | MB_FLAG_MEMORY_INFO);
	}
}

static void test_header_not_found(void **state)
{
	expect_fail(0x4000, RAM, "no Multiboot header");
	/* Wholly outside the first 8192 bytes. */
	put_address(MB_HEADER_SEARCH, LOAD, 0, 0, LOAD);
	expect_fail(0x4000, RAM, "no Multiboot header");
	/* Straddling the end of the window: magic, flags and checksum not all inside. */
	memset(file, 0, sizeof(file));
	put_address(MB_HEADER_SEARCH - 8, LOAD, 0, 0, LOAD);
	expect_fail(0x4000, RAM, "no Multiboot header");
	/* Not 32-bit aligned. */
	memset(file, 0, sizeof(file));
	put_address(0x42, LOAD, 0, 0, LOAD);
	expect_fail(0x4000, RAM, "no Multiboot header");
	/* A file too short to hold one. */
	memset(file, 0, sizeof(file));
	put_header(0, MB_FLAG_ADDRESS);
	expect_fail(8, RAM, "no Multiboot header");
}

static void test_address_fields_past_window(void **state)
{
	/* magic/flags/checksum fit, the address fields do not. */
	put_address(MB_HEADER_SEARCH - 16, LOAD, 0, 0, LOAD);
	expect_fail(0x4000, RAM, "address fields");
	memset(file, 0, sizeof(file));
	put_address(0, LOAD, 0, 0, LOAD);
	expect_fail(24, RAM, "address fields");
}

static void test_bad_checksum(void **state)
{
	put_address(0, LOAD, 0, 0, LOAD);
	put32(MB_HDR_CHECKSUM, rd32(file + MB_HDR_CHECKSUM) + 1);
	expect_fail(0x4000, RAM, "checksum");
}

static void test_magic_with_bad_checksum_is_skipped(void **state)
{
	struct mb_image img;
	const char *why;

	/* The magic value inside code before the real header. */
	put32(0x10, MB_HEADER_MAGIC);
	put32(0x14, 0);
	put32(0x18, 0);
	put_address(0x20, LOAD, 0, 0, LOAD + 4);
	assert_int_equal(parse(0x2000, RAM, &img, &why), 0);
	assert_int_equal(img.entry, LOAD + 4);
	assert_int_equal(img.segments[0].gpa, LOAD);
}

/* ----------------------------------------------------------------- flags --- */

static void test_required_flags(void **state)
{
	unsigned bit;

	for (bit = 0; bit < 32; bit++) {
		struct mb_image img;
		const char *why;
		uint32_t flags = MB_FLAG_ADDRESS | (1U << bit);
		int rc;

		memset(file, 0, sizeof(file));
		put_address(0, LOAD, 0, 0, LOAD);
		put_header(0, flags);
		rc = parse(0x1000, RAM, &img, &why);
		if (bit >= 3 && bit <= 15) {
			assert_int_equal(rc, -1);
			assert_non_null(strstr(why, "requires"));
		} else {
			/* 0-2 we honour (or may ignore: video); 16-31 are optional. */
			assert_int_equal(rc, 0);
			assert_int_equal(img.header_flags, flags);
		}
	}
}

/* -------------------------------------------------------- address fields --- */

static void test_address_load_end_and_bss(void **state)
{
	struct mb_image img;
	const char *why;

	/* Load 0x1800 bytes of a 0x3000-byte file, bss to +0x5000. */
	put_address(0x100, 0x200000, 0x201800, 0x205000, 0x200100);
	assert_int_equal(parse(0x3000, RAM, &img, &why), 0);
	expect_segment(&img.segments[0], 0x200000, 0, 0x1800, 0x5000);
	assert_int_equal(img.lowest_gpa, 0x200000);
	assert_int_equal(img.highest_gpa, 0x205000);

	/* load_end_addr 0: the whole file; bss_end_addr 0: no bss. */
	put32(0x100 + MB_HDR_LOAD_END_ADDR, 0);
	put32(0x100 + MB_HDR_BSS_END_ADDR, 0);
	assert_int_equal(parse(0x3000, RAM, &img, &why), 0);
	expect_segment(&img.segments[0], 0x200000, 0, 0x3000, 0x3000);
	assert_int_equal(img.highest_gpa, 0x203000);

	/* load_end_addr 0 with a bss. */
	put32(0x100 + MB_HDR_BSS_END_ADDR, 0x210000);
	assert_int_equal(parse(0x3000, RAM, &img, &why), 0);
	expect_segment(&img.segments[0], 0x200000, 0, 0x3000, 0x10000);
}

static void test_address_load_offset(void **state)
{
	struct mb_image img;
	const char *why;

	/* The header at file 0x200 maps to 0x300100: loading starts at file 0x100. */
	put_address(0x200, 0, 0, 0, 0);
	put32(0x200 + MB_HDR_HEADER_ADDR, 0x300100);
	put32(0x200 + MB_HDR_LOAD_ADDR, 0x300000);
	put32(0x200 + MB_HDR_ENTRY_ADDR, 0x300000);
	assert_int_equal(parse(0x1100, RAM, &img, &why), 0);
	expect_segment(&img.segments[0], 0x300000, 0x100, 0x1000, 0x1000);
}

static void test_address_refusals(void **state)
{
	/* load_addr above header_addr. */
	put_address(0, LOAD, 0, 0, LOAD);
	put32(MB_HDR_LOAD_ADDR, LOAD + 4);
	expect_fail(0x1000, RAM, "load_addr is above header_addr");
	/* header_addr - load_addr larger than the header's offset. */
	memset(file, 0, sizeof(file));
	put_address(0x10, LOAD, 0, 0, LOAD);
	put32(0x10 + MB_HDR_LOAD_ADDR, LOAD - 0x100);
	expect_fail(0x1000, RAM, "before the beginning");
	/* load_end_addr past the file. */
	memset(file, 0, sizeof(file));
	put_address(0, LOAD, LOAD + 0x1001, 0, LOAD);
	expect_fail(0x1000, RAM, "past the end of the file");
	/* load_end_addr below load_addr. */
	put_address(0, LOAD, LOAD - 1, 0, LOAD);
	expect_fail(0x1000, RAM, "below load_addr");
	/* bss_end_addr below the loaded data. */
	put_address(0, LOAD, LOAD + 0x800, LOAD + 0x7ff, LOAD);
	expect_fail(0x1000, RAM, "bss_end_addr");
	put_address(0, LOAD, 0, LOAD + 0xfff, LOAD);
	expect_fail(0x1000, RAM, "bss_end_addr");
	/* Entry outside the image (bss included). */
	put_address(0, LOAD, 0, LOAD + 0x2000, LOAD + 0x2000);
	expect_fail(0x1000, RAM, "entry point");
	put_address(0, LOAD, 0, 0, LOAD - 1);
	expect_fail(0x1000, RAM, "entry point");
	/* Nothing to load. */
	put_address(0, LOAD, LOAD, 0, LOAD);
	expect_fail(0x1000, RAM, "loads nothing");
}

/* ------------------------------------------------------------- placement --- */

static void test_placement(void **state)
{
	struct mb_image img;
	const char *why;

	/* Below 1 MiB, or straddling it. */
	put_address(0, 0x8000, 0, 0, 0x8000);
	expect_fail(0x1000, RAM, "low 1 MiB");
	put_address(0, LOAD - 0x1000, 0, 0, LOAD);
	expect_fail(0x2000, RAM, "low 1 MiB");
	/* Above RAM, ending past RAM, ending exactly at RAM. */
	put_address(0, (uint32_t)RAM, 0, 0, (uint32_t)RAM);
	expect_fail(0x1000, RAM, "does not fit");
	put_address(0, (uint32_t)RAM - 0x1000, 0, (uint32_t)RAM + 1, (uint32_t)RAM - 0x1000);
	expect_fail(0x1000, RAM, "does not fit");
	put_address(0, (uint32_t)RAM - 0x1000, 0, (uint32_t)RAM, (uint32_t)RAM - 0x1000);
	assert_int_equal(parse(0x1000, RAM, &img, &why), 0);
	assert_int_equal(img.highest_gpa, RAM);
	/* A guest with less RAM than the image needs. */
	put_address(0, LOAD, 0, 0x180000, LOAD);
	expect_fail(0x1000, 0x17ffff, "does not fit");
	assert_int_equal(parse(0x1000, 0x180000, &img, &why), 0);
}

/* ------------------------------------------------------------------ ELF32 --- */

#define EH_SIZE 52
#define PH_SIZE 32
#define PH_OFF EH_SIZE

struct test_phdr {
	uint32_t type, offset, vaddr, paddr, filesz, memsz, flags, align;
};

/* An ELF32 i386 executable whose Multiboot header (no bit 16) is at 0x1000. */
static void build_elf(const struct test_phdr *ph, unsigned phnum, uint32_t entry)
{
	unsigned i;

	memset(file, 0, sizeof(file));
	memcpy(file, "\x7f" "ELF", 4);
	file[4] = 1; /* ELFCLASS32 */
	file[5] = 1; /* ELFDATA2LSB */
	file[6] = 1; /* EV_CURRENT */
	put16(16, 2); /* ET_EXEC */
	put16(18, 3); /* EM_386 */
	put32(20, 1);
	put32(24, entry);
	put32(28, PH_OFF);
	put16(40, EH_SIZE);
	put16(42, PH_SIZE);
	put16(44, (uint16_t)phnum);
	for (i = 0; i < phnum; i++) {
		const uint32_t f[8] = { ph[i].type, ph[i].offset, ph[i].vaddr, ph[i].paddr,
					ph[i].filesz, ph[i].memsz, ph[i].flags, ph[i].align };
		unsigned k;

		for (k = 0; k < 8; k++)
			put32(PH_OFF + i * PH_SIZE + k * 4, f[k]);
	}
	put_header(0x1000, MB_FLAG_PAGE_ALIGN | MB_FLAG_MEMORY_INFO);
}

/* text at 0x100000 (file 0x1000..0x3000), a PT_NOTE, data+bss at 0x104000. */
static const struct test_phdr elf_two[] = {
	{ 1, 0x1000, 0x100000, 0x100000, 0x2000, 0x2000, 5, 0x1000 },
	{ 4, 0x200, 0, 0, 0x20, 0x20, 4, 4 },
	{ 1, 0x3000, 0x104000, 0x104000, 0x800, 0x3000, 6, 0x1000 },
};

static void test_elf_valid(void **state)
{
	struct mb_image img;
	const char *why;

	build_elf(elf_two, ARRAY_SIZE(elf_two), 0x10000c);
	assert_int_equal(parse(0x4000, RAM, &img, &why), 0);
	assert_null(why);
	assert_int_equal(img.segment_count, 2);
	expect_segment(&img.segments[0], 0x100000, 0x1000, 0x2000, 0x2000);
	expect_segment(&img.segments[1], 0x104000, 0x3000, 0x800, 0x3000);
	assert_int_equal(img.entry, 0x10000c);
	assert_int_equal(img.lowest_gpa, 0x100000);
	assert_int_equal(img.highest_gpa, 0x107000);
	assert_int_equal(img.header_flags, MB_FLAG_PAGE_ALIGN | MB_FLAG_MEMORY_INFO);
}

static void test_elf_higher_half(void **state)
{
	/* Linked at 0xc0100000, loaded at 0x100000: the entry follows p_paddr. */
	static const struct test_phdr ph[] = {
		{ 1, 0x1000, 0xc0100000, 0x100000, 0x2000, 0x2000, 5, 0x1000 },
		{ 1, 0x3000, 0xc0200000, 0x200000, 0x1000, 0x1000, 6, 0x1000 },
	};
	struct mb_image img;
	const char *why;

	build_elf(ph, ARRAY_SIZE(ph), 0xc0200010);
	assert_int_equal(parse(0x4000, RAM, &img, &why), 0);
	expect_segment(&img.segments[0], 0x100000, 0x1000, 0x2000, 0x2000);
	expect_segment(&img.segments[1], 0x200000, 0x3000, 0x1000, 0x1000);
	assert_int_equal(img.entry, 0x200010);
}

static void test_elf_empty_segments_skipped(void **state)
{
	static const struct test_phdr ph[] = {
		{ 1, 0x1000, 0x100000, 0x100000, 0x1000, 0x1000, 5, 0x1000 },
		{ 1, 0x0, 0x0, 0x0, 0, 0, 6, 0x1000 }, /* memsz 0: below 1 MiB but occupies nothing */
	};
	struct mb_image img;
	const char *why;

	build_elf(ph, ARRAY_SIZE(ph), 0x100000);
	assert_int_equal(parse(0x4000, RAM, &img, &why), 0);
	assert_int_equal(img.segment_count, 1);
}

struct elf_case {
	const char *name;
	size_t off;   /* byte or word to change */
	uint32_t val;
	unsigned width; /* 1, 2 or 4 */
	const char *word;
};

static void test_elf_refusals(void **state)
{
	static const struct elf_case cases[] = {
		{ "magic", 1, 'e', 1, "must be ELF" },
		{ "class64", 4, 2, 1, "32-bit" },
		{ "big endian", 5, 2, 1, "32-bit" },
		{ "ident version", 6, 0, 1, "version" },
		{ "e_version", 20, 2, 4, "version" },
		{ "machine x86-64", 18, 62, 2, "i386" },
		{ "type dyn", 16, 3, 2, "executable" },
		{ "phentsize", 42, 56, 2, "e_phentsize" },
		{ "phnum 0", 44, 0, 2, "no program headers" },
		{ "phoff past file", 28, 0x3ff0, 4, "program headers lie outside" },
		{ "phoff huge", 28, 0xfffffff0, 4, "program headers lie outside" },
		{ "offset past file", PH_OFF + 4, 0x3800, 4, "past the end of the file" },
		{ "filesz past file", PH_OFF + 16, 0x3001, 4, "past the end of the file" },
		{ "offset wraps", PH_OFF + 4, 0xffffff00, 4, "past the end of the file" },
		{ "filesz > memsz", PH_OFF + 2 * PH_SIZE + 20, 0x7ff, 4, "filesz larger" },
		{ "entry outside", 24, 0x103000, 4, "entry point" },
		{ "entry below image", 24, 0x0ffffc, 4, "entry point" },
		{ "low 1 MiB", PH_OFF + 2 * PH_SIZE + 12, 0x9f000, 4, "low 1 MiB" },
		{ "overlap", PH_OFF + 2 * PH_SIZE + 12, 0x101000, 4, "overlap" },
		{ "above RAM", PH_OFF + 2 * PH_SIZE + 12, (uint32_t)RAM - 0x1000, 4, "does not fit" },
		{ "past 4 GiB", PH_OFF + 2 * PH_SIZE + 12, 0xfffff000, 4, "does not fit" },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct elf_case *c = &cases[i];
		struct mb_image img;
		const char *why;
		uint64_t ram = strcmp(c->name, "past 4 GiB") == 0 ? (8ULL << 30) : RAM;

		build_elf(elf_two, ARRAY_SIZE(elf_two), 0x10000c);
		if (c->width == 1)
			file[c->off] = (uint8_t)c->val;
		else if (c->width == 2)
			put16(c->off, (uint16_t)c->val);
		else
			put32(c->off, c->val);
		if (parse(0x4000, ram, &img, &why) != -1 || !strstr(why, c->word))
			fail_msg("case %s: expected \"%s\", got \"%s\"", c->name, c->word, why);
	}
}

static void test_elf_no_load(void **state)
{
	build_elf(elf_two, ARRAY_SIZE(elf_two), 0x10000c);
	put32(PH_OFF, 6);		/* PT_PHDR */
	put32(PH_OFF + 2 * PH_SIZE, 6);
	expect_fail(0x4000, RAM, "no PT_LOAD");
}

static void test_elf_too_many_segments(void **state)
{
	struct test_phdr ph[MB_MAX_SEGMENTS + 1];
	struct mb_image img;
	const char *why;
	unsigned i;

	for (i = 0; i < ARRAY_SIZE(ph); i++)
		ph[i] = (struct test_phdr){ 1, 0x1000, 0x100000 + i * 0x1000, 0x100000 + i * 0x1000,
					    0x100, 0x1000, 5, 0x1000 };
	build_elf(ph, MB_MAX_SEGMENTS, 0x100000);
	assert_int_equal(parse(0x4000, RAM, &img, &why), 0);
	assert_int_equal(img.segment_count, MB_MAX_SEGMENTS);
	assert_int_equal(img.highest_gpa, 0x100000 + MB_MAX_SEGMENTS * 0x1000);
	build_elf(ph, MB_MAX_SEGMENTS + 1, 0x100000);
	assert_int_equal(parse(0x4000, RAM, &img, &why), -1);
	assert_non_null(strstr(why, "too many"));
}

static void test_elf_with_address_flag_uses_fields(void **state)
{
	struct mb_image img;
	const char *why;

	/* Bit 16 wins over the ELF program headers (section 3.1.3). */
	build_elf(elf_two, ARRAY_SIZE(elf_two), 0x10000c);
	put_address(0x1000, 0x300000, 0, 0x310000, 0x300000);
	assert_int_equal(parse(0x4000, RAM, &img, &why), 0);
	assert_int_equal(img.segment_count, 1);
	expect_segment(&img.segments[0], 0x300000, 0, 0x4000, 0x10000);
}

/* ------------------------------------------------------------ information --- */

#define INFO_GPA 0x9000ULL

static uint8_t info[1024];

/* A guest-physical pointer from the structure, as an address in `info`. */
static const uint8_t *rebase(uint32_t gpa, size_t used, size_t len)
{
	assert_true(gpa >= INFO_GPA);
	assert_true(gpa - INFO_GPA <= used && len <= used - (gpa - INFO_GPA));
	return info + (gpa - INFO_GPA);
}

static const char *rebase_str(uint32_t gpa, size_t used)
{
	const char *s = (const char *)rebase(gpa, used, 1);

	assert_non_null(memchr(s, 0, used - (gpa - INFO_GPA)));
	return s;
}

static void expect_mmap(const uint8_t *e, uint64_t base, uint64_t len, uint32_t type)
{
	assert_int_equal(rd32(e), 20);
	assert_int_equal(rd64(e + 4), base);
	assert_int_equal(rd64(e + 12), len);
	assert_int_equal(rd32(e + 20), type);
}

static void test_info_fields(void **state)
{
	uint64_t ram = 256ULL << 20;
	size_t used;
	const uint8_t *mmap;
	uint32_t mmap_len;

	memset(info, 0xa5, sizeof(info));
	used = mb_build_info(info, sizeof(info), INFO_GPA, ram, "console=ttyS0 quiet", NULL);
	assert_true(used >= MB_INFO_SIZE && used < sizeof(info));
	assert_int_equal(rd32(info + MB_INFO_FLAGS),
			 MB_INFO_MEM | MB_INFO_CMDLINE | MB_INFO_MMAP | MB_INFO_BOOT_LOADER_NAME);
	assert_int_equal(rd32(info + MB_INFO_MEM_LOWER), 639);
	assert_int_equal(rd32(info + MB_INFO_MEM_UPPER), (ram - 0x100000) / 1024);
	assert_string_equal(rebase_str(rd32(info + MB_INFO_CMDLINE_ADDR), used), "console=ttyS0 quiet");
	assert_string_equal(rebase_str(rd32(info + MB_INFO_BOOT_LOADER_NAME_ADDR), used), "hv");
	assert_int_equal(rd32(info + MB_INFO_MODS_COUNT), 0);
	assert_int_equal(rd32(info + MB_INFO_MODS_ADDR), 0);
	/* Fields we do not fill stay zero: boot_device, syms, drives, config, APM, VBE. */
	assert_int_equal(rd32(info + 12), 0);
	assert_int_equal(rd32(info + 28), 0);
	assert_int_equal(rd32(info + 52), 0);
	assert_int_equal(rd32(info + 56), 0);
	assert_int_equal(rd32(info + 60), 0);
	assert_int_equal(rd32(info + 68), 0);
	assert_int_equal(rd32(info + 88), 0);
	assert_int_equal(rd32(info + 112), 0);

	mmap_len = rd32(info + MB_INFO_MMAP_LENGTH);
	assert_int_equal(mmap_len, 3 * 24);
	mmap = rebase(rd32(info + MB_INFO_MMAP_ADDR), used, mmap_len);
	expect_mmap(mmap, 0, 0x9fc00, MB_MMAP_AVAILABLE);
	expect_mmap(mmap + 24, 0x9fc00, 0x100000 - 0x9fc00, MB_MMAP_RESERVED);
	expect_mmap(mmap + 48, 0x100000, ram - 0x100000, MB_MMAP_AVAILABLE);
	/* mem_lower and mem_upper agree with the map (section 3.3). */
	assert_int_equal(rd32(info + MB_INFO_MEM_LOWER) * 1024ULL, rd64(mmap + 12));
	assert_int_equal(rd32(info + MB_INFO_MEM_UPPER) * 1024ULL + 0x100000,
			 rd64(mmap + 48 + 4) + rd64(mmap + 48 + 12));
}

static void test_info_pointers_follow_gpa(void **state)
{
	uint8_t other[sizeof(info)];
	size_t used, used2;

	used = mb_build_info(info, sizeof(info), INFO_GPA, RAM, "x", NULL);
	used2 = mb_build_info(other, sizeof(other), INFO_GPA + 0x100000, RAM, "x", NULL);
	assert_int_equal(used, used2);
	assert_int_equal(rd32(other + MB_INFO_CMDLINE_ADDR), rd32(info + MB_INFO_CMDLINE_ADDR) + 0x100000);
	assert_int_equal(rd32(other + MB_INFO_MMAP_ADDR), rd32(info + MB_INFO_MMAP_ADDR) + 0x100000);
	assert_int_equal(rd32(other + MB_INFO_BOOT_LOADER_NAME_ADDR),
			 rd32(info + MB_INFO_BOOT_LOADER_NAME_ADDR) + 0x100000);
}

static void test_info_null_cmdline(void **state)
{
	size_t used = mb_build_info(info, sizeof(info), INFO_GPA, RAM, NULL, NULL);

	assert_true(used > 0);
	assert_int_equal(rd32(info + MB_INFO_FLAGS) & MB_INFO_CMDLINE, MB_INFO_CMDLINE);
	assert_string_equal(rebase_str(rd32(info + MB_INFO_CMDLINE_ADDR), used), "");
}

static void test_info_module(void **state)
{
	const struct mb_module mod = { .gpa = 0x800000, .size = 0x12345,
				       .string = "initrd.img root=/dev/ram0" };
	size_t used;
	const uint8_t *m;

	used = mb_build_info(info, sizeof(info), INFO_GPA, RAM, "k", &mod);
	assert_true(used > 0);
	assert_int_equal(rd32(info + MB_INFO_FLAGS),
			 MB_INFO_MEM | MB_INFO_CMDLINE | MB_INFO_MMAP | MB_INFO_BOOT_LOADER_NAME | MB_INFO_MODS);
	assert_int_equal(rd32(info + MB_INFO_MODS_COUNT), 1);
	m = rebase(rd32(info + MB_INFO_MODS_ADDR), used, 16);
	assert_int_equal(rd32(m), 0x800000);
	assert_int_equal(rd32(m + 4), 0x800000 + 0x12345);
	assert_string_equal(rebase_str(rd32(m + 8), used), "initrd.img root=/dev/ram0");
	assert_int_equal(rd32(m + 12), 0);
	assert_string_equal(rebase_str(rd32(info + MB_INFO_CMDLINE_ADDR), used), "k");
	/* The module entry does not overlap the map or the strings. */
	assert_true(m >= info + MB_INFO_SIZE);
	assert_true(rd32(info + MB_INFO_MODS_ADDR) >=
			    rd32(info + MB_INFO_MMAP_ADDR) + rd32(info + MB_INFO_MMAP_LENGTH) ||
		    rd32(info + MB_INFO_MODS_ADDR) + 16 <= rd32(info + MB_INFO_MMAP_ADDR));

	/* No string: an empty one. */
	used = mb_build_info(info, sizeof(info), INFO_GPA, RAM, "k",
			     &(struct mb_module){ .gpa = 0x800000, .size = 1, .string = NULL });
	assert_true(used > 0);
	m = rebase(rd32(info + MB_INFO_MODS_ADDR), used, 16);
	assert_string_equal(rebase_str(rd32(m + 8), used), "");

	/* A module reaching 4 GiB cannot be described. */
	assert_int_equal(mb_build_info(info, sizeof(info), INFO_GPA, 8ULL << 30, "k",
				       &(struct mb_module){ .gpa = 0xfffff000, .size = 0x1000 }), 0);
	assert_true(mb_build_info(info, sizeof(info), INFO_GPA, 8ULL << 30, "k",
				  &(struct mb_module){ .gpa = 0xfffff000, .size = 0xfff }) > 0);
}

static void test_info_too_small(void **state)
{
	const struct mb_module mod = { .gpa = 0x800000, .size = 0x1000, .string = "mod" };
	size_t need = mb_build_info(info, sizeof(info), INFO_GPA, RAM, "cmd", &mod);
	size_t n;

	assert_true(need > 0);
	for (n = 0; n < need; n++) {
		memset(info, 0xa5, sizeof(info));
		assert_int_equal(mb_build_info(info, n, INFO_GPA, RAM, "cmd", &mod), 0);
		/* Nothing is written when it does not fit. */
		assert_int_equal(info[0], 0xa5);
	}
	assert_int_equal(mb_build_info(info, need, INFO_GPA, RAM, "cmd", &mod), need);
}

static void test_info_refusals(void **state)
{
	/* No RAM above 1 MiB: nothing for mem_upper or a kernel. */
	assert_int_equal(mb_build_info(info, sizeof(info), INFO_GPA, 0x100000, "", NULL), 0);
	assert_true(mb_build_info(info, sizeof(info), INFO_GPA, 0x101000, "", NULL) > 0);
	/* The structure must lie below 4 GiB: its pointers are 32 bits. */
	assert_int_equal(mb_build_info(info, sizeof(info), 0xffffff80ULL, 8ULL << 30, "", NULL), 0);
	assert_int_equal(mb_build_info(info, sizeof(info), 0x100000000ULL, 8ULL << 30, "", NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_header_offsets, setup),
		cmocka_unit_test_setup(test_header_not_found, setup),
		cmocka_unit_test_setup(test_address_fields_past_window, setup),
		cmocka_unit_test_setup(test_bad_checksum, setup),
		cmocka_unit_test_setup(test_magic_with_bad_checksum_is_skipped, setup),
		cmocka_unit_test_setup(test_required_flags, setup),
		cmocka_unit_test_setup(test_address_load_end_and_bss, setup),
		cmocka_unit_test_setup(test_address_load_offset, setup),
		cmocka_unit_test_setup(test_address_refusals, setup),
		cmocka_unit_test_setup(test_placement, setup),
		cmocka_unit_test_setup(test_elf_valid, setup),
		cmocka_unit_test_setup(test_elf_higher_half, setup),
		cmocka_unit_test_setup(test_elf_empty_segments_skipped, setup),
		cmocka_unit_test_setup(test_elf_refusals, setup),
		cmocka_unit_test_setup(test_elf_no_load, setup),
		cmocka_unit_test_setup(test_elf_too_many_segments, setup),
		cmocka_unit_test_setup(test_elf_with_address_flag_uses_fields, setup),
		cmocka_unit_test(test_info_fields),
		cmocka_unit_test(test_info_pointers_follow_gpa),
		cmocka_unit_test(test_info_null_cmdline),
		cmocka_unit_test(test_info_module),
		cmocka_unit_test(test_info_too_small),
		cmocka_unit_test(test_info_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
