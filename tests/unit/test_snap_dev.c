/*
 * Host unit test for the device codecs (vmm/snapshot/snap_dev*.c). Every
 * model is created by its own init function and driven into a busy state
 * through its own port, MMIO and line functions; its payload, decoded into
 * a freshly created device, gives a device that re-encodes to the same
 * bytes, behaves the same and keeps its own wiring. Every truncation, a
 * trailing byte and a wrong version are refused with the device unchanged;
 * every flipped bit is refused with the device unchanged or decodes to a
 * state that keeps the invariants listed here (and that the model then
 * runs on under the sanitizers); out-of-range values are refused with
 * their reason. Runs on the host under cmocka.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vmm/snapshot/snap_dev.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define COM1 0x3f8U
#define PM_BASE 0x600U
#define PM_S5 5U
#define SEC 1000000000ULL

union device {
	struct debugcon debugcon;
	struct vuart uart;
	struct pic pic;
	struct pit pit;
	struct rtc rtc;
	struct sysctl sysctl;
	struct pci_bus pci;
	struct acpi_pm pm;
	struct lapic lapic;
	struct ioapic ioapic;
};

static union device dev_a, dev_b, before;
static uint8_t payload[4096];
static size_t payload_len;

/* --------------------------------------------------------------- wiring --- */

/* Calls into the owner: the busy device is wired to sink_a, a fresh one to sink_b. */
struct sink {
	unsigned events;
};

static struct sink sink_a, sink_b;

static void sink_irq(void *ctx, unsigned line, bool level)
{
	((struct sink *)ctx)->events++;
}

static void sink_tx(void *ctx, uint8_t byte)
{
	((struct sink *)ctx)->events++;
}

static void sink_reset(void *ctx)
{
	((struct sink *)ctx)->events++;
}

static void sink_sleep(void *ctx, unsigned slp_typ)
{
	((struct sink *)ctx)->events++;
}

static void sink_ipi(void *ctx, uint32_t src_id, uint32_t icr_low, uint32_t dest)
{
	((struct sink *)ctx)->events++;
}

static void sink_eoi(void *ctx, uint8_t vector)
{
	((struct sink *)ctx)->events++;
}

static void sink_deliver(void *ctx, uint8_t vector, uint8_t mode, bool logical, uint8_t dest,
			 bool level)
{
	((struct sink *)ctx)->events++;
}

/* Each model as the platform creates it, wired to sink s (the only calls that name wiring). */
static void uart_make(struct vuart *u, struct sink *s, uint16_t base)
{
	vuart_init(u, base, (struct vuart_wiring){ { sink_irq, s, 4 }, sink_tx, s });
}

static void pit_make(struct pit *p, struct sink *s)
{
	pit_init(p, (struct irq_line){ sink_irq, s, 0 });
}

static void rtc_make(struct rtc *r, struct sink *s)
{
	rtc_init(r, 1700000000ULL, 256ULL << 20, (struct irq_line){ sink_irq, s, 8 });
}

static void sysctl_make(struct sysctl *sc, struct sink *s)
{
	sysctl_init(sc, (struct sysctl_wiring){ sink_reset, s });
}

static void pm_make(struct acpi_pm *pm, struct sink *s)
{
	acpi_pm_init(pm, PM_BASE, PM_S5, (struct acpi_pm_wiring){ sink_sleep, s, { sink_irq, s, 9 } });
}

static void lapic_make(struct lapic *l, struct sink *s, uint32_t id)
{
	lapic_init(l, id, id == 0, (struct lapic_bus){ sink_ipi, sink_eoi, s });
	l->tsc_hz = SEC; /* the owner's */
}

static void ioapic_make(struct ioapic *io, struct sink *s)
{
	ioapic_init(io, 1, (struct ioapic_delivery){ sink_deliver, s });
}

/* ---------------------------------------------------------------- trace --- */

/* What a device shows: every value its accesses returned, in order. */
struct trace {
	uint64_t v[1024];
	unsigned n;
};

static void note(struct trace *t, uint64_t v)
{
	assert_true(t->n < ARRAY_SIZE(t->v));
	t->v[t->n++] = v;
}

/* ------------------------------------------------------------- debugcon --- */

static void debugcon_fresh(void *s)
{
	memset(s, 0, sizeof(struct debugcon));
}

static void debugcon_busy(void *s)
{
	debugcon_fresh(s);
	for (int i = 0; i < 3; i++)
		debugcon_io_write(s, 'a' + i);
	assert_int_equal(((struct debugcon *)s)->bytes, 3);
}

static bool debugcon_valid(const void *s)
{
	return true;
}

static void debugcon_observe(void *s, struct trace *t)
{
	debugcon_io_write(s, '!');
	note(t, ((struct debugcon *)s)->bytes);
}

/* ----------------------------------------------------------------- uart --- */

static uint8_t uart_in(struct vuart *u, unsigned reg)
{
	uint8_t v = 0;

	assert_true(vuart_io_read(u, (uint16_t)(COM1 + reg), &v));
	return v;
}

static void uart_out(struct vuart *u, unsigned reg, uint8_t v)
{
	assert_true(vuart_io_write(u, (uint16_t)(COM1 + reg), v));
}

static void uart_fresh(void *s)
{
	uart_make(s, &sink_b, COM1);
}

static void uart_busy(void *s)
{
	struct vuart *u = s;

	uart_make(u, &sink_a, COM1);
	uart_out(u, VUART_LCR, VUART_LCR_DLAB | 0x03);
	uart_out(u, VUART_DLL, 0x01);
	uart_out(u, VUART_DLM, 0x02);
	uart_out(u, VUART_LCR, 0x03);
	uart_out(u, VUART_FCR, VUART_FCR_ENABLE | 0x80); /* trigger level 8 */
	uart_out(u, VUART_IER, VUART_IER_MASK);
	uart_out(u, VUART_MCR, VUART_MCR_DTR | VUART_MCR_RTS | VUART_MCR_OUT2);
	uart_out(u, VUART_SCR, 0x5a);
	assert_int_equal(vuart_receive(u, (const uint8_t *)"snapshot", 8), 8);
	assert_int_equal(uart_in(u, VUART_RBR), 's');
	assert_true(u->rx_head && u->rx_count && u->fcr && u->dlm && u->scr && u->rbr);
	assert_true(u->thre_pending && u->irq_level);
}

static bool uart_valid(const void *s)
{
	const struct vuart *u = s;

	return u->base == COM1 && u->rx_head < VUART_FIFO_SIZE &&
	       u->rx_count <= (u->fcr & VUART_FCR_ENABLE ? VUART_FIFO_SIZE : 1U) &&
	       u->ier <= VUART_IER_MASK && u->mcr <= VUART_MCR_MASK;
}

static void uart_observe(void *s, struct trace *t)
{
	struct vuart *u = s;
	static const unsigned regs[] = { VUART_IIR, VUART_LSR, VUART_MSR, VUART_LCR,
					 VUART_MCR, VUART_SCR, VUART_IER };

	for (unsigned i = 0; i < ARRAY_SIZE(regs); i++)
		note(t, uart_in(u, regs[i]));
	for (unsigned i = 0; i < VUART_FIFO_SIZE + 1; i++)
		note(t, uart_in(u, VUART_RBR));
	uart_out(u, VUART_LCR, VUART_LCR_DLAB);
	note(t, uart_in(u, VUART_DLL));
	note(t, uart_in(u, VUART_DLM));
	uart_out(u, VUART_LCR, 0x03);
	note(t, vuart_receive(u, (const uint8_t *)"0123456789abcdefg", 17));
	note(t, uart_in(u, VUART_IIR));
}

static void uart_poke(void *s)
{
	uart_out(s, VUART_THR, 'x');
}

/* ------------------------------------------------------------------ pic --- */

static uint8_t pic_in(struct pic *p, uint16_t port)
{
	uint8_t v = 0;

	assert_true(pic_io_read(p, port, &v));
	return v;
}

static void pic_out(struct pic *p, uint16_t port, uint8_t v)
{
	assert_true(pic_io_write(p, port, v));
}

static void pic_fresh(void *s)
{
	pic_init(s);
}

static void pic_busy(void *s)
{
	struct pic *p = s;
	const struct pic_chip *m = &p->chip[0];

	pic_init(p);
	pic_out(p, PIC_MASTER_CMD, 0x11); /* ICW1: edge, cascade, ICW4 */
	pic_out(p, PIC_MASTER_DATA, 0x20);
	pic_out(p, PIC_MASTER_DATA, 0x04);
	pic_out(p, PIC_MASTER_DATA, 0x01);
	pic_out(p, PIC_SLAVE_CMD, 0x11);
	pic_out(p, PIC_SLAVE_DATA, 0x28);
	pic_out(p, PIC_SLAVE_DATA, 0x02);
	pic_out(p, PIC_SLAVE_DATA, 0x01);
	pic_out(p, PIC_MASTER_DATA, 0xb8); /* IRQ 0, 1, 2, 6 unmasked */
	pic_out(p, PIC_SLAVE_DATA, 0xf3);  /* IRQ 10, 11 */
	pic_out(p, PIC_ELCR_SLAVE, 0x0c);  /* IRQ 10, 11 level-triggered */
	pic_set_irq(p, 1, true);
	pic_set_irq(p, 6, true);
	pic_set_irq(p, 10, true);
	assert_int_equal(pic_ack(p), 0x21);
	pic_out(p, PIC_MASTER_CMD, 0xc0 | 3); /* OCW2: IR3 lowest priority */
	pic_out(p, PIC_MASTER_CMD, 0x0b);     /* OCW3: read ISR */
	assert_true(m->irr && m->isr && m->imr && m->priority_add && m->read_isr && m->vector_base);
	assert_true(p->chip[1].level_trigger_elcr && p->chip[1].irr && p->chip[1].last_irr);
}

static bool pic_valid(const void *s)
{
	static const uint8_t elcr[2] = { PIC_ELCR_MASTER_BITS, PIC_ELCR_SLAVE_BITS };
	const struct pic *p = s;

	for (unsigned i = 0; i < 2; i++) {
		const struct pic_chip *c = &p->chip[i];

		if (c->icw_step > 3 || c->priority_add > 7 || (c->vector_base & 7U) ||
		    (c->level_trigger_elcr & ~elcr[i]) || c->read_isr > 1 || c->special_mask > 1 ||
		    c->auto_eoi > 1 || c->rotate_on_aeoi > 1 || c->init4 > 1 || c->single > 1 ||
		    c->sfnm > 1 || c->poll > 1)
			return false;
	}
	return true;
}

static void pic_observe(void *s, struct trace *t)
{
	static const uint16_t ports[] = { PIC_MASTER_CMD, PIC_MASTER_DATA, PIC_SLAVE_CMD,
					  PIC_SLAVE_DATA, PIC_ELCR_MASTER, PIC_ELCR_SLAVE };
	struct pic *p = s;

	for (unsigned i = 0; i < ARRAY_SIZE(ports); i++)
		note(t, pic_in(p, ports[i]));
	for (unsigned i = 0; i < 4; i++) {
		note(t, (uint64_t)pic_pending_vector(p));
		note(t, (uint64_t)pic_ack(p));
		pic_out(p, PIC_MASTER_CMD, 0x20); /* non-specific EOI */
	}
	pic_set_irq(p, 11, true);
	note(t, (uint64_t)pic_pending_vector(p));
}

/* ------------------------------------------------------------------ pit --- */

static uint8_t pit_in(struct pit *p, uint16_t port, uint64_t now)
{
	uint8_t v = 0;

	assert_true(pit_io_read(p, port, &v, now));
	return v;
}

static void pit_out(struct pit *p, uint16_t port, uint8_t v, uint64_t now)
{
	assert_true(pit_io_write(p, port, v, now));
}

static void pit_fresh(void *s)
{
	pit_make(s, &sink_b);
}

static void pit_busy(void *s)
{
	struct pit *p = s;
	uint64_t now = 1000;

	pit_make(p, &sink_a);
	pit_out(p, PIT_PORT_CTRL, 0x34, now); /* channel 0, lo/hi, mode 2 */
	pit_out(p, PIT_PORT_CH0, 0xa9, now);
	pit_out(p, PIT_PORT_CH0, 0x04, now); /* 1193: 1 ms */
	pit_out(p, PIT_PORT_61, PIT_61_GATE2 | PIT_61_SPEAKER, now);
	pit_out(p, PIT_PORT_CTRL, 0xb7, now); /* channel 2, lo/hi, mode 3, BCD */
	pit_out(p, PIT_PORT_CH2, 0x00, now);
	pit_out(p, PIT_PORT_CH2, 0x10, now);
	pit_out(p, PIT_PORT_CTRL, 0x50, now); /* channel 1, LSB, mode 0 */
	pit_out(p, PIT_PORT_CH1, 0x80, now);
	assert_int_not_equal(pit_update(p, 2500000), UINT64_MAX);
	pit_out(p, PIT_PORT_CTRL, 0xc2, 2600000); /* read-back: latch channel 0 count and status */
	(void)pit_in(p, PIT_PORT_CH0, 2700000);	 /* the status */
	pit_out(p, PIT_PORT_CTRL, 0x40, 2800000); /* latch channel 1 */
	assert_true(p->ch[0].reload && p->ch[0].start_ns && p->ch[0].count_latched);
	assert_true(p->ch[2].mode == 3 && p->ch[2].bcd && p->ch[1].count_latched && p->port61);
}

static bool pit_valid(const void *s)
{
	const struct pit *p = s;

	for (unsigned i = 0; i < 3; i++)
		if (p->ch[i].mode > 5 || p->ch[i].access < PIT_ACCESS_LSB ||
		    p->ch[i].access > PIT_ACCESS_LOHI)
			return false;
	return p->port61 <= PIT_61_WRITABLE && p->ch[0].gate && p->ch[1].gate &&
	       p->ch[2].gate == (bool)(p->port61 & PIT_61_GATE2);
}

static void pit_observe(void *s, struct trace *t)
{
	struct pit *p = s;
	uint64_t now = 5000000;

	note(t, pit_update(p, now));
	note(t, pit_in(p, PIT_PORT_61, now));
	for (uint16_t port = PIT_PORT_CH0; port < PIT_PORT_CTRL; port++) {
		note(t, pit_in(p, port, now));
		note(t, pit_in(p, port, now));
	}
	pit_out(p, PIT_PORT_CTRL, 0xee, now); /* read-back: status of all three */
	for (uint16_t port = PIT_PORT_CH0; port < PIT_PORT_CTRL; port++)
		note(t, pit_in(p, port, now));
	pit_out(p, PIT_PORT_61, 0, now + 1000);
	note(t, pit_update(p, 3 * SEC));
}

static void pit_poke(void *s)
{
	pit_update(s, 10 * SEC);
}

/* ------------------------------------------------------------------ rtc --- */

static uint8_t rtc_reg(struct rtc *r, uint8_t index, uint64_t now)
{
	uint8_t v = 0;

	assert_true(rtc_io_write(r, RTC_PORT_INDEX, index, now));
	assert_true(rtc_io_read(r, RTC_PORT_DATA, &v, now));
	return v;
}

static void rtc_set(struct rtc *r, uint8_t index, uint8_t v, uint64_t now)
{
	assert_true(rtc_io_write(r, RTC_PORT_INDEX, index, now));
	assert_true(rtc_io_write(r, RTC_PORT_DATA, v, now));
}

static void rtc_fresh(void *s)
{
	rtc_make(s, &sink_b);
}

static void rtc_busy(void *s)
{
	struct rtc *r = s;

	rtc_make(r, &sink_a);
	rtc_set(r, RTC_REG_A, RTC_A_DV_32K | 0x0a, 100000000); /* 64 Hz periodic */
	rtc_set(r, RTC_REG_B, RTC_B_PIE | RTC_B_UIE | RTC_B_24H, 100000000);
	rtc_set(r, 0x40, 0x77, 200000000);
	(void)rtc_update(r, 1600000000);
	assert_true(rtc_io_write(r, RTC_PORT_INDEX, RTC_PORT70_NMI_DISABLE | 0x41, 1700000000));
	assert_true(r->flags && r->irq_level && r->cmos[0x40] && r->index && r->nmi_disabled);
	assert_true(r->base_time && r->next_periodic_ns && r->next_update_ns);
}

static bool rtc_valid(const void *s)
{
	const struct rtc *r = s;

	return r->index < RTC_CMOS_SIZE && !(r->flags & ~(RTC_C_PF | RTC_C_AF | RTC_C_UF)) &&
	       !(r->cmos[RTC_REG_A] & RTC_A_UIP) && r->base_ns > -(int64_t)SEC;
}

static void rtc_observe(void *s, struct trace *t)
{
	struct rtc *r = s;
	uint64_t now = 2 * SEC + 300000000;

	note(t, rtc_update(r, now));
	for (uint8_t i = 0; i < RTC_CMOS_SIZE; i++)
		note(t, rtc_reg(r, i, now));
	note(t, rtc_update(r, now + SEC));
	note(t, rtc_reg(r, RTC_REG_C, now + SEC));
}

static void rtc_poke(void *s)
{
	(void)rtc_reg(s, RTC_REG_C, 1800000000); /* clears the flags: IRQ 8 goes low */
}

/* --------------------------------------------------------------- sysctl --- */

static uint8_t sysctl_in(struct sysctl *s, uint16_t port)
{
	uint8_t v = 0;

	assert_true(sysctl_io_read(s, port, &v));
	return v;
}

static void sysctl_out(struct sysctl *s, uint16_t port, uint8_t v)
{
	assert_true(sysctl_io_write(s, port, v));
}

static void sysctl_fresh(void *s)
{
	sysctl_make(s, &sink_b);
}

static void sysctl_busy(void *state)
{
	struct sysctl *s = state;

	sysctl_make(s, &sink_a);
	sysctl_out(s, SYSCTL_PORT_KBC_CMD, SYSCTL_KBC_SELF_TEST);
	sysctl_out(s, SYSCTL_PORT_KBC_CMD, SYSCTL_KBC_AUX_DISABLE);
	sysctl_out(s, SYSCTL_PORT_92, 0);
	sysctl_out(s, SYSCTL_PORT_CF9, SYSCTL_CF9_SYS_RST);
	sysctl_out(s, SYSCTL_PORT_KBC_CMD, SYSCTL_KBC_WRITE_OUTPUT);
	assert_true(s->kbc_pending && s->kbc_obf && s->kbc_out && s->cf9 && s->kbc_last_cmd);
}

static bool sysctl_valid(const void *state)
{
	const struct sysctl *s = state;

	return !(s->cf9 & ~SYSCTL_CF9_KEPT) && (s->kbc_output_port & SYSCTL_KBC_OUT_RESET) &&
	       (!s->kbc_pending || s->kbc_pending == SYSCTL_KBC_WRITE_CMD_BYTE ||
		s->kbc_pending == SYSCTL_KBC_WRITE_OUTPUT);
}

static void sysctl_observe(void *state, struct trace *t)
{
	static const uint16_t ports[] = { SYSCTL_PORT_KBC_CMD, SYSCTL_PORT_92, SYSCTL_PORT_CF9,
					  SYSCTL_PORT_KBC_DATA, SYSCTL_PORT_KBC_CMD };
	struct sysctl *s = state;

	for (unsigned i = 0; i < ARRAY_SIZE(ports); i++)
		note(t, sysctl_in(s, ports[i]));
	note(t, sysctl_a20(s));
	sysctl_out(s, SYSCTL_PORT_KBC_DATA, SYSCTL_KBC_OUT_RESET); /* A20 off, if it was pending */
	sysctl_out(s, SYSCTL_PORT_KBC_CMD, SYSCTL_KBC_READ_OUTPUT);
	note(t, sysctl_in(s, SYSCTL_PORT_KBC_DATA));
	note(t, sysctl_a20(s));
}

static void sysctl_poke(void *s)
{
	sysctl_out(s, SYSCTL_PORT_KBC_CMD, 0xfe); /* pulse RESET# */
}

/* ------------------------------------------------------------------ pci --- */

static uint32_t pci_cfg(struct pci_bus *pci, unsigned dev, unsigned reg)
{
	uint32_t v = 0;

	assert_true(pci_io_write(pci, PCI_PORT_ADDRESS, 4, PCI_ADDR_ENABLE | dev << 11 | reg));
	assert_true(pci_io_read(pci, PCI_PORT_DATA, 4, &v));
	return v;
}

static void pci_cfg_write(struct pci_bus *pci, unsigned dev, unsigned reg, uint32_t v)
{
	assert_true(pci_io_write(pci, PCI_PORT_ADDRESS, 4, PCI_ADDR_ENABLE | dev << 11 | reg));
	assert_true(pci_io_write(pci, PCI_PORT_DATA, 4, v));
}

static void pci_fresh(void *s)
{
	pci_init(s);
}

static void pci_busy(void *s)
{
	struct pci_bus *pci = s;

	pci_init(pci);
	pci_cfg_write(pci, 0, PCI_CFG_CACHE_LINE, 0x00004010U); /* latency 0x40, line 0x10 */
	pci_cfg_write(pci, 1, 0x60, 0x0b0a0b0aU);		  /* PIIX3 PIRQ routing */
	pci_cfg_write(pci, 1, PCI_CFG_VENDOR_ID, 0);		  /* read-only: ignored */
	assert_true(pci_io_write(pci, PCI_PORT_ADDRESS, 4, PCI_ADDR_ENABLE | 1 << 11 | 0x3c));
	assert_true(pci->address && pci->fns[0].config[PCI_CFG_LATENCY] == 0x40);
}

static bool pci_valid(const void *s)
{
	const struct pci_bus *pci = s;

	return pci->count == 2 && !(pci->address & ~PCI_ADDR_MASK) &&
	       pci->fns[0].config[PCI_CFG_VENDOR_ID] == (PCI_VENDOR_INTEL & 0xff) &&
	       pci->fns[1].config[PCI_CFG_DEVICE_ID + 1] == PCI_DEVICE_PIIX3_ISA >> 8;
}

static void pci_observe(void *s, struct trace *t)
{
	struct pci_bus *pci = s;
	uint32_t v = 0;

	assert_true(pci_io_read(pci, PCI_PORT_ADDRESS, 4, &v));
	note(t, v);
	assert_true(pci_io_read(pci, PCI_PORT_DATA + 1, 1, &v));
	note(t, v);
	for (unsigned dev = 0; dev < 3; dev++)
		for (unsigned reg = 0; reg < 256; reg += 4)
			note(t, pci_cfg(pci, dev, reg));
}

/* -------------------------------------------------------------- acpi-pm --- */

static uint32_t pm_in(struct acpi_pm *pm, unsigned off, unsigned size, uint64_t now)
{
	uint32_t v = 0;

	assert_true(acpi_pm_io_read(pm, (uint16_t)(PM_BASE + off), size, &v, now));
	return v;
}

static void pm_out(struct acpi_pm *pm, unsigned off, unsigned size, uint32_t v, uint64_t now)
{
	assert_true(acpi_pm_io_write(pm, (uint16_t)(PM_BASE + off), size, v, now));
}

static void pm_fresh(void *s)
{
	pm_make(s, &sink_b);
}

static void pm_busy(void *s)
{
	struct acpi_pm *pm = s;

	pm_make(pm, &sink_a);
	pm_out(pm, ACPI_PM_EN, 2, ACPI_PM1_PWRBTN, SEC);
	acpi_pm_power_button(pm);
	pm_out(pm, ACPI_PM_CNT, 2, ACPI_PM1_BM_RLD | 2U << ACPI_PM1_SLP_TYP_SHIFT | ACPI_PM1_SLP_EN,
	       2 * SEC); /* S2: refused by waking at once */
	pm_out(pm, ACPI_PM_STS, 2, ACPI_PM1_TMR, 5 * SEC);
	assert_true(pm->pm1_sts & ACPI_PM1_WAK_STS && pm->pm1_en && pm->pm1_cnt && pm->tmr_sts_seen);
}

static bool pm_valid(const void *s)
{
	const struct acpi_pm *pm = s;

	return pm->base == PM_BASE && pm->s5_typ == PM_S5 && !(pm->pm1_sts & ~ACPI_PM1_STS_BITS) &&
	       !(pm->pm1_en & ~ACPI_PM1_EN_BITS) &&
	       !(pm->pm1_cnt & ~(ACPI_PM1_BM_RLD | ACPI_PM1_SLP_TYP_MASK));
}

static void pm_observe(void *s, struct trace *t)
{
	struct acpi_pm *pm = s;

	for (unsigned off = 0; off < ACPI_PM_SPAN; off += 2)
		if (off != 6)
			note(t, pm_in(pm, off, 2, 6 * SEC));
	pm_out(pm, ACPI_PM_STS, 2, ACPI_PM1_PWRBTN | ACPI_PM1_WAK_STS, 6 * SEC);
	note(t, pm_in(pm, ACPI_PM_STS, 4, 9 * SEC));
}

static void pm_poke(void *s)
{
	pm_out(s, ACPI_PM_CNT, 2, PM_S5 << ACPI_PM1_SLP_TYP_SHIFT | ACPI_PM1_SLP_EN, 7 * SEC);
}

/* ---------------------------------------------------------------- lapic --- */

static uint32_t lapic_rd(struct lapic *l, uint32_t off, uint64_t now)
{
	uint32_t v = 0;

	(void)lapic_mmio_read(l, off, &v, now);
	return v;
}

static void lapic_wr(struct lapic *l, uint32_t off, uint32_t v, uint64_t now)
{
	assert_int_equal(lapic_mmio_write(l, off, v, now), 0);
}

static void lapic_fresh(void *s)
{
	lapic_make(s, &sink_b, 0);
}

static void lapic_busy(void *s)
{
	struct lapic *l = s;
	uint64_t now = 1000;

	lapic_make(l, &sink_a, 0);
	lapic_wr(l, LAPIC_REG_SVR, LAPIC_SVR_ENABLE | 0xff, now);
	lapic_wr(l, LAPIC_REG_TPR, 0x20, now);
	lapic_wr(l, LAPIC_REG_LDR, 0x01000000, now);
	lapic_wr(l, LAPIC_REG_LVT_LINT0, LAPIC_DM_EXTINT << LAPIC_DM_SHIFT, now);
	lapic_wr(l, LAPIC_REG_LVT_ERROR, 0xfe, now);
	lapic_wr(l, LAPIC_REG_TIMER_DIV, 0x3, now); /* divide by 16 */
	lapic_wr(l, LAPIC_REG_LVT_TIMER, LAPIC_TIMER_PERIODIC << LAPIC_TIMER_MODE_SHIFT | 0x40, now);
	lapic_wr(l, LAPIC_REG_TIMER_INIT, 100000, now);
	lapic_accept(l, 0x50, false);
	lapic_accept(l, 0x61, true);
	lapic_ack(l, (uint8_t)lapic_pending_vector(l));
	lapic_wr(l, LAPIC_REG_ICR_HIGH, 0x02000000, now);
	lapic_wr(l, LAPIC_REG_ICR_LOW, 0x4031, now); /* fixed, vector 0x31, to APIC 2 */
	lapic_wr(l, LAPIC_REG_ICR_LOW, 0x0003, now); /* illegal vector: an ESR error */
	lapic_wr(l, LAPIC_REG_ESR, 0, now);
	(void)lapic_timer_update(l, 2500000, 0);
	assert_true(l->timer_counting && l->timer_initial && l->irr[2] && l->isr[3] && l->tmr[3]);
	assert_true(l->esr && l->tpr && l->ldr && l->icr_low && l->icr_high && l->timer_next_ns);
}

static bool lapic_valid(const void *s)
{
	const struct lapic *l = s;

	return l->id == 0 && (!l->timer_counting || l->timer_initial) &&
	       (l->apic_base & ~LAPIC_BASE_ENABLE) == (LAPIC_MMIO_BASE | LAPIC_BASE_BSP);
}

static void lapic_observe(void *s, struct trace *t)
{
	struct lapic *l = s;
	uint64_t now = 3000000;

	note(t, lapic_timer_update(l, now, now));
	for (uint32_t off = 0; off < LAPIC_MMIO_SIZE; off += 0x10)
		note(t, lapic_rd(l, off, now));
	note(t, (uint64_t)lapic_pending_vector(l));
	note(t, lapic_ppr(l));
	note(t, lapic_apr(l));
	note(t, lapic_read_cr8(l));
	note(t, lapic_match_dest(l, true, 0x01));
	lapic_wr(l, LAPIC_REG_EOI, 0, now);
	note(t, (uint64_t)lapic_pending_vector(l));
	note(t, lapic_timer_update(l, now + SEC, now + SEC));
	note(t, lapic_rd(l, LAPIC_REG_TIMER_CUR, now + SEC));
}

static void lapic_poke(void *s)
{
	lapic_wr(s, LAPIC_REG_ICR_LOW, 0x4032, 4000000);
}

/* --------------------------------------------------------------- ioapic --- */

static uint32_t ioapic_rd(struct ioapic *io, uint32_t reg)
{
	uint32_t v = 0;

	assert_int_equal(ioapic_mmio_write(io, IOAPIC_IOREGSEL, reg), 0);
	assert_int_equal(ioapic_mmio_read(io, IOAPIC_IOWIN, &v), 0);
	return v;
}

static void ioapic_wr(struct ioapic *io, uint32_t reg, uint32_t v)
{
	assert_int_equal(ioapic_mmio_write(io, IOAPIC_IOREGSEL, reg), 0);
	assert_int_equal(ioapic_mmio_write(io, IOAPIC_IOWIN, v), 0);
}

static void ioapic_fresh(void *s)
{
	ioapic_make(s, &sink_b);
}

static void ioapic_busy(void *s)
{
	struct ioapic *io = s;

	ioapic_make(io, &sink_a);
	ioapic_wr(io, IOAPIC_REG_ID, 5U << 24);
	ioapic_wr(io, IOAPIC_REG_REDIR + 2 * 4 + 1, 1U << 24);
	ioapic_wr(io, IOAPIC_REG_REDIR + 2 * 4, 0x34);
	ioapic_wr(io, IOAPIC_REG_REDIR + 2 * 9, (uint32_t)IOAPIC_RTE_LEVEL | 0x39);
	ioapic_set_irq(io, 9, true);
	ioapic_set_irq(io, 4, true);
	ioapic_set_irq(io, 4, false);
	assert_int_equal(ioapic_mmio_write(io, IOAPIC_IOREGSEL, IOAPIC_REG_REDIR + 3), 0);
	assert_true(io->id == 5 && io->regsel && io->irr && (io->redir[9] & IOAPIC_RTE_REMOTE_IRR));
}

static bool ioapic_valid(const void *s)
{
	const struct ioapic *io = s;

	if (io->id > 0xf || io->regsel > 0xff || io->irr >> IOAPIC_PINS)
		return false;
	for (unsigned pin = 0; pin < IOAPIC_PINS; pin++)
		if ((io->redir[pin] & (IOAPIC_RTE_DELIVERY_PENDING | 0x00fffffffffe0000ULL)) ||
		    ((io->redir[pin] & IOAPIC_RTE_REMOTE_IRR) && !(io->redir[pin] & IOAPIC_RTE_LEVEL)))
			return false;
	return true;
}

static void ioapic_observe(void *s, struct trace *t)
{
	struct ioapic *io = s;
	uint32_t v = 0;

	assert_int_equal(ioapic_mmio_read(io, IOAPIC_IOREGSEL, &v), 0);
	note(t, v);
	assert_int_equal(ioapic_mmio_read(io, IOAPIC_IOWIN, &v), 0);
	note(t, v);
	for (uint32_t reg = 0; reg < IOAPIC_REG_REDIR + 2 * IOAPIC_PINS; reg++)
		note(t, ioapic_rd(io, reg));
	ioapic_eoi(io, 0x39);
	ioapic_set_irq(io, 9, false);
	ioapic_eoi(io, 0x39);
	note(t, ioapic_rd(io, IOAPIC_REG_REDIR + 2 * 9));
}

static void ioapic_poke(void *s)
{
	ioapic_set_irq(s, 4, true);
}

/* ---------------------------------------------------------------- cases --- */

struct device_case {
	const char *name;		 /* its codec's, vm_device_table's */
	void (*fresh)(void *state);	 /* as the platform creates it, wired to sink_b */
	void (*busy)(void *state);	 /* created wired to sink_a, then driven */
	bool (*valid)(const void *state); /* what a decoded state must keep */
	void (*observe)(void *state, struct trace *t);
	void (*poke)(void *state); /* makes it call its wiring; NULL: it has none */
};

static const struct device_case cases[] = {
	{ "debugcon", debugcon_fresh, debugcon_busy, debugcon_valid, debugcon_observe, NULL },
	{ "com1", uart_fresh, uart_busy, uart_valid, uart_observe, uart_poke },
	{ "pic", pic_fresh, pic_busy, pic_valid, pic_observe, NULL },
	{ "pit", pit_fresh, pit_busy, pit_valid, pit_observe, pit_poke },
	{ "rtc", rtc_fresh, rtc_busy, rtc_valid, rtc_observe, rtc_poke },
	{ "sysctl", sysctl_fresh, sysctl_busy, sysctl_valid, sysctl_observe, sysctl_poke },
	{ "pci", pci_fresh, pci_busy, pci_valid, pci_observe, NULL },
	{ "acpi-pm", pm_fresh, pm_busy, pm_valid, pm_observe, pm_poke },
	{ "lapic", lapic_fresh, lapic_busy, lapic_valid, lapic_observe, lapic_poke },
	{ "ioapic", ioapic_fresh, ioapic_busy, ioapic_valid, ioapic_observe, ioapic_poke },
};

static const struct snap_dev_codec *codec_of(const struct device_case *dc)
{
	const struct snap_dev_codec *c = snap_dev_codec_find(dc->name);

	assert_non_null(c);
	return c;
}

static void encode(const struct snap_dev_codec *c, const void *state)
{
	struct snap_out o;

	snap_out_init(&o, payload, sizeof(payload));
	assert_int_equal(c->put(&o, state), 0);
	payload_len = o.len;
}

static const char *decode(const struct snap_dev_codec *c, size_t len, uint16_t version,
			  void *state)
{
	struct snap_in in;

	snap_in_init(&in, payload, len);
	return c->get(&in, version, state);
}

/* payload[0, len) refused by target (for reason, unless NULL), which it leaves unchanged. */
static void assert_refused_by(const struct snap_dev_codec *c, void *target, size_t len,
			      uint16_t version, const char *reason)
{
	const char *why;

	memcpy(&before, target, c->state_size);
	why = decode(c, len, version, target);
	if (!why)
		fail_msg("%s: %zu bytes of version %u taken", c->name, len, version);
	if (reason)
		assert_string_equal(why, reason);
	assert_memory_equal(target, &before, c->state_size);
}

/* The same for a freshly created device. */
static void assert_refused(const struct device_case *dc, size_t len, uint16_t version,
			   const char *reason)
{
	dc->fresh(&dev_b);
	assert_refused_by(codec_of(dc), &dev_b, len, version, reason);
}

static const struct device_case *case_of(const char *name)
{
	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++)
		if (!strcmp(cases[i].name, name))
			return &cases[i];
	fail_msg("no case %s", name);
	return NULL;
}

/* The state in dev_a, encoded, is refused for reason by a fresh device. */
static void assert_state_refused(const char *name, const char *reason)
{
	const struct device_case *dc = case_of(name);

	encode(codec_of(dc), &dev_a);
	assert_refused(dc, payload_len, codec_of(dc)->version, reason);
}

/* ------------------------------------------------------- generic tests --- */

static void test_round_trip(void **state)
{
	static uint8_t first[sizeof(payload)];
	static struct trace ta, tb;

	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct device_case *dc = &cases[i];
		const struct snap_dev_codec *c = codec_of(dc);
		size_t len;

		dc->busy(&dev_a);
		encode(c, &dev_a);
		len = payload_len;
		memcpy(first, payload, len);
		dc->fresh(&dev_b);
		assert_null(decode(c, len, c->version, &dev_b));
		encode(c, &dev_b);
		assert_int_equal(payload_len, len);
		assert_memory_equal(payload, first, len);
		assert_true(dc->valid(&dev_b));

		ta.n = tb.n = 0;
		dc->observe(&dev_a, &ta);
		dc->observe(&dev_b, &tb);
		assert_int_equal(ta.n, tb.n);
		assert_memory_equal(ta.v, tb.v, ta.n * sizeof(ta.v[0]));
	}
}

static void test_wiring_stays(void **state)
{
	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct device_case *dc = &cases[i];

		if (!dc->poke)
			continue;
		dc->busy(&dev_a);
		encode(codec_of(dc), &dev_a);
		dc->fresh(&dev_b);
		assert_null(decode(codec_of(dc), payload_len, codec_of(dc)->version, &dev_b));
		sink_a.events = sink_b.events = 0;
		dc->poke(&dev_b);
		if (!sink_b.events || sink_a.events)
			fail_msg("%s restored: %u calls into its own wiring, %u into the snapshot's",
				 dc->name, sink_b.events, sink_a.events);
	}
}

static void test_lengths_and_versions(void **state)
{
	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct device_case *dc = &cases[i];
		uint16_t v = codec_of(dc)->version;
		size_t len;
		struct snap_out o;

		dc->busy(&dev_a);
		encode(codec_of(dc), &dev_a);
		len = payload_len;
		for (size_t n = 0; n < len; n++)
			assert_refused(dc, n, v, "payload truncated");
		payload[len] = 0;
		assert_refused(dc, len + 1, v, "bytes after the device's state");
		assert_refused(dc, len, (uint16_t)(v + 1), "section version not supported");
		assert_refused(dc, len, 0, "section version not supported");

		/* An encoder says when its payload did not fit. */
		snap_out_init(&o, payload, len - 1);
		assert_int_equal(codec_of(dc)->put(&o, &dev_a), -1);
	}
}

/*
 * The payload with one bit flipped: refused with the fresh device
 * unchanged, or taken into a state that keeps the case's invariants and
 * that the model then runs on. Returns whether it was taken.
 */
static bool flip_taken(const struct device_case *dc, size_t at, unsigned bit)
{
	static struct trace t;
	const struct snap_dev_codec *c = codec_of(dc);

	dc->fresh(&dev_b);
	memcpy(&before, &dev_b, c->state_size);
	if (decode(c, payload_len, c->version, &dev_b)) {
		assert_memory_equal(&dev_b, &before, c->state_size);
		return false;
	}
	if (!dc->valid(&dev_b))
		fail_msg("%s: byte %zu bit %u flipped gives an invalid state", dc->name, at, bit);
	t.n = 0;
	dc->observe(&dev_b, &t);
	return true;
}

static void test_every_flipped_bit(void **state)
{
	static uint8_t good[sizeof(payload)];

	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct device_case *dc = &cases[i];
		unsigned taken = 0, flips = 0;

		dc->busy(&dev_a);
		encode(codec_of(dc), &dev_a);
		memcpy(good, payload, payload_len);
		for (size_t at = 0; at < payload_len; at++) {
			for (unsigned bit = 0; bit < 8; bit++, flips++) {
				payload[at] = good[at] ^ (uint8_t)(1U << bit);
				taken += flip_taken(dc, at, bit);
			}
			payload[at] = good[at];
		}
		print_message("%s: %zu bytes; of %u flipped bits %u refused, %u decode to valid states\n",
			      dc->name, payload_len, flips, flips - taken, taken);
		assert_true(taken > 0); /* a damaged payload may still be a valid state */
	}
}

/* --------------------------------------------------- out-of-range values --- */

static void test_uart_refusals(void **state)
{
	struct vuart *u = &dev_a.uart;

	uart_busy(u);
	u->rx_head = VUART_FIFO_SIZE;
	assert_state_refused("com1", "receive FIFO head outside the FIFO");
	uart_busy(u);
	u->rx_count = VUART_FIFO_SIZE + 1;
	assert_state_refused("com1", "more bytes received than the receiver holds");
	uart_busy(u);
	u->fcr = 0;
	u->rx_count = 2; /* without FIFOs the receiver holds one byte */
	assert_state_refused("com1", "more bytes received than the receiver holds");
	uart_busy(u);
	u->fcr = VUART_FCR_TRIGGER;
	assert_state_refused("com1", "FIFO control bits the UART does not keep");
	uart_busy(u);
	u->ier = 0x10;
	assert_state_refused("com1", "reserved bits set in IER, MCR or the line status errors");
	uart_busy(u);
	memset(&u->thre_pending, 2, 1);
	assert_state_refused("com1", "a flag is neither 0 nor 1");

	/* COM1's state is not COM2's. */
	uart_busy(u);
	encode(snap_dev_codec_find("com1"), u);
	uart_make(&dev_b.uart, &sink_b, 0x2f8);
	assert_refused_by(snap_dev_codec_find("com2"), &dev_b, payload_len, SNAP_DEV_UART_VERSION,
			  "a UART at another base port");
}

static void test_pic_refusals(void **state)
{
	struct pic_chip *m = &dev_a.pic.chip[0];

	pic_busy(&dev_a);
	m->icw_step = 4;
	assert_state_refused("pic", "a PIC initialisation step out of sequence");
	pic_busy(&dev_a);
	m->icw_step = 2;
	m->single = 1;
	assert_state_refused("pic", "a PIC initialisation step out of sequence");
	pic_busy(&dev_a);
	m->icw_step = 3;
	m->init4 = 0;
	assert_state_refused("pic", "a PIC initialisation step out of sequence");
	pic_busy(&dev_a);
	m->priority_add = 8;
	assert_state_refused("pic", "a PIC priority rotation past IR7");
	pic_busy(&dev_a);
	dev_a.pic.chip[1].vector_base = 0x29;
	assert_state_refused("pic", "a PIC vector base that is not a multiple of 8");
	pic_busy(&dev_a);
	m->level_trigger_elcr = 0x01; /* the timer */
	assert_state_refused("pic", "the ELCR makes an always edge-triggered line level-triggered");
	pic_busy(&dev_a);
	dev_a.pic.chip[1].poll = 2;
	assert_state_refused("pic", "a flag is neither 0 nor 1");
}

static void test_pit_refusals(void **state)
{
	struct pit *p = &dev_a.pit;

	pit_busy(p);
	p->ch[1].mode = 6;
	assert_state_refused("pit", "a PIT counter mode above 5");
	pit_busy(p);
	p->ch[0].access = PIT_ACCESS_LATCH;
	assert_state_refused("pit", "a PIT counter access that is not LSB, MSB or LSB then MSB");
	pit_busy(p);
	p->port61 |= PIT_61_REFRESH;
	assert_state_refused("pit", "port 0x61 holds bits it does not keep");
	pit_busy(p);
	p->ch[1].gate = false;
	assert_state_refused("pit", "a PIT gate that is not where its pin is");
	pit_busy(p);
	p->port61 &= (uint8_t)~PIT_61_GATE2;
	assert_state_refused("pit", "a PIT gate that is not where its pin is");
}

static void test_rtc_refusals(void **state)
{
	struct rtc *r = &dev_a.rtc;

	rtc_busy(r);
	r->index = RTC_CMOS_SIZE;
	assert_state_refused("rtc", "an RTC register index outside the CMOS");
	rtc_busy(r);
	r->flags |= RTC_C_IRQF;
	assert_state_refused("rtc", "RTC flags other than PF, AF and UF");
	rtc_busy(r);
	r->cmos[RTC_REG_A] |= RTC_A_UIP;
	assert_state_refused("rtc", "RTC register A holds UIP, which is computed");
	rtc_busy(r);
	r->base_ns = -(int64_t)SEC;
	assert_state_refused("rtc", "the RTC's clock base is a second or more before guest time 0");
	rtc_busy(r);
	r->base_ns = INT64_MIN;
	assert_state_refused("rtc", "the RTC's clock base is a second or more before guest time 0");
	rtc_busy(r);
	r->base_ns = -(int64_t)SEC + 1; /* just inside */
	encode(snap_dev_codec_find("rtc"), r);
	rtc_fresh(&dev_b);
	assert_null(decode(snap_dev_codec_find("rtc"), payload_len, SNAP_DEV_RTC_VERSION, &dev_b));
}

static void test_sysctl_refusals(void **state)
{
	struct sysctl *s = &dev_a.sysctl;

	sysctl_busy(s);
	s->cf9 = SYSCTL_CF9_RST_CPU;
	assert_state_refused("sysctl", "0xcf9 holds bits it does not keep");
	sysctl_busy(s);
	s->kbc_pending = SYSCTL_KBC_READ_OUTPUT;
	assert_state_refused("sysctl", "the 8042 waits for the data byte of a command that takes none");
	sysctl_busy(s);
	s->kbc_output_port = SYSCTL_KBC_OUT_A20;
	assert_state_refused("sysctl", "the 8042's output port holds the CPU in reset");
}

/* Offsets in the PCI payload: address (4), count (1), then per function bus, dev, fn, config. */
#define PCI_AT_COUNT 4U
#define PCI_AT_FN(i) (5U + (i) * 259U)

static void test_pci_refusals(void **state)
{
	const struct device_case *dc = case_of("pci");
	struct pci_bus *pci = &dev_a.pci;
	uint16_t v = SNAP_DEV_PCI_VERSION;

	pci_busy(pci);
	pci->address |= 0x3; /* reserved bits 1:0 */
	assert_state_refused("pci", "CONFIG_ADDRESS holds reserved bits");

	pci_busy(pci);
	encode(snap_dev_codec_find("pci"), pci);
	payload[PCI_AT_COUNT] = PCI_MAX_DEVICES + 1;
	assert_refused(dc, payload_len, v, "more PCI functions than a bus holds");
	payload[PCI_AT_COUNT] = 1;
	assert_refused(dc, PCI_AT_FN(1), v, "another number of PCI functions than this VM has");
	payload[PCI_AT_COUNT] = 2;
	payload[PCI_AT_FN(1) + 1] = 2; /* 00:02.0 */
	assert_refused(dc, payload_len, v, "a PCI function this VM does not have there");
	payload[PCI_AT_FN(1) + 1] = 1;
	payload[PCI_AT_FN(1) + 3 + PCI_CFG_VENDOR_ID] ^= 0x01;
	assert_refused(dc, payload_len, v,
		       "a PCI configuration byte differs where the guest cannot write");
	payload[PCI_AT_FN(1) + 3 + PCI_CFG_VENDOR_ID] ^= 0x01;
	payload[PCI_AT_FN(0) + 3 + PCI_CFG_STATUS + 1] &= (uint8_t)~0x02; /* DEVSEL: read-only */
	assert_refused(dc, payload_len, v,
		       "a PCI configuration byte differs where the guest cannot write");

	/* A function the platform added is not in an older snapshot. */
	pci_busy(pci);
	encode(snap_dev_codec_find("pci"), pci);
	pci_init(&dev_b.pci);
	assert_non_null(pci_add_function(&dev_b.pci, 0, 3, 0, 0x1af4, 0x1000, 0x020000));
	assert_refused_by(snap_dev_codec_find("pci"), &dev_b, payload_len, v,
			  "another number of PCI functions than this VM has");
}

static void test_acpi_pm_refusals(void **state)
{
	struct acpi_pm *pm = &dev_a.pm;
	const char *config = "an ACPI PM block at another port or with another S5 sleep type";

	pm_busy(pm);
	pm->base = PM_BASE + 0x10;
	assert_state_refused("acpi-pm", config);
	pm_busy(pm);
	pm->s5_typ = 7;
	assert_state_refused("acpi-pm", config);
	pm_busy(pm);
	pm->pm1_cnt |= ACPI_PM1_SLP_EN;
	assert_state_refused("acpi-pm", "PM1 registers hold bits they do not keep");
	pm_busy(pm);
	pm->pm1_en |= 0x0002;
	assert_state_refused("acpi-pm", "PM1 registers hold bits they do not keep");
}

static void test_lapic_refusals(void **state)
{
	struct lapic *l = &dev_a.lapic;

	lapic_busy(l);
	l->timer_initial = 0; /* still counting */
	assert_state_refused("lapic", "a LAPIC timer counting from an initial count of 0");
	lapic_busy(l);
	l->apic_base += 0x1000;
	assert_state_refused("lapic", "IA32_APIC_BASE moves the LAPIC or changes which vCPU is the BSP");
	lapic_busy(l);
	l->apic_base &= ~LAPIC_BASE_BSP;
	assert_state_refused("lapic", "IA32_APIC_BASE moves the LAPIC or changes which vCPU is the BSP");
	lapic_busy(l);
	memset(&l->timer_counting, 2, 1);
	assert_state_refused("lapic", "a flag is neither 0 nor 1");

	/* vCPU 0's LAPIC is not vCPU 1's. */
	lapic_busy(l);
	encode(snap_dev_codec_find("lapic"), l);
	lapic_make(&dev_b.lapic, &sink_b, 1);
	assert_refused_by(snap_dev_codec_find("lapic"), &dev_b, payload_len,
			  SNAP_DEV_LAPIC_VERSION, "a LAPIC with another APIC ID");
}

static void test_ioapic_refusals(void **state)
{
	struct ioapic *io = &dev_a.ioapic;
	const char *rte = "a redirection entry with reserved bits, or Remote IRR on an edge entry";

	ioapic_busy(io);
	io->id = 0x10;
	assert_state_refused("ioapic", "an I/O APIC ID wider than 4 bits");
	ioapic_busy(io);
	io->regsel = 0x100;
	assert_state_refused("ioapic", "an IOREGSEL wider than 8 bits");
	ioapic_busy(io);
	io->irr |= 1U << IOAPIC_PINS;
	assert_state_refused("ioapic", "a level on an I/O APIC pin past the last");
	ioapic_busy(io);
	io->redir[3] |= IOAPIC_RTE_DELIVERY_PENDING;
	assert_state_refused("ioapic", rte);
	ioapic_busy(io);
	io->redir[23] |= 1ULL << 40;
	assert_state_refused("ioapic", rte);
	ioapic_busy(io);
	io->redir[4] |= IOAPIC_RTE_REMOTE_IRR; /* pin 4 is edge */
	assert_state_refused("ioapic", rte);
}

/* ---------------------------------------------------------------- table --- */

static void test_table(void **state)
{
	/* vm_device_table's names, in its order (vmm/platform/vm_devices.c). */
	static const char *const names[] = { "debugcon", "com1", "com2", "pic", "pit", "rtc",
					     "sysctl", "pci", "acpi-pm", "pvpanic", "lapic",
					     "ioapic" };
	static const struct {
		const char *name;
		size_t size;
		uint16_t version;
	} sized[] = {
		{ "debugcon", sizeof(struct debugcon), SNAP_DEV_DEBUGCON_VERSION },
		{ "com1", sizeof(struct vuart), SNAP_DEV_UART_VERSION },
		{ "com2", sizeof(struct vuart), SNAP_DEV_UART_VERSION },
		{ "pic", sizeof(struct pic), SNAP_DEV_PIC_VERSION },
		{ "pit", sizeof(struct pit), SNAP_DEV_PIT_VERSION },
		{ "rtc", sizeof(struct rtc), SNAP_DEV_RTC_VERSION },
		{ "sysctl", sizeof(struct sysctl), SNAP_DEV_SYSCTL_VERSION },
		{ "pci", sizeof(struct pci_bus), SNAP_DEV_PCI_VERSION },
		{ "acpi-pm", sizeof(struct acpi_pm), SNAP_DEV_ACPI_PM_VERSION },
		{ "lapic", sizeof(struct lapic), SNAP_DEV_LAPIC_VERSION },
		{ "ioapic", sizeof(struct ioapic), SNAP_DEV_IOAPIC_VERSION },
	};
	const struct snap_dev_codec *pvpanic = snap_dev_codec_find("pvpanic");

	assert_int_equal(snap_dev_codec_count, ARRAY_SIZE(names));
	for (unsigned i = 0; i < ARRAY_SIZE(names); i++) {
		assert_string_equal(snap_dev_codecs[i].name, names[i]);
		assert_ptr_equal(snap_dev_codec_find(names[i]), &snap_dev_codecs[i]);
	}
	for (unsigned i = 0; i < ARRAY_SIZE(sized); i++) {
		const struct snap_dev_codec *c = snap_dev_codec_find(sized[i].name);

		assert_int_equal(c->state_size, sized[i].size);
		assert_int_equal(c->version, sized[i].version);
		assert_non_null(c->put);
		assert_non_null(c->get);
	}
	assert_int_equal(pvpanic->state_size, 0);
	assert_null(pvpanic->put);
	assert_null(pvpanic->get);
	assert_ptr_equal(snap_dev_codec_find("com1")->get, snap_dev_codec_find("com2")->get);
	assert_null(snap_dev_codec_find("com3"));
	assert_null(snap_dev_codec_find(""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_wiring_stays),
		cmocka_unit_test(test_lengths_and_versions),
		cmocka_unit_test(test_every_flipped_bit),
		cmocka_unit_test(test_uart_refusals),
		cmocka_unit_test(test_pic_refusals),
		cmocka_unit_test(test_pit_refusals),
		cmocka_unit_test(test_rtc_refusals),
		cmocka_unit_test(test_sysctl_refusals),
		cmocka_unit_test(test_pci_refusals),
		cmocka_unit_test(test_acpi_pm_refusals),
		cmocka_unit_test(test_lapic_refusals),
		cmocka_unit_test(test_ioapic_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
