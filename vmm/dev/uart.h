/*
 * Virtual 16550A UART: a guest's serial console. Eight registers at a base
 * port, a 16-byte receive FIFO, interrupt identification with the
 * PC16550D's priorities, loopback, and OUT2 gating the interrupt line as on
 * a PC. Transmission is instantaneous: THR and the transmitter are always
 * empty again by the time the guest looks, so there is no TX FIFO to hold.
 *
 * Named vuart_ because drivers/uart16550 (the host's real port) already
 * owns uart_. A pure state machine: no hardware access, no globals. Every
 * member of struct vuart but wire is plain state, what a snapshot saves;
 * base is set from configuration at init, not guest-visible, and kept with
 * it. wire (the interrupt line, the transmit callback and their contexts)
 * holds pointers into the owner, which re-creates it on restore. Callers
 * serialise access; runs in VMX root and in host unit tests.
 */
#ifndef VMM_DEV_UART_H
#define VMM_DEV_UART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/dev/irq.h"

/* Register offsets from the base port (PC16550D table II). */
#define VUART_RBR 0U	/* read, DLAB = 0 */
#define VUART_THR 0U	/* write, DLAB = 0 */
#define VUART_DLL 0U	/* DLAB = 1 */
#define VUART_IER 1U	/* DLAB = 0 */
#define VUART_DLM 1U	/* DLAB = 1 */
#define VUART_IIR 2U	/* read */
#define VUART_FCR 2U	/* write */
#define VUART_LCR 3U
#define VUART_MCR 4U
#define VUART_LSR 5U
#define VUART_MSR 6U
#define VUART_SCR 7U
#define VUART_REGS 8U

#define VUART_IER_RDI 0x01U	/* received data available (and timeout) */
#define VUART_IER_THRI 0x02U	/* THR empty */
#define VUART_IER_RLSI 0x04U	/* receiver line status */
#define VUART_IER_MSI 0x08U	/* modem status */
#define VUART_IER_MASK 0x0fU

#define VUART_IIR_NO_INT 0x01U
#define VUART_IIR_MSI 0x00U
#define VUART_IIR_THRI 0x02U
#define VUART_IIR_RDI 0x04U
#define VUART_IIR_RLSI 0x06U
#define VUART_IIR_TIMEOUT 0x0cU
#define VUART_IIR_FIFO 0xc0U	/* both set while the FIFOs are enabled */

#define VUART_FCR_ENABLE 0x01U
#define VUART_FCR_CLEAR_RX 0x02U
#define VUART_FCR_CLEAR_TX 0x04U
#define VUART_FCR_DMA 0x08U
#define VUART_FCR_TRIGGER 0xc0U	/* RX trigger level 1, 4, 8, 14 */

#define VUART_LCR_DLAB 0x80U

#define VUART_MCR_DTR 0x01U
#define VUART_MCR_RTS 0x02U
#define VUART_MCR_OUT1 0x04U
#define VUART_MCR_OUT2 0x08U	/* on a PC: enables the IRQ driver */
#define VUART_MCR_LOOP 0x10U
#define VUART_MCR_MASK 0x1fU

#define VUART_LSR_DR 0x01U
#define VUART_LSR_OE 0x02U
#define VUART_LSR_PE 0x04U
#define VUART_LSR_FE 0x08U
#define VUART_LSR_BI 0x10U
#define VUART_LSR_THRE 0x20U
#define VUART_LSR_TEMT 0x40U
#define VUART_LSR_ERRORS 0x1eU

#define VUART_MSR_DCTS 0x01U
#define VUART_MSR_DDSR 0x02U
#define VUART_MSR_TERI 0x04U
#define VUART_MSR_DDCD 0x08U
#define VUART_MSR_DELTAS 0x0fU
#define VUART_MSR_CTS 0x10U
#define VUART_MSR_DSR 0x20U
#define VUART_MSR_RI 0x40U
#define VUART_MSR_DCD 0x80U

#define VUART_FIFO_SIZE 16U

typedef void (*vuart_tx_fn)(void *ctx, uint8_t byte);

struct vuart_wiring {
	struct irq_line irq;
	vuart_tx_fn tx;		/* NULL: transmitted bytes are dropped */
	void *tx_ctx;
};

struct vuart {
	uint16_t base;
	uint8_t ier, lcr, mcr, scr;
	uint8_t fcr;		/* ENABLE, DMA and TRIGGER as last written */
	uint8_t dll, dlm;	/* divisor latch */
	uint8_t lsr_errors;	/* OE (PE, FE, BI never happen here) until LSR is read */
	uint8_t msr;		/* modem lines (7:4) and their deltas (3:0) */
	uint8_t rbr;		/* last byte read: an empty RBR reads it again */
	uint8_t rx_fifo[VUART_FIFO_SIZE];
	uint8_t rx_head, rx_count;
	bool thre_pending;	/* THRE interrupt source, until IIR read or THR write */
	bool irq_level;		/* what wire.irq was last driven to */
	struct vuart_wiring wire;
};

/* Reset state (PC16550D "UART Reset Configuration"). */
void vuart_init(struct vuart *u, uint16_t base, struct vuart_wiring wire);

/* Port accesses (byte wide); false if port is not one of the UART's 8. */
bool vuart_io_write(struct vuart *u, uint16_t port, uint8_t value);
bool vuart_io_read(struct vuart *u, uint16_t port, uint8_t *value);

/*
 * Host to guest: queues up to len bytes in the receive FIFO and returns how
 * many fit; the host keeps the rest and offers them again later, so input
 * is never lost (no overrun). Accepts nothing in loopback mode, where the
 * receiver is cut off from the line.
 */
size_t vuart_receive(struct vuart *u, const uint8_t *data, size_t len);

#endif
