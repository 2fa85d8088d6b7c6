/*
 * Wiring of a VM's platform devices (PIC, PIT) to its I/O bus and to its
 * vCPUs: the port handlers, the PIC's interrupt lines, and the check before
 * each VM entry for an interrupt to deliver.
 */
#ifndef VMM_VM_DEVICES_H
#define VMM_VM_DEVICES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vm;
struct vcpu;
struct io_ops;

extern const struct io_ops vm_pic_ops;
extern const struct io_ops vm_pit_ops;
extern const struct io_ops vm_uart_ops;
extern const struct io_ops vm_rtc_ops;
extern const struct io_ops vm_sysctl_ops;
extern const struct io_ops vm_pci_ops;
extern const struct io_ops vm_acpi_pm_ops;

/* Registers every platform device of a PC on the VM's buses. 0 ok, -1 if a range clashes. */
int vm_devices_init(struct vm *vm);

/* A byte a guest UART sent: ctx is the struct vm. */
void vm_uart_tx(void *ctx, uint8_t byte);

/*
 * Brings the VM's timers up to now, raising their interrupt lines. Returns
 * the host TSC at which the next timer interrupt is due, or UINT64_MAX, and
 * keeps it in vm->next_timer_tsc.
 */
uint64_t vm_devices_update(struct vm *vm);

/* The same, but only when a timer is due or was reprogrammed: the per-entry fast path. */
uint64_t vm_devices_update_if_due(struct vm *vm, uint64_t now_tsc);

/* An ACPI power-button press (xl shutdown): the guest's OS decides what to do. */
void vm_devices_power_button(struct vm *vm);

/* The guest's memory map and devices, one "kind first-last name" line each; returns bytes. */
size_t vm_devices_describe(struct vm *vm, char *out, size_t size);


#endif
