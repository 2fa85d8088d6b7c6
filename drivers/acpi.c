/*
 * ACPI table parsing (interface and table layouts in drivers/acpi.h).
 *
 * Runs once on the BSP at boot, interrupts off, and in host unit tests. The
 * tables come from firmware we do not trust to be well formed: every length
 * and offset read from them is checked against what was mapped before it is
 * used, and a bad table costs only that table.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/acpi.h"
#include "lib/string.h"

struct parser {
	acpi_map_fn map;
	void *ctx;
	struct acpi_info *out;
};

enum table_err { TABLE_OK, TABLE_UNMAPPABLE, TABLE_SIGNATURE, TABLE_LENGTH, TABLE_CHECKSUM };

static uint32_t read32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t read64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static bool checksum_ok(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + b[i]);
	return sum == 0;
}

/*
 * Maps the table at phys in two steps (header, then the length it claims)
 * and checks signature, length bounds and checksum. On TABLE_OK, *table and
 * *len describe the whole mapped table.
 */
static enum table_err map_table(struct parser *p, uint64_t phys, const char sig[4],
				uint32_t min_len, const uint8_t **table, uint32_t *len)
{
	const struct acpi_sdt_header *h;
	uint32_t n;

	if (min_len < sizeof(*h))
		min_len = sizeof(*h);
	h = p->map(phys, sizeof(*h), p->ctx);
	if (!h)
		return TABLE_UNMAPPABLE;
	if (memcmp(h->signature, sig, 4) != 0)
		return TABLE_SIGNATURE;
	n = h->length;
	if (n < min_len || n > ACPI_MAX_TABLE_LEN)
		return TABLE_LENGTH;
	h = p->map(phys, n, p->ctx);
	if (!h)
		return TABLE_UNMAPPABLE;
	if (!checksum_ok(h, n))
		return TABLE_CHECKSUM;
	*table = (const uint8_t *)h;
	*len = n;
	return TABLE_OK;
}

/* ------------------------------------------------------------------ MADT --- */

/* Smallest valid length of each entry type we decode; others only need a header. */
static uint8_t madt_min_len(uint8_t type)
{
	switch (type) {
	case ACPI_MADT_LAPIC:
		return sizeof(struct acpi_madt_lapic);
	case ACPI_MADT_IOAPIC:
		return sizeof(struct acpi_madt_ioapic);
	case ACPI_MADT_ISO:
		return sizeof(struct acpi_madt_iso);
	case ACPI_MADT_LAPIC_OVERRIDE:
		return sizeof(struct acpi_madt_lapic_override);
	case ACPI_MADT_X2APIC:
		return sizeof(struct acpi_madt_x2apic);
	default:
		return sizeof(struct acpi_madt_entry);
	}
}

static void add_cpu(struct acpi_info *out, uint32_t apic_id, uint32_t flags)
{
	if (!(flags & (ACPI_MADT_ENABLED | ACPI_MADT_ONLINE_CAPABLE)))
		return;
	/* Firmware may describe one CPU both as type 0 and type 9. */
	for (uint32_t i = 0; i < out->cpu_count; i++)
		if (out->lapic_ids[i] == apic_id)
			return;
	if (out->cpu_count == ACPI_MAX_CPUS) {
		out->dropped_entries++;
		return;
	}
	out->lapic_ids[out->cpu_count++] = apic_id;
}

static void madt_entry(struct acpi_info *out, const struct acpi_madt_entry *e)
{
	switch (e->type) {
	case ACPI_MADT_LAPIC: {
		const struct acpi_madt_lapic *l = (const void *)e;

		/* 0xff is the xAPIC broadcast ID, never a CPU's. */
		if (l->apic_id != 0xff)
			add_cpu(out, l->apic_id, l->flags);
		break;
	}
	case ACPI_MADT_X2APIC: {
		const struct acpi_madt_x2apic *x = (const void *)e;

		if (x->x2apic_id != 0xffffffffU)
			add_cpu(out, x->x2apic_id, x->flags);
		break;
	}
	case ACPI_MADT_IOAPIC: {
		const struct acpi_madt_ioapic *io = (const void *)e;
		uint32_t i = out->ioapic_count;

		if (i == ACPI_MAX_IOAPICS) {
			out->dropped_entries++;
			break;
		}
		out->ioapics[i].id = io->id;
		out->ioapics[i].address = io->address;
		out->ioapics[i].gsi_base = io->gsi_base;
		out->ioapic_count++;
		break;
	}
	case ACPI_MADT_ISO: {
		const struct acpi_madt_iso *iso = (const void *)e;
		uint32_t i = out->override_count;

		if (i == ACPI_MAX_OVERRIDES) {
			out->dropped_entries++;
			break;
		}
		out->overrides[i].source_irq = iso->source;
		out->overrides[i].gsi = iso->gsi;
		out->overrides[i].flags = iso->flags;
		out->override_count++;
		break;
	}
	case ACPI_MADT_LAPIC_OVERRIDE: {
		const struct acpi_madt_lapic_override *o = (const void *)e;

		if (o->address)
			out->lapic_base = o->address;
		break;
	}
	default:
		break;
	}
}

static void parse_madt(struct acpi_info *out, const uint8_t *t, uint32_t len)
{
	const struct acpi_madt *madt = (const void *)t;
	uint32_t off = sizeof(*madt);

	/* Entries may come in any order: a type 5 anywhere overrides this. */
	out->lapic_base = madt->lapic_address;
	while (off < len) {
		const struct acpi_madt_entry *e = (const void *)(t + off);

		/*
		 * An entry shorter than its own header would never advance, and
		 * one running past the table end leaves nothing after it to
		 * trust: stop the walk at either.
		 */
		if (len - off < sizeof(*e) || e->length < sizeof(*e) || e->length > len - off) {
			out->bad_entries++;
			return;
		}
		if (e->length < madt_min_len(e->type))
			out->bad_entries++;
		else
			madt_entry(out, e);
		off += e->length;
	}
}

/* ------------------------------------------------------------------ FADT --- */

/* Whether a FADT of len bytes contains field (older revisions are shorter). */
#define FADT_HAS(len, field) \
	((len) >= offsetof(struct acpi_fadt, field) + sizeof(((struct acpi_fadt *)0)->field))

/*
 * The X_ block wins when present and non-zero (ACPI 6.5 5.2.9: the 32-bit
 * field is then to be ignored), but our callers need I/O ports: an X_ block
 * in another address space falls back to the 32-bit field, which is always
 * an I/O port.
 */
static uint32_t fadt_port(const struct acpi_gas_raw *x, bool present, uint32_t legacy)
{
	if (present && x->address != 0 && x->space_id == ACPI_GAS_SYSTEM_IO && x->address <= 0xffffU)
		return (uint32_t)x->address;
	return legacy;
}

static void parse_fadt(struct acpi_info *out, const uint8_t *t, uint32_t len)
{
	const struct acpi_fadt *f = (const void *)t;

	out->has_fadt = true;
	out->smi_cmd = f->smi_cmd;
	out->acpi_enable = f->acpi_enable;
	out->pm1a_evt = fadt_port(&f->x_pm1a_evt_blk, FADT_HAS(len, x_pm1a_evt_blk), f->pm1a_evt_blk);
	out->pm1a_cnt = fadt_port(&f->x_pm1a_cnt_blk, FADT_HAS(len, x_pm1a_cnt_blk), f->pm1a_cnt_blk);
	out->pm1b_cnt = fadt_port(&f->x_pm1b_cnt_blk, FADT_HAS(len, x_pm1b_cnt_blk), f->pm1b_cnt_blk);
	/* PM_TMR_LEN is 4 when the PM timer exists and 0 when it does not. */
	out->pm_timer = fadt_port(&f->x_pm_tmr_blk, FADT_HAS(len, x_pm_tmr_blk),
				  f->pm_tmr_len >= 4 ? f->pm_tmr_blk : 0);
	out->pm_timer_32bit = (f->flags & ACPI_FADT_TMR_VAL_EXT) != 0;

	if (FADT_HAS(len, x_dsdt) && f->x_dsdt != 0)
		out->dsdt = f->x_dsdt;
	else
		out->dsdt = f->dsdt;

	if (FADT_HAS(len, reset_value) && (f->flags & ACPI_FADT_RESET_REG_SUP) &&
	    f->reset_reg.address != 0) {
		out->has_reset_reg = true;
		out->reset_reg.space_id = f->reset_reg.space_id;
		out->reset_reg.bit_width = f->reset_reg.bit_width;
		out->reset_reg.bit_offset = f->reset_reg.bit_offset;
		out->reset_reg.access_size = f->reset_reg.access_size;
		out->reset_reg.address = f->reset_reg.address;
		out->reset_value = f->reset_value;
	}
}

/* ------------------------------------------------------------- DSDT \_S5 --- */

/* AML encodings (ACPI 6.5 20.2.3 data objects, 20.2.5 term objects). */
#define AML_ZERO_OP 0x00U
#define AML_ONE_OP 0x01U
#define AML_NAME_OP 0x08U
#define AML_BYTE_PREFIX 0x0aU
#define AML_WORD_PREFIX 0x0bU
#define AML_DWORD_PREFIX 0x0cU
#define AML_PACKAGE_OP 0x12U
#define AML_ROOT_CHAR 0x5cU /* '\' */

/* An integer constant at a[*pos], pos < end; false for anything else. */
static bool aml_integer(const uint8_t *a, size_t *pos, size_t end, uint32_t *v)
{
	size_t i = *pos, n;

	if (i >= end)
		return false;
	switch (a[i]) {
	case AML_ZERO_OP:
		*v = 0;
		*pos = i + 1;
		return true;
	case AML_ONE_OP:
		*v = 1;
		*pos = i + 1;
		return true;
	case AML_BYTE_PREFIX:
		n = 1;
		break;
	case AML_WORD_PREFIX:
		n = 2;
		break;
	case AML_DWORD_PREFIX:
		n = 4;
		break;
	default:
		return false;
	}
	if (end - i - 1 < n)
		return false;
	*v = 0;
	for (size_t k = 0; k < n; k++)
		*v |= (uint32_t)a[i + 1 + k] << (8 * k);
	*pos = i + 1 + n;
	return true;
}

/*
 * PkgLength (ACPI 6.5 20.2.4): bits 7-6 of the lead byte count the bytes
 * that follow (0-3). With none, bits 5-0 are the length; otherwise bits 3-0
 * are its low nibble and each following byte adds 8 more bits.
 */
static bool aml_pkg_length(const uint8_t *a, size_t *pos, size_t end, uint32_t *len)
{
	size_t i = *pos, extra;
	uint8_t lead;

	if (i >= end)
		return false;
	lead = a[i];
	extra = lead >> 6;
	if (end - i - 1 < extra)
		return false;
	if (extra == 0) {
		*len = lead & 0x3fU;
	} else {
		*len = lead & 0x0fU;
		for (size_t k = 0; k < extra; k++)
			*len |= (uint32_t)a[i + 1 + k] << (4 + 8 * k);
	}
	*pos = i + 1 + extra;
	return true;
}

/*
 * DefPackage (ACPI 6.5 20.2.5.4): PackageOp PkgLength NumElements Elements,
 * where PkgLength counts from its own first byte. \_S5 holds SLP_TYPa and
 * SLP_TYPb (7.4.2); a one-element package is the legacy form with both in
 * one integer (a in bits 7-0, b in bits 15-8), as ACPICA reads it.
 */
static bool decode_s5_package(const uint8_t *a, size_t pos, size_t end, struct acpi_info *out)
{
	size_t pkg_start, pkg_end;
	uint32_t pkg_len, va, vb;
	uint8_t count;

	if (pos >= end || a[pos] != AML_PACKAGE_OP)
		return false;
	pkg_start = ++pos;
	if (!aml_pkg_length(a, &pos, end, &pkg_len))
		return false;
	if (pkg_len > end - pkg_start)
		return false; /* the table ends inside the package */
	pkg_end = pkg_start + pkg_len;
	if (pos >= pkg_end)
		return false;
	count = a[pos++];
	if (count == 0 || !aml_integer(a, &pos, pkg_end, &va))
		return false;
	if (count == 1)
		vb = va >> 8;
	else if (!aml_integer(a, &pos, pkg_end, &vb))
		return false;
	out->has_s5 = true;
	out->slp_typa = (uint8_t)va;
	out->slp_typb = (uint8_t)vb;
	return true;
}

/*
 * Without an AML interpreter we look for DefName (NameOp, then "_S5_" or
 * "\_S5_") followed by a package; other mentions of the name (references in
 * methods, strings) are skipped and the search goes on.
 */
static void find_s5(struct acpi_info *out, const uint8_t *t, uint32_t len)
{
	const size_t start = sizeof(struct acpi_sdt_header);

	for (size_t i = start + 1; i + 4 <= len; i++) {
		size_t op = i - 1;

		if (t[i] != '_' || memcmp(t + i, "_S5_", 4) != 0)
			continue;
		if (t[op] == AML_ROOT_CHAR) {
			if (op == start)
				continue;
			op--;
		}
		if (t[op] != AML_NAME_OP)
			continue;
		if (decode_s5_package(t, i + 4, len, out))
			return;
	}
}

/* ------------------------------------------------------------ the walk --- */

static void parse_table(struct parser *p, uint64_t phys)
{
	struct acpi_info *out = p->out;
	const struct acpi_sdt_header *h;
	const uint8_t *t;
	uint32_t len;

	if (phys == 0)
		return; /* an unused slot, seen in some firmware */
	h = p->map(phys, sizeof(*h), p->ctx);
	if (!h) {
		out->bad_tables++;
		return;
	}
	/* Only the first good copy of each table counts. */
	if (!memcmp(h->signature, "APIC", 4) && !out->has_madt) {
		if (map_table(p, phys, "APIC", sizeof(struct acpi_madt), &t, &len) != TABLE_OK) {
			out->bad_tables++;
			return;
		}
		out->has_madt = true;
		parse_madt(out, t, len);
	} else if (!memcmp(h->signature, "FACP", 4) && !out->has_fadt) {
		if (map_table(p, phys, "FACP", ACPI_FADT_V1_LEN, &t, &len) != TABLE_OK) {
			out->bad_tables++;
			return;
		}
		parse_fadt(out, t, len);
	} else if (!memcmp(h->signature, "HPET", 4) && !out->hpet_address) {
		const struct acpi_hpet *hpet;

		if (map_table(p, phys, "HPET", sizeof(*hpet), &t, &len) != TABLE_OK) {
			out->bad_tables++;
			return;
		}
		hpet = (const void *)t;
		if (hpet->base_address.space_id == ACPI_GAS_SYSTEM_MEMORY)
			out->hpet_address = hpet->base_address.address;
	}
}

static const char *const xsdt_why[] = {
	[TABLE_UNMAPPABLE] = "XSDT is not mappable",
	[TABLE_SIGNATURE] = "XSDT has a bad signature",
	[TABLE_LENGTH] = "XSDT has a bad length",
	[TABLE_CHECKSUM] = "XSDT has a bad checksum",
};

static const char *const rsdt_why[] = {
	[TABLE_UNMAPPABLE] = "RSDT is not mappable",
	[TABLE_SIGNATURE] = "RSDT has a bad signature",
	[TABLE_LENGTH] = "RSDT has a bad length",
	[TABLE_CHECKSUM] = "RSDT has a bad checksum",
};

static int fail(const char **why, const char *reason)
{
	if (why)
		*why = reason;
	return -1;
}

int acpi_parse(uint64_t rsdp_phys, acpi_map_fn map, void *ctx, struct acpi_info *out,
	       const char **why)
{
	struct parser p = { .map = map, .ctx = ctx, .out = out };
	const struct acpi_rsdp *rsdp;
	enum table_err xerr = TABLE_OK, err;
	const uint8_t *root = NULL, *dsdt;
	size_t entry_size = 0;
	uint32_t len = 0;

	memset(out, 0, sizeof(*out));
	if (rsdp_phys == 0)
		return fail(why, "no RSDP address");

	/* The 20-byte ACPI 1.0 part first: revision says whether there is more. */
	rsdp = map(rsdp_phys, ACPI_RSDP_V1_LEN, ctx);
	if (!rsdp)
		return fail(why, "RSDP is not mappable");
	if (memcmp(rsdp->signature, "RSD PTR ", 8) != 0)
		return fail(why, "RSDP has a bad signature");
	if (!checksum_ok(rsdp, ACPI_RSDP_V1_LEN))
		return fail(why, "RSDP has a bad checksum");
	if (rsdp->revision >= 2) {
		rsdp = map(rsdp_phys, sizeof(*rsdp), ctx);
		if (!rsdp)
			return fail(why, "RSDP is not mappable");
		if (!checksum_ok(rsdp, sizeof(*rsdp)))
			return fail(why, "RSDP has a bad extended checksum");
	}
	memcpy(out->oem_id, rsdp->oem_id, sizeof(rsdp->oem_id));
	out->oem_id[sizeof(rsdp->oem_id)] = '\0';
	out->revision = rsdp->revision;

	/* ACPI 6.5 5.2.5.3: an OS uses the XSDT when there is one. */
	if (rsdp->revision >= 2 && rsdp->xsdt_address != 0) {
		xerr = map_table(&p, rsdp->xsdt_address, "XSDT", 0, &root, &len);
		if (xerr == TABLE_OK)
			entry_size = sizeof(uint64_t);
	}
	if (!root) {
		if (rsdp->rsdt_address == 0) {
			if (xerr != TABLE_OK)
				return fail(why, xsdt_why[xerr]);
			return fail(why, "RSDP gives no RSDT or XSDT");
		}
		err = map_table(&p, rsdp->rsdt_address, "RSDT", 0, &root, &len);
		if (err != TABLE_OK)
			return fail(why, xerr != TABLE_OK ? xsdt_why[xerr] : rsdt_why[err]);
		if (xerr != TABLE_OK)
			out->bad_tables++;
		entry_size = sizeof(uint32_t);
	}

	for (size_t off = sizeof(struct acpi_sdt_header); off + entry_size <= len; off += entry_size)
		parse_table(&p, entry_size == 8 ? read64(root + off) : read32(root + off));

	if (out->dsdt) {
		if (map_table(&p, out->dsdt, "DSDT", 0, &dsdt, &len) == TABLE_OK)
			find_s5(out, dsdt, len);
		else
			out->bad_tables++;
	}
	return 0;
}
