/*
 * Validation of an ELF64 kernel image held in memory, before anything is
 * loaded from it: the UEFI loader checks the hypervisor kernel with it, and
 * the kernel later checks guest images the same way. Pure; no <elf.h>, so
 * the same source builds freestanding, in gnu-efi and on the host.
 */
#ifndef BOOT_ELF_CHECK_H
#define BOOT_ELF_CHECK_H

#include <stddef.h>
#include <stdint.h>

/* ELF-64 Object File Format, version 1.5, and the System V gABI. */
#define ELF_EI_NIDENT 16
#define ELF_ELFCLASS64 2U
#define ELF_ELFDATA2LSB 1U
#define ELF_EV_CURRENT 1U
#define ELF_ET_EXEC 2U
#define ELF_EM_X86_64 62U
#define ELF_PT_LOAD 1U
#define ELF_PF_X 0x1U
#define ELF_PF_W 0x2U
#define ELF_PF_R 0x4U

struct elf64_ehdr {
	uint8_t e_ident[ELF_EI_NIDENT];
	uint16_t e_type;
	uint16_t e_machine;
	uint32_t e_version;
	uint64_t e_entry;
	uint64_t e_phoff;
	uint64_t e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize;
	uint16_t e_phentsize;
	uint16_t e_phnum;
	uint16_t e_shentsize;
	uint16_t e_shnum;
	uint16_t e_shstrndx;
};
_Static_assert(sizeof(struct elf64_ehdr) == 64, "ELF64 header is 64 bytes");

struct elf64_phdr {
	uint32_t p_type;
	uint32_t p_flags;
	uint64_t p_offset;
	uint64_t p_vaddr;
	uint64_t p_paddr;
	uint64_t p_filesz;
	uint64_t p_memsz;
	uint64_t p_align;
};
_Static_assert(sizeof(struct elf64_phdr) == 56, "ELF64 program header is 56 bytes");

#define ELF_MAX_SEGMENTS 8

struct elf_segment {
	uint64_t vaddr, offset, filesz, memsz;
	uint32_t flags; /* PF_X=1 PF_W=2 PF_R=4 */
};

struct elf_image {
	uint64_t entry;
	uint64_t vaddr_min, vaddr_max; /* page-aligned span of all PT_LOAD */
	uint32_t segment_count;
	struct elf_segment segments[ELF_MAX_SEGMENTS]; /* in program header order */
};

/*
 * 0 if valid, with img filled; else -1 and *why = a static string saying
 * what is wrong (img is then unspecified). buf needs no alignment.
 * PT_LOAD entries with memsz 0 occupy nothing and are skipped.
 */
int elf_check(const void *buf, size_t size, struct elf_image *img, const char **why);

#endif
