/*
 * Guest FPU state switching with XSAVE/XRSTOR (SDM Vol. 1, 13), or
 * FXSAVE/FXRSTOR where the CPU has no XSAVE. Runs in VMX root.
 */
#include "arch/x86/fpu.h"

#include "arch/x86/cpu.h"

#define CR4_OSFXSR (1UL << 9)
#define CR4_OSXMMEXCPT (1UL << 10)
#define CR4_OSXSAVE (1UL << 18)
#define CPUID1_ECX_XSAVE (1U << 26)

static bool has_xsave;

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
