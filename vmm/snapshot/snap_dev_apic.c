/*
 * Codecs of the APICs (see snap_dev.h): each vCPU's local APIC and the
 * VM's I/O APIC. Each lists its plain state fields, in wire order, and
 * checks what its model relies on. Pure.
 */
#include "vmm/snapshot/snap_dev.h"
#include "vmm/snapshot/snap_dev_layout.h"

/* --------------------------------------------------------------- lapic --- */

/* tsc_hz is the owner's (the host's TSC rate), not the guest's: the live one stays. */
static const struct snap_dev_field lapic_fields[] = {
	SNAP_FIELD(struct lapic, id),
	SNAP_FIELD(struct lapic, apic_base),
	SNAP_FIELD(struct lapic, tpr),
	SNAP_FIELD(struct lapic, ldr),
	SNAP_FIELD(struct lapic, dfr),
	SNAP_FIELD(struct lapic, svr),
	SNAP_FIELD(struct lapic, esr),
	SNAP_FIELD(struct lapic, esr_pending),
	SNAP_FIELD(struct lapic, icr_low),
	SNAP_FIELD(struct lapic, icr_high),
	SNAP_ARRAY(struct lapic, lvt),
	SNAP_ARRAY(struct lapic, irr),
	SNAP_ARRAY(struct lapic, isr),
	SNAP_ARRAY(struct lapic, tmr),
	SNAP_FIELD(struct lapic, timer_initial),
	SNAP_FIELD(struct lapic, timer_div),
	SNAP_FIELD(struct lapic, timer_counting),
	SNAP_FIELD(struct lapic, timer_ref_ns),
	SNAP_FIELD(struct lapic, timer_ref_ticks),
	SNAP_FIELD(struct lapic, timer_next_ns),
	SNAP_FIELD(struct lapic, tsc_deadline),
};

static const char *lapic_check(const void *decoded, const void *live)
{
	const struct lapic *l = decoded, *now = live;

	/* The MADT in the guest's RAM lists the IDs; the guest cannot change one. */
	if (l->id != now->id)
		return "a LAPIC with another APIC ID";
	/* As IA32_APIC_BASE writes allow: only the global enable changes. */
	if ((l->apic_base & ~(LAPIC_BASE_ENABLE | LAPIC_BASE_BSP)) != LAPIC_MMIO_BASE ||
	    (l->apic_base & LAPIC_BASE_BSP) != (now->apic_base & LAPIC_BASE_BSP))
		return "IA32_APIC_BASE moves the LAPIC or changes which vCPU is the BSP";
	/* The timer divides by its initial count while it counts. */
	if (l->timer_counting && !l->timer_initial)
		return "a LAPIC timer counting from an initial count of 0";
	return NULL;
}

SNAP_DEV_LAYOUT_CODEC(lapic, struct lapic, SNAP_DEV_LAPIC_VERSION, lapic_check)

/* -------------------------------------------------------------- ioapic --- */

#define IOAPIC_ID_MAX 0xfU	 /* ID register bits 27:24 */
#define IOAPIC_REGSEL_MAX 0xffU /* IOREGSEL is 8 bits */
/* What a redirection entry holds: no delivery status (delivery is instant), 55:17 reserved. */
#define IOAPIC_RTE_KEPT                                                                       \
	(IOAPIC_RTE_VECTOR | IOAPIC_RTE_DM_MASK | IOAPIC_RTE_LOGICAL | IOAPIC_RTE_POLARITY_LOW | \
	 IOAPIC_RTE_REMOTE_IRR | IOAPIC_RTE_LEVEL | IOAPIC_RTE_MASKED |                        \
	 0xffULL << IOAPIC_RTE_DEST_SHIFT)

static const struct snap_dev_field ioapic_fields[] = {
	SNAP_FIELD(struct ioapic, id),
	SNAP_FIELD(struct ioapic, regsel),
	SNAP_ARRAY(struct ioapic, redir),
	SNAP_FIELD(struct ioapic, irr),
};

static const char *ioapic_check(const void *decoded, const void *live)
{
	const struct ioapic *io = decoded;

	if (io->id > IOAPIC_ID_MAX)
		return "an I/O APIC ID wider than 4 bits";
	if (io->regsel > IOAPIC_REGSEL_MAX)
		return "an IOREGSEL wider than 8 bits";
	if (io->irr >> IOAPIC_PINS)
		return "a level on an I/O APIC pin past the last";
	for (unsigned pin = 0; pin < IOAPIC_PINS; pin++) {
		uint64_t e = io->redir[pin];

		/* Remote IRR is a level entry's: it is cleared when an entry becomes edge. */
		if ((e & ~IOAPIC_RTE_KEPT) ||
		    ((e & IOAPIC_RTE_REMOTE_IRR) && !(e & IOAPIC_RTE_LEVEL)))
			return "a redirection entry with reserved bits, or Remote IRR on an edge entry";
	}
	return NULL;
}

SNAP_DEV_LAYOUT_CODEC(ioapic, struct ioapic, SNAP_DEV_IOAPIC_VERSION, ioapic_check)
