/*
 * What CPUID tells a guest: the host's answer, filtered down to the virtual
 * CPU we really provide (no VMX, no PMU, no MTRRs, no x2APIC yet), with this
 * vCPU's APIC ID and topology and our own 0x4000xxxx leaves.
 *
 * Pure: the host's CPUID comes in through a seam, so the same code runs in
 * the CPUID exit handler (VMX root, interrupts off) and in host unit tests.
 */
#ifndef VMM_CPUID_POLICY_H
#define VMM_CPUID_POLICY_H

#include <stdbool.h>
#include <stdint.h>

/* Executes CPUID on the host: out[] = { eax, ebx, ecx, edx }. */
typedef void (*cpuid_host_fn)(uint32_t leaf, uint32_t subleaf, uint32_t out[4]);

struct cpuid_ctx {
	cpuid_host_fn host;
	uint32_t vcpu_id;    /* becomes the initial (x2)APIC ID */
	uint32_t vcpu_count; /* cores in the guest's single package; 0 is taken as 1 */
	uint64_t guest_cr4;  /* the guest's view: OSXSAVE and PKE are mirrored in CPUID */
	uint64_t guest_xcr0; /* sizes CPUID.(0DH,0):EBX */
	uint64_t tsc_hz;     /* the guest TSC's rate, for leaves 15H and 16H; 0 hides them */
	bool hide_xsavec;    /* the host's XSAVEC writes a wrong layout (arch/x86/fpu.h) */
};

/* The LAPIC timer's input clock that leaf 15H reports as the crystal (vmm/dev/lapic.h). */
#define CPUID_CRYSTAL_HZ 1000000000U

/*
 * The guest's CPUID(leaf, subleaf), into out[] = { eax, ebx, ecx, edx }.
 * Calls c->host several times; every answer is computed afresh, so it
 * follows guest CR4/XCR0 changes without any invalidation.
 */
void cpuid_guest(const struct cpuid_ctx *c, uint32_t leaf, uint32_t subleaf, uint32_t out[4]);

#endif
