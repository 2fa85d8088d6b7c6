/*
 * The hand-over from the UEFI loader to the kernel.
 *
 * The loader fills one struct boot_info in memory of type BOOT_MEM_LOADER
 * and enters the kernel with its physical address in RDI. All addresses are
 * physical; the loader's page tables identity-map all of RAM, so the kernel
 * may read them directly until it installs its own tables (which keep the
 * identity map). The layout is versioned: a kernel refuses a boot_info whose
 * magic or version it does not know.
 */
#ifndef BOOT_BOOT_INFO_H
#define BOOT_BOOT_INFO_H

#include <stdint.h>

#define BOOT_INFO_MAGIC 0x4f464e4942564855ULL /* "UHVBINFO" */
#define BOOT_INFO_VERSION 1U

#define BOOT_MAX_FILES 32
#define BOOT_FILE_NAME_MAX 64
#define BOOT_CMDLINE_MAX 256

/*
 * UEFI memory types the loader uses for what it hands over, in the
 * OS-reserved range (UEFI 2.x, 0x80000000 and up), so that the memory map
 * itself says which ranges the kernel must never treat as free.
 */
#define BOOT_MEM_KERNEL 0x80000001U /* the kernel image */
#define BOOT_MEM_IMAGE 0x80000002U  /* a file hv.cfg names (guest kernel, initrd) */
#define BOOT_MEM_LOADER 0x80000003U /* boot_info, the memory map, page tables */

/* A file the loader read from the boot volume. */
struct boot_file {
	char name[BOOT_FILE_NAME_MAX]; /* path as written in hv.cfg, ASCII */
	uint64_t phys;                 /* page-aligned start */
	uint64_t size;                 /* bytes */
};

struct boot_framebuffer {
	uint64_t base; /* 0 when there is none */
	uint64_t size;
	uint32_t width, height, pixels_per_scanline;
	uint32_t format; /* EFI_GRAPHICS_PIXEL_FORMAT */
};

struct boot_info {
	uint64_t magic;
	uint32_t version;
	uint32_t size; /* sizeof(struct boot_info) as the loader built it */

	/* UEFI memory map as returned by GetMemoryMap at ExitBootServices. */
	uint64_t memmap_phys;
	uint64_t memmap_size;      /* bytes */
	uint64_t memmap_desc_size; /* stride between descriptors */
	uint32_t memmap_desc_version;
	uint32_t reserved0;

	/* The kernel image as loaded: physical range and where it is linked. */
	uint64_t kernel_phys;
	uint64_t kernel_size;
	uint64_t kernel_virt;

	uint64_t acpi_rsdp; /* physical address, 0 if the firmware gave none */
	uint64_t efi_system_table;
	uint64_t efi_runtime_services; /* EFI_RUNTIME_SERVICES, identity-mapped */

	struct boot_framebuffer fb;

	/* hv.cfg as read from the volume (not NUL-terminated), for the kernel to parse. */
	uint64_t config_phys;
	uint64_t config_size;

	uint32_t file_count;
	uint32_t reserved1;
	struct boot_file files[BOOT_MAX_FILES];

	char cmdline[BOOT_CMDLINE_MAX]; /* NUL-terminated */
};

#endif
