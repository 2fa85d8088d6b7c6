/*
 * Host unit test for mm/ept.c: page-size choice, split on partial unmap
 * and protect, argument checks, allocation failure, freeing of tables,
 * and a fixed-seed random run checked page by page against a flat model.
 *
 * Table pages come from aligned_alloc; "physical" addresses are the host
 * pointers, so ASan sees every table access.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mm/ept.h"

#define KIB 0x400UL
#define MIB 0x100000UL
#define GIB 0x40000000UL
#define PAGE 0x1000UL

/* ------------------------------------------------- test environment --- */

struct test_env {
	uint64_t allocs;
	uint64_t frees;
	long fail_after; /* allocations that still succeed; negative: never fail */
};

static uint64_t env_alloc(void *ctx)
{
	struct test_env *te = ctx;
	void *p;

	if (te->fail_after == 0)
		return 0;
	if (te->fail_after > 0)
		te->fail_after--;
	p = aligned_alloc(PAGE, PAGE);
	assert_non_null(p);
	memset(p, 0, PAGE);
	te->allocs++;
	return (uint64_t)(uintptr_t)p;
}

static void env_free(void *ctx, uint64_t phys)
{
	struct test_env *te = ctx;

	assert_int_equal(phys & (PAGE - 1), 0);
	te->frees++;
	free((void *)(uintptr_t)phys);
}

static void *env_virt(void *ctx, uint64_t phys)
{
	return (void *)(uintptr_t)phys;
}

struct fixture {
	struct test_env te;
	struct ept ept;
};

static void fx_init(struct fixture *fx, bool allow_2m, bool allow_1g)
{
	struct ept_env env = {
		.alloc_table = env_alloc,
		.free_table = env_free,
		.phys_to_virt = env_virt,
		.ctx = &fx->te,
	};

	memset(fx, 0, sizeof(*fx));
	fx->te.fail_after = -1;
	assert_int_equal(ept_init(&fx->ept, &env, allow_2m, allow_1g), 0);
	assert_int_equal(fx->ept.table_pages, 1);
}

/* Destroys and checks that every table page came back. */
static void fx_fini(struct fixture *fx)
{
	assert_int_equal(fx->ept.table_pages, fx->te.allocs - fx->te.frees);
	ept_destroy(&fx->ept);
	assert_int_equal(fx->te.allocs, fx->te.frees);
	assert_int_equal(fx->ept.table_pages, 0);
}

/*
 * Walks the tables the way the CPU does (SDM 28.2.2, 28.2.3), independently
 * of ept_translate: permissions are the AND over all levels, reserved bits
 * must be clear (else the CPU reports an EPT misconfiguration, and so do we
 * with a test failure). Returns false if @gpa is not mapped.
 */
static bool hw_walk(const struct ept *ept, uint64_t gpa, uint64_t *hpa, uint32_t *perms,
		    uint8_t *mt, uint64_t *size)
{
	uint64_t table = ept->pml4_phys;
	uint32_t p = EPT_RWX;

	for (int level = 4; level >= 1; level--) {
		const uint64_t *t = (const uint64_t *)(uintptr_t)table;
		uint64_t e = t[(gpa >> (12 + 9 * (level - 1))) & 511];
		uint64_t page = PAGE << (9 * (level - 1));
		bool leaf = level == 1 || (e & EPT_ENTRY_LARGE);

		if (!(e & EPT_RWX))
			return false;
		if ((e & EPT_RWX) == EPT_W || (e & EPT_RWX) == (EPT_W | EPT_X))
			fail_msg("level %d entry %#lx: write without read", level, (unsigned long)e);
		if (level == 4 && (e & EPT_ENTRY_LARGE))
			fail_msg("PML4E with bit 7 set");
		if (!leaf && (e & 0xf8U))
			fail_msg("level %d table entry %#lx: bits 7:3 not zero", level, (unsigned long)e);
		if (leaf && (e & EPT_ENTRY_ADDR_MASK & (page - 1)))
			fail_msg("level %d leaf %#lx: reserved address bits set", level, (unsigned long)e);
		if (e & 0xfff0000000000000UL)
			fail_msg("level %d entry %#lx: high bits set", level, (unsigned long)e);
		p &= (uint32_t)e & EPT_RWX;
		if (leaf) {
			uint8_t type = (uint8_t)((e >> 3) & 7);

			if (type == 2 || type == 3 || type == 7)
				fail_msg("leaf %#lx: reserved memory type", (unsigned long)e);
			*hpa = (e & EPT_ENTRY_ADDR_MASK) | (gpa & (page - 1));
			*perms = p;
			*mt = type;
			*size = page;
			return true;
		}
		table = e & EPT_ENTRY_ADDR_MASK;
	}
	return false;
}

/* Asserts @gpa maps to @hpa with @perms, @mt and a page of @size. */
static void check_map(struct ept *ept, uint64_t gpa, uint64_t hpa, uint32_t perms, uint8_t mt,
		      uint64_t size)
{
	uint64_t got_hpa = 0, got_size = 0, e, e_size = 0;
	uint32_t got_perms = 0;
	uint8_t got_mt = 0;

	assert_int_equal(ept_translate(ept, gpa, &got_hpa, &got_perms, &got_size), 0);
	assert_int_equal(got_hpa, hpa);
	assert_int_equal(got_perms, perms);
	assert_int_equal(got_size, size);
	e = ept_lookup(ept, gpa, &e_size);
	assert_int_equal(e_size, size);
	assert_int_equal((e & EPT_ENTRY_MT_MASK) >> EPT_ENTRY_MT_SHIFT, mt);
	assert_true(e & EPT_ENTRY_IGNORE_PAT);
	assert_int_equal(!!(e & EPT_ENTRY_LARGE), size != PAGE);
	assert_true(hw_walk(ept, gpa, &got_hpa, &got_perms, &got_mt, &got_size));
	assert_int_equal(got_hpa, hpa);
	assert_int_equal(got_perms, perms);
	assert_int_equal(got_mt, mt);
	assert_int_equal(got_size, size);
}

static void check_unmapped(struct ept *ept, uint64_t gpa)
{
	uint64_t hpa = 0xdead, size;
	uint32_t perms;
	uint8_t mt;

	assert_int_equal(ept_translate(ept, gpa, &hpa, NULL, NULL), -1);
	assert_int_equal(ept_lookup(ept, gpa, NULL), 0);
	assert_false(hw_walk(ept, gpa, &hpa, &perms, &mt, &size));
}

/* ------------------------------------------------------ basic maps --- */

static void test_init_and_eptp(void **state)
{
	struct fixture fx;
	struct test_env te = { .fail_after = 0 };
	struct ept_env env = { env_alloc, env_free, env_virt, &te };
	struct ept ept;

	fx_init(&fx, true, true);
	/* WB (6) in 2:0, walk length 4 as 3 in 5:3, no A/D (bit 6). */
	assert_int_equal(ept_eptp(&fx.ept), fx.ept.pml4_phys | 0x1eU);
	assert_int_equal(fx.ept.pml4_phys & 0xfffU, 0);
	fx_fini(&fx);

	/* No memory for the PML4, or a missing callback. */
	assert_int_equal(ept_init(&ept, &env, true, true), -1);
	assert_int_equal(te.allocs, 0);
	te.fail_after = -1;
	env.phys_to_virt = NULL;
	assert_int_equal(ept_init(&ept, &env, true, true), -1);
	assert_int_equal(te.allocs, 0);
}

static void test_map_4k(void **state)
{
	struct fixture fx;

	fx_init(&fx, true, true);
	assert_int_equal(ept_map(&fx.ept, 0x1000, 0x5000, PAGE, EPT_R | EPT_W, EPT_MT_WB), 0);
	check_map(&fx.ept, 0x1000, 0x5000, EPT_R | EPT_W, EPT_MT_WB, PAGE);
	check_map(&fx.ept, 0x1abc, 0x5abc, EPT_R | EPT_W, EPT_MT_WB, PAGE);
	check_unmapped(&fx.ept, 0x0);
	check_unmapped(&fx.ept, 0x2000);
	/* PML4 + PDPT + PD + PT. */
	assert_int_equal(fx.ept.table_pages, 4);

	/* High in the 48-bit space, execute-only, UC. */
	assert_int_equal(ept_map(&fx.ept, 0xfffffffff000UL, 0xfee00000UL, PAGE, EPT_X, EPT_MT_UC), 0);
	check_map(&fx.ept, 0xfffffffff123UL, 0xfee00123UL, EPT_X, EPT_MT_UC, PAGE);
	assert_int_equal(fx.ept.table_pages, 7);
	fx_fini(&fx);
}

static void test_map_2m(void **state)
{
	struct fixture fx;

	fx_init(&fx, true, false);
	assert_int_equal(ept_map(&fx.ept, 2 * MIB, GIB, 2 * MIB, EPT_RWX, EPT_MT_WB), 0);
	check_map(&fx.ept, 2 * MIB, GIB, EPT_RWX, EPT_MT_WB, 2 * MIB);
	check_map(&fx.ept, 4 * MIB - 1, GIB + 2 * MIB - 1, EPT_RWX, EPT_MT_WB, 2 * MIB);
	check_unmapped(&fx.ept, 4 * MIB);
	check_unmapped(&fx.ept, 2 * MIB - 1);
	assert_int_equal(fx.ept.table_pages, 3);
	fx_fini(&fx);

	/* Without 2 MiB support the same map takes 512 small pages. */
	fx_init(&fx, false, false);
	assert_int_equal(ept_map(&fx.ept, 2 * MIB, GIB, 2 * MIB, EPT_RWX, EPT_MT_WB), 0);
	check_map(&fx.ept, 3 * MIB, GIB + MIB, EPT_RWX, EPT_MT_WB, PAGE);
	assert_int_equal(fx.ept.table_pages, 4);
	fx_fini(&fx);
}

static void test_map_1g(void **state)
{
	struct fixture fx;

	fx_init(&fx, true, true);
	assert_int_equal(ept_map(&fx.ept, GIB, 4 * GIB, GIB, EPT_R | EPT_X, EPT_MT_WT), 0);
	check_map(&fx.ept, GIB, 4 * GIB, EPT_R | EPT_X, EPT_MT_WT, GIB);
	check_map(&fx.ept, 2 * GIB - 8, 5 * GIB - 8, EPT_R | EPT_X, EPT_MT_WT, GIB);
	check_unmapped(&fx.ept, 2 * GIB);
	assert_int_equal(fx.ept.table_pages, 2);
	fx_fini(&fx);

	/* 1 GiB pages without 2 MiB ones are not used: they could not be split. */
	fx_init(&fx, false, true);
	assert_int_equal(ept_map(&fx.ept, GIB, 4 * GIB, GIB, EPT_RWX, EPT_MT_WB), 0);
	check_map(&fx.ept, GIB + 12345 * PAGE, 4 * GIB + 12345 * PAGE, EPT_RWX, EPT_MT_WB, PAGE);
	assert_int_equal(fx.ept.table_pages, 3 + 512);
	fx_fini(&fx);

	/* 2 MiB allowed, 1 GiB not. */
	fx_init(&fx, true, false);
	assert_int_equal(ept_map(&fx.ept, GIB, 4 * GIB, GIB, EPT_RWX, EPT_MT_WB), 0);
	check_map(&fx.ept, GIB + 3 * MIB, 4 * GIB + 3 * MIB, EPT_RWX, EPT_MT_WB, 2 * MIB);
	assert_int_equal(fx.ept.table_pages, 3);
	fx_fini(&fx);
}

/* Each piece of a range gets the largest page its gpa and hpa alignment allow. */
static void test_alignment_choice(void **state)
{
	struct fixture fx;
	uint64_t delta = 7 * GIB;

	fx_init(&fx, true, true);
	/* 4K head, two 2M pages, 4K tail. */
	assert_int_equal(ept_map(&fx.ept, 2 * MIB - PAGE, 2 * MIB - PAGE + delta, 4 * MIB + 2 * PAGE,
				 EPT_RWX, EPT_MT_WB), 0);
	check_map(&fx.ept, 2 * MIB - PAGE, 2 * MIB - PAGE + delta, EPT_RWX, EPT_MT_WB, PAGE);
	check_map(&fx.ept, 2 * MIB, 2 * MIB + delta, EPT_RWX, EPT_MT_WB, 2 * MIB);
	check_map(&fx.ept, 4 * MIB, 4 * MIB + delta, EPT_RWX, EPT_MT_WB, 2 * MIB);
	check_map(&fx.ept, 6 * MIB, 6 * MIB + delta, EPT_RWX, EPT_MT_WB, PAGE);
	check_unmapped(&fx.ept, 6 * MIB + PAGE);
	check_unmapped(&fx.ept, 2 * MIB - 2 * PAGE);

	/* 2M head, a 1G page, 2M tail. */
	assert_int_equal(ept_map(&fx.ept, 3 * GIB - 2 * MIB, 3 * GIB - 2 * MIB + delta,
				 GIB + 4 * MIB, EPT_RWX, EPT_MT_WB), 0);
	check_map(&fx.ept, 3 * GIB - 2 * MIB, 3 * GIB - 2 * MIB + delta, EPT_RWX, EPT_MT_WB, 2 * MIB);
	check_map(&fx.ept, 3 * GIB, 3 * GIB + delta, EPT_RWX, EPT_MT_WB, GIB);
	check_map(&fx.ept, 4 * GIB, 4 * GIB + delta, EPT_RWX, EPT_MT_WB, 2 * MIB);
	check_unmapped(&fx.ept, 4 * GIB + 2 * MIB);

	/* gpa aligned to 1G but hpa only to 2M: 2M pages. */
	assert_int_equal(ept_map(&fx.ept, 8 * GIB, 2 * MIB, GIB, EPT_R, EPT_MT_WB), 0);
	check_map(&fx.ept, 8 * GIB, 2 * MIB, EPT_R, EPT_MT_WB, 2 * MIB);
	check_map(&fx.ept, 9 * GIB - PAGE, GIB + 2 * MIB - PAGE, EPT_R, EPT_MT_WB, 2 * MIB);

	/* gpa aligned to 2M but hpa only to 4K: 4K pages. */
	assert_int_equal(ept_map(&fx.ept, 16 * GIB, 0x3000, 2 * MIB, EPT_R, EPT_MT_WB), 0);
	check_map(&fx.ept, 16 * GIB, 0x3000, EPT_R, EPT_MT_WB, PAGE);
	check_map(&fx.ept, 16 * GIB + 2 * MIB - PAGE, 0x3000 + 2 * MIB - PAGE, EPT_R, EPT_MT_WB, PAGE);
	fx_fini(&fx);
}

/* Mapping over existing mappings replaces them and frees what is no longer needed. */
static void test_remap(void **state)
{
	struct fixture fx;

	fx_init(&fx, true, true);
	/* 4K pages, then the same 2M range with an aligned hpa: one 2M page, the PT freed. */
	assert_int_equal(ept_map(&fx.ept, 2 * MIB, 0x1000, 2 * MIB, EPT_R, EPT_MT_UC), 0);
	assert_int_equal(fx.ept.table_pages, 4);
	assert_int_equal(ept_map(&fx.ept, 2 * MIB, 10 * MIB, 2 * MIB, EPT_RWX, EPT_MT_WB), 0);
	check_map(&fx.ept, 3 * MIB, 11 * MIB, EPT_RWX, EPT_MT_WB, 2 * MIB);
	assert_int_equal(fx.ept.table_pages, 3);

	/* One 4K page inside the 2M page moves: split, the rest unchanged. */
	assert_int_equal(ept_map(&fx.ept, 3 * MIB, 0x7000, PAGE, EPT_R, EPT_MT_UC), 0);
	assert_int_equal(fx.ept.table_pages, 4);
	for (uint64_t off = 0; off < 2 * MIB; off += PAGE) {
		if (off == MIB)
			check_map(&fx.ept, 2 * MIB + off, 0x7000, EPT_R, EPT_MT_UC, PAGE);
		else
			check_map(&fx.ept, 2 * MIB + off, 10 * MIB + off, EPT_RWX, EPT_MT_WB, PAGE);
	}

	/* A 1G page over all of it frees PD and PT. */
	assert_int_equal(ept_map(&fx.ept, 0, 0, GIB, EPT_RWX, EPT_MT_WB), 0);
	check_map(&fx.ept, 3 * MIB, 3 * MIB, EPT_RWX, EPT_MT_WB, GIB);
	assert_int_equal(fx.ept.table_pages, 2);
	assert_int_equal(fx.te.allocs - fx.te.frees, 2);
	fx_fini(&fx);
}

/* ---------------------------------------------------------- unmap --- */

static void test_unmap(void **state)
{
	struct fixture fx;

	fx_init(&fx, true, true);
	assert_int_equal(ept_map(&fx.ept, 0x10000, 0x20000, 16 * PAGE, EPT_RWX, EPT_MT_WB), 0);
	assert_int_equal(ept_unmap(&fx.ept, 0x14000, 4 * PAGE), 0);
	for (uint64_t i = 0; i < 16; i++) {
		if (i >= 4 && i < 8)
			check_unmapped(&fx.ept, 0x10000 + i * PAGE);
		else
			check_map(&fx.ept, 0x10000 + i * PAGE, 0x20000 + i * PAGE, EPT_RWX, EPT_MT_WB, PAGE);
	}
	assert_int_equal(fx.ept.table_pages, 4);

	/* Holes are fine, also ranges that were never mapped at all. */
	assert_int_equal(ept_unmap(&fx.ept, 0x12000, 8 * PAGE), 0);
	assert_int_equal(ept_unmap(&fx.ept, 100 * GIB, 3 * GIB), 0);
	check_map(&fx.ept, 0x1a000, 0x2a000, EPT_RWX, EPT_MT_WB, PAGE);
	assert_int_equal(fx.ept.table_pages, 4);

	/* The last pages go: PT, PD and PDPT are freed, the PML4 stays. */
	assert_int_equal(ept_unmap(&fx.ept, 0, 16 * MIB), 0);
	check_unmapped(&fx.ept, 0x1a000);
	assert_int_equal(fx.ept.table_pages, 1);
	assert_int_equal(fx.te.allocs - fx.te.frees, 1);

	/* Large pages unmapped whole need no table. */
	assert_int_equal(ept_map(&fx.ept, GIB, GIB, GIB + 2 * MIB, EPT_RWX, EPT_MT_WB), 0);
	assert_int_equal(fx.ept.table_pages, 3);
	assert_int_equal(ept_unmap(&fx.ept, 2 * GIB, 2 * MIB), 0);
	check_map(&fx.ept, GIB, GIB, EPT_RWX, EPT_MT_WB, GIB);
	check_unmapped(&fx.ept, 2 * GIB);
	assert_int_equal(fx.ept.table_pages, 2);
	assert_int_equal(ept_unmap(&fx.ept, GIB, GIB), 0);
	assert_int_equal(fx.ept.table_pages, 1);
	fx_fini(&fx);
}

static void test_unmap_split_2m(void **state)
{
	struct fixture fx;

	fx_init(&fx, true, true);
	assert_int_equal(ept_map(&fx.ept, 2 * MIB, 8 * MIB, 2 * MIB, EPT_R | EPT_X, EPT_MT_UC), 0);
	assert_int_equal(ept_unmap(&fx.ept, 3 * MIB, PAGE), 0);
	assert_int_equal(fx.ept.table_pages, 4);
	for (uint64_t off = 0; off < 2 * MIB; off += PAGE) {
		if (off == MIB)
			check_unmapped(&fx.ept, 2 * MIB + off);
		else
			check_map(&fx.ept, 2 * MIB + off, 8 * MIB + off, EPT_R | EPT_X, EPT_MT_UC, PAGE);
	}
	check_unmapped(&fx.ept, 4 * MIB);
	check_unmapped(&fx.ept, 2 * MIB - PAGE);
	fx_fini(&fx);
}

static void test_unmap_split_1g(void **state)
{
	struct fixture fx;
	uint64_t hole = GIB + 300 * MIB + 5 * PAGE;

	fx_init(&fx, true, true);
	assert_int_equal(ept_map(&fx.ept, GIB, 2 * GIB, GIB, EPT_RWX, EPT_MT_WP), 0);
	assert_int_equal(ept_unmap(&fx.ept, hole, PAGE), 0);
	/* PML4, PDPT, the new PD, the new PT for the 2M piece with the hole. */
	assert_int_equal(fx.ept.table_pages, 4);
	for (uint64_t gpa = GIB; gpa < 2 * GIB; gpa += PAGE) {
		if (gpa == hole)
			check_unmapped(&fx.ept, gpa);
		else if ((gpa & ~(2 * MIB - 1)) == (hole & ~(2 * MIB - 1)))
			check_map(&fx.ept, gpa, gpa + GIB, EPT_RWX, EPT_MT_WP, PAGE);
		else
			check_map(&fx.ept, gpa, gpa + GIB, EPT_RWX, EPT_MT_WP, 2 * MIB);
	}
	fx_fini(&fx);
}

/* -------------------------------------------------------- protect --- */

static void test_protect(void **state)
{
	struct fixture fx;

	fx_init(&fx, true, true);
	assert_int_equal(ept_map(&fx.ept, 2 * MIB, 6 * MIB, 2 * MIB, EPT_RWX, EPT_MT_WB), 0);

	/* Part of a 2M page: split, one page read-only, 511 keep RWX and WB. */
	assert_int_equal(ept_protect(&fx.ept, 2 * MIB + 17 * PAGE, PAGE, EPT_R), 0);
	assert_int_equal(fx.ept.table_pages, 4);
	for (uint64_t off = 0; off < 2 * MIB; off += PAGE)
		check_map(&fx.ept, 2 * MIB + off, 6 * MIB + off, off == 17 * PAGE ? EPT_R : EPT_RWX,
			  EPT_MT_WB, PAGE);

	/* Over the whole range and a hole beyond it: the hole stays a hole. */
	assert_int_equal(ept_protect(&fx.ept, 0, 8 * MIB, EPT_R | EPT_X), 0);
	for (uint64_t off = 0; off < 2 * MIB; off += PAGE)
		check_map(&fx.ept, 2 * MIB + off, 6 * MIB + off, EPT_R | EPT_X, EPT_MT_WB, PAGE);
	check_unmapped(&fx.ept, 0);
	check_unmapped(&fx.ept, 4 * MIB);
	assert_int_equal(fx.ept.table_pages, 4);

	/* A 2M page that already has the permissions is not split. */
	assert_int_equal(ept_map(&fx.ept, 4 * MIB, 4 * MIB, 2 * MIB, EPT_R | EPT_W, EPT_MT_WB), 0);
	assert_int_equal(ept_protect(&fx.ept, 5 * MIB, PAGE, EPT_R | EPT_W), 0);
	check_map(&fx.ept, 5 * MIB, 5 * MIB, EPT_R | EPT_W, EPT_MT_WB, 2 * MIB);
	assert_int_equal(fx.ept.table_pages, 4);

	/* Whole 1G page: changed in place. Part of it: split to 2M, then 4K. */
	assert_int_equal(ept_map(&fx.ept, 4 * GIB, 4 * GIB, GIB, EPT_RWX, EPT_MT_WB), 0);
	assert_int_equal(ept_protect(&fx.ept, 4 * GIB, GIB, EPT_R), 0);
	check_map(&fx.ept, 4 * GIB + 5, 4 * GIB + 5, EPT_R, EPT_MT_WB, GIB);
	assert_int_equal(ept_protect(&fx.ept, 4 * GIB + 2 * MIB - PAGE, 2 * MIB, EPT_RWX), 0);
	check_map(&fx.ept, 4 * GIB, 4 * GIB, EPT_R, EPT_MT_WB, PAGE);
	check_map(&fx.ept, 4 * GIB + 2 * MIB - PAGE, 4 * GIB + 2 * MIB - PAGE, EPT_RWX, EPT_MT_WB, PAGE);
	check_map(&fx.ept, 4 * GIB + 2 * MIB, 4 * GIB + 2 * MIB, EPT_RWX, EPT_MT_WB, PAGE);
	check_map(&fx.ept, 4 * GIB + 4 * MIB - PAGE, 4 * GIB + 4 * MIB - PAGE, EPT_R, EPT_MT_WB, PAGE);
	check_map(&fx.ept, 4 * GIB + 4 * MIB, 4 * GIB + 4 * MIB, EPT_R, EPT_MT_WB, 2 * MIB);
	fx_fini(&fx);
}

/* ------------------------------------------------- bad arguments --- */

static void test_bad_args(void **state)
{
	struct fixture fx;
	struct ept dead;
	uint64_t allocs;

	fx_init(&fx, true, true);
	assert_int_equal(ept_map(&fx.ept, 0x800, 0, PAGE, EPT_R, EPT_MT_WB), -1);
	assert_int_equal(ept_map(&fx.ept, 0, 0x800, PAGE, EPT_R, EPT_MT_WB), -1);
	assert_int_equal(ept_map(&fx.ept, 0, 0, 0x800, EPT_R, EPT_MT_WB), -1);
	assert_int_equal(ept_map(&fx.ept, 0, 0, 0, EPT_R, EPT_MT_WB), -1);
	/* Beyond 48 bits of gpa, wrapping around, beyond 52 bits of hpa. */
	assert_int_equal(ept_map(&fx.ept, EPT_GPA_LIMIT, 0, PAGE, EPT_R, EPT_MT_WB), -1);
	assert_int_equal(ept_map(&fx.ept, EPT_GPA_LIMIT - PAGE, 0, 2 * PAGE, EPT_R, EPT_MT_WB), -1);
	assert_int_equal(ept_map(&fx.ept, 0xfffffffffffff000UL, 0, 2 * PAGE, EPT_R, EPT_MT_WB), -1);
	assert_int_equal(ept_map(&fx.ept, 0, 1UL << 52, PAGE, EPT_R, EPT_MT_WB), -1);
	assert_int_equal(ept_map(&fx.ept, 0, (1UL << 52) - PAGE, 2 * PAGE, EPT_R, EPT_MT_WB), -1);
	assert_int_equal(ept_map(&fx.ept, 0, 0xfffffffffffff000UL, 2 * PAGE, EPT_R, EPT_MT_WB), -1);
	/* No permissions, write without read, unknown bits. */
	assert_int_equal(ept_map(&fx.ept, 0, 0, PAGE, 0, EPT_MT_WB), -1);
	assert_int_equal(ept_map(&fx.ept, 0, 0, PAGE, EPT_W, EPT_MT_WB), -1);
	assert_int_equal(ept_map(&fx.ept, 0, 0, PAGE, EPT_W | EPT_X, EPT_MT_WB), -1);
	assert_int_equal(ept_map(&fx.ept, 0, 0, PAGE, EPT_RWX | 8, EPT_MT_WB), -1);
	/* Reserved memory types. */
	assert_int_equal(ept_map(&fx.ept, 0, 0, PAGE, EPT_R, 2), -1);
	assert_int_equal(ept_map(&fx.ept, 0, 0, PAGE, EPT_R, 3), -1);
	assert_int_equal(ept_map(&fx.ept, 0, 0, PAGE, EPT_R, 7), -1);
	assert_int_equal(ept_map(&fx.ept, 0, 0, PAGE, EPT_R, 8), -1);
	assert_int_equal(fx.te.allocs, 1);

	/* The edges that are fine. */
	assert_int_equal(ept_map(&fx.ept, EPT_GPA_LIMIT - PAGE, (1UL << 52) - PAGE, PAGE, EPT_R,
				 EPT_MT_WC), 0);
	check_map(&fx.ept, EPT_GPA_LIMIT - 1, (1UL << 52) - 1, EPT_R, EPT_MT_WC, PAGE);
	assert_int_equal(ept_unmap(&fx.ept, EPT_GPA_LIMIT - PAGE, PAGE), 0);
	assert_int_equal(fx.ept.table_pages, 1);

	/* Bad unmap and protect calls leave a 1G page alone (no split, no change). */
	assert_int_equal(ept_map(&fx.ept, 0, 0, GIB, EPT_RWX, EPT_MT_WB), 0);
	allocs = fx.te.allocs;
	assert_int_equal(ept_unmap(&fx.ept, 0x800, PAGE), -1);
	assert_int_equal(ept_unmap(&fx.ept, 0, 0), -1);
	assert_int_equal(ept_unmap(&fx.ept, 0, 0x1800), -1);
	assert_int_equal(ept_unmap(&fx.ept, EPT_GPA_LIMIT - PAGE, 2 * PAGE), -1);
	assert_int_equal(ept_unmap(&fx.ept, PAGE, 0 - PAGE), -1);
	assert_int_equal(ept_protect(&fx.ept, PAGE, 0 - PAGE, EPT_R), -1);
	assert_int_equal(ept_protect(&fx.ept, 0x800, PAGE, EPT_R), -1);
	assert_int_equal(ept_protect(&fx.ept, 0, 0, EPT_R), -1);
	assert_int_equal(ept_protect(&fx.ept, 0, PAGE, 0), -1);
	assert_int_equal(ept_protect(&fx.ept, 0, PAGE, EPT_W), -1);
	assert_int_equal(ept_protect(&fx.ept, EPT_GPA_LIMIT, PAGE, EPT_R), -1);
	assert_int_equal(ept_translate(&fx.ept, EPT_GPA_LIMIT, NULL, NULL, NULL), -1);
	assert_int_equal(fx.te.allocs, allocs);
	check_map(&fx.ept, 0, 0, EPT_RWX, EPT_MT_WB, GIB);
	fx_fini(&fx);

	/* After destroy every call fails cleanly; destroy twice is harmless. */
	dead = fx.ept;
	assert_int_equal(ept_map(&dead, 0, 0, PAGE, EPT_R, EPT_MT_WB), -1);
	assert_int_equal(ept_unmap(&dead, 0, PAGE), -1);
	assert_int_equal(ept_protect(&dead, 0, PAGE, EPT_R), -1);
	assert_int_equal(ept_translate(&dead, 0, NULL, NULL, NULL), -1);
	ept_destroy(&dead);
	assert_int_equal(fx.te.frees, fx.te.allocs);
}

/* ----------------------------------------------- allocation failure --- */

static void test_alloc_failure(void **state)
{
	struct fixture fx;

	fx_init(&fx, true, true);

	/* PDPT and PD come, the PT does not: nothing is left behind. */
	fx.te.fail_after = 2;
	assert_int_equal(ept_map(&fx.ept, 0x1000, 0x1000, PAGE, EPT_RWX, EPT_MT_WB), -1);
	check_unmapped(&fx.ept, 0x1000);
	assert_int_equal(fx.ept.table_pages, 1);
	assert_int_equal(fx.te.allocs - fx.te.frees, 1);

	/* Half way: the range spans two PTs and only the first can be had. */
	fx.te.fail_after = 3;
	assert_int_equal(ept_map(&fx.ept, 2 * MIB - 2 * PAGE, 0x1000, 4 * PAGE, EPT_RWX, EPT_MT_WB), -1);
	check_map(&fx.ept, 2 * MIB - 2 * PAGE, 0x1000, EPT_RWX, EPT_MT_WB, PAGE);
	check_map(&fx.ept, 2 * MIB - PAGE, 0x2000, EPT_RWX, EPT_MT_WB, PAGE);
	check_unmapped(&fx.ept, 2 * MIB);
	check_unmapped(&fx.ept, 2 * MIB + PAGE);
	assert_int_equal(fx.ept.table_pages, 4);

	/* The caller's cleanup works with allocation back. */
	fx.te.fail_after = -1;
	assert_int_equal(ept_unmap(&fx.ept, 2 * MIB - 2 * PAGE, 4 * PAGE), 0);
	assert_int_equal(fx.ept.table_pages, 1);

	/* A split that cannot get its table leaves the large page intact. */
	assert_int_equal(ept_map(&fx.ept, 2 * GIB, 2 * GIB, GIB, EPT_RWX, EPT_MT_WB), 0);
	fx.te.fail_after = 0;
	assert_int_equal(ept_unmap(&fx.ept, 2 * GIB + 5 * PAGE, PAGE), -1);
	assert_int_equal(ept_protect(&fx.ept, 2 * GIB, PAGE, EPT_R), -1);
	assert_int_equal(ept_map(&fx.ept, 2 * GIB, 0, PAGE, EPT_R, EPT_MT_UC), -1);
	check_map(&fx.ept, 2 * GIB + 5 * PAGE, 2 * GIB + 5 * PAGE, EPT_RWX, EPT_MT_WB, GIB);
	check_map(&fx.ept, 2 * GIB, 2 * GIB, EPT_RWX, EPT_MT_WB, GIB);

	/* 1G -> 2M split succeeds, 2M -> 4K does not: the 2M pages are all still there. */
	fx.te.fail_after = 1;
	assert_int_equal(ept_unmap(&fx.ept, 2 * GIB + 5 * PAGE, PAGE), -1);
	for (uint64_t gpa = 2 * GIB; gpa < 3 * GIB; gpa += 2 * MIB)
		check_map(&fx.ept, gpa + PAGE * 5, gpa + PAGE * 5, EPT_RWX, EPT_MT_WB, 2 * MIB);
	assert_int_equal(fx.ept.table_pages, 3);

	fx.te.fail_after = -1;
	fx_fini(&fx);
}

static void test_destroy_frees_all(void **state)
{
	struct fixture fx;

	fx_init(&fx, true, true);
	assert_int_equal(ept_map(&fx.ept, 0, 0, 4 * GIB, EPT_RWX, EPT_MT_WB), 0);
	assert_int_equal(ept_map(&fx.ept, 0xfee00000UL, 0xfee00000UL, PAGE, EPT_R | EPT_W, EPT_MT_UC), 0);
	assert_int_equal(ept_unmap(&fx.ept, 0xa0000, 0x60000), 0);
	assert_int_equal(ept_protect(&fx.ept, 3 * GIB + 123 * PAGE, 700 * PAGE, EPT_R), 0);
	assert_int_equal(ept_map(&fx.ept, 100 * GIB + PAGE, 5 * PAGE, 3 * MIB, EPT_R, EPT_MT_WB), 0);
	assert_int_equal(ept_map(&fx.ept, 0x7fff00000000UL, 0, 2 * GIB, EPT_R, EPT_MT_WB), 0);
	assert_true(fx.te.allocs > 8);
	assert_int_equal(fx.ept.table_pages, fx.te.allocs - fx.te.frees);
	fx_fini(&fx);
}

/* ------------------------------------- randomized model cross-check --- */

struct model_page {
	uint64_t hpa; /* 0 with perms 0: unmapped */
	uint8_t perms;
	uint8_t mt;
};

struct model {
	uint64_t base; /* gpa of page 0 */
	size_t pages;
	struct model_page *p;
};

static uint64_t rng_state;

static uint64_t rng(void)
{
	/* xorshift64*: fixed seed, same run every time. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static uint64_t rng_below(uint64_t n)
{
	return rng() % n;
}

static const uint32_t valid_perms[] = { EPT_R, EPT_R | EPT_W, EPT_R | EPT_X, EPT_RWX, EPT_X };
static const uint8_t valid_mts[] = { EPT_MT_UC, EPT_MT_WC, EPT_MT_WT, EPT_MT_WP, EPT_MT_WB };

/* Compares one page of the EPT with the model; returns true if they agree. */
static bool page_agrees(struct ept *ept, uint64_t gpa, const struct model_page *mp)
{
	uint64_t hpa, size, e, hw_hpa, hw_size;
	uint32_t perms, hw_perms;
	uint8_t hw_mt;
	bool hw;

	hw = hw_walk(ept, gpa + 0x123, &hw_hpa, &hw_perms, &hw_mt, &hw_size);
	if (!mp->perms)
		return ept_translate(ept, gpa, NULL, NULL, NULL) == -1 && !hw;
	if (ept_translate(ept, gpa + 0x123, &hpa, &perms, &size) || !hw)
		return false;
	e = ept_lookup(ept, gpa, NULL);
	return hpa == mp->hpa + 0x123 && perms == mp->perms &&
	       ((e & EPT_ENTRY_MT_MASK) >> EPT_ENTRY_MT_SHIFT) == mp->mt && (e & EPT_ENTRY_IGNORE_PAT) &&
	       hw_hpa == hpa && hw_perms == perms && hw_mt == mp->mt && hw_size == size;
}

static void model_check(struct ept *ept, const struct model *m)
{
	for (size_t i = 0; i < m->pages; i++) {
		if (!page_agrees(ept, m->base + i * PAGE, &m->p[i]))
			fail_msg("gpa %#lx disagrees with the model (model hpa %#lx perms %u mt %u)",
				 (unsigned long)(m->base + i * PAGE), (unsigned long)m->p[i].hpa,
				 m->p[i].perms, m->p[i].mt);
	}
}

/* Adopts what the EPT holds for page @i, which must be either @a or @b. */
static void model_adopt_either(struct ept *ept, struct model *m, size_t i,
			       const struct model_page *a, const struct model_page *b)
{
	uint64_t gpa = m->base + i * PAGE;

	if (page_agrees(ept, gpa, a))
		m->p[i] = *a;
	else if (page_agrees(ept, gpa, b))
		m->p[i] = *b;
	else
		fail_msg("gpa %#lx is neither the old nor the new mapping after a failed call",
			 (unsigned long)gpa);
}

/*
 * Random map/unmap/protect over [base, base + pages * 4K). Pieces are
 * aligned to 4K, 2M or 1G at random so every page size comes and goes.
 * With @fail_rate (percent), allocations fail part way through some calls:
 * each page in the range must then hold either the old or the new mapping.
 */
static void random_run(bool allow_2m, bool allow_1g, uint64_t base, size_t pages, int ops,
		       int check_every, int fail_rate, uint64_t seed)
{
	static const uint64_t aligns[] = { PAGE, 2 * MIB, GIB };
	struct fixture fx;
	struct model m = { .base = base, .pages = pages };
	int failures = 0;

	rng_state = seed;
	m.p = calloc(pages, sizeof(*m.p));
	assert_non_null(m.p);
	fx_init(&fx, allow_2m, allow_1g);

	for (int op = 0; op < ops; op++) {
		uint64_t align = aligns[rng_below(pages * PAGE >= GIB ? 3 : 2)];
		uint64_t span = pages * PAGE / align;
		uint64_t first = rng_below(span) * align;
		uint64_t size = (1 + rng_below(rng_below(4) ? 3 : span / 4 + 1)) * align;
		uint64_t gpa, hpa = 0;
		uint32_t perms = valid_perms[rng_below(5)];
		uint8_t mt = valid_mts[rng_below(5)];
		int kind = (int)rng_below(3);
		size_t i0, n;
		int ret;

		/* Unaligned ends now and then, so large pages get split. */
		if (align > PAGE && rng_below(3) == 0) {
			first += rng_below(align / PAGE) * PAGE;
			size -= rng_below(align / PAGE) * PAGE;
		}
		if (first + size > pages * PAGE)
			size = pages * PAGE - first;
		gpa = base + first;
		i0 = first / PAGE;
		n = size / PAGE;
		if (kind == 0) {
			/* hpa keeps gpa's alignment at one of the sizes, or not. */
			uint64_t hal = aligns[rng_below(3)];

			hpa = (rng_below(1UL << 20) * hal + (gpa & (hal - 1))) & ((1UL << 46) - 1);
		}

		fx.te.fail_after = -1;
		if (fail_rate && (int)rng_below(100) < fail_rate)
			fx.te.fail_after = rng_below(3) ? 0 : 1;
		if (kind == 0)
			ret = ept_map(&fx.ept, gpa, hpa, size, perms, mt);
		else if (kind == 1)
			ret = ept_unmap(&fx.ept, gpa, size);
		else
			ret = ept_protect(&fx.ept, gpa, size, perms);
		fx.te.fail_after = -1;

		if (!fail_rate)
			assert_int_equal(ret, 0);
		else
			assert_true(ret == 0 || ret == -1);
		if (ret)
			failures++;

		for (size_t i = i0; i < i0 + n; i++) {
			struct model_page want = m.p[i];

			if (kind == 0)
				want = (struct model_page){ hpa + (i - i0) * PAGE, (uint8_t)perms, mt };
			else if (kind == 1)
				want = (struct model_page){ 0, 0, 0 };
			else if (want.perms)
				want.perms = (uint8_t)perms;
			if (ret)
				model_adopt_either(&fx.ept, &m, i, &m.p[i], &want);
			else
				m.p[i] = want;
		}
		assert_int_equal(fx.ept.table_pages, fx.te.allocs - fx.te.frees);
		if (ret || op % check_every == 0 || op == ops - 1)
			model_check(&fx.ept, &m);
	}
	/* Enough failed calls that the partial-state checks mean something. */
	if (fail_rate)
		assert_true(failures > ops / 40);

	/* Unmapping everything returns every table but the PML4. */
	assert_int_equal(ept_unmap(&fx.ept, base, pages * PAGE), 0);
	assert_int_equal(fx.ept.table_pages, 1);
	fx_fini(&fx);
	free(m.p);
}

static void test_random_small(void **state)
{
	/* 16 MiB straddling the 1 GiB boundary: 4K and 2M pages, PDPT edges. */
	random_run(true, true, GIB - 8 * MIB, 16 * MIB / PAGE, 1500, 1, 0, 0x9e3779b97f4a7c15ULL);
}

static void test_random_no_large(void **state)
{
	random_run(false, false, 512 * GIB - 2 * MIB, 8 * MIB / PAGE, 1000, 1, 0, 0x1234567ULL);
}

static void test_random_large(void **state)
{
	/* 2 GiB: 1G pages come and go too. */
	random_run(true, true, 0, 2 * GIB / PAGE, 300, 20, 0, 0xfeedfaceULL);
}

static void test_random_alloc_failures(void **state)
{
	random_run(true, true, GIB - 8 * MIB, 16 * MIB / PAGE, 1500, 1, 50, 0xabcdef01ULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_and_eptp),
		cmocka_unit_test(test_map_4k),
		cmocka_unit_test(test_map_2m),
		cmocka_unit_test(test_map_1g),
		cmocka_unit_test(test_alignment_choice),
		cmocka_unit_test(test_remap),
		cmocka_unit_test(test_unmap),
		cmocka_unit_test(test_unmap_split_2m),
		cmocka_unit_test(test_unmap_split_1g),
		cmocka_unit_test(test_protect),
		cmocka_unit_test(test_bad_args),
		cmocka_unit_test(test_alloc_failure),
		cmocka_unit_test(test_destroy_frees_all),
		cmocka_unit_test(test_random_small),
		cmocka_unit_test(test_random_no_large),
		cmocka_unit_test(test_random_large),
		cmocka_unit_test(test_random_alloc_failures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
