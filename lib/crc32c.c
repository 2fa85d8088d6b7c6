/*
 * CRC-32C, byte at a time from a 256-entry table built on first use (1 KiB
 * of .bss rather than a literal table nobody can check by eye).
 */
#include "lib/crc32c.h"

#define CRC32C_POLY_REFLECTED 0x82f63b78U

static uint32_t table[256];
static int table_ready;

static void build_table(void)
{
	uint32_t i, j, c;

	for (i = 0; i < 256; i++) {
		c = i;
		for (j = 0; j < 8; j++)
			c = (c & 1) ? (c >> 1) ^ CRC32C_POLY_REFLECTED : c >> 1;
		table[i] = c;
	}
	table_ready = 1;
}

uint32_t crc32c(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	if (!table_ready)
		build_table();
	crc = ~crc;
	while (len--)
		crc = table[(crc ^ *p++) & 0xffU] ^ (crc >> 8);
	return ~crc;
}
