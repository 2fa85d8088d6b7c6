/*
 * The ACPI tables and power-management block a guest's firmware would have
 * provided: tables in the guest's BIOS area, the PM block on its ports.
 * Runs in VMX root at VM creation.
 */
#ifndef VMM_GUEST_ACPI_H
#define VMM_GUEST_ACPI_H

#include <stdint.h>

struct vm;

#define GUEST_ACPI_GPA 0xe0000ULL /* inside the e820 hole below 1 MiB, where the RSDP is looked for */
#define GUEST_ACPI_MAX 0x10000ULL
#define GUEST_PM_BASE 0x600U      /* PM1a event 0x600, control 0x604, timer 0x608 */
#define GUEST_SCI_IRQ 9
#define GUEST_S5_TYP 5

/* Writes the tables into the guest's RAM; returns the RSDP's guest-physical address, 0 on failure. */
uint64_t guest_acpi_install(struct vm *vm);

#endif
