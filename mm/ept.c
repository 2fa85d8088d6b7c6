/*
 * The 4-level EPT builder (SDM 28.2.2): one recursive walk serves map,
 * unmap and protect, splitting large pages when only part of one changes
 * and freeing tables that become empty.
 *
 * Pure logic: memory comes through struct ept_env, so this file runs in VMX
 * root on the frame allocator and in host unit tests alike. Not locked.
 */
#include "mm/ept.h"

#include <stddef.h>

#define EPT_ENTRIES 512U
#define EPT_HPA_LIMIT (1UL << 52) /* the widest MAXPHYADDR, SDM 28.2.2 */

/* Page-walk length 4, encoded as length minus one in EPTP bits 5:3 (24.6.11). */
#define EPTP_WALK_LENGTH_4 (3UL << 3)

enum ept_op_kind { EPT_OP_MAP, EPT_OP_UNMAP, EPT_OP_PROTECT };

struct ept_op {
	enum ept_op_kind kind;
	uint64_t hpa_delta; /* map: hpa - gpa, modulo 2^64 */
	uint32_t perms;
	uint8_t memtype;
};

/* Bytes one entry at @level maps: level 1 is the page table, 4 the PML4. */
static uint64_t level_size(int level)
{
	return EPT_PAGE_4K << (9 * (level - 1));
}

static unsigned int level_index(uint64_t gpa, int level)
{
	return (unsigned int)(gpa >> (12 + 9 * (level - 1))) & (EPT_ENTRIES - 1U);
}

/* Present means any of R, W, X (SDM 28.2.2); we store non-present entries as 0. */
static bool entry_present(uint64_t e)
{
	return (e & EPT_ENTRY_PERM_MASK) != 0;
}

static bool entry_is_leaf(uint64_t e, int level)
{
	return level == 1 || (e & EPT_ENTRY_LARGE);
}

static bool leaf_allowed(const struct ept *ept, int level)
{
	return level == 1 || (level == 2 && ept->allow_2m) || (level == 3 && ept->allow_1g);
}

static uint64_t make_leaf(uint64_t hpa, uint32_t perms, uint8_t memtype, int level)
{
	uint64_t e = hpa | perms | ((uint64_t)memtype << EPT_ENTRY_MT_SHIFT) | EPT_ENTRY_IGNORE_PAT;

	if (level > 1)
		e |= EPT_ENTRY_LARGE;
	return e;
}

static uint64_t *table_virt(const struct ept *ept, uint64_t phys)
{
	return ept->env.phys_to_virt(ept->env.ctx, phys);
}

static uint64_t table_alloc(struct ept *ept)
{
	uint64_t phys = ept->env.alloc_table(ept->env.ctx);

	if (phys)
		ept->table_pages++;
	return phys;
}

static void table_free(struct ept *ept, uint64_t phys)
{
	ept->env.free_table(ept->env.ctx, phys);
	ept->table_pages--;
}

static bool table_empty(const uint64_t *t)
{
	for (unsigned int i = 0; i < EPT_ENTRIES; i++)
		if (t[i])
			return false;
	return true;
}

/* Frees the table at @phys, which sits at @level, and every table below it. */
static void free_tree(struct ept *ept, uint64_t phys, int level)
{
	if (level > 1) {
		const uint64_t *t = table_virt(ept, phys);

		for (unsigned int i = 0; i < EPT_ENTRIES; i++)
			if (entry_present(t[i]) && !entry_is_leaf(t[i], level))
				free_tree(ept, t[i] & EPT_ENTRY_ADDR_MASK, level - 1);
	}
	table_free(ept, phys);
}

/*
 * Makes *@entry (at @level > 1) point to a table and returns the table's
 * phys, 0 if no page could be had (the entry is then unchanged). A large
 * page becomes 512 pages of the next size with the same permissions, memory
 * type and ignore-PAT, so the guest sees no difference; the new table is
 * complete before it is linked.
 */
static uint64_t ensure_table(struct ept *ept, uint64_t *entry, int level)
{
	uint64_t e = *entry;
	uint64_t phys;

	if (entry_present(e) && !entry_is_leaf(e, level))
		return e & EPT_ENTRY_ADDR_MASK;

	phys = table_alloc(ept);
	if (!phys)
		return 0;

	if (entry_present(e)) {
		uint64_t *child = table_virt(ept, phys);
		uint64_t child_size = level_size(level - 1);
		uint64_t base = e & EPT_ENTRY_ADDR_MASK;
		uint64_t attrs = e & ~(EPT_ENTRY_ADDR_MASK | EPT_ENTRY_LARGE);

		if (level - 1 > 1)
			attrs |= EPT_ENTRY_LARGE;
		for (unsigned int i = 0; i < EPT_ENTRIES; i++)
			child[i] = (base + i * child_size) | attrs;
	}

	/* Permissions are ANDed down the walk (28.2.3): a table entry grants all. */
	*entry = phys | EPT_RWX;
	return phys;
}

/*
 * Applies @op to [start, end), which lies inside the range the table at
 * @table_phys (at @level) maps. Entries wholly inside the range are changed
 * in place; entries only partly inside are handled in the table below,
 * made or split for the purpose.
 */
static int ept_walk(struct ept *ept, uint64_t table_phys, int level, uint64_t start, uint64_t end,
		    const struct ept_op *op)
{
	uint64_t *t = table_virt(ept, table_phys);
	uint64_t size = level_size(level);
	uint64_t addr, next;

	for (addr = start; addr < end; addr = next) {
		uint64_t base = addr & ~(size - 1);
		uint64_t *entry = &t[level_index(addr, level)];
		uint64_t e = *entry;
		uint64_t child;
		bool whole;
		int ret;

		/* base + size cannot wrap: gpa < 2^48. */
		next = base + size < end ? base + size : end;
		whole = addr == base && next == base + size;

		switch (op->kind) {
		case EPT_OP_MAP: {
			uint64_t hpa = addr + op->hpa_delta;

			if (whole && leaf_allowed(ept, level) && !(hpa & (size - 1))) {
				*entry = make_leaf(hpa, op->perms, op->memtype, level);
				if (entry_present(e) && !entry_is_leaf(e, level))
					free_tree(ept, e & EPT_ENTRY_ADDR_MASK, level - 1);
				continue;
			}
			break;
		}
		case EPT_OP_UNMAP:
			if (!entry_present(e))
				continue;
			if (whole) {
				*entry = 0;
				if (!entry_is_leaf(e, level))
					free_tree(ept, e & EPT_ENTRY_ADDR_MASK, level - 1);
				continue;
			}
			break;
		case EPT_OP_PROTECT:
			if (!entry_present(e))
				continue;
			/* A large page that already has @perms need not be split. */
			if (entry_is_leaf(e, level) && (whole || (e & EPT_ENTRY_PERM_MASK) == op->perms)) {
				*entry = (e & ~EPT_ENTRY_PERM_MASK) | op->perms;
				continue;
			}
			break;
		}

		/* Level 1 entries are always whole, so only levels 2-4 get here. */
		child = ensure_table(ept, entry, level);
		if (!child)
			return -1;
		ret = ept_walk(ept, child, level - 1, addr, next, op);
		/*
		 * Unmap may empty the table; a failed map may leave a fresh one
		 * empty. Free it so memory stays bounded by what is mapped.
		 */
		if ((ret || op->kind == EPT_OP_UNMAP) && table_empty(table_virt(ept, child))) {
			*entry = 0;
			table_free(ept, child);
		}
		if (ret)
			return ret;
	}
	return 0;
}

static bool range_ok(const struct ept *ept, uint64_t gpa, uint64_t size)
{
	return ept->pml4_phys && size && !((gpa | size) & (EPT_PAGE_4K - 1)) &&
	       gpa < EPT_GPA_LIMIT && size <= EPT_GPA_LIMIT - gpa;
}

/* Write without read is an EPT misconfiguration (28.2.3.1). */
static bool perms_ok(uint32_t perms)
{
	return perms && !(perms & ~EPT_RWX) && !((perms & EPT_W) && !(perms & EPT_R));
}

static bool memtype_ok(uint8_t memtype)
{
	return memtype == EPT_MT_UC || memtype == EPT_MT_WC || memtype == EPT_MT_WT ||
	       memtype == EPT_MT_WP || memtype == EPT_MT_WB;
}

int ept_init(struct ept *ept, const struct ept_env *env, bool allow_2m, bool allow_1g)
{
	if (!env || !env->alloc_table || !env->free_table || !env->phys_to_virt)
		return -1;
	ept->env = *env;
	ept->allow_2m = allow_2m;
	ept->allow_1g = allow_1g && allow_2m;
	ept->table_pages = 0;
	ept->pml4_phys = table_alloc(ept);
	return ept->pml4_phys ? 0 : -1;
}

int ept_map(struct ept *ept, uint64_t gpa, uint64_t hpa, uint64_t size, uint32_t perms,
	    uint8_t memtype)
{
	struct ept_op op = {
		.kind = EPT_OP_MAP,
		.hpa_delta = hpa - gpa,
		.perms = perms,
		.memtype = memtype,
	};

	if (!range_ok(ept, gpa, size) || (hpa & (EPT_PAGE_4K - 1)) || hpa >= EPT_HPA_LIMIT ||
	    size > EPT_HPA_LIMIT - hpa || !perms_ok(perms) || !memtype_ok(memtype))
		return -1;
	return ept_walk(ept, ept->pml4_phys, 4, gpa, gpa + size, &op);
}

int ept_unmap(struct ept *ept, uint64_t gpa, uint64_t size)
{
	struct ept_op op = { .kind = EPT_OP_UNMAP };

	if (!range_ok(ept, gpa, size))
		return -1;
	return ept_walk(ept, ept->pml4_phys, 4, gpa, gpa + size, &op);
}

int ept_protect(struct ept *ept, uint64_t gpa, uint64_t size, uint32_t perms)
{
	struct ept_op op = { .kind = EPT_OP_PROTECT, .perms = perms };

	if (!range_ok(ept, gpa, size) || !perms_ok(perms))
		return -1;
	return ept_walk(ept, ept->pml4_phys, 4, gpa, gpa + size, &op);
}

uint64_t ept_lookup(const struct ept *ept, uint64_t gpa, uint64_t *page_size)
{
	uint64_t phys = ept->pml4_phys;

	if (!phys || gpa >= EPT_GPA_LIMIT)
		return 0;
	for (int level = 4; level >= 1; level--) {
		uint64_t e = table_virt(ept, phys)[level_index(gpa, level)];

		if (!entry_present(e))
			return 0;
		if (entry_is_leaf(e, level)) {
			if (page_size)
				*page_size = level_size(level);
			return e;
		}
		phys = e & EPT_ENTRY_ADDR_MASK;
	}
	return 0;
}

int ept_translate(const struct ept *ept, uint64_t gpa, uint64_t *hpa, uint32_t *perms,
		  uint64_t *page_size)
{
	uint64_t size;
	uint64_t e = ept_lookup(ept, gpa, &size);

	if (!e)
		return -1;
	if (hpa)
		*hpa = (e & EPT_ENTRY_ADDR_MASK & ~(size - 1)) | (gpa & (size - 1));
	if (perms)
		*perms = (uint32_t)(e & EPT_ENTRY_PERM_MASK);
	if (page_size)
		*page_size = size;
	return 0;
}

void ept_destroy(struct ept *ept)
{
	if (!ept->pml4_phys)
		return;
	free_tree(ept, ept->pml4_phys, 4);
	ept->pml4_phys = 0;
}

uint64_t ept_eptp(const struct ept *ept)
{
	return ept->pml4_phys | EPT_MT_WB | EPTP_WALK_LENGTH_4;
}
