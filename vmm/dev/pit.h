/*
 * Virtual 8254 PIT (ports 0x40-0x43, 1.193182 MHz) and the PC's port 0x61
 * (channel 2 gate, speaker enable, channel 2 OUT, refresh toggle).
 *
 * A pure state machine: no hardware access, no globals. Every member of
 * struct pit but wire is plain state, what a snapshot saves; wire, the
 * interrupt line channel 0's OUT drives (IRQ 0), holds pointers into the
 * owner, which re-creates it on restore. Time is the guest's virtual
 * nanoseconds, passed in; counts are computed from it, never ticked.
 * Callers serialise access; runs in VMX root and in host unit tests.
 */
#ifndef VMM_DEV_PIT_H
#define VMM_DEV_PIT_H

#include <stdbool.h>
#include <stdint.h>

#include "vmm/dev/irq.h"

#define PIT_HZ 1193182ULL
#define PIT_PORT_CH0 0x40U
#define PIT_PORT_CH1 0x41U
#define PIT_PORT_CH2 0x42U
#define PIT_PORT_CTRL 0x43U
#define PIT_PORT_61 0x61U

/* Port 0x61 (system control port B) bits. */
#define PIT_61_GATE2 0x01U	/* channel 2 GATE */
#define PIT_61_SPEAKER 0x02U	/* speaker data enable */
#define PIT_61_WRITABLE 0x0fU	/* bits 2, 3: parity/IOCHK enables, kept only */
#define PIT_61_REFRESH 0x10U	/* toggles with each DRAM refresh request */
#define PIT_61_OUT2 0x20U	/* channel 2 OUT */

/* Control word RW field (8254 "Control Word Format"). */
#define PIT_ACCESS_LATCH 0U
#define PIT_ACCESS_LSB 1U
#define PIT_ACCESS_MSB 2U
#define PIT_ACCESS_LOHI 3U

struct pit_channel {
	uint64_t start_ns;	/* count loaded or triggered; moved on over gate pauses */
	uint64_t stop_ns;	/* when the gate stopped counting (modes 0, 2, 3, 4) */
	uint64_t reload_at_ns;	/* modes 2/3: period end at which next_reload takes over */
	uint16_t reload;	/* initial count in use; 0 means 65536 (10000 in BCD) */
	uint16_t next_reload;	/* written while counting, waiting for reload_at_ns or a trigger */
	uint16_t latch_value;	/* counter latch */
	uint8_t mode;		/* 0..5 (6, 7 folded onto 2, 3) */
	uint8_t access;		/* PIT_ACCESS_* */
	uint8_t write_lsb;	/* first byte of a lo/hi count */
	uint8_t status;		/* read-back status latch */
	bool bcd;
	bool gate;
	bool null_count;	/* count written but not yet in the counting element */
	bool loaded;		/* a count was written since the control word */
	bool armed;		/* counting element running (modes 1/5: triggered) */
	bool reload_pending;	/* next_reload is waiting */
	bool write_msb;		/* lo/hi write flip-flop: the MSB comes next */
	bool read_msb;		/* lo/hi read flip-flop */
	bool count_latched;
	bool status_latched;
};

struct pit {
	struct pit_channel ch[3];
	uint8_t port61;		/* writable bits of port 0x61 */
	uint64_t irq_next_ns;	/* next channel-0 rising edge, UINT64_MAX if none */
	struct irq_line wire;	/* channel 0 OUT */
};

/* Power-on: nothing programmed, no interrupts; gates 0 and 1 tied high. */
void pit_init(struct pit *p, struct irq_line irq0);

/*
 * Port accesses (byte wide) at guest time now_ns; false if port is not the
 * PIT's or 0x61. Channel-0 edges due by now_ns are raised first, so
 * reprogramming never swallows one.
 */
bool pit_io_write(struct pit *p, uint16_t port, uint8_t value, uint64_t now_ns);
bool pit_io_read(struct pit *p, uint16_t port, uint8_t *value, uint64_t now_ns);

/*
 * Raises the channel-0 edge due by now_ns, if any, as a pulse on wire (the
 * PIC and IOAPIC pins it drives are edge-triggered). Periods lost while the
 * vCPU did not run collapse into that one edge: guests count ticks and a
 * burst would only confuse them. Returns when the next edge is due,
 * UINT64_MAX if none: the caller may sleep the vCPU until then.
 * now_ns must not go backwards.
 */
uint64_t pit_update(struct pit *p, uint64_t now_ns);

#endif
