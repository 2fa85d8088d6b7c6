#define _GNU_SOURCE /* memmem */
/*
 * Host unit test for vmm/boot/acpi_build.c: the tables are built into a buffer
 * standing for guest memory at base_gpa and read back by the hypervisor's
 * own parser (drivers/acpi.c), every mapping it asks for handed out as a
 * heap copy of exactly that length so ASan catches reads past it. The
 * checksums, alignment and the DSDT's AML structure are also checked here
 * independently of that parser.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "drivers/acpi.h"
#include "vmm/boot/acpi_build.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const struct acpi_build_config base_cfg = {
	.cpu_count = 4,
	.lapic_address = 0xfee00000,
	.ioapic_address = 0xfec00000,
	.ioapic_id = 4,
	.pm1a_evt_port = 0x600,
	.pm1a_cnt_port = 0x604,
	.pm_timer_port = 0x608,
	.sci_irq = 9,
	.slp_typ_s5 = 5,
	.reset_port = 0xcf9,
	.reset_value = 0x06,
};

/* Everything different from base_cfg. */
static const struct acpi_build_config alt_cfg = {
	.cpu_count = 4,
	.lapic_address = 0xfee10000,
	.ioapic_address = 0xfec01000,
	.ioapic_id = 0,
	.pm1a_evt_port = 0xb000,
	.pm1a_cnt_port = 0xb004,
	.pm_timer_port = 0xb008,
	.sci_irq = 11,
	.slp_typ_s5 = 7,
	.reset_port = 0x64,
	.reset_value = 0xfe,
};

/* ------------------------------------------------------- fake memory --- */

struct mem {
	const uint8_t *buf;
	uint64_t base;
	size_t len;
	void *copies[64];
	unsigned n;
};

static const void *mem_map(uint64_t phys, size_t len, void *ctx)
{
	struct mem *m = ctx;
	void *copy;

	if (phys < m->base || phys - m->base > m->len || len > m->len - (phys - m->base))
		return NULL;
	assert_true(m->n < ARRAY_SIZE(m->copies));
	copy = malloc(len ? len : 1);
	assert_non_null(copy);
	memcpy(copy, m->buf + (phys - m->base), len);
	m->copies[m->n++] = copy;
	return copy;
}

static void mem_free(struct mem *m)
{
	while (m->n)
		free(m->copies[--m->n]);
}

/* ---------------------------------------------------- independent checks --- */

static uint8_t sum(const uint8_t *p, size_t len)
{
	uint8_t s = 0;

	while (len--)
		s = (uint8_t)(s + *p++);
	return s;
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

/* The table at gpa: its signature and checksum, inside what was built; returns its offset. */
static size_t check_table(const uint8_t *buf, size_t used, uint64_t base, uint64_t gpa,
			  const char *sig)
{
	size_t off;
	uint32_t len;

	assert_true(gpa >= base && gpa - base < used);
	off = (size_t)(gpa - base);
	assert_int_equal(gpa % 16, 0);
	assert_memory_equal(buf + off, sig, 4);
	len = rd32(buf + off + 4);
	assert_true(len >= sizeof(struct acpi_sdt_header) && len <= used - off);
	assert_int_equal(sum(buf + off, len), 0);
	return off;
}

/* PkgLength at a[*pos] (ACPI 6.5 20.2.4), counting from its own first byte. */
static size_t pkg_length(const uint8_t *a, size_t *pos)
{
	uint8_t lead = a[*pos];
	size_t extra = lead >> 6, len;

	if (!extra) {
		len = lead & 0x3f;
	} else {
		assert_int_equal(lead & 0x30, 0);
		len = lead & 0x0f;
		for (size_t k = 0; k < extra; k++)
			len |= (size_t)a[*pos + 1 + k] << (4 + 8 * k);
	}
	*pos += 1 + extra;
	return len;
}

/*
 * Walks the DSDT's AML as built: three top-level terms whose lengths must
 * end exactly at the table's end, and inside PCI0 three names whose _CRS
 * buffer ends with an end tag.
 */
static void check_aml(const uint8_t *t, size_t len, uint8_t slp_typ)
{
	static const uint8_t s5[] = { 0x08, '\\', '_', 'S', '5', '_', 0x12 };
	static const uint8_t pic[] = { '\\', '_', 'P', 'I', 'C', 0x01 };
	static const uint8_t sb[] = { '\\', '_', 'S', 'B', '_', 0x5b, 0x82 };
	static const uint8_t hid[] = { 'P', 'C', 'I', '0', 0x08, '_', 'H', 'I', 'D',
				       0x0c, 0x41, 0xd0, 0x0a, 0x03,
				       0x08, '_', 'U', 'I', 'D', 0x00,
				       0x08, '_', 'C', 'R', 'S', 0x11 };
	size_t pos = sizeof(struct acpi_sdt_header), start, end, dev_end, buf_end, n;

	/* Name (\_S5, Package (4) { BytePrefix typ, BytePrefix typ, Zero, Zero }) */
	assert_memory_equal(t + pos, s5, sizeof(s5));
	pos += sizeof(s5);
	start = pos;
	end = start + pkg_length(t, &pos);
	assert_int_equal(end - pos, 7);
	assert_int_equal(t[pos], 4);
	assert_int_equal(t[pos + 1], 0x0a);
	assert_int_equal(t[pos + 2], slp_typ);
	assert_int_equal(t[pos + 3], 0x0a);
	assert_int_equal(t[pos + 4], slp_typ);
	pos = end;

	/* Method (\_PIC, 1) { } */
	assert_int_equal(t[pos++], 0x14);
	start = pos;
	end = start + pkg_length(t, &pos);
	assert_int_equal(end - pos, sizeof(pic));
	assert_memory_equal(t + pos, pic, sizeof(pic));
	pos = end;

	/* Scope (\_SB) { Device (PCI0) { ... } }, reaching the table's end. */
	assert_int_equal(t[pos++], 0x10);
	start = pos;
	end = start + pkg_length(t, &pos);
	assert_int_equal(end, len);
	assert_memory_equal(t + pos, sb, sizeof(sb));
	pos += sizeof(sb);
	start = pos;
	dev_end = start + pkg_length(t, &pos);
	assert_true(dev_end < end); /* Device (PEVT) follows */
	assert_memory_equal(t + pos, hid, sizeof(hid));
	pos += sizeof(hid);
	start = pos;
	buf_end = start + pkg_length(t, &pos);
	assert_int_equal(buf_end, dev_end);
	assert_int_equal(t[pos++], 0x0a);
	n = t[pos++];
	assert_int_equal(pos + n, buf_end);
	assert_int_equal(t[buf_end - 2], 0x79); /* End Tag */
	/* Bus range 0-0xff is the first descriptor. */
	assert_int_equal(t[pos], 0x88);
	assert_int_equal(t[pos + 3], 2);
	assert_int_equal(t[pos + 10], 0xff);

	/* Device (PEVT) { Name (_HID, "QEMU0001") Name (_CRS, { IO 0x505 }) }, to the scope's end. */
	pos = dev_end;
	assert_int_equal(t[pos++], 0x5b);
	assert_int_equal(t[pos++], 0x82);
	start = pos;
	assert_int_equal(start + pkg_length(t, &pos), end);
	assert_memory_equal(t + pos, "PEVT", 4);
	pos += 4;
	assert_memory_equal(t + pos, "\x08_HID\x0dQEMU0001", 15);
	pos += 15;
	assert_memory_equal(t + pos, "\x08_CRS\x11", 6);
	assert_true(memmem(t + pos, end - pos, "\x47\x01\x05\x05\x05\x05\x01\x01", 8) != NULL);
}

/* The whole structure, from the RSDP at offset 0. */
static void check_checksums(const uint8_t *buf, size_t used, uint64_t base, uint8_t slp_typ)
{
	size_t xsdt, fadt, madt, dsdt, facs, entries;
	uint64_t facs_gpa;

	assert_memory_equal(buf, "RSD PTR ", 8);
	assert_int_equal(sum(buf, 20), 0);
	assert_int_equal(buf[15], 2);
	assert_int_equal(rd32(buf + 20), 36);
	assert_int_equal(sum(buf, 36), 0);
	assert_int_equal(rd32(buf + 16), 0); /* no RSDT */

	xsdt = check_table(buf, used, base, rd64(buf + 24), "XSDT");
	entries = (rd32(buf + xsdt + 4) - 36) / 8;
	assert_int_equal(entries, 2);
	fadt = check_table(buf, used, base, rd64(buf + xsdt + 36), "FACP");
	madt = check_table(buf, used, base, rd64(buf + xsdt + 44), "APIC");
	assert_int_equal(rd32(buf + fadt + 4), 276);
	assert_int_equal(buf[fadt + 8], 6);

	dsdt = check_table(buf, used, base, rd64(buf + fadt + 140), "DSDT");
	if (base + dsdt < (1ULL << 32))
		assert_int_equal(rd32(buf + fadt + 40), base + dsdt);
	check_aml(buf + dsdt, rd32(buf + dsdt + 4), slp_typ);

	/* FACS: 64-byte aligned, no checksum; FIRMWARE_CTRL or X_FIRMWARE_CTRL, not both. */
	facs_gpa = rd32(buf + fadt + 36);
	if (facs_gpa)
		assert_int_equal(rd64(buf + fadt + 132), 0);
	else
		facs_gpa = rd64(buf + fadt + 132);
	assert_true(facs_gpa >= base && facs_gpa - base + 64 <= used);
	assert_int_equal(facs_gpa % 64, 0);
	facs = (size_t)(facs_gpa - base);
	assert_memory_equal(buf + facs, "FACS", 4);
	assert_int_equal(rd32(buf + facs + 4), 64);

	/* Tables do not overlap one another. */
	assert_true(xsdt >= 36 && fadt >= xsdt + 52 && facs >= fadt + 276 && dsdt >= facs + 64 &&
		    madt >= dsdt + rd32(buf + dsdt + 4));
	assert_int_equal(madt + rd32(buf + madt + 4), used);
}

/* --------------------------------------------------------------- tests --- */

static const struct {
	const struct acpi_build_config *cfg;
	uint64_t base;
	uint32_t cpus;
	uint8_t slp_typ;
} configs[] = {
	{ &base_cfg, 0x000e0000, 1, 5 },
	{ &base_cfg, 0x000e0000, 4, 0 },
	{ &alt_cfg, 0x7ffe0010, 16, 7 },	/* FACS alignment needs padding here */
	{ &base_cfg, 0x0009fc30, 255, 5 },
	{ &alt_cfg, 0x100000000ULL, 2, 1 },	/* above 4 GiB: only the 64-bit fields */
};

static void test_parse_back(void **state)
{
	static uint8_t buf[ACPI_BUILD_MAX_SIZE];

	for (size_t c = 0; c < ARRAY_SIZE(configs); c++) {
		struct acpi_build_config cfg = *configs[c].cfg;
		struct acpi_info info;
		struct mem m = { .buf = buf, .base = configs[c].base };
		const char *why = NULL;
		size_t used;

		cfg.cpu_count = configs[c].cpus;
		cfg.slp_typ_s5 = configs[c].slp_typ;
		memset(buf, 0xee, sizeof(buf));
		used = acpi_build_tables(&cfg, configs[c].base, buf, sizeof(buf));
		assert_true(used > 0 && used <= sizeof(buf));
		m.len = used;
		check_checksums(buf, used, configs[c].base, configs[c].slp_typ);
		assert_int_equal(buf[used], 0xee); /* nothing written past the end */

		assert_int_equal(acpi_parse(configs[c].base, mem_map, &m, &info, &why), 0);
		mem_free(&m);
		assert_int_equal(info.bad_tables, 0);
		assert_int_equal(info.bad_entries, 0);
		assert_int_equal(info.dropped_entries, configs[c].cpus > ACPI_MAX_CPUS ?
						       configs[c].cpus - ACPI_MAX_CPUS : 0);
		assert_int_equal(info.revision, 2);
		assert_string_equal(info.oem_id, "HVVIRT");

		/* MADT */
		assert_int_equal(info.lapic_base, cfg.lapic_address);
		assert_int_equal(info.cpu_count, configs[c].cpus < ACPI_MAX_CPUS ?
						      configs[c].cpus : ACPI_MAX_CPUS);
		for (uint32_t i = 0; i < info.cpu_count; i++)
			assert_int_equal(info.lapic_ids[i], i);
		assert_int_equal(info.ioapic_count, 1);
		assert_int_equal(info.ioapics[0].id, cfg.ioapic_id);
		assert_int_equal(info.ioapics[0].address, cfg.ioapic_address);
		assert_int_equal(info.ioapics[0].gsi_base, 0);
		assert_int_equal(info.override_count, 2);
		assert_int_equal(info.overrides[0].source_irq, 0);
		assert_int_equal(info.overrides[0].gsi, 2);
		assert_int_equal(info.overrides[0].flags & ACPI_MPS_TRIGGER_MASK,
				 ACPI_MPS_TRIGGER_EDGE);
		assert_int_equal(info.overrides[0].flags & ACPI_MPS_POLARITY_MASK, 0);
		assert_int_equal(info.overrides[1].source_irq, cfg.sci_irq);
		assert_int_equal(info.overrides[1].gsi, cfg.sci_irq);
		assert_int_equal(info.overrides[1].flags, 0x0d);

		/* FADT */
		assert_true(info.has_fadt);
		assert_int_equal(info.smi_cmd, 0);
		assert_int_equal(info.pm1a_evt, cfg.pm1a_evt_port);
		assert_int_equal(info.pm1a_cnt, cfg.pm1a_cnt_port);
		assert_int_equal(info.pm1b_cnt, 0);
		assert_int_equal(info.pm_timer, cfg.pm_timer_port);
		assert_false(info.pm_timer_32bit);
		assert_true(info.has_reset_reg);
		assert_int_equal(info.reset_reg.space_id, ACPI_GAS_SYSTEM_IO);
		assert_int_equal(info.reset_reg.bit_width, 8);
		assert_int_equal(info.reset_reg.address, cfg.reset_port);
		assert_int_equal(info.reset_value, cfg.reset_value);
		assert_int_equal(info.hpet_address, 0);

		/* DSDT */
		assert_true(info.has_s5);
		assert_int_equal(info.slp_typa, configs[c].slp_typ);
		assert_int_equal(info.slp_typb, configs[c].slp_typ);
	}
}

static void test_fadt_fields(void **state)
{
	static const struct acpi_build_config *const cfgs[] = { &base_cfg, &alt_cfg };
	static uint8_t buf[ACPI_BUILD_MAX_SIZE];

	for (size_t i = 0; i < ARRAY_SIZE(cfgs); i++) {
		struct acpi_fadt f;
		size_t used, fadt;

		used = acpi_build_tables(cfgs[i], 0xe0000, buf, sizeof(buf));
		assert_true(used > 0);
		fadt = (size_t)(rd64(buf + (size_t)(rd64(buf + 24) - 0xe0000) + 36) - 0xe0000);
		memcpy(&f, buf + fadt, sizeof(f));
		assert_int_equal(f.sci_int, cfgs[i]->sci_irq);
		assert_int_equal(f.acpi_enable, 0);
		assert_int_equal(f.pm1_evt_len, 4);
		assert_int_equal(f.pm1_cnt_len, 2);
		assert_int_equal(f.pm_tmr_len, 4);
		assert_int_equal(f.gpe0_blk, 0);
		assert_true(f.p_lvl2_lat > 100 && f.p_lvl3_lat > 1000);
		assert_int_equal(f.century, 0x32);
		assert_int_equal(f.flags & ACPI_FADT_TMR_VAL_EXT, 0);
		assert_int_equal(f.flags & ACPI_FADT_HW_REDUCED, 0);
		/* WBINVD, PROC_C1, SLP_BUTTON (no sleep button), RESET_REG_SUP; PWR_BUTTON (0x10)
		 * clear: a fixed-feature power button, pressed by the operator's `shutdown`. */
		assert_int_equal(f.flags, 0x1U | 0x4U | 0x20U | ACPI_FADT_RESET_REG_SUP);
		assert_int_equal(f.reset_reg.access_size, 1);
		assert_int_equal(f.iapc_boot_arch & 0x3, 0x1); /* legacy devices; no 8042 (no keyboard) */
	}
}

static void test_too_small(void **state)
{
	static uint8_t buf[ACPI_BUILD_MAX_SIZE];
	size_t need = acpi_build_tables(&base_cfg, 0xe0000, buf, sizeof(buf));

	assert_true(need > 0);
	assert_int_equal(acpi_build_tables(&base_cfg, 0xe0000, buf, need), need);
	for (size_t size = 0; size < need; size++) {
		memset(buf, 0xee, sizeof(buf));
		assert_int_equal(acpi_build_tables(&base_cfg, 0xe0000, buf, size), 0);
		assert_int_equal(buf[0], 0xee);
	}
}

static void test_bad_cpu_count(void **state)
{
	static uint8_t buf[ACPI_BUILD_MAX_SIZE];
	struct acpi_build_config cfg = base_cfg;

	cfg.cpu_count = 0;
	assert_int_equal(acpi_build_tables(&cfg, 0xe0000, buf, sizeof(buf)), 0);
	cfg.cpu_count = 256;
	assert_int_equal(acpi_build_tables(&cfg, 0xe0000, buf, sizeof(buf)), 0);
	cfg.cpu_count = 255;
	assert_true(acpi_build_tables(&cfg, 0xe0000, buf, sizeof(buf)) > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_back),
		cmocka_unit_test(test_fadt_fields),
		cmocka_unit_test(test_too_small),
		cmocka_unit_test(test_bad_cpu_count),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
