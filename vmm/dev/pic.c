/*
 * Virtual 8259A master/slave pair (see vmm/dev/pic.h). Register semantics
 * follow the Intel 8259A datasheet ("Programming the 8259A": ICW1-4,
 * OCW1-3); the ELCR follows the PIIX3 datasheet. Pure; runs in VMX root and
 * in host unit tests.
 */
#include "vmm/dev/pic.h"

#include "lib/string.h"

/* Command port: A0 = 0 writes (8259A, figures 7 and 8). */
#define PIC_ICW1 0x10U		/* D4 = 1 starts initialisation */
#define PIC_ICW1_IC4 0x01U
#define PIC_ICW1_SNGL 0x02U
#define PIC_OCW3 0x08U		/* D4 = 0, D3 = 1; D3 = 0 is OCW2 */
#define PIC_OCW3_RIS 0x01U
#define PIC_OCW3_RR 0x02U
#define PIC_OCW3_P 0x04U
#define PIC_OCW3_SMM 0x20U
#define PIC_OCW3_ESMM 0x40U
#define PIC_ICW2_VECTOR_MASK 0xf8U /* T7-T3; the 8259A supplies the low 3 bits */
#define PIC_ICW4_AEOI 0x02U
#define PIC_ICW4_SFNM 0x10U
#define PIC_POLL_INT 0x80U	/* poll word: I bit, W2-W0 below it */
#define PIC_SPURIOUS_IRQ 7U	/* "default IR7" when the request went away */

/* OCW2 R, SL, EOI bits (D7-D5) as one command number. */
enum pic_ocw2 {
	PIC_OCW2_ROTATE_AEOI_CLEAR = 0,
	PIC_OCW2_EOI = 1,
	PIC_OCW2_NOP = 2,
	PIC_OCW2_SPECIFIC_EOI = 3,
	PIC_OCW2_ROTATE_AEOI_SET = 4,
	PIC_OCW2_ROTATE_EOI = 5,
	PIC_OCW2_SET_PRIORITY = 6,
	PIC_OCW2_ROTATE_SPECIFIC_EOI = 7,
};

static const uint8_t pic_elcr_mask[2] = { PIC_ELCR_MASTER_BITS, PIC_ELCR_SLAVE_BITS };

/* Priority rank (0 = highest) of the best line in mask, 8 if none. */
static unsigned int pic_priority(const struct pic_chip *c, uint8_t mask)
{
	unsigned int rank = 0;

	if (!mask)
		return 8;
	while (!(mask & (1U << ((rank + c->priority_add) & 7U))))
		rank++;
	return rank;
}

/*
 * The line this chip would interrupt for, or -1: the best unmasked request
 * must outrank everything in service (fully nested mode). In special mask
 * mode masked in-service levels stop blocking; in special fully nested mode
 * the master lets the slave interrupt over its own in-service IR2.
 */
static int pic_chip_irq(const struct pic_chip *c, bool master)
{
	uint8_t in_service = c->isr;
	unsigned int req;

	/* No vector base yet: deliver nothing until ICW2..ICW4 are done. */
	if (c->icw_step)
		return -1;
	req = pic_priority(c, c->irr & ~c->imr);
	if (req == 8)
		return -1;
	if (c->special_mask)
		in_service &= ~c->imr;
	if (master && c->sfnm)
		in_service &= ~(1U << PIC_CASCADE_IRQ);
	if (req >= pic_priority(c, in_service))
		return -1;
	return (int)((req + c->priority_add) & 7U);
}

static void pic_chip_input(struct pic_chip *c, unsigned int line, bool level)
{
	uint8_t bit = 1U << line;

	if (c->level_trigger_elcr & bit) {
		if (level)
			c->irr |= bit;
		else
			c->irr &= ~bit;
	} else if (level && !(c->last_irr & bit)) {
		c->irr |= bit;
	}
	if (level)
		c->last_irr |= bit;
	else
		c->last_irr &= ~bit;
}

/* The slave's INT output is the master's IR2 input. */
static void pic_sync_cascade(struct pic *p)
{
	pic_chip_input(&p->chip[0], PIC_CASCADE_IRQ, pic_chip_irq(&p->chip[1], false) >= 0);
}

/* The chip's side of INTA (or of a poll read) for line irq. */
static void pic_chip_intack(struct pic_chip *c, unsigned int irq, bool master)
{
	uint8_t bit = 1U << irq;

	if (!c->auto_eoi)
		c->isr |= bit;
	else if (c->rotate_on_aeoi)
		c->priority_add = (irq + 1) & 7U;
	/* A level request stays in IRR for as long as the line is high. */
	if (!(c->level_trigger_elcr & bit))
		c->irr &= ~bit;
	/*
	 * Once the master has taken the slave's request, a slave still asking
	 * (another line, AEOI) is a new request: re-arm IR2's edge detector or
	 * it would be lost.
	 */
	if (master && irq == PIC_CASCADE_IRQ)
		c->last_irr &= ~bit;
}

void pic_init(struct pic *p)
{
	memset(p, 0, sizeof(*p));
	p->chip[0].imr = 0xffU;
	p->chip[1].imr = 0xffU;
}

void pic_set_irq(struct pic *p, unsigned irq, bool level)
{
	if (irq >= 16 || irq == PIC_CASCADE_IRQ)
		return;
	pic_chip_input(&p->chip[irq >> 3], irq & 7U, level);
	pic_sync_cascade(p);
}

/*
 * ICW1 (8259A "Initialization Command Words"): edge sense reset (an edge
 * line high now must fall and rise again), IMR cleared, IR7 lowest
 * priority, special mask off, status read set to IRR, ICW4 functions zero.
 */
static void pic_chip_icw1(struct pic_chip *c, uint8_t value)
{
	c->irr &= c->level_trigger_elcr;
	c->isr = 0;
	c->imr = 0;
	c->priority_add = 0;
	c->read_isr = 0;
	c->special_mask = 0;
	c->poll = 0;
	c->auto_eoi = 0;
	c->rotate_on_aeoi = 0;
	c->sfnm = 0;
	c->init4 = value & PIC_ICW1_IC4 ? 1 : 0;
	c->single = value & PIC_ICW1_SNGL ? 1 : 0;
	c->icw_step = 1;
}

static void pic_chip_ocw2(struct pic_chip *c, uint8_t value)
{
	unsigned int cmd = value >> 5, irq = value & 7U, rank;

	switch (cmd) {
	case PIC_OCW2_ROTATE_AEOI_CLEAR:
	case PIC_OCW2_ROTATE_AEOI_SET:
		c->rotate_on_aeoi = cmd == PIC_OCW2_ROTATE_AEOI_SET;
		break;
	case PIC_OCW2_EOI:
	case PIC_OCW2_ROTATE_EOI:
		/* Non-specific: the highest-priority level in service ends. */
		rank = pic_priority(c, c->isr);
		if (rank == 8)
			break;
		irq = (rank + c->priority_add) & 7U;
		c->isr &= ~(1U << irq);
		if (cmd == PIC_OCW2_ROTATE_EOI)
			c->priority_add = (irq + 1) & 7U;
		break;
	case PIC_OCW2_SPECIFIC_EOI:
		c->isr &= ~(1U << irq);
		break;
	case PIC_OCW2_ROTATE_SPECIFIC_EOI:
		c->isr &= ~(1U << irq);
		c->priority_add = (irq + 1) & 7U;
		break;
	case PIC_OCW2_SET_PRIORITY:
		/* L2-L0 becomes the lowest priority. */
		c->priority_add = (irq + 1) & 7U;
		break;
	default:
		break;
	}
}

static void pic_chip_ocw3(struct pic_chip *c, uint8_t value)
{
	if (value & PIC_OCW3_P)
		c->poll = 1;
	if (value & PIC_OCW3_RR)
		c->read_isr = value & PIC_OCW3_RIS ? 1 : 0;
	if (value & PIC_OCW3_ESMM)
		c->special_mask = value & PIC_OCW3_SMM ? 1 : 0;
}

static void pic_chip_data(struct pic_chip *c, uint8_t value)
{
	switch (c->icw_step) {
	case 0:
		c->imr = value; /* OCW1 */
		break;
	case 1:
		c->vector_base = value & PIC_ICW2_VECTOR_MASK;
		c->icw_step = c->single ? (c->init4 ? 3 : 0) : 2;
		break;
	case 2:
		/* ICW3: the PC wires the slave to IR2 whatever the guest says. */
		c->icw_step = c->init4 ? 3 : 0;
		break;
	default:
		/* ICW4: uPM, BUF and M/S change nothing a guest can observe here. */
		c->auto_eoi = value & PIC_ICW4_AEOI ? 1 : 0;
		c->sfnm = value & PIC_ICW4_SFNM ? 1 : 0;
		c->icw_step = 0;
		break;
	}
}

/* Index of the chip behind port, or -1; *elcr says the port is the ELCR. */
static int pic_port_chip(uint16_t port, bool *elcr)
{
	*elcr = false;
	switch (port) {
	case PIC_MASTER_CMD:
	case PIC_MASTER_DATA:
		return 0;
	case PIC_SLAVE_CMD:
	case PIC_SLAVE_DATA:
		return 1;
	case PIC_ELCR_MASTER:
	case PIC_ELCR_SLAVE:
		*elcr = true;
		return port - PIC_ELCR_MASTER;
	default:
		return -1;
	}
}

bool pic_io_write(struct pic *p, uint16_t port, uint8_t value)
{
	bool elcr;
	int idx = pic_port_chip(port, &elcr);
	struct pic_chip *c;

	if (idx < 0)
		return false;
	c = &p->chip[idx];
	if (elcr) {
		c->level_trigger_elcr = value & pic_elcr_mask[idx];
		/* A line now level-triggered requests exactly while it is high. */
		c->irr = (c->irr & ~c->level_trigger_elcr) | (c->last_irr & c->level_trigger_elcr);
	} else if (port & 1U) {
		pic_chip_data(c, value);
	} else if (value & PIC_ICW1) {
		pic_chip_icw1(c, value);
	} else if (value & PIC_OCW3) {
		pic_chip_ocw3(c, value);
	} else {
		pic_chip_ocw2(c, value);
	}
	pic_sync_cascade(p);
	return true;
}

bool pic_io_read(struct pic *p, uint16_t port, uint8_t *value)
{
	bool elcr;
	int idx = pic_port_chip(port, &elcr), irq;
	struct pic_chip *c;

	if (idx < 0)
		return false;
	c = &p->chip[idx];
	if (elcr) {
		*value = c->level_trigger_elcr;
	} else if (c->poll) {
		/* Poll command: this read is the INTA, on either port. */
		c->poll = 0;
		irq = pic_chip_irq(c, idx == 0);
		if (irq >= 0) {
			pic_chip_intack(c, (unsigned int)irq, idx == 0);
			*value = PIC_POLL_INT | (uint8_t)irq;
		} else {
			*value = 0;
		}
	} else if (port & 1U) {
		*value = c->imr;
	} else {
		*value = c->read_isr ? c->isr : c->irr;
	}
	pic_sync_cascade(p);
	return true;
}

int pic_pending_vector(const struct pic *p)
{
	int irq = pic_chip_irq(&p->chip[0], true), irq2;

	if (irq < 0)
		return -1;
	if ((unsigned int)irq != PIC_CASCADE_IRQ)
		return p->chip[0].vector_base + irq;
	irq2 = pic_chip_irq(&p->chip[1], false);
	return p->chip[1].vector_base + (irq2 >= 0 ? irq2 : (int)PIC_SPURIOUS_IRQ);
}

int pic_ack(struct pic *p)
{
	struct pic_chip *m = &p->chip[0], *s = &p->chip[1];
	int irq = pic_chip_irq(m, true), irq2, vector;

	if (irq < 0)
		return m->vector_base + PIC_SPURIOUS_IRQ;
	if ((unsigned int)irq == PIC_CASCADE_IRQ) {
		/* The master set IR2 in service; the slave supplies the vector. */
		irq2 = pic_chip_irq(s, false);
		if (irq2 >= 0)
			pic_chip_intack(s, (unsigned int)irq2, false);
		else
			irq2 = PIC_SPURIOUS_IRQ;
		vector = s->vector_base + irq2;
	} else {
		vector = m->vector_base + irq;
	}
	pic_chip_intack(m, (unsigned int)irq, true);
	pic_sync_cascade(p);
	return vector;
}
