/*
 * Virtual 16550A UART (see vmm/dev/uart.h). Register behaviour follows the
 * National PC16550D datasheet: table IV (interrupt control functions) for
 * the IIR priorities and what clears each source, the FCR and loopback
 * sections for the rest. Pure; runs in VMX root and in host unit tests.
 */
#include "vmm/dev/uart.h"

#include "lib/string.h"

/* A line with a terminal on it: clear to send, data set ready, carrier. */
#define VUART_MSR_CONNECTED (VUART_MSR_CTS | VUART_MSR_DSR | VUART_MSR_DCD)
#define VUART_DIVISOR_9600 12U

static bool vuart_fifo_on(const struct vuart *u)
{
	return u->fcr & VUART_FCR_ENABLE;
}

/* Without FIFOs the receiver holds a single byte, as a 16450 does. */
static unsigned int vuart_rx_capacity(const struct vuart *u)
{
	return vuart_fifo_on(u) ? VUART_FIFO_SIZE : 1U;
}

static unsigned int vuart_rx_trigger(const struct vuart *u)
{
	static const uint8_t levels[4] = { 1, 4, 8, 14 };

	return levels[u->fcr >> 6];
}

static void vuart_rx_clear(struct vuart *u)
{
	u->rx_head = 0;
	u->rx_count = 0;
}

/* A byte off the serial line: overrun when there is no room for it. */
static void vuart_rx_push(struct vuart *u, uint8_t byte)
{
	if (u->rx_count == vuart_rx_capacity(u)) {
		u->lsr_errors |= VUART_LSR_OE;
		/* FIFO mode keeps the FIFO and loses the byte; 16450 mode overwrites RBR. */
		if (!vuart_fifo_on(u))
			u->rx_fifo[u->rx_head] = byte;
		return;
	}
	u->rx_fifo[(u->rx_head + u->rx_count) % VUART_FIFO_SIZE] = byte;
	u->rx_count++;
}

/*
 * The highest-priority pending source (table IV): line status, then
 * received data (at the trigger level) or character timeout, then THR
 * empty, then modem status. There is no character time on a virtual line:
 * a burst below the trigger level has timed out as soon as it is in.
 */
static uint8_t vuart_iir_id(const struct vuart *u)
{
	if ((u->ier & VUART_IER_RLSI) && u->lsr_errors)
		return VUART_IIR_RLSI;
	if ((u->ier & VUART_IER_RDI) && u->rx_count) {
		if (!vuart_fifo_on(u) || u->rx_count >= vuart_rx_trigger(u))
			return VUART_IIR_RDI;
		return VUART_IIR_TIMEOUT;
	}
	if ((u->ier & VUART_IER_THRI) && u->thre_pending)
		return VUART_IIR_THRI;
	if ((u->ier & VUART_IER_MSI) && (u->msr & VUART_MSR_DELTAS))
		return VUART_IIR_MSI;
	return VUART_IIR_NO_INT;
}

/*
 * On a PC the INTR pin reaches the PIC only through a buffer enabled by
 * OUT2; loopback forces the modem outputs, OUT2 included, inactive.
 */
static void vuart_update_irq(struct vuart *u)
{
	bool level = vuart_iir_id(u) != VUART_IIR_NO_INT && (u->mcr & VUART_MCR_OUT2) &&
		     !(u->mcr & VUART_MCR_LOOP);

	if (level != u->irq_level) {
		u->irq_level = level;
		irq_line_set(&u->wire.irq, level);
	}
}

/* Loopback wires RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD inside the chip. */
static uint8_t vuart_modem_lines(const struct vuart *u)
{
	uint8_t m = u->mcr;

	if (!(m & VUART_MCR_LOOP))
		return VUART_MSR_CONNECTED;
	return (m & VUART_MCR_RTS ? VUART_MSR_CTS : 0) | (m & VUART_MCR_DTR ? VUART_MSR_DSR : 0) |
	       (m & VUART_MCR_OUT1 ? VUART_MSR_RI : 0) | (m & VUART_MCR_OUT2 ? VUART_MSR_DCD : 0);
}

/* Deltas latch changes of CTS, DSR, DCD, and RI's trailing edge only. */
static void vuart_update_msr(struct vuart *u)
{
	uint8_t old = u->msr & ~VUART_MSR_DELTAS, now = vuart_modem_lines(u);
	uint8_t delta = (uint8_t)((old ^ now) >> 4) & (VUART_MSR_DCTS | VUART_MSR_DDSR | VUART_MSR_DDCD);

	if ((old & VUART_MSR_RI) && !(now & VUART_MSR_RI))
		delta |= VUART_MSR_TERI;
	u->msr = now | (u->msr & VUART_MSR_DELTAS) | delta;
}

static void vuart_write_thr(struct vuart *u, uint8_t byte)
{
	if (u->mcr & VUART_MCR_LOOP)
		vuart_rx_push(u, byte);
	else if (u->wire.tx)
		u->wire.tx(u->wire.tx_ctx, byte);
	/* Sent at once: THR is empty again, which is a new THRE interrupt. */
	u->thre_pending = true;
}

static void vuart_write_ier(struct vuart *u, uint8_t value)
{
	uint8_t old = u->ier;

	u->ier = value & VUART_IER_MASK;
	/* Enabling ETBEI while THR is empty raises THRE (drivers kick TX this way). */
	if ((u->ier & VUART_IER_THRI) && !(old & VUART_IER_THRI))
		u->thre_pending = true;
}

/* FCR0 must be set for the other bits to take; changing it empties the FIFOs. */
static void vuart_write_fcr(struct vuart *u, uint8_t value)
{
	bool was_on = vuart_fifo_on(u);

	if (!(value & VUART_FCR_ENABLE)) {
		if (was_on)
			vuart_rx_clear(u);
		u->fcr = 0;
		return;
	}
	if (!was_on || (value & VUART_FCR_CLEAR_RX))
		vuart_rx_clear(u);
	/* CLEAR_TX: the transmitter is always empty already. */
	u->fcr = value & (VUART_FCR_ENABLE | VUART_FCR_DMA | VUART_FCR_TRIGGER);
}

static uint8_t vuart_read_rbr(struct vuart *u)
{
	if (u->rx_count) {
		u->rbr = u->rx_fifo[u->rx_head];
		u->rx_head = (u->rx_head + 1) % VUART_FIFO_SIZE;
		u->rx_count--;
	}
	return u->rbr;
}

static uint8_t vuart_read_iir(struct vuart *u)
{
	uint8_t id = vuart_iir_id(u);

	/* Reading IIR clears THRE, but only when THRE is what it reports. */
	if (id == VUART_IIR_THRI)
		u->thre_pending = false;
	return id | (vuart_fifo_on(u) ? VUART_IIR_FIFO : 0);
}

static uint8_t vuart_read_lsr(struct vuart *u)
{
	uint8_t lsr = u->lsr_errors | VUART_LSR_THRE | VUART_LSR_TEMT;

	if (u->rx_count)
		lsr |= VUART_LSR_DR;
	u->lsr_errors = 0;
	return lsr;
}

void vuart_init(struct vuart *u, uint16_t base, struct vuart_wiring wire)
{
	memset(u, 0, sizeof(*u));
	u->base = base;
	u->dll = VUART_DIVISOR_9600;
	u->msr = VUART_MSR_CONNECTED;
	u->wire = wire;
}

static bool vuart_offset(const struct vuart *u, uint16_t port, unsigned int *off)
{
	if (port < u->base || (unsigned int)(port - u->base) >= VUART_REGS)
		return false;
	*off = (unsigned int)(port - u->base);
	return true;
}

bool vuart_io_write(struct vuart *u, uint16_t port, uint8_t value)
{
	bool dlab = u->lcr & VUART_LCR_DLAB;
	unsigned int off;

	if (!vuart_offset(u, port, &off))
		return false;
	switch (off) {
	case VUART_THR:
		if (dlab)
			u->dll = value;
		else
			vuart_write_thr(u, value);
		break;
	case VUART_IER:
		if (dlab)
			u->dlm = value;
		else
			vuart_write_ier(u, value);
		break;
	case VUART_FCR:
		vuart_write_fcr(u, value);
		break;
	case VUART_LCR:
		u->lcr = value;
		break;
	case VUART_MCR:
		u->mcr = value & VUART_MCR_MASK;
		vuart_update_msr(u);
		break;
	case VUART_SCR:
		u->scr = value;
		break;
	default:
		break; /* LSR and MSR are read-only (writes are "factory test") */
	}
	vuart_update_irq(u);
	return true;
}

bool vuart_io_read(struct vuart *u, uint16_t port, uint8_t *value)
{
	bool dlab = u->lcr & VUART_LCR_DLAB;
	unsigned int off;

	if (!vuart_offset(u, port, &off))
		return false;
	switch (off) {
	case VUART_RBR:
		*value = dlab ? u->dll : vuart_read_rbr(u);
		break;
	case VUART_IER:
		*value = dlab ? u->dlm : u->ier;
		break;
	case VUART_IIR:
		*value = vuart_read_iir(u);
		break;
	case VUART_LCR:
		*value = u->lcr;
		break;
	case VUART_MCR:
		*value = u->mcr;
		break;
	case VUART_LSR:
		*value = vuart_read_lsr(u);
		break;
	case VUART_MSR:
		*value = u->msr;
		u->msr &= ~VUART_MSR_DELTAS;
		break;
	default:
		*value = u->scr;
		break;
	}
	vuart_update_irq(u);
	return true;
}

size_t vuart_receive(struct vuart *u, const uint8_t *data, size_t len)
{
	size_t room, n;

	if (u->mcr & VUART_MCR_LOOP)
		return 0;
	room = vuart_rx_capacity(u) - u->rx_count;
	n = len < room ? len : room;
	for (size_t i = 0; i < n; i++)
		vuart_rx_push(u, data[i]);
	vuart_update_irq(u);
	return n;
}
