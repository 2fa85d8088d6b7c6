/*
 * The ACPI tables a PC's firmware would hand a guest, built by the
 * hypervisor for its virtual PC: RSDP, XSDT, FADT, FACS, DSDT and MADT,
 * written into a buffer that the caller copies into guest RAM at the
 * guest-physical address it chose (and gives the guest the RSDP's address,
 * e.g. in boot_params.acpi_rsdp_addr).
 *
 * Pure: no allocation, no globals; runs in VMX root when a guest is built
 * and in host unit tests, where the hypervisor's own parser reads the
 * result back.
 */
#ifndef VMM_ACPI_BUILD_H
#define VMM_ACPI_BUILD_H

#include <stddef.h>
#include <stdint.h>

/* The panic notifier port the DSDT describes (QEMU's pvpanic, ACPI ID QEMU0001). */
#define ACPI_PVPANIC_PORT 0x505U

struct acpi_build_config {
	uint32_t cpu_count;		/* 1..255: APIC IDs 0..cpu_count-1 */
	uint32_t lapic_address;
	uint32_t ioapic_address;
	uint8_t ioapic_id;
	uint16_t pm1a_evt_port, pm1a_cnt_port, pm_timer_port;
	uint8_t sci_irq;		/* ISA IRQ, wired level/active high */
	uint8_t slp_typ_s5;		/* SLP_TYP for S5, in \_S5 */
	uint16_t reset_port;		/* I/O port of the FADT's RESET_REG */
	uint8_t reset_value;
};

/* Enough for 255 CPUs. */
#define ACPI_BUILD_MAX_SIZE 4096U

/*
 * Writes, at 16-byte aligned guest-physical addresses from base_gpa on
 * (the FACS at a 64-byte aligned one, as ACPI 6.5 5.2.10 requires):
 *  - RSDP, revision 2, at offset 0, pointing at the XSDT only (no RSDT);
 *  - XSDT listing the FADT and the MADT;
 *  - FADT, revision 6: FACS, DSDT, PM1a event and control blocks, the
 *    24-bit PM timer, SCI_INT, CENTURY (CMOS 0x32), RESET_REG as an I/O
 *    port, no SMI_CMD (ACPI mode from the start), no C2/C3, power and sleep
 *    buttons absent, flags WBINVD, PROC_C1, RESET_REG_SUP;
 *  - FACS;
 *  - DSDT: \_S5 {slp_typ, slp_typ, 0, 0}, an empty \_PIC(1), and the PCI
 *    host bridge \_SB.PCI0 (PNP0A03, bus 0-255, the I/O space) so that an
 *    ACPI OS scans PCI;
 *  - MADT: one enabled local APIC per CPU, the I/O APIC at GSI base 0,
 *    overrides IRQ 0 -> GSI 2 (edge) and SCI IRQ -> same GSI (level,
 *    active high).
 * Every address inside the tables is guest-physical, from base_gpa (which
 * should be 16-byte aligned for the RSDP to be). Returns the bytes used,
 * or 0 if size is too small or cpu_count is outside 1..255. Bytes past the
 * returned length are left alone.
 */
size_t acpi_build_tables(const struct acpi_build_config *cfg, uint64_t base_gpa, uint8_t *buf,
			 size_t size);

#endif
