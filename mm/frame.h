/*
 * Physical frame allocator: 4 KiB frames over the free ranges the memory
 * map yields (mm/memmap.h), one bit per frame between the lowest and the
 * highest free address. The storage comes from the caller, because at boot
 * the kernel carves it out of a free range before any allocator exists.
 *
 * No locking (callers lock) and no zeroing (callers zero through their own
 * mapping). Pure: host unit tests run it over plain arrays.
 */
#ifndef MM_FRAME_H
#define MM_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mm/memmap.h"

#define FRAME_SIZE 4096ULL
#define FRAME_SHIFT 12

/*
 * The storage holds two bitmaps of the same length: `bitmap` (1 = in use
 * or not RAM) and, right after it, one with 1 for every frame that was
 * free RAM at frame_init. The second is what lets frame_free refuse a frame
 * in a hole between ranges, which would otherwise look allocated.
 */
struct frame_allocator {
	uint64_t base;		/* phys of bit 0 */
	uint64_t frames;	/* bits */
	uint64_t *bitmap;	/* 1 = in use or not RAM */
	uint64_t free_frames, total_free_frames;
	uint64_t hint;		/* frame where the next search starts */
};

/* Bytes of bitmap storage needed to cover the ranges (rounded up to 8). */
size_t frame_bitmap_bytes(const struct mem_range *free, size_t n);

/*
 * Marks every frame of `free` available, then marks the storage's own
 * frames [storage_phys, storage_phys+storage_bytes) used (the kernel carves
 * storage out of a free range). 0 ok, -1 if storage too small or ranges
 * empty. Ranges need not be sorted; partial frames at their ends are not
 * used. Frame 0 is never made available.
 */
int frame_init(struct frame_allocator *fa, const struct mem_range *free, size_t n,
	       uint64_t *storage, size_t storage_bytes, uint64_t storage_phys);

uint64_t frame_alloc(struct frame_allocator *fa); /* phys, 0 when none left (0 is never free) */

/* `count` contiguous frames whose start is aligned to align_frames (a power of two); 0 when none */
uint64_t frame_alloc_contig(struct frame_allocator *fa, uint64_t count, uint64_t align_frames);

/*
 * `count` contiguous frames, aligned as above, that all lie below the
 * physical address `limit`; the lowest such run, 0 when none. For what
 * hardware wants low, such as a page table loaded from 32-bit code (below
 * 4 GiB). Leaves the next-fit hint alone.
 */
uint64_t frame_alloc_below(struct frame_allocator *fa, uint64_t count, uint64_t align_frames,
			   uint64_t limit);

/*
 * 0 ok; -1 if any frame in the run is outside the allocator, not
 * page-aligned, or not currently allocated (double free) -- and then nothing
 * is changed. A frame in a hole between the free ranges counts as outside.
 * count 0 is a no-op.
 */
int frame_free(struct frame_allocator *fa, uint64_t phys, uint64_t count);

/* True for a RAM frame handed out (or holding the bitmap); false for holes and out of range. */
bool frame_is_allocated(const struct frame_allocator *fa, uint64_t phys);

#endif
