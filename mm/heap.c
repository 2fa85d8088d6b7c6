/*
 * Kernel heap over the frame allocator. Every block starts with a header
 * naming its size class (or its page count for large blocks) and a magic
 * number, so kfree can refuse a pointer it never handed out instead of
 * corrupting the free lists.
 */
#include "lib/spinlock.h"
#include "mm/heap.h"

#include <stdint.h>

#include "lib/log.h"
#include "lib/string.h"
#include "mm/phys.h"

#define HEAP_MAGIC 0x68656170U /* "heap" */
#define MIN_CLASS 5            /* 32 bytes */
#define MAX_CLASS 11           /* 2048 bytes */
#define LARGE_CLASS 0xffU

struct block_header {
	uint32_t magic;
	uint32_t class;  /* size class (log2 of the block size) or LARGE_CLASS */
	uint64_t pages;  /* for large blocks */
};
_Static_assert(sizeof(struct block_header) == 16, "keeps payloads 16-byte aligned");

struct free_block {
	struct block_header hdr;
	struct free_block *next;
};

static struct free_block *free_lists[MAX_CLASS + 1];
static spinlock_t lock = SPINLOCK_INIT;

/* Carves a fresh page into blocks of one class. Called with the lock held. */
static int refill(unsigned class)
{
	uint64_t page = phys_alloc_page();
	size_t size = 1UL << class, off;

	if (!page)
		return -1;
	for (off = 0; off + size <= PAGE_SIZE; off += size) {
		struct free_block *b = phys_to_virt(page + off);

		b->next = free_lists[class];
		free_lists[class] = b;
	}
	return 0;
}

void *kzalloc(size_t size)
{
	struct block_header *h;
	unsigned class = MIN_CLASS;

	if (size > (1UL << MAX_CLASS) - sizeof(*h)) {
		uint64_t pages = (size + sizeof(*h) + PAGE_SIZE - 1) / PAGE_SIZE;
		uint64_t p = size < (1ULL << 40) ? phys_alloc_contig(pages, 1) : 0;

		if (!p)
			return NULL;
		h = phys_to_virt(p);
		h->magic = HEAP_MAGIC;
		h->class = LARGE_CLASS;
		h->pages = pages;
		return h + 1;
	}
	while ((1UL << class) < size + sizeof(*h))
		class++;
	spin_lock(&lock);
	if (!free_lists[class] && refill(class)) {
		spin_unlock(&lock);
		return NULL;
	}
	h = &free_lists[class]->hdr;
	free_lists[class] = free_lists[class]->next;
	spin_unlock(&lock);
	memset(h, 0, 1UL << class);
	h->magic = HEAP_MAGIC;
	h->class = class;
	return h + 1;
}

void kfree(void *p)
{
	struct block_header *h;
	struct free_block *b;

	if (!p)
		return;
	h = (struct block_header *)p - 1;
	if (h->magic != HEAP_MAGIC ||
	    (h->class != LARGE_CLASS && (h->class < MIN_CLASS || h->class > MAX_CLASS))) {
		log_error("heap: kfree(%p): not a live heap block", p);
		return;
	}
	h->magic = 0; /* a second kfree of the same block is caught above */
	if (h->class == LARGE_CLASS) {
		phys_free(virt_to_phys(h), h->pages);
		return;
	}
	b = (struct free_block *)h;
	spin_lock(&lock);
	b->next = free_lists[h->class];
	free_lists[h->class] = b;
	spin_unlock(&lock);
}
