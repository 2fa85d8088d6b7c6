/*
 * Host unit test for vmm/dev/uart.c: Linux's 8250 probe sequence, the
 * transmit callback, the receive FIFO and overrun, the PC16550D's IIR
 * priorities and what clears each source, the IRQ line under IER and OUT2,
 * and loopback.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "vmm/dev/uart.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define BASE 0x3f8U

struct sink {
	uint8_t bytes[64];
	size_t n;
	bool level;
	unsigned int changes;
};

static void sink_tx(void *ctx, uint8_t byte)
{
	struct sink *s = ctx;

	assert_true(s->n < sizeof(s->bytes));
	s->bytes[s->n++] = byte;
}

static void sink_irq(void *ctx, unsigned line, bool level)
{
	struct sink *s = ctx;

	assert_int_equal(line, 4);
	s->level = level;
	s->changes++;
}

static void setup(struct vuart *u, struct sink *s)
{
	*s = (struct sink){ .n = 0 };
	vuart_init(u, BASE, (struct vuart_wiring){ { sink_irq, s, 4 }, sink_tx, s });
}

static void out(struct vuart *u, unsigned int reg, uint8_t v)
{
	assert_true(vuart_io_write(u, (uint16_t)(BASE + reg), v));
}

static uint8_t in(struct vuart *u, unsigned int reg)
{
	uint8_t v = 0xa5;

	assert_true(vuart_io_read(u, (uint16_t)(BASE + reg), &v));
	return v;
}

/* The checks of Linux's autoconfig() and autoconfig_16550a(), in order. */
static void test_linux_probe(void **state)
{
	struct vuart u;
	struct sink s;
	uint8_t save;

	setup(&u, &s);
	/* Power-on values. */
	assert_int_equal(in(&u, VUART_IIR), 0x01);
	assert_int_equal(in(&u, VUART_LSR), 0x60);
	assert_int_equal(in(&u, VUART_MCR), 0x00);
	assert_int_equal(in(&u, VUART_LCR), 0x00);

	/* IER: the low nibble holds what is written, the high nibble reads 0. */
	save = in(&u, VUART_IER);
	out(&u, VUART_IER, 0);
	assert_int_equal(in(&u, VUART_IER) & 0x0f, 0);
	out(&u, VUART_IER, 0x0f);
	assert_int_equal(in(&u, VUART_IER) & 0x0f, 0x0f);
	out(&u, VUART_IER, save);

	/* Loopback with RTS and OUT2: MSR reads CTS and DCD. */
	save = in(&u, VUART_MCR);
	out(&u, VUART_MCR, VUART_MCR_LOOP | 0x0a);
	assert_int_equal(in(&u, VUART_MSR) & 0xf0, 0x90);
	out(&u, VUART_MCR, save);

	/* EFR probes land on FCR; FIFO enable then shows in IIR 7:6. */
	out(&u, VUART_LCR, 0xbf);
	out(&u, 2, 0);
	out(&u, VUART_LCR, 0);
	out(&u, VUART_FCR, VUART_FCR_ENABLE);
	assert_int_equal(in(&u, VUART_IIR) >> 6, 3);

	/* Not an ST16C650V1: with DLAB set, offset 2 still reads IIR, not 0. */
	out(&u, VUART_LCR, VUART_LCR_DLAB);
	assert_int_not_equal(in(&u, 2), 0);
	/* No 64-byte FIFO (16750): FCR bit 5 does not show in IIR. */
	out(&u, VUART_FCR, VUART_FCR_ENABLE | 0x20);
	out(&u, VUART_LCR, 0);
	assert_int_equal(in(&u, VUART_IIR) & 0x20, 0);
	/* No XScale UUE bit in IER. */
	out(&u, VUART_IER, 0x40);
	assert_int_equal(in(&u, VUART_IER), 0);

	/* Scratch register. */
	out(&u, VUART_SCR, 0x55);
	assert_int_equal(in(&u, VUART_SCR), 0x55);
	out(&u, VUART_SCR, 0xaa);
	assert_int_equal(in(&u, VUART_SCR), 0xaa);

	/* Divisor latch behind DLAB: 115200 baud, 8N1. */
	out(&u, VUART_LCR, VUART_LCR_DLAB | 0x03);
	out(&u, VUART_DLL, 0x01);
	out(&u, VUART_DLM, 0x00);
	assert_int_equal(in(&u, VUART_DLL), 0x01);
	assert_int_equal(in(&u, VUART_DLM), 0x00);
	out(&u, VUART_LCR, 0x03);
	assert_int_equal(in(&u, VUART_LCR), 0x03);
	assert_int_equal(in(&u, VUART_IER), 0x00);
	assert_int_equal(s.n, 0); /* the DLL write was not a transmit */
	assert_int_equal(u.dll, 1);

	/* FIFOs off again: no FIFO bits in IIR. */
	out(&u, VUART_FCR, 0);
	assert_int_equal(in(&u, VUART_IIR), 0x01);
	assert_int_equal(s.changes, 0);
}

static void test_transmit(void **state)
{
	static const char msg[] = "hi\r\n";
	struct vuart u;
	struct sink s;

	setup(&u, &s);
	for (size_t i = 0; i < sizeof(msg) - 1; i++) {
		out(&u, VUART_THR, (uint8_t)msg[i]);
		assert_int_equal(in(&u, VUART_LSR), VUART_LSR_THRE | VUART_LSR_TEMT);
	}
	assert_int_equal(s.n, sizeof(msg) - 1);
	assert_memory_equal(s.bytes, msg, sizeof(msg) - 1);
}

static void test_receive_fifo(void **state)
{
	uint8_t data[20];
	struct vuart u;
	struct sink s;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)('a' + i);
	setup(&u, &s);
	out(&u, VUART_FCR, VUART_FCR_ENABLE | VUART_FCR_CLEAR_RX | VUART_FCR_CLEAR_TX);
	assert_int_equal(vuart_receive(&u, data, sizeof(data)), 16);
	assert_int_equal(vuart_receive(&u, data, sizeof(data)), 0);
	assert_int_equal(in(&u, VUART_LSR), 0x61);
	for (size_t i = 0; i < 16; i++)
		assert_int_equal(in(&u, VUART_RBR), data[i]);
	assert_int_equal(in(&u, VUART_LSR), 0x60);
	assert_int_equal(in(&u, VUART_RBR), data[15]); /* empty: the last byte again */
	assert_int_equal(vuart_receive(&u, data + 16, 4), 4);

	/* FCR RX reset empties it. */
	out(&u, VUART_FCR, VUART_FCR_ENABLE | VUART_FCR_CLEAR_RX);
	assert_int_equal(in(&u, VUART_LSR) & VUART_LSR_DR, 0);

	/* No FIFO: one byte of holding register. */
	out(&u, VUART_FCR, 0);
	assert_int_equal(vuart_receive(&u, data, 3), 1);
	assert_int_equal(in(&u, VUART_RBR), 'a');
	assert_int_equal(vuart_receive(&u, data + 1, 3), 1);
	assert_int_equal(in(&u, VUART_RBR), 'b');
}

static void test_overrun(void **state)
{
	struct vuart u;
	struct sink s;

	setup(&u, &s);
	out(&u, VUART_FCR, VUART_FCR_ENABLE);
	out(&u, VUART_MCR, VUART_MCR_LOOP);
	for (unsigned int i = 0; i < 17; i++)
		out(&u, VUART_THR, (uint8_t)i);
	assert_int_equal(in(&u, VUART_LSR), 0x63); /* DR, OE */
	assert_int_equal(in(&u, VUART_LSR), 0x61); /* OE cleared by the read */
	for (unsigned int i = 0; i < 16; i++)
		assert_int_equal(in(&u, VUART_RBR), i); /* the 17th byte was lost */
	assert_int_equal(s.n, 0);

	/* 16450 mode: the new byte overwrites RBR. */
	out(&u, VUART_FCR, 0);
	out(&u, VUART_THR, 'a');
	out(&u, VUART_THR, 'b');
	assert_int_equal(in(&u, VUART_LSR), 0x63);
	assert_int_equal(in(&u, VUART_RBR), 'b');
}

/* IIR read after each step of one scenario (FIFOs on, trigger level 4). */
static void test_iir_priorities(void **state)
{
	static const uint8_t four[4] = { 1, 2, 3, 4 };
	struct vuart u;
	struct sink s;

	setup(&u, &s);
	out(&u, VUART_FCR, VUART_FCR_ENABLE | 0x40);
	out(&u, VUART_IER, VUART_IER_MASK);
	assert_int_equal(in(&u, VUART_IIR), 0xc2); /* THRE, armed by the IER write */
	assert_int_equal(in(&u, VUART_IIR), 0xc1); /* ... and cleared by that read */

	vuart_receive(&u, four, 2);
	assert_int_equal(in(&u, VUART_IIR), 0xcc); /* below trigger: timeout */
	vuart_receive(&u, four, 2);
	assert_int_equal(in(&u, VUART_IIR), 0xc4); /* at trigger: data available */
	out(&u, VUART_THR, 'x');
	assert_int_equal(in(&u, VUART_IIR), 0xc4); /* data outranks THRE */
	assert_int_equal(in(&u, VUART_IIR), 0xc4); /* and that read did not clear THRE */
	for (unsigned int i = 0; i < 4; i++)
		in(&u, VUART_RBR);
	assert_int_equal(in(&u, VUART_IIR), 0xc2);
	assert_int_equal(in(&u, VUART_IIR), 0xc1);

	/* Loopback: OE from a 17th byte outranks everything. */
	out(&u, VUART_MCR, VUART_MCR_LOOP);
	for (unsigned int i = 0; i < 17; i++)
		out(&u, VUART_THR, (uint8_t)i);
	assert_int_equal(in(&u, VUART_IIR), 0xc6);
	assert_int_equal(in(&u, VUART_LSR) & VUART_LSR_OE, VUART_LSR_OE);
	assert_int_equal(in(&u, VUART_IIR), 0xc4); /* LSR read cleared line status */
	for (unsigned int i = 0; i < 13; i++)
		in(&u, VUART_RBR);
	assert_int_equal(in(&u, VUART_IIR), 0xcc);
	for (unsigned int i = 0; i < 3; i++)
		in(&u, VUART_RBR);
	assert_int_equal(in(&u, VUART_IIR), 0xc2);
	/* Entering loopback dropped CTS, DSR and DCD: modem status, lowest. */
	assert_int_equal(in(&u, VUART_IIR), 0xc0);
	assert_int_equal(in(&u, VUART_MSR), VUART_MSR_DCTS | VUART_MSR_DDSR | VUART_MSR_DDCD);
	assert_int_equal(in(&u, VUART_IIR), 0xc1);
	assert_int_equal(in(&u, VUART_MSR), 0x00);
}

static void test_thre_rearm(void **state)
{
	static const uint8_t byte = 'z';
	struct vuart u;
	struct sink s;

	setup(&u, &s);
	out(&u, VUART_IER, VUART_IER_THRI);
	assert_int_equal(in(&u, VUART_IIR), 0x02);
	assert_int_equal(in(&u, VUART_IIR), 0x01);
	out(&u, VUART_IER, VUART_IER_THRI); /* already enabled: nothing new */
	assert_int_equal(in(&u, VUART_IIR), 0x01);
	/* Linux's UART_BUG_THRE test: off and on again re-asserts THRE. */
	out(&u, VUART_IER, 0);
	out(&u, VUART_IER, VUART_IER_THRI);
	assert_int_equal(in(&u, VUART_IIR), 0x02);
	assert_int_equal(in(&u, VUART_IIR), 0x01);
	out(&u, VUART_THR, 'a'); /* THR empties again at once: THRE again */
	/* Reading IIR while it reports something else leaves THRE set. */
	out(&u, VUART_IER, VUART_IER_THRI | VUART_IER_RDI);
	vuart_receive(&u, &byte, 1);
	assert_int_equal(in(&u, VUART_IIR), 0x04);
	assert_int_equal(in(&u, VUART_RBR), 'z');
	assert_int_equal(in(&u, VUART_IIR), 0x02);
	assert_int_equal(in(&u, VUART_IIR), 0x01);
}

static void test_irq_line(void **state)
{
	static const uint8_t byte = 'q';
	struct vuart u;
	struct sink s;

	setup(&u, &s);
	out(&u, VUART_IER, VUART_IER_RDI);
	vuart_receive(&u, &byte, 1);
	assert_false(s.level); /* OUT2 low: the PC's IRQ buffer is off */
	out(&u, VUART_MCR, VUART_MCR_OUT2 | VUART_MCR_DTR | VUART_MCR_RTS);
	assert_true(s.level);
	in(&u, VUART_RBR);
	assert_false(s.level);
	vuart_receive(&u, &byte, 1);
	assert_true(s.level);
	out(&u, VUART_IER, 0);
	assert_false(s.level);
	out(&u, VUART_IER, VUART_IER_RDI);
	assert_true(s.level);
	out(&u, VUART_MCR, VUART_MCR_OUT2 | VUART_MCR_LOOP); /* loopback: OUT2 pin inactive */
	assert_false(s.level);
	out(&u, VUART_MCR, VUART_MCR_OUT2);
	assert_true(s.level);
	assert_int_equal(s.changes, 7); /* driven only on changes */
}

struct loop_case {
	uint8_t mcr;
	uint8_t msr_lines;
};

static const struct loop_case loop_cases[] = {
	{ VUART_MCR_LOOP, 0x00 },
	{ VUART_MCR_LOOP | VUART_MCR_DTR, VUART_MSR_DSR },
	{ VUART_MCR_LOOP | VUART_MCR_RTS, VUART_MSR_CTS },
	{ VUART_MCR_LOOP | VUART_MCR_OUT1, VUART_MSR_RI },
	{ VUART_MCR_LOOP | VUART_MCR_OUT2, VUART_MSR_DCD },
	{ VUART_MCR_LOOP | 0x0f, 0xf0 },
	{ 0x0f, VUART_MSR_CTS | VUART_MSR_DSR | VUART_MSR_DCD },
};

static void test_loopback(void **state)
{
	static const uint8_t byte = 'h';
	struct vuart u;
	struct sink s;

	setup(&u, &s);
	for (size_t i = 0; i < ARRAY_SIZE(loop_cases); i++) {
		out(&u, VUART_MCR, loop_cases[i].mcr);
		assert_int_equal(in(&u, VUART_MSR) & 0xf0, loop_cases[i].msr_lines);
	}

	/* RI's trailing edge only; CTS either way. */
	out(&u, VUART_MCR, VUART_MCR_LOOP | VUART_MCR_OUT1 | VUART_MCR_RTS);
	in(&u, VUART_MSR);
	out(&u, VUART_MCR, VUART_MCR_LOOP);
	assert_int_equal(in(&u, VUART_MSR), VUART_MSR_TERI | VUART_MSR_DCTS);
	out(&u, VUART_MCR, VUART_MCR_LOOP | VUART_MCR_OUT1);
	assert_int_equal(in(&u, VUART_MSR), VUART_MSR_RI);

	/* Transmit comes back to the receiver, not the line; the line is cut off. */
	assert_int_equal(vuart_receive(&u, &byte, 1), 0);
	out(&u, VUART_THR, 'x');
	assert_int_equal(s.n, 0);
	assert_int_equal(in(&u, VUART_LSR) & VUART_LSR_DR, VUART_LSR_DR);
	assert_int_equal(in(&u, VUART_RBR), 'x');
	out(&u, VUART_MCR, 0);
	out(&u, VUART_THR, 'y');
	assert_int_equal(s.n, 1);
	assert_int_equal(s.bytes[0], 'y');
}

static void test_foreign_ports(void **state)
{
	static const uint16_t ports[] = { BASE - 1, BASE + 8, 0x2f8, 0 };
	struct vuart u;
	struct sink s;
	uint8_t v = 0x5a;

	setup(&u, &s);
	for (size_t i = 0; i < ARRAY_SIZE(ports); i++) {
		assert_false(vuart_io_write(&u, ports[i], 0));
		assert_false(vuart_io_read(&u, ports[i], &v));
	}
	assert_int_equal(v, 0x5a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_linux_probe),
		cmocka_unit_test(test_transmit),
		cmocka_unit_test(test_receive_fifo),
		cmocka_unit_test(test_overrun),
		cmocka_unit_test(test_iir_priorities),
		cmocka_unit_test(test_thre_rearm),
		cmocka_unit_test(test_irq_line),
		cmocka_unit_test(test_loopback),
		cmocka_unit_test(test_foreign_ports),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
