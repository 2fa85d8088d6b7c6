/*
 * Flushing a guest's cached translations on its behalf, for the
 * instructions the hypervisor emulates that would have flushed them (MOV
 * to CR3 and CR4, INVLPG, INVPCID). With VPID the CPU keeps a guest's
 * translations across exits and entries, so an emulated flush must be an
 * INVVPID; without it every entry flushes them anyway. Runs in VMX root
 * on the vCPU's CPU.
 */
#ifndef VMM_EXIT_GUEST_TLB_H
#define VMM_EXIT_GUEST_TLB_H

#include <stdint.h>

struct vcpu;

/* Every translation of the vCPU's (more than any one guest flush asks for, which is allowed). */
void guest_tlb_flush(struct vcpu *v);
/* The translations of one linear address, or all of them where the CPU cannot do one address. */
void guest_tlb_flush_address(struct vcpu *v, uint64_t linear);

/* A 64-bit linear address whose bits 63:47 are all equal (SDM Vol. 1, 3.3.7.1). */
static inline int guest_canonical(uint64_t linear)
{
	return (uint64_t)((int64_t)(linear << 16) >> 16) == linear;
}

#endif
