/*
 * Guest page-table walker: see vmm/exit/guest_walk.h.
 *
 * Pure logic for VMX root and host tests. Entry formats and reserved bits
 * follow SDM Vol. 3 chapter 4: 32-bit paging 4.3 (tables 4-4..4-6), PAE
 * 4.4 (tables 4-8..4-11), 4-level 4.5 (tables 4-14..4-20), reserved-bit
 * rules 4.7.
 */
#include <stddef.h>
#include <stdint.h>

#include "lib/string.h"
#include "vmm/exit/guest_walk.h"

#define PTE_P (1ULL << 0)
#define PTE_PS (1ULL << 7)
#define PTE_XD (1ULL << 63)

#define PAGE_SHIFT 12
#define PAGE_SIZE (1ULL << PAGE_SHIFT)
#define PAGE_OFFSET_MASK (PAGE_SIZE - 1)

/* 32-bit paging: CR3 and the PDE/PTE frame fields are bits 31:12. */
#define PG32_FRAME_MASK 0xfffff000ULL
/* 4 MiB PDE (table 4-4): bits 31:22 are the frame, 20:13 hold phys 39:32. */
#define PG32_4M_FRAME_MASK 0xffc00000ULL
#define PG32_4M_HIGH_SHIFT 13
#define PG32_4M_HIGH_MASK 0xffULL
#define PG32_4M_RSVD_BIT21 (1ULL << 21)

/* PAE: CR3 bits 31:5 locate the PDPT; PDPTE bits 2:1 and 8:5 are reserved (table 4-8). */
#define PAE_CR3_MASK 0xffffffe0ULL
#define PAE_PDPTE_RSVD 0x1e6ULL

#define MAXPHYADDR_DEFAULT 52U
#define MAXPHYADDR_MIN 32U

/* Bits hi:lo set, empty when lo > hi. */
static uint64_t bits(unsigned int hi, unsigned int lo)
{
	if (lo > hi)
		return 0;
	return (~0ULL >> (63 - hi)) & ~((1ULL << lo) - 1);
}

struct walk_env {
	guest_read_fn read;
	void *ctx;
	unsigned int maxphy;
	uint64_t frame_mask; /* bits maxphy-1:12 */
	uint64_t rsvd;       /* reserved in every PAE/4-level entry of this mode */
};

/* Reads a little-endian entry of 4 or 8 bytes. */
static enum walk_result walk_read_entry(const struct walk_env *w, uint64_t gpa, unsigned int len,
					uint64_t *e)
{
	uint8_t buf[8];

	if (w->read(w->ctx, gpa, buf, len))
		return WALK_BAD_GPA;
	*e = 0;
	for (unsigned int i = 0; i < len; i++)
		*e |= (uint64_t)buf[i] << (8 * i);
	return WALK_OK;
}

/*
 * 64-bit entries from `level` (4 = PML4, 3 = PDPT, 2 = PD, 1 = PT) down,
 * shared by PAE (from level 2) and 4-level paging. PS makes a 1 GiB page
 * at level 3 and a 2 MiB page at level 2, whose frame bits below the page
 * size (other than PAT, bit 12) are reserved; PS is reserved in a PML4E.
 */
static enum walk_result walk_levels(const struct walk_env *w, uint64_t table, uint64_t gva,
				    int level, uint64_t *gpa)
{
	enum walk_result res;
	uint64_t e;

	for (;; level--) {
		unsigned int shift = PAGE_SHIFT + 9 * (unsigned int)(level - 1);
		uint64_t idx = (gva >> shift) & 0x1ffU;

		res = walk_read_entry(w, table + idx * 8, 8, &e);
		if (res != WALK_OK)
			return res;
		if (!(e & PTE_P))
			return WALK_NOT_PRESENT;
		if (e & w->rsvd)
			return WALK_RESERVED_BIT;
		if (level == 1) {
			*gpa = (e & w->frame_mask) | (gva & PAGE_OFFSET_MASK);
			return WALK_OK;
		}
		if (e & PTE_PS) {
			if (level == 4)
				return WALK_RESERVED_BIT;
			if (e & bits(shift - 1, PAGE_SHIFT + 1))
				return WALK_RESERVED_BIT;
			*gpa = (e & w->frame_mask & ~bits(shift - 1, 0)) | (gva & bits(shift - 1, 0));
			return WALK_OK;
		}
		table = e & w->frame_mask;
	}
}

/* 32-bit paging, SDM 4.3: two levels of 4-byte entries, optional 4 MiB pages. */
static enum walk_result walk_32bit(const struct walk_env *w, const struct guest_paging *pg,
				   uint32_t gva, uint64_t *gpa)
{
	enum walk_result res;
	uint64_t pde, pte;

	res = walk_read_entry(w, (pg->cr3 & PG32_FRAME_MASK) + (uint64_t)(gva >> 22) * 4, 4, &pde);
	if (res != WALK_OK)
		return res;
	if (!(pde & PTE_P))
		return WALK_NOT_PRESENT;

	if ((pde & PTE_PS) && (pg->cr4 & GUEST_CR4_PSE)) {
		/*
		 * PSE-36: PDE bits (M-20):13 are phys (M-1):32, so 20:(M-19) are
		 * reserved; none are from M = 40 up, as PSE-36 stops at 40 bits.
		 */
		if (pde & (PG32_4M_RSVD_BIT21 | bits(20, w->maxphy - 19)))
			return WALK_RESERVED_BIT;
		*gpa = (pde & PG32_4M_FRAME_MASK) |
		       (((pde >> PG32_4M_HIGH_SHIFT) & PG32_4M_HIGH_MASK) << 32) |
		       (gva & 0x3fffffU);
		return WALK_OK;
	}

	res = walk_read_entry(w, (pde & PG32_FRAME_MASK) + ((gva >> PAGE_SHIFT) & 0x3ffU) * 4, 4,
			      &pte);
	if (res != WALK_OK)
		return res;
	if (!(pte & PTE_P))
		return WALK_NOT_PRESENT;
	*gpa = (pte & PG32_FRAME_MASK) | (gva & PAGE_OFFSET_MASK);
	return WALK_OK;
}

/* PAE paging, SDM 4.4: four PDPTEs at CR3, then 64-bit PD and PT. */
static enum walk_result walk_pae(const struct walk_env *w, const struct guest_paging *pg,
				 uint32_t gva, uint64_t *gpa)
{
	enum walk_result res;
	uint64_t pdpte;

	res = walk_read_entry(w, (pg->cr3 & PAE_CR3_MASK) + (uint64_t)(gva >> 30) * 8, 8, &pdpte);
	if (res != WALK_OK)
		return res;
	if (!(pdpte & PTE_P))
		return WALK_NOT_PRESENT;
	/* PDPTEs have no XD bit: 63:M are all reserved (table 4-8). */
	if (pdpte & (PAE_PDPTE_RSVD | bits(63, w->maxphy)))
		return WALK_RESERVED_BIT;
	return walk_levels(w, pdpte & w->frame_mask, gva, 2, gpa);
}

enum walk_result guest_walk(const struct guest_paging *pg, uint64_t gva, guest_read_fn read,
			    void *ctx, uint64_t *gpa)
{
	struct walk_env w = { .read = read, .ctx = ctx };
	uint64_t no_xd = (pg->efer & GUEST_EFER_NXE) ? 0 : PTE_XD;

	w.maxphy = pg->maxphyaddr ? pg->maxphyaddr : MAXPHYADDR_DEFAULT;
	if (w.maxphy > MAXPHYADDR_DEFAULT)
		w.maxphy = MAXPHYADDR_DEFAULT;
	if (w.maxphy < MAXPHYADDR_MIN)
		w.maxphy = MAXPHYADDR_MIN;
	w.frame_mask = bits(w.maxphy - 1, PAGE_SHIFT);

	/* Table 4-1 picks the mode from CR0.PG, CR4.PAE, EFER.LMA and CR4.LA57. */
	if (!(pg->cr0 & GUEST_CR0_PG)) {
		*gpa = (uint32_t)gva;
		return WALK_OK;
	}
	if (pg->efer & GUEST_EFER_LMA) {
		if (pg->cr4 & GUEST_CR4_LA57)
			return WALK_UNSUPPORTED;
		/* 4-level linear addresses are 48 bits sign-extended (SDM Vol. 1 3.3.7.1). */
		if ((uint64_t)((int64_t)(gva << 16) >> 16) != gva)
			return WALK_NON_CANONICAL;
		/* Entry bits 51:M are reserved; 62:52 are ignored or protection keys. */
		w.rsvd = bits(51, w.maxphy) | no_xd;
		return walk_levels(&w, pg->cr3 & w.frame_mask, gva, 4, gpa);
	}
	if (pg->cr4 & GUEST_CR4_PAE) {
		/* PAE entries reserve 62:M, not only 51:M (tables 4-9..4-11). */
		w.rsvd = bits(62, w.maxphy) | no_xd;
		return walk_pae(&w, pg, (uint32_t)gva, gpa);
	}
	return walk_32bit(&w, pg, (uint32_t)gva, gpa);
}

int guest_read_virt(const struct guest_paging *pg, uint64_t gva, void *buf, size_t len,
		    guest_read_fn read, void *ctx)
{
	uint8_t *out = buf;

	/* 4 KiB steps are right for every page size and keep the loop simple. */
	while (len > 0) {
		size_t chunk = (size_t)(PAGE_SIZE - (gva & PAGE_OFFSET_MASK));
		uint64_t gpa;

		if (chunk > len)
			chunk = len;
		if (guest_walk(pg, gva, read, ctx, &gpa) != WALK_OK)
			return -1;
		if (read(ctx, gpa, out, chunk))
			return -1;
		out += chunk;
		gva += chunk;
		len -= chunk;
	}
	return 0;
}
