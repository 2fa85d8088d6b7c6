/*
 * ELF64 kernel image validation (see boot/elf_check.h). Runs in the UEFI
 * loader and in the kernel on untrusted bytes read from disk, so every sum
 * of two file-supplied numbers is checked before it is formed, and headers
 * are copied out with memcpy because the buffer may be unaligned.
 */
#include "boot/elf_check.h"

#include <stdbool.h>

#include "lib/string.h"

#define ELF_PAGE_SIZE 4096ULL
#define ELF_PAGE_MASK (ELF_PAGE_SIZE - 1)
/* Highest address whose round-up to a page does not wrap. */
#define ELF_ADDR_TOP (~0ULL & ~ELF_PAGE_MASK)
#define ELF_MAX_SPAN (256ULL << 20)

static bool elf_ident_ok(const struct elf64_ehdr *eh, const char **why)
{
	static const uint8_t magic[4] = { 0x7f, 'E', 'L', 'F' };

	if (memcmp(eh->e_ident, magic, sizeof(magic)) != 0)
		*why = "not an ELF file (bad magic)";
	else if (eh->e_ident[4] != ELF_ELFCLASS64)
		*why = "not a 64-bit ELF file (ELFCLASS64 expected)";
	else if (eh->e_ident[5] != ELF_ELFDATA2LSB)
		*why = "not a little-endian ELF file";
	else if (eh->e_ident[6] != ELF_EV_CURRENT || eh->e_version != ELF_EV_CURRENT)
		*why = "unknown ELF version (1 expected)";
	else if (eh->e_machine != ELF_EM_X86_64)
		*why = "not an x86-64 ELF file (e_machine 62 expected)";
	else if (eh->e_type != ELF_ET_EXEC)
		*why = "not an executable (ET_EXEC expected)";
	else if (eh->e_phentsize != sizeof(struct elf64_phdr))
		*why = "bad e_phentsize (56 expected)";
	else
		return true;
	return false;
}

static bool elf_segment_ok(const struct elf64_phdr *ph, size_t size, const char **why)
{
	if (ph->p_offset > size || ph->p_filesz > size - ph->p_offset)
		*why = "PT_LOAD segment data lies outside the file";
	else if (ph->p_filesz > ph->p_memsz)
		*why = "PT_LOAD segment has filesz larger than memsz";
	else if (ph->p_vaddr > ELF_ADDR_TOP || ph->p_memsz > ELF_ADDR_TOP - ph->p_vaddr)
		*why = "PT_LOAD segment vaddr + memsz overflows";
	else if ((ph->p_vaddr ^ ph->p_offset) & ELF_PAGE_MASK)
		*why = "PT_LOAD segment vaddr and offset differ modulo 4096";
	else if ((ph->p_flags & ELF_PF_W) && (ph->p_flags & ELF_PF_X))
		*why = "PT_LOAD segment is both writable and executable (W^X violated)";
	else
		return true;
	return false;
}

static bool elf_overlaps(const struct elf_segment *a, const struct elf_segment *b)
{
	/* Both ends were checked not to wrap. */
	return a->vaddr < b->vaddr + b->memsz && b->vaddr < a->vaddr + a->memsz;
}

int elf_check(const void *buf, size_t size, struct elf_image *img, const char **why)
{
	const uint8_t *bytes = buf;
	const char *scratch;
	struct elf64_ehdr eh;
	uint64_t lo = ~0ULL, hi = 0;
	uint32_t i, j;
	bool entry_ok = false;

	if (!why)
		why = &scratch;
	if (!buf || size < sizeof(eh)) {
		*why = "file too small for an ELF header";
		return -1;
	}
	memcpy(&eh, bytes, sizeof(eh));
	if (!elf_ident_ok(&eh, why))
		return -1;
	/* e_phnum * 56 cannot overflow: e_phnum is 16 bits. */
	if (eh.e_phoff > size ||
	    (uint64_t)eh.e_phnum * sizeof(struct elf64_phdr) > size - eh.e_phoff) {
		*why = "program headers lie outside the file";
		return -1;
	}

	memset(img, 0, sizeof(*img));
	for (i = 0; i < eh.e_phnum; i++) {
		struct elf64_phdr ph;
		struct elf_segment *seg;

		memcpy(&ph, bytes + eh.e_phoff + (uint64_t)i * sizeof(ph), sizeof(ph));
		if (ph.p_type != ELF_PT_LOAD || ph.p_memsz == 0)
			continue;
		if (img->segment_count == ELF_MAX_SEGMENTS) {
			*why = "too many PT_LOAD segments (at most 8)";
			return -1;
		}
		if (!elf_segment_ok(&ph, size, why))
			return -1;
		seg = &img->segments[img->segment_count];
		seg->vaddr = ph.p_vaddr;
		seg->offset = ph.p_offset;
		seg->filesz = ph.p_filesz;
		seg->memsz = ph.p_memsz;
		seg->flags = ph.p_flags;
		for (j = 0; j < img->segment_count; j++) {
			if (elf_overlaps(seg, &img->segments[j])) {
				*why = "two PT_LOAD segments overlap";
				return -1;
			}
		}
		img->segment_count++;

		if (ph.p_vaddr < lo)
			lo = ph.p_vaddr;
		if (ph.p_vaddr + ph.p_memsz > hi)
			hi = ph.p_vaddr + ph.p_memsz;
		if ((ph.p_flags & ELF_PF_X) && eh.e_entry >= ph.p_vaddr &&
		    eh.e_entry - ph.p_vaddr < ph.p_memsz)
			entry_ok = true;
	}

	if (img->segment_count == 0) {
		*why = "no PT_LOAD segments";
		return -1;
	}
	if (!entry_ok) {
		*why = "entry point is not inside an executable PT_LOAD segment";
		return -1;
	}
	img->entry = eh.e_entry;
	img->vaddr_min = lo & ~ELF_PAGE_MASK;
	/* hi <= ELF_ADDR_TOP, so rounding up cannot wrap. */
	img->vaddr_max = (hi + ELF_PAGE_MASK) & ~ELF_PAGE_MASK;
	if (img->vaddr_max - img->vaddr_min > ELF_MAX_SPAN) {
		*why = "PT_LOAD segments span more than 256 MiB";
		return -1;
	}
	*why = NULL;
	return 0;
}
