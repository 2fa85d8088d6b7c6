/*
 * The host's CMOS real-time clock, read once at boot to give guests the
 * time of day. Runs at boot on the boot CPU.
 */
#ifndef DRIVERS_CMOS_CLOCK_H
#define DRIVERS_CMOS_CLOCK_H

#include <stdint.h>

struct cmos_time {
	unsigned year, month, day, hour, min, sec;
};

/* 0 and the time as the clock keeps it (normally UTC); -1 if it reads as nonsense. */
int cmos_clock_read(struct cmos_time *t);

#endif
