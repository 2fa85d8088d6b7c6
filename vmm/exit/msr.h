/*
 * Guest MSRs: which pass straight through (the MSR bitmap), which are
 * emulated, and the RDMSR/WRMSR exit handlers. Anything not listed raises
 * #GP(0) in the guest, as a CPU does for an MSR it does not have.
 */
#ifndef VMM_MSR_H
#define VMM_MSR_H

#include <stdint.h>

struct vcpu;

/* msr_bitmap_init() is declared in vmm/core/vm_parts.h: VM creation calls it. */
#include "vmm/core/vm_parts.h"

/* MSRs the CPU does not switch on VM entry/exit but that we pass through: saved and restored when another vCPU takes the CPU. */
#define MSR_SWITCHED_COUNT 6
void msr_init_host(void); /* at boot: which of them the CPU has */
void msr_save_guest(uint64_t *saved);
void msr_load_guest(const uint64_t *saved);

/*
 * MSRs the hypervisor itself depends on (IA32_SPEC_CTRL): the guest's
 * value just before each VM entry, the host's right after each exit.
 */
void msr_enter_guest(struct vcpu *v);
void msr_exit_guest(struct vcpu *v);

int handle_rdmsr(struct vcpu *v);
int handle_wrmsr(struct vcpu *v);

#endif
