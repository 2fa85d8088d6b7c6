/*
 * hvloader: the UEFI application that starts the hypervisor.
 *
 * Reads \EFI\hv\hv.cfg, loads \EFI\hv\hvkernel.elf and every image the
 * config names, records what the kernel needs in a struct boot_info, leaves
 * boot services and jumps to the kernel. Any bad input (missing or corrupt
 * kernel, a config line it cannot parse, a missing guest image, not enough
 * memory) is reported on screen and serial, and the loader returns to the
 * firmware rather than hanging.
 */
#include "boot/elf_check.h"
#include "boot/hvcfg.h"
#include "boot/loader.h"
#include "lib/printf.h"
#include "lib/string.h"

#define KERNEL_PATH "\\EFI\\hv\\hvkernel.elf"
#define CONFIG_PATH "\\EFI\\hv\\hv.cfg"
#define GiB (1024ULL * 1024 * 1024)
#define FAIL_PAUSE_US (5 * 1000 * 1000)

static struct hvcfg config;
static int serial_mirrored; /* the firmware console already goes to the serial port */

/* ------------------------------------------------------------ reporting --- */

static void com1_write(const char *s)
{
	for (; *s; s++) {
		int spins = 100000;

		if (*s == '\n')
			com1_write("\r");
		while (!(({
			unsigned char lsr;
			__asm__ volatile("inb %1, %0" : "=a"(lsr) : "Nd"((unsigned short)0x3fd));
			lsr;
		}) & 0x20) && --spins)
			;
		__asm__ volatile("outb %0, %1" : : "a"(*s), "Nd"((unsigned short)0x3f8));
	}
}

static void say_line(const char *prefix, const char *fmt, va_list ap)
{
	char text[320];
	CHAR16 wide[sizeof(text) + 2];
	int n = hv_snprintf(text, sizeof(text), "%s", prefix);
	UINTN i, j = 0;

	if (n < 0 || (size_t)n >= sizeof(text))
		n = 0;
	hv_vsnprintf(text + n, sizeof(text) - n, fmt, ap);
	for (i = 0; text[i]; i++) {
		if (text[i] == '\n')
			wide[j++] = L'\r';
		wide[j++] = (CHAR16)(unsigned char)text[i];
	}
	wide[j++] = L'\r';
	wide[j++] = L'\n';
	wide[j] = 0;
	ST->ConOut->OutputString(ST->ConOut, wide);
	if (!serial_mirrored) {
		com1_write(text);
		com1_write("\n");
	}
}

void loader_say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say_line("hvloader: ", fmt, ap);
	va_end(ap);
}

void loader_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say_line("hvloader: error: ", fmt, ap);
	va_end(ap);
	loader_say("returning to the firmware");
	BS->Stall(FAIL_PAUSE_US);
}

/*
 * Does the firmware's console already include a serial port? Looks for a
 * UART device-path node (messaging type 3, subtype 14) in the ConOut
 * variable. If so, writing COM1 ourselves would print every line twice.
 */
static int console_has_serial(void)
{
	UINTN size = 0;
	UINT8 *dp = LibGetVariableAndSize(L"ConOut", &gEfiGlobalVariableGuid, &size);
	UINTN off = 0;
	int found = 0;

	if (!dp)
		return 0;
	while (off + 4 <= size) {
		UINT8 type = dp[off], subtype = dp[off + 1];
		UINT16 len = (UINT16)(dp[off + 2] | dp[off + 3] << 8);

		if (type == 3 && subtype == 14)
			found = 1;
		if (len < 4)
			break;
		off += len;
	}
	FreePool(dp);
	return found;
}

static const char *efi_reason(EFI_STATUS st)
{
	switch (st) {
	case EFI_NOT_FOUND: return "not found";
	case EFI_OUT_OF_RESOURCES: return "not enough memory";
	case EFI_INVALID_PARAMETER: return "bad path";
	case EFI_DEVICE_ERROR: return "device error";
	case EFI_VOLUME_CORRUPTED: return "volume corrupted";
	default: return "firmware error";
	}
}

/* --------------------------------------------------------------- loading --- */

static UINT64 ram_limit(void)
{
	UINTN entries, key, desc_size;
	UINT32 desc_version;
	EFI_MEMORY_DESCRIPTOR *map = LibMemoryMap(&entries, &key, &desc_size, &desc_version);
	UINT64 limit = 4 * GiB; /* always cover the LAPIC, IOAPIC and PCI holes */
	UINTN i;

	if (!map)
		return limit;
	for (i = 0; i < entries; i++) {
		EFI_MEMORY_DESCRIPTOR *d = (void *)((UINT8 *)map + i * desc_size);
		UINT64 end = d->PhysicalStart + d->NumberOfPages * EFI_PAGE_SIZE;

		if (end > limit)
			limit = end;
	}
	FreePool(map);
	return (limit + 0x1fffff) & ~0x1fffffULL;
}

static int load_kernel(EFI_FILE_HANDLE root, struct boot_info *info, UINT64 *entry)
{
	struct elf_image img;
	const char *why;
	UINT64 file_phys, file_size, span, phys;
	EFI_STATUS st;
	UINT32 i;

	st = loader_read_file(root, KERNEL_PATH, EfiLoaderData, &file_phys, &file_size);
	if (EFI_ERROR(st)) {
		loader_fail("cannot load the kernel %s: %s", KERNEL_PATH, efi_reason(st));
		return -1;
	}
	if (elf_check((const void *)file_phys, file_size, &img, &why)) {
		loader_fail("%s is not a valid kernel: %s", KERNEL_PATH, why);
		return -1;
	}
	span = img.vaddr_max - img.vaddr_min;
	phys = loader_alloc_pages(EFI_SIZE_TO_PAGES(span), BOOT_MEM_KERNEL);
	if (!phys) {
		loader_fail("not enough memory for the kernel (%llu KiB)",
			    (unsigned long long)(span >> 10));
		return -1;
	}
	for (i = 0; i < img.segment_count; i++) {
		const struct elf_segment *s = &img.segments[i];

		memcpy((void *)(phys + (s->vaddr - img.vaddr_min)),
		       (const void *)(file_phys + s->offset), s->filesz);
	}
	BS->FreePages(file_phys, EFI_SIZE_TO_PAGES(file_size));

	info->kernel_phys = phys;
	info->kernel_size = span;
	info->kernel_virt = img.vaddr_min;
	*entry = img.entry;
	loader_say("kernel %s: %llu KiB at 0x%llx", KERNEL_PATH,
		   (unsigned long long)(span >> 10), (unsigned long long)phys);
	return 0;
}

static int already_loaded(const struct boot_info *info, const char *name)
{
	UINT32 i;

	for (i = 0; i < info->file_count; i++)
		if (!strcmp(info->files[i].name, name))
			return 1;
	return 0;
}

static int load_image(EFI_FILE_HANDLE root, struct boot_info *info, const struct hvcfg_guest *g,
		      const char *key, const char *path)
{
	struct boot_file *f;
	EFI_STATUS st;

	if (!path[0] || already_loaded(info, path))
		return 0;
	if (info->file_count == BOOT_MAX_FILES) {
		loader_fail("hv.cfg:%u: too many images (at most %u)", g->line, BOOT_MAX_FILES);
		return -1;
	}
	f = &info->files[info->file_count];
	st = loader_read_file(root, path, BOOT_MEM_IMAGE, &f->phys, &f->size);
	if (EFI_ERROR(st)) {
		loader_fail("hv.cfg:%u: guest '%s': %s=%s: %s", g->line, g->name, key, path,
			    efi_reason(st));
		return -1;
	}
	memcpy(f->name, path, strlen(path) + 1);
	info->file_count++;
	loader_say("guest '%s': %s %s, %llu KiB", g->name, key, path,
		   (unsigned long long)(f->size >> 10));
	return 0;
}

static int load_config(EFI_FILE_HANDLE root, struct boot_info *info)
{
	struct hvcfg_error err;
	UINT64 phys, size;
	EFI_STATUS st;
	UINT32 i;

	st = loader_read_file(root, CONFIG_PATH, BOOT_MEM_LOADER, &phys, &size);
	if (st == EFI_NOT_FOUND) {
		loader_say("no %s: starting with defaults and no guests", CONFIG_PATH);
		return hvcfg_parse("", 0, &config, &err);
	}
	if (EFI_ERROR(st)) {
		loader_fail("cannot read %s: %s", CONFIG_PATH, efi_reason(st));
		return -1;
	}
	if (hvcfg_parse((const char *)phys, size, &config, &err)) {
		loader_fail("hv.cfg:%u: %s", err.line, err.msg);
		return -1;
	}
	info->config_phys = phys;
	info->config_size = size;
	memcpy(info->cmdline, config.hv.cmdline, sizeof(info->cmdline));
	for (i = 0; i < config.guest_count; i++) {
		const struct hvcfg_guest *g = &config.guests[i];

		if (load_image(root, info, g, "kernel", g->kernel) ||
		    load_image(root, info, g, "initrd", g->initrd))
			return -1;
	}
	return 0;
}

static void find_firmware_tables(struct boot_info *info)
{
	EFI_GUID acpi20 = ACPI_20_TABLE_GUID, acpi10 = ACPI_TABLE_GUID;
	EFI_GRAPHICS_OUTPUT_PROTOCOL *gop;
	UINTN i;

	for (i = 0; i < ST->NumberOfTableEntries; i++) {
		EFI_CONFIGURATION_TABLE *t = &ST->ConfigurationTable[i];

		if (!CompareGuid(&t->VendorGuid, &acpi20))
			info->acpi_rsdp = (UINT64)t->VendorTable;
		else if (!CompareGuid(&t->VendorGuid, &acpi10) && !info->acpi_rsdp)
			info->acpi_rsdp = (UINT64)t->VendorTable;
	}
	info->efi_system_table = (UINT64)ST;
	info->efi_runtime_services = (UINT64)ST->RuntimeServices;

	if (!EFI_ERROR(LibLocateProtocol(&GraphicsOutputProtocol, (void **)&gop)) && gop->Mode) {
		info->fb.base = gop->Mode->FrameBufferBase;
		info->fb.size = gop->Mode->FrameBufferSize;
		info->fb.width = gop->Mode->Info->HorizontalResolution;
		info->fb.height = gop->Mode->Info->VerticalResolution;
		info->fb.pixels_per_scanline = gop->Mode->Info->PixelsPerScanLine;
		info->fb.format = gop->Mode->Info->PixelFormat;
	}
}

/*
 * Takes the final memory map and leaves boot services. The map buffer is
 * allocated first, with room to spare, because allocating changes the map;
 * if the key goes stale between the two calls the map is read again into
 * the same buffer, as the UEFI spec allows.
 */
static int exit_boot_services(EFI_HANDLE image, struct boot_info *info)
{
	UINTN size = 0, key, desc_size;
	UINT32 desc_version;
	UINT64 buf, buf_size;
	int attempt;

	BS->GetMemoryMap(&size, NULL, &key, &desc_size, &desc_version);
	buf_size = size + 16 * desc_size;
	buf = loader_alloc_pages(EFI_SIZE_TO_PAGES(buf_size), BOOT_MEM_LOADER);
	if (!buf) {
		loader_fail("not enough memory for the memory map");
		return -1;
	}
	for (attempt = 0; attempt < 3; attempt++) {
		size = buf_size;
		if (EFI_ERROR(BS->GetMemoryMap(&size, (EFI_MEMORY_DESCRIPTOR *)buf, &key, &desc_size,
					       &desc_version)))
			break;
		info->memmap_phys = buf;
		info->memmap_size = size;
		info->memmap_desc_size = desc_size;
		info->memmap_desc_version = desc_version;
		if (!EFI_ERROR(BS->ExitBootServices(image, key)))
			return 0;
	}
	loader_fail("ExitBootServices failed");
	return -1;
}

/* Called by gnu-efi's crt0, which passes the firmware's arguments with the SysV ABI. */
EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	EFI_FILE_HANDLE root;
	struct boot_info *info;
	UINT64 entry, cr3;

	InitializeLib(image, systab);
	serial_mirrored = console_has_serial();
	loader_say("hypervisor loader %s", HV_VERSION);

	if (EFI_ERROR(loader_open_volume(image, &root))) {
		loader_fail("cannot open the boot volume");
		return EFI_LOAD_ERROR;
	}
	info = (struct boot_info *)loader_alloc_pages(EFI_SIZE_TO_PAGES(sizeof(*info)),
						      BOOT_MEM_LOADER);
	if (!info) {
		loader_fail("not enough memory for the boot information");
		return EFI_OUT_OF_RESOURCES;
	}
	info->magic = BOOT_INFO_MAGIC;
	info->version = BOOT_INFO_VERSION;
	info->size = sizeof(*info);

	if (load_config(root, info) || load_kernel(root, info, &entry))
		return EFI_LOAD_ERROR;
	find_firmware_tables(info);

	cr3 = loader_build_page_tables(ram_limit(), info->kernel_virt, info->kernel_phys,
				       info->kernel_size);
	if (!cr3) {
		loader_fail("not enough memory for page tables");
		return EFI_OUT_OF_RESOURCES;
	}
	loader_say("starting the kernel at 0x%llx", (unsigned long long)entry);
	if (exit_boot_services(image, info))
		return EFI_LOAD_ERROR;
	loader_enter_kernel(cr3, entry, info);
}
