/*
 * Glue between a VM's platform device models (pure state machines in
 * vmm/dev/) and the rest of the hypervisor: port handlers on the VM's I/O
 * bus, interrupt lines into the PIC, guest time for the PIT, and interrupt
 * delivery to the boot vCPU. Runs in VMX root.
 */
#include "vmm/vm_devices.h"

#include "arch/x86/cpu.h"
#include "drivers/timer.h"
#include "vmm/vm_irq.h"
#include "drivers/cmos_clock.h"
#include "vmm/guest_acpi.h"
#include "vmm/acpi_build.h"
#include "lib/log.h"
#include "lib/printf.h"
#include "vmm/io_bus.h"
#include "vmm/vm.h"

static int pic_read(void *opaque, uint64_t port, unsigned size, uint64_t *value)
{
	struct vm *vm = opaque;
	uint8_t v;

	if (size != 1 || !pic_io_read(&vm->pic, (uint16_t)port, &v))
		return -1;
	*value = v;
	return 0;
}

static int pic_write(void *opaque, uint64_t port, unsigned size, uint64_t value)
{
	struct vm *vm = opaque;

	if (size != 1 || !pic_io_write(&vm->pic, (uint16_t)port, (uint8_t)value))
		return -1;
	return 0;
}

const struct io_ops vm_pic_ops = { pic_read, pic_write };

static int pit_read(void *opaque, uint64_t port, unsigned size, uint64_t *value)
{
	struct vm *vm = opaque;
	uint8_t v;

	if (size != 1 || !pit_io_read(&vm->pit, (uint16_t)port, &v, vm_now_ns(vm)))
		return -1;
	vm->timers_dirty = true;
	*value = v;
	return 0;
}

static int pit_write(void *opaque, uint64_t port, unsigned size, uint64_t value)
{
	struct vm *vm = opaque;

	if (size != 1 || !pit_io_write(&vm->pit, (uint16_t)port, (uint8_t)value, vm_now_ns(vm)))
		return -1;
	vm->timers_dirty = true;
	return 0;
}

const struct io_ops vm_pit_ops = { pit_read, pit_write };

/* The two UARTs share one handler: the port says which. */
static struct vuart *uart_at(struct vm *vm, uint64_t port)
{
	return &vm->com[port >= 0x3f8 ? 0 : 1];
}

static int uart_read(void *opaque, uint64_t port, unsigned size, uint64_t *value)
{
	uint8_t v;

	if (size != 1 || !vuart_io_read(uart_at(opaque, port), (uint16_t)port, &v))
		return -1;
	*value = v;
	/* A byte left the receive FIFO: the next queued keystroke can take its place. */
	vm_console_input_refill(opaque);
	return 0;
}

static int uart_write(void *opaque, uint64_t port, unsigned size, uint64_t value)
{
	if (size != 1 || !vuart_io_write(uart_at(opaque, port), (uint16_t)port, (uint8_t)value))
		return -1;
	return 0;
}

const struct io_ops vm_uart_ops = { uart_read, uart_write };

void vm_uart_tx(void *ctx, uint8_t byte)
{
	char c = (char)byte;

	vm_console_output(ctx, &c, 1);
}

uint64_t vm_devices_update(struct vm *vm)
{
	uint64_t now_ns = vm_now_ns(vm), guest_tsc = rdtsc() + vm->tsc_offset;
	uint64_t next_ns = pit_update(&vm->pit, now_ns);
	uint64_t rtc_ns = rtc_update(&vm->rtc, now_ns);
	uint64_t hz = timer_tsc_hz();
	uint32_t i;

	if (rtc_ns < next_ns)
		next_ns = rtc_ns;
	for (i = 0; i < vm->vcpu_count; i++) {
		uint64_t lapic_ns = lapic_timer_update(&vm->vcpus[i]->lapic, now_ns, guest_tsc);

		if (lapic_ns < next_ns)
			next_ns = lapic_ns;
	}

	vm->timers_dirty = false;
	if (next_ns == UINT64_MAX)
		vm->next_timer_tsc = UINT64_MAX;
	else
		vm->next_timer_tsc = vm->start_tsc + (next_ns / 1000000000ULL) * hz +
				     (next_ns % 1000000000ULL) * hz / 1000000000ULL;
	return vm->next_timer_tsc;
}

uint64_t vm_devices_update_if_due(struct vm *vm, uint64_t now_tsc)
{
	if (vm->timers_dirty || now_tsc >= vm->next_timer_tsc)
		return vm_devices_update(vm);
	return vm->next_timer_tsc;
}


/* -------------------------------------------------- the rest of the PC --- */

static int rtc_read(void *opaque, uint64_t port, unsigned size, uint64_t *value)
{
	struct vm *vm = opaque;
	uint8_t v;

	if (size != 1 || !rtc_io_read(&vm->rtc, (uint16_t)port, &v, vm_now_ns(vm)))
		return -1;
	*value = v;
	return 0;
}

static int rtc_write(void *opaque, uint64_t port, unsigned size, uint64_t value)
{
	struct vm *vm = opaque;

	if (size != 1 || !rtc_io_write(&vm->rtc, (uint16_t)port, (uint8_t)value, vm_now_ns(vm)))
		return -1;
	vm->timers_dirty = true;
	return 0;
}

const struct io_ops vm_rtc_ops = { rtc_read, rtc_write };

static int sysctl_read(void *opaque, uint64_t port, unsigned size, uint64_t *value)
{
	struct vm *vm = opaque;
	uint8_t v;

	if (size != 1 || !sysctl_io_read(&vm->sysctl, (uint16_t)port, &v))
		return -1;
	*value = v;
	return 0;
}

static int sysctl_write(void *opaque, uint64_t port, unsigned size, uint64_t value)
{
	struct vm *vm = opaque;

	if (size != 1 || !sysctl_io_write(&vm->sysctl, (uint16_t)port, (uint8_t)value))
		return -1;
	return 0;
}

const struct io_ops vm_sysctl_ops = { sysctl_read, sysctl_write };

/*
 * 0xcf8-0xcff is shared: 32-bit accesses at 0xcf8 and anything in the data
 * window are PCI configuration; a byte at 0xcf9 is the PIIX reset register.
 */
static int pci_read(void *opaque, uint64_t port, unsigned size, uint64_t *value)
{
	struct vm *vm = opaque;
	uint32_t v;

	if (!pci_io_read(&vm->pci, (uint16_t)port, size, &v))
		return size == 1 ? sysctl_read(opaque, port, size, value) : -1;
	*value = v;
	return 0;
}

static int pci_write(void *opaque, uint64_t port, unsigned size, uint64_t value)
{
	struct vm *vm = opaque;

	if (pci_io_write(&vm->pci, (uint16_t)port, size, (uint32_t)value))
		return 0;
	return size == 1 ? sysctl_write(opaque, port, size, value) : -1;
}

const struct io_ops vm_pci_ops = { pci_read, pci_write };

static int acpi_pm_read(void *opaque, uint64_t port, unsigned size, uint64_t *value)
{
	struct vm *vm = opaque;
	uint32_t v;

	if (!acpi_pm_io_read(&vm->acpi_pm, (uint16_t)port, size, &v, vm_now_ns(vm)))
		return -1;
	*value = v;
	return 0;
}

static int acpi_pm_write(void *opaque, uint64_t port, unsigned size, uint64_t value)
{
	struct vm *vm = opaque;

	return acpi_pm_io_write(&vm->acpi_pm, (uint16_t)port, size, (uint32_t)value, vm_now_ns(vm))
		       ? 0
		       : -1;
}

const struct io_ops vm_acpi_pm_ops = { acpi_pm_read, acpi_pm_write };

/*
 * The panic notifier (QEMU's pvpanic ISA device, which Linux's pvpanic
 * driver finds through the DSDT): reading it tells which events we take,
 * writing "panicked" ends the guest as crashed.
 */
#define PVPANIC_PANICKED 0x1U
#define PVPANIC_CRASH_LOADED 0x2U

static int pvpanic_read(void *opaque, uint64_t port, unsigned size, uint64_t *value)
{
	*value = PVPANIC_PANICKED | PVPANIC_CRASH_LOADED;
	return 0;
}

static int pvpanic_write(void *opaque, uint64_t port, unsigned size, uint64_t value)
{
	struct vm *vm = opaque;

	if (value & PVPANIC_PANICKED)
		vm_end(vm, VM_CRASHED, "the guest's kernel panicked (it said so through pvpanic)");
	else if (value & PVPANIC_CRASH_LOADED)
		log_info("hv: guest %s: its kernel crashed and is starting a crash kernel", vm->name);
	return 0;
}

const struct io_ops vm_pvpanic_ops = { pvpanic_read, pvpanic_write };

static void guest_reset(void *ctx)
{
	struct vm *vm = ctx;

	vm->reboot_requested = true;
}

static void guest_sleep(void *ctx, unsigned slp_typ)
{
	vm_end(ctx, VM_STOPPED, "powered off through ACPI (S5)");
}

static void debugcon_to_console(void *ctx, const char *s, uint64_t len)
{
	vm_console_output(ctx, s, len);
}

static uint64_t host_unix_time(void)
{
	struct cmos_time t;
	struct rtc_time tm = { 0 };

	if (cmos_clock_read(&t))
		return 0;
	tm.year = t.year, tm.month = (uint8_t)t.month, tm.day = (uint8_t)t.day;
	tm.hour = (uint8_t)t.hour, tm.min = (uint8_t)t.min, tm.sec = (uint8_t)t.sec;
	return rtc_unix_from_civil(&tm);
}

int vm_devices_init(struct vm *vm)
{
	struct io_bus *pio = &vm->pio;

	vm->debugcon.out = debugcon_to_console;
	vm->debugcon.ctx = vm;
	pic_init(&vm->pic);
	pit_init(&vm->pit, (struct irq_line){ vm_isa_irq_line, vm, 0 });
	vuart_init(&vm->com[0], 0x3f8, (struct irq_line){ vm_isa_irq_line, vm, 4 }, vm_uart_tx, vm);
	vuart_init(&vm->com[1], 0x2f8, (struct irq_line){ vm_isa_irq_line, vm, 3 }, vm_uart_tx, vm);
	rtc_init(&vm->rtc, host_unix_time(), vm->ram_bytes, (struct irq_line){ vm_isa_irq_line, vm, 8 });
	sysctl_init(&vm->sysctl, guest_reset, vm);
	pci_init(&vm->pci);
	acpi_pm_init(&vm->acpi_pm, GUEST_PM_BASE, GUEST_S5_TYP, guest_sleep, vm);
	acpi_pm_connect_sci(&vm->acpi_pm, (struct irq_line){ vm_isa_irq_line, vm, GUEST_SCI_IRQ });
	return io_bus_register(pio, DEBUGCON_PORT, 1, &debugcon_ops, &vm->debugcon, "debugcon") ||
	       io_bus_register(pio, 0x3f8, 8, &vm_uart_ops, vm, "com1") ||
	       io_bus_register(pio, 0x2f8, 8, &vm_uart_ops, vm, "com2") ||
	       io_bus_register(pio, 0x20, 2, &vm_pic_ops, vm, "pic-master") ||
	       io_bus_register(pio, 0xa0, 2, &vm_pic_ops, vm, "pic-slave") ||
	       io_bus_register(pio, 0x4d0, 2, &vm_pic_ops, vm, "pic-elcr") ||
	       io_bus_register(pio, 0x40, 4, &vm_pit_ops, vm, "pit") ||
	       io_bus_register(pio, 0x61, 1, &vm_pit_ops, vm, "port61") ||
	       io_bus_register(pio, 0x70, 2, &vm_rtc_ops, vm, "rtc") ||
	       io_bus_register(pio, 0x60, 1, &vm_sysctl_ops, vm, "kbc-data") ||
	       io_bus_register(pio, 0x64, 1, &vm_sysctl_ops, vm, "kbc-cmd") ||
	       io_bus_register(pio, 0x92, 1, &vm_sysctl_ops, vm, "port92") ||
	       io_bus_register(pio, 0xcf8, 8, &vm_pci_ops, vm, "pci-config+reset") ||
	       io_bus_register(pio, GUEST_PM_BASE, 16, &vm_acpi_pm_ops, vm, "acpi-pm") ||
	       io_bus_register(pio, ACPI_PVPANIC_PORT, 1, &vm_pvpanic_ops, vm, "pvpanic") ||
	       io_bus_register(&vm->mmio, LAPIC_MMIO_BASE, LAPIC_MMIO_SIZE, &vm_lapic_ops, vm, "lapic") ||
	       io_bus_register(&vm->mmio, IOAPIC_MMIO_BASE, IOAPIC_MMIO_SIZE, &vm_ioapic_ops, vm, "ioapic");
}

void vm_devices_power_button(struct vm *vm)
{
	acpi_pm_power_button(&vm->acpi_pm);
	log_info("hv: guest %s (id %u): power button pressed", vm->name, vm->id);
}

/* One line per bus range, as `info` shows them. */
static size_t describe_bus(const struct io_bus *bus, const char *kind, char *out, size_t size,
			   size_t at)
{
	unsigned i;

	for (i = 0; i < bus->count && at < size; i++) {
		const struct io_range *r = &bus->ranges[i];

		at += (size_t)hv_snprintf(out + at, size - at, "%s 0x%llx-0x%llx %s\n", kind,
					  (unsigned long long)r->base,
					  (unsigned long long)(r->base + r->len - 1), r->name);
	}
	return at < size ? at : size;
}

size_t vm_devices_describe(struct vm *vm, char *out, size_t size)
{
	size_t at;

	at = (size_t)hv_snprintf(out, size, "ram 0x0-0x%llx %llu MiB\n",
				 (unsigned long long)(vm->ram_bytes - 1),
				 (unsigned long long)(vm->ram_bytes >> 20));
	if (at >= size)
		return size;
	at = describe_bus(&vm->mmio, "mmio", out, size, at);
	return describe_bus(&vm->pio, "pio ", out, size, at);
}
