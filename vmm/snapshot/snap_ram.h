/*
 * The payload of a RAM section (SNAP_SEC_RAM): up to SNAP_RAM_RUN_PAGES
 * consecutive guest pages, zero pages marked rather than copied.
 *
 *   u64 guest-physical address of the first page (4 KiB-aligned),
 *   u32 page count, a bitmap with one bit per page (1: its 4 KiB follow),
 *   then the 4 KiB of each page whose bit is set, in order.
 *
 * Pure: kernel and host unit tests. Pages are reached through a callback,
 * so the same code serves guest RAM, a test buffer or a copy-on-write map.
 */
#ifndef VMM_SNAPSHOT_SNAP_RAM_H
#define VMM_SNAPSHOT_SNAP_RAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/snapshot/snap_fields.h"

#define SNAP_RAM_VERSION 1U
#define SNAP_RAM_PAGE 4096U
#define SNAP_RAM_RUN_PAGES 512U /* 2 MiB: one chunk of guest RAM */
#define SNAP_RAM_PAYLOAD_MAX (12 + SNAP_RAM_RUN_PAGES / 8 + SNAP_RAM_RUN_PAGES * SNAP_RAM_PAGE)

/* The host address of the guest page at gpa (4 KiB-aligned, inside guest RAM). */
typedef uint8_t *(*snap_page_fn)(void *ctx, uint64_t gpa);

/* Writes pages [gpa, gpa + count * 4 KiB); returns how many were zero (count <= SNAP_RAM_RUN_PAGES). */
uint32_t snap_ram_put(struct snap_out *o, uint64_t gpa, uint32_t count, snap_page_fn page, void *ctx);

/* What a RAM payload covers, checked whole before anything is written: NULL, or why it is refused. */
const char *snap_ram_check(const void *payload, size_t len, uint64_t ram_bytes, uint64_t *gpa,
			   uint32_t *count);

/* Writes a checked payload's pages into guest RAM (zero pages are cleared). */
void snap_ram_load(const void *payload, size_t len, snap_page_fn page, void *ctx);

#endif
