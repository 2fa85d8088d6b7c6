/*
 * A VM's PC as data: one table of its devices, each with where its state
 * lives, the bus ranges it answers and their handlers. vm_devices_init
 * (declared in vmm/core/vm_parts.h) initialises the models, wires their
 * interrupt lines and registers every range the table names; a checkpoint
 * walks the same table to find each device's state. Runs in VMX root.
 */
#ifndef VMM_VM_DEVICES_H
#define VMM_VM_DEVICES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/core/vm_parts.h" /* vm_devices_init() and the timer updates */

struct vm;
struct vcpu;
struct io_ops;

enum vm_bus { VM_BUS_PIO, VM_BUS_MMIO };

struct vm_device_range {
	enum vm_bus bus;
	uint64_t base, len; /* len 0 ends a device's list */
	const char *name;   /* as `info` shows it */
};

#define VM_DEVICE_RANGES 3

struct vm_device {
	const char *name;
	/*
	 * Handlers of every range: v is the vCPU making the access, opaque the
	 * device's state in that VM (NULL for a stateless or per-vCPU device,
	 * whose handlers take v's own).
	 */
	const struct io_ops *ops;
	size_t state_offset; /* in struct vm, or in struct vcpu if per_vcpu */
	size_t state_size;   /* 0: no state */
	bool per_vcpu;
	struct vm_device_range ranges[VM_DEVICE_RANGES];
};

extern const struct vm_device vm_device_table[];
extern const unsigned vm_device_count;

/* Device d's state in vm (for a per-vCPU device, in vCPU v), or NULL if it has none. */
void *vm_device_state(const struct vm_device *d, struct vm *vm, struct vcpu *v);

/* The host's wall clock (its CMOS RTC) in Unix seconds; 0 if it cannot be read. */
uint64_t host_unix_time(void);

/* An ACPI power-button press (xl shutdown): the guest's OS decides what to do. */
void vm_devices_power_button(struct vm *vm);

/* The guest's memory map and devices, one "kind first-last name" line each; returns bytes. */
size_t vm_devices_describe(struct vm *vm, char *out, size_t size);

#endif
