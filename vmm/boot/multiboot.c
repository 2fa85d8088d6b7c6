/*
 * Multiboot (version 1) image parsing and boot information (see
 * vmm/boot/multiboot.h). Runs in VMX root when a guest is created, and in host
 * unit tests. The image is untrusted bytes from disk: fields are read with
 * byte loads (no alignment assumed) and every address is computed in 64
 * bits from 32-bit fields, so no sum below can wrap.
 */
#include "vmm/boot/multiboot.h"

#include <stdbool.h>

#include "lib/le_bytes.h"
#include "lib/string.h"

/* ELF32 (System V gABI, i386 psABI): just what section 3.1 needs. */
#define ELF32_EHDR_SIZE 52
#define ELF32_PHDR_SIZE 32
#define ELF32_E_TYPE 16
#define ELF32_E_MACHINE 18
#define ELF32_E_VERSION 20
#define ELF32_E_ENTRY 24
#define ELF32_E_PHOFF 28
#define ELF32_E_PHENTSIZE 42
#define ELF32_E_PHNUM 44
#define ELF32_P_TYPE 0
#define ELF32_P_OFFSET 4
#define ELF32_P_VADDR 8
#define ELF32_P_PADDR 12
#define ELF32_P_FILESZ 16
#define ELF32_P_MEMSZ 20
#define ELF_CLASS32 1U
#define ELF_DATA2LSB 1U
#define ELF_EV_CURRENT 1U
#define ELF_ET_EXEC 2U
#define ELF_EM_386 3U
#define ELF_PT_LOAD 1U

#define MB_MMAP_ENTRIES 3
#define MB_MIB 0x100000ULL

static int mb_fail(const char **why, const char *msg)
{
	*why = msg;
	return -1;
}

/*
 * Section 3.1.1: the header is 32-bit aligned within the first 8192 bytes.
 * The magic alone may occur in code, so a candidate counts only with a
 * good checksum (section 3.1.3: magic + flags + checksum == 0 mod 2^32).
 * Returns the header's offset, or -1 with *why.
 */
static long mb_find_header(const uint8_t *file, size_t size, const char **why)
{
	size_t limit = size < MB_HEADER_SEARCH ? size : MB_HEADER_SEARCH;
	bool bad_checksum = false;
	size_t off;

	for (off = 0; off + MB_HDR_CHECKSUM + 4 <= limit; off += MB_HEADER_ALIGN) {
		const uint8_t *h = file + off;

		if (le_load32(h + MB_HDR_MAGIC) != MB_HEADER_MAGIC)
			continue;
		if ((uint32_t)(MB_HEADER_MAGIC + le_load32(h + MB_HDR_FLAGS) + le_load32(h + MB_HDR_CHECKSUM)) == 0)
			return (long)off;
		bad_checksum = true;
	}
	*why = bad_checksum ? "the Multiboot header's checksum is wrong"
			    : "no Multiboot header in the first 8192 bytes";
	return -1;
}

/* Section 3.1.4: one segment from the address fields. */
static int mb_parse_address(const uint8_t *file, size_t size, size_t hdr_off, struct mb_image *out,
			    const char **why)
{
	const uint8_t *h = file + hdr_off;
	uint64_t header_addr = le_load32(h + MB_HDR_HEADER_ADDR);
	uint64_t load_addr = le_load32(h + MB_HDR_LOAD_ADDR);
	uint64_t load_end_addr = le_load32(h + MB_HDR_LOAD_END_ADDR);
	uint64_t bss_end_addr = le_load32(h + MB_HDR_BSS_END_ADDR);
	uint64_t entry_addr = le_load32(h + MB_HDR_ENTRY_ADDR);
	struct mb_segment *s = &out->segments[0];

	if (hdr_off + MB_HDR_SIZE_ADDRESS > MB_HEADER_SEARCH || hdr_off + MB_HDR_SIZE_ADDRESS > size)
		return mb_fail(why, "the Multiboot address fields lie past the first 8192 bytes or the file");
	/* "load_addr must be less than or equal to header_addr." */
	if (load_addr > header_addr)
		return mb_fail(why, "Multiboot load_addr is above header_addr");
	/* The file offset to load from: the header's offset minus (header_addr - load_addr). */
	if (header_addr - load_addr > hdr_off)
		return mb_fail(why, "Multiboot load_addr would start before the beginning of the file");
	s->gpa = load_addr;
	s->file_offset = hdr_off - (header_addr - load_addr);
	/* "If this field is zero, the text and data segments occupy the whole OS image file." */
	if (load_end_addr == 0) {
		s->filesz = size - s->file_offset;
	} else {
		if (load_end_addr < load_addr)
			return mb_fail(why, "Multiboot load_end_addr is below load_addr");
		s->filesz = load_end_addr - load_addr;
		if (s->filesz > size - s->file_offset)
			return mb_fail(why, "Multiboot load_end_addr lies past the end of the file");
	}
	/* "If this field is zero, the boot loader assumes that no bss segment is present." */
	if (bss_end_addr == 0) {
		s->memsz = s->filesz;
	} else {
		if (bss_end_addr < load_addr + s->filesz)
			return mb_fail(why, "Multiboot bss_end_addr is below the end of the loaded data");
		s->memsz = bss_end_addr - load_addr;
	}
	if (s->memsz == 0)
		return mb_fail(why, "the Multiboot image loads nothing");
	out->segment_count = 1;
	out->entry = (uint32_t)entry_addr;
	return 0;
}

static int mb_elf_ident_ok(const uint8_t *file, size_t size, const char **why)
{
	static const uint8_t magic[4] = { 0x7f, 'E', 'L', 'F' };

	/* Section 3.1.1: without bit 16 the image must be ELF, here ELF32 for i386. */
	if (size < ELF32_EHDR_SIZE || memcmp(file, magic, sizeof(magic)) != 0)
		return mb_fail(why, "a Multiboot image without address fields (flags bit 16) must be ELF");
	if (file[4] != ELF_CLASS32 || file[5] != ELF_DATA2LSB)
		return mb_fail(why, "a Multiboot ELF image must be 32-bit little-endian (ELFCLASS32)");
	if (file[6] != ELF_EV_CURRENT || le_load32(file + ELF32_E_VERSION) != ELF_EV_CURRENT)
		return mb_fail(why, "unknown ELF version (1 expected)");
	if (le_load16(file + ELF32_E_MACHINE) != ELF_EM_386)
		return mb_fail(why, "a Multiboot ELF image must be for i386 (e_machine 3)");
	if (le_load16(file + ELF32_E_TYPE) != ELF_ET_EXEC)
		return mb_fail(why, "a Multiboot ELF image must be an executable (ET_EXEC)");
	if (le_load16(file + ELF32_E_PHENTSIZE) != ELF32_PHDR_SIZE)
		return mb_fail(why, "bad ELF32 e_phentsize (32 expected)");
	return 0;
}

/*
 * Section 3.1.1 via the ELF program headers: PT_LOAD segments at their
 * physical addresses (paging is off at entry), entry from e_entry.
 */
static int mb_parse_elf(const uint8_t *file, size_t size, struct mb_image *out, const char **why)
{
	uint64_t phoff, phnum, entry;
	uint64_t i;
	bool entry_found = false;

	if (mb_elf_ident_ok(file, size, why))
		return -1;
	phoff = le_load32(file + ELF32_E_PHOFF);
	phnum = le_load16(file + ELF32_E_PHNUM);
	if (phnum == 0)
		return mb_fail(why, "the ELF image has no program headers");
	if (phoff > size || phnum * ELF32_PHDR_SIZE > size - phoff)
		return mb_fail(why, "the ELF program headers lie outside the file");
	entry = le_load32(file + ELF32_E_ENTRY);
	out->segment_count = 0;
	for (i = 0; i < phnum; i++) {
		const uint8_t *ph = file + phoff + i * ELF32_PHDR_SIZE;
		uint64_t offset = le_load32(ph + ELF32_P_OFFSET);
		uint64_t vaddr = le_load32(ph + ELF32_P_VADDR);
		struct mb_segment *s;

		if (le_load32(ph + ELF32_P_TYPE) != ELF_PT_LOAD || le_load32(ph + ELF32_P_MEMSZ) == 0)
			continue;
		if (out->segment_count == MB_MAX_SEGMENTS)
			return mb_fail(why, "the ELF image has too many PT_LOAD segments");
		s = &out->segments[out->segment_count++];
		s->gpa = le_load32(ph + ELF32_P_PADDR);
		s->file_offset = offset;
		s->filesz = le_load32(ph + ELF32_P_FILESZ);
		s->memsz = le_load32(ph + ELF32_P_MEMSZ);
		if (offset > size || s->filesz > size - offset)
			return mb_fail(why, "an ELF PT_LOAD segment lies past the end of the file");
		if (s->filesz > s->memsz)
			return mb_fail(why, "an ELF PT_LOAD segment has filesz larger than memsz");
		/* The entry is a virtual address: run it at the physical one of its segment. */
		if (!entry_found && entry >= vaddr && entry - vaddr < s->memsz) {
			entry = s->gpa + (entry - vaddr);
			entry_found = true;
		}
	}
	if (out->segment_count == 0)
		return mb_fail(why, "the ELF image has no PT_LOAD segment");
	if (!entry_found)
		return mb_fail(why, "the ELF entry point is outside every PT_LOAD segment");
	if (entry >= MB_LOAD_MAX)
		return mb_fail(why, "the ELF entry point lies above 4 GiB");
	out->entry = (uint32_t)entry;
	return 0;
}

/*
 * Every segment within [1 MiB, min(RAM, 4 GiB)), none overlapping another,
 * the entry inside one; fills lowest_gpa and highest_gpa.
 */
static int mb_check_layout(struct mb_image *out, uint64_t ram_bytes, const char **why)
{
	uint64_t limit = ram_bytes < MB_LOAD_MAX ? ram_bytes : MB_LOAD_MAX;
	bool entry_inside = false;
	uint32_t i, j;

	out->lowest_gpa = ~0ULL;
	out->highest_gpa = 0;
	for (i = 0; i < out->segment_count; i++) {
		const struct mb_segment *s = &out->segments[i];

		/* Section 3.1.4 leaves placement to the image; the low 1 MiB is ours (section 3.3). */
		if (s->gpa < MB_LOAD_MIN)
			return mb_fail(why, "the Multiboot image would load into the low 1 MiB");
		if (s->gpa >= limit || s->memsz > limit - s->gpa)
			return mb_fail(why, "the Multiboot image does not fit in the guest's RAM below 4 GiB");
		for (j = 0; j < i; j++) {
			const struct mb_segment *t = &out->segments[j];

			if (s->gpa < t->gpa + t->memsz && t->gpa < s->gpa + s->memsz)
				return mb_fail(why, "two segments of the Multiboot image overlap");
		}
		if (out->entry >= s->gpa && out->entry - s->gpa < s->memsz)
			entry_inside = true;
		if (s->gpa < out->lowest_gpa)
			out->lowest_gpa = s->gpa;
		if (s->gpa + s->memsz > out->highest_gpa)
			out->highest_gpa = s->gpa + s->memsz;
	}
	if (!entry_inside)
		return mb_fail(why, "the Multiboot entry point is outside the loaded image");
	return 0;
}

int mb_parse(const uint8_t *file, size_t size, uint64_t ram_bytes, struct mb_image *out,
	     const char **why)
{
	long hdr_off;
	uint32_t flags;
	int rc;

	*why = NULL;
	memset(out, 0, sizeof(*out));
	hdr_off = mb_find_header(file, size, why);
	if (hdr_off < 0)
		return -1;
	flags = le_load32(file + hdr_off + MB_HDR_FLAGS);
	/*
	 * Section 3.1.3: "If bits 0-15 are set but the boot loader doesn't
	 * understand the flag or can't fulfill the requirements it indicates
	 * for some reason, it must notify the user and fail to load the OS
	 * image." Bits 16-31 we do not know may be ignored.
	 */
	if (flags & MB_FLAGS_REQUIRED & ~MB_FLAGS_UNDERSTOOD)
		return mb_fail(why, "the Multiboot header requires a feature (flags bits 3-15) we do not offer");
	out->header_flags = flags;
	if (flags & MB_FLAG_ADDRESS)
		rc = mb_parse_address(file, size, (size_t)hdr_off, out, why);
	else
		rc = mb_parse_elf(file, size, out, why);
	if (rc)
		return rc;
	return mb_check_layout(out, ram_bytes, why);
}

/* Section 3.3: a memory map entry; its size word does not count itself. */
static void mb_put_mmap(uint8_t *p, uint64_t base, uint64_t length, uint32_t type)
{
	le_store32(p, MB_MMAP_ENTRY_SIZE - 4);
	le_store64(p + 4, base);
	le_store64(p + 12, length);
	le_store32(p + 20, type);
}

size_t mb_build_info(uint8_t *buf, size_t size, uint64_t info_gpa, uint64_t ram_bytes,
		     const char *cmdline, const struct mb_module *module)
{
	const char *mod_string = module && module->string ? module->string : "";
	size_t cmdline_len = strlen(cmdline ? cmdline : "") + 1;
	size_t name_len = sizeof(MB_BOOT_LOADER_NAME);
	size_t mod_string_len = module ? strlen(mod_string) + 1 : 0;
	size_t mmap_off = (MB_INFO_SIZE + 7) & ~(size_t)7;
	size_t mod_off = mmap_off + MB_MMAP_ENTRIES * MB_MMAP_ENTRY_SIZE;
	size_t cmdline_off = mod_off + (module ? MB_MODULE_ENTRY_SIZE : 0);
	size_t name_off, mod_string_off, total;
	uint64_t mem_upper;
	uint32_t flags = MB_INFO_MEM | MB_INFO_CMDLINE | MB_INFO_MMAP | MB_INFO_BOOT_LOADER_NAME;

	if (!cmdline)
		cmdline = "";
	if (ram_bytes <= MB_MIB)
		return 0;
	/* Lengths come from strings in our memory: compare by subtraction anyway. */
	if (cmdline_off > size || cmdline_len > size - cmdline_off)
		return 0;
	name_off = cmdline_off + cmdline_len;
	if (name_len > size - name_off)
		return 0;
	mod_string_off = name_off + name_len;
	if (mod_string_len > size - mod_string_off)
		return 0;
	total = mod_string_off + mod_string_len;
	/* Every pointer in the structure is 32 bits (section 3.3). */
	if (info_gpa >= MB_LOAD_MAX || total > MB_LOAD_MAX - info_gpa)
		return 0;
	if (module && (module->gpa >= MB_LOAD_MAX || module->size >= MB_LOAD_MAX - module->gpa))
		return 0;

	memset(buf, 0, total);
	/*
	 * mem_lower: at most 640 KiB from address 0; mem_upper: from 1 MiB to
	 * the first hole, which is the end of RAM here (the guest's RAM is
	 * one range). Both match the memory map below.
	 */
	mem_upper = (ram_bytes - MB_MIB) >> 10;
	if (mem_upper > 0xffffffffULL)
		mem_upper = 0xffffffffULL;
	le_store32(buf + MB_INFO_MEM_LOWER, (uint32_t)(MB_LOWER_END >> 10));
	le_store32(buf + MB_INFO_MEM_UPPER, (uint32_t)mem_upper);

	le_store32(buf + MB_INFO_MMAP_LENGTH, MB_MMAP_ENTRIES * MB_MMAP_ENTRY_SIZE);
	le_store32(buf + MB_INFO_MMAP_ADDR, (uint32_t)(info_gpa + mmap_off));
	mb_put_mmap(buf + mmap_off, 0, MB_LOWER_END, MB_MMAP_AVAILABLE);
	mb_put_mmap(buf + mmap_off + MB_MMAP_ENTRY_SIZE, MB_LOWER_END, MB_MIB - MB_LOWER_END,
		    MB_MMAP_RESERVED);
	mb_put_mmap(buf + mmap_off + 2 * MB_MMAP_ENTRY_SIZE, MB_MIB, ram_bytes - MB_MIB,
		    MB_MMAP_AVAILABLE);

	memcpy(buf + cmdline_off, cmdline, cmdline_len);
	le_store32(buf + MB_INFO_CMDLINE_ADDR, (uint32_t)(info_gpa + cmdline_off));
	memcpy(buf + name_off, MB_BOOT_LOADER_NAME, name_len);
	le_store32(buf + MB_INFO_BOOT_LOADER_NAME_ADDR, (uint32_t)(info_gpa + name_off));

	/* Section 3.3 "mods": mod_start, mod_end (exclusive), string, reserved 0. */
	if (module) {
		memcpy(buf + mod_string_off, mod_string, mod_string_len);
		le_store32(buf + mod_off, (uint32_t)module->gpa);
		le_store32(buf + mod_off + 4, (uint32_t)(module->gpa + module->size));
		le_store32(buf + mod_off + 8, (uint32_t)(info_gpa + mod_string_off));
		le_store32(buf + MB_INFO_MODS_COUNT, 1);
		le_store32(buf + MB_INFO_MODS_ADDR, (uint32_t)(info_gpa + mod_off));
		flags |= MB_INFO_MODS;
	}
	le_store32(buf + MB_INFO_FLAGS, flags);
	return total;
}
