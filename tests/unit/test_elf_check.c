/*
 * Host tests for boot/elf_check.c. A small valid kernel image (text and
 * data segments at -2 GiB, as our kernel links) is built in memory; each
 * table entry breaks one field and names a word the error must contain.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "boot/elf_check.h"

#define IMG_SIZE 0x4000U
#define TEXT_VA 0xffffffff80001000ULL
#define DATA_VA 0xffffffff80002000ULL
#define MAX_PHDRS 10

struct test_elf {
	_Alignas(8) uint8_t bytes[IMG_SIZE];
	size_t size;
};

static struct elf64_ehdr *ehdr(struct test_elf *t)
{
	return (struct elf64_ehdr *)t->bytes;
}

static struct elf64_phdr *phdr(struct test_elf *t)
{
	return (struct elf64_phdr *)(t->bytes + sizeof(struct elf64_ehdr));
}

/* text: file 0x1000..0x2000 R-X; data: file 0x2000..0x2800, memsz 0x3000, RW-. */
static void build(struct test_elf *t)
{
	struct elf64_ehdr *eh = ehdr(t);
	struct elf64_phdr *ph = phdr(t);

	memset(t, 0, sizeof(*t));
	t->size = IMG_SIZE;
	memcpy(eh->e_ident, "\x7f" "ELF", 4);
	eh->e_ident[4] = ELF_ELFCLASS64;
	eh->e_ident[5] = ELF_ELFDATA2LSB;
	eh->e_ident[6] = ELF_EV_CURRENT;
	eh->e_type = ELF_ET_EXEC;
	eh->e_machine = ELF_EM_X86_64;
	eh->e_version = ELF_EV_CURRENT;
	eh->e_entry = TEXT_VA + 0x10;
	eh->e_phoff = sizeof(*eh);
	eh->e_ehsize = sizeof(*eh);
	eh->e_phentsize = sizeof(*ph);
	eh->e_phnum = 2;
	ph[0] = (struct elf64_phdr){ .p_type = ELF_PT_LOAD, .p_flags = ELF_PF_R | ELF_PF_X,
				     .p_offset = 0x1000, .p_vaddr = TEXT_VA, .p_paddr = 0x1000,
				     .p_filesz = 0x1000, .p_memsz = 0x1000, .p_align = 0x1000 };
	ph[1] = (struct elf64_phdr){ .p_type = ELF_PT_LOAD, .p_flags = ELF_PF_R | ELF_PF_W,
				     .p_offset = 0x2000, .p_vaddr = DATA_VA, .p_paddr = 0x2000,
				     .p_filesz = 0x800, .p_memsz = 0x3000, .p_align = 0x1000 };
}

static int check(struct test_elf *t, struct elf_image *img, const char **why)
{
	return elf_check(t->bytes, t->size, img, why);
}

static void test_valid(void **state)
{
	struct test_elf t;
	struct elf_image img;
	const char *why = "unset";

	build(&t);
	assert_int_equal(check(&t, &img, &why), 0);
	assert_null(why);
	assert_int_equal(img.entry, TEXT_VA + 0x10);
	assert_int_equal(img.segment_count, 2);
	assert_int_equal(img.vaddr_min, TEXT_VA);
	assert_int_equal(img.vaddr_max, DATA_VA + 0x3000);
	assert_int_equal(img.segments[0].vaddr, TEXT_VA);
	assert_int_equal(img.segments[0].offset, 0x1000);
	assert_int_equal(img.segments[0].filesz, 0x1000);
	assert_int_equal(img.segments[0].flags, ELF_PF_R | ELF_PF_X);
	assert_int_equal(img.segments[1].vaddr, DATA_VA);
	assert_int_equal(img.segments[1].filesz, 0x800);
	assert_int_equal(img.segments[1].memsz, 0x3000);
	assert_int_equal(img.segments[1].flags, ELF_PF_R | ELF_PF_W);
}

static void test_valid_variants(void **state)
{
	static uint8_t unaligned[IMG_SIZE + 1];
	struct test_elf t;
	struct elf_image img;
	const char *why;

	/* Unaligned buffer. */
	build(&t);
	memcpy(unaligned + 1, t.bytes, IMG_SIZE);
	assert_int_equal(elf_check(unaligned + 1, IMG_SIZE, &img, &why), 0);

	/* Non-LOAD headers are ignored even with wild fields; empty PT_LOADs skipped. */
	build(&t);
	ehdr(&t)->e_phnum = 4;
	phdr(&t)[2] = (struct elf64_phdr){ .p_type = 4, .p_flags = 7,
					   .p_offset = ~0ULL, .p_filesz = ~0ULL };
	phdr(&t)[3] = (struct elf64_phdr){ .p_type = ELF_PT_LOAD, .p_vaddr = 0x1234 };
	assert_int_equal(check(&t, &img, &why), 0);
	assert_int_equal(img.segment_count, 2);

	/* Segment not starting on a page: the span is still page-aligned. */
	build(&t);
	phdr(&t)[0].p_offset = 0x1040;
	phdr(&t)[0].p_vaddr = TEXT_VA + 0x40;
	phdr(&t)[0].p_filesz = phdr(&t)[0].p_memsz = 0xfc0;
	phdr(&t)[1].p_memsz = 0x2801;
	ehdr(&t)->e_entry = TEXT_VA + 0x40;
	assert_int_equal(check(&t, &img, &why), 0);
	assert_int_equal(img.vaddr_min, TEXT_VA);
	assert_int_equal(img.vaddr_max, DATA_VA + 0x3000);

	/* Span of exactly 256 MiB is allowed; data ending at the last byte of it. */
	build(&t);
	phdr(&t)[1].p_vaddr = TEXT_VA + (256ULL << 20) - 0x3000;
	assert_int_equal(check(&t, &img, &why), 0);
	assert_int_equal(img.vaddr_max - img.vaddr_min, 256ULL << 20);

	/* Entry on the last byte of text; file exactly as long as the last segment. */
	build(&t);
	ehdr(&t)->e_entry = TEXT_VA + 0xfff;
	t.size = 0x2800;
	assert_int_equal(check(&t, &img, &why), 0);

	/* Eight PT_LOADs is the limit, not an error. */
	build(&t);
	ehdr(&t)->e_phnum = 8;
	for (int i = 0; i < 8; i++)
		phdr(&t)[i] = (struct elf64_phdr){ .p_type = ELF_PT_LOAD, .p_flags = ELF_PF_R | ELF_PF_X,
						   .p_offset = 0x1000, .p_vaddr = TEXT_VA + 0x1000ULL * i,
						   .p_filesz = 0x100, .p_memsz = 0x1000 };
	assert_int_equal(check(&t, &img, &why), 0);
	assert_int_equal(img.segment_count, 8);
	assert_int_equal(img.segments[7].vaddr, TEXT_VA + 0x7000);

	/* A NULL `why` is allowed. */
	build(&t);
	assert_int_equal(elf_check(t.bytes, t.size, &img, NULL), 0);
	ehdr(&t)->e_machine = 3;
	assert_int_equal(elf_check(t.bytes, t.size, &img, NULL), -1);
}

typedef void (*mutate_fn)(struct test_elf *t, struct elf64_ehdr *eh, struct elf64_phdr *ph);

#define MUTATOR(name, body)                                                          \
	static void name(struct test_elf *t, struct elf64_ehdr *eh, struct elf64_phdr *ph) \
	{                                                                            \
		(void)t, (void)eh, (void)ph;                                         \
		body;                                                                \
	}

MUTATOR(m_empty, t->size = 0)
MUTATOR(m_short, t->size = sizeof(struct elf64_ehdr) - 1)
MUTATOR(m_magic, eh->e_ident[1] = 'e')
MUTATOR(m_class32, eh->e_ident[4] = 1)
MUTATOR(m_big_endian, eh->e_ident[5] = 2)
MUTATOR(m_ident_version, eh->e_ident[6] = 0)
MUTATOR(m_version, eh->e_version = 2)
MUTATOR(m_machine, eh->e_machine = 3)
MUTATOR(m_type_dyn, eh->e_type = 3)
MUTATOR(m_phentsize, eh->e_phentsize = 32)
MUTATOR(m_phoff_past_end, eh->e_phoff = IMG_SIZE + 8)
MUTATOR(m_phoff_huge, eh->e_phoff = ~0ULL - 8)
MUTATOR(m_phdrs_cross_end, eh->e_phoff = IMG_SIZE - sizeof(struct elf64_phdr))
MUTATOR(m_phnum_huge, eh->e_phnum = 0xffff)
MUTATOR(m_phnum_zero, eh->e_phnum = 0)
MUTATOR(m_no_load, ph[0].p_type = 4; ph[1].p_type = 6)
MUTATOR(m_filesz_past_end, ph[1].p_filesz = IMG_SIZE - 0x2000 + 1; ph[1].p_memsz = 0x4000)
MUTATOR(m_offset_past_end, ph[1].p_offset = IMG_SIZE + 0x1000; ph[1].p_filesz = 0)
MUTATOR(m_offset_wraps, ph[1].p_offset = ~0ULL - 0xfff)
MUTATOR(m_filesz_wraps, ph[1].p_filesz = ph[1].p_memsz = 0ULL - 0x1000)
MUTATOR(m_filesz_gt_memsz, ph[1].p_filesz = 0x1000; ph[1].p_memsz = 0x800)
MUTATOR(m_vaddr_wraps, ph[1].p_vaddr = 0xfffffffffffff000ULL)
/* Ends at 2^64 - 1 exactly: the sum fits, the page round-up would wrap. */
MUTATOR(m_vaddr_top_page, ph[1].p_vaddr = 0xfffffffffffff801ULL; ph[1].p_offset = 0x2801;
	ph[1].p_filesz = ph[1].p_memsz = 0x7fe)
MUTATOR(m_incongruent, ph[1].p_vaddr += 0x10)
MUTATOR(m_overlap_same, ph[1].p_vaddr = TEXT_VA)
MUTATOR(m_overlap_partial, ph[0].p_memsz = 0x1001)
MUTATOR(m_overlap_contains, ph[1].p_vaddr = TEXT_VA - 0x1000; ph[1].p_memsz = 0x10000)
MUTATOR(m_entry_before, eh->e_entry = TEXT_VA - 1)
MUTATOR(m_entry_end, eh->e_entry = TEXT_VA + 0x1000)
MUTATOR(m_entry_in_data, eh->e_entry = DATA_VA + 0x10)
MUTATOR(m_entry_zero, eh->e_entry = 0)
MUTATOR(m_span, ph[1].p_vaddr = TEXT_VA + (256ULL << 20) - 0x2000)
MUTATOR(m_wx_data, ph[1].p_flags = ELF_PF_R | ELF_PF_W | ELF_PF_X)
MUTATOR(m_wx_text, ph[0].p_flags = ELF_PF_W | ELF_PF_X)

/* Nine small PT_LOADs, one page each, all inside the file. */
static void m_nine_loads(struct test_elf *t, struct elf64_ehdr *eh, struct elf64_phdr *ph)
{
	int i;

	eh->e_phnum = 9;
	for (i = 0; i < 9; i++)
		ph[i] = (struct elf64_phdr){ .p_type = ELF_PT_LOAD, .p_flags = ELF_PF_R | ELF_PF_X,
					     .p_offset = 0x1000, .p_vaddr = TEXT_VA + 0x1000ULL * i,
					     .p_filesz = 0x100, .p_memsz = 0x1000 };
}

static const struct {
	const char *name;
	mutate_fn mutate;
	const char *want; /* a word the message must contain */
} bad_cases[] = {
	{ "empty file", m_empty, "too small" },
	{ "short header", m_short, "too small" },
	{ "bad magic", m_magic, "magic" },
	{ "ELFCLASS32", m_class32, "ELFCLASS64" },
	{ "big endian", m_big_endian, "little-endian" },
	{ "e_ident version", m_ident_version, "version" },
	{ "e_version", m_version, "version" },
	{ "i386", m_machine, "x86-64" },
	{ "ET_DYN", m_type_dyn, "ET_EXEC" },
	{ "phentsize", m_phentsize, "e_phentsize" },
	{ "phoff past end", m_phoff_past_end, "program headers" },
	{ "phoff near 2^64", m_phoff_huge, "program headers" },
	{ "phdrs cross end", m_phdrs_cross_end, "program headers" },
	{ "phnum 65535", m_phnum_huge, "program headers" },
	{ "phnum 0", m_phnum_zero, "no PT_LOAD" },
	{ "no PT_LOAD", m_no_load, "no PT_LOAD" },
	{ "nine PT_LOAD", m_nine_loads, "too many" },
	{ "filesz past end", m_filesz_past_end, "outside the file" },
	{ "offset past end", m_offset_past_end, "outside the file" },
	{ "offset + filesz wraps", m_offset_wraps, "outside the file" },
	{ "offset + filesz wraps to inside", m_filesz_wraps, "outside the file" },
	{ "filesz > memsz", m_filesz_gt_memsz, "filesz" },
	{ "vaddr + memsz wraps", m_vaddr_wraps, "overflow" },
	{ "end rounds past 2^64", m_vaddr_top_page, "overflow" },
	{ "vaddr/offset incongruent", m_incongruent, "modulo 4096" },
	{ "same vaddr", m_overlap_same, "overlap" },
	{ "one byte overlap", m_overlap_partial, "overlap" },
	{ "data contains text", m_overlap_contains, "overlap" },
	{ "entry below text", m_entry_before, "entry point" },
	{ "entry one past text", m_entry_end, "entry point" },
	{ "entry in data", m_entry_in_data, "entry point" },
	{ "entry 0", m_entry_zero, "entry point" },
	{ "span > 256 MiB", m_span, "256 MiB" },
	{ "RWX data", m_wx_data, "W^X" },
	{ "WX text", m_wx_text, "W^X" },
};

static void test_bad(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		struct test_elf t;
		struct elf_image img;
		const char *why = NULL;
		int rc;

		build(&t);
		bad_cases[i].mutate(&t, ehdr(&t), phdr(&t));
		rc = check(&t, &img, &why);
		if (rc != -1 || !why || !strstr(why, bad_cases[i].want))
			fail_msg("case '%s': rc %d, why '%s', want '%s'", bad_cases[i].name,
				 rc, why ? why : "(null)", bad_cases[i].want);
	}
}

/* Every truncation of a valid image is refused without reading past it (ASan). */
static void test_truncations(void **state)
{
	struct test_elf t;
	struct elf_image img;
	const char *why;
	size_t len;

	build(&t);
	for (len = 0; len < 0x2800; len++) {
		uint8_t *copy = malloc(len ? len : 1);

		memcpy(copy, t.bytes, len);
		assert_int_equal(elf_check(copy, len, &img, &why), -1);
		assert_non_null(why);
		free(copy);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_valid_variants),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_truncations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
