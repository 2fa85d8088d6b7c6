/*
 * ACPI PM1 event/control registers and PM timer (see vmm/dev/acpi_pm.h),
 * after ACPI 6.5 4.8.3 and the PIIX4 power-management I/O space. Accesses
 * are taken apart into bytes and each byte goes to its 16-bit register, so
 * any width the spec allows works; SLP_TYP and SLP_EN share a byte, so a
 * byte-wide sleep request works too. Pure; runs in VMX root and in host
 * unit tests.
 */
#include "vmm/dev/acpi_pm.h"

#include "lib/string.h"

#define ACPI_PM_NS_PER_SEC 1000000000ULL
#define ACPI_PM_TMR_STS_SHIFT 23	/* TMR_STS: the timer's bit 23 changed */
#define ACPI_PM1_CNT_KEPT (ACPI_PM1_BM_RLD | ACPI_PM1_SLP_TYP_MASK)

/* Ticks since guest time 0, split so the product stays in 64 bits. */
static uint64_t acpi_pm_ticks(uint64_t ns)
{
	return ns / ACPI_PM_NS_PER_SEC * ACPI_PM_TIMER_HZ +
	       ns % ACPI_PM_NS_PER_SEC * ACPI_PM_TIMER_HZ / ACPI_PM_NS_PER_SEC;
}

uint32_t acpi_pm_timer(uint64_t now_ns)
{
	return (uint32_t)(acpi_pm_ticks(now_ns) & ACPI_PM_TIMER_MASK);
}

/* Whether [off, off + size) lies inside one block. */
static bool acpi_pm_access(uint32_t off, unsigned size)
{
	uint32_t end = off + size;

	if (size != 1 && size != 2 && size != 4)
		return false;
	return end <= ACPI_PM_EVT_LEN ||
	       (off >= ACPI_PM_CNT && end <= ACPI_PM_CNT + ACPI_PM_CNT_LEN) ||
	       (off >= ACPI_PM_TMR && end <= ACPI_PM_TMR + ACPI_PM_TMR_LEN);
}

static uint16_t acpi_pm_sts(const struct acpi_pm *pm, uint64_t now)
{
	bool tmr = acpi_pm_ticks(now) >> ACPI_PM_TMR_STS_SHIFT != pm->tmr_sts_seen;

	return (uint16_t)(pm->pm1_sts | (tmr ? ACPI_PM1_TMR : 0));
}

/* The 16-bit register at even offset reg (the timer is two of them). */
static uint16_t acpi_pm_reg_read(const struct acpi_pm *pm, uint32_t reg, uint64_t now)
{
	switch (reg) {
	case ACPI_PM_STS:
		return acpi_pm_sts(pm, now);
	case ACPI_PM_EN:
		return pm->pm1_en;
	case ACPI_PM_CNT:
		return (uint16_t)(pm->pm1_cnt | ACPI_PM1_SCI_EN);
	case ACPI_PM_TMR:
		return (uint16_t)acpi_pm_timer(now);
	default:
		return (uint16_t)(acpi_pm_timer(now) >> 16);
	}
}

static void acpi_pm_sleep(struct acpi_pm *pm)
{
	unsigned typ = (pm->pm1_cnt & ACPI_PM1_SLP_TYP_MASK) >> ACPI_PM1_SLP_TYP_SHIFT;

	if (typ != pm->s5_typ) {
		pm->pm1_sts |= ACPI_PM1_WAK_STS;
		return;
	}
	if (pm->wire.sleep)
		pm->wire.sleep(pm->wire.ctx, typ);
}

/* The SCI follows the fixed events that are both pending and enabled (the timer's is not wired). */
static void acpi_pm_update_sci(struct acpi_pm *pm)
{
	irq_line_set(&pm->wire.sci, (pm->pm1_sts & pm->pm1_en & ACPI_PM1_PWRBTN) != 0);
}

void acpi_pm_init(struct acpi_pm *pm, uint16_t base, uint8_t s5_typ, struct acpi_pm_wiring wire)
{
	memset(pm, 0, sizeof(*pm));
	pm->base = base;
	pm->s5_typ = s5_typ;
	pm->wire = wire;
	acpi_pm_update_sci(pm);
}

void acpi_pm_power_button(struct acpi_pm *pm)
{
	pm->pm1_sts |= ACPI_PM1_PWRBTN;
	acpi_pm_update_sci(pm);
}

/* Writes the bits of v under mask (one byte of the register). */
static void acpi_pm_reg_write(struct acpi_pm *pm, uint32_t reg, uint16_t v, uint16_t mask,
			      uint64_t now)
{
	v &= mask;
	switch (reg) {
	case ACPI_PM_STS:
		if (v & ACPI_PM1_TMR)
			pm->tmr_sts_seen = acpi_pm_ticks(now) >> ACPI_PM_TMR_STS_SHIFT;
		pm->pm1_sts &= (uint16_t)~(v & ACPI_PM1_STS_BITS);
		acpi_pm_update_sci(pm);
		break;
	case ACPI_PM_EN:
		pm->pm1_en = (uint16_t)((pm->pm1_en & ~mask) | (v & ACPI_PM1_EN_BITS));
		acpi_pm_update_sci(pm);
		break;
	case ACPI_PM_CNT:
		pm->pm1_cnt = (uint16_t)((pm->pm1_cnt & ~mask) | (v & ACPI_PM1_CNT_KEPT));
		if (v & ACPI_PM1_SLP_EN)
			acpi_pm_sleep(pm);
		break;
	default:
		break; /* the timer is read-only */
	}
}

bool acpi_pm_io_read(struct acpi_pm *pm, uint16_t port, unsigned size, uint32_t *value,
		     uint64_t now_ns)
{
	uint32_t off = (uint32_t)port - pm->base, v = 0;

	if (port < pm->base || !acpi_pm_access(off, size))
		return false;
	for (unsigned i = 0; i < size; i++) {
		uint32_t o = off + i;
		uint16_t reg = acpi_pm_reg_read(pm, o & ~1U, now_ns);

		v |= (uint32_t)(uint8_t)(reg >> (8 * (o & 1))) << (8 * i);
	}
	*value = v;
	return true;
}

bool acpi_pm_io_write(struct acpi_pm *pm, uint16_t port, unsigned size, uint32_t value,
		      uint64_t now_ns)
{
	uint32_t off = (uint32_t)port - pm->base;

	if (port < pm->base || !acpi_pm_access(off, size))
		return false;
	for (unsigned i = 0; i < size; i++) {
		uint32_t o = off + i;
		unsigned shift = 8 * (o & 1);
		uint16_t byte = (uint8_t)(value >> (8 * i));

		acpi_pm_reg_write(pm, o & ~1U, (uint16_t)(byte << shift),
				  (uint16_t)(0xffU << shift), now_ns);
	}
	return true;
}
