/*
 * Per-CPU GDT and TSS. Runs at boot on each CPU, interrupts off.
 */
#include "arch/x86/gdt.h"

#include "lib/string.h"

#define IST_STACK_SIZE 8192

/* null, kernel code, kernel data, TSS (two slots) */
struct cpu_descriptors {
	uint64_t gdt[5];
	struct tss64 tss;
	uint8_t ist_stacks[3][IST_STACK_SIZE] __attribute__((aligned(16)));
};

static struct cpu_descriptors cpu_desc[HV_MAX_CPUS];

#define SEG_CODE64 0x00209a0000000000ULL /* present, DPL0, code, exec/read, L=1 */
#define SEG_DATA 0x0000920000000000ULL   /* present, DPL0, data, read/write */

static void set_tss_descriptor(uint64_t *slot, const struct tss64 *tss)
{
	uint64_t base = (uint64_t)tss;
	uint64_t limit = sizeof(*tss) - 1;

	slot[0] = (limit & 0xffffU) | ((base & 0xffffffU) << 16) | (0x89ULL << 40) |
		  ((limit >> 16 & 0xfU) << 48) | ((base >> 24 & 0xffU) << 56);
	slot[1] = base >> 32;
}

void gdt_init_cpu(unsigned cpu)
{
	struct cpu_descriptors *d = &cpu_desc[cpu];
	struct gdt_ptr ptr;
	int i;

	memset(d->gdt, 0, sizeof(d->gdt));
	memset(&d->tss, 0, sizeof(d->tss));
	d->gdt[GDT_KERNEL_CS / 8] = SEG_CODE64;
	d->gdt[GDT_KERNEL_DS / 8] = SEG_DATA;
	for (i = 0; i < 3; i++)
		d->tss.ist[i] = (uint64_t)&d->ist_stacks[i][IST_STACK_SIZE];
	d->tss.iomap_base = sizeof(d->tss); /* no I/O permission bitmap */
	set_tss_descriptor(&d->gdt[GDT_TSS / 8], &d->tss);

	ptr.limit = sizeof(d->gdt) - 1;
	ptr.base = (uint64_t)d->gdt;
	__asm__ volatile("lgdt %0\n\t"
			 "mov %1, %%ds\n\t"
			 "mov %1, %%es\n\t"
			 "mov %1, %%ss\n\t"
			 "xor %%eax, %%eax\n\t"
			 "mov %%eax, %%fs\n\t"
			 "mov %%eax, %%gs\n\t"
			 "pushq %2\n\t"
			 "lea 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "ltr %w3"
			 :
			 : "m"(ptr), "r"((uint64_t)GDT_KERNEL_DS), "i"(GDT_KERNEL_CS), "r"(GDT_TSS)
			 : "rax", "memory");
}

uint64_t gdt_base(unsigned cpu)
{
	return (uint64_t)cpu_desc[cpu].gdt;
}

uint64_t tss_base(unsigned cpu)
{
	return (uint64_t)&cpu_desc[cpu].tss;
}
