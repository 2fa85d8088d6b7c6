/*
 * Bitmap frame allocator (see mm/frame.h). Runs in the kernel, VMX root,
 * under the caller's lock. Bit i of a bitmap is frame base + i * 4 KiB;
 * bits past `frames` in the last word are kept "in use" and "not RAM" so
 * that word-wide scans never need a bound check.
 */
#include "mm/frame.h"

#include "lib/string.h"

#define FRAME_MASK (FRAME_SIZE - 1)
#define FRAME_NONE (~0ULL)

static uint64_t frame_words(uint64_t frames)
{
	return (frames + 63) / 64;
}

/* The "was free RAM at init" bitmap, stored right after the in-use one. */
static uint64_t *frame_ram(const struct frame_allocator *fa)
{
	return fa->bitmap + frame_words(fa->frames);
}

static bool frame_bit(const uint64_t *map, uint64_t i)
{
	return (map[i / 64] >> (i % 64)) & 1U;
}

/* Not __builtin_popcountll: without -mpopcnt it is a libgcc call. */
static uint64_t frame_popcount(uint64_t x)
{
	x = x - ((x >> 1) & 0x5555555555555555ULL);
	x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
	return (x * 0x0101010101010101ULL) >> 56;
}

static void frame_mark(uint64_t *map, uint64_t first, uint64_t count, bool set)
{
	while (count) {
		uint64_t bit = first % 64;
		uint64_t n = 64 - bit < count ? 64 - bit : count;
		uint64_t mask = (n == 64 ? ~0ULL : (1ULL << n) - 1) << bit;

		if (set)
			map[first / 64] |= mask;
		else
			map[first / 64] &= ~mask;
		first += n;
		count -= n;
	}
}

/* Index of the first bit in [from, to) equal to `value`, or `to`. */
static uint64_t frame_find_bit(const uint64_t *map, uint64_t from, uint64_t to, bool value)
{
	while (from < to) {
		uint64_t bit = from % 64;
		uint64_t n = 64 - bit < to - from ? 64 - bit : to - from;
		uint64_t bits = (value ? map[from / 64] : ~map[from / 64]) >> bit;

		if (n < 64)
			bits &= (1ULL << n) - 1;
		if (bits)
			return from + (uint64_t)__builtin_ctzll(bits);
		from += n;
	}
	return to;
}

/* The whole frames of a range, as [*b, *e); false if there are none. */
static bool frame_round(const struct mem_range *r, uint64_t *b, uint64_t *e)
{
	if (r->base > ~FRAME_MASK)
		return false;
	*b = (r->base + FRAME_MASK) & ~FRAME_MASK;
	*e = r->size > ~0ULL - r->base ? ~0ULL : r->base + r->size;
	*e &= ~FRAME_MASK;
	return *b < *e;
}

/* Lowest and highest whole-frame addresses of the ranges; false if none. */
static bool frame_span(const struct mem_range *free, size_t n, uint64_t *lo, uint64_t *hi)
{
	bool any = false;
	uint64_t b, e;
	size_t i;

	for (i = 0; i < n; i++) {
		if (!frame_round(&free[i], &b, &e))
			continue;
		if (!any || b < *lo)
			*lo = b;
		if (!any || e > *hi)
			*hi = e;
		any = true;
	}
	return any;
}

size_t frame_bitmap_bytes(const struct mem_range *free, size_t n)
{
	uint64_t lo, hi;

	if (!frame_span(free, n, &lo, &hi))
		return 0;
	return (size_t)(2 * frame_words((hi - lo) >> FRAME_SHIFT) * sizeof(uint64_t));
}

int frame_init(struct frame_allocator *fa, const struct mem_range *free, size_t n,
	       uint64_t *storage, size_t storage_bytes, uint64_t storage_phys)
{
	uint64_t lo, hi, words, i, *ram;

	if (!frame_span(free, n, &lo, &hi) || !storage ||
	    storage_bytes < frame_bitmap_bytes(free, n))
		return -1;

	fa->base = lo;
	fa->frames = (hi - lo) >> FRAME_SHIFT;
	fa->bitmap = storage;
	fa->hint = 0;
	words = frame_words(fa->frames);
	ram = frame_ram(fa);
	memset(fa->bitmap, 0xff, words * sizeof(uint64_t));
	memset(ram, 0, words * sizeof(uint64_t));

	for (i = 0; i < n; i++) {
		uint64_t b, e;

		if (!frame_round(&free[i], &b, &e))
			continue;
		frame_mark(fa->bitmap, (b - lo) >> FRAME_SHIFT, (e - b) >> FRAME_SHIFT, false);
		frame_mark(ram, (b - lo) >> FRAME_SHIFT, (e - b) >> FRAME_SHIFT, true);
	}
	/* 0 means "no frame" to callers, so frame 0 can never be handed out. */
	if (lo == 0) {
		frame_mark(fa->bitmap, 0, 1, true);
		frame_mark(ram, 0, 1, false);
	}
	/* The storage's own frames: in use, but RAM. */
	if (storage_bytes && storage_phys < hi && storage_bytes - 1 <= ~0ULL - storage_phys) {
		uint64_t b = storage_phys & ~FRAME_MASK;
		uint64_t e = storage_phys + storage_bytes - 1; /* last byte */

		if (e >= lo) {
			b = b < lo ? lo : b;
			e = e >= hi ? hi - 1 : e;
			frame_mark(fa->bitmap, (b - lo) >> FRAME_SHIFT,
				   ((e - b) >> FRAME_SHIFT) + 1, true);
		}
	}

	fa->free_frames = 0;
	for (i = 0; i < words; i++)
		fa->free_frames += frame_popcount(ram[i] & ~fa->bitmap[i]);
	fa->total_free_frames = fa->free_frames;
	return 0;
}

uint64_t frame_alloc(struct frame_allocator *fa)
{
	uint64_t idx;

	if (!fa->free_frames)
		return 0;
	/* Next fit: on from the last allocation, then wrap around once. */
	idx = frame_find_bit(fa->bitmap, fa->hint, fa->frames, false);
	if (idx == fa->frames) {
		idx = frame_find_bit(fa->bitmap, 0, fa->hint, false);
		if (idx == fa->hint)
			return 0;
	}
	frame_mark(fa->bitmap, idx, 1, true);
	fa->free_frames--;
	fa->hint = idx + 1 < fa->frames ? idx + 1 : 0;
	return fa->base + (idx << FRAME_SHIFT);
}

/* Smallest index >= from whose physical frame number is a multiple of align. */
static uint64_t frame_next_aligned(const struct frame_allocator *fa, uint64_t from, uint64_t align)
{
	uint64_t pfn = (fa->base >> FRAME_SHIFT) + from;
	uint64_t rem = pfn & (align - 1);

	if (rem == 0)
		return from;
	if (align - rem > FRAME_NONE - from)
		return FRAME_NONE;
	return from + (align - rem);
}

/* First aligned run of `count` free frames starting in [from, to). */
static uint64_t frame_find_run(const struct frame_allocator *fa, uint64_t from, uint64_t to,
			       uint64_t count, uint64_t align)
{
	uint64_t idx = frame_next_aligned(fa, from, align);

	while (idx < to && idx <= fa->frames - count) {
		uint64_t used = frame_find_bit(fa->bitmap, idx, idx + count, true);

		if (used == idx + count)
			return idx;
		/* Every start up to `used` would contain it. */
		idx = frame_next_aligned(fa, used + 1, align);
	}
	return FRAME_NONE;
}

static bool frame_run_args_ok(const struct frame_allocator *fa, uint64_t count, uint64_t align_frames)
{
	return count && count <= fa->free_frames && align_frames && !(align_frames & (align_frames - 1));
}

uint64_t frame_alloc_contig(struct frame_allocator *fa, uint64_t count, uint64_t align_frames)
{
	uint64_t idx;

	if (!frame_run_args_ok(fa, count, align_frames))
		return 0;
	idx = frame_find_run(fa, fa->hint, fa->frames, count, align_frames);
	if (idx == FRAME_NONE)
		idx = frame_find_run(fa, 0, fa->hint, count, align_frames);
	if (idx == FRAME_NONE)
		return 0;
	frame_mark(fa->bitmap, idx, count, true);
	fa->free_frames -= count;
	fa->hint = idx + count < fa->frames ? idx + count : 0;
	return fa->base + (idx << FRAME_SHIFT);
}

uint64_t frame_alloc_below(struct frame_allocator *fa, uint64_t count, uint64_t align_frames,
			   uint64_t limit)
{
	uint64_t end, idx;

	if (!frame_run_args_ok(fa, count, align_frames) || limit <= fa->base)
		return 0;
	end = (limit - fa->base) >> FRAME_SHIFT; /* frames wholly below limit */
	if (end > fa->frames)
		end = fa->frames;
	if (count > end)
		return 0;
	idx = frame_find_run(fa, 0, end - count + 1, count, align_frames);
	if (idx == FRAME_NONE)
		return 0;
	frame_mark(fa->bitmap, idx, count, true);
	fa->free_frames -= count;
	return fa->base + (idx << FRAME_SHIFT);
}

int frame_free(struct frame_allocator *fa, uint64_t phys, uint64_t count)
{
	uint64_t idx, i;

	if (!count)
		return 0;
	if ((phys & FRAME_MASK) || phys < fa->base)
		return -1;
	idx = (phys - fa->base) >> FRAME_SHIFT;
	if (idx >= fa->frames || count > fa->frames - idx)
		return -1;
	/* Check the whole run before touching it. */
	for (i = idx; i < idx + count; i++)
		if (!frame_bit(fa->bitmap, i) || !frame_bit(frame_ram(fa), i))
			return -1;
	frame_mark(fa->bitmap, idx, count, false);
	fa->free_frames += count;
	return 0;
}

bool frame_is_allocated(const struct frame_allocator *fa, uint64_t phys)
{
	uint64_t idx;

	if (phys < fa->base)
		return false;
	idx = (phys - fa->base) >> FRAME_SHIFT;
	return idx < fa->frames && frame_bit(fa->bitmap, idx) && frame_bit(frame_ram(fa), idx);
}
