/*
 * Codecs of the legacy PC devices on port I/O (see snap_dev.h): debug
 * console, 16550A UARTs, 8259A pair, 8254 PIT, MC146818A RTC, the reset
 * and A20 ports, the ACPI PM block. Each lists its plain state fields, in
 * wire order, and checks what its model relies on. Pure.
 */
#include "vmm/snapshot/snap_dev.h"
#include "vmm/snapshot/snap_dev_layout.h"

/* ------------------------------------------------------------ debugcon --- */

/* Only the count of bytes written: the port has no registers. */
static const struct snap_dev_field debugcon_fields[] = {
	SNAP_FIELD(struct debugcon, bytes),
};

SNAP_DEV_LAYOUT_CODEC(debugcon, struct debugcon, SNAP_DEV_DEBUGCON_VERSION, NULL)

/* ---------------------------------------------------------------- uart --- */

static const struct snap_dev_field uart_fields[] = {
	SNAP_FIELD(struct vuart, base),
	SNAP_FIELD(struct vuart, ier),
	SNAP_FIELD(struct vuart, lcr),
	SNAP_FIELD(struct vuart, mcr),
	SNAP_FIELD(struct vuart, scr),
	SNAP_FIELD(struct vuart, fcr),
	SNAP_FIELD(struct vuart, dll),
	SNAP_FIELD(struct vuart, dlm),
	SNAP_FIELD(struct vuart, lsr_errors),
	SNAP_FIELD(struct vuart, msr),
	SNAP_FIELD(struct vuart, rbr),
	SNAP_ARRAY(struct vuart, rx_fifo),
	SNAP_FIELD(struct vuart, rx_head),
	SNAP_FIELD(struct vuart, rx_count),
	SNAP_FIELD(struct vuart, thre_pending),
	SNAP_FIELD(struct vuart, irq_level),
};

static const char *uart_check(const void *decoded, const void *live)
{
	const struct vuart *u = decoded;
	unsigned holds = u->fcr & VUART_FCR_ENABLE ? VUART_FIFO_SIZE : 1U;

	if (u->base != ((const struct vuart *)live)->base)
		return "a UART at another base port";
	if ((u->ier & ~VUART_IER_MASK) || (u->mcr & ~VUART_MCR_MASK) ||
	    (u->lsr_errors & ~VUART_LSR_OE))
		return "reserved bits set in IER, MCR or the line status errors";
	/* FCR keeps ENABLE, DMA and TRIGGER, and nothing while the FIFOs are off. */
	if ((u->fcr & ~(VUART_FCR_ENABLE | VUART_FCR_DMA | VUART_FCR_TRIGGER)) ||
	    (u->fcr && !(u->fcr & VUART_FCR_ENABLE)))
		return "FIFO control bits the UART does not keep";
	if (u->rx_head >= VUART_FIFO_SIZE)
		return "receive FIFO head outside the FIFO";
	if (u->rx_count > holds)
		return "more bytes received than the receiver holds";
	return NULL;
}

SNAP_DEV_LAYOUT_CODEC(uart, struct vuart, SNAP_DEV_UART_VERSION, uart_check)

/* ----------------------------------------------------------------- pic --- */

static const struct snap_dev_field pic_fields[] = {
	SNAP_EACH(struct pic, chip, irr),
	SNAP_EACH(struct pic, chip, isr),
	SNAP_EACH(struct pic, chip, imr),
	SNAP_EACH(struct pic, chip, icw_step),
	SNAP_EACH(struct pic, chip, vector_base),
	SNAP_EACH_FLAG(struct pic, chip, read_isr),
	SNAP_EACH_FLAG(struct pic, chip, special_mask),
	SNAP_EACH_FLAG(struct pic, chip, auto_eoi),
	SNAP_EACH_FLAG(struct pic, chip, rotate_on_aeoi),
	SNAP_EACH(struct pic, chip, priority_add),
	SNAP_EACH_FLAG(struct pic, chip, init4),
	SNAP_EACH_FLAG(struct pic, chip, single),
	SNAP_EACH_FLAG(struct pic, chip, sfnm),
	SNAP_EACH(struct pic, chip, level_trigger_elcr),
	SNAP_EACH(struct pic, chip, last_irr),
	SNAP_EACH_FLAG(struct pic, chip, poll),
};

static const char *pic_check(const void *decoded, const void *live)
{
	static const uint8_t elcr_bits[2] = { PIC_ELCR_MASTER_BITS, PIC_ELCR_SLAVE_BITS };
	const struct pic *p = decoded;

	for (unsigned i = 0; i < 2; i++) {
		const struct pic_chip *c = &p->chip[i];

		/* ICW3 (step 2) comes only without SNGL, ICW4 (step 3) only with IC4. */
		if (c->icw_step > 3 || (c->icw_step == 2 && c->single) ||
		    (c->icw_step == 3 && !c->init4))
			return "a PIC initialisation step out of sequence";
		if (c->priority_add > 7)
			return "a PIC priority rotation past IR7";
		if (c->vector_base & 7U)
			return "a PIC vector base that is not a multiple of 8";
		if (c->level_trigger_elcr & ~elcr_bits[i])
			return "the ELCR makes an always edge-triggered line level-triggered";
	}
	return NULL;
}

SNAP_DEV_LAYOUT_CODEC(pic, struct pic, SNAP_DEV_PIC_VERSION, pic_check)

/* ----------------------------------------------------------------- pit --- */

static const struct snap_dev_field pit_fields[] = {
	SNAP_EACH(struct pit, ch, start_ns),
	SNAP_EACH(struct pit, ch, stop_ns),
	SNAP_EACH(struct pit, ch, reload_at_ns),
	SNAP_EACH(struct pit, ch, reload),
	SNAP_EACH(struct pit, ch, next_reload),
	SNAP_EACH(struct pit, ch, latch_value),
	SNAP_EACH(struct pit, ch, mode),
	SNAP_EACH(struct pit, ch, access),
	SNAP_EACH(struct pit, ch, write_lsb),
	SNAP_EACH(struct pit, ch, status),
	SNAP_EACH(struct pit, ch, bcd),
	SNAP_EACH(struct pit, ch, gate),
	SNAP_EACH(struct pit, ch, null_count),
	SNAP_EACH(struct pit, ch, loaded),
	SNAP_EACH(struct pit, ch, armed),
	SNAP_EACH(struct pit, ch, reload_pending),
	SNAP_EACH(struct pit, ch, write_msb),
	SNAP_EACH(struct pit, ch, read_msb),
	SNAP_EACH(struct pit, ch, count_latched),
	SNAP_EACH(struct pit, ch, status_latched),
	SNAP_FIELD(struct pit, port61),
	SNAP_FIELD(struct pit, irq_next_ns),
};

static const char *pit_check(const void *decoded, const void *live)
{
	const struct pit *p = decoded;

	for (unsigned i = 0; i < 3; i++) {
		if (p->ch[i].mode > 5)
			return "a PIT counter mode above 5";
		if (p->ch[i].access < PIT_ACCESS_LSB || p->ch[i].access > PIT_ACCESS_LOHI)
			return "a PIT counter access that is not LSB, MSB or LSB then MSB";
	}
	if (p->port61 & ~PIT_61_WRITABLE)
		return "port 0x61 holds bits it does not keep";
	/* Gates 0 and 1 are tied high; gate 2 is port 0x61 bit 0. */
	if (!p->ch[0].gate || !p->ch[1].gate || p->ch[2].gate != (bool)(p->port61 & PIT_61_GATE2))
		return "a PIT gate that is not where its pin is";
	return NULL;
}

SNAP_DEV_LAYOUT_CODEC(pit, struct pit, SNAP_DEV_PIT_VERSION, pit_check)

/* ----------------------------------------------------------------- rtc --- */

/* rtc.h: base_ns may precede guest time 0, by less than a second. */
#define RTC_BASE_NS_MIN (-1000000000LL)

static const struct snap_dev_field rtc_fields[] = {
	SNAP_ARRAY(struct rtc, cmos),
	SNAP_FIELD(struct rtc, index),
	SNAP_FIELD(struct rtc, nmi_disabled),
	SNAP_FIELD(struct rtc, flags),
	SNAP_FIELD(struct rtc, irq_level),
	SNAP_FIELD(struct rtc, base_time),
	SNAP_FIELD(struct rtc, base_ns),
	SNAP_FIELD(struct rtc, next_update_ns),
	SNAP_FIELD(struct rtc, next_alarm_ns),
	SNAP_FIELD(struct rtc, next_periodic_ns),
};

static const char *rtc_check(const void *decoded, const void *live)
{
	const struct rtc *r = decoded;

	if (r->index >= RTC_CMOS_SIZE)
		return "an RTC register index outside the CMOS";
	if (r->flags & ~(RTC_C_PF | RTC_C_AF | RTC_C_UF))
		return "RTC flags other than PF, AF and UF";
	if (r->cmos[RTC_REG_A] & RTC_A_UIP)
		return "RTC register A holds UIP, which is computed";
	if (r->base_ns <= RTC_BASE_NS_MIN)
		return "the RTC's clock base is a second or more before guest time 0";
	return NULL;
}

SNAP_DEV_LAYOUT_CODEC(rtc, struct rtc, SNAP_DEV_RTC_VERSION, rtc_check)

/* -------------------------------------------------------------- sysctl --- */

static const struct snap_dev_field sysctl_fields[] = {
	SNAP_FIELD(struct sysctl, port92),
	SNAP_FIELD(struct sysctl, cf9),
	SNAP_FIELD(struct sysctl, kbc_cmd_byte),
	SNAP_FIELD(struct sysctl, kbc_output_port),
	SNAP_FIELD(struct sysctl, kbc_out),
	SNAP_FIELD(struct sysctl, kbc_obf),
	SNAP_FIELD(struct sysctl, kbc_last_cmd),
	SNAP_FIELD(struct sysctl, kbc_pending),
};

static const char *sysctl_check(const void *decoded, const void *live)
{
	const struct sysctl *s = decoded;

	if (s->cf9 & ~SYSCTL_CF9_KEPT)
		return "0xcf9 holds bits it does not keep";
	if (s->kbc_pending && s->kbc_pending != SYSCTL_KBC_WRITE_CMD_BYTE &&
	    s->kbc_pending != SYSCTL_KBC_WRITE_OUTPUT)
		return "the 8042 waits for the data byte of a command that takes none";
	if (!(s->kbc_output_port & SYSCTL_KBC_OUT_RESET))
		return "the 8042's output port holds the CPU in reset";
	return NULL;
}

SNAP_DEV_LAYOUT_CODEC(sysctl, struct sysctl, SNAP_DEV_SYSCTL_VERSION, sysctl_check)

/* ------------------------------------------------------------- acpi-pm --- */

static const struct snap_dev_field acpi_pm_fields[] = {
	SNAP_FIELD(struct acpi_pm, base),
	SNAP_FIELD(struct acpi_pm, pm1_sts),
	SNAP_FIELD(struct acpi_pm, pm1_en),
	SNAP_FIELD(struct acpi_pm, pm1_cnt),
	SNAP_FIELD(struct acpi_pm, tmr_sts_seen),
	SNAP_FIELD(struct acpi_pm, s5_typ),
};

static const char *acpi_pm_check(const void *decoded, const void *live)
{
	const struct acpi_pm *pm = decoded, *now = live;

	/* Both are in the guest's FADT and DSDT, which its RAM holds. */
	if (pm->base != now->base || pm->s5_typ != now->s5_typ)
		return "an ACPI PM block at another port or with another S5 sleep type";
	if ((pm->pm1_sts & ~ACPI_PM1_STS_BITS) || (pm->pm1_en & ~ACPI_PM1_EN_BITS) ||
	    (pm->pm1_cnt & ~(ACPI_PM1_BM_RLD | ACPI_PM1_SLP_TYP_MASK)))
		return "PM1 registers hold bits they do not keep";
	return NULL;
}

SNAP_DEV_LAYOUT_CODEC(acpi_pm, struct acpi_pm, SNAP_DEV_ACPI_PM_VERSION, acpi_pm_check)
