/*
 * The XSAVEC image check (see arch/x86/xsave_layout.h). Pure C, no
 * privileged instructions.
 */
#include "arch/x86/xsave_layout.h"

#define RFBM_X87_SSE_AVX 0x7ULL
#define YMM_HIGH_BYTES 16U /* YMM0's upper half is the first 16 bytes of the AVX component */

static uint64_t load64(const uint8_t *p)
{
	uint64_t v = 0;
	unsigned i;

	for (i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

const char *xsavec_image_fault(const uint8_t *area, size_t len)
{
	unsigned i;

	if (len < XSAVE_EXTENDED_OFFSET + YMM_HIGH_BYTES)
		return "image too short";
	if (load64(area + XSAVE_HEADER_OFFSET + 8) != (XSAVE_XCOMP_COMPACTED | RFBM_X87_SSE_AVX))
		return "XCOMP_BV is not compacted x87|SSE|AVX";
	if (!(load64(area + XSAVE_HEADER_OFFSET) & 4))
		return "XSTATE_BV says the AVX state was not in use";
	for (i = XSAVE_HEADER_OFFSET + 16; i < XSAVE_EXTENDED_OFFSET; i++)
		if (area[i])
			return "component data over the XSAVE header's reserved bytes";
	for (i = 0; i < YMM_HIGH_BYTES; i++)
		if (area[XSAVE_EXTENDED_OFFSET + i] != XSAVE_PROBE_YMM_BYTE)
			return "the AVX component is not at offset 576";
	return NULL;
}
