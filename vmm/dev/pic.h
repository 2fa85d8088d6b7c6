/*
 * Virtual 8259A pair as wired on a PC: master at 0x20/0x21, slave at
 * 0xA0/0xA1 with its INT on the master's IR2, and the PIIX ELCR at
 * 0x4D0/0x4D1 choosing edge or level per line (the LTIM bit of ICW1 is
 * ignored, as PC chipsets do).
 *
 * A pure state machine: no hardware access, no globals. struct pic is all
 * plain state, what a snapshot saves: it has no wiring, the owner polls
 * pic_pending_vector(). Callers serialise access (one lock per VM); runs
 * in VMX root and in host unit tests.
 */
#ifndef VMM_DEV_PIC_H
#define VMM_DEV_PIC_H

#include <stdbool.h>
#include <stdint.h>

#define PIC_MASTER_CMD 0x20U
#define PIC_MASTER_DATA 0x21U
#define PIC_SLAVE_CMD 0xa0U
#define PIC_SLAVE_DATA 0xa1U
#define PIC_ELCR_MASTER 0x4d0U
#define PIC_ELCR_SLAVE 0x4d1U
#define PIC_CASCADE_IRQ 2U /* master input the slave's INT drives */

/*
 * ELCR bits a guest can set (PIIX3 datasheet): IRQ 0, 1, 2, 8 and 13 are
 * always edge-triggered (timer, keyboard, cascade, RTC, FPU error).
 */
#define PIC_ELCR_MASTER_BITS 0xf8U
#define PIC_ELCR_SLAVE_BITS 0xdeU

struct pic_chip {
	uint8_t irr;	/* requests latched (edge) or present (level) */
	uint8_t isr;	/* in service: acknowledged, no EOI yet */
	uint8_t imr;	/* OCW1 */
	uint8_t icw_step; /* 0: operational; 1..3: the next data write is ICW2..ICW4 */
	uint8_t vector_base; /* ICW2, low 3 bits clear */
	uint8_t read_isr; /* OCW3 RR/RIS: command-port reads return ISR, else IRR */
	uint8_t special_mask; /* OCW3 SMM */
	uint8_t auto_eoi; /* ICW4 AEOI */
	uint8_t rotate_on_aeoi; /* OCW2 rotate in automatic EOI mode */
	uint8_t priority_add; /* the line with the highest priority (rotation) */
	uint8_t init4;	/* ICW1 IC4: an ICW4 follows */
	uint8_t single;	/* ICW1 SNGL: no ICW3 */
	uint8_t sfnm;	/* ICW4 special fully nested mode */
	uint8_t level_trigger_elcr; /* ELCR: 1 = level-triggered line */
	uint8_t last_irr; /* input levels, for edge detection */
	uint8_t poll;	/* OCW3 P: the next read is the poll word */
};

struct pic {
	struct pic_chip chip[2]; /* [0] master (IRQ 0-7), [1] slave (IRQ 8-15) */
};

/* Power-on: unprogrammed, every line masked until the guest runs ICW1-4. */
void pic_init(struct pic *p);

/*
 * Drives input irq (0..15) to level. Edge lines latch a request on a rising
 * edge and keep it until acknowledged (devices may pulse); level lines
 * (ELCR) request exactly while high. IRQ 2 is the cascade and is ignored.
 */
void pic_set_irq(struct pic *p, unsigned irq, bool level);

/* Port accesses (byte wide); false if port is not one of the PIC's. */
bool pic_io_write(struct pic *p, uint16_t port, uint8_t value);
bool pic_io_read(struct pic *p, uint16_t port, uint8_t *value);

/*
 * The vector an INTA cycle would return now, or -1 while the master's INT
 * output is low. Respects IMR, ISR priority, rotation, special mask mode
 * and the cascade; may be a spurious slave vector (see pic_ack).
 */
int pic_pending_vector(const struct pic *p);

/*
 * The INTA cycle: returns the vector and moves the request from IRR to ISR
 * (or only rotates, in AEOI mode). With nothing to deliver it returns the
 * master's IR7 vector and sets no ISR bit; if the slave's request vanished
 * after the master saw it, the slave's IR7 vector (master IR2 in service),
 * as the real chip does.
 */
int pic_ack(struct pic *p);

#endif
