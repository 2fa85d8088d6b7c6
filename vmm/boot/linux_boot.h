/*
 * Linux bzImage guests by the 64-bit boot protocol: reading the setup
 * header, choosing where the kernel and its initrd go, and filling the zero
 * page (struct boot_params). Pure: no VMCS, no guest memory, so the same
 * source runs in VMX root at VM creation and in the host unit tests.
 *
 * References: the Linux kernel's Documentation/arch/x86/boot.rst ("THE
 * LINUX/x86 BOOT PROTOCOL") for the setup header, and
 * Documentation/arch/x86/zero-page.rst for the boot_params offsets.
 *
 * What the loader (vmm/boot/guest_boot.c) must do with the results, boot.rst
 * "64-bit BOOT PROTOCOL":
 *
 *   - copy file[kernel_offset, kernel_offset + kernel_size) to load_gpa;
 *     nothing of the real-mode setup code is loaded;
 *   - put the command line (NUL-terminated, at most cmdline_max bytes before
 *     the NUL), the initrd (linux_place_initrd) and the zero page
 *     (linux_build_boot_params) in guest RAM, none of them inside
 *     [load_gpa, load_gpa + init_size);
 *   - enter vCPU 0 at entry64_gpa in 64-bit mode: CR0.PE|PG, CR4.PAE,
 *     EFER.LME|LMA, with page tables identity-mapping at least the kernel's
 *     [load_gpa, load_gpa + init_size), the zero page, the command line and
 *     the initrd (the raw protocol's 4 GiB identity map does, when RAM is
 *     below 4 GiB), writable;
 *   - a GDT whose selector LINUX_BOOT_CS (0x10) is a flat 64-bit code segment
 *     (execute/read) and LINUX_BOOT_DS (0x18) a flat data segment
 *     (read/write): LINUX_GDT_CODE64 / LINUX_GDT_DATA below; entries 0 and
 *     1 are not used by the kernel (the raw protocol's GDT has code at 0x08,
 *     so Linux needs its own four-entry GDT);
 *   - CS = 0x10, DS = ES = SS = 0x18, RFLAGS = 0x2 (interrupts off),
 *     RSI = boot_params_gpa. Other registers are not part of the protocol;
 *     the decompressor sets up its own stack, but an RSP pointing into RAM
 *     costs nothing.
 */
#ifndef VMM_LINUX_BOOT_H
#define VMM_LINUX_BOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* boot.rst "64-bit BOOT PROTOCOL": __BOOT_CS and __BOOT_DS. */
#define LINUX_BOOT_CS 0x10
#define LINUX_BOOT_DS 0x18
#define LINUX_GDT_CODE64 0x00af9a000000ffffULL /* L=1, P, DPL 0, execute/read */
#define LINUX_GDT_DATA 0x00cf92000000ffffULL   /* 4 GiB flat, P, DPL 0, read/write */

/* boot.rst: the kernel's 64-bit entry is startup_32 + 0x200 (XLF_KERNEL_64). */
#define LINUX_ENTRY64_OFFSET 0x200
/* Where a relocatable kernel goes when pref_address cannot be used. */
#define LINUX_MIN_LOAD_GPA 0x1000000ULL /* 16 MiB */
#define LINUX_ZERO_PAGE_SIZE 4096
#define LINUX_E820_MAX 128

struct linux_image {
	uint16_t version;         /* boot protocol version, e.g. 0x020f */
	uint32_t setup_size;      /* bytes of real-mode setup: (setup_sects ? setup_sects : 4) * 512 + 512 */
	uint64_t kernel_offset;   /* where the protected-mode kernel starts in the file (= setup_size) */
	uint64_t kernel_size;     /* bytes to copy: syssize * 16 (a signature appended after it is left out) */
	uint64_t load_gpa;        /* where the protected-mode kernel goes */
	uint64_t init_size;       /* memory it needs from load_gpa while decompressing (at least kernel_size) */
	uint64_t entry64_gpa;     /* load_gpa + 0x200 */
	uint32_t cmdline_max;     /* longest command line, NUL not counted (cmdline_size) */
	uint64_t initrd_addr_max; /* highest address an initrd byte may occupy */
};

/*
 * Checks the setup header of a bzImage of `size` bytes for a guest of
 * `ram_bytes` of RAM: boot_flag 0xAA55, "HdrS", protocol 2.12 or later (the
 * 64-bit entry is announced by xloadflags from 2.12), XLF_KERNEL_64, a
 * relocatable kernel or a pref_address where it fits, init_size within RAM,
 * a file as long as the header says. A relocatable kernel goes to
 * pref_address when that is kernel_alignment-aligned and fits, else to the
 * first kernel_alignment-aligned address at or above 16 MiB and
 * pref_address (below pref_address the decompressor would move itself up
 * there anyway). 0 ok; -1 with *why naming what is wrong ("not a bzImage:
 * no HdrS signature", "too big for the guest's RAM: needs 80 MiB"); a
 * reason with a number lives in a static buffer the next call overwrites.
 */
int linux_parse(const uint8_t *file, size_t size, uint64_t ram_bytes, struct linux_image *out,
		const char **why);

struct linux_e820 {
	uint64_t addr, size;
	uint32_t type; /* 1 RAM, 2 reserved, 3 ACPI reclaimable, 4 ACPI NVS */
};

#define LINUX_E820_RAM 1
#define LINUX_E820_RESERVED 2
#define LINUX_E820_ACPI 3

struct linux_boot_layout {
	uint64_t ram_bytes;
	uint64_t boot_params_gpa;         /* the zero page */
	uint64_t cmdline_gpa;
	uint64_t initrd_gpa, initrd_size; /* 0 size: none */
	uint64_t acpi_rsdp_gpa;           /* 0: none (boot_params.acpi_rsdp_addr stays 0) */
	/* Regions of the map with their own type (e.g. ACPI tables carved out
	 * of RAM). Where two overlap, the later one wins. */
	const struct linux_e820 *reserved;
	unsigned reserved_count;
};

/*
 * The highest page-aligned address for an initrd of `size` bytes that ends
 * at or below min(initrd_addr_max + 1, ram_bytes) and starts at or above
 * load_gpa + init_size. 0 if it does not fit (or size is 0). Anything else
 * kept at the top of RAM (e.g. ACPI tables) is the caller's to avoid: pass
 * its lowest address as ram_bytes.
 */
uint64_t linux_place_initrd(const struct linux_image *img, uint64_t ram_bytes, uint64_t size);

/*
 * Fills the 4 KiB zero page: zeroes it, copies the setup header from the
 * file, sets what a boot loader must set (type_of_loader, loadflags,
 * heap_end_ptr, cmd_line_ptr, ramdisk_image/size, code32_start, setup_data
 * = 0), acpi_rsdp_addr and the e820 map: RAM [0, 0x9FC00), reserved
 * [0x9FC00, 0x100000), RAM [0x100000, ram_bytes), with the layout's regions
 * laid over it; sorted, not overlapping, touching entries of one type
 * merged. `img` must come from linux_parse on the same file. 0 ok; -1 if
 * the map needs more than 128 entries or the layout is wrong: the zero
 * page, the command line's first byte or the initrd outside RAM or inside
 * the kernel's [load_gpa, load_gpa + init_size), the initrd above
 * initrd_addr_max (unless XLF_CAN_BE_LOADED_ABOVE_4G), a region that is
 * empty or wraps. cmdline_gpa 0 means no command line.
 */
int linux_build_boot_params(uint8_t zero_page[LINUX_ZERO_PAGE_SIZE], const uint8_t *file, size_t size,
			    const struct linux_image *img, const struct linux_boot_layout *layout);

#endif
