/*
 * Builds the AP start-up trampoline (see ap_boot.h and ap_trampoline.asm).
 * The boot CPU only, with interrupts off, while no AP is running.
 *
 * The code page is mapped read-only and executable in the kernel's tables,
 * the data page stays read/write and never executable: an AP runs the code
 * for a few instructions with paging on, and W^X holds throughout.
 */
#include "arch/x86/ap_boot.h"

#include "arch/x86/cpu.h"
#include "lib/string.h"
#include "mm/kpaging.h"
#include "mm/phys.h"

/* A SIPI vector names a page below 1 MiB, and vectors 0xa0-0xbf are reserved (SDM 10.6.1). */
#define SIPI_PAGE_LIMIT 0xa0000ULL
#define AP_STACK_PAGES 8           /* 32 KiB, as the boot CPU's, after a guard page */

/* Trampoline GDT: accessed bits preset, so the CPU never writes to it. */
#define SEG_CODE64 0x00209b0000000000ULL /* present, DPL0, code, exec/read, accessed, L=1 */
#define SEG_DATA32 0x00cf93000000ffffULL /* flat 4 GiB, read/write, accessed */
#define SEG_CODE32 0x00cf9b000000ffffULL /* flat 4 GiB, exec/read, accessed, D=1 */

extern const char ap_trampoline_start[], ap_trampoline_end[];
extern const char ap_trampoline_pm32[], ap_trampoline_lm64[];

static struct ap_boot_data *data;
static uint64_t stack_base[HV_MAX_CPUS - 1]; /* each begins with its guard page */
static unsigned stacks;

static uint64_t alloc_stack(void)
{
	uint64_t p = phys_alloc_contig(AP_STACK_PAGES + 1, 1);

	if (p && kpaging_remap(p, 1, KPAGING_GUARD)) {
		phys_free(p, AP_STACK_PAGES + 1);
		return 0;
	}
	return p;
}

static int place_code(uint64_t *code, const char **why)
{
	size_t len = (size_t)(ap_trampoline_end - ap_trampoline_start);

	if (len > PAGE_SIZE) {
		*why = "the start-up code is larger than a page";
		return -1;
	}
	*code = phys_alloc_below(2, SIPI_PAGE_LIMIT);
	if (!*code) {
		*why = "no free memory below 640 KiB for the start-up code";
		return -1;
	}
	memcpy(phys_to_virt(*code), ap_trampoline_start, len);
	if (kpaging_remap(*code, 1, KPAGING_CODE)) {
		*why = "out of memory for page tables";
		return -1;
	}
	return 0;
}

uint8_t ap_boot_prepare(unsigned *aps, const char **why)
{
	uint64_t code;

	if (place_code(&code, why))
		return 0;
	data = phys_to_virt(code + PAGE_SIZE);
	data->cr3 = (uint32_t)kpaging_cr3();
	data->efer = (uint32_t)(rdmsr(MSR_IA32_EFER) & (EFER_LME | EFER_NXE));
	data->entry = (uint64_t)ap_entry;
	data->far32.offset = (uint32_t)(code + (uint64_t)(ap_trampoline_pm32 - ap_trampoline_start));
	data->far32.selector = AP_BOOT_SEL_CODE32;
	data->far64.offset = (uint32_t)(code + (uint64_t)(ap_trampoline_lm64 - ap_trampoline_start));
	data->far64.selector = GDT_KERNEL_CS;
	data->gdt[GDT_KERNEL_CS / 8] = SEG_CODE64;
	data->gdt[GDT_KERNEL_DS / 8] = SEG_DATA32;
	data->gdt[AP_BOOT_SEL_CODE32 / 8] = SEG_CODE32;
	data->gdt_limit = sizeof(data->gdt) - 1;
	data->gdt_base_low = (uint16_t)virt_to_phys(data->gdt);
	data->gdt_base_high = (uint16_t)(virt_to_phys(data->gdt) >> 16);

	for (stacks = 0; stacks < *aps && stacks < HV_MAX_CPUS - 1; stacks++) {
		stack_base[stacks] = alloc_stack();
		if (!stack_base[stacks])
			break;
		data->stack_top[stacks] = stack_base[stacks] + (AP_STACK_PAGES + 1) * PAGE_SIZE;
	}
	if (!stacks) {
		*why = "out of memory for AP stacks";
		return 0;
	}
	*aps = stacks;
	data->max_tickets = stacks;
	data->ticket = 0;
	return (uint8_t)(code >> 12);
}

uint32_t ap_boot_close(uint32_t *parked)
{
	uint32_t taken = __atomic_exchange_n(&data->ticket, AP_BOOT_CLOSED, __ATOMIC_SEQ_CST);

	*parked = taken > stacks ? taken - stacks : 0;
	return taken - *parked;
}

void ap_boot_free_unused(uint32_t taken)
{
	for (; taken < stacks; stacks--) {
		uint64_t p = stack_base[stacks - 1];

		/* The guard's page table exists already: mapping it back cannot fail. */
		kpaging_remap(p, 1, KPAGING_RAM);
		phys_free(p, AP_STACK_PAGES + 1);
	}
}
