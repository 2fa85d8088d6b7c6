/*
 * Multiboot (version 1) kernels: finding and checking the image's header,
 * working out where its pieces go in guest-physical memory, and building
 * the boot information structure it is handed. Pure: it reads and writes
 * only the buffers it is given, so the same source runs in the guest loader
 * (VMX root, at VM creation) and in host unit tests. Section numbers are
 * those of the Multiboot Specification version 0.6.96.
 *
 * Machine state at the kernel's entry, which the loader sets up in the VMCS
 * (section 3.2 "Machine state"):
 *   - 32-bit protected mode, paging off: CR0.PE = 1, CR0.PG = 0;
 *   - EAX = MB_BOOTLOADER_MAGIC, EBX = guest-physical address of the
 *     information structure built by mb_build_info();
 *   - EIP = struct mb_image.entry;
 *   - CS: 32-bit read/execute code segment, base 0, limit 0xffffffff (the
 *     selector value is undefined);
 *   - DS, ES, FS, GS, SS: 32-bit read/write data segments, base 0, limit
 *     0xffffffff (selector values undefined);
 *   - A20 gate enabled (always so under VMX with EPT);
 *   - EFLAGS: VM (bit 17) and IF (bit 9) clear;
 *   - ESP, GDTR, IDTR undefined: the kernel must set up its own stack and
 *     must not reload a segment register before it loads its own GDT.
 */
#ifndef VMM_MULTIBOOT_H
#define VMM_MULTIBOOT_H

#include <stddef.h>
#include <stdint.h>

/* Section 3.1.1: the header lies wholly in the first 8192 bytes, 32-bit aligned. */
#define MB_HEADER_MAGIC 0x1BADB002U
#define MB_HEADER_SEARCH 8192U
#define MB_HEADER_ALIGN 4U

/* Section 3.1.2 "The layout of Multiboot header": offsets of its fields. */
#define MB_HDR_MAGIC 0
#define MB_HDR_FLAGS 4
#define MB_HDR_CHECKSUM 8
#define MB_HDR_HEADER_ADDR 12
#define MB_HDR_LOAD_ADDR 16
#define MB_HDR_LOAD_END_ADDR 20
#define MB_HDR_BSS_END_ADDR 24
#define MB_HDR_ENTRY_ADDR 28
#define MB_HDR_SIZE_ADDRESS 32 /* the header up to and including entry_addr */

/* Section 3.1.3 "The magic fields of Multiboot header": the flags word. */
#define MB_FLAG_PAGE_ALIGN (1U << 0)  /* modules on 4 KiB boundaries */
#define MB_FLAG_MEMORY_INFO (1U << 1) /* mem_* and mmap_* must be given */
#define MB_FLAG_VIDEO_MODE (1U << 2)  /* a video mode table: we have no video, ignored */
#define MB_FLAG_ADDRESS (1U << 16)    /* the address fields of section 3.1.4 are valid */
#define MB_FLAGS_REQUIRED 0x0000ffffU /* bits 0-15: an unknown one must fail the load */
#define MB_FLAGS_UNDERSTOOD (MB_FLAG_PAGE_ALIGN | MB_FLAG_MEMORY_INFO | MB_FLAG_VIDEO_MODE)

/* Section 3.2: what EAX holds at entry. */
#define MB_BOOTLOADER_MAGIC 0x2BADB002U

/* Where an image may live: above the low 1 MiB, below 4 GiB (paging is off). */
#define MB_LOAD_MIN 0x100000ULL
#define MB_LOAD_MAX 0x100000000ULL

#define MB_MAX_SEGMENTS 8

/* One piece of the image: filesz bytes from the file, then memsz - filesz zeros. */
struct mb_segment {
	uint64_t gpa;
	uint64_t file_offset, filesz, memsz;
};

struct mb_image {
	uint32_t entry;        /* guest-physical EIP */
	uint32_t header_flags; /* the header's flags word (bit 0: page-align modules) */
	uint32_t segment_count;
	struct mb_segment segments[MB_MAX_SEGMENTS];
	uint64_t lowest_gpa, highest_gpa; /* [lowest, highest): every segment's memsz */
};

/*
 * Finds and checks the Multiboot header of `file` and works out the image's
 * segments. With flags bit 16 the address fields are used (section 3.1.4:
 * load_end_addr 0 loads to the end of the file, bss_end_addr 0 means no
 * bss); otherwise the file must be an ELF32 i386 executable, its PT_LOAD
 * segments are loaded at p_paddr, and e_entry is translated from the
 * segment holding it (p_vaddr -> p_paddr, the identity for most kernels).
 * Every segment must lie in [MB_LOAD_MIN, min(ram_bytes, MB_LOAD_MAX)) and
 * no two may overlap; the entry must be inside one. `file` needs no
 * alignment. 0 ok with *out filled; -1 with *why a static string.
 */
int mb_parse(const uint8_t *file, size_t size, uint64_t ram_bytes, struct mb_image *out,
	     const char **why);

/* A boot module (section 3.3, mods_addr): [gpa, gpa + size), below 4 GiB. */
struct mb_module {
	uint64_t gpa, size;
	const char *string; /* its command line; NULL for none */
};

/* Section 3.3 "Boot information format": the fields and flags we fill. */
#define MB_INFO_MEM (1U << 0)
#define MB_INFO_CMDLINE (1U << 2)
#define MB_INFO_MODS (1U << 3)
#define MB_INFO_MMAP (1U << 6)
#define MB_INFO_BOOT_LOADER_NAME (1U << 9)

#define MB_INFO_FLAGS 0
#define MB_INFO_MEM_LOWER 4
#define MB_INFO_MEM_UPPER 8
#define MB_INFO_CMDLINE_ADDR 16
#define MB_INFO_MODS_COUNT 20
#define MB_INFO_MODS_ADDR 24
#define MB_INFO_MMAP_LENGTH 44
#define MB_INFO_MMAP_ADDR 48
#define MB_INFO_BOOT_LOADER_NAME_ADDR 64
#define MB_INFO_SIZE 116 /* up to the framebuffer fields, all zero here */

/* A memory map entry: a size word (20, not counting itself), base, length, type. */
#define MB_MMAP_ENTRY_SIZE 24
#define MB_MMAP_AVAILABLE 1U
#define MB_MMAP_RESERVED 2U
#define MB_MODULE_ENTRY_SIZE 16 /* mod_start, mod_end, string, reserved */

/* The guest's low-memory layout reported to the kernel: 639 KiB, then the EBDA/ROM area. */
#define MB_LOWER_END 0x9fc00ULL

#define MB_BOOT_LOADER_NAME "hv"

/*
 * Builds the information structure at the start of `buf`, followed by what
 * it points to (memory map, module entry, command line, boot loader name,
 * module string); the caller copies the result to guest-physical `info_gpa`
 * (every pointer inside is computed from it) and puts info_gpa in EBX.
 * The memory map is [0, MB_LOWER_END) available, [MB_LOWER_END, 1 MiB)
 * reserved, [1 MiB, ram_bytes) available; mem_lower and mem_upper agree with
 * it. cmdline NULL means "". When the image's header_flags has
 * MB_FLAG_PAGE_ALIGN the caller must give a 4 KiB-aligned module->gpa.
 * Returns the bytes used; 0 if buf is too small, ram_bytes is not above
 * 1 MiB, or the structure or the module would reach past 4 GiB.
 */
size_t mb_build_info(uint8_t *buf, size_t size, uint64_t info_gpa, uint64_t ram_bytes,
		     const char *cmdline, const struct mb_module *module);

#endif
