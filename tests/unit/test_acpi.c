/*
 * Host tests for drivers/acpi.c: tables are synthesized in a fake physical
 * memory, and every mapping the parser asks for is handed out as a separate
 * heap copy of exactly the length asked for, so ASan catches any read past
 * what the parser mapped. An alarm turns a parser stuck in a loop into a
 * failure.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "drivers/acpi.h"

/* ------------------------------------------------------ fake firmware --- */

#define MEM_BASE 0x100000ULL
#define MEM_SIZE (256U * 1024U)

#define RSDP_AT (MEM_BASE + 0x0000)
#define RSDT_AT (MEM_BASE + 0x1000)
#define XSDT_AT (MEM_BASE + 0x2000)
#define MADT_AT (MEM_BASE + 0x3000)
#define FADT_AT (MEM_BASE + 0x4000)
#define DSDT_AT (MEM_BASE + 0x5000)
#define HPET_AT (MEM_BASE + 0x6000)
#define MADT2_AT (MEM_BASE + 0x7000)
#define DSDT2_AT (MEM_BASE + 0x8000)
#define UNMAPPED_AT 0x7000000ULL

/* The same memory again above 4 GiB, for 64-bit XSDT entries. */
#define HIGH_BASE 0x123400000000ULL
#define HIGH(phys) (HIGH_BASE + ((phys) - MEM_BASE))

static uint8_t mem[MEM_SIZE];

static void *maps[4096];
static size_t map_count;

static void *at(uint64_t phys)
{
	assert_true(phys >= MEM_BASE && phys - MEM_BASE < MEM_SIZE);
	return mem + (phys - MEM_BASE);
}

static const void *fake_map(uint64_t phys, size_t len, void *ctx)
{
	void *copy;

	assert_ptr_equal(ctx, mem);
	if (phys >= HIGH_BASE)
		phys = phys - HIGH_BASE + MEM_BASE;
	if (phys < MEM_BASE || phys - MEM_BASE > MEM_SIZE || len > MEM_SIZE - (phys - MEM_BASE))
		return NULL;
	assert_true(map_count < sizeof(maps) / sizeof(maps[0]));
	copy = malloc(len);
	assert_non_null(copy);
	memcpy(copy, mem + (phys - MEM_BASE), len);
	maps[map_count++] = copy;
	return copy;
}

static int setup(void **state)
{
	memset(mem, 0, sizeof(mem));
	map_count = 0;
	return 0;
}

static int teardown(void **state)
{
	for (size_t i = 0; i < map_count; i++)
		free(maps[i]);
	map_count = 0;
	return 0;
}

static uint8_t sum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t s = 0;

	for (size_t i = 0; i < len; i++)
		s = (uint8_t)(s + b[i]);
	return s;
}

static void put_rsdp(uint8_t revision, uint32_t rsdt, uint64_t xsdt)
{
	struct acpi_rsdp *r = at(RSDP_AT);

	memcpy(r->signature, "RSD PTR ", 8);
	memcpy(r->oem_id, "BOCHS ", 6);
	r->revision = revision;
	r->rsdt_address = rsdt;
	r->length = sizeof(*r);
	r->xsdt_address = xsdt;
	r->checksum = 0;
	r->checksum = (uint8_t)-sum(r, ACPI_RSDP_V1_LEN);
	r->extended_checksum = 0;
	r->extended_checksum = (uint8_t)-sum(r, sizeof(*r));
}

/* A table under construction: header at phys, body appended. */
struct tb {
	uint64_t phys;
	uint32_t len;
};

static struct tb tb_begin(uint64_t phys, const char *sig)
{
	struct acpi_sdt_header *h = at(phys);
	struct tb b = { phys, sizeof(*h) };

	memset(h, 0, sizeof(*h));
	memcpy(h->signature, sig, 4);
	h->revision = 1;
	memcpy(h->oem_id, "BOCHS ", 6);
	return b;
}

static void tb_add(struct tb *b, const void *p, size_t n)
{
	memcpy(at(b->phys + b->len), p, n);
	b->len += (uint32_t)n;
}

static void fix_checksum(uint64_t phys)
{
	struct acpi_sdt_header *h = at(phys);

	h->checksum = 0;
	h->checksum = (uint8_t)-sum(h, h->length);
}

static void tb_end(struct tb *b)
{
	struct acpi_sdt_header *h = at(b->phys);

	h->length = b->len;
	fix_checksum(b->phys);
}

static void put_rsdt(uint64_t phys, const uint32_t *entries, size_t n)
{
	struct tb b = tb_begin(phys, "RSDT");

	tb_add(&b, entries, n * sizeof(*entries));
	tb_end(&b);
}

static void put_xsdt(uint64_t phys, const uint64_t *entries, size_t n)
{
	struct tb b = tb_begin(phys, "XSDT");

	tb_add(&b, entries, n * sizeof(*entries)); /* unaligned, as in firmware */
	tb_end(&b);
}

static struct tb madt_begin(uint64_t phys)
{
	struct tb b = tb_begin(phys, "APIC");
	uint32_t lapic = 0xfee00000U, flags = 1;

	tb_add(&b, &lapic, 4);
	tb_add(&b, &flags, 4);
	return b;
}

static void madt_lapic(struct tb *b, uint8_t uid, uint8_t id, uint32_t flags)
{
	struct acpi_madt_lapic e = { { ACPI_MADT_LAPIC, sizeof(e) }, uid, id, flags };

	tb_add(b, &e, sizeof(e));
}

static void madt_x2apic(struct tb *b, uint32_t id, uint32_t flags)
{
	struct acpi_madt_x2apic e = { { ACPI_MADT_X2APIC, sizeof(e) }, 0, id, flags, id };

	tb_add(b, &e, sizeof(e));
}

static void madt_ioapic(struct tb *b, uint8_t id, uint32_t addr, uint32_t gsi_base)
{
	struct acpi_madt_ioapic e = { { ACPI_MADT_IOAPIC, sizeof(e) }, id, 0, addr, gsi_base };

	tb_add(b, &e, sizeof(e));
}

static void madt_iso(struct tb *b, uint8_t irq, uint32_t gsi, uint16_t flags)
{
	struct acpi_madt_iso e = { { ACPI_MADT_ISO, sizeof(e) }, 0, irq, gsi, flags };

	tb_add(b, &e, sizeof(e));
}

/* The usual PC: CPU 0 enabled, CPU 1 disabled, one IOAPIC, two overrides. */
static void put_madt(uint64_t phys)
{
	struct tb b = madt_begin(phys);

	madt_lapic(&b, 0, 0, ACPI_MADT_ENABLED);
	madt_lapic(&b, 1, 1, 0);
	madt_ioapic(&b, 2, 0xfec00000U, 0);
	madt_iso(&b, 0, 2, 0);
	madt_iso(&b, 9, 9, ACPI_MPS_POLARITY_HIGH | ACPI_MPS_TRIGGER_LEVEL);
	tb_end(&b);
}

/* A FADT of len bytes (116, 244 or 276) with the legacy fields of a PIIX4. */
static struct acpi_fadt *put_fadt(uint32_t len, uint32_t dsdt)
{
	struct acpi_fadt *f = at(FADT_AT);

	memset(f, 0, sizeof(*f));
	memcpy(f->header.signature, "FACP", 4);
	f->header.length = len;
	f->dsdt = dsdt;
	f->smi_cmd = 0xb2;
	f->acpi_enable = 0xf1;
	f->pm1a_evt_blk = 0xb000;
	f->pm1a_cnt_blk = 0xb004;
	f->pm_tmr_blk = 0xb008;
	f->pm_tmr_len = 4;
	f->flags = ACPI_FADT_TMR_VAL_EXT | ACPI_FADT_RESET_REG_SUP;
	f->reset_reg = (struct acpi_gas_raw){ ACPI_GAS_SYSTEM_IO, 8, 0, 1, 0xcf9 };
	f->reset_value = 6;
	fix_checksum(FADT_AT);
	return f;
}

static void put_hpet(uint64_t phys, uint64_t base)
{
	struct acpi_hpet *h = at(phys);

	memset(h, 0, sizeof(*h));
	memcpy(h->header.signature, "HPET", 4);
	h->header.length = sizeof(*h);
	h->base_address = (struct acpi_gas_raw){ ACPI_GAS_SYSTEM_MEMORY, 64, 0, 0, base };
	fix_checksum(phys);
}

static void put_dsdt(uint64_t phys, const uint8_t *aml, size_t n)
{
	struct tb b = tb_begin(phys, "DSDT");

	tb_add(&b, aml, n);
	tb_end(&b);
}

/* RSDP v0 -> RSDT -> { MADT, FADT -> DSDT (no \_S5) }. */
static void put_v0_world(void)
{
	const uint32_t rsdt[] = { MADT_AT, FADT_AT };
	static const uint8_t aml[] = { 0x10, 0x05, '_', 'S', 'B', '_' }; /* Scope (\_SB) */

	put_rsdp(0, RSDT_AT, 0);
	put_rsdt(RSDT_AT, rsdt, 2);
	put_madt(MADT_AT);
	put_fadt(ACPI_FADT_V1_LEN, DSDT_AT);
	put_dsdt(DSDT_AT, aml, sizeof(aml));
}

static int parse(struct acpi_info *info, const char **why)
{
	*why = NULL;
	return acpi_parse(RSDP_AT, fake_map, mem, info, why);
}

static void parse_ok(struct acpi_info *info)
{
	const char *why;

	assert_int_equal(parse(info, &why), 0);
	assert_null(why);
}

static void parse_fails(const char *why_part)
{
	struct acpi_info info;
	const char *why;

	assert_int_equal(parse(&info, &why), -1);
	assert_non_null(why);
	assert_non_null(strstr(why, why_part));
}

/* ---------------------------------------------------------- RSDP, root --- */

static void test_v0_rsdt(void **state)
{
	struct acpi_info info;

	put_v0_world();
	/* Bytes after a v0 RSDP are not part of it: a bogus XSDT there is ignored. */
	((struct acpi_rsdp *)at(RSDP_AT))->xsdt_address = UNMAPPED_AT;
	parse_ok(&info);
	assert_string_equal(info.oem_id, "BOCHS ");
	assert_int_equal(info.revision, 0);
	assert_int_equal(info.cpu_count, 1);
	assert_true(info.has_fadt);
	assert_int_equal(info.bad_tables, 0);
	assert_int_equal(info.hpet_address, 0);
}

static void test_v2_prefers_xsdt(void **state)
{
	const uint32_t rsdt[] = { MADT_AT };
	/* Only the full 64 bits reach the MADT; truncated, the entry reads as 0. */
	const uint64_t xsdt[] = { HIGH(MADT2_AT), FADT_AT, HPET_AT };
	struct acpi_info info;
	struct tb b = madt_begin(MADT2_AT);

	madt_lapic(&b, 0, 4, ACPI_MADT_ENABLED);
	madt_lapic(&b, 1, 5, ACPI_MADT_ENABLED);
	tb_end(&b);
	put_madt(MADT_AT);
	put_fadt(sizeof(struct acpi_fadt), 0);
	put_hpet(HPET_AT, 0xfed00000U);
	put_rsdt(RSDT_AT, rsdt, 1);
	put_xsdt(XSDT_AT, xsdt, 3);
	put_rsdp(2, RSDT_AT, HIGH(XSDT_AT));

	parse_ok(&info);
	assert_int_equal(info.revision, 2);
	assert_int_equal(info.cpu_count, 2);
	assert_int_equal(info.lapic_ids[0], 4);
	assert_int_equal(info.lapic_ids[1], 5);
	assert_true(info.has_madt);
	assert_true(info.has_fadt);
	assert_int_equal(info.hpet_address, 0xfed00000U);
	assert_int_equal(info.bad_tables, 0);
}

static void test_v2_bad_xsdt_falls_back_to_rsdt(void **state)
{
	const uint32_t rsdt[] = { MADT_AT };
	const uint64_t xsdt[] = { MADT2_AT };
	struct acpi_info info;

	put_madt(MADT_AT);
	put_madt(MADT2_AT);
	put_rsdt(RSDT_AT, rsdt, 1);
	put_xsdt(XSDT_AT, xsdt, 1);
	((struct acpi_sdt_header *)at(XSDT_AT))->checksum ^= 0x55;
	put_rsdp(2, RSDT_AT, XSDT_AT);

	parse_ok(&info);
	assert_int_equal(info.cpu_count, 1);
	assert_int_equal(info.bad_tables, 1);
}

static void test_v2_bad_xsdt_no_rsdt(void **state)
{
	const uint64_t xsdt[] = { MADT_AT };

	put_madt(MADT_AT);
	put_xsdt(XSDT_AT, xsdt, 1);
	((struct acpi_sdt_header *)at(XSDT_AT))->checksum ^= 0x55;
	put_rsdp(2, 0, XSDT_AT);
	parse_fails("XSDT");
}

static void test_rsdp_bad_checksum(void **state)
{
	put_v0_world();
	((struct acpi_rsdp *)at(RSDP_AT))->checksum ^= 1;
	parse_fails("RSDP has a bad checksum");
}

static void test_rsdp_bad_extended_checksum(void **state)
{
	struct acpi_rsdp *r;

	put_v0_world();
	put_rsdp(2, RSDT_AT, 0);
	r = at(RSDP_AT);
	r->extended_checksum ^= 1; /* the first 20 bytes still sum to zero */
	parse_fails("extended checksum");
}

static void test_rsdp_bad_signature(void **state)
{
	struct acpi_rsdp *r;

	put_v0_world();
	r = at(RSDP_AT);
	r->signature[4] = 'X';
	r->checksum = 0;
	r->checksum = (uint8_t)-sum(r, ACPI_RSDP_V1_LEN);
	parse_fails("RSDP has a bad signature");
}

static void test_rsdp_unmappable(void **state)
{
	struct acpi_info info;
	const char *why = NULL;

	assert_int_equal(acpi_parse(UNMAPPED_AT, fake_map, mem, &info, &why), -1);
	assert_non_null(why);
	assert_int_equal(acpi_parse(0, fake_map, mem, &info, &why), -1);
	/* why is optional */
	assert_int_equal(acpi_parse(UNMAPPED_AT, fake_map, mem, &info, NULL), -1);
}

static void test_rsdt_bad_signature(void **state)
{
	struct acpi_sdt_header *h;

	put_v0_world();
	h = at(RSDT_AT);
	memcpy(h->signature, "RSDX", 4);
	fix_checksum(RSDT_AT);
	parse_fails("RSDT has a bad signature");
}

static void test_rsdt_bad_checksum(void **state)
{
	put_v0_world();
	((struct acpi_sdt_header *)at(RSDT_AT))->checksum ^= 0x80;
	parse_fails("RSDT has a bad checksum");
}

static void test_rsdt_bad_length(void **state)
{
	struct acpi_sdt_header *h;

	put_v0_world();
	h = at(RSDT_AT);
	h->length = 20; /* shorter than its own header */
	fix_checksum(RSDT_AT);
	parse_fails("RSDT has a bad length");

	h->length = 0xffffffffU;
	parse_fails("RSDT has a bad length");

	/* Within bounds but past the end of memory. */
	h->length = MEM_SIZE;
	parse_fails("RSDT is not mappable");
}

/* ------------------------------------------------------ table checks --- */

static void test_table_bad_checksum_skipped(void **state)
{
	struct acpi_info info;

	put_v0_world();
	((struct acpi_sdt_header *)at(MADT_AT))->checksum ^= 1;
	parse_ok(&info);
	assert_false(info.has_madt); /* so the CPU count means nothing */
	assert_int_equal(info.cpu_count, 0);
	assert_int_equal(info.ioapic_count, 0);
	assert_int_equal(info.bad_tables, 1);
	assert_true(info.has_fadt); /* the other tables still count */
}

static void test_table_bad_length_skipped(void **state)
{
	struct acpi_sdt_header *h;
	struct acpi_info info;

	put_v0_world();
	h = at(MADT_AT);
	h->length = 40; /* a MADT needs 44 */
	fix_checksum(MADT_AT);
	parse_ok(&info);
	assert_int_equal(info.cpu_count, 0);
	assert_int_equal(info.lapic_base, 0);
	assert_int_equal(info.bad_tables, 1);

	h->length = ACPI_MAX_TABLE_LEN + 1;
	parse_ok(&info);
	assert_int_equal(info.cpu_count, 0);
	assert_int_equal(info.bad_tables, 1);
}

static void test_fadt_too_short_skipped(void **state)
{
	struct acpi_info info;

	put_v0_world();
	put_fadt(ACPI_FADT_V1_LEN - 4, DSDT_AT);
	parse_ok(&info);
	assert_false(info.has_fadt);
	assert_int_equal(info.dsdt, 0);
	assert_int_equal(info.bad_tables, 1);
}

static void test_unmappable_and_null_entries(void **state)
{
	const uint32_t rsdt[] = { 0, (uint32_t)UNMAPPED_AT, MADT_AT };
	struct acpi_info info;

	put_v0_world();
	put_rsdt(RSDT_AT, rsdt, 3);
	parse_ok(&info);
	assert_int_equal(info.cpu_count, 1);
	assert_int_equal(info.bad_tables, 1);
}

static void test_first_good_madt_wins(void **state)
{
	const uint32_t rsdt[] = { MADT_AT, MADT2_AT, MADT_AT };
	struct acpi_info info;
	struct tb b = madt_begin(MADT2_AT);

	madt_lapic(&b, 0, 7, ACPI_MADT_ENABLED);
	tb_end(&b);
	put_v0_world();
	put_rsdt(RSDT_AT, rsdt, 3);
	((struct acpi_sdt_header *)at(MADT_AT))->checksum ^= 1;
	parse_ok(&info);
	assert_int_equal(info.cpu_count, 1);
	assert_int_equal(info.lapic_ids[0], 7);
	/* Once a good copy is in, later ones are not even checked. */
	assert_int_equal(info.bad_tables, 1);
}

/* ------------------------------------------------------------------ MADT --- */

static void test_madt_pc(void **state)
{
	struct acpi_info info;

	put_v0_world();
	parse_ok(&info);
	assert_int_equal(info.lapic_base, 0xfee00000U);
	assert_int_equal(info.cpu_count, 1); /* CPU 1 is disabled */
	assert_int_equal(info.lapic_ids[0], 0);
	assert_int_equal(info.ioapic_count, 1);
	assert_int_equal(info.ioapics[0].id, 2);
	assert_int_equal(info.ioapics[0].address, 0xfec00000U);
	assert_int_equal(info.ioapics[0].gsi_base, 0);
	assert_int_equal(info.override_count, 2);
	assert_int_equal(info.overrides[0].source_irq, 0);
	assert_int_equal(info.overrides[0].gsi, 2);
	assert_int_equal(info.overrides[0].flags, 0);
	assert_int_equal(info.overrides[1].source_irq, 9);
	assert_int_equal(info.overrides[1].gsi, 9);
	assert_int_equal(info.overrides[1].flags, 0xd);
	assert_int_equal(info.bad_entries, 0);
	assert_int_equal(info.dropped_entries, 0);
}

static void test_madt_x2apic_online_capable_override(void **state)
{
	struct acpi_madt_lapic_override o = { { ACPI_MADT_LAPIC_OVERRIDE, sizeof(o) }, 0, 0xfd0000000ULL };
	const uint8_t unknown[] = { 0x7f, 6, 1, 2, 3, 4 };
	struct acpi_info info;
	struct tb b;

	put_v0_world();
	b = madt_begin(MADT_AT);
	madt_lapic(&b, 0, 0, ACPI_MADT_ENABLED);
	madt_lapic(&b, 1, 1, ACPI_MADT_ONLINE_CAPABLE);
	madt_lapic(&b, 2, 0xff, ACPI_MADT_ENABLED); /* broadcast: not a CPU */
	tb_add(&b, unknown, sizeof(unknown));
	madt_x2apic(&b, 0, ACPI_MADT_ENABLED); /* CPU 0 again */
	madt_x2apic(&b, 300, ACPI_MADT_ENABLED);
	madt_x2apic(&b, 301, 0);
	tb_add(&b, &o, sizeof(o)); /* after the header's address: still wins */
	tb_end(&b);

	parse_ok(&info);
	assert_int_equal(info.cpu_count, 3);
	assert_int_equal(info.lapic_ids[0], 0);
	assert_int_equal(info.lapic_ids[1], 1);
	assert_int_equal(info.lapic_ids[2], 300);
	assert_int_equal(info.lapic_base, 0xfd0000000ULL);
	assert_int_equal(info.bad_entries, 0);
}

static void test_madt_zero_length_entry(void **state)
{
	const uint8_t zero[] = { ACPI_MADT_LAPIC, 0, 0, 9, 1, 0, 0, 0 };
	struct acpi_info info;
	struct tb b;

	put_v0_world();
	b = madt_begin(MADT_AT);
	madt_lapic(&b, 0, 3, ACPI_MADT_ENABLED);
	tb_add(&b, zero, sizeof(zero));
	madt_lapic(&b, 1, 4, ACPI_MADT_ENABLED); /* unreachable after a bad length */
	tb_end(&b);

	parse_ok(&info);
	assert_int_equal(info.cpu_count, 1);
	assert_int_equal(info.lapic_ids[0], 3);
	assert_int_equal(info.bad_entries, 1);
}

static void test_madt_entry_past_end(void **state)
{
	const uint8_t one[] = { ACPI_MADT_IOAPIC, 1 };
	struct acpi_info info;
	struct tb b;

	put_v0_world();
	b = madt_begin(MADT_AT);
	madt_lapic(&b, 0, 3, ACPI_MADT_ENABLED);
	madt_ioapic(&b, 1, 0xfec00000U, 0);
	tb_end(&b);
	/* Claim 24 bytes for the last entry, which the table only has 12 of. */
	((uint8_t *)at(MADT_AT + b.len - 12))[1] = 24;
	fix_checksum(MADT_AT);
	parse_ok(&info);
	assert_int_equal(info.cpu_count, 1);
	assert_int_equal(info.ioapic_count, 0);
	assert_int_equal(info.bad_entries, 1);

	/* A length of 1 cannot even cover the entry header. */
	b = madt_begin(MADT_AT);
	tb_add(&b, one, sizeof(one));
	madt_lapic(&b, 0, 3, ACPI_MADT_ENABLED);
	tb_end(&b);
	parse_ok(&info);
	assert_int_equal(info.cpu_count, 0);
	assert_int_equal(info.bad_entries, 1);

	/* A lone trailing byte. */
	b = madt_begin(MADT_AT);
	madt_lapic(&b, 0, 3, ACPI_MADT_ENABLED);
	tb_add(&b, one, 1);
	tb_end(&b);
	parse_ok(&info);
	assert_int_equal(info.cpu_count, 1);
	assert_int_equal(info.bad_entries, 1);
}

static void test_madt_entry_short_for_type(void **state)
{
	/* Type 1 needs 12 bytes; this one says 6 and is skipped by its length. */
	const uint8_t short_ioapic[] = { ACPI_MADT_IOAPIC, 6, 1, 0, 0, 0 };
	const uint8_t short_lapic[] = { ACPI_MADT_LAPIC, 4, 0, 9 };
	const uint8_t short_x2apic[] = { ACPI_MADT_X2APIC, 8, 0, 0, 9, 0, 0, 0 };
	const uint8_t short_iso[] = { ACPI_MADT_ISO, 8, 0, 0, 2, 0, 0, 0 };
	const uint8_t short_override[] = { ACPI_MADT_LAPIC_OVERRIDE, 4, 0, 0 };
	struct acpi_info info;
	struct tb b;

	put_v0_world();
	b = madt_begin(MADT_AT);
	tb_add(&b, short_ioapic, sizeof(short_ioapic));
	tb_add(&b, short_lapic, sizeof(short_lapic));
	tb_add(&b, short_x2apic, sizeof(short_x2apic));
	tb_add(&b, short_iso, sizeof(short_iso));
	tb_add(&b, short_override, sizeof(short_override));
	madt_lapic(&b, 0, 3, ACPI_MADT_ENABLED);
	tb_end(&b);

	parse_ok(&info);
	assert_int_equal(info.ioapic_count, 0);
	assert_int_equal(info.override_count, 0);
	assert_int_equal(info.cpu_count, 1);
	assert_int_equal(info.lapic_ids[0], 3);
	assert_int_equal(info.lapic_base, 0xfee00000U);
	assert_int_equal(info.bad_entries, 5);
}

static void test_madt_limits(void **state)
{
	struct acpi_info info;
	struct tb b;

	put_v0_world();
	b = madt_begin(MADT_AT);
	for (uint32_t i = 0; i < ACPI_MAX_CPUS + 6; i++)
		madt_x2apic(&b, i, ACPI_MADT_ENABLED);
	for (uint32_t i = 0; i < ACPI_MAX_IOAPICS + 2; i++)
		madt_ioapic(&b, (uint8_t)i, 0xfec00000U + i * 0x1000, i * 24);
	for (uint32_t i = 0; i < ACPI_MAX_OVERRIDES + 3; i++)
		madt_iso(&b, (uint8_t)i, i, 0);
	tb_end(&b);

	parse_ok(&info);
	assert_int_equal(info.cpu_count, ACPI_MAX_CPUS);
	assert_int_equal(info.lapic_ids[ACPI_MAX_CPUS - 1], ACPI_MAX_CPUS - 1);
	assert_int_equal(info.ioapic_count, ACPI_MAX_IOAPICS);
	assert_int_equal(info.ioapics[ACPI_MAX_IOAPICS - 1].gsi_base, (ACPI_MAX_IOAPICS - 1) * 24);
	assert_int_equal(info.override_count, ACPI_MAX_OVERRIDES);
	assert_int_equal(info.dropped_entries, 6 + 2 + 3);
	assert_int_equal(info.bad_entries, 0);
}

/* ------------------------------------------------------------------ FADT --- */

static void test_fadt_v1(void **state)
{
	struct acpi_info info;

	put_v0_world();
	/* X_ fields just past a 116-byte FADT belong to no table. */
	put_fadt(ACPI_FADT_V1_LEN, DSDT_AT)->x_dsdt = DSDT2_AT;
	parse_ok(&info);
	assert_true(info.has_fadt);
	assert_int_equal(info.smi_cmd, 0xb2);
	assert_int_equal(info.acpi_enable, 0xf1);
	assert_int_equal(info.pm1a_evt, 0xb000);
	assert_int_equal(info.pm1a_cnt, 0xb004);
	assert_int_equal(info.pm1b_cnt, 0);
	assert_int_equal(info.pm_timer, 0xb008);
	assert_true(info.pm_timer_32bit);
	assert_int_equal(info.dsdt, DSDT_AT);
	/* RESET_REG_SUP is set but RESET_REG lies past a 1.0 FADT. */
	assert_false(info.has_reset_reg);
}

static void test_fadt_x_fields(void **state)
{
	struct acpi_info info;
	struct acpi_fadt *f;
	static const uint8_t aml[] = { 0x10, 0x05, '_', 'S', 'B', '_' };

	put_v0_world();
	put_dsdt(DSDT2_AT, aml, sizeof(aml));
	f = put_fadt(sizeof(struct acpi_fadt), DSDT_AT);
	f->flags = ACPI_FADT_RESET_REG_SUP;
	f->x_dsdt = DSDT2_AT;
	f->x_pm1a_evt_blk = (struct acpi_gas_raw){ ACPI_GAS_SYSTEM_IO, 32, 0, 2, 0x600 };
	f->x_pm1a_cnt_blk = (struct acpi_gas_raw){ ACPI_GAS_SYSTEM_IO, 16, 0, 2, 0x604 };
	f->x_pm1b_cnt_blk = (struct acpi_gas_raw){ ACPI_GAS_SYSTEM_IO, 16, 0, 2, 0x704 };
	f->x_pm_tmr_blk = (struct acpi_gas_raw){ ACPI_GAS_SYSTEM_IO, 32, 0, 3, 0x608 };
	fix_checksum(FADT_AT);

	parse_ok(&info);
	assert_int_equal(info.pm1a_evt, 0x600);
	assert_int_equal(info.pm1a_cnt, 0x604);
	assert_int_equal(info.pm1b_cnt, 0x704);
	assert_int_equal(info.pm_timer, 0x608);
	assert_false(info.pm_timer_32bit);
	assert_int_equal(info.dsdt, DSDT2_AT);
	assert_true(info.has_reset_reg);
	assert_int_equal(info.reset_reg.space_id, ACPI_GAS_SYSTEM_IO);
	assert_int_equal(info.reset_reg.bit_width, 8);
	assert_int_equal(info.reset_reg.access_size, 1);
	assert_int_equal(info.reset_reg.address, 0xcf9);
	assert_int_equal(info.reset_value, 6);
	assert_int_equal(info.bad_tables, 0);
}

static void test_fadt_x_fields_zero_or_unusable(void **state)
{
	struct acpi_info info;
	struct acpi_fadt *f;

	put_v0_world();
	f = put_fadt(sizeof(struct acpi_fadt), DSDT_AT);
	/* Memory-space blocks cannot be I/O ports: keep the 32-bit ones. */
	f->x_pm1a_cnt_blk = (struct acpi_gas_raw){ ACPI_GAS_SYSTEM_MEMORY, 16, 0, 2, 0x604 };
	f->x_pm_tmr_blk = (struct acpi_gas_raw){ ACPI_GAS_SYSTEM_IO, 32, 0, 3, 0x10008 };
	fix_checksum(FADT_AT);

	parse_ok(&info);
	assert_int_equal(info.pm1a_evt, 0xb000);
	assert_int_equal(info.pm1a_cnt, 0xb004);
	assert_int_equal(info.pm_timer, 0xb008);
	assert_int_equal(info.dsdt, DSDT_AT);
	assert_true(info.has_reset_reg);
}

static void test_fadt_between_versions(void **state)
{
	struct acpi_info info;
	struct acpi_fadt *f;

	static const uint8_t aml[] = { 0x10, 0x05, '_', 'S', 'B', '_' };

	/* Long enough for RESET_REG and X_DSDT, not for the X_ PM blocks. */
	put_v0_world();
	put_dsdt(DSDT2_AT, aml, sizeof(aml));
	f = put_fadt(offsetof(struct acpi_fadt, x_pm1a_evt_blk), DSDT_AT);
	f->x_dsdt = DSDT2_AT;
	f->x_pm1a_cnt_blk = (struct acpi_gas_raw){ ACPI_GAS_SYSTEM_IO, 16, 0, 2, 0x604 };
	fix_checksum(FADT_AT);

	parse_ok(&info);
	assert_int_equal(info.pm1a_cnt, 0xb004);
	assert_int_equal(info.dsdt, DSDT2_AT);
	assert_true(info.has_reset_reg);
	assert_int_equal(info.bad_tables, 0);
}

static void test_fadt_no_pm_timer_no_reset(void **state)
{
	struct acpi_info info;
	struct acpi_fadt *f;

	put_v0_world();
	f = put_fadt(sizeof(struct acpi_fadt), DSDT_AT);
	f->pm_tmr_len = 0; /* PM_TMR_BLK is then meaningless */
	f->flags = 0;      /* no RESET_REG_SUP: ignore RESET_REG */
	fix_checksum(FADT_AT);

	parse_ok(&info);
	assert_int_equal(info.pm_timer, 0);
	assert_false(info.has_reset_reg);
}

/* ------------------------------------------------------------- DSDT \_S5 --- */

static struct acpi_info parse_s5(const uint8_t *aml, size_t n)
{
	struct acpi_info info;

	put_v0_world();
	put_dsdt(DSDT_AT, aml, n);
	parse_ok(&info);
	return info;
}

#define S5 '_', 'S', '5', '_'

static void test_s5_byte_prefix(void **state)
{
	/* Name (_S5, Package (0x02) { 0x05, 0x07 }) */
	static const uint8_t aml[] = { 0x08, S5, 0x12, 0x06, 0x02, 0x0a, 0x05, 0x0a, 0x07 };
	struct acpi_info info = parse_s5(aml, sizeof(aml));

	assert_true(info.has_s5);
	assert_int_equal(info.slp_typa, 5);
	assert_int_equal(info.slp_typb, 7);
}

static void test_s5_zero_op(void **state)
{
	/* QEMU/OVMF: Name (\_S5, Package (0x04) { Zero, Zero, Zero, Zero }) */
	static const uint8_t aml[] = { 0x08, '\\', S5, 0x12, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00 };
	struct acpi_info info = parse_s5(aml, sizeof(aml));

	assert_true(info.has_s5);
	assert_int_equal(info.slp_typa, 0);
	assert_int_equal(info.slp_typb, 0);
}

static void test_s5_one_op(void **state)
{
	/* Package (0x02) { One, 0x07 } and { 0x07, One } */
	static const uint8_t aml1[] = { 0x08, S5, 0x12, 0x05, 0x02, 0x01, 0x0a, 0x07 };
	static const uint8_t aml2[] = { 0x08, S5, 0x12, 0x05, 0x02, 0x0a, 0x07, 0x01 };
	struct acpi_info info = parse_s5(aml1, sizeof(aml1));

	assert_true(info.has_s5);
	assert_int_equal(info.slp_typa, 1);
	assert_int_equal(info.slp_typb, 7);
	info = parse_s5(aml2, sizeof(aml2));
	assert_true(info.has_s5);
	assert_int_equal(info.slp_typa, 7);
	assert_int_equal(info.slp_typb, 1);
}

static void test_s5_legacy_single_integer(void **state)
{
	/* Package (0x01) { 0x0705 }: SLP_TYPa in bits 7-0, SLP_TYPb in 15-8 */
	static const uint8_t aml[] = { 0x08, S5, 0x12, 0x05, 0x01, 0x0b, 0x05, 0x07 };
	struct acpi_info info = parse_s5(aml, sizeof(aml));

	assert_true(info.has_s5);
	assert_int_equal(info.slp_typa, 5);
	assert_int_equal(info.slp_typb, 7);
}

static void test_s5_two_byte_pkg_length(void **state)
{
	/* 2 PkgLength + 1 NumElements + 2 * 2 BytePrefix + 63 Zero = 70 = 0x46 */
	uint8_t aml[7 + 70];
	struct acpi_info info;
	size_t n = 0;

	aml[n++] = 0x08;
	memcpy(aml + n, "_S5_", 4);
	n += 4;
	aml[n++] = 0x12;
	aml[n++] = 0x40 | (70 & 0x0f);
	aml[n++] = 70 >> 4;
	aml[n++] = 65;
	aml[n++] = 0x0a;
	aml[n++] = 0x03;
	aml[n++] = 0x0a;
	aml[n++] = 0x04;
	while (n < sizeof(aml))
		aml[n++] = 0x00;
	info = parse_s5(aml, sizeof(aml));
	assert_true(info.has_s5);
	assert_int_equal(info.slp_typa, 3);
	assert_int_equal(info.slp_typb, 4);
}

static void test_s5_skips_decoys(void **state)
{
	static const uint8_t aml[] = {
		/* A reference, not a definition: Return (_S5_) in some method */
		0xa4, S5,
		/* Name (_S5_, 0x05): a definition, but not of a package */
		0x08, S5, 0x0a, 0x05,
		/* A string that happens to hold the name */
		0x0d, 0x08, S5, 0x00,
		/* Name (\_SB._S5_, Package (0x02) { One, One }): not the system's */
		0x08, '\\', 0x2e, '_', 'S', 'B', '_', S5, 0x12, 0x04, 0x02, 0x01, 0x01,
		/* Name (_S5_, Buffer (One) { 0x01 }) */
		0x08, S5, 0x11, 0x03, 0x01, 0x01,
		/* The real one */
		0x08, '\\', S5, 0x12, 0x06, 0x02, 0x0a, 0x05, 0x0a, 0x06,
	};
	struct acpi_info info = parse_s5(aml, sizeof(aml));

	assert_true(info.has_s5);
	assert_int_equal(info.slp_typa, 5);
	assert_int_equal(info.slp_typb, 6);
}

static void test_s5_truncated(void **state)
{
	/* The table ends inside the package its PkgLength describes. */
	static const uint8_t cut_package[] = { 0x08, S5, 0x12, 0x06, 0x02, 0x0a, 0x05 };
	/* The package ends inside BytePrefix's operand. */
	static const uint8_t cut_element[] = { 0x08, S5, 0x12, 0x05, 0x02, 0x0a, 0x05, 0x0a, 0x07 };
	/* A two-byte PkgLength cut after its lead byte. */
	static const uint8_t cut_pkg_length[] = { 0x08, S5, 0x12, 0x46 };
	/* The table ends right after the name. */
	static const uint8_t cut_name[] = { 0x08, S5 };
	/* An element we cannot decode (a name reference). */
	static const uint8_t not_integer[] = { 0x08, S5, 0x12, 0x07, 0x02, 'S', 'L', 'P', 'A', 0x00 };
	/* Zero elements, even if bytes follow. */
	static const uint8_t empty[] = { 0x08, S5, 0x12, 0x06, 0x00, 0x0a, 0x05, 0x0a, 0x06 };
	/* A root prefix at the very start of the AML has no NameOp before it. */
	static const uint8_t no_name_op[] = { '\\', S5, 0x12, 0x04, 0x02, 0x01, 0x01 };
	struct acpi_info info;

	info = parse_s5(cut_package, sizeof(cut_package));
	assert_false(info.has_s5);
	info = parse_s5(cut_element, sizeof(cut_element));
	assert_false(info.has_s5);
	info = parse_s5(cut_pkg_length, sizeof(cut_pkg_length));
	assert_false(info.has_s5);
	info = parse_s5(cut_name, sizeof(cut_name));
	assert_false(info.has_s5);
	info = parse_s5(not_integer, sizeof(not_integer));
	assert_false(info.has_s5);
	info = parse_s5(empty, sizeof(empty));
	assert_false(info.has_s5);
	info = parse_s5(no_name_op, sizeof(no_name_op));
	assert_false(info.has_s5);
}

static void test_s5_bad_dsdt_checksum(void **state)
{
	static const uint8_t aml[] = { 0x08, S5, 0x12, 0x04, 0x02, 0x01, 0x01 };
	struct acpi_info info;

	put_v0_world();
	put_dsdt(DSDT_AT, aml, sizeof(aml));
	((struct acpi_sdt_header *)at(DSDT_AT))->checksum ^= 1;
	parse_ok(&info);
	assert_false(info.has_s5);
	assert_int_equal(info.bad_tables, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_v0_rsdt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v2_prefers_xsdt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v2_bad_xsdt_falls_back_to_rsdt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v2_bad_xsdt_no_rsdt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rsdp_bad_checksum, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rsdp_bad_extended_checksum, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rsdp_bad_signature, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rsdp_unmappable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rsdt_bad_signature, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rsdt_bad_checksum, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rsdt_bad_length, setup, teardown),
		cmocka_unit_test_setup_teardown(test_table_bad_checksum_skipped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_table_bad_length_skipped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fadt_too_short_skipped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unmappable_and_null_entries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_first_good_madt_wins, setup, teardown),
		cmocka_unit_test_setup_teardown(test_madt_pc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_madt_x2apic_online_capable_override, setup, teardown),
		cmocka_unit_test_setup_teardown(test_madt_zero_length_entry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_madt_entry_past_end, setup, teardown),
		cmocka_unit_test_setup_teardown(test_madt_entry_short_for_type, setup, teardown),
		cmocka_unit_test_setup_teardown(test_madt_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fadt_v1, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fadt_x_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fadt_x_fields_zero_or_unusable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fadt_between_versions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fadt_no_pm_timer_no_reset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_s5_byte_prefix, setup, teardown),
		cmocka_unit_test_setup_teardown(test_s5_zero_op, setup, teardown),
		cmocka_unit_test_setup_teardown(test_s5_one_op, setup, teardown),
		cmocka_unit_test_setup_teardown(test_s5_legacy_single_integer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_s5_two_byte_pkg_length, setup, teardown),
		cmocka_unit_test_setup_teardown(test_s5_skips_decoys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_s5_truncated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_s5_bad_dsdt_checksum, setup, teardown),
	};

	/* A parser stuck in a loop (a zero-length MADT entry) fails the run. */
	alarm(20);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
