/*
 * A guest's ACPI tables (built by vmm/boot/acpi_build.c) placed in its RAM.
 */
#include "vmm/boot/guest_acpi.h"

#include "mm/heap.h"
#include "vmm/boot/acpi_build.h"
#include "vmm/dev/ioapic.h"
#include "vmm/dev/lapic.h"
#include "vmm/core/vm.h"

uint64_t guest_acpi_install(struct vm *vm)
{
	struct acpi_build_config cfg = {
		.cpu_count = vm->vcpu_count,
		.lapic_address = (uint32_t)LAPIC_MMIO_BASE,
		.ioapic_address = (uint32_t)IOAPIC_MMIO_BASE,
		.ioapic_id = (uint8_t)vm->vcpu_count,
		.pm1a_evt_port = GUEST_PM_BASE,
		.pm1a_cnt_port = GUEST_PM_BASE + 4,
		.pm_timer_port = GUEST_PM_BASE + 8,
		.sci_irq = GUEST_SCI_IRQ,
		.slp_typ_s5 = GUEST_S5_TYP,
		.reset_port = 0xcf9,
		.reset_value = 0x06,
	};
	uint8_t *buf = kzalloc(GUEST_ACPI_MAX);
	size_t len;

	if (!buf)
		return 0;
	len = acpi_build_tables(&cfg, GUEST_ACPI_GPA, buf, GUEST_ACPI_MAX);
	if (len && vm_copy_to_guest(vm, GUEST_ACPI_GPA, buf, len))
		len = 0;
	kfree(buf);
	return len ? GUEST_ACPI_GPA : 0;
}
