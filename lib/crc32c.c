/*
 * CRC-32C: with SSE4.2's CRC32 instruction eight bytes at a time where the
 * CPU has it (a snapshot checksums all of a guest's RAM), else byte at a
 * time from a 256-entry table built on first use (1 KiB of .bss rather
 * than a literal table nobody can check by eye). Both give the same value:
 * the instruction computes this polynomial, reflected, as the table does.
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

static uint32_t crc32c_table(uint32_t crc, const uint8_t *p, size_t len)
{
	if (!table_ready)
		build_table();
	while (len--)
		crc = table[(crc ^ *p++) & 0xffU] ^ (crc >> 8);
	return crc;
}

#if defined(__x86_64__)
#define CPUID1_ECX_SSE42 (1U << 20)

static int has_crc32_insn(void)
{
	static int known, has;
	uint32_t a = 1, b, c = 0, d;

	if (!known) {
		__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
		has = !!(c & CPUID1_ECX_SSE42);
		known = 1;
	}
	return has;
}

static uint32_t crc32c_insn(uint32_t crc, const uint8_t *p, size_t len)
{
	uint64_t c = crc;

	for (; len >= 8; len -= 8, p += 8) {
		uint64_t q;

		__builtin_memcpy(&q, p, 8);
		__asm__("crc32q %1, %0" : "+r"(c) : "rm"(q));
	}
	return crc32c_table((uint32_t)c, p, len);
}
#endif

uint32_t crc32c_portable(uint32_t crc, const void *buf, size_t len)
{
	return ~crc32c_table(~crc, buf, len);
}

uint32_t crc32c(uint32_t crc, const void *buf, size_t len)
{
#if defined(__x86_64__)
	if (has_crc32_insn())
		return ~crc32c_insn(~crc, buf, len);
#endif
	return crc32c_portable(crc, buf, len);
}
