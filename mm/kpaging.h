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

/* The hypervisor's CR3 (the VMCS host state needs it). */
uint64_t kpaging_cr3(void);

#endif
