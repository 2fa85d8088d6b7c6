/*
 * Shared declarations of the UEFI loader (hvloader), split by purpose:
 * loader.c runs the boot flow and reports errors, loader_file.c reads files
 * from the boot volume, loader_paging.c builds the page tables the kernel
 * starts on and jumps to it.
 *
 * Runs as a UEFI application, before ExitBootServices except for the final
 * jump in loader_paging.c.
 */
#ifndef BOOT_LOADER_H
#define BOOT_LOADER_H

#include <efi.h>
#include <efilib.h>

#include "boot/boot_info.h"

#define HV_DIR L"\\EFI\\hv\\"

/*
 * Prints "hvloader: error: <message>" on the console (which OVMF and most
 * firmware mirror to the serial port) and on COM1 directly, then waits a few
 * seconds so a person can read it.
 */
void loader_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void loader_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Opens the root of the volume this loader was started from. */
EFI_STATUS loader_open_volume(EFI_HANDLE image, EFI_FILE_HANDLE *root);

/*
 * Reads a whole file into pages of memory type `mem_type`. `path` is ASCII,
 * either absolute on the volume ("\EFI\hv\x") or relative to \EFI\hv\.
 * On success *phys is page-aligned and *size the file's length.
 */
EFI_STATUS loader_read_file(EFI_FILE_HANDLE root, const char *path, UINT32 mem_type,
			    UINT64 *phys, UINT64 *size);

/* Allocates zeroed pages of the given memory type; 0 on failure. */
UINT64 loader_alloc_pages(UINT64 pages, UINT32 mem_type);

/*
 * Builds 4-level page tables that identity-map [0, identity_limit) with
 * 2 MiB pages and map the kernel's virtual span onto its physical copy with
 * 4 KiB pages. Returns the PML4's physical address, 0 if out of memory.
 */
UINT64 loader_build_page_tables(UINT64 identity_limit, UINT64 kernel_virt, UINT64 kernel_phys,
				UINT64 kernel_size);

/* After ExitBootServices: switch to `cr3` and jump to `entry` with RDI = info. */
__attribute__((noreturn)) void loader_enter_kernel(UINT64 cr3, UINT64 entry, struct boot_info *info);

#endif
