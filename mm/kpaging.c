/*
 * Builds and installs the hypervisor's page tables. Runs once on the boot
 * CPU (other CPUs load the same CR3). Page-table pages come from the frame
 * allocator and are reached through the identity map the loader set up.
 */
#include "mm/kpaging.h"

#include "arch/x86/cpu.h"
#include "arch/x86/paging.h"
#include "mm/memmap.h"
#include "mm/phys.h"

#define PAGE_2M 0x200000ULL
#define CPUID_EXT_NX (1U << 20)

extern char __kernel_start[], __text_start[], __text_end[], __rodata_start[], __rodata_end[];
extern char __data_start[], __data_end[], boot_stack_guard[];

static uint64_t *pml4;
static uint64_t nx; /* PTE_NX when the CPU has it, else 0 (the bit would be reserved) */

/* The next-level table under parent[idx], created if absent; splits a 2 MiB page. */
static uint64_t *next_table(uint64_t *parent, unsigned idx)
{
	uint64_t e = parent[idx], page;
	uint64_t *t;
	int i;

	if ((e & PTE_P) && !(e & PTE_PS))
		return phys_to_virt(e & PTE_ADDR_MASK);
	page = phys_alloc_page();
	if (!page)
		return NULL;
	t = phys_to_virt(page);
	if (e & PTE_P) /* a 2 MiB page becomes 512 4 KiB pages with the same rights */
		for (i = 0; i < 512; i++)
			t[i] = ((e & PTE_ADDR_MASK) + i * 4096ULL) | (e & ~PTE_ADDR_MASK & ~PTE_PS);
	parent[idx] = page | PTE_P | PTE_W;
	return t;
}

static int map_2m(uint64_t va, uint64_t pa, uint64_t flags)
{
	uint64_t *pdpt = next_table(pml4, PT_INDEX(va, 3));
	uint64_t *pd = pdpt ? next_table(pdpt, PT_INDEX(va, 2)) : NULL;

	if (!pd)
		return -1;
	pd[PT_INDEX(va, 1)] = pa | flags | PTE_PS;
	return 0;
}

static int map_4k(uint64_t va, uint64_t pa, uint64_t flags)
{
	uint64_t *pdpt = next_table(pml4, PT_INDEX(va, 3));
	uint64_t *pd = pdpt ? next_table(pdpt, PT_INDEX(va, 2)) : NULL;
	uint64_t *pt = pd ? next_table(pd, PT_INDEX(va, 1)) : NULL;

	if (!pt)
		return -1;
	pt[PT_INDEX(va, 0)] = flags ? (pa | flags) : 0;
	return 0;
}

static int map_kernel_range(const struct boot_info *info, const char *start, const char *end,
			    uint64_t flags)
{
	uint64_t va;

	for (va = (uint64_t)start; va < (uint64_t)end; va += 4096) {
		uint64_t pa = info->kernel_phys + (va - (uint64_t)__kernel_start);

		if (map_4k(va, pa, va == (uint64_t)boot_stack_guard ? 0 : flags))
			return -1;
	}
	return 0;
}

static int map_runtime_code(const struct boot_info *info)
{
	const uint8_t *map = (const uint8_t *)info->memmap_phys;
	uint64_t off, p;

	for (off = 0; off + info->memmap_desc_size <= info->memmap_size; off += info->memmap_desc_size) {
		const struct efi_mem_desc *d = (const void *)(map + off);

		if (d->type != EFI_MT_RUNTIME_CODE)
			continue;
		/* Firmware images mix code and data in one region: it stays writable. */
		for (p = 0; p < d->number_of_pages; p++)
			if (map_4k(d->physical_start + p * 4096, d->physical_start + p * 4096,
				   PTE_P | PTE_W))
				return -1;
	}
	return 0;
}

int kpaging_init(const struct boot_info *info)
{
	uint64_t addr;

	if (cpuid(0x80000000U, 0).eax >= 0x80000001U &&
	    (cpuid(0x80000001U, 0).edx & CPUID_EXT_NX)) {
		wrmsr(MSR_IA32_EFER, rdmsr(MSR_IA32_EFER) | EFER_NXE);
		nx = PTE_NX;
	}
	/* Below 4 GiB: an AP loads CR3 before it is in long mode (arch/x86/ap_trampoline.asm). */
	pml4 = phys_to_virt(phys_alloc_below(1, 4ULL << 30));
	if (!pml4)
		return -1;
	for (addr = 0; addr < phys_limit(); addr += PAGE_2M)
		if (map_2m(addr, addr, PTE_P | PTE_W | nx))
			return -1;
	if (map_runtime_code(info) ||
	    map_kernel_range(info, __text_start, __text_end, PTE_P) ||
	    map_kernel_range(info, __rodata_start, __rodata_end, PTE_P | nx) ||
	    map_kernel_range(info, __data_start, __data_end, PTE_P | PTE_W | nx))
		return -1;
	write_cr4(read_cr4() | CR4_PGE);
	write_cr0(read_cr0() | CR0_WP); /* read-only means read-only for ring 0 too */
	write_cr3(virt_to_phys(pml4));
	return 0;
}

uint64_t kpaging_cr3(void)
{
	return virt_to_phys(pml4);
}

int kpaging_remap(uint64_t phys, uint64_t pages, enum kpaging_kind kind)
{
	static const uint64_t flags[] = {
		[KPAGING_RAM] = PTE_P | PTE_W,
		[KPAGING_GUARD] = 0,
		[KPAGING_CODE] = PTE_P,
		[KPAGING_MMIO] = PTE_P | PTE_W | PTE_PCD | PTE_PWT,
	};
	uint64_t f = flags[kind], i;
	int rc = 0;

	if (kind != KPAGING_CODE && kind != KPAGING_GUARD)
		f |= nx;
	for (i = 0; i < pages && !rc; i++)
		rc = map_4k(phys + i * PAGE_SIZE, phys + i * PAGE_SIZE, f);
	write_cr3(read_cr3()); /* no global pages in the identity map: this flushes it all */
	return rc;
}
