/*
 * Per-CPU GDT and TSS. Each CPU gets a 64-bit code and data segment and a
 * TSS whose interrupt stack table gives #DF, NMI and #MC a known-good stack,
 * so that a kernel stack overflow still reaches the exception report.
 */
#ifndef ARCH_X86_GDT_H
#define ARCH_X86_GDT_H

#include <stdint.h>

#define HV_MAX_CPUS 16

#define GDT_KERNEL_CS 0x08U
#define GDT_KERNEL_DS 0x10U
#define GDT_TSS 0x18U

/* IST slots (1-based, as the IDT encodes them). */
#define IST_DOUBLE_FAULT 1
#define IST_NMI 2
#define IST_MACHINE_CHECK 3

struct tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));
_Static_assert(sizeof(struct tss64) == 104, "TSS layout (SDM Vol. 3, 8.7)");

struct gdt_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

/* Builds and loads CPU `cpu`'s GDT and TSS, reloading every segment register. */
void gdt_init_cpu(unsigned cpu);

/* The descriptor tables as loaded on `cpu` (VMCS host-state fields need them). */
uint64_t gdt_base(unsigned cpu);
uint64_t tss_base(unsigned cpu);

#endif
