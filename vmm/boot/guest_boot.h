/*
 * Putting a guest's image into its RAM and choosing where its vCPUs start,
 * by the image's type (hv.cfg `type =`). Runs in VMX root at VM creation.
 */
#ifndef VMM_GUEST_BOOT_H
#define VMM_GUEST_BOOT_H

/* guest_boot() itself is declared in vmm/core/vm_parts.h: VM creation calls it. */
#include "vmm/core/vm_parts.h"

/* Guest-physical layout shared by the raw boot protocols (see README.md). */
#define RAW_CMDLINE_GPA 0x1000ULL
#define RAW_CMDLINE_MAX 256
#define RAW_GDT_GPA 0x1800ULL
#define RAW_PML4_GPA 0x2000ULL
#define RAW_PDPT_GPA 0x3000ULL
#define RAW_PD_GPA 0x4000ULL /* four page directories: 4 GiB of 2 MiB pages */
#define RAW_REAL_DEFAULT_LOAD 0x8000ULL
#define RAW_LONG_DEFAULT_LOAD 0x100000ULL

#endif
