/*
 * The hypervisor's own page tables: all RAM and the low 4 GiB identity-mapped
 * read/write and never executable, the kernel image at its link address with
 * W^X (text read+execute, rodata read-only, data read+write), the boot
 * stack's guard page left unmapped, and UEFI runtime code executable so the
 * firmware's ResetSystem can still be called.
 */
#ifndef MM_KPAGING_H
#define MM_KPAGING_H

#include <stdint.h>

#include "boot/boot_info.h"

/* Builds the tables and switches CR3 to them. 0 ok, -1 if out of memory (old tables kept). */
int kpaging_init(const struct boot_info *info);

/* The hypervisor's CR3 (the VMCS host state needs it); below 4 GiB, as APs load it from 32-bit code. */
uint64_t kpaging_cr3(void);

/* What a page of the identity map can be remapped as. */
enum kpaging_kind {
	KPAGING_RAM,   /* read/write, never executable: how all RAM starts */
	KPAGING_GUARD, /* not present: a stack's guard page */
	KPAGING_CODE,  /* read-only and executable: code copied out of the kernel (the AP trampoline) */
	KPAGING_MMIO,  /* read/write, uncached, never executable: device registers (the local APIC) */
};

/*
 * Remaps `pages` 4 KiB pages of the identity map from `phys` on (splitting
 * 2 MiB pages as needed) and flushes this CPU's TLB. Other CPUs' TLBs are
 * not flushed: call it before they use the range (on the boot CPU, before
 * the APs start, or on pages no other CPU has touched). 0 ok, -1 if out of
 * memory for page tables.
 */
int kpaging_remap(uint64_t phys, uint64_t pages, enum kpaging_kind kind);

#endif
