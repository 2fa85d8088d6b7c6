/*
 * Guest FPU state switching with XSAVE/XRSTOR (SDM Vol. 1, 13), or
 * FXSAVE/FXRSTOR where the CPU has no XSAVE. Runs in VMX root.
 */
#include "arch/x86/fpu.h"

#include "arch/x86/cpu.h"
#include "arch/x86/xsave_layout.h"

#define CR4_OSFXSR (1UL << 9)
#define CR4_OSXMMEXCPT (1UL << 10)
#define CR4_OSXSAVE (1UL << 18)
#define CPUID1_ECX_XSAVE (1U << 26)
#define CPUID1_ECX_AVX (1U << 28)
#define CPUID_D1_EAX_XSAVEC (1U << 1)

static bool has_xsave;
static const char *xsavec_fault;

void fpu_init_cpu(void)
{
	uint64_t cr4 = read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT;

	has_xsave = cpuid(1, 0).ecx & CPUID1_ECX_XSAVE;
	if (has_xsave)
		cr4 |= CR4_OSXSAVE;
	write_cr4(cr4);
}

bool fpu_has_xsave(void)
{
	return has_xsave;
}

static void xsetbv0(uint64_t value)
{
	__asm__ volatile("xsetbv" : : "c"(0), "a"((uint32_t)value), "d"((uint32_t)(value >> 32)));
}

uint64_t fpu_xcr0_supported(void)
{
	struct cpuid_regs r;

	if (!has_xsave)
		return 1;
	r = cpuid(0xd, 0);
	return r.eax | (uint64_t)r.edx << 32;
}

void fpu_load_xcr0(uint64_t xcr0)
{
	if (has_xsave)
		xsetbv0(xcr0);
}

void fpu_save(void *area, uint64_t xcr0)
{
	if (has_xsave)
		__asm__ volatile("xsave64 (%0)"
				 : : "r"(area), "a"((uint32_t)xcr0), "d"((uint32_t)(xcr0 >> 32))
				 : "memory");
	else
		__asm__ volatile("fxsave64 (%0)" : : "r"(area) : "memory");
}

void fpu_restore(const void *area, uint64_t xcr0)
{
	if (has_xsave) {
		xsetbv0(xcr0);
		__asm__ volatile("xrstor64 (%0)"
				 : : "r"(area), "a"((uint32_t)xcr0), "d"((uint32_t)(xcr0 >> 32))
				 : "memory");
	} else {
		__asm__ volatile("fxrstor64 (%0)" : : "r"(area) : "memory");
	}
}

static uint64_t xgetbv0(void)
{
	uint32_t lo, hi;

	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((uint64_t)hi << 32) | lo;
}

/*
 * XSAVEC's compacted image must put the first extended component right
 * after the header, at 576 (SDM Vol. 1, 13.4.3, 13.10). Bochs 2.7 starts
 * counting at the SSE state's offset instead and writes the AVX state 160
 * bytes early, over the header: a guest kernel that saves tasks with
 * XSAVEC (Linux does when XSAVES is absent) then restores garbage or, when
 * XRSTOR refuses the header, the init state, and its programs lose their
 * vector and mask registers. So the CPU is asked once: YMM0's upper half
 * set to all ones, XSAVEC of x87|SSE|AVX into a zeroed page, and the
 * image checked. Runs on the boot CPU before any guest; leaves XCR0 and
 * the registers as it found them, but for YMM0, which no host code uses.
 */
static uint8_t probe_area[4096] __attribute__((aligned(64)));

void fpu_probe_xsavec(void)
{
	uint64_t xcr0;
	unsigned i;

	if (!has_xsave || !(cpuid(1, 0).ecx & CPUID1_ECX_AVX) || cpuid(0, 0).eax < 0xd ||
	    !(cpuid(0xd, 1).eax & CPUID_D1_EAX_XSAVEC) || (cpuid(0xd, 0).eax & 7) != 7)
		return; /* no XSAVEC to offer, or no AVX state to see it with */
	for (i = 0; i < sizeof(probe_area); i++)
		probe_area[i] = 0;
	xcr0 = xgetbv0();
	xsetbv0(7);
	__asm__ volatile("vcmpps $15, %%ymm0, %%ymm0, %%ymm0\n\t" /* predicate "true": all ones */
			 "xsavec64 (%0)\n\t"
			 "vzeroupper"
			 : : "r"(probe_area), "a"(7U), "d"(0U) : "memory");
	xsetbv0(xcr0);
	xsavec_fault = xsavec_image_fault(probe_area, sizeof(probe_area));
}

const char *fpu_xsavec_fault(void)
{
	return xsavec_fault;
}
