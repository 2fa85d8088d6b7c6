/*
 * Host unit test for vmm/exit/guest_walk.c: page tables are built in a fake
 * 2 MiB guest RAM for each paging mode (SDM Vol. 3 4.3-4.5) and addresses
 * are translated through 4 KiB, 2 MiB, 1 GiB and 4 MiB pages, with
 * not-present entries, reserved bits, tables outside RAM and reads that
 * cross into an unrelated physical page.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "vmm/exit/guest_walk.h"

#define RAM_SIZE 0x200000ULL
#define TABLES_AT 0x10000ULL
#define OUTSIDE_RAM 0x40000000ULL

#define P (1ULL << 0)
#define RW (1ULL << 1)
#define US (1ULL << 2)
#define PS (1ULL << 7)
#define PAT_LARGE (1ULL << 12)
#define XD (1ULL << 63)
#define FRAME_MASK 0x000ffffffffff000ULL

static uint8_t ram[RAM_SIZE];
static uint64_t next_table;
static unsigned int ram_reads;

static int ram_read(void *ctx, uint64_t gpa, void *buf, size_t len)
{
	assert_ptr_equal(ctx, ram);
	ram_reads++;
	if (gpa >= RAM_SIZE || len > RAM_SIZE - gpa)
		return -1;
	memcpy(buf, ram + gpa, len);
	return 0;
}

static void put32(uint64_t gpa, uint32_t v)
{
	assert_true(gpa + 4 <= RAM_SIZE);
	for (int i = 0; i < 4; i++)
		ram[gpa + i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint64_t gpa, uint64_t v)
{
	assert_true(gpa + 8 <= RAM_SIZE);
	for (int i = 0; i < 8; i++)
		ram[gpa + i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get64(uint64_t gpa)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v |= (uint64_t)ram[gpa + i] << (8 * i);
	return v;
}

static uint64_t alloc_table(void)
{
	uint64_t t = next_table;

	next_table += 0x1000;
	assert_true(next_table <= RAM_SIZE);
	return t;
}

static int reset_ram(void **state)
{
	memset(ram, 0, sizeof(ram));
	next_table = TABLES_AT;
	ram_reads = 0;
	return 0;
}

/*
 * GPA of the 8-byte entry for gva at `level` (4 PML4 ... 1 PT), walking
 * down from a table at `root` of level `top` and creating missing tables
 * (present, nothing else: valid in PAE PDPTEs too).
 */
static uint64_t slot(uint64_t root, int top, uint64_t gva, int level)
{
	uint64_t table = root;

	for (int l = top;; l--) {
		uint64_t at = table + ((gva >> (12 + 9 * (l - 1))) & 0x1ffU) * 8;
		uint64_t e;

		if (l == level)
			return at;
		e = get64(at);
		if (!(e & P)) {
			e = alloc_table() | P;
			put64(at, e);
		}
		table = e & FRAME_MASK;
	}
}

static enum walk_result walk(const struct guest_paging *pg, uint64_t gva, uint64_t *gpa)
{
	return guest_walk(pg, gva, ram_read, ram, gpa);
}

static void expect_ok(const struct guest_paging *pg, uint64_t gva, uint64_t want)
{
	uint64_t gpa = 0;
	enum walk_result r = walk(pg, gva, &gpa);

	if (r != WALK_OK || gpa != want)
		fail_msg("gva %#llx: result %d gpa %#llx, want gpa %#llx", (unsigned long long)gva, r,
			 (unsigned long long)gpa, (unsigned long long)want);
}

static void expect_fault(const struct guest_paging *pg, uint64_t gva, enum walk_result want)
{
	uint64_t gpa = 0x5a5a;
	enum walk_result r = walk(pg, gva, &gpa);

	if (r != want)
		fail_msg("gva %#llx: result %d, want %d", (unsigned long long)gva, r, want);
	assert_int_equal(gpa, 0x5a5a); /* untouched on failure */
}

/* ------------------------------------------------------------ paging off --- */

static void test_paging_off(void **state)
{
	struct guest_paging pg = { .cr0 = 0x11, .cr3 = 0x1000 };

	expect_ok(&pg, 0x12345678, 0x12345678);
	expect_ok(&pg, 0xffff0, 0xffff0);
	/* Linear addresses are 32-bit outside IA-32e mode. */
	expect_ok(&pg, 0x100001000ULL, 0x1000);
	assert_int_equal(ram_reads, 0);
}

/* --------------------------------------------------------- 32-bit paging --- */

#define PD32 0x1000ULL
#define PT32 0x2000ULL

static void test_32bit_4k(void **state)
{
	struct guest_paging pg = { .cr0 = GUEST_CR0_PG | 1, .cr3 = PD32 | 0x18 /* PWT PCD */ };

	put32(PD32 + 1 * 4, (uint32_t)(PT32 | P | RW | US));
	put32(PT32 + 1 * 4, 0x00abc000U | P);
	put32(PT32 + 3 * 4, 0xfffff000U | P | RW);
	expect_ok(&pg, 0x00401234, 0x00abc234);
	expect_ok(&pg, 0x00403fff, 0xffffffff);
	/* Bits 63:32 of the address are not used. */
	expect_ok(&pg, 0x500401234ULL, 0x00abc234);
	expect_fault(&pg, 0x00402000, WALK_NOT_PRESENT);  /* PTE */
	expect_fault(&pg, 0x00800000, WALK_NOT_PRESENT);  /* PDE */
	/* A PDE with PS but CR4.PSE clear points to a page table. */
	put32(PD32 + 3 * 4, 0x01000000U | PS | P);
	expect_fault(&pg, 0x00d23456, WALK_BAD_GPA);

	pg.cr3 = OUTSIDE_RAM;
	expect_fault(&pg, 0x00401234, WALK_BAD_GPA);
}

static void test_32bit_4m(void **state)
{
	struct guest_paging pg = { .cr0 = GUEST_CR0_PG | 1, .cr3 = PD32, .cr4 = GUEST_CR4_PSE };

	put32(PD32 + 3 * 4, 0x01000000U | PS | P);
	expect_ok(&pg, 0x00d23456, 0x01123456);
	expect_ok(&pg, 0x00ffffff, 0x013fffff);

	/* PSE-36: PDE bits 20:13 are physical 39:32. */
	put32(PD32 + 4 * 4, 0xffc00000U | (0x05U << 13) | PS | P);
	expect_ok(&pg, 0x01000003, 0x5ffc00003ULL);
	pg.maxphyaddr = 36;
	expect_ok(&pg, 0x01000003, 0x5ffc00003ULL);

	/* Physical bit 36 (PDE bit 17) is reserved when MAXPHYADDR is 36. */
	put32(PD32 + 5 * 4, 0x00400000U | (0x10U << 13) | PS | P);
	expect_fault(&pg, 0x01400000, WALK_RESERVED_BIT);
	pg.maxphyaddr = 40;
	expect_ok(&pg, 0x01400000, 0x1000400000ULL);
	pg.maxphyaddr = 0; /* 52: PSE-36 stops at 40 bits anyway */
	expect_ok(&pg, 0x01400000, 0x1000400000ULL);

	/* Bit 21 is always reserved in a 4 MiB PDE. */
	put32(PD32 + 6 * 4, 0x00800000U | (1U << 21) | PS | P);
	expect_fault(&pg, 0x01800000, WALK_RESERVED_BIT);
}

/* -------------------------------------------------------------- PAE --- */

#define PDPT_PAE 0x3020ULL /* CR3 bits 31:5: 32-byte aligned, not page aligned */

static struct guest_paging pae_paging(void)
{
	struct guest_paging pg = {
		.cr0 = GUEST_CR0_PG | 1,
		.cr3 = PDPT_PAE,
		.cr4 = GUEST_CR4_PAE,
	};

	return pg;
}

static void test_pae_4k_2m(void **state)
{
	struct guest_paging pg = pae_paging();

	put64(slot(PDPT_PAE, 3, 0x80201234, 1), 0x00abc000ULL | P | RW);
	expect_ok(&pg, 0x80201234, 0x00abc234);
	/* The same PD, next PTE, not present. */
	expect_fault(&pg, 0x80202000, WALK_NOT_PRESENT);
	/* PDPTE 0 was never set. */
	expect_fault(&pg, 0x00001000, WALK_NOT_PRESENT);

	/* 2 MiB page, above 4 GiB, with the PAT bit (12) not part of the address. */
	put64(slot(PDPT_PAE, 3, 0xc0344678, 2), 0x140000000ULL | PAT_LARGE | PS | P);
	expect_ok(&pg, 0xc0344678, 0x140144678ULL);
	/* Bits 20:13 of a 2 MiB PDE are reserved. */
	put64(slot(PDPT_PAE, 3, 0xc0545678, 2), 0x40000000ULL | (1ULL << 13) | PS | P);
	expect_fault(&pg, 0xc0545678, WALK_RESERVED_BIT);

	pg.cr3 = OUTSIDE_RAM;
	expect_fault(&pg, 0x80201234, WALK_BAD_GPA);
}

static void test_pae_reserved(void **state)
{
	struct guest_paging pg = pae_paging();
	uint64_t pdpte = slot(PDPT_PAE, 3, 0x80201234, 3);
	uint64_t pte = slot(PDPT_PAE, 3, 0x80201234, 1);

	put64(pte, 0x00abc000ULL | P);
	expect_ok(&pg, 0x80201234, 0x00abc234);

	/* PDPTE: bits 2:1 and 8:5 reserved, and 63 (no XD there). */
	put64(pdpte, get64(pdpte) | RW);
	expect_fault(&pg, 0x80201234, WALK_RESERVED_BIT);
	put64(pdpte, (get64(pdpte) & ~RW) | PS);
	expect_fault(&pg, 0x80201234, WALK_RESERVED_BIT);
	put64(pdpte, (get64(pdpte) & ~PS) | XD);
	pg.efer = GUEST_EFER_NXE;
	expect_fault(&pg, 0x80201234, WALK_RESERVED_BIT);
	put64(pdpte, get64(pdpte) & ~XD);
	expect_ok(&pg, 0x80201234, 0x00abc234);

	/* A PDPTE keeps its frame when not present: P alone decides. */
	put64(pdpte, get64(pdpte) & ~P);
	expect_fault(&pg, 0x80201234, WALK_NOT_PRESENT);
	put64(pdpte, get64(pdpte) | P);

	/* XD is reserved unless EFER.NXE. */
	put64(pte, 0x00abc000ULL | XD | P);
	expect_ok(&pg, 0x80201234, 0x00abc234);
	pg.efer = 0;
	expect_fault(&pg, 0x80201234, WALK_RESERVED_BIT);

	/* PAE reserves 62:MAXPHYADDR, so bit 52 too (4-level ignores it). */
	put64(pte, 0x00abc000ULL | (1ULL << 52) | P);
	expect_fault(&pg, 0x80201234, WALK_RESERVED_BIT);

	/* Bit 40 is an address bit or reserved depending on MAXPHYADDR. */
	put64(pte, 0x00abc000ULL | (1ULL << 40) | P);
	expect_ok(&pg, 0x80201234, (1ULL << 40) | 0xabc234);
	pg.maxphyaddr = 40;
	expect_fault(&pg, 0x80201234, WALK_RESERVED_BIT);
}

/* -------------------------------------------------------------- 4-level --- */

#define PML4 0x6000ULL

static struct guest_paging long_paging(void)
{
	struct guest_paging pg = {
		.cr0 = GUEST_CR0_PG | 1,
		.cr3 = PML4 | 0x005, /* PCID in bits 11:0 */
		.cr4 = GUEST_CR4_PAE,
		.efer = GUEST_EFER_LMA | (1ULL << 8) | GUEST_EFER_NXE,
	};

	return pg;
}

static void test_4level_pages(void **state)
{
	struct guest_paging pg = long_paging();

	put64(slot(PML4, 4, 0x00007fffffffe123ULL, 1), 0x123000ULL | P | RW | US);
	expect_ok(&pg, 0x00007fffffffe123ULL, 0x123123);

	put64(slot(PML4, 4, 0xffffffff81001234ULL, 1), 0x456000ULL | XD | P);
	expect_ok(&pg, 0xffffffff81001234ULL, 0x456234);

	/* 2 MiB page with the PAT bit. */
	put64(slot(PML4, 4, 0xffff888000344678ULL, 2), 0x40000000ULL | PAT_LARGE | PS | P);
	expect_ok(&pg, 0xffff888000344678ULL, 0x40144678);

	/* 1 GiB page. */
	put64(slot(PML4, 4, 0xffff880001234567ULL, 3), 0x80000000ULL | PS | P | RW);
	expect_ok(&pg, 0xffff880001234567ULL, 0x81234567);
	expect_ok(&pg, 0xffff88003fffffffULL, 0xbfffffff);

	/* Not present at each level. */
	expect_fault(&pg, 0x0000100000000000ULL, WALK_NOT_PRESENT);  /* PML4E */
	expect_fault(&pg, 0x00007fff00000000ULL, WALK_NOT_PRESENT);  /* PDPTE */
	expect_fault(&pg, 0x00007fffff000000ULL, WALK_NOT_PRESENT);  /* PDE */
	expect_fault(&pg, 0x00007fffffffd000ULL, WALK_NOT_PRESENT);  /* PTE */
}

static void test_4level_reserved(void **state)
{
	struct guest_paging pg = long_paging();
	uint64_t pte = slot(PML4, 4, 0x1000, 1);
	uint64_t pde2m = slot(PML4, 4, 0x40000000, 2);
	uint64_t pdpte1g = slot(PML4, 4, 0x8000000000ULL, 3);
	uint64_t pml4e = PML4 + 1 * 8; /* the entry for 0x8000000000 */

	put64(pte, 0x9000ULL | P);
	expect_ok(&pg, 0x1abc, 0x9abc);

	/* Ignored in 4-level paging: bits 62:52. */
	put64(pte, 0x9000ULL | (0x7ffULL << 52) | P);
	expect_ok(&pg, 0x1abc, 0x9abc);
	/* XD without EFER.NXE. */
	put64(pte, 0x9000ULL | XD | P);
	expect_ok(&pg, 0x1abc, 0x9abc);
	pg.efer &= ~GUEST_EFER_NXE;
	expect_fault(&pg, 0x1abc, WALK_RESERVED_BIT);
	pg.efer |= GUEST_EFER_NXE;
	/* Bits 51:MAXPHYADDR. */
	put64(pte, 0x9000ULL | (1ULL << 51) | P);
	expect_ok(&pg, 0x1abc, 0x8000000009abcULL);
	pg.maxphyaddr = 48;
	expect_fault(&pg, 0x1abc, WALK_RESERVED_BIT);
	pg.maxphyaddr = 0;

	/* 2 MiB: 20:13 reserved. */
	put64(pde2m, 0x200000ULL | PS | P);
	expect_ok(&pg, 0x40012345, 0x212345);
	put64(pde2m, 0x200000ULL | (1ULL << 20) | PS | P);
	expect_fault(&pg, 0x40012345, WALK_RESERVED_BIT);

	/* 1 GiB: 29:13 reserved. */
	put64(pdpte1g, 0x40000000ULL | PS | P);
	expect_ok(&pg, 0x8000012345ULL, 0x40012345);
	put64(pdpte1g, 0x40000000ULL | (1ULL << 13) | PS | P);
	expect_fault(&pg, 0x8000012345ULL, WALK_RESERVED_BIT);
	put64(pdpte1g, 0x40000000ULL | (1ULL << 29) | PS | P);
	expect_fault(&pg, 0x8000012345ULL, WALK_RESERVED_BIT);
	put64(pdpte1g, 0x40000000ULL | PS | P);

	/* Non-leaf entries ignore bits 62:52: they are not address bits. */
	put64(pml4e, get64(pml4e) | (0x7ffULL << 52));
	expect_ok(&pg, 0x8000012345ULL, 0x40012345);

	/* PS is reserved in a PML4E, even one whose frame would be 512 GiB aligned. */
	put64(pml4e, get64(pml4e) | PS);
	expect_fault(&pg, 0x8000012345ULL, WALK_RESERVED_BIT);
	put64(PML4 + 2 * 8, PS | P);
	expect_fault(&pg, 0x10000012345ULL, WALK_RESERVED_BIT);
}

static void test_4level_bad(void **state)
{
	struct guest_paging pg = long_paging();

	/* A PDPTE pointing at a page directory outside RAM. */
	put64(slot(PML4, 4, 0x7f0000000000ULL, 3), OUTSIDE_RAM | P);
	expect_fault(&pg, 0x7f0000000000ULL, WALK_BAD_GPA);

	/* Bits 63:47 must copy bit 47. */
	expect_fault(&pg, 0x0000800000000000ULL, WALK_NON_CANONICAL);
	expect_fault(&pg, 0xfff0000000000000ULL, WALK_NON_CANONICAL);

	pg.cr4 |= GUEST_CR4_LA57;
	expect_fault(&pg, 0x7f0000000000ULL, WALK_UNSUPPORTED);
	pg.cr4 &= ~GUEST_CR4_LA57;

	pg.cr3 = OUTSIDE_RAM;
	expect_fault(&pg, 0x1000, WALK_BAD_GPA);
}

/* ------------------------------------------------------------- read_virt --- */

static void test_read_virt_cross_page(void **state)
{
	struct guest_paging pg = long_paging();
	uint8_t buf[8];

	/* Two consecutive virtual pages on unrelated, descending frames. */
	put64(slot(PML4, 4, 0x400000, 1), 0x20000ULL | P);
	put64(slot(PML4, 4, 0x401000, 1), 0x9000ULL | P);
	put64(slot(PML4, 4, 0x403000, 1), 0x300000ULL | P); /* outside RAM */
	memcpy(ram + 0x20ffc, "abcd", 4);
	memcpy(ram + 0x9000, "efgh", 4);
	memcpy(ram + 0x20ff0, "0123", 4);

	memset(buf, 0, sizeof(buf));
	assert_int_equal(guest_read_virt(&pg, 0x400ffc, buf, 8, ram_read, ram), 0);
	assert_memory_equal(buf, "abcdefgh", 8);

	assert_int_equal(guest_read_virt(&pg, 0x400ff0, buf, 4, ram_read, ram), 0);
	assert_memory_equal(buf, "0123", 4);

	assert_int_equal(guest_read_virt(&pg, 0x400000, buf, 0, ram_read, ram), 0);

	/* The second page is not mapped, or its frame is not RAM. */
	assert_int_equal(guest_read_virt(&pg, 0x401ffc, buf, 8, ram_read, ram), -1);
	assert_int_equal(guest_read_virt(&pg, 0x402ffc, buf, 8, ram_read, ram), -1);
	assert_int_equal(guest_read_virt(&pg, 0x403000, buf, 1, ram_read, ram), -1);
}

static void test_read_virt_32bit_and_off(void **state)
{
	struct guest_paging pg = { .cr0 = GUEST_CR0_PG | 1, .cr3 = PD32 };
	uint8_t buf[6];

	put32(PD32 + 0, (uint32_t)(PT32 | P));
	put32(PT32 + 5 * 4, 0x00031000U | P);
	put32(PT32 + 6 * 4, 0x00007000U | P);
	memcpy(ram + 0x31ffd, "xyz", 3);
	memcpy(ram + 0x7000, "123", 3);
	assert_int_equal(guest_read_virt(&pg, 0x5ffd, buf, 6, ram_read, ram), 0);
	assert_memory_equal(buf, "xyz123", 6);

	/* Paging off: the bytes are where the address says, contiguous. */
	pg.cr0 = 0;
	memcpy(ram + 0x5ffd, "ABCDEF", 6);
	assert_int_equal(guest_read_virt(&pg, 0x5ffd, buf, 6, ram_read, ram), 0);
	assert_memory_equal(buf, "ABCDEF", 6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_paging_off, reset_ram),
		cmocka_unit_test_setup(test_32bit_4k, reset_ram),
		cmocka_unit_test_setup(test_32bit_4m, reset_ram),
		cmocka_unit_test_setup(test_pae_4k_2m, reset_ram),
		cmocka_unit_test_setup(test_pae_reserved, reset_ram),
		cmocka_unit_test_setup(test_4level_pages, reset_ram),
		cmocka_unit_test_setup(test_4level_reserved, reset_ram),
		cmocka_unit_test_setup(test_4level_bad, reset_ram),
		cmocka_unit_test_setup(test_read_virt_cross_page, reset_ram),
		cmocka_unit_test_setup(test_read_virt_32bit_and_off, reset_ram),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
