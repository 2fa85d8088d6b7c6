/*
 * Virtual MC146818A CMOS/RTC (see vmm/dev/rtc.h). Register behaviour
 * follows the Motorola MC146818A datasheet ("Address Map", "Update Cycle",
 * "Interrupts", "Divider Control"); the memory map is the IBM PC/AT BIOS's.
 * The clock is a function of guest time: updates happen at base_ns plus
 * whole seconds, and the flags of register C are latched lazily from three
 * deadlines. Pure; runs in VMX root and in host unit tests.
 */
#include "vmm/dev/rtc.h"

#include "lib/string.h"

#define RTC_NS_PER_SEC 1000000000ULL
#define RTC_NEVER UINT64_MAX
#define RTC_TICK_HZ 32768ULL	/* the time base the divider chain divides */
#define RTC_SECS_PER_DAY 86400ULL
/* Out of divider reset, the first update comes half a second later. */
#define RTC_FIRST_UPDATE_NS 500000000LL
#define RTC_HOUR_PM 0x80U	/* 12-hour mode */
#define RTC_C_FLAGS (RTC_C_PF | RTC_C_AF | RTC_C_UF)

/* PC/AT CMOS memory: sizes in KiB or 64 KiB blocks, little-endian. */
#define RTC_CMOS_CHECKSUM_FIRST 0x10U /* the checksum covers 0x10-0x2d */
#define RTC_CMOS_CHECKSUM_LAST 0x2dU
#define RTC_CMOS_CHECKSUM_HI 0x2eU
#define RTC_CMOS_BASE_KB 0x15U	/* base memory, 640 KiB on any PC */
#define RTC_CMOS_EXT_KB 0x17U	/* KiB above 1 MiB, at most 63 MiB */
#define RTC_CMOS_EXT_KB2 0x30U	/* the same, as POST found it */
#define RTC_CMOS_EXT_16M 0x34U	/* 64 KiB blocks from 16 MiB to 4 GiB */
#define RTC_CMOS_EXT_4G 0x5bU	/* 64 KiB blocks above 4 GiB, 24 bits */
#define RTC_KIB 1024ULL
#define RTC_MIB (1024ULL * 1024ULL)
#define RTC_GIB (1024ULL * RTC_MIB)
#define RTC_EXT_KB_MAX 0xfc00ULL /* 63 MiB: what Bochs and SeaBIOS cap it to */

/* ------------------------------------------------------- calendar --- */

/*
 * Days since 1970 to a date, after Howard Hinnant's civil_from_days: years
 * are counted from March so that the leap day ends the year, in 400-year
 * eras of 146097 days. Unsigned throughout: t is never before 1970.
 */
void rtc_civil_from_unix(uint64_t t, struct rtc_time *out)
{
	uint64_t days = t / RTC_SECS_PER_DAY, sod = t % RTC_SECS_PER_DAY;
	uint64_t z = days + 719468; /* days since 0000-03-01 */
	uint64_t era = z / 146097, doe = z % 146097;
	uint64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	uint64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	uint64_t mp = (5 * doy + 2) / 153;
	unsigned month = (unsigned)(mp < 10 ? mp + 3 : mp - 9);

	out->year = era * 400 + yoe + (month <= 2);
	out->month = (uint8_t)month;
	out->day = (uint8_t)(doy - (153 * mp + 2) / 5 + 1);
	out->hour = (uint8_t)(sod / 3600);
	out->min = (uint8_t)(sod / 60 % 60);
	out->sec = (uint8_t)(sod % 60);
	out->weekday = (uint8_t)((days + 4) % 7); /* 1970-01-01 was a Thursday */
}

uint64_t rtc_unix_from_civil(const struct rtc_time *tm)
{
	uint64_t y = tm->year, m = tm->month, day = tm->day ? tm->day : 1;
	uint64_t era, yoe, doy, doe;

	if (y < 1970)
		return 0;
	if (m < 1)
		m = 1;
	if (m > 12)
		m = 12;
	y -= m <= 2;
	era = y / 400;
	yoe = y % 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + day - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (era * 146097 + doe - 719468) * RTC_SECS_PER_DAY + tm->hour * 3600ULL +
	       tm->min * 60ULL + tm->sec;
}

/* ------------------------------------------------- register format --- */

static bool rtc_binary(const struct rtc *r)
{
	return r->cmos[RTC_REG_B] & RTC_B_DM_BINARY;
}

static uint8_t rtc_enc(const struct rtc *r, unsigned v)
{
	return rtc_binary(r) ? (uint8_t)v : (uint8_t)((v / 10) << 4 | v % 10);
}

/* Garbage BCD (a nibble above 9) decodes to something; the caller clamps. */
static unsigned rtc_dec(const struct rtc *r, uint8_t b)
{
	return rtc_binary(r) ? b : (b >> 4) * 10U + (b & 0xfU);
}

/* 12-hour mode shows 12, 1..11 with bit 7 set in the afternoon. */
static uint8_t rtc_enc_hour(const struct rtc *r, unsigned h)
{
	if (r->cmos[RTC_REG_B] & RTC_B_24H)
		return rtc_enc(r, h);
	return (uint8_t)(rtc_enc(r, h % 12 ? h % 12 : 12) | (h >= 12 ? RTC_HOUR_PM : 0));
}

static unsigned rtc_dec_hour(const struct rtc *r, uint8_t b)
{
	if (r->cmos[RTC_REG_B] & RTC_B_24H)
		return rtc_dec(r, b);
	return rtc_dec(r, b & (uint8_t)~RTC_HOUR_PM) % 12 + (b & RTC_HOUR_PM ? 12 : 0);
}

static unsigned rtc_min(unsigned v, unsigned max)
{
	return v < max ? v : max;
}

static bool rtc_clock_reg(uint8_t idx)
{
	return idx == RTC_REG_SECONDS || idx == RTC_REG_MINUTES || idx == RTC_REG_HOURS ||
	       (idx >= RTC_REG_WEEKDAY && idx <= RTC_REG_YEAR) || idx == RTC_REG_CENTURY;
}

/* Writes time t into the clock bytes in the current format. */
static void rtc_store_time(struct rtc *r, uint64_t t)
{
	struct rtc_time tm;

	rtc_civil_from_unix(t, &tm);
	r->cmos[RTC_REG_SECONDS] = rtc_enc(r, tm.sec);
	r->cmos[RTC_REG_MINUTES] = rtc_enc(r, tm.min);
	r->cmos[RTC_REG_HOURS] = rtc_enc_hour(r, tm.hour);
	r->cmos[RTC_REG_WEEKDAY] = rtc_enc(r, tm.weekday + 1U);
	r->cmos[RTC_REG_DAY] = rtc_enc(r, tm.day);
	r->cmos[RTC_REG_MONTH] = rtc_enc(r, tm.month);
	r->cmos[RTC_REG_YEAR] = rtc_enc(r, (unsigned)(tm.year % 100));
	r->cmos[RTC_REG_CENTURY] = rtc_enc(r, (unsigned)(tm.year / 100 % 100));
}

/* The time the clock bytes hold; the weekday byte is not kept but recomputed from the date. */
static uint64_t rtc_load_time(const struct rtc *r)
{
	const uint8_t *c = r->cmos;
	struct rtc_time tm = {
		.year = rtc_min(rtc_dec(r, c[RTC_REG_CENTURY]), 99) * 100ULL +
			rtc_min(rtc_dec(r, c[RTC_REG_YEAR]), 99),
		.month = (uint8_t)rtc_min(rtc_dec(r, c[RTC_REG_MONTH]), 12),
		.day = (uint8_t)rtc_min(rtc_dec(r, c[RTC_REG_DAY]), 31),
		.hour = (uint8_t)rtc_min(rtc_dec_hour(r, c[RTC_REG_HOURS]), 23),
		.min = (uint8_t)rtc_min(rtc_dec(r, c[RTC_REG_MINUTES]), 59),
		.sec = (uint8_t)rtc_min(rtc_dec(r, c[RTC_REG_SECONDS]), 59),
	};

	return rtc_unix_from_civil(&tm);
}

/* --------------------------------------------------------- timing --- */

static bool rtc_divider_on(const struct rtc *r)
{
	return (r->cmos[RTC_REG_A] & RTC_A_DV_RESET) != RTC_A_DV_RESET;
}

/* Updates happen: the divider runs and SET does not inhibit them. */
static bool rtc_clock_on(const struct rtc *r)
{
	return rtc_divider_on(r) && !(r->cmos[RTC_REG_B] & RTC_B_SET);
}

static uint64_t rtc_since_base(const struct rtc *r, uint64_t now)
{
	int64_t d = (int64_t)now - r->base_ns;

	return d > 0 ? (uint64_t)d : 0;
}

/* Guest time base_ns + since (since >= 1 s, so never before 0), saturating. */
static uint64_t rtc_at(const struct rtc *r, uint64_t since)
{
	uint64_t base;

	if (r->base_ns < 0)
		return since - (uint64_t)-r->base_ns;
	base = (uint64_t)r->base_ns;
	return since > RTC_NEVER - base ? RTC_NEVER : base + since;
}

static uint64_t rtc_now_time(const struct rtc *r, uint64_t now)
{
	return r->base_time + rtc_since_base(r, now) / RTC_NS_PER_SEC;
}

/* The update that last happened by now, as a time since base_ns. */
static uint64_t rtc_last_update_since(const struct rtc *r, uint64_t now)
{
	return rtc_since_base(r, now) / RTC_NS_PER_SEC * RTC_NS_PER_SEC;
}

static uint64_t rtc_next_update(const struct rtc *r, uint64_t now)
{
	return rtc_at(r, rtc_last_update_since(r, now) + RTC_NS_PER_SEC);
}

static bool rtc_uip(const struct rtc *r, uint64_t now)
{
	return rtc_clock_on(r) && rtc_next_update(r, now) - now <= RTC_UIP_NS;
}

/*
 * Periodic rate in time-base ticks: RS 3..15 divide by 2^(RS-1) (8192 Hz to
 * 2 Hz); with a 32.768 kHz base RS 1 and 2 repeat RS 8 and 9 (256, 128 Hz).
 */
static uint64_t rtc_period_ticks(uint8_t a)
{
	unsigned rs = a & RTC_A_RS_MASK;

	if (rs == 0)
		return 0;
	if (rs <= 2)
		return 64ULL << rs;
	return 1ULL << (rs - 1);
}

static uint64_t rtc_ns_to_ticks(uint64_t ns)
{
	return ns / RTC_NS_PER_SEC * RTC_TICK_HZ +
	       ns % RTC_NS_PER_SEC * RTC_TICK_HZ / RTC_NS_PER_SEC;
}

/* The first nanosecond by which t ticks have elapsed. */
static uint64_t rtc_ticks_to_ns(uint64_t t)
{
	return t / RTC_TICK_HZ * RTC_NS_PER_SEC +
	       (t % RTC_TICK_HZ * RTC_NS_PER_SEC + RTC_TICK_HZ - 1) / RTC_TICK_HZ;
}

/* Periodic flags come from the divider chain, so they run during SET too. */
static uint64_t rtc_next_periodic(const struct rtc *r, uint64_t now)
{
	uint64_t p = rtc_period_ticks(r->cmos[RTC_REG_A]);

	if (!p || !rtc_divider_on(r))
		return RTC_NEVER;
	return rtc_at(r, rtc_ticks_to_ns((rtc_ns_to_ticks(rtc_since_base(r, now)) / p + 1) * p));
}

/* An alarm byte matches the clock byte, or is a don't-care code (0xc0-0xff). */
static bool rtc_alarm_match(uint8_t alarm, uint8_t clock)
{
	return alarm >= RTC_ALARM_DONT_CARE || alarm == clock;
}

/* Whether any valid value of a field (0..n-1, hours if hours) matches alarm. */
static bool rtc_alarm_can_match(const struct rtc *r, uint8_t alarm, unsigned n, bool hours)
{
	for (unsigned v = 0; v < n; v++)
		if (rtc_alarm_match(alarm, hours ? rtc_enc_hour(r, v) : rtc_enc(r, v)))
			return true;
	return false;
}

/*
 * The chip sets AF at the update that makes seconds, minutes and hours
 * match their alarm bytes: find the first such time after now's, at most a
 * day ahead. The fields that cannot match at all are weeded out first, so
 * each loop below finds its match within one pass.
 */
static uint64_t rtc_next_alarm(const struct rtc *r, uint64_t now)
{
	const uint8_t as = r->cmos[RTC_REG_SECONDS_ALARM], am = r->cmos[RTC_REG_MINUTES_ALARM];
	const uint8_t ah = r->cmos[RTC_REG_HOURS_ALARM];
	uint64_t t, day;
	unsigned h0, m0, s0;

	if (!rtc_clock_on(r) || !rtc_alarm_can_match(r, as, 60, false) ||
	    !rtc_alarm_can_match(r, am, 60, false) || !rtc_alarm_can_match(r, ah, 24, true))
		return RTC_NEVER;
	t = rtc_now_time(r, now) + 1;
	day = t / RTC_SECS_PER_DAY;
	h0 = (unsigned)(t % RTC_SECS_PER_DAY / 3600);
	m0 = (unsigned)(t % 3600 / 60);
	s0 = (unsigned)(t % 60);
	for (unsigned d = 0; d < 2; d++) {
		for (unsigned h = d ? 0 : h0; h < 24; h++) {
			bool first_h = !d && h == h0;

			if (!rtc_alarm_match(ah, rtc_enc_hour(r, h)))
				continue;
			for (unsigned m = first_h ? m0 : 0; m < 60; m++) {
				bool first_m = first_h && m == m0;

				if (!rtc_alarm_match(am, rtc_enc(r, m)))
					continue;
				for (unsigned s = first_m ? s0 : 0; s < 60; s++) {
					uint64_t at = (day + d) * RTC_SECS_PER_DAY + h * 3600U +
						      m * 60U + s;

					if (!rtc_alarm_match(as, rtc_enc(r, s)))
						continue;
					return rtc_at(r, (at - r->base_time) * RTC_NS_PER_SEC);
				}
			}
		}
	}
	return RTC_NEVER;
}

static void rtc_schedule(struct rtc *r, uint64_t now)
{
	r->next_update_ns = rtc_clock_on(r) ? rtc_next_update(r, now) : RTC_NEVER;
	r->next_alarm_ns = rtc_next_alarm(r, now);
	r->next_periodic_ns = rtc_next_periodic(r, now);
}

/* IRQF and the IRQ pin: PF.PIE + AF.AIE + UF.UIE (B's enables sit over C's flags). */
static bool rtc_irqf(const struct rtc *r)
{
	return r->flags & r->cmos[RTC_REG_B] & RTC_C_FLAGS;
}

static void rtc_sync_irq(struct rtc *r)
{
	bool level = rtc_irqf(r);

	if (level != r->irq_level) {
		r->irq_level = level;
		irq_line_set(&r->wire, level);
	}
}

/* Latches the flags of events due by now; several missed periods make one flag. */
static void rtc_catch_up(struct rtc *r, uint64_t now)
{
	if (r->next_update_ns <= now) {
		r->flags |= RTC_C_UF;
		r->next_update_ns = rtc_next_update(r, now);
	}
	if (r->next_alarm_ns <= now) {
		r->flags |= RTC_C_AF;
		r->next_alarm_ns = rtc_next_alarm(r, now);
	}
	if (r->next_periodic_ns <= now) {
		r->flags |= RTC_C_PF;
		r->next_periodic_ns = rtc_next_periodic(r, now);
	}
	rtc_sync_irq(r);
}

/* ------------------------------------------------------ registers --- */

static uint8_t rtc_reg_read(struct rtc *r, uint8_t idx, uint64_t now)
{
	uint8_t v;

	switch (idx) {
	case RTC_REG_A:
		return (uint8_t)((r->cmos[RTC_REG_A] & (uint8_t)~RTC_A_UIP) |
				 (rtc_uip(r, now) ? RTC_A_UIP : 0));
	case RTC_REG_C:
		v = (uint8_t)(r->flags | (rtc_irqf(r) ? RTC_C_IRQF : 0));
		r->flags = 0;
		rtc_sync_irq(r);
		return v;
	case RTC_REG_D:
		return RTC_D_VRT;
	default:
		if (rtc_clock_reg(idx) && rtc_clock_on(r))
			rtc_store_time(r, rtc_now_time(r, now));
		return r->cmos[idx];
	}
}

/*
 * The clock restarts from its bytes. Out of divider reset the first update
 * is half a second away; otherwise (SET cleared, or a clock byte written
 * while running) updates keep the divider's phase, as on the chip.
 */
static void rtc_restart_clock(struct rtc *r, uint64_t now, bool divider_released)
{
	if (!divider_released)
		r->base_ns += (int64_t)rtc_last_update_since(r, now);
	r->base_time = rtc_load_time(r);
}

static void rtc_reg_write(struct rtc *r, uint8_t idx, uint8_t v, uint64_t now)
{
	bool was_on = rtc_clock_on(r), divider_was_on = rtc_divider_on(r), released;
	uint64_t t = rtc_now_time(r, now);

	switch (idx) {
	case RTC_REG_A:
		r->cmos[RTC_REG_A] = v & (uint8_t)~RTC_A_UIP;
		break;
	case RTC_REG_B:
		/* Setting SET clears UIE (MC146818A register B, bit 4). */
		r->cmos[RTC_REG_B] = v & RTC_B_SET ? v & (uint8_t)~RTC_B_UIE : v;
		break;
	case RTC_REG_C:
	case RTC_REG_D:
		return; /* read-only */
	default:
		if (rtc_clock_reg(idx) && was_on) {
			rtc_store_time(r, t);
			r->cmos[idx] = v;
			rtc_restart_clock(r, now, false);
		} else {
			r->cmos[idx] = v;
		}
		if (!rtc_clock_reg(idx) && idx != RTC_REG_SECONDS_ALARM &&
		    idx != RTC_REG_MINUTES_ALARM && idx != RTC_REG_HOURS_ALARM)
			return; /* plain memory */
		break;
	}

	released = !divider_was_on && rtc_divider_on(r);
	if (released)
		r->base_ns = (int64_t)now - RTC_FIRST_UPDATE_NS;
	if (was_on && !rtc_clock_on(r))
		rtc_store_time(r, t); /* frozen: the bytes now hold the time */
	else if (!was_on && rtc_clock_on(r))
		rtc_restart_clock(r, now, released);
	rtc_schedule(r, now);
	rtc_sync_irq(r);
}

/* ------------------------------------------------------ interface --- */

static void rtc_put16(struct rtc *r, uint8_t idx, uint64_t v)
{
	r->cmos[idx] = (uint8_t)v;
	r->cmos[idx + 1] = (uint8_t)(v >> 8);
}

static void rtc_fill_memory_size(struct rtc *r, uint64_t ram)
{
	uint64_t low = ram < 4 * RTC_GIB ? ram : 4 * RTC_GIB;
	uint64_t ext_kb = 0, blocks_16m = 0, blocks_4g = 0;
	unsigned sum = 0;

	if (ram > RTC_MIB)
		ext_kb = (ram - RTC_MIB) / RTC_KIB;
	if (ext_kb > RTC_EXT_KB_MAX)
		ext_kb = RTC_EXT_KB_MAX;
	if (low > 16 * RTC_MIB)
		blocks_16m = (low - 16 * RTC_MIB) >> 16;
	if (ram > 4 * RTC_GIB)
		blocks_4g = (ram - 4 * RTC_GIB) >> 16;
	if (blocks_4g > 0xffffffU)
		blocks_4g = 0xffffffU;

	rtc_put16(r, RTC_CMOS_BASE_KB, ram < 640 * RTC_KIB ? ram / RTC_KIB : 640);
	rtc_put16(r, RTC_CMOS_EXT_KB, ext_kb);
	rtc_put16(r, RTC_CMOS_EXT_KB2, ext_kb);
	rtc_put16(r, RTC_CMOS_EXT_16M, blocks_16m);
	rtc_put16(r, RTC_CMOS_EXT_4G, blocks_4g);
	r->cmos[RTC_CMOS_EXT_4G + 2] = (uint8_t)(blocks_4g >> 16);

	/* The AT BIOS's checksum over 0x10-0x2d, big-endian at 0x2e. */
	for (unsigned i = RTC_CMOS_CHECKSUM_FIRST; i <= RTC_CMOS_CHECKSUM_LAST; i++)
		sum += r->cmos[i];
	r->cmos[RTC_CMOS_CHECKSUM_HI] = (uint8_t)(sum >> 8);
	r->cmos[RTC_CMOS_CHECKSUM_HI + 1] = (uint8_t)sum;
}

void rtc_init(struct rtc *r, uint64_t epoch_at_start, uint64_t ram_bytes, struct irq_line irq8)
{
	memset(r, 0, sizeof(*r));
	r->cmos[RTC_REG_A] = RTC_A_POWER_ON;
	r->cmos[RTC_REG_B] = RTC_B_POWER_ON;
	r->base_time = epoch_at_start;
	r->wire = irq8;
	rtc_store_time(r, epoch_at_start);
	rtc_fill_memory_size(r, ram_bytes);
	rtc_schedule(r, 0);
}

uint64_t rtc_update(struct rtc *r, uint64_t now_ns)
{
	uint64_t next = RTC_NEVER;
	uint8_t waiting;

	rtc_catch_up(r, now_ns);
	/* A flag already set changes nothing when it is set again. */
	waiting = r->cmos[RTC_REG_B] & (uint8_t)~r->flags;
	if ((waiting & RTC_B_PIE) && r->next_periodic_ns < next)
		next = r->next_periodic_ns;
	if ((waiting & RTC_B_AIE) && r->next_alarm_ns < next)
		next = r->next_alarm_ns;
	if ((waiting & RTC_B_UIE) && r->next_update_ns < next)
		next = r->next_update_ns;
	return next;
}

bool rtc_io_write(struct rtc *r, uint16_t port, uint8_t value, uint64_t now_ns)
{
	if (port == RTC_PORT_INDEX) {
		r->index = value & RTC_PORT70_INDEX_MASK;
		r->nmi_disabled = value & RTC_PORT70_NMI_DISABLE;
		return true;
	}
	if (port != RTC_PORT_DATA)
		return false;
	rtc_catch_up(r, now_ns);
	rtc_reg_write(r, r->index, value, now_ns);
	return true;
}

bool rtc_io_read(struct rtc *r, uint16_t port, uint8_t *value, uint64_t now_ns)
{
	if (port == RTC_PORT_INDEX) {
		*value = 0xff; /* write-only on the PC/AT */
		return true;
	}
	if (port != RTC_PORT_DATA)
		return false;
	rtc_catch_up(r, now_ns);
	*value = rtc_reg_read(r, r->index, now_ns);
	return true;
}
