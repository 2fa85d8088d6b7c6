/*
 * Powering the host off and rebooting it: ACPI first, then the legacy PC
 * ways, then UEFI runtime services, each attempt logged so that a serial
 * transcript shows which one worked.
 *
 * Kernel only. power_init runs once at boot on the BSP; power_off and
 * power_reboot may be called from any CPU and turn interrupts off. Their
 * waits use timer_udelay, so call timer_calibrate first for accurate ones.
 */
#ifndef DRIVERS_POWER_H
#define DRIVERS_POWER_H

#include <stdint.h>

struct acpi_info;

/*
 * Records what power_off and power_reboot may use. acpi may be NULL (no
 * usable ACPI tables); efi_runtime_services is the physical, identity-mapped
 * address of EFI_RUNTIME_SERVICES, 0 if none.
 */
void power_init(const struct acpi_info *acpi, uint64_t efi_runtime_services);

/*
 * ACPI S5 through PM1a/PM1b_CNT (enabling ACPI mode first if SCI_EN is
 * clear), then UEFI ResetSystem(EfiResetShutdown); halts if both fail.
 */
__attribute__((noreturn)) void power_off(void);

/*
 * The FADT reset register, then port 0xCF9, then the keyboard controller,
 * then UEFI ResetSystem(EfiResetCold), then a triple fault.
 */
__attribute__((noreturn)) void power_reboot(void);

#endif
