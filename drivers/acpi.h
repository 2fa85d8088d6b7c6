/*
 * ACPI table parsing: the CPUs, I/O APICs and interrupt overrides from the
 * MADT, the power-management ports and the reset register from the FADT, the
 * S5 sleep type from the DSDT's \_S5 package and the HPET's base address.
 *
 * Pure logic: every table is reached through an acpi_map_fn, so the same
 * source runs in the kernel (identity map after ExitBootServices, BSP,
 * interrupts off) and in host unit tests (a fake physical memory). Nothing
 * here logs; the caller reports bad_tables and friends.
 *
 * The packed structs below are the firmware's layouts (ACPI 6.5 chapter 5,
 * section numbers at each one); the virtual ACPI tables we build for guests
 * can reuse them.
 */
#ifndef DRIVERS_ACPI_H
#define DRIVERS_ACPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Makes [phys, phys + len) readable and returns its address, or NULL if that
 * range cannot be reached. Mappings must stay valid until acpi_parse returns;
 * acpi_parse never reads past len bytes of what it asked for.
 */
typedef const void *(*acpi_map_fn)(uint64_t phys, size_t len, void *ctx);

#define ACPI_MAX_CPUS 64
#define ACPI_MAX_IOAPICS 8
#define ACPI_MAX_OVERRIDES 16

/* Largest table we accept: the biggest real DSDTs are a few hundred KiB. */
#define ACPI_MAX_TABLE_LEN (16U << 20)

/* Generic Address Structure, decoded (ACPI 6.5 5.2.3.2). */
struct acpi_gas {
	uint8_t space_id, bit_width, bit_offset, access_size;
	uint64_t address;
};

#define ACPI_GAS_SYSTEM_MEMORY 0U
#define ACPI_GAS_SYSTEM_IO 1U
#define ACPI_GAS_PCI_CONFIG 2U

/* MADT interrupt source override flags (ACPI 6.5 5.2.12.5, MPS INTI flags). */
#define ACPI_MPS_POLARITY_MASK 0x3U
#define ACPI_MPS_POLARITY_HIGH 0x1U
#define ACPI_MPS_POLARITY_LOW 0x3U
#define ACPI_MPS_TRIGGER_MASK 0xcU
#define ACPI_MPS_TRIGGER_EDGE 0x4U
#define ACPI_MPS_TRIGGER_LEVEL 0xcU

struct acpi_info {
	char oem_id[7];   /* from the RSDP, NUL-terminated */
	uint8_t revision; /* RSDP revision: 0 for ACPI 1.0, 2 for 2.0 and later */

	bool has_madt;    /* false: no (good) MADT, so cpu_count says nothing */
	uint64_t lapic_base;
	uint32_t cpu_count;
	uint32_t lapic_ids[ACPI_MAX_CPUS]; /* enabled (or online-capable) processors only */

	uint32_t ioapic_count;
	struct {
		uint8_t id;
		uint32_t address;
		uint32_t gsi_base;
	} ioapics[ACPI_MAX_IOAPICS];

	uint32_t override_count;
	struct {
		uint8_t source_irq;
		uint32_t gsi;
		uint16_t flags; /* ACPI_MPS_* */
	} overrides[ACPI_MAX_OVERRIDES];

	/* FADT. The PM1/PM timer values are I/O port numbers, 0 when absent. */
	bool has_fadt;
	uint32_t smi_cmd;
	uint8_t acpi_enable;
	uint32_t pm1a_evt, pm1a_cnt, pm1b_cnt, pm_timer;
	bool pm_timer_32bit; /* TMR_VAL_EXT: else the PM timer has 24 bits */
	uint64_t dsdt;       /* physical address, 0 when absent */

	bool has_reset_reg;
	struct acpi_gas reset_reg;
	uint8_t reset_value;

	bool has_s5; /* from the DSDT's \_S5 package */
	uint8_t slp_typa, slp_typb;

	uint64_t hpet_address; /* 0 if no HPET table */

	/* What was skipped, for the caller to warn about. */
	uint32_t bad_tables;      /* bad checksum, length or signature, or unmappable */
	uint32_t bad_entries;     /* malformed MADT entries */
	uint32_t dropped_entries; /* valid MADT entries beyond the arrays above */
};

/*
 * Parses the tables reachable from the RSDP at rsdp_phys. Returns 0, or -1
 * with *why (a static string; why may be NULL) if the RSDP or the root table
 * (XSDT, else RSDT) is unusable. A table with a bad checksum, signature or
 * length is skipped and counted in out->bad_tables. out is always zeroed
 * first.
 */
int acpi_parse(uint64_t rsdp_phys, acpi_map_fn map, void *ctx, struct acpi_info *out,
	       const char **why);

/* ------------------------------------------------ firmware table layouts --- */

/* Root System Description Pointer (ACPI 6.5 5.2.5.3). */
struct acpi_rsdp {
	char signature[8]; /* "RSD PTR " */
	uint8_t checksum;  /* the first 20 bytes sum to zero */
	char oem_id[6];
	uint8_t revision;
	uint32_t rsdt_address;
	/* revision >= 2 only */
	uint32_t length;
	uint64_t xsdt_address;
	uint8_t extended_checksum; /* all 36 bytes sum to zero */
	uint8_t reserved[3];
} __attribute__((packed));
#define ACPI_RSDP_V1_LEN 20U
_Static_assert(offsetof(struct acpi_rsdp, length) == ACPI_RSDP_V1_LEN, "ACPI 5.2.5.3");
_Static_assert(sizeof(struct acpi_rsdp) == 36, "ACPI 5.2.5.3");

/* System Description Table Header, common to all tables (ACPI 6.5 5.2.6). */
struct acpi_sdt_header {
	char signature[4];
	uint32_t length; /* of the whole table, header included */
	uint8_t revision;
	uint8_t checksum; /* the whole table sums to zero */
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	uint32_t creator_id;
	uint32_t creator_revision;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_sdt_header) == 36, "ACPI 5.2.6");

/*
 * RSDT (ACPI 6.5 5.2.7) and XSDT (5.2.8): the header, then 32-bit or 64-bit
 * physical addresses of the other tables (unaligned in the XSDT).
 */

/* Generic Address Structure as stored in tables (ACPI 6.5 5.2.3.2). */
struct acpi_gas_raw {
	uint8_t space_id;
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_size;
	uint64_t address;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_gas_raw) == 12, "ACPI 5.2.3.2");

/* Multiple APIC Description Table, "APIC" (ACPI 6.5 5.2.12). */
struct acpi_madt {
	struct acpi_sdt_header header;
	uint32_t lapic_address;
	uint32_t flags; /* bit 0 PCAT_COMPAT: an 8259 pair is present */
	/* then entries, each starting with struct acpi_madt_entry */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt) == 44, "ACPI 5.2.12");

struct acpi_madt_entry {
	uint8_t type;
	uint8_t length; /* of the entry, these two bytes included */
} __attribute__((packed));

#define ACPI_MADT_LAPIC 0U
#define ACPI_MADT_IOAPIC 1U
#define ACPI_MADT_ISO 2U
#define ACPI_MADT_LAPIC_OVERRIDE 5U
#define ACPI_MADT_X2APIC 9U

/* Local APIC flags, shared by types 0 and 9 (ACPI 6.5 5.2.12.2). */
#define ACPI_MADT_ENABLED (1U << 0)
#define ACPI_MADT_ONLINE_CAPABLE (1U << 1)

/* Type 0: Processor Local APIC (ACPI 6.5 5.2.12.2). */
struct acpi_madt_lapic {
	struct acpi_madt_entry h;
	uint8_t processor_uid;
	uint8_t apic_id;
	uint32_t flags;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_lapic) == 8, "ACPI 5.2.12.2");

/* Type 1: I/O APIC (ACPI 6.5 5.2.12.3). */
struct acpi_madt_ioapic {
	struct acpi_madt_entry h;
	uint8_t id;
	uint8_t reserved;
	uint32_t address;
	uint32_t gsi_base;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_ioapic) == 12, "ACPI 5.2.12.3");

/* Type 2: Interrupt Source Override (ACPI 6.5 5.2.12.5). */
struct acpi_madt_iso {
	struct acpi_madt_entry h;
	uint8_t bus; /* 0: ISA */
	uint8_t source;
	uint32_t gsi;
	uint16_t flags;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_iso) == 10, "ACPI 5.2.12.5");

/* Type 5: Local APIC Address Override (ACPI 6.5 5.2.12.8). */
struct acpi_madt_lapic_override {
	struct acpi_madt_entry h;
	uint16_t reserved;
	uint64_t address;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_lapic_override) == 12, "ACPI 5.2.12.8");

/* Type 9: Processor Local x2APIC (ACPI 6.5 5.2.12.12). */
struct acpi_madt_x2apic {
	struct acpi_madt_entry h;
	uint16_t reserved;
	uint32_t x2apic_id;
	uint32_t flags;
	uint32_t processor_uid;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_x2apic) == 16, "ACPI 5.2.12.12");

/*
 * Fixed ACPI Description Table, "FACP" (ACPI 6.5 5.2.9). Older firmware
 * writes shorter versions: ACPI 1.0 ends after flags (116 bytes), 2.0 after
 * x_gpe1_blk (244); a field exists only if the table's length covers it.
 */
struct acpi_fadt {
	struct acpi_sdt_header header;
	uint32_t firmware_ctrl;
	uint32_t dsdt;
	uint8_t reserved0;
	uint8_t preferred_pm_profile;
	uint16_t sci_int;
	uint32_t smi_cmd;
	uint8_t acpi_enable;
	uint8_t acpi_disable;
	uint8_t s4bios_req;
	uint8_t pstate_cnt;
	uint32_t pm1a_evt_blk;
	uint32_t pm1b_evt_blk;
	uint32_t pm1a_cnt_blk;
	uint32_t pm1b_cnt_blk;
	uint32_t pm2_cnt_blk;
	uint32_t pm_tmr_blk;
	uint32_t gpe0_blk;
	uint32_t gpe1_blk;
	uint8_t pm1_evt_len;
	uint8_t pm1_cnt_len;
	uint8_t pm2_cnt_len;
	uint8_t pm_tmr_len;
	uint8_t gpe0_blk_len;
	uint8_t gpe1_blk_len;
	uint8_t gpe1_base;
	uint8_t cst_cnt;
	uint16_t p_lvl2_lat;
	uint16_t p_lvl3_lat;
	uint16_t flush_size;
	uint16_t flush_stride;
	uint8_t duty_offset;
	uint8_t duty_width;
	uint8_t day_alrm;
	uint8_t mon_alrm;
	uint8_t century;
	uint16_t iapc_boot_arch;
	uint8_t reserved1;
	uint32_t flags;
	struct acpi_gas_raw reset_reg;
	uint8_t reset_value;
	uint16_t arm_boot_arch;
	uint8_t fadt_minor_version;
	uint64_t x_firmware_ctrl;
	uint64_t x_dsdt;
	struct acpi_gas_raw x_pm1a_evt_blk;
	struct acpi_gas_raw x_pm1b_evt_blk;
	struct acpi_gas_raw x_pm1a_cnt_blk;
	struct acpi_gas_raw x_pm1b_cnt_blk;
	struct acpi_gas_raw x_pm2_cnt_blk;
	struct acpi_gas_raw x_pm_tmr_blk;
	struct acpi_gas_raw x_gpe0_blk;
	struct acpi_gas_raw x_gpe1_blk;
	struct acpi_gas_raw sleep_control_reg;
	struct acpi_gas_raw sleep_status_reg;
	uint64_t hypervisor_vendor_id;
} __attribute__((packed));
_Static_assert(offsetof(struct acpi_fadt, smi_cmd) == 48, "ACPI 5.2.9");
_Static_assert(offsetof(struct acpi_fadt, pm1a_evt_blk) == 56, "ACPI 5.2.9");
_Static_assert(offsetof(struct acpi_fadt, pm_tmr_blk) == 76, "ACPI 5.2.9");
_Static_assert(offsetof(struct acpi_fadt, pm_tmr_len) == 91, "ACPI 5.2.9");
_Static_assert(offsetof(struct acpi_fadt, flags) == 112, "ACPI 5.2.9");
_Static_assert(offsetof(struct acpi_fadt, reset_reg) == 116, "ACPI 5.2.9");
_Static_assert(offsetof(struct acpi_fadt, reset_value) == 128, "ACPI 5.2.9");
_Static_assert(offsetof(struct acpi_fadt, x_dsdt) == 140, "ACPI 5.2.9");
_Static_assert(offsetof(struct acpi_fadt, x_pm1a_evt_blk) == 148, "ACPI 5.2.9");
_Static_assert(offsetof(struct acpi_fadt, x_pm1a_cnt_blk) == 172, "ACPI 5.2.9");
_Static_assert(offsetof(struct acpi_fadt, x_pm_tmr_blk) == 208, "ACPI 5.2.9");
_Static_assert(offsetof(struct acpi_fadt, sleep_control_reg) == 244, "ACPI 5.2.9");
_Static_assert(sizeof(struct acpi_fadt) == 276, "ACPI 5.2.9");

#define ACPI_FADT_V1_LEN 116U /* ACPI 1.0: up to and including flags */

/* FADT fixed feature flags (ACPI 6.5 5.2.9, "Flags"). */
#define ACPI_FADT_TMR_VAL_EXT (1U << 8)
#define ACPI_FADT_RESET_REG_SUP (1U << 10)
#define ACPI_FADT_HW_REDUCED (1U << 20)

/* HPET description table, "HPET" (IA-PC HPET spec 1.0a, 3.2.4). */
struct acpi_hpet {
	struct acpi_sdt_header header;
	uint32_t event_timer_block_id;
	struct acpi_gas_raw base_address;
	uint8_t hpet_number;
	uint16_t min_clock_tick;
	uint8_t page_protection;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_hpet) == 56, "HPET 3.2.4");

#endif
