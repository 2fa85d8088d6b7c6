/*
 * Host tests for vmm/boot/linux_boot.c: synthetic bzImage headers written at the
 * offsets of Documentation/arch/x86/boot.rst (one good 2.15 header in the
 * shape of Debian's 6.1 kernel, then one fault at a time), initrd
 * placement, and the zero page read back at zero-page.rst's offsets.
 * Every image is a heap buffer of exactly its size, so ASan catches a read
 * past the file.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "vmm/boot/linux_boot.h"

#define KiB (1ULL << 10)
#define MiB (1ULL << 20)
#define GiB (1ULL << 30)

/* A synthetic kernel: 27 setup sectors, 64 KiB of protected-mode code. */
#define SETUP_SECTS 27
#define SETUP_SIZE ((SETUP_SECTS + 1) * 512)
#define SYS_BYTES (64 * KiB)
#define INIT_SIZE (60 * MiB)
#define HDR_LEN 0x6a /* jump at 0x200 lands at 0x26c: the 2.15 header's end */

static void w16(uint8_t *p, size_t off, uint16_t v) { memcpy(p + off, &v, 2); }
static void w32(uint8_t *p, size_t off, uint32_t v) { memcpy(p + off, &v, 4); }
static void w64(uint8_t *p, size_t off, uint64_t v) { memcpy(p + off, &v, 8); }
static uint8_t r8(const uint8_t *p, size_t off) { return p[off]; }
static uint16_t r16(const uint8_t *p, size_t off) { uint16_t v; memcpy(&v, p + off, 2); return v; }
static uint32_t r32(const uint8_t *p, size_t off) { uint32_t v; memcpy(&v, p + off, 4); return v; }
static uint64_t r64(const uint8_t *p, size_t off) { uint64_t v; memcpy(&v, p + off, 8); return v; }

struct kimg {
	uint8_t *data;
	size_t size;
};

/* The header of Debian's linux-image-6.1.0-*-amd64, trimmed in size (a
 * file shorter than the header gets the header's first `size` bytes). */
static struct kimg make_kernel(size_t size)
{
	size_t room = size > 0x1000 ? size : 0x1000;
	struct kimg k = { .data = malloc(room), .size = size };

	assert_non_null(k.data);
	memset(k.data, 0xcc, room); /* setup code and padding: not to be copied */
	k.data[0x1f1] = SETUP_SECTS;
	w16(k.data, 0x1f2, 1);                     /* root_flags */
	w32(k.data, 0x1f4, SYS_BYTES / 16);        /* syssize */
	w16(k.data, 0x1f8, 0);
	w16(k.data, 0x1fa, 0xffff);                /* vid_mode */
	w16(k.data, 0x1fc, 0);
	w16(k.data, 0x1fe, 0xaa55);
	k.data[0x200] = 0xeb;
	k.data[0x201] = HDR_LEN;
	memcpy(k.data + 0x202, "HdrS", 4);
	w16(k.data, 0x206, 0x020f);
	memset(k.data + 0x208, 0, 0x26c - 0x208);
	k.data[0x211] = 0x01;                      /* LOADED_HIGH */
	w32(k.data, 0x214, 0x100000);              /* code32_start */
	w32(k.data, 0x22c, 0x7fffffff);            /* initrd_addr_max */
	w32(k.data, 0x230, 0x200000);              /* kernel_alignment */
	k.data[0x234] = 1;                         /* relocatable_kernel */
	k.data[0x235] = 21;                        /* min_alignment */
	w16(k.data, 0x236, 0x7f);                  /* xloadflags */
	w32(k.data, 0x238, 0x7ff);                 /* cmdline_size */
	w64(k.data, 0x258, 0x1000000);             /* pref_address */
	w32(k.data, 0x260, INIT_SIZE);             /* init_size */
	w32(k.data, 0x264, 0x4000);                /* handover_offset */
	w32(k.data, 0x268, 0x5000);                /* kernel_info_offset */
	if (room != size) {
		uint8_t *exact = malloc(size);

		assert_non_null(exact);
		memcpy(exact, k.data, size);
		free(k.data);
		k.data = exact;
	}
	return k;
}

static struct kimg good_kernel(void)
{
	return make_kernel(SETUP_SIZE + SYS_BYTES + 1472); /* + a signature, as Debian's */
}

static int parse(struct kimg *k, uint64_t ram, struct linux_image *img, const char **why)
{
	*why = NULL;
	return linux_parse(k->data, k->size, ram, img, why);
}

/* Expects linux_parse to refuse, naming `needle` in its reason. */
static void expect_refused(struct kimg *k, uint64_t ram, const char *needle)
{
	struct linux_image img;
	const char *why;

	memset(&img, 0x5a, sizeof(img));
	assert_int_equal(parse(k, ram, &img, &why), -1);
	assert_non_null(why);
	if (!strstr(why, needle))
		fail_msg("reason \"%s\" does not name \"%s\"", why, needle);
	free(k->data);
}

/* ----------------------------------------------------------- linux_parse --- */

static void test_good_header(void **state)
{
	struct kimg k = good_kernel();
	struct linux_image img;
	const char *why;

	assert_int_equal(parse(&k, 256 * MiB, &img, &why), 0);
	assert_int_equal(img.version, 0x020f);
	assert_int_equal(img.setup_size, SETUP_SIZE);
	assert_int_equal(img.kernel_offset, SETUP_SIZE);
	assert_int_equal(img.kernel_size, SYS_BYTES); /* the signature is left out */
	assert_int_equal(img.load_gpa, 0x1000000);
	assert_int_equal(img.init_size, INIT_SIZE);
	assert_int_equal(img.entry64_gpa, 0x1000200);
	assert_int_equal(img.cmdline_max, 0x7ff);
	assert_int_equal(img.initrd_addr_max, 0x7fffffff);
	free(k.data);
}

static void test_exact_fit(void **state)
{
	struct kimg k = good_kernel();
	struct linux_image img;
	const char *why;

	assert_int_equal(parse(&k, 16 * MiB + INIT_SIZE, &img, &why), 0);
	assert_int_equal(parse(&k, 16 * MiB + INIT_SIZE - 1, &img, &why), -1);
	free(k.data);
}

static void test_no_boot_flag(void **state)
{
	struct kimg k = good_kernel();

	w16(k.data, 0x1fe, 0);
	expect_refused(&k, 256 * MiB, "0xAA55");
}

static void test_no_hdrs(void **state)
{
	struct kimg k = good_kernel();

	memcpy(k.data + 0x202, "HdrT", 4);
	expect_refused(&k, 256 * MiB, "not a bzImage: no HdrS signature");
}

static void test_old_version(void **state)
{
	struct kimg k = good_kernel();

	w16(k.data, 0x206, 0x020b);
	expect_refused(&k, 256 * MiB, "2.12");
}

static void test_version_2_12_accepted(void **state)
{
	struct kimg k = good_kernel();
	struct linux_image img;
	const char *why;

	w16(k.data, 0x206, 0x020c);
	assert_int_equal(parse(&k, 256 * MiB, &img, &why), 0);
	assert_int_equal(img.version, 0x020c);
	free(k.data);
}

static void test_not_64bit(void **state)
{
	struct kimg k = good_kernel();

	w16(k.data, 0x236, 0x7e);
	expect_refused(&k, 256 * MiB, "XLF_KERNEL_64");
}

static void test_header_length_out_of_range(void **state)
{
	struct kimg k = good_kernel();

	k.data[0x201] = 0x60; /* would end before init_size */
	expect_refused(&k, 256 * MiB, "length");
	k = good_kernel();
	k.data[0x201] = 0x90; /* would run past boot_params' room for it */
	expect_refused(&k, 256 * MiB, "length");
}

static void test_not_relocatable_pref_fits(void **state)
{
	struct kimg k = good_kernel();
	struct linux_image img;
	const char *why;

	k.data[0x234] = 0;
	w64(k.data, 0x258, 0x2100000); /* not 2 MiB aligned: no matter, it must go there */
	assert_int_equal(parse(&k, 256 * MiB, &img, &why), 0);
	assert_int_equal(img.load_gpa, 0x2100000);
	assert_int_equal(img.entry64_gpa, 0x2100200);
	free(k.data);
}

static void test_not_relocatable_pref_too_high(void **state)
{
	struct kimg k = good_kernel();

	k.data[0x234] = 0;
	w64(k.data, 0x258, 200 * MiB); /* 200 + 60 MiB > 256 MiB */
	expect_refused(&k, 256 * MiB, "needs 260 MiB");
}

static void test_not_relocatable_no_pref(void **state)
{
	struct kimg k = good_kernel();

	k.data[0x234] = 0;
	w64(k.data, 0x258, 0);
	expect_refused(&k, 256 * MiB, "pref_address");
}

static void test_relocatable_pref_beyond_ram(void **state)
{
	struct kimg k = good_kernel();

	/* Relocatable, but the decompressor would still move up to pref_address. */
	w64(k.data, 0x258, 1 * GiB);
	expect_refused(&k, 256 * MiB, "too big for the guest's RAM: needs 1084 MiB");
}

static void test_relocatable_misaligned_pref(void **state)
{
	struct kimg k = good_kernel();
	struct linux_image img;
	const char *why;

	w64(k.data, 0x258, 0x1100000); /* 17 MiB: not 2 MiB aligned */
	assert_int_equal(parse(&k, 256 * MiB, &img, &why), 0);
	assert_int_equal(img.load_gpa, 0x1200000);
	w64(k.data, 0x258, 0); /* none: 16 MiB, aligned up */
	w32(k.data, 0x230, 0x1000000 * 2);
	assert_int_equal(parse(&k, 256 * MiB, &img, &why), 0);
	assert_int_equal(img.load_gpa, 0x2000000);
	w64(k.data, 0x258, 0x100000); /* aligned to 1 MiB kernels: taken as is */
	w32(k.data, 0x230, 0x100000);
	assert_int_equal(parse(&k, 256 * MiB, &img, &why), 0);
	assert_int_equal(img.load_gpa, 0x100000);
	free(k.data);
}

static void test_bad_alignment(void **state)
{
	struct kimg k = good_kernel();

	w32(k.data, 0x230, 0x300000);
	expect_refused(&k, 256 * MiB, "kernel_alignment");
}

static void test_setup_sects_zero_means_four(void **state)
{
	struct kimg k = make_kernel(5 * 512 + SYS_BYTES);
	struct linux_image img;
	const char *why;

	k.data[0x1f1] = 0;
	assert_int_equal(parse(&k, 256 * MiB, &img, &why), 0);
	assert_int_equal(img.setup_size, 5 * 512);
	assert_int_equal(img.kernel_offset, 5 * 512);
	assert_int_equal(img.kernel_size, SYS_BYTES);
	free(k.data);
}

static void test_file_too_short(void **state)
{
	struct kimg k = make_kernel(SETUP_SIZE); /* the setup code and nothing after */

	expect_refused(&k, 256 * MiB, "file too short");
	k = make_kernel(SETUP_SIZE + SYS_BYTES - 16); /* truncated kernel */
	expect_refused(&k, 256 * MiB, "file too short");
	k = make_kernel(SETUP_SIZE); /* syssize 0 (pre-2.04 style): no kernel either */
	w32(k.data, 0x1f4, 0);
	expect_refused(&k, 256 * MiB, "file too short");
	k = make_kernel(0x263); /* not even a whole header */
	expect_refused(&k, 256 * MiB, "shorter than a setup header");
}

static void test_syssize_zero_takes_the_rest(void **state)
{
	struct kimg k = make_kernel(SETUP_SIZE + 12345);
	struct linux_image img;
	const char *why;

	w32(k.data, 0x1f4, 0);
	assert_int_equal(parse(&k, 256 * MiB, &img, &why), 0);
	assert_int_equal(img.kernel_size, 12345);
	free(k.data);
}

static void test_init_size_too_big(void **state)
{
	struct kimg k = good_kernel();

	w32(k.data, 0x260, 0x3f98000); /* Debian 6.1's: 63.6 MiB */
	expect_refused(&k, 64 * MiB, "too big for the guest's RAM: needs 80 MiB");
}

static void test_init_size_at_least_kernel(void **state)
{
	struct kimg k = good_kernel();
	struct linux_image img;
	const char *why;

	w32(k.data, 0x260, 4096); /* smaller than the kernel itself */
	assert_int_equal(parse(&k, 256 * MiB, &img, &why), 0);
	assert_int_equal(img.init_size, SYS_BYTES);
	free(k.data);
}

/* ---------------------------------------------------- linux_place_initrd --- */

static struct linux_image image_at(uint64_t load, uint64_t init_size, uint64_t addr_max)
{
	struct linux_image img = { .load_gpa = load, .init_size = init_size, .initrd_addr_max = addr_max };

	return img;
}

static void test_initrd_top_of_ram(void **state)
{
	struct linux_image img = image_at(16 * MiB, INIT_SIZE, 0x7fffffff);

	assert_int_equal(linux_place_initrd(&img, 256 * MiB, 4 * MiB), 252 * MiB);
	/* not a whole number of pages: start page-aligned, end within RAM */
	assert_int_equal(linux_place_initrd(&img, 256 * MiB, 4 * MiB + 1), 252 * MiB - 4096);
	assert_int_equal(linux_place_initrd(&img, 256 * MiB, 100), 256 * MiB - 4096);
}

static void test_initrd_addr_max_limit(void **state)
{
	struct linux_image img = image_at(16 * MiB, INIT_SIZE, 0x7fffffff);
	uint64_t a = linux_place_initrd(&img, 4 * GiB, 10 * MiB);

	/* The last byte may be at initrd_addr_max, not beyond. */
	assert_int_equal(a, 2 * GiB - 10 * MiB);
	img.initrd_addr_max = 0x37ffffff;
	assert_int_equal(linux_place_initrd(&img, 4 * GiB, 10 * MiB), 0x38000000 - 10 * MiB);
	img.initrd_addr_max = 0xffffffff;
	assert_int_equal(linux_place_initrd(&img, 8 * GiB, 4096), 4 * GiB - 4096);
	img.initrd_addr_max = UINT64_MAX;
	assert_int_equal(linux_place_initrd(&img, 8 * GiB, 4096), 8 * GiB - 4096);
}

static void test_initrd_too_big(void **state)
{
	struct linux_image img = image_at(16 * MiB, INIT_SIZE, 0x7fffffff);
	uint64_t room = 256 * MiB - (16 * MiB + INIT_SIZE);

	assert_int_equal(linux_place_initrd(&img, 256 * MiB, room), 16 * MiB + INIT_SIZE);
	assert_int_equal(linux_place_initrd(&img, 256 * MiB, room + 1), 0);
	assert_int_equal(linux_place_initrd(&img, 256 * MiB, 512 * MiB), 0);
	assert_int_equal(linux_place_initrd(&img, 256 * MiB, 0), 0);
	/* RAM ends inside the kernel's area */
	assert_int_equal(linux_place_initrd(&img, 32 * MiB, 4096), 0);
}

/* ------------------------------------------------ linux_build_boot_params --- */

struct e820 {
	uint64_t addr, size;
	uint32_t type;
};

static unsigned read_e820(const uint8_t *zp, struct e820 *out, unsigned max)
{
	unsigned n = r8(zp, 0x1e8), i;

	assert_true(n <= max);
	for (i = 0; i < n; i++) {
		out[i].addr = r64(zp, 0x2d0 + 20 * i);
		out[i].size = r64(zp, 0x2d0 + 20 * i + 8);
		out[i].type = r32(zp, 0x2d0 + 20 * i + 16);
	}
	return n;
}

static void expect_entry(const struct e820 *e, uint64_t addr, uint64_t end, uint32_t type)
{
	if (e->addr != addr || e->addr + e->size != end || e->type != type)
		fail_msg("e820 [%#llx, %#llx) type %u, expected [%#llx, %#llx) type %u",
			 (unsigned long long)e->addr, (unsigned long long)(e->addr + e->size), e->type,
			 (unsigned long long)addr, (unsigned long long)end, type);
}

/* Entries sorted, disjoint, non-empty. */
static void expect_well_formed(const struct e820 *e, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		assert_true(e[i].size > 0);
		if (i)
			assert_true(e[i - 1].addr + e[i - 1].size <= e[i].addr);
	}
}

struct fixture {
	struct kimg k;
	struct linux_image img;
	struct linux_boot_layout layout;
	uint8_t zp[4096];
};

static void setup_fixture(struct fixture *f, uint64_t ram)
{
	const char *why;

	f->k = good_kernel();
	assert_int_equal(parse(&f->k, ram, &f->img, &why), 0);
	memset(&f->layout, 0, sizeof(f->layout));
	f->layout.ram_bytes = ram;
	f->layout.boot_params_gpa = 0x9000;
	f->layout.cmdline_gpa = 0xa000;
	f->layout.initrd_size = 3 * MiB + 5;
	f->layout.initrd_gpa = linux_place_initrd(&f->img, ram, f->layout.initrd_size);
	f->layout.acpi_rsdp_gpa = 0xe0000;
	memset(f->zp, 0xee, sizeof(f->zp));
}

static int build(struct fixture *f)
{
	return linux_build_boot_params(f->zp, f->k.data, f->k.size, &f->img, &f->layout);
}

static void test_zero_page_fields(void **state)
{
	struct fixture f;
	size_t i;

	setup_fixture(&f, 256 * MiB);
	f.k.data[0x1ef] = 0x77; /* the sentinel: not part of the header */
	f.k.data[0x250] = 0x42; /* a stray setup_data pointer */
	assert_int_equal(build(&f), 0);

	/* The setup header, copied (zero-page.rst: hdr at 0x1F1). */
	assert_int_equal(r8(f.zp, 0x1f1), SETUP_SECTS);
	assert_int_equal(r32(f.zp, 0x1f4), SYS_BYTES / 16);
	assert_int_equal(r16(f.zp, 0x1fa), 0xffff);
	assert_int_equal(r16(f.zp, 0x1fe), 0xaa55);
	assert_memory_equal(f.zp + 0x202, "HdrS", 4);
	assert_int_equal(r16(f.zp, 0x206), 0x020f);
	assert_int_equal(r32(f.zp, 0x22c), 0x7fffffff);
	assert_int_equal(r32(f.zp, 0x230), 0x200000);
	assert_int_equal(r16(f.zp, 0x236), 0x7f);
	assert_int_equal(r32(f.zp, 0x238), 0x7ff);
	assert_int_equal(r64(f.zp, 0x258), 0x1000000);
	assert_int_equal(r32(f.zp, 0x260), INIT_SIZE);
	assert_int_equal(r32(f.zp, 0x268), 0x5000);
	/* Not copied: the sentinel, setup code before the header, what follows it. */
	assert_int_equal(r8(f.zp, 0x1ef), 0);
	for (i = 0; i < 0x1f1; i++)
		if ((i < 0x70 || i >= 0x78) && i != 0x1e8) /* acpi_rsdp_addr, e820_entries */
			assert_int_equal(f.zp[i], 0);
	for (i = 0x26c; i < 0x2d0; i++)
		assert_int_equal(f.zp[i], 0);

	/* What the loader writes (boot.rst "DETAILS OF HEADER FIELDS"). */
	assert_int_equal(r8(f.zp, 0x210), 0xff);        /* type_of_loader */
	assert_int_equal(r8(f.zp, 0x211), 0x81);        /* LOADED_HIGH | CAN_USE_HEAP */
	assert_int_equal(r16(f.zp, 0x224), 0xde00);     /* heap_end_ptr */
	assert_int_equal(r32(f.zp, 0x214), 0x1000000);  /* code32_start = load_gpa */
	assert_int_equal(r64(f.zp, 0x250), 0);          /* setup_data */
	assert_int_equal(r32(f.zp, 0x228), 0xa000);     /* cmd_line_ptr */
	assert_int_equal(r32(f.zp, 0xc8), 0);           /* ext_cmd_line_ptr */
	assert_int_equal(r32(f.zp, 0x218), f.layout.initrd_gpa);
	assert_int_equal(r32(f.zp, 0x21c), 3 * MiB + 5);
	assert_int_equal(r32(f.zp, 0xc0), 0);
	assert_int_equal(r32(f.zp, 0xc4), 0);
	assert_int_equal(r64(f.zp, 0x070), 0xe0000);    /* acpi_rsdp_addr */
	/* Past the e820 table: zero. */
	for (i = 0x2d0 + 20 * r8(f.zp, 0x1e8); i < 4096; i++)
		assert_int_equal(f.zp[i], 0);
	free(f.k.data);
}

static void test_zero_page_high_fields(void **state)
{
	struct fixture f;

	setup_fixture(&f, 16 * GiB);
	f.layout.cmdline_gpa = 0x123456000ULL;
	f.layout.initrd_gpa = 0x180001000ULL; /* allowed: XLF_CAN_BE_LOADED_ABOVE_4G */
	f.layout.initrd_size = 0x100000123ULL;
	f.layout.acpi_rsdp_gpa = 0;
	assert_int_equal(build(&f), 0);
	assert_int_equal(r32(f.zp, 0x228), 0x23456000);
	assert_int_equal(r32(f.zp, 0xc8), 0x1);
	assert_int_equal(r32(f.zp, 0x218), 0x80001000);
	assert_int_equal(r32(f.zp, 0xc0), 0x1);
	assert_int_equal(r32(f.zp, 0x21c), 0x123);
	assert_int_equal(r32(f.zp, 0xc4), 0x1);
	assert_int_equal(r64(f.zp, 0x070), 0);

	/* Without the flag, initrd_addr_max holds. */
	w16(f.k.data, 0x236, 0x7d);
	assert_int_equal(build(&f), -1);
	free(f.k.data);
}

static void test_no_initrd_no_cmdline(void **state)
{
	struct fixture f;

	setup_fixture(&f, 256 * MiB);
	f.layout.initrd_size = 0;
	f.layout.initrd_gpa = 0x12345000;
	f.layout.cmdline_gpa = 0;
	assert_int_equal(build(&f), 0);
	assert_int_equal(r32(f.zp, 0x218), 0);
	assert_int_equal(r32(f.zp, 0x21c), 0);
	assert_int_equal(r32(f.zp, 0x228), 0);
	free(f.k.data);
}

static void test_e820_plain(void **state)
{
	struct fixture f;
	struct e820 e[128];
	unsigned n;

	setup_fixture(&f, 256 * MiB);
	assert_int_equal(build(&f), 0);
	n = read_e820(f.zp, e, 128);
	assert_int_equal(n, 3);
	expect_entry(&e[0], 0, 0x9fc00, 1);
	expect_entry(&e[1], 0x9fc00, 0x100000, 2);
	expect_entry(&e[2], 0x100000, 256 * MiB, 1);
	free(f.k.data);
}

static void test_e820_split(void **state)
{
	static const struct linux_e820 acpi[] = {
		{ 0xf0000, 0x10000, 3 },            /* inside the legacy hole */
		{ 100 * MiB, 64 * KiB, 3 },          /* middle of RAM: splits it */
		{ 200 * MiB, 4 * KiB, 2 },
		{ 200 * MiB + 4 * KiB, 4 * KiB, 2 }, /* touching, same type: one entry */
		{ 256 * MiB - 64 * KiB, 64 * KiB, 4 }, /* at the top */
		{ 0xfec00000, 0x1000, 2 },           /* beyond RAM: listed as is */
	};
	struct fixture f;
	struct e820 e[128];
	unsigned n;

	setup_fixture(&f, 256 * MiB);
	f.layout.initrd_gpa = linux_place_initrd(&f.img, 256 * MiB - 64 * KiB, f.layout.initrd_size);
	f.layout.reserved = acpi;
	f.layout.reserved_count = 6;
	assert_int_equal(build(&f), 0);
	n = read_e820(f.zp, e, 128);
	expect_well_formed(e, n);
	assert_int_equal(n, 10);
	expect_entry(&e[0], 0, 0x9fc00, 1);
	expect_entry(&e[1], 0x9fc00, 0xf0000, 2);
	expect_entry(&e[2], 0xf0000, 0x100000, 3);
	expect_entry(&e[3], 0x100000, 100 * MiB, 1);
	expect_entry(&e[4], 100 * MiB, 100 * MiB + 64 * KiB, 3);
	expect_entry(&e[5], 100 * MiB + 64 * KiB, 200 * MiB, 1);
	expect_entry(&e[6], 200 * MiB, 200 * MiB + 8 * KiB, 2);
	expect_entry(&e[7], 200 * MiB + 8 * KiB, 256 * MiB - 64 * KiB, 1);
	expect_entry(&e[8], 256 * MiB - 64 * KiB, 256 * MiB, 4);
	expect_entry(&e[9], 0xfec00000, 0xfec01000, 2);
	free(f.k.data);
}

static void test_e820_overlap_later_wins(void **state)
{
	static const struct linux_e820 r[] = {
		{ 100 * MiB, 2 * MiB, 2 },
		{ 101 * MiB, 2 * MiB, 3 },
	};
	struct fixture f;
	struct e820 e[128];
	unsigned n;

	setup_fixture(&f, 256 * MiB);
	f.layout.reserved = r;
	f.layout.reserved_count = 2;
	assert_int_equal(build(&f), 0);
	n = read_e820(f.zp, e, 128);
	expect_well_formed(e, n);
	assert_int_equal(n, 6);
	expect_entry(&e[3], 100 * MiB, 101 * MiB, 2);
	expect_entry(&e[4], 101 * MiB, 103 * MiB, 3);
	expect_entry(&e[5], 103 * MiB, 256 * MiB, 1);
	free(f.k.data);
}

/* k regions with RAM between them in high memory, plus `top` flush with the end of RAM. */
static struct linux_e820 *many_regions(unsigned k, bool top)
{
	struct linux_e820 *r = calloc(k + 1, sizeof(*r));
	unsigned i;

	assert_non_null(r);
	for (i = 0; i < k; i++)
		r[i] = (struct linux_e820){ 80 * MiB + i * 128 * KiB, 4 * KiB, 3 };
	if (top)
		r[k] = (struct linux_e820){ 256 * MiB - 64 * KiB, 64 * KiB, 2 };
	return r;
}

static void test_e820_limit(void **state)
{
	struct fixture f;
	struct e820 e[128];
	struct linux_e820 *r;

	setup_fixture(&f, 256 * MiB);
	f.layout.initrd_gpa = linux_place_initrd(&f.img, 256 * MiB - 64 * KiB, f.layout.initrd_size);

	/* 2 low + 62 regions + 63 RAM pieces + 1 at the top = 128: accepted. */
	r = many_regions(62, true);
	f.layout.reserved = r;
	f.layout.reserved_count = 63;
	assert_int_equal(build(&f), 0);
	assert_int_equal(read_e820(f.zp, e, 128), 128);
	expect_well_formed(e, 128);
	expect_entry(&e[127], 256 * MiB - 64 * KiB, 256 * MiB, 2);
	free(r);

	/* One more interior region: 130, refused, and the page left zeroed. */
	r = many_regions(63, true);
	f.layout.reserved = r;
	f.layout.reserved_count = 64;
	assert_int_equal(build(&f), -1);
	assert_int_equal(r8(f.zp, 0x1e8), 0);
	assert_int_equal(r32(f.zp, 0x202), 0);
	free(r);
	free(f.k.data);
}

static void test_layout_refused(void **state)
{
	static const struct linux_e820 in_kernel[] = { { 20 * MiB, 4096, 3 } };
	static const struct linux_e820 empty[] = { { 100 * MiB, 0, 3 } };
	static const struct linux_e820 wraps[] = { { UINT64_MAX - 4095, 4096, 2 } };
	struct fixture f;
	uint64_t good_initrd;

	setup_fixture(&f, 256 * MiB);
	good_initrd = f.layout.initrd_gpa;
	assert_int_equal(build(&f), 0);

	f.layout.initrd_gpa = 256 * MiB - 4096; /* runs past RAM */
	assert_int_equal(build(&f), -1);
	f.layout.initrd_gpa = 40 * MiB; /* inside the kernel's decompression area */
	assert_int_equal(build(&f), -1);
	f.layout.initrd_gpa = good_initrd;

	f.layout.boot_params_gpa = 16 * MiB;
	assert_int_equal(build(&f), -1);
	f.layout.boot_params_gpa = 256 * MiB - 2048;
	assert_int_equal(build(&f), -1);
	f.layout.boot_params_gpa = 0x9000;

	f.layout.cmdline_gpa = 256 * MiB;
	assert_int_equal(build(&f), -1);
	f.layout.cmdline_gpa = 0xa000;

	f.layout.reserved_count = 1;
	f.layout.reserved = in_kernel;
	assert_int_equal(build(&f), -1);
	f.layout.reserved = empty;
	assert_int_equal(build(&f), -1);
	f.layout.reserved = wraps;
	assert_int_equal(build(&f), -1);
	f.layout.reserved_count = 0;

	f.layout.initrd_size = 0;
	assert_int_equal(build(&f), 0);
	f.layout.ram_bytes = 64 * MiB; /* the kernel no longer fits */
	assert_int_equal(build(&f), -1);
	free(f.k.data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_header),
		cmocka_unit_test(test_exact_fit),
		cmocka_unit_test(test_no_boot_flag),
		cmocka_unit_test(test_no_hdrs),
		cmocka_unit_test(test_old_version),
		cmocka_unit_test(test_version_2_12_accepted),
		cmocka_unit_test(test_not_64bit),
		cmocka_unit_test(test_header_length_out_of_range),
		cmocka_unit_test(test_not_relocatable_pref_fits),
		cmocka_unit_test(test_not_relocatable_pref_too_high),
		cmocka_unit_test(test_not_relocatable_no_pref),
		cmocka_unit_test(test_relocatable_pref_beyond_ram),
		cmocka_unit_test(test_relocatable_misaligned_pref),
		cmocka_unit_test(test_bad_alignment),
		cmocka_unit_test(test_setup_sects_zero_means_four),
		cmocka_unit_test(test_file_too_short),
		cmocka_unit_test(test_syssize_zero_takes_the_rest),
		cmocka_unit_test(test_init_size_too_big),
		cmocka_unit_test(test_init_size_at_least_kernel),
		cmocka_unit_test(test_initrd_top_of_ram),
		cmocka_unit_test(test_initrd_addr_max_limit),
		cmocka_unit_test(test_initrd_too_big),
		cmocka_unit_test(test_zero_page_fields),
		cmocka_unit_test(test_zero_page_high_fields),
		cmocka_unit_test(test_no_initrd_no_cmdline),
		cmocka_unit_test(test_e820_plain),
		cmocka_unit_test(test_e820_split),
		cmocka_unit_test(test_e820_overlap_later_wins),
		cmocka_unit_test(test_e820_limit),
		cmocka_unit_test(test_layout_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
