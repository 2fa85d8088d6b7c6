/*
 * The 4-level EPT builder: maps guest-physical ranges to host-physical ones
 * with permissions and a memory type (SDM 28.2.2, tables 28-1..28-6), using
 * the largest page sizes the alignment of each piece and the CPU allow.
 *
 * Pure logic behind an environment seam (struct ept_env) so that it runs
 * in VMX root on the kernel's frame allocator and in host unit tests on
 * aligned_alloc. Not locked: one caller at a time per struct ept.
 *
 * The builder never invalidates anything. Changing or removing entries of
 * an EPT that a CPU has used needs a single-context INVEPT on every such CPU
 * before its next VM entry; the caller does that. Table pages are freed
 * during unmap/map/destroy, so the guest's vCPUs must not run while its EPT
 * changes (a CPU may still walk stale entries until the INVEPT).
 */
#ifndef MM_EPT_H
#define MM_EPT_H

#include <stdbool.h>
#include <stdint.h>

struct ept_env {
	uint64_t (*alloc_table)(void *ctx); /* phys of a zeroed 4 KiB page, 0 on failure */
	void (*free_table)(void *ctx, uint64_t phys);
	void *(*phys_to_virt)(void *ctx, uint64_t phys);
	void *ctx;
};

/* Permission bits (entry bits 0-2). Write without read is a misconfiguration (28.2.3.1). */
#define EPT_R 1U
#define EPT_W 2U
#define EPT_X 4U
#define EPT_RWX (EPT_R | EPT_W | EPT_X)

/* Leaf memory types (entry bits 5:3, SDM 28.2.6.1); 2, 3 and 7 are reserved. */
#define EPT_MT_UC 0U
#define EPT_MT_WC 1U
#define EPT_MT_WT 4U
#define EPT_MT_WP 5U
#define EPT_MT_WB 6U

/* Entry layout, SDM 28.2.2 (tables 28-1..28-6). */
#define EPT_ENTRY_PERM_MASK 0x7UL
#define EPT_ENTRY_MT_SHIFT 3
#define EPT_ENTRY_MT_MASK (0x7UL << EPT_ENTRY_MT_SHIFT)
#define EPT_ENTRY_IGNORE_PAT (1UL << 6)
#define EPT_ENTRY_LARGE (1UL << 7) /* PDPTE: 1 GiB page, PDE: 2 MiB page */
#define EPT_ENTRY_ADDR_MASK 0x000ffffffffff000UL /* bits 51:12 */

#define EPT_PAGE_4K 0x1000UL
#define EPT_PAGE_2M 0x200000UL
#define EPT_PAGE_1G 0x40000000UL

/* Guest-physical addresses a 4-level EPT can hold. */
#define EPT_GPA_LIMIT (1UL << 48)

struct ept {
	struct ept_env env;
	uint64_t pml4_phys;
	bool allow_1g;
	bool allow_2m;
	uint64_t table_pages; /* pages held, PML4 included: statistics and leak tests */
};

/*
 * Allocates an empty PML4. @allow_2m/@allow_1g say which large pages the CPU
 * supports (IA32_VMX_EPT_VPID_CAP bits 16 and 17). 1 GiB pages are used only
 * together with 2 MiB pages, since splitting one needs the smaller size.
 * 0 ok, -1 if @env lacks a callback or the PML4 cannot be allocated.
 */
int ept_init(struct ept *ept, const struct ept_env *env, bool allow_2m, bool allow_1g);

/*
 * Maps [gpa, gpa+size) to [hpa, hpa+size) with @perms (EPT_R/W/X) and
 * @memtype (EPT_MT_*), ignore-PAT set. Each piece gets the largest page its
 * gpa and hpa alignment allow; existing mappings in the range are replaced,
 * a large page only partly covered is split first so the rest of it keeps
 * its mapping. gpa, hpa and size are 4 KiB aligned, size > 0,
 * gpa + size <= 2^48, hpa + size <= 2^52.
 * 0 ok; -1 for bad arguments (nothing changed), for @perms that are 0 or
 * W without R, for a reserved @memtype, or when a table page cannot be
 * allocated: then the range may be partly mapped, and the caller should
 * unmap it.
 */
int ept_map(struct ept *ept, uint64_t gpa, uint64_t hpa, uint64_t size, uint32_t perms,
	    uint8_t memtype);

/*
 * Removes every mapping in [gpa, gpa+size); holes are fine. Large pages
 * partly in the range are split, which may need a table page: -1 if that
 * fails (the range is then partly unmapped) or for bad arguments. Tables
 * left empty are freed.
 */
int ept_unmap(struct ept *ept, uint64_t gpa, uint64_t size);

/*
 * Sets the permissions of the mapped pages in [gpa, gpa+size) to @perms,
 * keeping address and memory type; holes stay holes. Large pages partly in
 * the range are split unless they already have @perms. @perms 0 is refused
 * (use ept_unmap). -1 as for ept_unmap.
 */
int ept_protect(struct ept *ept, uint64_t gpa, uint64_t size, uint32_t perms);

/*
 * Walks the tables for @gpa: 0 and *hpa (of gpa itself, not the page),
 * *perms and *page_size if mapped, -1 if not. Any output may be NULL.
 */
int ept_translate(const struct ept *ept, uint64_t gpa, uint64_t *hpa, uint32_t *perms,
		  uint64_t *page_size);

/*
 * The raw leaf entry mapping @gpa (for memory type and dumps) and the size
 * of its page; 0 if unmapped. @page_size may be NULL.
 */
uint64_t ept_lookup(const struct ept *ept, uint64_t gpa, uint64_t *page_size);

/* Frees every table page, the PML4 included; the EPTP is then dead. */
void ept_destroy(struct ept *ept);

/*
 * The VMCS EPT pointer (SDM 24.6.11): WB paging-structure memory type (6),
 * page-walk length 4 (encoded 3), accessed/dirty flags off.
 */
uint64_t ept_eptp(const struct ept *ept);

#endif
