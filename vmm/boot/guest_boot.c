/*
 * Guest loaders. Raw images (the project's test guests) are copied to their
 * load address and entered in real mode or in 64-bit mode with identity page
 * tables the hypervisor builds in guest RAM; see README.md for the protocol.
 * Linux and Multiboot images are recognised by their headers.
 */
#include "vmm/boot/guest_boot.h"

#include "lib/log.h"
#include "lib/string.h"
#include "mm/heap.h"
#include "vmm/boot/linux_boot.h"
#include "vmm/boot/multiboot.h"
#include "vmm/boot/guest_acpi.h"
#include "vmm/boot/images.h"
#include "vmm/core/vm.h"

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

/* A flat 32-bit GDT for protected-mode entries: 0x08 code, 0x10 data. */
static int write_flat32_gdt(struct vm *vm)
{
	static const uint64_t gdt[3] = { 0, 0x00cf9a000000ffffULL, 0x00cf92000000ffffULL };

	return vm_copy_to_guest(vm, RAW_GDT_GPA, gdt, sizeof(gdt));
}

/* The initrd of a guest, if its config names one; 0 with img->size 0 if none. */
static int find_initrd(struct vm *vm, struct image *img, const char **why)
{
	img->size = 0;
	if (!vm->cfg.initrd[0])
		return 0;
	if (image_find(vm->cfg.initrd, img)) {
		*why = "its initrd was not loaded from the boot volume";
		return -1;
	}
	return 0;
}

/*
 * Multiboot (version 1): segments copied and their bss zeroed, the initrd
 * as a module above the image, the information structure at MB_INFO_GPA,
 * and the vCPU in flat 32-bit protected mode with EAX = the boot loader
 * magic and EBX = the structure (Multiboot 0.6.96, 3.2).
 */
#define MB_INFO_GPA 0x9000ULL
#define MB_INFO_MAX 0x4000ULL

static int boot_multiboot(struct vm *vm, const struct image *img, const char **why)
{
	struct vcpu *v = vm->vcpus[0];
	struct mb_module module, *mod = NULL;
	struct image initrd;
	struct mb_image mb;
	uint8_t *info;
	size_t info_len;
	uint32_t i;

	if (mb_parse(img->data, img->size, vm->ram_bytes, &mb, why) || find_initrd(vm, &initrd, why))
		return -1;
	/* Guest RAM comes zeroed from the frame allocator: the bss needs no clearing. */
	for (i = 0; i < mb.segment_count; i++) {
		const struct mb_segment *seg = &mb.segments[i];

		vm_copy_to_guest(vm, seg->gpa, img->data + seg->file_offset, seg->filesz);
	}
	if (initrd.size) {
		module.gpa = (mb.highest_gpa + 0xfffULL) & ~0xfffULL;
		module.size = initrd.size;
		module.string = vm->cfg.initrd;
		if (module.gpa + initrd.size > vm->ram_bytes) {
			*why = "the initrd does not fit in the guest's RAM after the kernel";
			return -1;
		}
		vm_copy_to_guest(vm, module.gpa, initrd.data, initrd.size);
		mod = &module;
	}
	info = kzalloc(MB_INFO_MAX);
	if (!info) {
		*why = "out of memory building the Multiboot information";
		return -1;
	}
	info_len = mb_build_info(info, MB_INFO_MAX, MB_INFO_GPA, vm->ram_bytes, vm->cfg.cmdline, mod);
	if (info_len)
		vm_copy_to_guest(vm, MB_INFO_GPA, info, info_len);
	kfree(info);
	if (!info_len || write_flat32_gdt(vm)) {
		*why = "the Multiboot information does not fit below 4 GiB";
		return -1;
	}
	v->boot.mode = BOOT_PROTECTED;
	v->boot.rip = mb.entry;
	v->boot.rsp = 0;
	v->boot.gdt_base = RAW_GDT_GPA;
	v->boot.gdt_limit = 3 * 8 - 1;
	v->regs.rax = MB_BOOTLOADER_MAGIC;
	v->regs.rbx = MB_INFO_GPA;
	return 0;
}

/*
 * Linux x86 boot protocol, 64-bit entry (Documentation/arch/x86/boot.rst):
 * the protected-mode kernel at its load address, the zero page and the
 * command line low, the initrd as high as it may go, ACPI tables in the
 * BIOS area, and the vCPU in long mode with identity page tables, CS =
 * __BOOT_CS, DS = __BOOT_DS and RSI = the zero page.
 */
#define LINUX_ZERO_PAGE_GPA 0x10000ULL
#define LINUX_CMDLINE_GPA 0x11000ULL
#define LINUX_CMDLINE_MAX 2048

static int boot_linux(struct vm *vm, const struct image *img, const char **why)
{
	static const uint64_t gdt[4] = { 0, 0, LINUX_GDT_CODE64, LINUX_GDT_DATA };
	struct linux_boot_layout layout = { 0 };
	struct vcpu *v = vm->vcpus[0];
	struct linux_image li;
	struct image initrd;
	uint8_t *zero_page;
	size_t len = strlen(vm->cfg.cmdline);
	int rc;

	if (linux_parse(img->data, img->size, vm->ram_bytes, &li, why) || find_initrd(vm, &initrd, why))
		return -1;
	if (len > li.cmdline_max || len >= LINUX_CMDLINE_MAX) {
		*why = "the kernel command line is longer than the kernel accepts";
		return -1;
	}
	layout.ram_bytes = vm->ram_bytes;
	layout.boot_params_gpa = LINUX_ZERO_PAGE_GPA;
	layout.cmdline_gpa = LINUX_CMDLINE_GPA;
	if (initrd.size) {
		layout.initrd_gpa = linux_place_initrd(&li, vm->ram_bytes, initrd.size);
		layout.initrd_size = initrd.size;
		if (!layout.initrd_gpa) {
			*why = "the initrd does not fit in the guest's RAM beside the kernel";
			return -1;
		}
		vm_copy_to_guest(vm, layout.initrd_gpa, initrd.data, initrd.size);
	}
	layout.acpi_rsdp_gpa = guest_acpi_install(vm);
	vm_copy_to_guest(vm, li.load_gpa, img->data + li.kernel_offset, li.kernel_size);
	vm_copy_to_guest(vm, LINUX_CMDLINE_GPA, vm->cfg.cmdline, len + 1);

	zero_page = kzalloc(LINUX_ZERO_PAGE_SIZE);
	if (!zero_page) {
		*why = "out of memory building the zero page";
		return -1;
	}
	rc = linux_build_boot_params(zero_page, img->data, img->size, &li, &layout);
	if (!rc)
		vm_copy_to_guest(vm, LINUX_ZERO_PAGE_GPA, zero_page, LINUX_ZERO_PAGE_SIZE);
	kfree(zero_page);
	if (rc || build_long_mode_tables(vm) || vm_copy_to_guest(vm, RAW_GDT_GPA, gdt, sizeof(gdt))) {
		*why = "the boot parameters do not fit the guest's memory";
		return -1;
	}
	v->boot.mode = BOOT_LONG;
	v->boot.rip = li.entry64_gpa;
	v->boot.rsp = 0;
	v->boot.cr3 = RAW_PML4_GPA;
	v->boot.gdt_base = RAW_GDT_GPA;
	v->boot.gdt_limit = sizeof(gdt) - 1;
	v->boot.code_sel = LINUX_BOOT_CS;
	v->boot.data_sel = LINUX_BOOT_DS;
	v->regs.rsi = LINUX_ZERO_PAGE_GPA;
	log_info("hv: guest %s: Linux boot protocol %u.%02u, kernel at 0x%llx, initrd %llu KiB",
		 vm->name, li.version >> 8, li.version & 0xff, (unsigned long long)li.load_gpa,
		 (unsigned long long)(initrd.size >> 10));
	return 0;
}

static bool is_multiboot(const struct image *img)
{
	size_t off;

	for (off = 0; off + 12 <= img->size && off < MB_HEADER_SEARCH; off += 4)
		if (*(const uint32_t *)(img->data + off) == MB_HEADER_MAGIC)
			return true;
	return false;
}

int guest_boot(struct vm *vm, const char **why)
{
	struct image img;
	uint8_t type = vm->cfg.type;

	if (image_find(vm->cfg.kernel, &img)) {
		*why = "its kernel image was not loaded from the boot volume";
		return -1;
	}
	if (type == HVCFG_TYPE_AUTO)
		type = is_multiboot(&img) ? HVCFG_TYPE_MULTIBOOT : HVCFG_TYPE_LINUX;
	switch (type) {
	case HVCFG_TYPE_REAL:
		return boot_real(vm, &img, why);
	case HVCFG_TYPE_LONG:
		return boot_long(vm, &img, why);
	case HVCFG_TYPE_MULTIBOOT:
		return boot_multiboot(vm, &img, why);
	default:
		return boot_linux(vm, &img, why);
	}
}
