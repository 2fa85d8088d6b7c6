/*
 * An interrupt line from a virtual device to whatever models the interrupt
 * controller (the virtual PIC now, an IOAPIC later). Device models hold one
 * per output pin and never know what is on the other end, so they stay pure
 * and run under the host unit tests. Usable anywhere, VMX root included.
 */
#ifndef VMM_DEV_IRQ_H
#define VMM_DEV_IRQ_H

#include <stdbool.h>

/* Level style: true = asserted. Edge-triggered receivers latch false->true. */
typedef void (*irq_line_fn)(void *ctx, unsigned line, bool level);

struct irq_line {
	irq_line_fn fn; /* NULL: the pin is not connected */
	void *ctx;
	unsigned line;
};

static inline void irq_line_set(const struct irq_line *l, bool level)
{
	if (l->fn)
		l->fn(l->ctx, l->line, level);
}

#endif
