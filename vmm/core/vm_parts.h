/*
 * The parts of a VM that rooms above core provide: its guest image
 * (vmm/boot/guest_boot.c), its devices and their timers
 * (vmm/platform/vm_devices.c) and its MSR bitmap (vmm/exit/msr.c).
 * Declared here so that VM creation and the scheduler, in core, call them
 * without including anything above core (tests/layout/check-includes.sh);
 * each room's own header includes this one. Runs in VMX root.
 */
#ifndef VMM_CORE_VM_PARTS_H
#define VMM_CORE_VM_PARTS_H

#include <stdint.h>

struct vm;

/* Puts the guest's image into its RAM and sets where its vCPUs start. 0 ok; -1 with *why (a missing image, one that does not fit, an unknown format). */
int guest_boot(struct vm *vm, const char **why);

/* Places every device of the VM's PC on its buses and wires its interrupt lines. 0 ok, -1 if a range clashes. */
int vm_devices_init(struct vm *vm);

/*
 * Brings the VM's timers up to now, raising their interrupt lines. Returns
 * the host TSC at which the next timer interrupt is due, or UINT64_MAX, and
 * keeps it in vm->next_timer_tsc.
 */
uint64_t vm_devices_update(struct vm *vm);

/* The same, but only when a timer is due or was reprogrammed: the per-entry fast path. */
uint64_t vm_devices_update_if_due(struct vm *vm, uint64_t now_tsc);

/* Fills a 4 KiB MSR bitmap: exit on everything but the pass-through MSRs. */
void msr_bitmap_init(uint8_t *bitmap);

#endif
