/*
 * How a guest's CR8 is kept off the physical TPR. Without help from VMX, a
 * guest's MOV to CR8 writes the CPU's own TPR (SDM Vol. 3C 25.3), which
 * outlives the VM exit and holds back the host's interrupts on that CPU:
 * its kicks from other CPUs and its idle timer. Where the CPU offers the
 * TPR shadow, CR8 reads and writes the virtual TPR in the vCPU's
 * virtual-APIC page (SDM 29.1.2, 29.3); elsewhere CR8 loads and stores
 * exit and are emulated against the virtual LAPIC's TPR.
 *
 * Pure: runs at boot in VMX root and in host unit tests.
 */
#ifndef VMM_VTPR_H
#define VMM_VTPR_H

#include <stdint.h>

/*
 * Adjusts the primary processor-based controls *proc (as computed from
 * the capability MSR whose allowed-0 and allowed-1 halves are must1 and
 * may1) for CR8: "use TPR shadow" where may1 has it, with CR8-load and
 * CR8-store exiting dropped unless must1 insists; else both CR8 exits.
 * 0 ok; -1 if the CPU offers neither, *proc unchanged.
 */
int vtpr_choose_controls(uint32_t *proc, uint32_t must1, uint32_t may1);

#endif
