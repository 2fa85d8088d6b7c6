/*
 * IA32_PAT values (SDM Vol. 3, 12.12.2 and table 12-10): eight entries of
 * one byte, each a memory type in bits 2:0 with bits 7:3 reserved; types
 * 2 and 3 are reserved. Pure: the host unit tests include it.
 */
#ifndef VMM_MSR_PAT_H
#define VMM_MSR_PAT_H

#include <stdbool.h>
#include <stdint.h>

#define MSR_IA32_PAT 0x277U
#define PAT_DEFAULT 0x0007040600070406ULL /* WB WT UC- UC, twice: the power-up value */

/* Whether WRMSR IA32_PAT may load value; a CPU raises #GP(0) otherwise. */
static inline bool pat_valid(uint64_t value)
{
	unsigned i;

	for (i = 0; i < 8; i++) {
		uint8_t type = (uint8_t)(value >> (i * 8));

		if (type > 7 || type == 2 || type == 3)
			return false;
	}
	return true;
}

#endif
