/*
 * Virtual local APIC (see vmm/dev/lapic.h). Register semantics follow the
 * Intel SDM Vol. 3A chapter 11: the register map (Table 11-1), interrupt
 * priorities (11.8.3), IRR/ISR/TMR handling (11.8.4), EOI (11.8.5), the
 * timer (11.5.4) and errors (11.5.3). Registers are handled by index, not
 * by access method. Pure; runs in VMX root and in host unit tests.
 */
#include "vmm/dev/lapic.h"

#include "lib/string.h"

#define LAPIC_NEVER UINT64_MAX
#define LAPIC_NS_PER_SEC 1000000000ULL
#define LAPIC_BUS_NS (LAPIC_NS_PER_SEC / LAPIC_BUS_HZ) /* ns per undivided tick */

_Static_assert(LAPIC_NS_PER_SEC % LAPIC_BUS_HZ == 0, "bus clock must divide 1 GHz");

/* Register indices: MMIO offset >> 4, or x2APIC MSR - 0x800. */
#define LAPIC_IDX(off) ((off) >> 4)
#define LAPIC_NR_REGS 0x100U

/* Internal results; the MMIO path turns both into -1. */
#define LAPIC_REG_OK 0
#define LAPIC_REG_DENIED (-1)	/* write-only read, read-only write */
#define LAPIC_REG_RESERVED (-2)	/* no register there */

#define LAPIC_TPR_MASK 0xffU
#define LAPIC_LDR_MASK 0xff000000U
#define LAPIC_DFR_MODEL_MASK 0xf0000000U	/* bits 27:0 read as ones */
#define LAPIC_DFR_FLAT 0xf0000000U
#define LAPIC_SVR_WRITABLE 0x3ffU	/* vector, enable, focus; no EOI suppression (version bit 24) */
#define LAPIC_SVR_RESET 0xffU
#define LAPIC_ICR_LOW_WRITABLE 0x000ccfffU	/* vector, mode, dest mode, level, trigger, shorthand */
#define LAPIC_ICR_HIGH_WRITABLE 0xff000000U
#define LAPIC_DIV_WRITABLE 0x0bU	/* bits 0, 1, 3 */
#define LAPIC_ICR_DEST_SHIFT 24
#define LAPIC_FIRST_LEGAL_VECTOR 16U	/* 0-15 are illegal (SDM 11.5.2) */

/* Writable bits of each LVT entry (SDM Figure 11-8). */
static const uint32_t lapic_lvt_writable[LAPIC_LVT_COUNT] = {
	[LAPIC_LVT_TIMER] = LAPIC_VECTOR_MASK | LAPIC_LVT_MASKED | LAPIC_TIMER_MODE_MASK,
	[LAPIC_LVT_THERMAL] = LAPIC_VECTOR_MASK | LAPIC_DM_MASK | LAPIC_LVT_MASKED,
	[LAPIC_LVT_PERF] = LAPIC_VECTOR_MASK | LAPIC_DM_MASK | LAPIC_LVT_MASKED,
	[LAPIC_LVT_LINT0] = LAPIC_VECTOR_MASK | LAPIC_DM_MASK | LAPIC_LVT_POLARITY_LOW |
			    LAPIC_TRIGGER_LEVEL | LAPIC_LVT_MASKED,
	[LAPIC_LVT_LINT1] = LAPIC_VECTOR_MASK | LAPIC_DM_MASK | LAPIC_LVT_POLARITY_LOW |
			    LAPIC_TRIGGER_LEVEL | LAPIC_LVT_MASKED,
	[LAPIC_LVT_ERROR] = LAPIC_VECTOR_MASK | LAPIC_LVT_MASKED,
	[LAPIC_LVT_CMCI] = LAPIC_VECTOR_MASK | LAPIC_DM_MASK | LAPIC_LVT_MASKED,
};

/* ---- vectors and priorities ---- */

static bool lapic_test(const uint32_t *bits, uint8_t v)
{
	return bits[v / 32U] & (1U << (v % 32U));
}

static void lapic_set(uint32_t *bits, uint8_t v)
{
	bits[v / 32U] |= 1U << (v % 32U);
}

static void lapic_clear(uint32_t *bits, uint8_t v)
{
	bits[v / 32U] &= ~(1U << (v % 32U));
}

/* Highest vector set in a 256-bit register, -1 if none. */
static int lapic_highest(const uint32_t *bits)
{
	int i;

	for (i = 7; i >= 0; i--)
		if (bits[i])
			return i * 32 + 31 - __builtin_clz(bits[i]);
	return -1;
}

static uint32_t lapic_class(int vector)
{
	return vector < 0 ? 0U : (uint32_t)vector & 0xf0U;
}

uint32_t lapic_ppr(const struct lapic *l)
{
	uint32_t isrv = lapic_class(lapic_highest(l->isr));

	/* SDM 11.8.3.1: the TPR unless the in-service class is higher. */
	if ((l->tpr & 0xf0U) >= isrv)
		return l->tpr & LAPIC_TPR_MASK;
	return isrv;
}

uint32_t lapic_apr(const struct lapic *l)
{
	uint32_t tprc = l->tpr & 0xf0U;
	uint32_t isrc = lapic_class(lapic_highest(l->isr));
	uint32_t irrc = lapic_class(lapic_highest(l->irr));
	uint32_t apr = tprc;

	/* SDM 11.6.2.4 (Figure 11-15). */
	if (tprc >= irrc && tprc > isrc)
		return l->tpr & LAPIC_TPR_MASK;
	if (isrc > apr)
		apr = isrc;
	if (irrc > apr)
		apr = irrc;
	return apr;
}

int lapic_pending_vector(const struct lapic *l)
{
	int v = lapic_highest(l->irr);

	/* Pending IRR bits are held and still dispatched after a software disable (11.4.7.2). */
	if (v < 0 || lapic_class(v) <= (lapic_ppr(l) & 0xf0U))
		return -1;
	return v;
}

void lapic_ack(struct lapic *l, uint8_t vector)
{
	lapic_clear(l->irr, vector);
	lapic_set(l->isr, vector);
}

uint64_t lapic_read_cr8(const struct lapic *l)
{
	return (l->tpr >> 4) & 0xfU;
}

int lapic_write_cr8(struct lapic *l, uint64_t value)
{
	if (value & ~0xfULL)
		return -1;
	l->tpr = (uint32_t)value << 4;
	return 0;
}

uint32_t lapic_tpr_threshold(const struct lapic *l)
{
	int v = lapic_highest(l->irr);
	uint32_t class = lapic_class(v) >> 4;

	if (v < 0 || class > ((l->tpr >> 4) & 0xfU))
		return 0;
	return class;
}

static bool lapic_sw_enabled(const struct lapic *l)
{
	return l->svr & LAPIC_SVR_ENABLE;
}

/*
 * SDM 11.5.3: log the error and raise the LVT error interrupt. An illegal
 * vector in the LVT error entry itself is only logged, never delivered.
 */
static void lapic_error(struct lapic *l, uint32_t bits)
{
	uint32_t lvt = l->lvt[LAPIC_LVT_ERROR];
	uint8_t v = lvt & LAPIC_VECTOR_MASK;

	l->esr_pending |= bits;
	if (lvt & LAPIC_LVT_MASKED)
		return;
	if (v < LAPIC_FIRST_LEGAL_VECTOR) {
		l->esr_pending |= LAPIC_ESR_RECV_ILLEGAL_VECTOR;
		return;
	}
	lapic_set(l->irr, v);
	lapic_clear(l->tmr, v);
}

void lapic_accept(struct lapic *l, uint8_t vector, bool level)
{
	if (vector < LAPIC_FIRST_LEGAL_VECTOR) {
		lapic_error(l, LAPIC_ESR_RECV_ILLEGAL_VECTOR);
		return;
	}
	if (!lapic_sw_enabled(l))
		return;
	lapic_set(l->irr, vector);
	/* SDM 11.8.4: TMR follows the trigger mode of the accepted interrupt. */
	if (level)
		lapic_set(l->tmr, vector);
	else
		lapic_clear(l->tmr, vector);
}

/* SDM 11.8.5: the highest in-service vector ends; level ones go on to the IOAPIC. */
static void lapic_eoi(struct lapic *l)
{
	int v = lapic_highest(l->isr);

	if (v < 0)
		return;
	/* ISR first: eoi_level may re-deliver into this LAPIC. */
	lapic_clear(l->isr, (uint8_t)v);
	if (lapic_test(l->tmr, (uint8_t)v) && l->wire.eoi_level)
		l->wire.eoi_level(l->wire.ctx, (uint8_t)v);
}

bool lapic_match_dest(const struct lapic *l, bool logical, uint8_t dest)
{
	uint8_t ldr = l->ldr >> 24;

	if (!logical)
		return dest == 0xffU || dest == (uint8_t)l->id;
	if ((l->dfr & LAPIC_DFR_MODEL_MASK) == LAPIC_DFR_FLAT)
		return ldr & dest;
	/* Cluster model: high nibble picks the cluster (15: all), low nibble is a member mask. */
	if ((dest >> 4) != 0xfU && (dest >> 4) != (ldr >> 4))
		return false;
	return dest & ldr & 0x0fU;
}

/* ---- timer (SDM 11.5.4) ---- */

static unsigned int lapic_timer_mode(const struct lapic *l)
{
	return (l->lvt[LAPIC_LVT_TIMER] & LAPIC_TIMER_MODE_MASK) >> LAPIC_TIMER_MODE_SHIFT;
}

/* Divide configuration (Figure 11-10): bits 3,1,0 = 111 is 1, else 2 << value. */
static uint64_t lapic_tick_ns(const struct lapic *l)
{
	uint32_t v = (l->timer_div & 3U) | (l->timer_div & 8U) >> 1;

	return LAPIC_BUS_NS << ((v + 1U) & 7U);
}

static uint64_t lapic_timer_elapsed(const struct lapic *l, uint64_t now)
{
	uint64_t d = now > l->timer_ref_ns ? now - l->timer_ref_ns : 0;

	return l->timer_ref_ticks + d / lapic_tick_ns(l);
}

/* The next expiry after now: the end of the count, or the next period boundary. */
static void lapic_timer_schedule(struct lapic *l, uint64_t now)
{
	uint64_t ticks;

	if (lapic_timer_mode(l) == LAPIC_TIMER_PERIODIC)
		ticks = (lapic_timer_elapsed(l, now) / l->timer_initial + 1) * l->timer_initial;
	else
		ticks = l->timer_initial;
	ticks = ticks > l->timer_ref_ticks ? ticks - l->timer_ref_ticks : 0;
	l->timer_next_ns = l->timer_ref_ns + ticks * lapic_tick_ns(l);
}

/* Moves the reference to now so the divider or mode can change mid-count. */
static void lapic_timer_rebase(struct lapic *l, uint64_t now)
{
	uint64_t e;

	if (!l->timer_counting)
		return;
	e = lapic_timer_elapsed(l, now);
	if (lapic_timer_mode(l) == LAPIC_TIMER_PERIODIC)
		e %= l->timer_initial;
	l->timer_ref_ticks = e;
	l->timer_ref_ns = now;
}

static void lapic_timer_raise(struct lapic *l)
{
	uint32_t lvt = l->lvt[LAPIC_LVT_TIMER];

	if (!(lvt & LAPIC_LVT_MASKED))
		lapic_accept(l, lvt & LAPIC_VECTOR_MASK, false);
}

/* Raises a one-shot or periodic expiry due by now (a masked one passes silently). */
static void lapic_timer_catch_up(struct lapic *l, uint64_t now)
{
	if (!l->timer_counting || now < l->timer_next_ns)
		return;
	lapic_timer_raise(l);
	if (lapic_timer_mode(l) == LAPIC_TIMER_PERIODIC)
		lapic_timer_schedule(l, now);
	else
		l->timer_counting = false;
}

static void lapic_timer_load(struct lapic *l, uint32_t count, uint64_t now)
{
	l->timer_initial = count;
	l->timer_ref_ns = now;
	l->timer_ref_ticks = 0;
	l->timer_counting = count != 0;
	if (l->timer_counting)
		lapic_timer_schedule(l, now);
}

static uint32_t lapic_timer_current(const struct lapic *l, uint64_t now)
{
	uint64_t e;

	if (!l->timer_counting || lapic_timer_mode(l) == LAPIC_TIMER_TSC_DEADLINE)
		return 0;
	e = lapic_timer_elapsed(l, now);
	if (lapic_timer_mode(l) == LAPIC_TIMER_PERIODIC)
		return l->timer_initial - (uint32_t)(e % l->timer_initial);
	return e >= l->timer_initial ? 0 : l->timer_initial - (uint32_t)e;
}

static void lapic_write_lvt_timer(struct lapic *l, uint32_t value, uint64_t now)
{
	unsigned int old_mode = lapic_timer_mode(l);
	unsigned int new_mode = (value & LAPIC_TIMER_MODE_MASK) >> LAPIC_TIMER_MODE_SHIFT;

	lapic_timer_rebase(l, now);
	l->lvt[LAPIC_LVT_TIMER] = value;
	/* 11.5.4.1: entering or leaving TSC-deadline mode disarms the timer. */
	if ((old_mode == LAPIC_TIMER_TSC_DEADLINE) != (new_mode == LAPIC_TIMER_TSC_DEADLINE)) {
		l->timer_initial = 0;
		l->timer_counting = false;
		l->tsc_deadline = 0;
	} else if (l->timer_counting) {
		lapic_timer_schedule(l, now);
	}
}

static void lapic_write_timer_div(struct lapic *l, uint32_t value, uint64_t now)
{
	lapic_timer_rebase(l, now);
	l->timer_div = value & LAPIC_DIV_WRITABLE;
	if (l->timer_counting)
		lapic_timer_schedule(l, now);
}

/* Guest ns in delta TSC ticks, rounded up; LAPIC_NEVER if too far to express. */
static uint64_t lapic_tsc_to_ns(const struct lapic *l, uint64_t delta)
{
	uint64_t hz = l->tsc_hz, whole = delta / hz;

	if (whole > (LAPIC_NEVER - LAPIC_NS_PER_SEC) / LAPIC_NS_PER_SEC)
		return LAPIC_NEVER;
	return whole * LAPIC_NS_PER_SEC + (delta % hz * LAPIC_NS_PER_SEC + hz - 1) / hz;
}

uint64_t lapic_timer_update(struct lapic *l, uint64_t now_ns, uint64_t now_tsc)
{
	uint64_t next = LAPIC_NEVER, d;

	lapic_timer_catch_up(l, now_ns);
	if (l->timer_counting)
		next = l->timer_next_ns;
	if (lapic_timer_mode(l) != LAPIC_TIMER_TSC_DEADLINE || !l->tsc_deadline)
		return next;
	if (now_tsc >= l->tsc_deadline) {
		/* It fires once and disarms itself. */
		l->tsc_deadline = 0;
		lapic_timer_raise(l);
		return next;
	}
	if (!l->tsc_hz)
		return next;
	d = lapic_tsc_to_ns(l, l->tsc_deadline - now_tsc);
	if (d != LAPIC_NEVER && now_ns + d >= now_ns && now_ns + d < next)
		next = now_ns + d;
	return next;
}

void lapic_write_tsc_deadline(struct lapic *l, uint64_t deadline_tsc, uint64_t now_tsc)
{
	if (lapic_timer_mode(l) != LAPIC_TIMER_TSC_DEADLINE)
		return;
	l->tsc_deadline = deadline_tsc;
	if (deadline_tsc && deadline_tsc <= now_tsc) {
		l->tsc_deadline = 0;
		lapic_timer_raise(l);
	}
}

uint64_t lapic_read_tsc_deadline(const struct lapic *l)
{
	if (lapic_timer_mode(l) != LAPIC_TIMER_TSC_DEADLINE)
		return 0;
	return l->tsc_deadline;
}

/* ---- registers by index ---- */

static void lapic_write_svr(struct lapic *l, uint32_t value)
{
	unsigned int i;

	l->svr = value & LAPIC_SVR_WRITABLE;
	/* 11.4.7.2: software disable masks every LVT entry. */
	if (!lapic_sw_enabled(l))
		for (i = 0; i < LAPIC_LVT_COUNT; i++)
			l->lvt[i] |= LAPIC_LVT_MASKED;
}

static void lapic_write_icr_low(struct lapic *l, uint32_t value)
{
	uint32_t mode = (value & LAPIC_DM_MASK) >> LAPIC_DM_SHIFT;

	l->icr_low = value & LAPIC_ICR_LOW_WRITABLE;
	if ((mode == LAPIC_DM_FIXED || mode == LAPIC_DM_LOWEST) &&
	    (value & LAPIC_VECTOR_MASK) < LAPIC_FIRST_LEGAL_VECTOR) {
		lapic_error(l, LAPIC_ESR_SEND_ILLEGAL_VECTOR);
		return;
	}
	if (l->wire.send_ipi)
		l->wire.send_ipi(l->wire.ctx, l->id, l->icr_low, l->icr_high >> LAPIC_ICR_DEST_SHIFT);
}

static int lapic_reg_read(struct lapic *l, uint32_t idx, uint32_t *value, uint64_t now)
{
	if (idx >= LAPIC_IDX(LAPIC_REG_ISR) && idx < LAPIC_IDX(LAPIC_REG_ISR) + 8U) {
		*value = l->isr[idx - LAPIC_IDX(LAPIC_REG_ISR)];
		return LAPIC_REG_OK;
	}
	if (idx >= LAPIC_IDX(LAPIC_REG_TMR) && idx < LAPIC_IDX(LAPIC_REG_TMR) + 8U) {
		*value = l->tmr[idx - LAPIC_IDX(LAPIC_REG_TMR)];
		return LAPIC_REG_OK;
	}
	if (idx >= LAPIC_IDX(LAPIC_REG_IRR) && idx < LAPIC_IDX(LAPIC_REG_IRR) + 8U) {
		*value = l->irr[idx - LAPIC_IDX(LAPIC_REG_IRR)];
		return LAPIC_REG_OK;
	}
	if (idx >= LAPIC_IDX(LAPIC_REG_LVT_TIMER) && idx <= LAPIC_IDX(LAPIC_REG_LVT_ERROR)) {
		*value = l->lvt[idx - LAPIC_IDX(LAPIC_REG_LVT_TIMER)];
		return LAPIC_REG_OK;
	}
	switch (idx) {
	case LAPIC_IDX(LAPIC_REG_ID):
		*value = l->id << 24;
		break;
	case LAPIC_IDX(LAPIC_REG_VERSION):
		*value = LAPIC_VERSION;
		break;
	case LAPIC_IDX(LAPIC_REG_TPR):
		*value = l->tpr;
		break;
	case LAPIC_IDX(LAPIC_REG_APR):
		*value = lapic_apr(l);
		break;
	case LAPIC_IDX(LAPIC_REG_PPR):
		*value = lapic_ppr(l);
		break;
	case LAPIC_IDX(LAPIC_REG_EOI):
		return LAPIC_REG_DENIED;
	case LAPIC_IDX(LAPIC_REG_RRD):
		*value = 0;	/* remote read is a Pentium-era feature: never valid */
		break;
	case LAPIC_IDX(LAPIC_REG_LDR):
		*value = l->ldr;
		break;
	case LAPIC_IDX(LAPIC_REG_DFR):
		*value = l->dfr;
		break;
	case LAPIC_IDX(LAPIC_REG_SVR):
		*value = l->svr;
		break;
	case LAPIC_IDX(LAPIC_REG_ESR):
		*value = l->esr;
		break;
	case LAPIC_IDX(LAPIC_REG_LVT_CMCI):
		*value = l->lvt[LAPIC_LVT_CMCI];
		break;
	case LAPIC_IDX(LAPIC_REG_ICR_LOW):
		*value = l->icr_low;	/* delivery status stays 0 */
		break;
	case LAPIC_IDX(LAPIC_REG_ICR_HIGH):
		*value = l->icr_high;
		break;
	case LAPIC_IDX(LAPIC_REG_TIMER_INIT):
		*value = l->timer_initial;
		break;
	case LAPIC_IDX(LAPIC_REG_TIMER_CUR):
		*value = lapic_timer_current(l, now);
		break;
	case LAPIC_IDX(LAPIC_REG_TIMER_DIV):
		*value = l->timer_div;
		break;
	default:
		return LAPIC_REG_RESERVED;
	}
	return LAPIC_REG_OK;
}

static int lapic_reg_write(struct lapic *l, uint32_t idx, uint32_t value, uint64_t now)
{
	unsigned int lvt;

	if ((idx >= LAPIC_IDX(LAPIC_REG_LVT_TIMER) && idx <= LAPIC_IDX(LAPIC_REG_LVT_ERROR)) ||
	    idx == LAPIC_IDX(LAPIC_REG_LVT_CMCI)) {
		lvt = idx == LAPIC_IDX(LAPIC_REG_LVT_CMCI) ? LAPIC_LVT_CMCI
							   : idx - LAPIC_IDX(LAPIC_REG_LVT_TIMER);
		value &= lapic_lvt_writable[lvt];
		/* Remote IRR is the LAPIC's own; the mask stays set while software-disabled. */
		value |= l->lvt[lvt] & LAPIC_LVT_REMOTE_IRR;
		if (!lapic_sw_enabled(l))
			value |= LAPIC_LVT_MASKED;
		if (lvt == LAPIC_LVT_TIMER)
			lapic_write_lvt_timer(l, value, now);
		else
			l->lvt[lvt] = value;
		return LAPIC_REG_OK;
	}
	switch (idx) {
	case LAPIC_IDX(LAPIC_REG_TPR):
		l->tpr = value & LAPIC_TPR_MASK;
		break;
	case LAPIC_IDX(LAPIC_REG_EOI):
		lapic_eoi(l);
		break;
	case LAPIC_IDX(LAPIC_REG_LDR):
		l->ldr = value & LAPIC_LDR_MASK;
		break;
	case LAPIC_IDX(LAPIC_REG_DFR):
		l->dfr = (value & LAPIC_DFR_MODEL_MASK) | ~LAPIC_DFR_MODEL_MASK;
		break;
	case LAPIC_IDX(LAPIC_REG_SVR):
		lapic_write_svr(l, value);
		break;
	case LAPIC_IDX(LAPIC_REG_ESR):
		/* 11.5.3: a write latches the errors since the last one; the value is ignored. */
		l->esr = l->esr_pending;
		l->esr_pending = 0;
		break;
	case LAPIC_IDX(LAPIC_REG_ICR_LOW):
		lapic_write_icr_low(l, value);
		break;
	case LAPIC_IDX(LAPIC_REG_ICR_HIGH):
		l->icr_high = value & LAPIC_ICR_HIGH_WRITABLE;
		break;
	case LAPIC_IDX(LAPIC_REG_TIMER_INIT):
		/* 11.5.4.1: ignored in TSC-deadline mode. */
		if (lapic_timer_mode(l) != LAPIC_TIMER_TSC_DEADLINE)
			lapic_timer_load(l, value, now);
		break;
	case LAPIC_IDX(LAPIC_REG_TIMER_DIV):
		lapic_write_timer_div(l, value, now);
		break;
	case LAPIC_IDX(LAPIC_REG_ID):
	case LAPIC_IDX(LAPIC_REG_VERSION):
	case LAPIC_IDX(LAPIC_REG_APR):
	case LAPIC_IDX(LAPIC_REG_PPR):
	case LAPIC_IDX(LAPIC_REG_RRD):
	case LAPIC_IDX(LAPIC_REG_TIMER_CUR):
		return LAPIC_REG_DENIED;
	default:
		if (idx >= LAPIC_IDX(LAPIC_REG_ISR) && idx < LAPIC_IDX(LAPIC_REG_IRR) + 8U)
			return LAPIC_REG_DENIED;
		return LAPIC_REG_RESERVED;
	}
	return LAPIC_REG_OK;
}

/* ---- xAPIC MMIO ---- */

/* Registers sit on 16-byte boundaries; the rest of each slot is reserved. */
static int lapic_mmio_result(struct lapic *l, int r)
{
	if (r == LAPIC_REG_RESERVED)
		lapic_error(l, LAPIC_ESR_ILLEGAL_REGISTER);
	return r == LAPIC_REG_OK ? 0 : -1;
}

int lapic_mmio_read(struct lapic *l, uint32_t offset, uint32_t *value, uint64_t now_ns)
{
	*value = 0;
	lapic_timer_catch_up(l, now_ns);
	if (offset >= LAPIC_MMIO_SIZE || (offset & 0xfU))
		return lapic_mmio_result(l, LAPIC_REG_RESERVED);
	return lapic_mmio_result(l, lapic_reg_read(l, LAPIC_IDX(offset), value, now_ns));
}

int lapic_mmio_write(struct lapic *l, uint32_t offset, uint32_t value, uint64_t now_ns)
{
	lapic_timer_catch_up(l, now_ns);
	if (offset >= LAPIC_MMIO_SIZE || (offset & 0xfU))
		return lapic_mmio_result(l, LAPIC_REG_RESERVED);
	return lapic_mmio_result(l, lapic_reg_write(l, LAPIC_IDX(offset), value, now_ns));
}

/* ---- power-on and INIT (SDM 11.4.7.1, 11.4.7.3) ---- */

void lapic_reset(struct lapic *l)
{
	uint32_t id = l->id;
	uint64_t apic_base = l->apic_base, tsc_hz = l->tsc_hz;
	struct lapic_bus wire = l->wire;
	unsigned int i;

	memset(l, 0, sizeof(*l));
	l->id = id;
	l->apic_base = apic_base;
	l->tsc_hz = tsc_hz;
	l->wire = wire;
	l->dfr = 0xffffffffU;
	l->svr = LAPIC_SVR_RESET;
	for (i = 0; i < LAPIC_LVT_COUNT; i++)
		l->lvt[i] = LAPIC_LVT_MASKED;
}

void lapic_init(struct lapic *l, uint32_t apic_id, bool bsp, struct lapic_bus wire)
{
	memset(l, 0, sizeof(*l));
	l->id = apic_id;
	l->apic_base = LAPIC_MMIO_BASE | LAPIC_BASE_ENABLE | (bsp ? LAPIC_BASE_BSP : 0);
	l->wire = wire;
	lapic_reset(l);
}
