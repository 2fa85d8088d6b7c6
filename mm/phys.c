/*
 * Builds the frame allocator from the UEFI memory map and serialises access
 * to it. Runs at boot (phys_init) and then in VMX root on any CPU.
 *
 * The loader marked everything it handed over (kernel, images, boot_info,
 * its page tables) with OS memory types, so memmap_free_ranges already
 * leaves them out; the kernel image is also passed as an explicit reserved
 * range in case a firmware merges types.
 *
 * Free memory below 1 MiB is a second, small allocator that only
 * phys_alloc_below draws on: what must live there (the AP start-up code)
 * always finds room.
 */
#include "lib/spinlock.h"
#include "mm/phys.h"

#include "lib/log.h"
#include "lib/string.h"
#include "mm/frame.h"
#include "mm/memmap.h"

#define MAX_FREE_RANGES 256

static struct frame_allocator frames;
static struct mem_range free_ranges[MAX_FREE_RANGES];
static uint64_t ram_bytes, limit;
static spinlock_t lock = SPINLOCK_INIT; /* for both allocators */

/*
 * Free memory below 1 MiB, which `frames` never covers: a pool of its own
 * for phys_alloc_below, so that nothing else uses it up. 256 frames at most.
 */
#define LOW_FRAMES (MEMMAP_LOW_LIMIT / PAGE_SIZE)
#define LOW_MAX_RANGES 32
static struct frame_allocator low_frames;
static uint64_t low_storage[2 * LOW_FRAMES / 64];
static bool have_low;

static uint64_t highest_address(const struct boot_info *info)
{
	const uint8_t *map = (const uint8_t *)info->memmap_phys;
	uint64_t off, top = 4ULL << 30;

	for (off = 0; off + sizeof(struct efi_mem_desc) <= info->memmap_size;
	     off += info->memmap_desc_size) {
		const struct efi_mem_desc *d = (const void *)(map + off);
		uint64_t end = d->physical_start + d->number_of_pages * PAGE_SIZE;

		if (end > top)
			top = end;
	}
	return (top + 0x1fffffULL) & ~0x1fffffULL;
}

static void low_init(const struct boot_info *info, const struct mem_range *reserved, size_t nreserved)
{
	struct mem_range low[LOW_MAX_RANGES];
	size_t n;

	n = memmap_low_free_ranges((const void *)info->memmap_phys, info->memmap_size,
				   info->memmap_desc_size, reserved, nreserved, low, LOW_MAX_RANGES, NULL);
	/* The bitmap is in the kernel image; "at 0" marks frame 0, which is never handed out anyway. */
	have_low = n && !frame_init(&low_frames, low, n, low_storage, sizeof(low_storage), 0);
}

int phys_init(const struct boot_info *info)
{
	struct mem_range reserved[2] = {
		{ info->kernel_phys, info->kernel_size },
		{ info->memmap_phys, info->memmap_size },
	};
	size_t n, i, best = 0, bitmap_bytes;
	bool truncated = false;
	uint64_t storage;

	n = memmap_free_ranges((const void *)info->memmap_phys, info->memmap_size,
			       info->memmap_desc_size, reserved, 2, free_ranges, MAX_FREE_RANGES,
			       &truncated);
	if (!n)
		return -1;
	if (truncated)
		log_warn("phys: memory map has more than %u free ranges; ignoring the rest",
			 MAX_FREE_RANGES);
	ram_bytes = memmap_ram_bytes((const void *)info->memmap_phys, info->memmap_size,
				     info->memmap_desc_size);
	limit = highest_address(info);

	/* The bitmap lives at the start of the largest free range. */
	for (i = 1; i < n; i++)
		if (free_ranges[i].size > free_ranges[best].size)
			best = i;
	bitmap_bytes = frame_bitmap_bytes(free_ranges, n);
	if (bitmap_bytes > free_ranges[best].size)
		return -1;
	storage = free_ranges[best].base;
	memset(phys_to_virt(storage), 0, bitmap_bytes);
	if (frame_init(&frames, free_ranges, n, phys_to_virt(storage), bitmap_bytes, storage))
		return -1;
	low_init(info, reserved, 2);
	return 0;
}

uint64_t phys_alloc_contig(uint64_t pages, uint64_t align_pages)
{
	uint64_t p;

	spin_lock(&lock);
	p = frame_alloc_contig(&frames, pages, align_pages);
	spin_unlock(&lock);
	if (p)
		memset(phys_to_virt(p), 0, pages * PAGE_SIZE);
	return p;
}

uint64_t phys_alloc_below(uint64_t pages, uint64_t limit)
{
	uint64_t p = 0;

	spin_lock(&lock);
	if (limit > MEMMAP_LOW_LIMIT)
		p = frame_alloc_below(&frames, pages, 1, limit);
	if (!p && have_low)
		p = frame_alloc_below(&low_frames, pages, 1, limit);
	spin_unlock(&lock);
	if (p)
		memset(phys_to_virt(p), 0, pages * PAGE_SIZE);
	return p;
}

uint64_t phys_alloc_page(void)
{
	return phys_alloc_contig(1, 1);
}

void phys_free(uint64_t phys, uint64_t pages)
{
	int bad;

	spin_lock(&lock);
	bad = frame_free(phys < MEMMAP_LOW_LIMIT && have_low ? &low_frames : &frames, phys, pages);
	spin_unlock(&lock);
	if (bad)
		log_error("phys: refused to free %llu pages at 0x%llx: not allocated",
			  (unsigned long long)pages, (unsigned long long)phys);
}

uint64_t phys_free_pages(void)
{
	return frames.free_frames;
}

uint64_t phys_ram_bytes(void)
{
	return ram_bytes;
}

uint64_t phys_limit(void)
{
	return limit;
}
