/*
 * Linux bzImage guests, the pure part: the setup header is checked and read
 * straight from the file's bytes, and the zero page is written as bytes at
 * the offsets Documentation/arch/x86/boot.rst and zero-page.rst give, so
 * nothing depends on a C struct matching the kernel's packing. Runs in VMX
 * root at VM creation (no locks: VM creation is serialised) and in the host
 * unit tests.
 */
#include "vmm/boot/linux_boot.h"

#include "lib/le_bytes.h"
#include "lib/string.h"

/* Setup header, boot.rst "THE REAL-MODE KERNEL HEADER": file offsets, which
 * are also the offsets inside boot_params (the header sits at 0x1F1 in both). */
#define HDR_START 0x1f1
#define HDR_SETUP_SECTS 0x1f1
#define HDR_SYSSIZE 0x1f4
#define HDR_BOOT_FLAG 0x1fe
#define HDR_JUMP_OFFSET 0x201 /* header end = 0x202 + this byte */
#define HDR_HEADER 0x202
#define HDR_VERSION 0x206
#define HDR_TYPE_OF_LOADER 0x210
#define HDR_LOADFLAGS 0x211
#define HDR_CODE32_START 0x214
#define HDR_RAMDISK_IMAGE 0x218
#define HDR_RAMDISK_SIZE 0x21c
#define HDR_HEAP_END_PTR 0x224
#define HDR_CMD_LINE_PTR 0x228
#define HDR_INITRD_ADDR_MAX 0x22c
#define HDR_KERNEL_ALIGNMENT 0x230
#define HDR_RELOCATABLE 0x234
#define HDR_XLOADFLAGS 0x236
#define HDR_CMDLINE_SIZE 0x238
#define HDR_SETUP_DATA 0x250
#define HDR_PREF_ADDRESS 0x258
#define HDR_INIT_SIZE 0x260
#define HDR_MIN_END 0x264 /* through init_size: every field we read (2.10+) */

#define BOOT_FLAG_MAGIC 0xaa55U
#define HDRS_MAGIC 0x53726448U /* "HdrS" read little-endian */
#define PROTO_2_06 0x0206U
#define PROTO_2_12 0x020cU  /* first with xloadflags, hence XLF_KERNEL_64 */
#define XLF_KERNEL_64 0x1U  /* startup_64 at load address + 0x200 */
#define XLF_CAN_BE_LOADED_ABOVE_4G 0x2U
#define LOADED_HIGH 0x01U   /* loadflags bit 0: protected-mode code at 0x100000+ */
#define CAN_USE_HEAP 0x80U  /* loadflags bit 7: heap_end_ptr is valid */
#define LOADER_UNDEFINED 0xffU /* type_of_loader: "boot loader ID undefined" */
/* boot.rst "SAMPLE BOOT CONFIGURATION": heap_end = 0xe000, heap_end_ptr =
 * heap_end - 0x200. Only the real-mode setup code reads it, which the 64-bit
 * entry skips; set anyway since CAN_USE_HEAP says it is valid. */
#define HEAP_END_PTR 0xde00U
#define OLD_CMDLINE_MAX 255U         /* before 2.06, boot.rst "cmdline_size" */

/* boot_params outside the setup header, zero-page.rst. */
#define BP_ACPI_RSDP_ADDR 0x070
#define BP_EXT_RAMDISK_IMAGE 0x0c0
#define BP_EXT_RAMDISK_SIZE 0x0c4
#define BP_EXT_CMD_LINE_PTR 0x0c8
#define BP_E820_ENTRIES 0x1e8
#define BP_HDR_MAX_END 0x290  /* edd_mbr_sig_buffer: the header and its padding end here */
#define BP_E820_TABLE 0x2d0
#define E820_ENTRY_SIZE 20    /* struct boot_e820_entry: u64 addr, u64 size, u32 type, packed */

/* The PC memory map below 1 MiB: the EBDA and the legacy video/ROM hole. */
#define E820_LOW_RAM_END 0x9fc00ULL
#define E820_HIGH_RAM 0x100000ULL

#define MiB (1ULL << 20)
#define PAGE_MASK 0xfffULL

/* a + b, or UINT64_MAX when that overflows. */
static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* [addr, addr + len) lies within [0, limit). */
static bool fits_below(uint64_t addr, uint64_t len, uint64_t limit)
{
	return addr <= limit && len <= limit - addr;
}

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < sat_add(b, blen) && b < sat_add(a, alen);
}

/* "PREFIX: needs N MiB" in a static buffer: *why must name the size, and
 * this module has no printf. The next call overwrites it. */
static const char *why_needs_mib(const char *prefix, uint64_t bytes)
{
	static char buf[128];
	char digits[24];
	uint64_t mib = bytes / MiB + (bytes % MiB != 0);
	size_t n = 0, len = strlen(prefix);
	static const char mid[] = ": needs ", tail[] = " MiB";

	if (len > sizeof(buf) - sizeof(mid) - sizeof(digits) - sizeof(tail))
		return prefix;
	do {
		digits[n++] = (char)('0' + mib % 10);
		mib /= 10;
	} while (mib);
	memcpy(buf, prefix, len);
	memcpy(buf + len, mid, sizeof(mid) - 1);
	len += sizeof(mid) - 1;
	while (n)
		buf[len++] = digits[--n];
	memcpy(buf + len, tail, sizeof(tail));
	return buf;
}

static size_t header_end(const uint8_t *file)
{
	return 0x202 + (size_t)file[HDR_JUMP_OFFSET];
}

/* Size, signatures, version and layout of the header; 0 ok, -1 with *why. */
static int check_header(const uint8_t *file, size_t size, const char **why)
{
	size_t end;

	if (size < HDR_MIN_END) {
		*why = "not a bzImage: shorter than a setup header";
		return -1;
	}
	if (le_load16(file + HDR_BOOT_FLAG) != BOOT_FLAG_MAGIC) {
		*why = "not a bzImage: no 0xAA55 boot flag at 0x1FE";
		return -1;
	}
	if (le_load32(file + HDR_HEADER) != HDRS_MAGIC) {
		*why = "not a bzImage: no HdrS signature";
		return -1;
	}
	if (le_load16(file + HDR_VERSION) < PROTO_2_12) {
		*why = "boot protocol older than 2.12: no 64-bit entry point";
		return -1;
	}
	/* boot.rst "64-bit BOOT PROTOCOL": the header ends at 0x202 + the byte
	 * at 0x201 (the short jump over it); it must hold the fields we read and
	 * stay inside boot_params' room for it. */
	end = header_end(file);
	if (end < HDR_MIN_END || end > BP_HDR_MAX_END) {
		*why = "corrupt setup header: its length (the jump at 0x200) is out of range";
		return -1;
	}
	if (!(le_load16(file + HDR_XLOADFLAGS) & XLF_KERNEL_64)) {
		*why = "not a 64-bit kernel: xloadflags lacks XLF_KERNEL_64";
		return -1;
	}
	return 0;
}

/*
 * Where the protected-mode kernel goes. boot.rst "pref_address": a
 * non-relocatable kernel runs only there. A relocatable one aligns its load
 * address up to kernel_alignment and, in arch/x86/boot/compressed/head_64.S
 * startup_64, never decompresses below LOAD_PHYSICAL_ADDR (= pref_address),
 * so anything under max(16 MiB, pref_address) buys nothing.
 */
static int choose_load(const uint8_t *file, uint64_t need, uint64_t ram_bytes, uint64_t *load,
		       const char **why)
{
	uint64_t pref = le_load64(file + HDR_PREF_ADDRESS);
	uint64_t align = le_load32(file + HDR_KERNEL_ALIGNMENT);

	if (!file[HDR_RELOCATABLE]) {
		if (!pref) {
			*why = "not relocatable and no pref_address to load it at";
			return -1;
		}
		if (!fits_below(pref, need, ram_bytes)) {
			*why = why_needs_mib("not relocatable, and its pref_address is beyond the guest's RAM",
					     sat_add(pref, need));
			return -1;
		}
		*load = pref;
		return 0;
	}
	if (!align || (align & (align - 1))) {
		*why = "corrupt setup header: kernel_alignment is not a power of two";
		return -1;
	}
	if (pref && !(pref & (align - 1))) {
		*load = pref;
	} else {
		uint64_t base = pref > LINUX_MIN_LOAD_GPA ? pref : LINUX_MIN_LOAD_GPA;

		*load = sat_add(base, align - 1) & ~(align - 1);
	}
	if (!fits_below(*load, need, ram_bytes)) {
		*why = why_needs_mib("too big for the guest's RAM", sat_add(*load, need));
		return -1;
	}
	return 0;
}

int linux_parse(const uint8_t *file, size_t size, uint64_t ram_bytes, struct linux_image *out,
		const char **why)
{
	struct linux_image img;
	uint32_t sects;
	uint64_t sys_bytes;

	if (check_header(file, size, why))
		return -1;
	memset(&img, 0, sizeof(img));
	img.version = le_load16(file + HDR_VERSION);

	/* boot.rst "setup_sects": 0 means 4; the boot sector adds one more. */
	sects = file[HDR_SETUP_SECTS] ? file[HDR_SETUP_SECTS] : 4;
	img.setup_size = (sects + 1) * 512;
	img.kernel_offset = img.setup_size;
	if (size <= img.setup_size) {
		*why = "file too short: it ends inside its real-mode setup code";
		return -1;
	}
	/* syssize counts 16-byte paragraphs (2.04+). Debian signs its kernels,
	 * which appends a signature after them: copy only what syssize says. */
	sys_bytes = (uint64_t)le_load32(file + HDR_SYSSIZE) * 16;
	if (!sys_bytes)
		sys_bytes = size - img.setup_size;
	if (sys_bytes > size - img.setup_size) {
		*why = "file too short: truncated before the end of the kernel syssize gives";
		return -1;
	}
	img.kernel_size = sys_bytes;

	img.init_size = le_load32(file + HDR_INIT_SIZE);
	if (img.init_size < img.kernel_size)
		img.init_size = img.kernel_size;
	if (choose_load(file, img.init_size, ram_bytes, &img.load_gpa, why))
		return -1;
	img.entry64_gpa = img.load_gpa + LINUX_ENTRY64_OFFSET;
	img.cmdline_max = img.version >= PROTO_2_06 ? le_load32(file + HDR_CMDLINE_SIZE) : OLD_CMDLINE_MAX;
	img.initrd_addr_max = le_load32(file + HDR_INITRD_ADDR_MAX);
	*out = img;
	return 0;
}

uint64_t linux_place_initrd(const struct linux_image *img, uint64_t ram_bytes, uint64_t size)
{
	uint64_t limit = sat_add(img->initrd_addr_max, 1);
	uint64_t kernel_end = sat_add(img->load_gpa, img->init_size);
	uint64_t addr;

	if (limit > ram_bytes)
		limit = ram_bytes;
	if (!size || size > limit)
		return 0;
	addr = (limit - size) & ~PAGE_MASK;
	return addr >= kernel_end ? addr : 0;
}

/* ---------------------------------------------------------------- e820 --- */

static uint32_t e820_type_at(const struct linux_boot_layout *l, uint64_t x)
{
	uint32_t type = 0;
	unsigned i;

	if (x >= E820_LOW_RAM_END && x < E820_HIGH_RAM)
		type = LINUX_E820_RESERVED;
	else if (x < l->ram_bytes)
		type = LINUX_E820_RAM;
	for (i = 0; i < l->reserved_count; i++) {
		const struct linux_e820 *r = &l->reserved[i];

		if (x >= r->addr && x - r->addr < r->size)
			type = r->type;
	}
	return type;
}

static void consider(uint64_t c, uint64_t x, uint64_t *best, bool *found)
{
	if (c > x && (!*found || c < *best)) {
		*best = c;
		*found = true;
	}
}

/* The first address above x where the map's type may change. */
static bool e820_next_break(const struct linux_boot_layout *l, uint64_t x, uint64_t *next)
{
	bool found = false;
	unsigned i;

	consider(E820_LOW_RAM_END, x, next, &found);
	consider(E820_HIGH_RAM, x, next, &found);
	consider(l->ram_bytes, x, next, &found);
	for (i = 0; i < l->reserved_count; i++) {
		consider(l->reserved[i].addr, x, next, &found);
		consider(l->reserved[i].addr + l->reserved[i].size, x, next, &found);
	}
	return found;
}

/*
 * Sweeps the addresses where some region starts or ends: between two such
 * points the type is constant, so the entries come out sorted, disjoint
 * and, merging equal neighbours, as few as possible. Quadratic in the
 * number of regions, which is small.
 */
static int build_e820(uint8_t *zp, const struct linux_boot_layout *l)
{
	uint64_t cur = 0, next, start = 0, end = 0;
	uint32_t type, last_type = 0;
	unsigned n = 0;
	uint8_t *e = zp + BP_E820_TABLE;

	while (e820_next_break(l, cur, &next)) {
		type = e820_type_at(l, cur);
		if (type && n && type == last_type && end == cur) {
			end = next;
			le_store64(e - E820_ENTRY_SIZE + 8, end - start);
		} else if (type) {
			if (n == LINUX_E820_MAX)
				return -1;
			start = cur;
			end = next;
			last_type = type;
			le_store64(e, start);
			le_store64(e + 8, end - start);
			le_store32(e + 16, type);
			e += E820_ENTRY_SIZE;
			n++;
		}
		cur = next;
	}
	zp[BP_E820_ENTRIES] = (uint8_t)n;
	return 0;
}

/* ------------------------------------------------------------ the zero page --- */

/* [addr, addr + len) is RAM the guest may be handed data in: inside RAM,
 * clear of the kernel's decompression area and of every listed region. */
static bool usable(const struct linux_image *img, const struct linux_boot_layout *l, uint64_t addr,
		   uint64_t len)
{
	unsigned i;

	if (!fits_below(addr, len, l->ram_bytes) || overlaps(addr, len, img->load_gpa, img->init_size))
		return false;
	for (i = 0; i < l->reserved_count; i++)
		if (overlaps(addr, len, l->reserved[i].addr, l->reserved[i].size))
			return false;
	return true;
}

static int check_layout(const uint8_t *file, const struct linux_image *img,
			const struct linux_boot_layout *l)
{
	uint64_t initrd_limit = sat_add(img->initrd_addr_max, 1);
	unsigned i;

	if (!fits_below(img->load_gpa, img->init_size, l->ram_bytes))
		return -1;
	for (i = 0; i < l->reserved_count; i++) {
		const struct linux_e820 *r = &l->reserved[i];

		if (!r->size || !r->type || r->size > UINT64_MAX - r->addr)
			return -1;
		if (overlaps(r->addr, r->size, img->load_gpa, img->init_size))
			return -1;
	}
	if (!usable(img, l, l->boot_params_gpa, LINUX_ZERO_PAGE_SIZE))
		return -1;
	if (l->cmdline_gpa && !usable(img, l, l->cmdline_gpa, 1))
		return -1;
	if (l->initrd_size) {
		if (!usable(img, l, l->initrd_gpa, l->initrd_size))
			return -1;
		/* GRUB and kexec read XLF_CAN_BE_LOADED_ABOVE_4G as lifting
		 * initrd_addr_max too; the kernel takes ext_ramdisk_image then. */
		if (!(le_load16(file + HDR_XLOADFLAGS) & XLF_CAN_BE_LOADED_ABOVE_4G) &&
		    !fits_below(l->initrd_gpa, l->initrd_size, initrd_limit))
			return -1;
	}
	return 0;
}

int linux_build_boot_params(uint8_t zero_page[LINUX_ZERO_PAGE_SIZE], const uint8_t *file, size_t size,
			    const struct linux_image *img, const struct linux_boot_layout *layout)
{
	const char *why;
	uint8_t *zp = zero_page;

	memset(zp, 0, LINUX_ZERO_PAGE_SIZE);
	if (check_header(file, size, &why) || check_layout(file, img, layout))
		return -1;

	/* boot.rst "64-bit BOOT PROTOCOL": the setup header is copied from
	 * the image; the rest of boot_params starts zeroed. Starting at 0x1F1
	 * leaves the sentinel at 0x1EF zero, so the kernel's
	 * sanitize_boot_params() trusts the fields we left zero. */
	memcpy(zp + HDR_START, file + HDR_START, header_end(file) - HDR_START);

	/* boot.rst "DETAILS OF HEADER FIELDS", the fields marked "write". */
	zp[HDR_TYPE_OF_LOADER] = LOADER_UNDEFINED;
	zp[HDR_LOADFLAGS] = LOADED_HIGH | CAN_USE_HEAP;
	le_store16(zp + HDR_HEAP_END_PTR, HEAP_END_PTR);
	le_store32(zp + HDR_CODE32_START, (uint32_t)img->load_gpa);
	le_store64(zp + HDR_SETUP_DATA, 0); /* no setup_data list, whatever the file holds */

	le_store32(zp + HDR_CMD_LINE_PTR, (uint32_t)layout->cmdline_gpa);
	le_store32(zp + BP_EXT_CMD_LINE_PTR, (uint32_t)(layout->cmdline_gpa >> 32));
	if (layout->initrd_size) {
		le_store32(zp + HDR_RAMDISK_IMAGE, (uint32_t)layout->initrd_gpa);
		le_store32(zp + BP_EXT_RAMDISK_IMAGE, (uint32_t)(layout->initrd_gpa >> 32));
		le_store32(zp + HDR_RAMDISK_SIZE, (uint32_t)layout->initrd_size);
		le_store32(zp + BP_EXT_RAMDISK_SIZE, (uint32_t)(layout->initrd_size >> 32));
	}
	/* zero-page.rst: acpi_rsdp_addr at 0x070 (the 2.14 header field is
	 * burnt: boot.rst "Protocol 2.14"). 0 lets the kernel scan for it. */
	le_store64(zp + BP_ACPI_RSDP_ADDR, layout->acpi_rsdp_gpa);

	if (build_e820(zp, layout)) {
		memset(zp, 0, LINUX_ZERO_PAGE_SIZE);
		return -1;
	}
	return 0;
}
