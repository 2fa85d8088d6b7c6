/*
 * The page tables the kernel starts on, and the jump into it.
 *
 * The kernel is linked in the top 2 GiB (-mcmodel=kernel) but loaded
 * wherever UEFI had free pages, so the loader maps its virtual span onto the
 * physical copy and identity-maps RAM and the low 4 GiB of MMIO beside it.
 * The kernel replaces these tables early with its own (with W^X); these only
 * have to be correct, not tight. Tables live in BOOT_MEM_LOADER pages so the
 * kernel's frame allocator never hands them out while they are in use.
 */
#include "boot/loader.h"

#define PTE_P 0x1ULL
#define PTE_W 0x2ULL
#define PTE_PS 0x80ULL
#define PAGE_2M 0x200000ULL

static UINT64 *table_at(UINT64 *parent, unsigned idx)
{
	UINT64 page;

	if (parent[idx] & PTE_P)
		return (UINT64 *)(parent[idx] & ~0xfffULL);
	page = loader_alloc_pages(1, BOOT_MEM_LOADER);
	if (!page)
		return NULL;
	parent[idx] = page | PTE_P | PTE_W;
	return (UINT64 *)page;
}

UINT64 loader_build_page_tables(UINT64 identity_limit, UINT64 kernel_virt, UINT64 kernel_phys,
				UINT64 kernel_size)
{
	UINT64 *pml4 = (UINT64 *)loader_alloc_pages(1, BOOT_MEM_LOADER);
	UINT64 addr, off;

	if (!pml4)
		return 0;
	for (addr = 0; addr < identity_limit; addr += PAGE_2M) {
		UINT64 *pdpt = table_at(pml4, (addr >> 39) & 511);
		UINT64 *pd = pdpt ? table_at(pdpt, (addr >> 30) & 511) : NULL;

		if (!pd)
			return 0;
		pd[(addr >> 21) & 511] = addr | PTE_P | PTE_W | PTE_PS;
	}
	for (off = 0; off < kernel_size; off += EFI_PAGE_SIZE) {
		UINT64 va = kernel_virt + off;
		UINT64 *pdpt = table_at(pml4, (va >> 39) & 511);
		UINT64 *pd = pdpt ? table_at(pdpt, (va >> 30) & 511) : NULL;
		UINT64 *pt = pd ? table_at(pd, (va >> 21) & 511) : NULL;

		if (!pt)
			return 0;
		pt[(va >> 12) & 511] = (kernel_phys + off) | PTE_P | PTE_W;
	}
	return (UINT64)pml4;
}

void loader_enter_kernel(UINT64 cr3, UINT64 entry, struct boot_info *info)
{
	/*
	 * Interrupts stay off from here: the firmware's IDT is about to become
	 * meaningless to us. The UEFI stack remains valid (identity-mapped)
	 * until the kernel switches to its own.
	 */
	__asm__ volatile("cli\n\t"
			 "mov %0, %%cr3\n\t"
			 "jmp *%1"
			 :
			 : "r"(cr3), "r"(entry), "D"(info)
			 : "memory");
	__builtin_unreachable();
}
