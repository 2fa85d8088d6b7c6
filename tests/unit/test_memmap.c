/*
 * Host tests for mm/memmap.c: hand-written maps in the shape OVMF produces,
 * then unsorted, overlapping and hostile ones, and a randomised comparison
 * with a page-by-page model.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "mm/memmap.h"

#define MiB (1ULL << 20)
#define PG 4096ULL
#define MAX_DESCS 64

struct test_map {
	/* +4: room to place the map at a misaligned address */
	uint8_t bytes[MAX_DESCS * 64 + 4];
	size_t desc_size, count;
};

static void map_init(struct test_map *m, size_t desc_size)
{
	memset(m, 0xa5, sizeof(*m)); /* garbage in the padding */
	m->desc_size = desc_size;
	m->count = 0;
}

static void map_add(struct test_map *m, uint32_t type, uint64_t start, uint64_t pages)
{
	struct efi_mem_desc d = { .type = type, .physical_start = start,
				  .number_of_pages = pages, .attribute = 0xf };

	assert_true(m->count < MAX_DESCS);
	memcpy(m->bytes + m->count * m->desc_size, &d, sizeof(d));
	m->count++;
}

static size_t map_size(const struct test_map *m)
{
	return m->count * m->desc_size;
}

static size_t free_ranges(const struct test_map *m, const struct mem_range *res,
			  size_t nres, struct mem_range *out, size_t out_max, bool *trunc)
{
	return memmap_free_ranges(m->bytes, map_size(m), m->desc_size, res, nres, out,
				  out_max, trunc);
}

#define assert_range(r, b, s)                    \
	do {                                     \
		assert_int_equal((r).base, (b)); \
		assert_int_equal((r).size, (s)); \
	} while (0)

/* Roughly what OVMF reports for a 16 MiB guest. */
static void build_ovmf_like(struct test_map *m, size_t desc_size)
{
	map_init(m, desc_size);
	map_add(m, EFI_MT_BS_CODE, 0, 1);
	map_add(m, EFI_MT_CONVENTIONAL, 0x1000, 0x9f);
	map_add(m, EFI_MT_RESERVED, 0xa0000, 0x60);
	map_add(m, EFI_MT_CONVENTIONAL, 0x100000, 0x700);		/* 1..8 MiB */
	map_add(m, EFI_MT_ACPI_NVS, 0x800000, 0x8);
	map_add(m, EFI_MT_CONVENTIONAL, 0x808000, 0x8);
	map_add(m, EFI_MT_BS_DATA, 0x810000, 0xf0);		/* touches the one before */
	map_add(m, EFI_MT_LOADER_DATA, 0x900000, 0x100);
	map_add(m, EFI_MT_BS_CODE, 0xa00000, 0x200);
	map_add(m, EFI_MT_RUNTIME_DATA, 0xc00000, 0x100);
	map_add(m, EFI_MT_CONVENTIONAL, 0xd00000, 0x200);
	map_add(m, EFI_MT_ACPI_RECLAIM, 0xf00000, 0x80);
	map_add(m, EFI_MT_RUNTIME_CODE, 0xf80000, 0x80);
	map_add(m, EFI_MT_MMIO, 0xffc00000, 0x400);
	map_add(m, 0x80000001U, 0x1000000, 0x100);			/* the kernel, above */
}

static void check_ovmf_ranges(const struct mem_range *out, size_t n)
{
	assert_int_equal(n, 4);
	assert_range(out[0], 1 * MiB, 7 * MiB);
	assert_range(out[1], 0x808000, 0x900000 - 0x808000);
	assert_range(out[2], 0xa00000, 0x200000);
	assert_range(out[3], 0xd00000, 0x200000);
}

static void test_ovmf_like(void **state)
{
	struct test_map m;
	struct mem_range out[8];
	bool trunc = true;
	size_t n;

	build_ovmf_like(&m, 48);
	n = free_ranges(&m, NULL, 0, out, 8, &trunc);
	assert_false(trunc);
	check_ovmf_ranges(out, n);
	/* The same map with the bare 40-byte stride. */
	build_ovmf_like(&m, 40);
	n = free_ranges(&m, NULL, 0, out, 8, NULL);
	check_ovmf_ranges(out, n);
	/* Misaligned map address. */
	build_ovmf_like(&m, 48);
	memmove(m.bytes + 3, m.bytes, map_size(&m));
	n = memmap_free_ranges(m.bytes + 3, map_size(&m), 48, NULL, 0, out, 8, NULL);
	check_ovmf_ranges(out, n);
}

static void test_unsorted(void **state)
{
	struct test_map m, shuffled;
	struct mem_range out[8];
	size_t i, n;

	build_ovmf_like(&m, 48);
	map_init(&shuffled, 48);
	/* Reverse, then swap a few: any order must give the same answer. */
	for (i = m.count; i-- > 0;)
		memcpy(shuffled.bytes + shuffled.count++ * 48, m.bytes + i * 48, 48);
	{
		uint8_t tmp[48];

		memcpy(tmp, shuffled.bytes, 48);
		memcpy(shuffled.bytes, shuffled.bytes + 5 * 48, 48);
		memcpy(shuffled.bytes + 5 * 48, tmp, 48);
	}
	n = free_ranges(&shuffled, NULL, 0, out, 8, NULL);
	check_ovmf_ranges(out, n);
}

static void test_below_1mib(void **state)
{
	struct test_map m;
	struct mem_range out[4];
	size_t n;

	map_init(&m, 48);
	map_add(&m, EFI_MT_CONVENTIONAL, 0x1000, 0x1ff); /* up to 2 MiB */
	n = free_ranges(&m, NULL, 0, out, 4, NULL);
	assert_int_equal(n, 1);
	assert_range(out[0], 1 * MiB, 1 * MiB);

	map_init(&m, 48);
	map_add(&m, EFI_MT_CONVENTIONAL, 0, 0x100); /* ends exactly at 1 MiB */
	assert_int_equal(free_ranges(&m, NULL, 0, out, 4, NULL), 0);
}

/* Below 1 MiB is a list of its own, with the same rules, for the AP start-up code. */
static void test_low_ranges(void **state)
{
	struct test_map m;
	struct mem_range out[4];
	const struct mem_range res[] = { { 0x8000, 0x2000 } };
	bool trunc;
	size_t n;

	build_ovmf_like(&m, 48);
	n = memmap_low_free_ranges(m.bytes, map_size(&m), m.desc_size, NULL, 0, out, 4, &trunc);
	assert_int_equal(n, 1);
	assert_false(trunc);
	assert_range(out[0], 0, 0xa0000); /* BS code and conventional merged; 0xa0000 up is reserved */

	/* Cut at 1 MiB; reserved ranges come out; truncation is reported. */
	map_init(&m, 48);
	map_add(&m, EFI_MT_CONVENTIONAL, 0x1000, 0x1ff);
	n = memmap_low_free_ranges(m.bytes, map_size(&m), m.desc_size, res, 1, out, 4, &trunc);
	assert_int_equal(n, 2);
	assert_range(out[0], 0x1000, 0x7000);
	assert_range(out[1], 0xa000, 1 * MiB - 0xa000);
	n = memmap_low_free_ranges(m.bytes, map_size(&m), m.desc_size, res, 1, out, 1, &trunc);
	assert_int_equal(n, 1);
	assert_true(trunc);

	/* Nothing below 1 MiB at all. */
	map_init(&m, 48);
	map_add(&m, EFI_MT_CONVENTIONAL, 1 * MiB, 0x100);
	assert_int_equal(memmap_low_free_ranges(m.bytes, map_size(&m), m.desc_size, NULL, 0, out, 4, NULL), 0);
}

static void test_overlaps(void **state)
{
	struct test_map m;
	struct mem_range out[4];
	size_t n;

	/* Two free descriptors overlapping: their union. */
	map_init(&m, 48);
	map_add(&m, EFI_MT_CONVENTIONAL, 4 * MiB, 0x200);
	map_add(&m, EFI_MT_BS_DATA, 2 * MiB, 0x400);
	map_add(&m, EFI_MT_BS_CODE, 5 * MiB, 0x10); /* inside both */
	n = free_ranges(&m, NULL, 0, out, 4, NULL);
	assert_int_equal(n, 1);
	assert_range(out[0], 2 * MiB, 4 * MiB);

	/* A non-free type inside a free one wins. */
	map_add(&m, EFI_MT_RUNTIME_DATA, 3 * MiB, 1);
	n = free_ranges(&m, NULL, 0, out, 4, NULL);
	assert_int_equal(n, 2);
	assert_range(out[0], 2 * MiB, 1 * MiB);
	assert_range(out[1], 3 * MiB + PG, 3 * MiB - PG);

	/* ...even when it starts before the free range. */
	map_add(&m, EFI_MT_UNUSABLE, 1 * MiB, 0x180); /* 1 MiB .. 2.5 MiB */
	n = free_ranges(&m, NULL, 0, out, 4, NULL);
	assert_int_equal(n, 2);
	assert_range(out[0], 2 * MiB + MiB / 2, MiB / 2);
}

static void test_reserved(void **state)
{
	struct test_map m;
	struct mem_range out[8];
	struct mem_range res[4];
	size_t n;

	map_init(&m, 48);
	map_add(&m, EFI_MT_CONVENTIONAL, 1 * MiB, 0x300); /* 1..4 MiB */
	/* Byte-granular reservations knock out whole pages. */
	res[0] = (struct mem_range){ 0x150100, 0x100 };
	res[1] = (struct mem_range){ 0x200000, 0x1001 };
	res[2] = (struct mem_range){ 0x3ff000, 0 }; /* empty: ignored */
	res[3] = (struct mem_range){ 0x3fffff, 0x10 }; /* straddles the end */
	n = free_ranges(&m, res, 4, out, 8, NULL);
	assert_int_equal(n, 3);
	assert_range(out[0], 0x100000, 0x50000);
	assert_range(out[1], 0x151000, 0x200000 - 0x151000);
	assert_range(out[2], 0x202000, 0x3ff000 - 0x202000);

	/* A reservation whose end would pass 2^64 takes everything above it. */
	res[0] = (struct mem_range){ 0x300000, ~0ULL };
	n = free_ranges(&m, res, 1, out, 8, NULL);
	assert_int_equal(n, 1);
	assert_range(out[0], 1 * MiB, 2 * MiB);

	/* Covering everything. */
	res[0] = (struct mem_range){ 0, 64 * MiB };
	assert_int_equal(free_ranges(&m, res, 1, out, 8, NULL), 0);
}

static void test_truncation(void **state)
{
	struct test_map m;
	struct mem_range out[4];
	bool trunc = false;

	build_ovmf_like(&m, 48);
	assert_int_equal(free_ranges(&m, NULL, 0, out, 3, &trunc), 3);
	assert_true(trunc);
	assert_range(out[2], 0xa00000, 0x200000);
	assert_int_equal(free_ranges(&m, NULL, 0, out, 4, &trunc), 4);
	assert_false(trunc);
	assert_int_equal(free_ranges(&m, NULL, 0, NULL, 0, &trunc), 0);
	assert_true(trunc);
}

static void test_bad_maps(void **state)
{
	struct test_map m;
	struct mem_range out[4];
	bool trunc = true;
	size_t n;

	/* A stride below 40 is refused even when the bytes would parse. */
	build_ovmf_like(&m, 39);
	assert_int_equal(memmap_free_ranges(m.bytes, map_size(&m), 39, NULL, 0, out, 4, &trunc), 0);
	assert_false(trunc);
	assert_int_equal(memmap_ram_bytes(m.bytes, map_size(&m), 39), 0);
	assert_int_equal(memmap_free_ranges(m.bytes, map_size(&m), 0, NULL, 0, out, 4, NULL), 0);
	assert_int_equal(memmap_ram_bytes(m.bytes, map_size(&m), 0), 0);
	assert_int_equal(memmap_free_ranges(NULL, 0, 48, NULL, 0, out, 4, NULL), 0);

	/* Trailing partial descriptor is ignored (ASan would see a read past it). */
	map_init(&m, 48);
	map_add(&m, EFI_MT_CONVENTIONAL, 1 * MiB, 1);
	map_add(&m, EFI_MT_CONVENTIONAL, 8 * MiB, 1);
	{
		uint8_t *copy = malloc(48 + 20);

		memcpy(copy, m.bytes, 48 + 20);
		n = memmap_free_ranges(copy, 48 + 20, 48, NULL, 0, out, 4, NULL);
		free(copy);
	}
	assert_int_equal(n, 1);
	assert_range(out[0], 1 * MiB, PG);

	/* Descriptors claiming to run past 2^64 must not wrap into low memory. */
	map_init(&m, 48);
	map_add(&m, EFI_MT_CONVENTIONAL, 0xfffffffffffff000ULL, 2);
	map_add(&m, EFI_MT_CONVENTIONAL, 0xffffffff00000000ULL, ~0ULL);
	map_add(&m, EFI_MT_CONVENTIONAL, 2 * MiB, 1);
	n = free_ranges(&m, NULL, 0, out, 4, NULL);
	assert_int_equal(n, 2);
	assert_range(out[0], 2 * MiB, PG);
	assert_range(out[1], 0xffffffff00000000ULL, 0xfffffffffffff000ULL - 0xffffffff00000000ULL);
	/* A huge reserved-type descriptor blocks everything above its start. */
	map_add(&m, EFI_MT_RESERVED, 0xfffffffe00000000ULL, ~0ULL >> 4);
	n = free_ranges(&m, NULL, 0, out, 4, NULL);
	assert_int_equal(n, 1);
}

static void test_ram_bytes(void **state)
{
	struct test_map m;
	uint64_t want;

	build_ovmf_like(&m, 48);
	/* Everything but the reserved hole and the MMIO window. */
	want = (0x1000 + 0x9f000) + (16 * MiB - 1 * MiB) + 0x100000;
	assert_int_equal(memmap_ram_bytes(m.bytes, map_size(&m), 48), want);

	map_init(&m, 40);
	map_add(&m, EFI_MT_CONVENTIONAL, 0, 0x100);
	map_add(&m, EFI_MT_BS_DATA, 0x80000, 0x100); /* half overlaps: counted once */
	map_add(&m, EFI_MT_PERSISTENT, 4 * MiB, 0x10);
	map_add(&m, 0x80000003U, 8 * MiB, 0x1);
	map_add(&m, EFI_MT_MMIO, 16 * MiB, 0x100);
	map_add(&m, EFI_MT_UNUSABLE, 32 * MiB, 0x100);
	map_add(&m, EFI_MT_UNACCEPTED, 48 * MiB, 0x100);
	map_add(&m, 0x70000000U, 64 * MiB, 0x100);
	assert_int_equal(memmap_ram_bytes(m.bytes, map_size(&m), 40),
			 0x180000 + 0x10000 + PG);
}

static void test_type_names(void **state)
{
	static const struct {
		uint32_t type;
		const char *name;
	} cases[] = {
		{ 0, "reserved" },		{ 1, "loader-code" },
		{ 2, "loader-data" },		{ 3, "bs-code" },
		{ 4, "bs-data" },		{ 5, "runtime-code" },
		{ 6, "runtime-data" },		{ 7, "conventional" },
		{ 8, "unusable" },		{ 9, "acpi-reclaim" },
		{ 10, "acpi-nvs" },		{ 11, "mmio" },
		{ 12, "mmio-port" },		{ 13, "pal-code" },
		{ 14, "persistent" },		{ 15, "unaccepted" },
		{ 16, "unknown" },		{ 0x6fffffff, "unknown" },
		{ 0x70000000, "oem" },		{ 0x80000000, "os:80000000" },
		{ 0x80000001, "os:80000001" },	{ 0x8000000f, "os:8000000f" },
		{ 0x80000010, "os" },		{ 0xffffffff, "os" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(memmap_type_name(cases[i].type), cases[i].name);
}

/*
 * Random maps over 640 pages (1 MiB is page 256) against a model that
 * decides page by page. Descriptors are page-aligned as UEFI guarantees;
 * reservations are byte-granular.
 */
#define MODEL_PAGES 640

static uint32_t rnd(uint32_t *seed)
{
	*seed = *seed * 1664525U + 1013904223U;
	return *seed >> 8;
}

static void test_random_model(void **state)
{
	static const uint32_t types[] = { EFI_MT_CONVENTIONAL, EFI_MT_BS_CODE, EFI_MT_BS_DATA,
					  EFI_MT_CONVENTIONAL, EFI_MT_RESERVED, EFI_MT_LOADER_DATA,
					  EFI_MT_ACPI_NVS, EFI_MT_RUNTIME_CODE, 0x80000002U };
	uint32_t seed = 1;
	int round;

	for (round = 0; round < 500; round++) {
		struct test_map m;
		struct mem_range res[4], out[MODEL_PAGES], want[MODEL_PAGES];
		bool free_page[MODEL_PAGES];
		size_t nres, ndesc, i, n, nwant = 0;
		uint64_t p;

		map_init(&m, round % 2 ? 40 : 56);
		ndesc = 1 + rnd(&seed) % 12;
		for (i = 0; i < ndesc; i++) {
			uint32_t type = types[rnd(&seed) % 9];
			uint64_t start = (rnd(&seed) % MODEL_PAGES) * PG;

			map_add(&m, type, start, 1 + rnd(&seed) % 200);
		}
		nres = rnd(&seed) % 4;
		for (i = 0; i < nres; i++) {
			res[i].base = rnd(&seed) % (MODEL_PAGES * PG);
			res[i].size = rnd(&seed) % (40 * PG);
		}

		for (p = 0; p < MODEL_PAGES; p++) {
			uint64_t lo = p * PG, hi = lo + PG;
			bool covered = false, blocked = lo < 1 * MiB;

			for (i = 0; i < m.count; i++) {
				struct efi_mem_desc d;

				memcpy(&d, m.bytes + i * m.desc_size, sizeof(d));
				if (lo < d.physical_start || lo >= d.physical_start + d.number_of_pages * PG)
					continue;
				if (d.type == EFI_MT_CONVENTIONAL || d.type == EFI_MT_BS_CODE ||
				    d.type == EFI_MT_BS_DATA)
					covered = true;
				else
					blocked = true;
			}
			for (i = 0; i < nres; i++)
				if (res[i].size && res[i].base < hi && lo < res[i].base + res[i].size)
					blocked = true;
			free_page[p] = covered && !blocked;
		}
		for (p = 0; p < MODEL_PAGES; p++) {
			if (!free_page[p])
				continue;
			if (nwant && want[nwant - 1].base + want[nwant - 1].size == p * PG)
				want[nwant - 1].size += PG;
			else
				want[nwant++] = (struct mem_range){ p * PG, PG };
		}

		n = free_ranges(&m, res, nres, out, MODEL_PAGES, NULL);
		/* Free memory may extend past the model's window: compare inside it. */
		while (n && out[n - 1].base >= MODEL_PAGES * PG)
			n--;
		if (n && out[n - 1].base + out[n - 1].size > MODEL_PAGES * PG)
			out[n - 1].size = MODEL_PAGES * PG - out[n - 1].base;
		if (n != nwant)
			fail_msg("round %d: %zu ranges, model %zu", round, n, nwant);
		for (i = 0; i < n; i++)
			if (out[i].base != want[i].base || out[i].size != want[i].size)
				fail_msg("round %d range %zu: %#llx+%#llx, model %#llx+%#llx",
					 round, i, (unsigned long long)out[i].base,
					 (unsigned long long)out[i].size,
					 (unsigned long long)want[i].base,
					 (unsigned long long)want[i].size);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ovmf_like),
		cmocka_unit_test(test_unsorted),
		cmocka_unit_test(test_below_1mib),
		cmocka_unit_test(test_low_ranges),
		cmocka_unit_test(test_overlaps),
		cmocka_unit_test(test_reserved),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_bad_maps),
		cmocka_unit_test(test_ram_bytes),
		cmocka_unit_test(test_type_names),
		cmocka_unit_test(test_random_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
