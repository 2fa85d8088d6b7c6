/*
 * The machine's physical memory: one frame allocator for the whole
 * hypervisor, built from the UEFI memory map the loader handed over. All of
 * RAM is identity-mapped, so a frame's physical address is also a pointer.
 * SMP-safe (a spinlock around the allocator).
 */
#ifndef MM_PHYS_H
#define MM_PHYS_H

#include <stdint.h>

#include "boot/boot_info.h"

#define PAGE_SIZE 4096ULL

/* 0 ok; -1 if the memory map leaves nothing usable. */
int phys_init(const struct boot_info *info);

uint64_t phys_alloc_page(void);                         /* zeroed; 0 when out of memory */
uint64_t phys_alloc_contig(uint64_t pages, uint64_t align_pages); /* zeroed; 0 when none */
/*
 * Zeroed pages that all lie below `limit`; 0 when none. Memory below 1 MiB
 * is handed out only here, and only once there is none above 1 MiB below
 * the limit: it is kept for what must live there (the AP start-up code).
 */
uint64_t phys_alloc_below(uint64_t pages, uint64_t limit);
void phys_free(uint64_t phys, uint64_t pages);

uint64_t phys_free_pages(void);
uint64_t phys_ram_bytes(void);   /* all RAM the machine reports */
uint64_t phys_limit(void);       /* end of the highest RAM range, 2 MiB-aligned, at least 4 GiB */

static inline void *phys_to_virt(uint64_t phys) { return (void *)phys; }
static inline uint64_t virt_to_phys(const void *p) { return (uint64_t)p; }

#endif
