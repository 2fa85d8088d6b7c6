/*
 * ACPI tables for a guest's virtual PC (see vmm/boot/acpi_build.h). Layouts are
 * the packed structs of drivers/acpi.h (ACPI 6.5 chapter 5); each table is
 * filled in a local copy and copied out, so the buffer needs no alignment.
 * The DSDT's AML is emitted by a few helpers after ACPI 6.5 chapter 20.
 * Pure; runs in VMX root and in host unit tests.
 */
#include "vmm/boot/acpi_build.h"

#include <stdbool.h>

#include "drivers/acpi.h"
#include "lib/string.h"
#include "vmm/dev/rtc.h"

#define ACPI_BUILD_OEM_ID "HVVIRT"	/* 6 characters */
#define ACPI_BUILD_OEM_TABLE_ID "HVVIRTPC" /* 8 characters */
#define ACPI_BUILD_CREATOR_ID 0x42415648U /* "HVAB", little-endian */
#define ACPI_BUILD_ALIGN 16U
#define ACPI_BUILD_FACS_ALIGN 64U	/* ACPI 6.5 5.2.10 */
#define ACPI_BUILD_MAX_CPUS 255U	/* xAPIC IDs; 0xff is the broadcast ID */
#define ACPI_BUILD_XSDT_ENTRIES 2U	/* FADT, MADT */
#define ACPI_BUILD_ISO_COUNT 2U		/* IRQ 0, SCI */

/* FADT revision 6 (ACPI 6.5 5.2.9): fields up to HYPERVISOR_VENDOR_IDENTITY. */
#define ACPI_FADT_REVISION 6U
#define ACPI_FADT_MINOR 5U
#define ACPI_DSDT_REVISION 2U		/* 2 and up: AML integers are 64 bits */
#define ACPI_MADT_REVISION 5U
#define ACPI_XSDT_REVISION 1U
#define ACPI_FACS_VERSION 2U

/* FADT flags (ACPI 6.5 Table 5.10). */
#define ACPI_FADT_WBINVD (1U << 0)
#define ACPI_FADT_PROC_C1 (1U << 2)
#define ACPI_FADT_PWR_BUTTON (1U << 4)	/* 1: no fixed-feature power button */
#define ACPI_FADT_SLP_BUTTON (1U << 5)	/* 1: no fixed-feature sleep button */

/* IA-PC boot architecture flags (ACPI 6.5 Table 5.11). */
#define ACPI_BOOT_LEGACY_DEVICES (1U << 0) /* ISA devices: the UART, the RTC */
#define ACPI_BOOT_NO_VGA (1U << 2)	/* do not probe 0x3b0-0x3df or 0xa0000 */

/* Latencies above these say C2 and C3 are not supported (ACPI 6.5 5.2.9). */
#define ACPI_FADT_NO_C2 101U
#define ACPI_FADT_NO_C3 1001U

/* PM block lengths (ACPI 6.5 4.8.3): the event block is status + enable. */
#define ACPI_PM1_EVT_LEN 4U
#define ACPI_PM1_CNT_LEN 2U
#define ACPI_PM_TMR_LEN 4U

#define ACPI_GAS_ACCESS_BYTE 1U
#define ACPI_MADT_PCAT_COMPAT (1U << 0)	/* the 8259s are there too */
#define ACPI_ISO_TIMER_IRQ 0U
#define ACPI_ISO_TIMER_GSI 2U		/* the PIT is on the I/O APIC's pin 2 */

/* Firmware ACPI Control Structure (ACPI 6.5 5.2.10); no checksum. */
struct acpi_facs {
	char signature[4];
	uint32_t length;
	uint32_t hardware_signature;
	uint32_t firmware_waking_vector;
	uint32_t global_lock;
	uint32_t flags;
	uint64_t x_firmware_waking_vector;
	uint8_t version;
	uint8_t reserved0[3];
	uint32_t ospm_flags;
	uint8_t reserved1[24];
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_facs) == 64, "ACPI 5.2.10");

/* -------------------------------------------------------------- AML --- */

/* AML encodings (ACPI 6.5 20.2). */
#define AML_ZERO 0x00U
#define AML_NAME_OP 0x08U
#define AML_BYTE_PREFIX 0x0aU
#define AML_STRING_PREFIX 0x0dU
#define AML_DWORD_PREFIX 0x0cU
#define AML_SCOPE_OP 0x10U
#define AML_BUFFER_OP 0x11U
#define AML_PACKAGE_OP 0x12U
#define AML_METHOD_OP 0x14U
#define AML_EXT_OP 0x5bU
#define AML_DEVICE_OP 0x82U		/* after AML_EXT_OP */
#define AML_ROOT 0x5cU			/* '\' */

#define AML_MAX 512U
#define AML_MAX_DEPTH 4U

/* EisaId("PNP0A03"), the PCI host bridge (ACPI 6.5 6.1.5: compressed EISA ID). */
#define AML_EISAID_PNP0A03 0x030ad041U

struct aml {
	uint8_t b[AML_MAX];
	size_t n;
	size_t open[AML_MAX_DEPTH]; /* where each unfinished PkgLength goes */
	unsigned depth;
	bool overflow;
};

static void aml_bytes(struct aml *a, const void *p, size_t n)
{
	if (n > AML_MAX - a->n) {
		a->overflow = true;
		return;
	}
	memcpy(a->b + a->n, p, n);
	a->n += n;
}

static void aml_byte(struct aml *a, uint8_t v)
{
	aml_bytes(a, &v, 1);
}

static void aml_name_seg(struct aml *a, const char *seg)
{
	aml_bytes(a, seg, 4);
}

/* Opens a PkgLength-prefixed body; aml_end() writes the length in front of it. */
static void aml_begin(struct aml *a)
{
	if (a->depth == AML_MAX_DEPTH) {
		a->overflow = true;
		return;
	}
	a->open[a->depth++] = a->n;
}

/*
 * PkgLength (ACPI 6.5 20.2.4) counts its own bytes too: one byte up to 63,
 * else a lead byte with the low nibble and 1-3 more bytes of 8 bits each.
 * The body is moved up to make room.
 */
static void aml_end(struct aml *a)
{
	size_t start, body, k, total;
	uint8_t enc[4];

	if (a->overflow || a->depth == 0) {
		a->overflow = true;
		return;
	}
	start = a->open[--a->depth];
	body = a->n - start;
	for (k = 1; k <= 4; k++) {
		total = body + k;
		if (k == 1 ? total <= 0x3f : total < 1UL << (4 + 8 * (k - 1)))
			break;
	}
	if (k > 4 || k > AML_MAX - a->n) {
		a->overflow = true;
		return;
	}
	if (k == 1) {
		enc[0] = (uint8_t)total;
	} else {
		enc[0] = (uint8_t)((k - 1) << 6 | (total & 0xfU));
		for (size_t i = 1; i < k; i++)
			enc[i] = (uint8_t)(total >> (4 + 8 * (i - 1)));
	}
	memmove(a->b + start + k, a->b + start, body);
	memcpy(a->b + start, enc, k);
	a->n += k;
}

/*
 * The PCI0 _CRS (ACPI 6.5 6.4): bus numbers 0-255 and the I/O space
 * around the configuration ports 0xcf8-0xcff, which the bridge itself
 * consumes. No memory windows: the tables do not know the RAM layout.
 */
static const uint8_t pci0_crs[] = {
	/* WordBusNumber (6.4.3.5.3): producer, MinFixed, MaxFixed, 0-0xff, 0x100 */
	0x88, 0x0d, 0x00, 0x02, 0x0c, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0x00, 0x00, 0x00,
	0x00, 0x01,
	/* IO (6.4.2.5): Decode16, 0xcf8, 0xcf8, alignment 1, length 8 */
	0x47, 0x01, 0xf8, 0x0c, 0xf8, 0x0c, 0x01, 0x08,
	/* WordIO: producer, MinFixed, MaxFixed, EntireRange, 0-0xcf7 */
	0x88, 0x0d, 0x00, 0x01, 0x0c, 0x03, 0x00, 0x00, 0x00, 0x00, 0xf7, 0x0c, 0x00, 0x00,
	0xf8, 0x0c,
	/* WordIO: 0xd00-0xffff */
	0x88, 0x0d, 0x00, 0x01, 0x0c, 0x03, 0x00, 0x00, 0x00, 0x0d, 0xff, 0xff, 0x00, 0x00,
	0x00, 0xf3,
	/* End Tag (6.4.2.9), checksum 0: none */
	0x79, 0x00,
};

/* The panic notifier's port (QEMU's pvpanic: ACPI ID QEMU0001), IO (Decode16, port, port, 1, 1). */
static const uint8_t pevt_crs[] = {
	0x47, 0x01, ACPI_PVPANIC_PORT & 0xff, ACPI_PVPANIC_PORT >> 8, ACPI_PVPANIC_PORT & 0xff,
	ACPI_PVPANIC_PORT >> 8, 0x01, 0x01,
	0x79, 0x00,
};

static void aml_name_buffer(struct aml *a, const char *name, const uint8_t *data, uint8_t len)
{
	aml_byte(a, AML_NAME_OP);
	aml_name_seg(a, name);
	aml_byte(a, AML_BUFFER_OP);
	aml_begin(a);
	aml_byte(a, AML_BYTE_PREFIX); /* BufferSize */
	aml_byte(a, len);
	aml_bytes(a, data, len);
	aml_end(a);
}

/*
 *	Name (\_S5, Package () { typ, typ, Zero, Zero })
 *	Method (\_PIC, 1) { }
 *	Scope (\_SB) {
 *		Device (PCI0) {
 *			Name (_HID, EisaId ("PNP0A03"))
 *			Name (_UID, Zero)
 *			Name (_CRS, ResourceTemplate () { ... })
 *		}
 *		Device (PEVT) {
 *			Name (_HID, "QEMU0001")
 *			Name (_CRS, ResourceTemplate () { IO (Decode16, 0x505, 0x505, 1, 1) })
 *		}
 *	}
 * Linux calls \_PIC(1) to say it routes through the I/O APIC; nothing here
 * depends on the mode, so the method is empty.
 */
static void aml_build_dsdt(struct aml *a, uint8_t slp_typ)
{
	uint32_t hid = AML_EISAID_PNP0A03;

	aml_byte(a, AML_NAME_OP);
	aml_byte(a, AML_ROOT);
	aml_name_seg(a, "_S5_");
	aml_byte(a, AML_PACKAGE_OP);
	aml_begin(a);
	aml_byte(a, 4); /* NumElements */
	aml_byte(a, AML_BYTE_PREFIX);
	aml_byte(a, slp_typ);
	aml_byte(a, AML_BYTE_PREFIX);
	aml_byte(a, slp_typ);
	aml_byte(a, AML_ZERO);
	aml_byte(a, AML_ZERO);
	aml_end(a);

	aml_byte(a, AML_METHOD_OP);
	aml_begin(a);
	aml_byte(a, AML_ROOT);
	aml_name_seg(a, "_PIC");
	aml_byte(a, 1); /* MethodFlags: one argument, not serialized */
	aml_end(a);

	aml_byte(a, AML_SCOPE_OP);
	aml_begin(a);
	aml_byte(a, AML_ROOT);
	aml_name_seg(a, "_SB_");
	aml_byte(a, AML_EXT_OP);
	aml_byte(a, AML_DEVICE_OP);
	aml_begin(a);
	aml_name_seg(a, "PCI0");
	aml_byte(a, AML_NAME_OP);
	aml_name_seg(a, "_HID");
	aml_byte(a, AML_DWORD_PREFIX);
	for (unsigned i = 0; i < 4; i++)
		aml_byte(a, (uint8_t)(hid >> (8 * i)));
	aml_byte(a, AML_NAME_OP);
	aml_name_seg(a, "_UID");
	aml_byte(a, AML_ZERO);
	aml_name_buffer(a, "_CRS", pci0_crs, sizeof(pci0_crs));
	aml_end(a);

	/* Linux's pvpanic driver finds the panic port through this device. */
	aml_byte(a, AML_EXT_OP);
	aml_byte(a, AML_DEVICE_OP);
	aml_begin(a);
	aml_name_seg(a, "PEVT");
	aml_byte(a, AML_NAME_OP);
	aml_name_seg(a, "_HID");
	aml_byte(a, AML_STRING_PREFIX);
	aml_bytes(a, "QEMU0001", 9); /* with its NUL */
	aml_name_buffer(a, "_CRS", pevt_crs, sizeof(pevt_crs));
	aml_end(a);
	aml_end(a);
}

/* ----------------------------------------------------------- tables --- */

static uint8_t acpi_build_sum(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + p[i]);
	return sum;
}

/* Sets the checksum byte at p[at] so that the len bytes sum to zero. */
static void acpi_build_checksum(uint8_t *p, size_t len, size_t at)
{
	p[at] = 0;
	p[at] = (uint8_t)-acpi_build_sum(p, len);
}

static void acpi_build_header(struct acpi_sdt_header *h, const char sig[4], uint32_t len,
			      uint8_t revision)
{
	memcpy(h->signature, sig, 4);
	h->length = len;
	h->revision = revision;
	memcpy(h->oem_id, ACPI_BUILD_OEM_ID, 6);
	memcpy(h->oem_table_id, ACPI_BUILD_OEM_TABLE_ID, 8);
	h->oem_revision = 1;
	h->creator_id = ACPI_BUILD_CREATOR_ID;
	h->creator_revision = 1;
}

/* Offset after off at which base + offset is a multiple of align. */
static size_t acpi_build_align(uint64_t base, size_t off, size_t align)
{
	return off + (size_t)((align - (base + off) % align) % align);
}

/* The low 32 bits if the address fits there, else 0 (the X_ field carries it). */
static uint32_t acpi_build_addr32(uint64_t gpa)
{
	return gpa >> 32 ? 0 : (uint32_t)gpa;
}

struct acpi_layout {
	size_t rsdp, xsdt, fadt, facs, dsdt, madt, end;
	uint32_t xsdt_len, dsdt_len, madt_len;
};

static void acpi_build_layout(struct acpi_layout *l, uint64_t base, uint32_t cpus, size_t aml_len)
{
	l->xsdt_len = (uint32_t)(sizeof(struct acpi_sdt_header) + 8 * ACPI_BUILD_XSDT_ENTRIES);
	l->dsdt_len = (uint32_t)(sizeof(struct acpi_sdt_header) + aml_len);
	l->madt_len = (uint32_t)(sizeof(struct acpi_madt) + cpus * sizeof(struct acpi_madt_lapic) +
				 sizeof(struct acpi_madt_ioapic) +
				 ACPI_BUILD_ISO_COUNT * sizeof(struct acpi_madt_iso));
	l->rsdp = 0;
	l->xsdt = acpi_build_align(base, sizeof(struct acpi_rsdp), ACPI_BUILD_ALIGN);
	l->fadt = acpi_build_align(base, l->xsdt + l->xsdt_len, ACPI_BUILD_ALIGN);
	l->facs = acpi_build_align(base, l->fadt + sizeof(struct acpi_fadt), ACPI_BUILD_FACS_ALIGN);
	l->dsdt = acpi_build_align(base, l->facs + sizeof(struct acpi_facs), ACPI_BUILD_ALIGN);
	l->madt = acpi_build_align(base, l->dsdt + l->dsdt_len, ACPI_BUILD_ALIGN);
	l->end = l->madt + l->madt_len;
}

static void acpi_build_rsdp(uint8_t *buf, uint64_t xsdt_gpa)
{
	struct acpi_rsdp r = { .revision = 2, .length = sizeof(r), .xsdt_address = xsdt_gpa };

	memcpy(r.signature, "RSD PTR ", 8);
	memcpy(r.oem_id, ACPI_BUILD_OEM_ID, 6);
	memcpy(buf, &r, sizeof(r));
	acpi_build_checksum(buf, ACPI_RSDP_V1_LEN, offsetof(struct acpi_rsdp, checksum));
	acpi_build_checksum(buf, sizeof(r), offsetof(struct acpi_rsdp, extended_checksum));
}

static void acpi_build_xsdt(uint8_t *buf, const struct acpi_layout *l, uint64_t base)
{
	struct acpi_sdt_header h = { 0 };
	uint64_t entries[ACPI_BUILD_XSDT_ENTRIES] = { base + l->fadt, base + l->madt };

	acpi_build_header(&h, "XSDT", l->xsdt_len, ACPI_XSDT_REVISION);
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), entries, sizeof(entries));
	acpi_build_checksum(buf, l->xsdt_len, offsetof(struct acpi_sdt_header, checksum));
}

static void acpi_build_fadt(uint8_t *buf, const struct acpi_layout *l, uint64_t base,
			    const struct acpi_build_config *cfg)
{
	struct acpi_fadt f = { 0 };
	uint64_t facs = base + l->facs, dsdt = base + l->dsdt;

	acpi_build_header(&f.header, "FACP", sizeof(f), ACPI_FADT_REVISION);
	/* ACPI 6.5 5.2.9: X_FIRMWARE_CTRL only when FIRMWARE_CTRL cannot hold it. */
	f.firmware_ctrl = acpi_build_addr32(facs);
	f.x_firmware_ctrl = f.firmware_ctrl ? 0 : facs;
	f.dsdt = acpi_build_addr32(dsdt);
	f.x_dsdt = dsdt;
	f.sci_int = cfg->sci_irq;
	/* SMI_CMD 0: no SMM to hand over from, the machine is in ACPI mode. */
	f.pm1a_evt_blk = cfg->pm1a_evt_port;
	f.pm1a_cnt_blk = cfg->pm1a_cnt_port;
	f.pm_tmr_blk = cfg->pm_timer_port;
	f.pm1_evt_len = ACPI_PM1_EVT_LEN;
	f.pm1_cnt_len = ACPI_PM1_CNT_LEN;
	f.pm_tmr_len = ACPI_PM_TMR_LEN;
	f.p_lvl2_lat = ACPI_FADT_NO_C2;
	f.p_lvl3_lat = ACPI_FADT_NO_C3;
	f.century = RTC_REG_CENTURY;
	/*
	 * No 8042 flag: the machine has no keyboard, only the 8042's reset
	 * line (and reboots go through the FADT reset register anyway). With
	 * the flag Linux probes for a keyboard, and each of its commands
	 * busy-waits half a second for an answer that never comes.
	 */
	f.iapc_boot_arch = ACPI_BOOT_LEGACY_DEVICES | ACPI_BOOT_NO_VGA;
	/* TMR_VAL_EXT clear: the PM timer has 24 bits. */
	/* A fixed-feature power button (PM1 PWRBTN): the operator's `shutdown` presses it. */
	f.flags = ACPI_FADT_WBINVD | ACPI_FADT_PROC_C1 | ACPI_FADT_SLP_BUTTON |
		  ACPI_FADT_RESET_REG_SUP;
	f.reset_reg = (struct acpi_gas_raw){
		.space_id = ACPI_GAS_SYSTEM_IO,
		.bit_width = 8,
		.access_size = ACPI_GAS_ACCESS_BYTE,
		.address = cfg->reset_port,
	};
	f.reset_value = cfg->reset_value;
	f.fadt_minor_version = ACPI_FADT_MINOR;
	/* The X_ blocks stay 0: the 32-bit port fields are used (ACPI 6.5 5.2.9). */
	memcpy(buf, &f, sizeof(f));
	acpi_build_checksum(buf, sizeof(f), offsetof(struct acpi_sdt_header, checksum));
}

static void acpi_build_facs(uint8_t *buf)
{
	struct acpi_facs f = { .length = sizeof(f), .version = ACPI_FACS_VERSION };

	memcpy(f.signature, "FACS", 4);
	memcpy(buf, &f, sizeof(f));
}

static void acpi_build_dsdt(uint8_t *buf, const struct acpi_layout *l, const struct aml *a)
{
	struct acpi_sdt_header h = { 0 };

	acpi_build_header(&h, "DSDT", l->dsdt_len, ACPI_DSDT_REVISION);
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), a->b, a->n);
	acpi_build_checksum(buf, l->dsdt_len, offsetof(struct acpi_sdt_header, checksum));
}

static void acpi_build_madt(uint8_t *buf, const struct acpi_layout *l,
			    const struct acpi_build_config *cfg)
{
	struct acpi_madt m = {
		.lapic_address = cfg->lapic_address,
		.flags = ACPI_MADT_PCAT_COMPAT,
	};
	struct acpi_madt_ioapic io = {
		.h = { ACPI_MADT_IOAPIC, sizeof(io) },
		.id = cfg->ioapic_id,
		.address = cfg->ioapic_address,
		.gsi_base = 0,
	};
	/* ACPI 6.5 5.2.12.5: the PIT's IRQ 0 is on pin 2; the SCI is level, active high. */
	struct acpi_madt_iso iso[ACPI_BUILD_ISO_COUNT] = {
		{ { ACPI_MADT_ISO, sizeof(iso[0]) }, 0, ACPI_ISO_TIMER_IRQ, ACPI_ISO_TIMER_GSI,
		  ACPI_MPS_TRIGGER_EDGE },
		{ { ACPI_MADT_ISO, sizeof(iso[0]) }, 0, cfg->sci_irq, cfg->sci_irq,
		  ACPI_MPS_TRIGGER_LEVEL | ACPI_MPS_POLARITY_HIGH },
	};
	size_t off = sizeof(m);

	acpi_build_header(&m.header, "APIC", l->madt_len, ACPI_MADT_REVISION);
	memcpy(buf, &m, sizeof(m));
	for (uint32_t i = 0; i < cfg->cpu_count; i++) {
		struct acpi_madt_lapic lapic = {
			.h = { ACPI_MADT_LAPIC, sizeof(lapic) },
			.processor_uid = (uint8_t)i,
			.apic_id = (uint8_t)i,
			.flags = ACPI_MADT_ENABLED,
		};

		memcpy(buf + off, &lapic, sizeof(lapic));
		off += sizeof(lapic);
	}
	memcpy(buf + off, &io, sizeof(io));
	off += sizeof(io);
	memcpy(buf + off, iso, sizeof(iso));
	acpi_build_checksum(buf, l->madt_len, offsetof(struct acpi_sdt_header, checksum));
}

size_t acpi_build_tables(const struct acpi_build_config *cfg, uint64_t base_gpa, uint8_t *buf,
			 size_t size)
{
	struct acpi_layout l;
	struct aml aml = { .n = 0 };

	if (cfg->cpu_count == 0 || cfg->cpu_count > ACPI_BUILD_MAX_CPUS)
		return 0;
	aml_build_dsdt(&aml, cfg->slp_typ_s5);
	if (aml.overflow || aml.depth)
		return 0;
	acpi_build_layout(&l, base_gpa, cfg->cpu_count, aml.n);
	if (l.end > size)
		return 0;

	memset(buf, 0, l.end);
	acpi_build_rsdp(buf + l.rsdp, base_gpa + l.xsdt);
	acpi_build_xsdt(buf + l.xsdt, &l, base_gpa);
	acpi_build_fadt(buf + l.fadt, &l, base_gpa, cfg);
	acpi_build_facs(buf + l.facs);
	acpi_build_dsdt(buf + l.dsdt, &l, &aml);
	acpi_build_madt(buf + l.madt, &l, cfg);
	return l.end;
}
