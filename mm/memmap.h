/*
 * The UEFI memory map, read by the kernel at boot (after ExitBootServices,
 * from the copy the loader hands over in boot_info): which physical ranges
 * are free for the frame allocator, how much RAM there is, and names for the
 * boot log. Pure, so it is tested on the host with made-up maps.
 */
#ifndef MM_MEMMAP_H
#define MM_MEMMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* UEFI 2.10, 7.2 EFI_BOOT_SERVICES.AllocatePages(), EFI_MEMORY_TYPE. */
enum efi_memory_type {
	EFI_MT_RESERVED = 0,
	EFI_MT_LOADER_CODE = 1,
	EFI_MT_LOADER_DATA = 2,
	EFI_MT_BS_CODE = 3,
	EFI_MT_BS_DATA = 4,
	EFI_MT_RUNTIME_CODE = 5,
	EFI_MT_RUNTIME_DATA = 6,
	EFI_MT_CONVENTIONAL = 7,
	EFI_MT_UNUSABLE = 8,
	EFI_MT_ACPI_RECLAIM = 9,
	EFI_MT_ACPI_NVS = 10,
	EFI_MT_MMIO = 11,
	EFI_MT_MMIO_PORT = 12,
	EFI_MT_PAL_CODE = 13,
	EFI_MT_PERSISTENT = 14,
	EFI_MT_UNACCEPTED = 15,
};
#define EFI_MT_OEM_FIRST 0x70000000U
#define EFI_MT_OS_FIRST 0x80000000U

/* UEFI 2.10, 7.2 EFI_BOOT_SERVICES.GetMemoryMap(), EFI_MEMORY_DESCRIPTOR. */
struct efi_mem_desc {
	uint32_t type;
	uint32_t pad;
	uint64_t physical_start;
	uint64_t virtual_start;
	uint64_t number_of_pages; /* 4 KiB pages, whatever the CPU's page size */
	uint64_t attribute;
};
_Static_assert(sizeof(struct efi_mem_desc) == 40, "EFI_MEMORY_DESCRIPTOR is 40 bytes");

#define MEMMAP_PAGE_SIZE 4096ULL
#define MEMMAP_LOW_LIMIT 0x100000ULL /* nothing below 1 MiB is ever free */

struct mem_range {
	uint64_t base, size;
};

/*
 * Free frames: only EfiBootServicesCode(3), EfiBootServicesData(4),
 * EfiConventionalMemory(7); never below 1 MiB (kept for the SMP trampoline
 * and firmware habits); minus every `reserved` range; page-aligned (base
 * rounded up, end rounded down); sorted by base; adjacent ranges merged.
 * Returns the number written to out; if more would be needed, returns
 * out_max and sets *truncated.
 *
 * Descriptors may be unsorted and may overlap: a byte is free only if a free
 * type covers it and no other type does. Descriptors are desc_size bytes
 * apart; desc_size < 40 returns 0. A trailing partial descriptor is ignored.
 * truncated may be NULL.
 */
size_t memmap_free_ranges(const void *map, size_t map_size, size_t desc_size,
			  const struct mem_range *reserved, size_t reserved_count,
			  struct mem_range *out, size_t out_max, bool *truncated);

/*
 * The same, below 1 MiB only: the legacy low memory memmap_free_ranges
 * leaves out, for the few things that must live there (the AP start-up
 * code, which a SIPI can only name below 1 MiB).
 */
size_t memmap_low_free_ranges(const void *map, size_t map_size, size_t desc_size,
			      const struct mem_range *reserved, size_t reserved_count,
			      struct mem_range *out, size_t out_max, bool *truncated);

/*
 * Bytes of RAM the machine has: all descriptors of types LoaderCode/Data,
 * BootServicesCode/Data, RuntimeServicesCode/Data, Conventional,
 * ACPIReclaim, ACPINVS, PersistentMemory and the OS types >= 0x80000000.
 * Overlapping descriptors are counted once.
 */
uint64_t memmap_ram_bytes(const void *map, size_t map_size, size_t desc_size);

/*
 * Short name of a type for the boot log ("conventional", "bs-data",
 * "runtime-code", "os:80000001", ...). Always a static string: OS types
 * 0x80000000..0x8000000f are named by number, higher ones "os", the OEM
 * range "oem", anything else "unknown".
 */
const char *memmap_type_name(uint32_t type);

#endif
