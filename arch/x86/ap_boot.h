/*
 * The AP start-up trampoline's memory: two pages below 1 MiB (its code,
 * then struct ap_boot_data) and a stack with a guard page for every AP
 * that may arrive. Built by the boot CPU before any SIPI; the pages stay
 * reserved for good, since an AP parked in the trampoline still runs there.
 */
#ifndef ARCH_X86_AP_BOOT_H
#define ARCH_X86_AP_BOOT_H

#include <stddef.h>
#include <stdint.h>

#include "arch/x86/gdt.h"

/* A far pointer as JMP m16:32 reads it. */
struct ap_far_ptr {
	uint32_t offset;
	uint16_t selector;
	uint16_t pad;
};

/* The data page, right after the code page; ap_trampoline.asm uses these offsets. */
struct ap_boot_data {
	uint32_t ticket;      /* LOCK XADD by each AP that arrives; AP_BOOT_CLOSED once closed */
	uint32_t max_tickets; /* tickets from here on have no stack: that AP parks */
	uint32_t cr3;         /* the kernel's page tables */
	uint32_t efer;        /* EFER as the AP enters long mode */
	uint64_t entry;       /* ap_entry */
	struct ap_far_ptr far32, far64;
	uint16_t gdt_limit;   /* GDTR as LGDT reads it: limit, then a 32-bit base in two halves */
	uint16_t gdt_base_low, gdt_base_high;
	uint16_t pad;
	uint64_t gdt[4];      /* null, 64-bit code, data, 32-bit code */
	uint64_t stack_top[HV_MAX_CPUS - 1]; /* by ticket */
};
_Static_assert(offsetof(struct ap_boot_data, ticket) == 0x00, "ap_trampoline.asm: D_TICKET");
_Static_assert(offsetof(struct ap_boot_data, max_tickets) == 0x04, "ap_trampoline.asm: D_MAX_TICKETS");
_Static_assert(offsetof(struct ap_boot_data, cr3) == 0x08, "ap_trampoline.asm: D_CR3");
_Static_assert(offsetof(struct ap_boot_data, efer) == 0x0c, "ap_trampoline.asm: D_EFER");
_Static_assert(offsetof(struct ap_boot_data, entry) == 0x10, "ap_trampoline.asm: D_ENTRY");
_Static_assert(offsetof(struct ap_boot_data, far32) == 0x18, "ap_trampoline.asm: D_FAR32");
_Static_assert(offsetof(struct ap_boot_data, far64) == 0x20, "ap_trampoline.asm: D_FAR64");
_Static_assert(offsetof(struct ap_boot_data, gdt_limit) == 0x28, "ap_trampoline.asm: D_GDTR");
_Static_assert(offsetof(struct ap_boot_data, gdt_base_low) == 0x2a, "LGDT: base after the limit");
_Static_assert(offsetof(struct ap_boot_data, gdt) == 0x30, "GDT 8-byte aligned");
_Static_assert(offsetof(struct ap_boot_data, stack_top) == 0x50, "ap_trampoline.asm: D_STACKS");
_Static_assert(sizeof(struct ap_boot_data) <= 4096, "one page");

/* Trampoline GDT selectors: the same code and data selectors as the kernel's GDT, so the shared IDT works early. */
#define AP_BOOT_SEL_CODE32 0x18U
_Static_assert(GDT_KERNEL_CS == 0x08U && GDT_KERNEL_DS == 0x10U, "ap_trampoline.asm: SEL_CODE64, SEL_DATA");

#define AP_BOOT_CLOSED 0x80000000U

/*
 * Lays out the trampoline with stacks for *aps APs (at most HV_MAX_CPUS -
 * 1; fewer if memory runs short, and *aps says how many). Returns the SIPI
 * vector (the code page's number), or 0 with *why. The boot CPU only,
 * once, before the first SIPI.
 */
uint8_t ap_boot_prepare(unsigned *aps, const char **why);

/*
 * APs that arrive from now on park in the trampoline. Returns how many
 * took a ticket with a stack before; *parked is how many arrived without one.
 */
uint32_t ap_boot_close(uint32_t *parked);

/* After ap_boot_close: gives back the stacks of tickets from `taken` on, which no AP holds. */
void ap_boot_free_unused(uint32_t taken);

/* The trampoline's call into C (arch/x86/smp.c): on its ticket's stack, the kernel's page tables, the trampoline's GDT. */
__attribute__((noreturn)) void ap_entry(void);

#endif
