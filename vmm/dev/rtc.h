/*
 * Virtual CMOS/RTC: a Motorola MC146818A as wired on the PC/AT, index port
 * 0x70 (bit 7 masks NMI) and data port 0x71, IRQ 8. The clock shows a Unix
 * time given at start plus the guest's virtual nanoseconds; the guest may
 * set it (register B SET), which only moves an offset. CMOS bytes
 * 0x0e-0x7f are plain memory, with the BIOS memory-size bytes pre-filled.
 *
 * A pure state machine: no hardware access, no globals. Every member of
 * struct rtc but wire is plain state, what a snapshot saves; wire, the
 * IRQ 8 line, holds pointers into the owner, which re-creates it on
 * restore. Time is passed in and never ticked. Callers serialise access;
 * runs in VMX root and in host unit tests.
 */
#ifndef VMM_DEV_RTC_H
#define VMM_DEV_RTC_H

#include <stdbool.h>
#include <stdint.h>

#include "vmm/dev/irq.h"

#define RTC_PORT_INDEX 0x70U
#define RTC_PORT_DATA 0x71U
#define RTC_IRQ 8U

/* Register indices (MC146818A "Address Map"; century by the IBM AT BIOS). */
#define RTC_REG_SECONDS 0x00U
#define RTC_REG_SECONDS_ALARM 0x01U
#define RTC_REG_MINUTES 0x02U
#define RTC_REG_MINUTES_ALARM 0x03U
#define RTC_REG_HOURS 0x04U
#define RTC_REG_HOURS_ALARM 0x05U
#define RTC_REG_WEEKDAY 0x06U	/* 1 = Sunday */
#define RTC_REG_DAY 0x07U
#define RTC_REG_MONTH 0x08U
#define RTC_REG_YEAR 0x09U	/* year of the century */
#define RTC_REG_A 0x0aU
#define RTC_REG_B 0x0bU
#define RTC_REG_C 0x0cU
#define RTC_REG_D 0x0dU
#define RTC_REG_CENTURY 0x32U	/* the FADT's CENTURY field names it (ACPI 6.5 5.2.9) */
#define RTC_CMOS_SIZE 0x80U

#define RTC_PORT70_NMI_DISABLE 0x80U
#define RTC_PORT70_INDEX_MASK 0x7fU

/* Register A. */
#define RTC_A_UIP 0x80U		/* update in progress: read-only */
#define RTC_A_DV_MASK 0x70U	/* divider select */
#define RTC_A_DV_32K 0x20U	/* 32.768 kHz time base, the PC's */
#define RTC_A_DV_RESET 0x60U	/* 11x: divider chain held in reset */
#define RTC_A_RS_MASK 0x0fU	/* periodic rate select */

/* Register B. */
#define RTC_B_SET 0x80U		/* inhibit updates so the time can be written */
#define RTC_B_PIE 0x40U
#define RTC_B_AIE 0x20U
#define RTC_B_UIE 0x10U
#define RTC_B_SQWE 0x08U
#define RTC_B_DM_BINARY 0x04U	/* 0: BCD */
#define RTC_B_24H 0x02U
#define RTC_B_DSE 0x01U		/* daylight saving: stored, not applied */

/* Register C: cleared by reading it. */
#define RTC_C_IRQF 0x80U
#define RTC_C_PF 0x40U
#define RTC_C_AF 0x20U
#define RTC_C_UF 0x10U

/* Register D. */
#define RTC_D_VRT 0x80U		/* valid RAM and time: the battery is good */

/* Alarm bytes 0xc0-0xff match any value ("don't care"). */
#define RTC_ALARM_DONT_CARE 0xc0U

/* What BIOSes leave: 32.768 kHz, 1024 Hz periodic rate; 24-hour BCD. */
#define RTC_A_POWER_ON 0x26U
#define RTC_B_POWER_ON 0x02U

/* UIP is set this long before each update (MC146818A "Update Cycle"). */
#define RTC_UIP_NS 244000ULL

/* A broken-down UTC time. */
struct rtc_time {
	uint64_t year;	/* e.g. 2024 */
	uint8_t month;	/* 1..12 */
	uint8_t day;	/* 1..31 */
	uint8_t hour;	/* 0..23 */
	uint8_t min;
	uint8_t sec;
	uint8_t weekday; /* 0 = Sunday .. 6 = Saturday */
};

struct rtc {
	uint8_t cmos[RTC_CMOS_SIZE]; /* A, B, alarms and memory; clock bytes when frozen */
	uint8_t index;		/* selected by port 0x70 */
	bool nmi_disabled;	/* port 0x70 bit 7, kept for whoever models NMI */
	uint8_t flags;		/* register C's PF, AF, UF */
	bool irq_level;		/* what wire is driven to */
	uint64_t base_time;	/* Unix time the clock showed at base_ns */
	int64_t base_ns;	/* guest time of an update; may precede 0 by < 1 s */
	uint64_t next_update_ns; /* UINT64_MAX while no updates happen */
	uint64_t next_alarm_ns;
	uint64_t next_periodic_ns;
	struct irq_line wire;	/* IRQ 8 */
};

/*
 * Power-on: the clock shows epoch_at_start (Unix seconds, UTC) at guest
 * time 0 in 24-hour BCD, with no interrupts enabled. ram_bytes fills the
 * BIOS memory-size bytes as if the RAM were contiguous from address 0.
 */
void rtc_init(struct rtc *r, uint64_t epoch_at_start, uint64_t ram_bytes, struct irq_line irq8);

/*
 * Port accesses (byte wide) at guest time now_ns; false if port is not
 * 0x70 or 0x71. Flags due by now_ns are latched first. An access can move
 * the next deadline: call rtc_update after one.
 */
bool rtc_io_read(struct rtc *r, uint16_t port, uint8_t *value, uint64_t now_ns);
bool rtc_io_write(struct rtc *r, uint16_t port, uint8_t value, uint64_t now_ns);

/*
 * Latches the periodic, alarm and update-ended flags due by now_ns and
 * drives IRQ 8 high while an enabled flag is set (until register C is
 * read). Returns when an enabled flag that is still clear will next be set,
 * UINT64_MAX if none. now_ns must not go backwards.
 */
uint64_t rtc_update(struct rtc *r, uint64_t now_ns);

/* Unix time (seconds since 1970-01-01 UTC) to a calendar date, proleptic Gregorian. */
void rtc_civil_from_unix(uint64_t t, struct rtc_time *out);

/*
 * The inverse, for years from 1970 (earlier dates give 0); weekday is
 * ignored, a month outside 1..12 is clamped and a day past the month's end
 * runs on into the next.
 */
uint64_t rtc_unix_from_civil(const struct rtc_time *tm);

#endif
