/*
 * Polled 16550 UART driver for the hypervisor's own console.
 * Register layout: National Semiconductor PC16550D datasheet.
 */
#include "drivers/uart16550.h"

#include "arch/x86/cpu.h"

#define UART_THR 0 /* transmit holding (write), DLAB=0 */
#define UART_RBR 0 /* receive buffer (read), DLAB=0 */
#define UART_DLL 0 /* divisor latch low, DLAB=1 */
#define UART_IER 1
#define UART_DLM 1 /* divisor latch high, DLAB=1 */
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5

#define LCR_8N1 0x03U
#define LCR_DLAB 0x80U
#define FCR_ENABLE_CLEAR 0x07U
#define MCR_DTR_RTS_OUT2 0x0bU
#define LSR_DATA_READY 0x01U
#define LSR_THR_EMPTY 0x20U

/* A stuck or absent UART must not hang the hypervisor: give up after this many polls. */
#define UART_TX_SPINS 100000

static uint16_t uart_port = UART_COM1;

void uart_init(uint16_t port, uint32_t baud)
{
	uint32_t divisor = baud ? 115200U / baud : 1;

	if (!divisor)
		divisor = 1;
	uart_port = port;
	outb(port + UART_IER, 0);
	outb(port + UART_LCR, LCR_DLAB);
	outb(port + UART_DLL, divisor & 0xffU);
	outb(port + UART_DLM, (divisor >> 8) & 0xffU);
	outb(port + UART_LCR, LCR_8N1);
	outb(port + UART_FCR, FCR_ENABLE_CLEAR);
	outb(port + UART_MCR, MCR_DTR_RTS_OUT2);
}

static void uart_putc(char c)
{
	int spins = UART_TX_SPINS;

	while (!(inb(uart_port + UART_LSR) & LSR_THR_EMPTY) && --spins)
		cpu_pause();
	outb(uart_port + UART_THR, (uint8_t)c);
}

void uart_write(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (s[i] == '\n')
			uart_putc('\r');
		uart_putc(s[i]);
	}
}

void uart_puts(const char *s)
{
	while (*s) {
		if (*s == '\n')
			uart_putc('\r');
		uart_putc(*s++);
	}
}

int uart_getc(void)
{
	if (!(inb(uart_port + UART_LSR) & LSR_DATA_READY))
		return -1;
	return inb(uart_port + UART_RBR);
}
