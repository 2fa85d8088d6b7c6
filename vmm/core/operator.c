/*
 * The operator's input ring. The host UART is polled (the hypervisor runs
 * with interrupts off): by the scheduler between slices and while idle, so
 * typed bytes wait at most a slice. The UART's own FIFO holds 16 bytes;
 * the ring holds what a paste brings until the console domain reads it.
 */
#include "vmm/core/operator.h"

#include <stdint.h>

#include "drivers/uart16550.h"
#include "lib/log.h"
#include "lib/spinlock.h"

#define INPUT_RING 4096 /* a power of two */

static char ring[INPUT_RING];
static uint32_t head, tail; /* free-running: head - tail bytes are waiting */
static spinlock_t lock = SPINLOCK_INIT;

void operator_poll(void)
{
	int c;

	spin_lock(&lock);
	/* A full ring leaves bytes in the UART: nothing typed is dropped here. */
	while (head - tail < INPUT_RING && (c = uart_getc()) >= 0)
		ring[head++ % INPUT_RING] = (char)c;
	spin_unlock(&lock);
}

bool operator_has_input(void)
{
	return head != tail;
}

size_t operator_read(char *buf, size_t len)
{
	size_t n = 0;

	spin_lock(&lock);
	while (n < len && tail != head)
		buf[n++] = ring[tail++ % INPUT_RING];
	spin_unlock(&lock);
	return n;
}

void operator_write(const char *s, size_t len)
{
	log_console_write(s, len);
}
