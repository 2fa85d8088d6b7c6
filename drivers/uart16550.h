/*
 * The host's 16550 UART: the hypervisor's serial console. Polled, no
 * interrupts: output waits for the transmit holding register, input is read
 * when the caller asks.
 */
#ifndef DRIVERS_UART16550_H
#define DRIVERS_UART16550_H

#include <stddef.h>
#include <stdint.h>

#define UART_COM1 0x3f8U

/* Programs 8N1 at `baud` with FIFOs on. */
void uart_init(uint16_t port, uint32_t baud);
void uart_write(const char *s, size_t len); /* "\n" goes out as "\r\n" */
void uart_puts(const char *s);
int uart_getc(void); /* a received byte, or -1 if none is waiting */

#endif
