/*
 * The ACPI fixed-hardware registers the FADT points at, laid out as on the
 * PIIX4's power-management function, from a base port: PM1a_EVT_BLK
 * (status at +0, enable at +2), PM1a_CNT_BLK at +4 and the 24-bit PM timer
 * (3.579545 MHz) at +8 (ACPI 6.5 4.8.3). The machine is in ACPI mode from
 * the start (the FADT has no SMI_CMD), so SCI_EN always reads 1. Writing
 * SLP_EN with the S5 sleep type calls a power-off callback. No SCI is
 * raised: nothing here makes an enabled event.
 *
 * A pure state machine: no hardware access, no globals. Every member of
 * struct acpi_pm but wire is plain state, what a snapshot saves; base and
 * s5_typ are set from configuration at init, not guest-visible, and kept
 * with it. wire (the power-off callback, its context and the SCI) holds
 * pointers into the owner, which re-creates it on restore. Time is the
 * guest's virtual nanoseconds, passed in. Callers serialise access; runs
 * in VMX root and in host unit tests.
 */
#ifndef VMM_DEV_ACPI_PM_H
#define VMM_DEV_ACPI_PM_H

#include <stdbool.h>
#include <stdint.h>

#include "vmm/dev/irq.h"

#define ACPI_PM_TIMER_HZ 3579545ULL
#define ACPI_PM_TIMER_MASK 0xffffffU	/* 24 bits: the FADT leaves TMR_VAL_EXT clear */

/* Offsets from the base port, and the block lengths the FADT gives. */
#define ACPI_PM_STS 0x0U
#define ACPI_PM_EN 0x2U
#define ACPI_PM_CNT 0x4U
#define ACPI_PM_TMR 0x8U
#define ACPI_PM_EVT_LEN 4U
#define ACPI_PM_CNT_LEN 2U
#define ACPI_PM_TMR_LEN 4U
#define ACPI_PM_SPAN 12U

/* PM1 status and enable bits (ACPI 6.5 4.8.3.1). */
#define ACPI_PM1_TMR 0x0001U		/* TMR_STS / TMR_EN: timer bit 23 toggled */
#define ACPI_PM1_BM_STS 0x0010U
#define ACPI_PM1_GBL 0x0020U
#define ACPI_PM1_PWRBTN 0x0100U
#define ACPI_PM1_SLPBTN 0x0200U
#define ACPI_PM1_RTC 0x0400U
#define ACPI_PM1_PCIEXP_WAKE 0x4000U	/* status; its enable bit is a disable */
#define ACPI_PM1_WAK_STS 0x8000U
#define ACPI_PM1_STS_BITS 0xc731U
#define ACPI_PM1_EN_BITS 0x4721U

/* PM1 control bits (ACPI 6.5 4.8.3.2.1). */
#define ACPI_PM1_SCI_EN 0x0001U
#define ACPI_PM1_BM_RLD 0x0002U
#define ACPI_PM1_GBL_RLS 0x0004U	/* write-only */
#define ACPI_PM1_SLP_TYP_SHIFT 10
#define ACPI_PM1_SLP_TYP_MASK 0x1c00U
#define ACPI_PM1_SLP_EN 0x2000U		/* write-only */

typedef void (*acpi_pm_sleep_fn)(void *ctx, unsigned slp_typ);

struct acpi_pm_wiring {
	acpi_pm_sleep_fn sleep;	/* NULL: sleep requests are dropped */
	void *ctx;
	struct irq_line sci;	/* asserted while an enabled status bit (power button) is set */
};

struct acpi_pm {
	uint16_t base;
	uint16_t pm1_sts;
	uint16_t pm1_en;
	uint16_t pm1_cnt;	/* BM_RLD and SLP_TYP as last written */
	uint64_t tmr_sts_seen;	/* timer bit-23 periods counted when TMR_STS was last clear */
	uint8_t s5_typ;
	struct acpi_pm_wiring wire;
};

/*
 * Registers at base .. base + ACPI_PM_SPAN - 1 (base 4-byte aligned);
 * s5_typ is the SLP_TYP the DSDT's \_S5 gives. wire.sleep is called with
 * it when the guest enters S5. wire.sci (level, active high, as the MADT
 * says) is driven low at once.
 */
void acpi_pm_init(struct acpi_pm *pm, uint16_t base, uint8_t s5_typ, struct acpi_pm_wiring wire);

/* The power button was pressed: PWRBTN_STS, and the SCI if the OS enabled it. */
void acpi_pm_power_button(struct acpi_pm *pm);

/*
 * Accesses of size 1, 2 or 4 at guest time now_ns, entirely inside one of
 * the blocks; false otherwise (base + 6 and + 7 belong to no block). Timer
 * writes are ignored. An S5 request calls sleep before returning; other
 * sleep types are refused by waking at once (WAK_STS set), so that an OS
 * waiting for the wake does not hang.
 */
bool acpi_pm_io_read(struct acpi_pm *pm, uint16_t port, unsigned size, uint32_t *value,
		     uint64_t now_ns);
bool acpi_pm_io_write(struct acpi_pm *pm, uint16_t port, unsigned size, uint32_t value,
		      uint64_t now_ns);

/* The PM timer at now_ns: ticks of 3.579545 MHz since guest time 0, 24 bits. */
uint32_t acpi_pm_timer(uint64_t now_ns);

#endif
