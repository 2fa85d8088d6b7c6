/*
 * Virtual I/O APIC after the Intel 82093AA datasheet: 24 input pins, MMIO
 * at 0xFEC00000 with IOREGSEL at 0x00 and IOWIN at 0x10, version 0x11 (no
 * EOI register: Linux then clears a stuck Remote IRR by switching the entry
 * to edge and back, which this model honours).
 *
 * Pins are driven with their electrical level: a pin programmed active-low
 * (polarity bit 13) is asserted while low. Pins start low, so the board
 * wiring must drive its active-low lines (PCI INTx) high at creation, as
 * their pull-ups do, before the guest unmasks them.
 *
 * A pure state machine: no hardware access, no globals. Every member of
 * struct ioapic but wire is plain state, what a snapshot saves; wire, the
 * path of its interrupt messages to the LAPICs, holds pointers into the
 * owner, which re-creates it on restore. Callers serialise access (one
 * lock per VM); runs in VMX root and in host unit tests.
 */
#ifndef VMM_DEV_IOAPIC_H
#define VMM_DEV_IOAPIC_H

#include <stdbool.h>
#include <stdint.h>

#define IOAPIC_MMIO_BASE 0xfec00000UL
#define IOAPIC_MMIO_SIZE 0x1000U
#define IOAPIC_PINS 24U

/* MMIO offsets and indirect registers (82093AA section 3). */
#define IOAPIC_IOREGSEL 0x00U
#define IOAPIC_IOWIN 0x10U
#define IOAPIC_REG_ID 0x00U
#define IOAPIC_REG_VERSION 0x01U
#define IOAPIC_REG_ARB 0x02U
#define IOAPIC_REG_REDIR 0x10U	/* pin n: low dword 0x10 + 2n, high 0x11 + 2n */
#define IOAPIC_VERSION 0x00170011U	/* max redirection entry 23, version 0x11 */

/* Redirection entry fields (82093AA 3.2.4). */
#define IOAPIC_RTE_VECTOR 0xffULL
#define IOAPIC_RTE_DM_SHIFT 8
#define IOAPIC_RTE_DM_MASK 0x700ULL
#define IOAPIC_RTE_LOGICAL (1ULL << 11)
#define IOAPIC_RTE_DELIVERY_PENDING (1ULL << 12)	/* always reads 0: delivery is instant */
#define IOAPIC_RTE_POLARITY_LOW (1ULL << 13)
#define IOAPIC_RTE_REMOTE_IRR (1ULL << 14)
#define IOAPIC_RTE_LEVEL (1ULL << 15)
#define IOAPIC_RTE_MASKED (1ULL << 16)
#define IOAPIC_RTE_DEST_SHIFT 56

struct ioapic_delivery {
	/*
	 * An interrupt message to the LAPICs: the router resolves dest (an
	 * 8-bit APIC ID, or a logical destination when logical) and acts on
	 * delivery_mode (bits 10:8: fixed, lowest priority, SMI, NMI, INIT,
	 * ExtINT). level is the trigger mode, for the LAPIC's TMR.
	 */
	void (*deliver)(void *ctx, uint8_t vector, uint8_t delivery_mode, bool logical, uint8_t dest,
			bool level);
	void *ctx;
};

struct ioapic {
	uint32_t id;			/* bits 27:24 of the ID register */
	uint32_t regsel;		/* IOREGSEL */
	uint64_t redir[IOAPIC_PINS];	/* redirection table, Remote IRR kept in place */
	uint32_t irr;			/* electrical pin levels, bit n = pin n */
	struct ioapic_delivery wire;
};

/* Reset (82093AA): every entry masked, every pin low, ID as given. */
void ioapic_init(struct ioapic *io, uint32_t id, struct ioapic_delivery wire);

/* 32-bit accesses at offset in the MMIO page; 0 ok, -1 elsewhere (read 0, write dropped). */
int ioapic_mmio_read(struct ioapic *io, uint32_t offset, uint32_t *value);
int ioapic_mmio_write(struct ioapic *io, uint32_t offset, uint32_t value);

/*
 * Drives pin (0..23) to the electrical level. Edge entries deliver on each
 * assertion (a rising edge, or a falling one for active-low), lost while
 * masked as on the 82093AA. Level entries deliver while asserted, unmasked
 * and Remote IRR clear, and set Remote IRR.
 */
void ioapic_set_irq(struct ioapic *io, unsigned pin, bool level);

/*
 * A LAPIC EOIed a level-triggered vector: clears Remote IRR of the pins
 * with it and re-delivers those still asserted.
 */
void ioapic_eoi(struct ioapic *io, uint8_t vector);

#endif
