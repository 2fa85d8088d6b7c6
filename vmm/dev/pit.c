/*
 * Virtual 8254 PIT (see vmm/dev/pit.h). Counter behaviour follows the
 * Intel 8254 datasheet ("Mode Definitions", "Gate Pin Operations
 * Summary", "Read-Back Command"); port 0x61 follows the PC/AT and PIIX3
 * port B. Each counter's value and OUT are functions of the time since its
 * count was loaded. Pure; runs in VMX root and in host unit tests.
 */
#include "vmm/dev/pit.h"

#include "lib/string.h"

#define PIT_NS_PER_SEC 1000000000ULL
#define PIT_NEVER UINT64_MAX
/* DRAM refresh request period on the PC: port 0x61 bit 4 flips each one. */
#define PIT_REFRESH_NS 15085ULL

#define PIT_CW_SC_SHIFT 6
#define PIT_CW_SC_READBACK 3U
#define PIT_CW_RW_SHIFT 4
#define PIT_CW_RW_MASK 3U
#define PIT_CW_MODE_SHIFT 1
#define PIT_CW_MODE_MASK 7U
#define PIT_CW_BCD 0x01U
#define PIT_RB_NO_COUNT 0x20U	/* read-back: bit clear latches the count */
#define PIT_RB_NO_STATUS 0x10U	/* read-back: bit clear latches the status */
#define PIT_RB_CNT0 0x02U	/* counter selects: CNT0 << n */
#define PIT_STATUS_OUT 0x80U
#define PIT_STATUS_NULL 0x40U

/* Floor of the input clocks in ns nanoseconds, split to stay in 64 bits. */
static uint64_t pit_ns_to_ticks(uint64_t ns)
{
	return ns / PIT_NS_PER_SEC * PIT_HZ + ns % PIT_NS_PER_SEC * PIT_HZ / PIT_NS_PER_SEC;
}

/* The first nanosecond by which t input clocks have elapsed. */
static uint64_t pit_ticks_to_ns(uint64_t t)
{
	return t / PIT_HZ * PIT_NS_PER_SEC + (t % PIT_HZ * PIT_NS_PER_SEC + PIT_HZ - 1) / PIT_HZ;
}

static uint64_t pit_add_sat(uint64_t a, uint64_t b)
{
	return a + b < a ? PIT_NEVER : a + b;
}

static uint32_t pit_modulus(const struct pit_channel *c)
{
	return c->bcd ? 10000U : 65536U;
}

/* Initial count N as a number of clocks: 0 is the largest count. */
static uint32_t pit_initial(const struct pit_channel *c)
{
	uint32_t v = c->reload;

	if (c->bcd)
		v = (v >> 12 & 0xfU) * 1000U + (v >> 8 & 0xfU) * 100U + (v >> 4 & 0xfU) * 10U +
		    (v & 0xfU);
	return v ? v : pit_modulus(c);
}

/* Modes 0, 2, 3, 4 count only while GATE is high; 1 and 5 use it as a trigger. */
static bool pit_gate_stops(const struct pit_channel *c)
{
	return c->mode != 1 && c->mode != 5;
}

static bool pit_counting(const struct pit_channel *c)
{
	return c->armed && (c->gate || !pit_gate_stops(c));
}

/* Clocks counted since the count was loaded (gate pauses excluded). */
static uint64_t pit_elapsed(const struct pit_channel *c, uint64_t now)
{
	uint64_t end = pit_gate_stops(c) && !c->gate ? c->stop_ns : now;

	return end > c->start_ns ? pit_ns_to_ticks(end - c->start_ns) : 0;
}

/*
 * Modes 2 and 3 take a count written while counting at the end of the
 * current period (8254: "the new count is loaded at the end of the current
 * counting cycle"); done lazily, as soon as anyone looks.
 */
static void pit_channel_sync(struct pit_channel *c, uint64_t now)
{
	if (c->reload_pending && c->reload_at_ns <= now) {
		c->start_ns = c->reload_at_ns;
		c->reload = c->next_reload;
		c->reload_pending = false;
		c->null_count = false;
	}
}

/* Current count in binary, 0..modulus-1 (the largest count reads as 0). */
static uint32_t pit_count(const struct pit_channel *c, uint64_t now)
{
	uint32_t n = pit_initial(c), m = pit_modulus(c), phase, half;
	uint64_t d;

	if (!c->armed)
		return n % m;
	d = pit_elapsed(c, now);
	switch (c->mode) {
	case 2:
		/* N, N-1, ... 1, then reload. */
		return (uint32_t)(n - d % n) % m;
	case 3:
		/* Counts down by two through each half of the square wave. */
		phase = (uint32_t)(d % n);
		half = (n + 1) / 2;
		return (n - 2 * (phase < half ? phase : phase - half)) % m;
	default:
		/* One-shot modes wrap and keep counting after terminal count. */
		return (uint32_t)((n % m + m - d % m) % m);
	}
}

static uint16_t pit_read_value(const struct pit_channel *c, uint64_t now)
{
	uint32_t v = pit_count(c, now);

	if (c->bcd)
		v = (v / 1000U) << 12 | (v / 100U % 10U) << 8 | (v / 10U % 10U) << 4 | v % 10U;
	return (uint16_t)v;
}

/* OUT pin level ("Mode Definitions"; the N+1 clock of modes 0/4 is not modelled). */
static bool pit_out(const struct pit_channel *c, uint64_t now)
{
	uint32_t n = pit_initial(c);
	uint64_t d;

	if (!c->armed)
		return c->mode != 0; /* the control word sets OUT low in mode 0, high else */
	if ((c->mode == 2 || c->mode == 3) && !c->gate)
		return true;
	d = pit_elapsed(c, now);
	switch (c->mode) {
	case 0:
	case 1:
		return d >= n;
	case 2:
		return d % n != n - 1; /* low for the one clock at count 1 */
	case 3:
		return d % n < (n + 1) / 2;
	default:
		return d != n; /* modes 4, 5: one-clock strobe at count 0 */
	}
}

/* Clock number of OUT's next rising edge after clock d, PIT_NEVER if none. */
static uint64_t pit_next_rise(const struct pit_channel *c, uint64_t d)
{
	uint64_t n = pit_initial(c);

	if (!pit_counting(c))
		return PIT_NEVER;
	switch (c->mode) {
	case 0:
	case 1:
		return d < n ? n : PIT_NEVER;
	case 2:
	case 3:
		return (d / n + 1) * n;
	default:
		return d < n + 1 ? n + 1 : PIT_NEVER;
	}
}

static uint64_t pit_next_rise_ns(const struct pit_channel *c, uint64_t now)
{
	uint64_t t = pit_next_rise(c, pit_elapsed(c, now));

	return t == PIT_NEVER ? PIT_NEVER : pit_add_sat(c->start_ns, pit_ticks_to_ns(t));
}

/* The counting element takes the count: a load, a trigger or a gate rise. */
static void pit_channel_start(struct pit_channel *c, uint64_t now)
{
	if (c->reload_pending) {
		c->reload = c->next_reload;
		c->reload_pending = false;
	}
	c->armed = true;
	c->null_count = false;
	c->start_ns = now;
	c->stop_ns = now;
}

static void pit_channel_load(struct pit_channel *c, uint16_t value, uint64_t now)
{
	c->loaded = true;
	c->null_count = true;
	if (c->armed && c->mode != 0 && c->mode != 4) {
		/* Modes 1, 5 wait for the next trigger; 2, 3 for the period end. */
		c->next_reload = value;
		c->reload_pending = true;
		c->reload_at_ns = PIT_NEVER;
		if ((c->mode == 2 || c->mode == 3) && c->gate)
			c->reload_at_ns = pit_next_rise_ns(c, now);
		return;
	}
	c->reload = value;
	c->reload_pending = false;
	if (c->mode == 1 || c->mode == 5)
		return;
	pit_channel_start(c, now);
}

static void pit_channel_set_gate(struct pit_channel *c, bool gate, uint64_t now)
{
	if (gate == c->gate)
		return;
	c->gate = gate;
	switch (c->mode) {
	case 0:
	case 4:
		/* Counting is suspended while low and resumes where it stopped. */
		if (!gate)
			c->stop_ns = now;
		else
			c->start_ns += now - c->stop_ns;
		break;
	case 2:
	case 3:
		/* Low stops counting with OUT high; the rising edge reloads. */
		if (!gate) {
			c->stop_ns = now;
			c->reload_at_ns = PIT_NEVER;
		} else if (c->loaded) {
			pit_channel_start(c, now);
		}
		break;
	default:
		/* Modes 1, 5: a rising edge (re)triggers the count. */
		if (gate && c->loaded)
			pit_channel_start(c, now);
		break;
	}
}

static void pit_channel_latch_count(struct pit_channel *c, uint64_t now)
{
	/* A second latch before the first is read is ignored. */
	if (c->count_latched)
		return;
	c->latch_value = pit_read_value(c, now);
	c->count_latched = true;
}

static void pit_channel_latch_status(struct pit_channel *c, uint64_t now)
{
	if (c->status_latched)
		return;
	c->status = (pit_out(c, now) ? PIT_STATUS_OUT : 0) | (c->null_count ? PIT_STATUS_NULL : 0) |
		    c->access << PIT_CW_RW_SHIFT | c->mode << PIT_CW_MODE_SHIFT |
		    (c->bcd ? PIT_CW_BCD : 0);
	c->status_latched = true;
}

static void pit_control(struct pit *p, uint8_t value, uint64_t now)
{
	unsigned int sc = value >> PIT_CW_SC_SHIFT, rw = value >> PIT_CW_RW_SHIFT & PIT_CW_RW_MASK;
	unsigned int mode = value >> PIT_CW_MODE_SHIFT & PIT_CW_MODE_MASK, i;
	struct pit_channel *c;

	if (sc == PIT_CW_SC_READBACK) {
		for (i = 0; i < 3; i++) {
			if (!(value & PIT_RB_CNT0 << i))
				continue;
			if (!(value & PIT_RB_NO_STATUS))
				pit_channel_latch_status(&p->ch[i], now);
			if (!(value & PIT_RB_NO_COUNT))
				pit_channel_latch_count(&p->ch[i], now);
		}
		return;
	}
	c = &p->ch[sc];
	if (rw == PIT_ACCESS_LATCH) {
		pit_channel_latch_count(c, now);
		return;
	}
	/* A new mode: counting stops until a count is written. */
	c->mode = mode > 5 ? mode - 4 : mode;
	c->access = rw;
	c->bcd = value & PIT_CW_BCD;
	c->loaded = false;
	c->armed = false;
	c->reload_pending = false;
	c->null_count = true;
	c->write_msb = false;
	c->read_msb = false;
	c->count_latched = false;
	c->status_latched = false;
}

static void pit_channel_write(struct pit_channel *c, uint8_t value, uint64_t now)
{
	switch (c->access) {
	case PIT_ACCESS_LSB:
		pit_channel_load(c, value, now);
		break;
	case PIT_ACCESS_MSB:
		pit_channel_load(c, (uint16_t)(value << 8), now);
		break;
	default:
		if (!c->write_msb) {
			c->write_lsb = value;
			c->write_msb = true;
			/* Mode 0: writing the first byte stops the count, OUT low. */
			if (c->mode == 0)
				c->armed = false;
		} else {
			c->write_msb = false;
			pit_channel_load(c, (uint16_t)(c->write_lsb | value << 8), now);
		}
		break;
	}
}

static uint8_t pit_channel_read(struct pit_channel *c, uint64_t now)
{
	uint16_t v;
	bool msb;

	if (c->status_latched) {
		c->status_latched = false;
		return c->status;
	}
	v = c->count_latched ? c->latch_value : pit_read_value(c, now);
	switch (c->access) {
	case PIT_ACCESS_LSB:
		msb = false;
		c->count_latched = false;
		break;
	case PIT_ACCESS_MSB:
		msb = true;
		c->count_latched = false;
		break;
	default:
		msb = c->read_msb;
		c->read_msb = !msb;
		if (msb)
			c->count_latched = false;
		break;
	}
	return msb ? v >> 8 : v & 0xffU;
}

void pit_init(struct pit *p, struct irq_line irq0)
{
	unsigned int i;

	memset(p, 0, sizeof(*p));
	for (i = 0; i < 3; i++) {
		p->ch[i].access = PIT_ACCESS_LOHI;
		p->ch[i].gate = i != 2; /* channel 2's gate is port 0x61 bit 0 */
	}
	p->wire = irq0;
	p->irq_next_ns = PIT_NEVER;
}

uint64_t pit_update(struct pit *p, uint64_t now_ns)
{
	pit_channel_sync(&p->ch[0], now_ns);
	if (p->irq_next_ns <= now_ns) {
		irq_line_set(&p->wire, true);
		irq_line_set(&p->wire, false);
	}
	p->irq_next_ns = pit_next_rise_ns(&p->ch[0], now_ns);
	return p->irq_next_ns;
}

static bool pit_port(uint16_t port)
{
	return (port >= PIT_PORT_CH0 && port <= PIT_PORT_CTRL) || port == PIT_PORT_61;
}

/* Edges due go out before the access; every channel catches up its reload. */
static void pit_catch_up(struct pit *p, uint64_t now)
{
	pit_update(p, now);
	pit_channel_sync(&p->ch[1], now);
	pit_channel_sync(&p->ch[2], now);
}

bool pit_io_write(struct pit *p, uint16_t port, uint8_t value, uint64_t now_ns)
{
	if (!pit_port(port))
		return false;
	pit_catch_up(p, now_ns);
	if (port == PIT_PORT_61) {
		p->port61 = value & PIT_61_WRITABLE;
		pit_channel_set_gate(&p->ch[2], value & PIT_61_GATE2, now_ns);
	} else if (port == PIT_PORT_CTRL) {
		pit_control(p, value, now_ns);
	} else {
		pit_channel_write(&p->ch[port - PIT_PORT_CH0], value, now_ns);
	}
	p->irq_next_ns = pit_next_rise_ns(&p->ch[0], now_ns);
	return true;
}

bool pit_io_read(struct pit *p, uint16_t port, uint8_t *value, uint64_t now_ns)
{
	if (!pit_port(port))
		return false;
	pit_catch_up(p, now_ns);
	if (port == PIT_PORT_61)
		*value = p->port61 | (now_ns / PIT_REFRESH_NS & 1U ? PIT_61_REFRESH : 0) |
			 (pit_out(&p->ch[2], now_ns) ? PIT_61_OUT2 : 0);
	else if (port == PIT_PORT_CTRL)
		*value = 0xff; /* the control word register cannot be read */
	else
		*value = pit_channel_read(&p->ch[port - PIT_PORT_CH0], now_ns);
	return true;
}
