/*
 * Host tests for mm/frame.c over made-up free ranges with holes, a
 * sub-page range and the bitmap carved out of the first range, as the
 * kernel does at boot. A random run checks it against a shadow array.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "mm/frame.h"

#define MiB (1ULL << 20)
#define PG 4096ULL

/*
 * 64 frames at 1 MiB, a hole, 100 frames at 2 MiB, and two whole frames
 * inside [0x400100, 0x403100). The bitmap lives in the frame at 1 MiB.
 */
static const struct mem_range ranges[] = {
	{ 1 * MiB, 64 * PG },
	{ 2 * MiB, 100 * PG },
	{ 0x400100, 0x3000 },
};
#define NRANGES (sizeof(ranges) / sizeof(ranges[0]))
#define TOTAL_FREE (64 + 100 + 2 - 1)
#define SPAN_FRAMES ((0x403000 - 1 * MiB) / PG)

static uint64_t storage[512];

static bool in_free_range(uint64_t phys)
{
	return (phys >= 1 * MiB && phys < 1 * MiB + 64 * PG) ||
	       (phys >= 2 * MiB && phys < 2 * MiB + 100 * PG) ||
	       (phys >= 0x401000 && phys < 0x403000);
}

static void setup(struct frame_allocator *fa)
{
	size_t bytes = frame_bitmap_bytes(ranges, NRANGES);

	assert_int_equal(frame_init(fa, ranges, NRANGES, storage, bytes, 1 * MiB), 0);
}

static void test_bitmap_bytes(void **state)
{
	static const struct mem_range tiny[] = { { 0x1001, 0xfff }, { 0x5000, 0 } };
	static const struct mem_range one[] = { { 0x10000, 64 * PG } };
	static const struct mem_range sixty_five[] = { { 0x10000, 65 * PG } };

	/* Two bitmaps (in use, RAM) of ceil(frames / 64) words each. */
	assert_int_equal(frame_bitmap_bytes(ranges, NRANGES), 2 * 8 * ((SPAN_FRAMES + 63) / 64));
	assert_int_equal(frame_bitmap_bytes(one, 1), 16);
	assert_int_equal(frame_bitmap_bytes(sixty_five, 1), 32);
	assert_int_equal(frame_bitmap_bytes(ranges, 0), 0);
	assert_int_equal(frame_bitmap_bytes(tiny, 2), 0);
}

static void test_init_errors(void **state)
{
	static const struct mem_range tiny[] = { { 0x1001, 0xfff } };
	struct frame_allocator fa;
	size_t bytes = frame_bitmap_bytes(ranges, NRANGES);

	assert_int_equal(frame_init(&fa, ranges, NRANGES, storage, bytes - 8, 1 * MiB), -1);
	assert_int_equal(frame_init(&fa, ranges, 0, storage, bytes, 1 * MiB), -1);
	assert_int_equal(frame_init(&fa, tiny, 1, storage, sizeof(storage), 1 * MiB), -1);
	assert_int_equal(frame_init(&fa, ranges, NRANGES, NULL, bytes, 1 * MiB), -1);
	/* Larger storage than needed is fine. */
	assert_int_equal(frame_init(&fa, ranges, NRANGES, storage, bytes + 8, 1 * MiB), 0);
}

static void test_counts_and_storage(void **state)
{
	struct frame_allocator fa;

	setup(&fa);
	assert_int_equal(fa.base, 1 * MiB);
	assert_int_equal(fa.frames, SPAN_FRAMES);
	assert_ptr_equal(fa.bitmap, storage);
	assert_int_equal(fa.free_frames, TOTAL_FREE);
	assert_int_equal(fa.total_free_frames, TOTAL_FREE);
	assert_true(frame_is_allocated(&fa, 1 * MiB));		/* the bitmap */
	assert_false(frame_is_allocated(&fa, 1 * MiB + PG));
	assert_false(frame_is_allocated(&fa, 1 * MiB + 64 * PG));	/* hole */
	assert_false(frame_is_allocated(&fa, 0x400000));		/* partial frame */
	assert_false(frame_is_allocated(&fa, 0));
	assert_false(frame_is_allocated(&fa, 0x403000));		/* past the end */
	assert_false(frame_is_allocated(&fa, ~0ULL));

	/* Storage spanning two frames, the second in a hole: only RAM counts. */
	assert_int_equal(frame_init(&fa, ranges, NRANGES, storage, 2 * PG,
				    1 * MiB + 63 * PG), 0);
	assert_int_equal(fa.free_frames, TOTAL_FREE);
	assert_true(frame_is_allocated(&fa, 1 * MiB + 63 * PG));
	assert_false(frame_is_allocated(&fa, 1 * MiB));
	/* Storage outside every range (e.g. loader memory) costs nothing. */
	assert_int_equal(frame_init(&fa, ranges, NRANGES, storage, PG, 64 * MiB), 0);
	assert_int_equal(fa.free_frames, TOTAL_FREE + 1);
}

static void test_alloc_all(void **state)
{
	static uint64_t got[TOTAL_FREE];
	struct frame_allocator fa;
	size_t i, j;

	setup(&fa);
	for (i = 0; i < TOTAL_FREE; i++) {
		uint64_t p = frame_alloc(&fa);

		assert_int_not_equal(p, 0);
		assert_int_equal(p & (PG - 1), 0);
		assert_true(in_free_range(p));
		assert_int_not_equal(p, 1 * MiB); /* never the bitmap's frame */
		assert_true(frame_is_allocated(&fa, p));
		for (j = 0; j < i; j++)
			assert_int_not_equal(got[j], p);
		got[i] = p;
		assert_int_equal(fa.free_frames, TOTAL_FREE - 1 - i);
	}
	/* Next fit hands frames out in address order on a fresh allocator. */
	for (i = 1; i < TOTAL_FREE; i++)
		assert_true(got[i] > got[i - 1]);
	assert_int_equal(frame_alloc(&fa), 0);
	assert_int_equal(frame_alloc(&fa), 0);
	assert_int_equal(frame_alloc_contig(&fa, 1, 1), 0);
	assert_int_equal(fa.free_frames, 0);
	assert_int_equal(fa.total_free_frames, TOTAL_FREE);

	/* Free one in the middle: it is the next one handed out. */
	assert_int_equal(frame_free(&fa, got[70], 1), 0);
	assert_false(frame_is_allocated(&fa, got[70]));
	assert_int_equal(fa.free_frames, 1);
	assert_int_equal(frame_alloc(&fa), got[70]);
	assert_int_equal(frame_alloc(&fa), 0);
}

/* Next fit: a freed frame is not reused until the search wraps around. */
static void test_next_fit(void **state)
{
	struct frame_allocator fa;
	uint64_t first, p;
	int i;

	setup(&fa);
	first = frame_alloc(&fa);
	for (i = 0; i < 9; i++)
		p = frame_alloc(&fa);
	assert_int_equal(frame_free(&fa, first, 1), 0);
	assert_int_equal(frame_alloc(&fa), p + PG);
	assert_true(fa.hint > 0);
}

static void test_frame_zero(void **state)
{
	static const struct mem_range low[] = { { 0, 4 * PG } };
	struct frame_allocator fa;
	uint64_t p;
	int i;

	assert_int_equal(frame_init(&fa, low, 1, storage, sizeof(storage), 64 * MiB), 0);
	assert_int_equal(fa.free_frames, 3);
	assert_false(frame_is_allocated(&fa, 0));
	assert_int_equal(frame_free(&fa, 0, 1), -1);
	for (i = 0; i < 3; i++) {
		p = frame_alloc(&fa);
		assert_int_not_equal(p, 0);
	}
	assert_int_equal(frame_alloc(&fa), 0);
	assert_int_equal(frame_alloc_contig(&fa, 1, 1), 0);
}

static void test_contig(void **state)
{
	struct frame_allocator fa;
	uint64_t p, q, i;

	setup(&fa);
	/* 16-frame alignment: the first range starts at pfn 0x100, frame 0 is the bitmap. */
	p = frame_alloc_contig(&fa, 4, 16);
	assert_int_equal(p, 1 * MiB + 16 * PG);
	for (i = 0; i < 4; i++)
		assert_true(frame_is_allocated(&fa, p + i * PG));
	assert_false(frame_is_allocated(&fa, p + 4 * PG));
	assert_int_equal(fa.free_frames, TOTAL_FREE - 4);

	/* Unaligned: fills from where the last one stopped. */
	q = frame_alloc_contig(&fa, 3, 1);
	assert_int_equal(q, p + 4 * PG);

	/* 64 frames fit only in the second range, never across the hole. */
	p = frame_alloc_contig(&fa, 64, 1);
	assert_int_equal(p, 2 * MiB);
	/* 2 MiB alignment with 36 frames left at 2 MiB + 64 frames: none. */
	assert_int_equal(frame_alloc_contig(&fa, 2, 512), 0);
	/* Bigger than any range. */
	assert_int_equal(frame_alloc_contig(&fa, 101, 1), 0);
	/* The two frames of the sub-page range are found despite the odd base. */
	p = frame_alloc_contig(&fa, 2, 1);
	assert_true(p == 2 * MiB + 64 * PG || p == 0x401000);

	/* Bad arguments. */
	assert_int_equal(frame_alloc_contig(&fa, 0, 1), 0);
	assert_int_equal(frame_alloc_contig(&fa, 1, 0), 0);
	assert_int_equal(frame_alloc_contig(&fa, 1, 3), 0);
	assert_int_equal(frame_alloc_contig(&fa, 1, 1ULL << 63), 0);
	assert_int_equal(frame_alloc_contig(&fa, ~0ULL, 1), 0);
}

static void test_contig_alignment_sweep(void **state)
{
	static const struct mem_range r[] = { { 0x7000, 1000 * PG } }; /* odd base pfn */
	struct frame_allocator fa;
	uint64_t align;

	for (align = 1; align <= 256; align <<= 1) {
		uint64_t p;

		assert_int_equal(frame_init(&fa, r, 1, storage, sizeof(storage), 0), 0);
		frame_alloc(&fa); /* disturb the start */
		p = frame_alloc_contig(&fa, 5, align);
		assert_int_not_equal(p, 0);
		assert_int_equal((p / PG) % align, 0);
		assert_true(p >= 0x7000 && p + 5 * PG <= 0x7000 + 1000 * PG);
	}
	/* 512-frame alignment: pfn 512 is the only aligned frame in [7, 1007). */
	assert_int_equal(frame_init(&fa, r, 1, storage, sizeof(storage), 0), 0);
	assert_int_equal(frame_alloc_contig(&fa, 495, 512), 512 * PG);
	assert_int_equal(frame_alloc_contig(&fa, 1, 512), 0);
}

/* Runs below a limit: lowest first, wholly below it, the next-fit hint untouched. */
static void test_alloc_below(void **state)
{
	struct frame_allocator fa;
	uint64_t hint, p;

	setup(&fa);
	assert_int_equal(frame_alloc(&fa), 1 * MiB + PG); /* frame 0 holds the bitmap */
	hint = fa.hint;
	assert_int_equal(frame_alloc_below(&fa, 2, 1, 1 * MiB + 8 * PG), 1 * MiB + 2 * PG);
	assert_true(frame_is_allocated(&fa, 1 * MiB + 3 * PG));
	/* Frames 4-7 are left below the limit: four fit, eight do not. */
	assert_int_equal(frame_alloc_below(&fa, 8, 1, 1 * MiB + 8 * PG), 0);
	assert_int_equal(frame_alloc_below(&fa, 4, 1, 1 * MiB + 8 * PG), 1 * MiB + 4 * PG);
	/* A frame that straddles the limit is not below it. */
	assert_int_equal(frame_alloc_below(&fa, 1, 1, 1 * MiB + 8 * PG + 100), 0);
	assert_int_equal(frame_alloc_below(&fa, 1, 1, 1 * MiB), 0);
	assert_int_equal(frame_alloc_below(&fa, 1, 1, 0), 0);
	/* Aligned: pfn 0x110 is the first 16-aligned free frame. */
	assert_int_equal(frame_alloc_below(&fa, 1, 16, 2 * MiB), 1 * MiB + 16 * PG);
	/* 47 frames are left in the first range and 20 below the limit in the second: never across the hole. */
	p = frame_alloc_below(&fa, 48, 1, 2 * MiB + 20 * PG);
	assert_int_equal(p, 0);
	assert_int_equal(frame_alloc_below(&fa, 21, 1, 2 * MiB + 20 * PG), 1 * MiB + 17 * PG);
	assert_int_equal(fa.hint, hint);
	assert_int_equal(fa.free_frames, TOTAL_FREE - 1 - 2 - 4 - 1 - 21);
	/* Bad arguments. */
	assert_int_equal(frame_alloc_below(&fa, 0, 1, 4 * MiB), 0);
	assert_int_equal(frame_alloc_below(&fa, 1, 3, 4 * MiB), 0);
	assert_int_equal(frame_alloc_below(&fa, ~0ULL, 1, ~0ULL), 0);
}

static void test_free_errors(void **state)
{
	struct frame_allocator fa;
	uint64_t p, before;

	setup(&fa);
	p = frame_alloc_contig(&fa, 4, 1);
	assert_int_not_equal(p, 0);
	before = fa.free_frames;

	assert_int_equal(frame_free(&fa, p + 1, 1), -1);		/* not aligned */
	assert_int_equal(frame_free(&fa, 0x1000, 1), -1);		/* below base */
	assert_int_equal(frame_free(&fa, 0x403000, 1), -1);		/* past end */
	assert_int_equal(frame_free(&fa, 0x402000, 2), -1);		/* run crosses end */
	assert_int_equal(frame_free(&fa, 0x402000, ~0ULL), -1);
	assert_int_equal(frame_free(&fa, 1 * MiB + 64 * PG, 1), -1);	/* hole */
	assert_int_equal(frame_free(&fa, p + 4 * PG, 1), -1);		/* never allocated */
	/* A run with one free frame at its end: refused, nothing changes. */
	assert_int_equal(frame_free(&fa, p, 5), -1);
	assert_int_equal(fa.free_frames, before);
	assert_true(frame_is_allocated(&fa, p));
	assert_true(frame_is_allocated(&fa, p + 3 * PG));
	assert_int_equal(frame_free(&fa, p, 0), 0);
	assert_int_equal(fa.free_frames, before);

	assert_int_equal(frame_free(&fa, p + PG, 2), 0);
	assert_int_equal(fa.free_frames, before + 2);
	/* Double free of part of the run, then of all of it. */
	assert_int_equal(frame_free(&fa, p + 2 * PG, 1), -1);
	assert_int_equal(frame_free(&fa, p, 4), -1);
	assert_true(frame_is_allocated(&fa, p));
	assert_int_equal(frame_free(&fa, p, 1), 0);
	assert_int_equal(frame_free(&fa, p + 3 * PG, 1), 0);
	assert_int_equal(fa.free_frames, before + 4);
	assert_int_equal(frame_free(&fa, p, 1), -1);
}

/* Random allocations and frees against a shadow copy of who owns what. */
static void test_random_model(void **state)
{
	static const struct mem_range r[] = {
		{ 1 * MiB, 300 * PG }, { 3 * MiB, 77 * PG }, { 5 * MiB + 0x800, 200 * PG },
	};
	static bool owned[0x600];
	struct frame_allocator fa;
	uint64_t nowned = 0, seed = 7, step;

	memset(owned, 0, sizeof(owned));
	assert_int_equal(frame_init(&fa, r, 3, storage, sizeof(storage), 64 * MiB), 0);
	for (step = 0; step < 20000; step++) {
		uint64_t op, p, n, i, pfn;

		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		op = (seed >> 33) % 8;
		n = 1 + (seed >> 40) % 9;
		if (op < 3) {
			p = frame_alloc(&fa);
			n = 1;
		} else if (op < 5) {
			p = frame_alloc_contig(&fa, n, 1ULL << ((seed >> 50) % 4));
		} else {
			/* Free a random run; must succeed iff we own all of it. */
			bool all = true;

			pfn = 0x100 + (seed >> 20) % 0x500;
			for (i = 0; i < n; i++)
				all = all && pfn + i < 0x600 && owned[pfn + i];
			assert_int_equal(frame_free(&fa, pfn * PG, n), all ? 0 : -1);
			if (all) {
				for (i = 0; i < n; i++)
					owned[pfn + i] = false;
				nowned -= n;
			}
			p = 0;
		}
		if (p) {
			pfn = p / PG;
			for (i = 0; i < n; i++) {
				assert_false(owned[pfn + i]);
				owned[pfn + i] = true;
			}
			nowned += n;
		}
		assert_int_equal(fa.free_frames + nowned, fa.total_free_frames);
	}
	assert_int_equal(fa.total_free_frames, 300 + 77 + 199);
	/* Every owned frame is in a range and reported allocated. */
	for (step = 0; step < 0x600; step++) {
		bool in = (step >= 0x100 && step < 0x100 + 300) ||
			  (step >= 0x300 && step < 0x300 + 77) ||
			  (step >= 0x501 && step < 0x501 + 199);

		if (owned[step])
			assert_true(in);
		assert_int_equal(frame_is_allocated(&fa, step * PG), owned[step]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bitmap_bytes),
		cmocka_unit_test(test_init_errors),
		cmocka_unit_test(test_counts_and_storage),
		cmocka_unit_test(test_alloc_all),
		cmocka_unit_test(test_next_fit),
		cmocka_unit_test(test_frame_zero),
		cmocka_unit_test(test_contig),
		cmocka_unit_test(test_contig_alignment_sweep),
		cmocka_unit_test(test_alloc_below),
		cmocka_unit_test(test_free_errors),
		cmocka_unit_test(test_random_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
