/*
 * Reads the host's MC146818-compatible RTC (ports 0x70/0x71): waits for the
 * update-in-progress flag to clear, reads the time twice until two reads
 * agree, and converts BCD and 12-hour formats as register B says.
 */
#include "drivers/cmos_clock.h"

#include "arch/x86/cpu.h"

#define CMOS_INDEX 0x70U
#define CMOS_DATA 0x71U
#define NMI_DISABLE 0x80U
#define REG_A_UIP 0x80U
#define REG_B_24H 0x02U
#define REG_B_BINARY 0x04U
#define UIP_SPINS 1000000

static uint8_t cmos_read(uint8_t reg)
{
	outb(CMOS_INDEX, NMI_DISABLE | reg);
	return inb(CMOS_DATA);
}

static void read_raw(uint8_t r[7])
{
	static const uint8_t regs[7] = { 0x00, 0x02, 0x04, 0x07, 0x08, 0x09, 0x32 };
	int spins = UIP_SPINS, i;

	while ((cmos_read(0x0a) & REG_A_UIP) && --spins)
		cpu_pause();
	for (i = 0; i < 7; i++)
		r[i] = cmos_read(regs[i]);
}

static unsigned from_bcd(uint8_t v, int binary)
{
	return binary ? v : (v >> 4) * 10U + (v & 0xfU);
}

int cmos_clock_read(struct cmos_time *tm)
{
	uint8_t a[7], b[7];
	uint8_t reg_b = cmos_read(0x0b);
	int binary = reg_b & REG_B_BINARY, tries, i;
	unsigned hour, century;

	for (tries = 0; tries < 5; tries++) {
		read_raw(a);
		read_raw(b);
		for (i = 0; i < 7 && a[i] == b[i]; i++)
			;
		if (i == 7)
			break;
	}
	hour = from_bcd(a[2] & 0x7f, binary);
	if (!(reg_b & REG_B_24H) && (a[2] & 0x80))
		hour = (hour % 12) + 12; /* 12-hour clock, PM */
	century = from_bcd(a[6], binary);
	if (century < 19 || century > 30)
		century = 20; /* many clocks leave register 0x32 unset */
	tm->sec = from_bcd(a[0], binary);
	tm->min = from_bcd(a[1], binary);
	tm->hour = hour;
	tm->day = from_bcd(a[3], binary);
	tm->month = from_bcd(a[4], binary);
	tm->year = century * 100 + from_bcd(a[5], binary);
	if (tm->month < 1 || tm->month > 12 || tm->day < 1 || tm->day > 31 || tm->sec > 59 ||
	    tm->hour > 23 || tm->min > 59)
		return -1;
	return 0;
}
