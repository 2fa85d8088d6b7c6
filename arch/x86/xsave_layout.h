/*
 * Checks an XSAVE image against the layout the SDM gives it (Vol. 1, 13.4),
 * so the hypervisor can tell whether the CPU's own XSAVEC is sound before
 * offering it to guests. Pure: the same code runs in the kernel's boot-time
 * probe (arch/x86/fpu.c) and in host unit tests.
 */
#ifndef ARCH_X86_XSAVE_LAYOUT_H
#define ARCH_X86_XSAVE_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define XSAVE_HEADER_OFFSET 512U     /* XSTATE_BV, then XCOMP_BV, then 48 reserved bytes */
#define XSAVE_EXTENDED_OFFSET 576U   /* the first extended component, compacted or not */
#define XSAVE_XCOMP_COMPACTED (1ULL << 63)

/* The byte the probe fills the upper half of YMM0 with (vcmpps "true": all ones). */
#define XSAVE_PROBE_YMM_BYTE 0xffU

/*
 * `area` (at least 1 KiB) holds what XSAVEC wrote with RFBM = x87 | SSE |
 * AVX while the upper half of YMM0 was all ones and the buffer was zeroed
 * before. Sound means: XCOMP_BV says compacted with exactly those three
 * components, the reserved header bytes are still zero, and YMM0's upper
 * half is the first extended component, at offset 576 (13.4.3: the first
 * component of the compacted area starts right after the header).
 * Returns NULL when sound, else what is wrong.
 */
const char *xsavec_image_fault(const uint8_t *area, size_t len);

/*
 * Whether XSETBV takes `xcr0` as a combination (SDM Vol. 1, 13.3): x87 set,
 * AVX only with SSE, the three AVX-512 components together and only with
 * AVX, AMX's two together. Which bits the CPU has is the caller's check.
 */
static inline bool xcr0_combination_valid(uint64_t xcr0)
{
	const uint64_t sse = 1ULL << 1, avx = 1ULL << 2, avx512 = 7ULL << 5;
	const uint64_t amx = 3ULL << 17;

	return (xcr0 & 1) && (!(xcr0 & avx) || (xcr0 & sse)) &&
	       (!(xcr0 & avx512) || ((xcr0 & avx512) == avx512 && (xcr0 & avx))) &&
	       (!(xcr0 & amx) || (xcr0 & amx) == amx);
}

#endif
