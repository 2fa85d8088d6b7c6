/*
 * FPU/SSE/AVX state of guests. The hypervisor itself never touches these
 * registers (it is built with -mno-sse), so a guest's state stays in the
 * CPU across its exits and is saved only when another vCPU takes the CPU.
 */
#ifndef ARCH_X86_FPU_H
#define ARCH_X86_FPU_H

#include <stdbool.h>
#include <stdint.h>

#define FPU_AREA_SIZE 4096 /* enough for every XSAVE component a CPU reports today */

/* Turns on CR4.OSFXSR/OSXMMEXCPT, and CR4.OSXSAVE where the CPU has XSAVE. */
void fpu_init_cpu(void);
bool fpu_has_xsave(void);

/* The XCR0 bits this CPU takes (CPUID.(EAX=0DH,ECX=0)); just x87 without XSAVE. */
uint64_t fpu_xcr0_supported(void);

/* Loads XCR0 (the guest's, before entering it). */
void fpu_load_xcr0(uint64_t xcr0);

/* Saves the current register state into `area` (64-byte aligned) for the components in xcr0. */
void fpu_save(void *area, uint64_t xcr0);
/* Loads XCR0 and then the state in `area`; a zeroed area gives the reset state. */
void fpu_restore(const void *area, uint64_t xcr0);

/*
 * Checks once, on the boot CPU, that XSAVEC writes the compacted layout the
 * SDM defines; fpu_xsavec_fault() then says what is wrong with it, or NULL
 * (also when the CPU has no XSAVEC).
 */
void fpu_probe_xsavec(void);
const char *fpu_xsavec_fault(void);

#endif
