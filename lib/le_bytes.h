/*
 * Little-endian loads and stores of 16-, 32- and 64-bit values at any byte
 * address: for formats that are bytes on the wire or in guest memory (the
 * Linux zero page, Multiboot structures, PCI configuration space,
 * snapshots), read and written field by field whatever the alignment.
 */
#ifndef LIB_LE_BYTES_H
#define LIB_LE_BYTES_H

#include <stdint.h>

static inline uint16_t le_load16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t le_load32(const uint8_t *p)
{
	return (uint32_t)le_load16(p) | (uint32_t)le_load16(p + 2) << 16;
}

static inline uint64_t le_load64(const uint8_t *p)
{
	return (uint64_t)le_load32(p) | (uint64_t)le_load32(p + 4) << 32;
}

static inline void le_store16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void le_store32(uint8_t *p, uint32_t v)
{
	le_store16(p, (uint16_t)v);
	le_store16(p + 2, (uint16_t)(v >> 16));
}

static inline void le_store64(uint8_t *p, uint64_t v)
{
	le_store32(p, (uint32_t)v);
	le_store32(p + 4, (uint32_t)(v >> 32));
}

#endif
