/*
 * Tracking of guest RAM through EPT permissions: the one place an EPT
 * violation inside a guest's RAM goes, before the MMIO bus
 * (vmm/exit/exit_ept.c). Runs in VMX root, with the VM's lock held and
 * the faulting vCPU's VMCS current.
 */
#ifndef VMM_CORE_MEM_TRACK_H
#define VMM_CORE_MEM_TRACK_H

#include <stdint.h>

struct vcpu;

enum mem_track_result {
	MEM_TRACK_NOT_HANDLED, /* no tracking claims the page: the caller goes on (MMIO bus, or the guest's end) */
	MEM_TRACK_HANDLED,     /* the page is dealt with: enter the guest again, which retries the access */
};

/* An EPT violation at gpa, inside v's guest RAM; q is the exit qualification (SDM Vol. 3, 28.3.3.2). */
enum mem_track_result mem_track_ept_violation(struct vcpu *v, uint64_t gpa, uint64_t q);

#endif
