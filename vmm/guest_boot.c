/*
 * Guest loaders. Raw images (the project's test guests) are copied to their
 * load address and entered in real mode or in 64-bit mode with identity page
 * tables the hypervisor builds in guest RAM; see README.md for the protocol.
 * Linux and Multiboot images are recognised by their headers.
 */
#include "vmm/guest_boot.h"

#include "lib/string.h"
#include "vmm/images.h"
#include "vmm/vm.h"

#define PTE_P 0x1ULL
#define PTE_W 0x2ULL
#define PTE_PS 0x80ULL

/* Copies the image and the command line; 0 ok, -1 with *why. */
static int place_raw_image(struct vm *vm, const struct image *img, uint64_t load, const char **why)
{
	char cmdline[RAW_CMDLINE_MAX];
	size_t len = strlen(vm->cfg.cmdline);

	if (load >= vm->ram_bytes || img->size > vm->ram_bytes - load) {
		*why = "the image does not fit in the guest's RAM at its load address";
		return -1;
	}
	if (len >= sizeof(cmdline))
		len = sizeof(cmdline) - 1;
	memcpy(cmdline, vm->cfg.cmdline, len);
	cmdline[len] = 0;
	vm_copy_to_guest(vm, load, img->data, img->size);
	vm_copy_to_guest(vm, RAW_CMDLINE_GPA, cmdline, len + 1);
	vm->vcpus[0]->regs.rsi = RAW_CMDLINE_GPA;
	vm->vcpus[0]->regs.rbx = vm->ram_bytes >> 10;
	return 0;
}

static int boot_real(struct vm *vm, const struct image *img, const char **why)
{
	uint64_t load = vm->cfg.load_addr ? vm->cfg.load_addr : RAW_REAL_DEFAULT_LOAD;
	struct vcpu *v = vm->vcpus[0];

	if (load >= 0x10000) {
		*why = "a real-mode image must load below 64 KiB (CS=0, IP=load)";
		return -1;
	}
	if (place_raw_image(vm, img, load, why))
		return -1;
	v->boot.mode = BOOT_REAL;
	v->boot.cs_selector = 0;
	v->boot.rip = load;
	v->boot.rsp = load;
	return 0;
}

/* A flat 64-bit GDT and page tables identity-mapping 4 GiB with 2 MiB pages. */
static int build_long_mode_tables(struct vm *vm)
{
	static const uint64_t gdt[3] = { 0, 0x00af9a000000ffffULL, 0x00cf92000000ffffULL };
	uint64_t entry;
	unsigned i;

	if (vm_copy_to_guest(vm, RAW_GDT_GPA, gdt, sizeof(gdt)))
		return -1;
	entry = RAW_PDPT_GPA | PTE_P | PTE_W;
	if (vm_copy_to_guest(vm, RAW_PML4_GPA, &entry, sizeof(entry)))
		return -1;
	for (i = 0; i < 4; i++) {
		entry = (RAW_PD_GPA + i * 0x1000ULL) | PTE_P | PTE_W;
		if (vm_copy_to_guest(vm, RAW_PDPT_GPA + i * 8, &entry, sizeof(entry)))
			return -1;
	}
	for (i = 0; i < 4 * 512; i++) {
		entry = ((uint64_t)i << 21) | PTE_P | PTE_W | PTE_PS;
		if (vm_copy_to_guest(vm, RAW_PD_GPA + i * 8ULL, &entry, sizeof(entry)))
			return -1;
	}
	return 0;
}

static int boot_long(struct vm *vm, const struct image *img, const char **why)
{
	uint64_t load = vm->cfg.load_addr ? vm->cfg.load_addr : RAW_LONG_DEFAULT_LOAD;
	struct vcpu *v = vm->vcpus[0];

	if (load < RAW_PD_GPA + 4 * 0x1000ULL) {
		*why = "a 64-bit raw image must load above the page tables (0x8000)";
		return -1;
	}
	if (place_raw_image(vm, img, load, why))
		return -1;
	if (build_long_mode_tables(vm)) {
		*why = "the guest's RAM is too small for its page tables";
		return -1;
	}
	v->boot.mode = BOOT_LONG;
	v->boot.rip = load;
	v->boot.rsp = load;
	v->boot.cr3 = RAW_PML4_GPA;
	v->boot.gdt_base = RAW_GDT_GPA;
	v->boot.gdt_limit = 3 * 8 - 1;
	return 0;
}

int guest_boot(struct vm *vm, const char **why)
{
	struct image img;

	if (image_find(vm->cfg.kernel, &img)) {
		*why = "its kernel image was not loaded from the boot volume";
		return -1;
	}
	switch (vm->cfg.type) {
	case HVCFG_TYPE_REAL:
		return boot_real(vm, &img, why);
	case HVCFG_TYPE_LONG:
		return boot_long(vm, &img, why);
	default:
		*why = "Linux and Multiboot images are not supported yet: use type = real or long";
		return -1;
	}
}
