/*
 * Virtual I/O APIC (see vmm/dev/ioapic.h). Registers and the redirection
 * entry format follow the Intel 82093AA datasheet, section 3; the
 * interrupt messages it sends are those of SDM Vol. 3A 11.6 and 11.8.4.
 * Pure; runs in VMX root and in host unit tests.
 */
#include "vmm/dev/ioapic.h"

#include "lib/string.h"

#define IOAPIC_ID_SHIFT 24
#define IOAPIC_ID_MASK 0x0fU
#define IOAPIC_REGSEL_MASK 0xffU
/* Software sets vector, delivery and destination mode, polarity, trigger, mask. */
#define IOAPIC_RTE_LOW_WRITABLE 0x0001afffULL
#define IOAPIC_RTE_HIGH_WRITABLE 0xff000000ULL	/* destination; 55:32 reserved */

static bool ioapic_asserted(const struct ioapic *io, unsigned int pin)
{
	bool high = io->irr & (1U << pin);

	return high != !!(io->redir[pin] & IOAPIC_RTE_POLARITY_LOW);
}

static void ioapic_deliver(struct ioapic *io, unsigned int pin)
{
	uint64_t e = io->redir[pin];
	bool level = e & IOAPIC_RTE_LEVEL;

	/* A level message stays outstanding until the LAPIC's EOI comes back. */
	if (level)
		io->redir[pin] |= IOAPIC_RTE_REMOTE_IRR;
	if (io->wire.deliver)
		io->wire.deliver(io->wire.ctx, e & IOAPIC_RTE_VECTOR,
				 (e & IOAPIC_RTE_DM_MASK) >> IOAPIC_RTE_DM_SHIFT,
				 e & IOAPIC_RTE_LOGICAL, e >> IOAPIC_RTE_DEST_SHIFT, level);
}

/* A level entry sends while its pin is asserted, unmasked and not outstanding. */
static void ioapic_service_level(struct ioapic *io, unsigned int pin)
{
	uint64_t e = io->redir[pin];

	if ((e & IOAPIC_RTE_LEVEL) && !(e & (IOAPIC_RTE_MASKED | IOAPIC_RTE_REMOTE_IRR)) &&
	    ioapic_asserted(io, pin))
		ioapic_deliver(io, pin);
}

void ioapic_set_irq(struct ioapic *io, unsigned pin, bool level)
{
	bool was;

	if (pin >= IOAPIC_PINS)
		return;
	was = ioapic_asserted(io, pin);
	if (level)
		io->irr |= 1U << pin;
	else
		io->irr &= ~(1U << pin);
	if (io->redir[pin] & IOAPIC_RTE_LEVEL) {
		ioapic_service_level(io, pin);
		return;
	}
	/* Edge: an assertion seen while masked is not held (82093AA 3.2.4, bit 16). */
	if (!was && ioapic_asserted(io, pin) && !(io->redir[pin] & IOAPIC_RTE_MASKED))
		ioapic_deliver(io, pin);
}

void ioapic_eoi(struct ioapic *io, uint8_t vector)
{
	unsigned int pin;

	for (pin = 0; pin < IOAPIC_PINS; pin++) {
		if ((io->redir[pin] & IOAPIC_RTE_VECTOR) != vector ||
		    !(io->redir[pin] & IOAPIC_RTE_REMOTE_IRR))
			continue;
		io->redir[pin] &= ~IOAPIC_RTE_REMOTE_IRR;
		ioapic_service_level(io, pin);
	}
}

static void ioapic_write_redir(struct ioapic *io, unsigned int pin, bool high, uint32_t value)
{
	uint64_t e = io->redir[pin];

	if (high)
		e = (e & ~(IOAPIC_RTE_HIGH_WRITABLE << 32)) |
		    ((uint64_t)value & IOAPIC_RTE_HIGH_WRITABLE) << 32;
	else
		e = (e & ~IOAPIC_RTE_LOW_WRITABLE) | (value & IOAPIC_RTE_LOW_WRITABLE);
	/*
	 * Remote IRR means nothing for edge entries; clearing it when the entry
	 * becomes edge is how Linux's ioapic_ack_level() undoes a stuck one on
	 * IOAPICs without an EOI register (KVM does the same).
	 */
	if (!(e & IOAPIC_RTE_LEVEL))
		e &= ~IOAPIC_RTE_REMOTE_IRR;
	io->redir[pin] = e;
	/* Unmasking (or making level) an asserted pin sends at once. */
	ioapic_service_level(io, pin);
}

static uint32_t ioapic_read_reg(const struct ioapic *io, uint32_t reg)
{
	uint32_t pin = (reg - IOAPIC_REG_REDIR) / 2U;

	switch (reg) {
	case IOAPIC_REG_ID:
	case IOAPIC_REG_ARB: /* the arbitration ID is loaded from the ID */
		return (io->id & IOAPIC_ID_MASK) << IOAPIC_ID_SHIFT;
	case IOAPIC_REG_VERSION:
		return IOAPIC_VERSION;
	}
	if (reg < IOAPIC_REG_REDIR || pin >= IOAPIC_PINS)
		return 0;
	if (reg & 1U)
		return io->redir[pin] >> 32;
	return (uint32_t)io->redir[pin];
}

static void ioapic_write_reg(struct ioapic *io, uint32_t reg, uint32_t value)
{
	uint32_t pin = (reg - IOAPIC_REG_REDIR) / 2U;

	if (reg == IOAPIC_REG_ID) {
		io->id = value >> IOAPIC_ID_SHIFT & IOAPIC_ID_MASK;
		return;
	}
	/* Version and arbitration are read-only; unimplemented registers ignore writes. */
	if (reg < IOAPIC_REG_REDIR || pin >= IOAPIC_PINS)
		return;
	ioapic_write_redir(io, pin, reg & 1U, value);
}

int ioapic_mmio_read(struct ioapic *io, uint32_t offset, uint32_t *value)
{
	switch (offset) {
	case IOAPIC_IOREGSEL:
		*value = io->regsel;
		return 0;
	case IOAPIC_IOWIN:
		*value = ioapic_read_reg(io, io->regsel);
		return 0;
	}
	*value = 0;
	return -1;
}

int ioapic_mmio_write(struct ioapic *io, uint32_t offset, uint32_t value)
{
	switch (offset) {
	case IOAPIC_IOREGSEL:
		io->regsel = value & IOAPIC_REGSEL_MASK;
		return 0;
	case IOAPIC_IOWIN:
		ioapic_write_reg(io, io->regsel, value);
		return 0;
	}
	return -1;
}

void ioapic_init(struct ioapic *io, uint32_t id, struct ioapic_delivery wire)
{
	unsigned int pin;

	memset(io, 0, sizeof(*io));
	io->id = id & IOAPIC_ID_MASK;
	io->wire = wire;
	for (pin = 0; pin < IOAPIC_PINS; pin++)
		io->redir[pin] = IOAPIC_RTE_MASKED;
}
