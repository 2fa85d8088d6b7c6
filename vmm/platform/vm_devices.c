/*
 * The VM's PC: its platform device models (pure state machines in
 * vmm/dev/) placed on its buses by one table, with the handlers that turn
 * a bus access into a model call, the models' interrupt lines and
 * callbacks, and guest time for their timers. Adding a device is its state
 * in struct vm, its handlers, one table entry and its wiring in
 * vm_devices_init. Runs in VMX root.
 */
#include "vmm/platform/vm_devices.h"

#include "arch/x86/cpu.h"
#include "drivers/timer.h"
#include "vmm/core/vm_irq.h"
#include "drivers/cmos_clock.h"
#include "vmm/boot/guest_acpi.h"
#include "vmm/boot/acpi_build.h"
#include "lib/log.h"
#include "lib/printf.h"
#include "vmm/core/io_bus.h"
#include "vmm/core/vm.h"

/* ------------------------------------------------------ bus handlers --- */

/* Models answer true when an access is theirs; the bus wants 0, or -1 for unclaimed. */
static int claimed(bool ok)
{
	return ok ? 0 : -1;
}

/* The same for an access that may have reprogrammed one of the VM's timers. */
static int claimed_timer(struct vcpu *v, bool ok)
{
	if (ok)
		v->vm->timers_dirty = true;
	return claimed(ok);
}

/*
 * A byte-wide port model's read: the byte goes out in *value if the port was
 * its. Callers run the model into a local first: C leaves the order of a
 * call's arguments open, so byte_read(model(&b), b, ...) may pass b unread.
 */
static int byte_read(bool ok, uint8_t byte, uint64_t *value)
{
	if (ok)
		*value = byte;
	return claimed(ok);
}

static int debugcon_read(struct vcpu *v, void *debugcon, uint64_t port, unsigned size,
			 uint64_t *value)
{
	*value = debugcon_io_read(size);
	return 0;
}

static int debugcon_write(struct vcpu *v, void *debugcon, uint64_t port, unsigned size,
			  uint64_t value)
{
	debugcon_io_write(debugcon, value);
	return 0;
}

static int uart_read(struct vcpu *v, void *uart, uint64_t port, unsigned size, uint64_t *value)
{
	uint8_t b = 0;
	bool ok = size == 1 && vuart_io_read(uart, (uint16_t)port, &b);

	if (byte_read(ok, b, value))
		return -1;
	/* A byte left the receive FIFO: the next queued keystroke can take its place. */
	vm_console_input_refill(v->vm);
	return 0;
}

static int uart_write(struct vcpu *v, void *uart, uint64_t port, unsigned size, uint64_t value)
{
	return claimed(size == 1 && vuart_io_write(uart, (uint16_t)port, (uint8_t)value));
}

/* The handlers of a byte-wide port model with NAME_io_read(state, port, &byte) and NAME_io_write(state, port, byte). */
#define BYTE_PORT_HANDLERS(name)                                                                  \
	static int name##_read(struct vcpu *v, void *state, uint64_t port, unsigned size,          \
			       uint64_t *value)                                                    \
	{                                                                                          \
		uint8_t b = 0;                                                                     \
		bool ok = size == 1 && name##_io_read(state, (uint16_t)port, &b);                  \
                                                                                                   \
		return byte_read(ok, b, value);                                                    \
	}                                                                                          \
	static int name##_write(struct vcpu *v, void *state, uint64_t port, unsigned size,         \
				uint64_t value)                                                    \
	{                                                                                          \
		return claimed(size == 1 && name##_io_write(state, (uint16_t)port, (uint8_t)value));  \
	}

BYTE_PORT_HANDLERS(pic)
BYTE_PORT_HANDLERS(sysctl) /* port 0x92, the 8042's reset line, and 0xcf9 through pci_read */

static int pit_read(struct vcpu *v, void *pit, uint64_t port, unsigned size, uint64_t *value)
{
	uint8_t b = 0;
	bool ok = size == 1 && pit_io_read(pit, (uint16_t)port, &b, vm_now_ns(v->vm));

	return byte_read(ok, b, value) ? -1 : claimed_timer(v, ok);
}

static int pit_write(struct vcpu *v, void *pit, uint64_t port, unsigned size, uint64_t value)
{
	return claimed_timer(v, size == 1 && pit_io_write(pit, (uint16_t)port, (uint8_t)value,
							   vm_now_ns(v->vm)));
}

static int rtc_read(struct vcpu *v, void *rtc, uint64_t port, unsigned size, uint64_t *value)
{
	uint8_t b = 0;
	bool ok = size == 1 && rtc_io_read(rtc, (uint16_t)port, &b, vm_now_ns(v->vm));

	return byte_read(ok, b, value);
}

static int rtc_write(struct vcpu *v, void *rtc, uint64_t port, unsigned size, uint64_t value)
{
	return claimed_timer(v, size == 1 && rtc_io_write(rtc, (uint16_t)port, (uint8_t)value,
							   vm_now_ns(v->vm)));
}

/*
 * 0xcf8-0xcff is shared: 32-bit accesses at 0xcf8 and anything in the data
 * window are PCI configuration; a byte at 0xcf9 is the PIIX reset register.
 */
static int pci_read(struct vcpu *v, void *pci, uint64_t port, unsigned size, uint64_t *value)
{
	uint32_t v32;

	if (!pci_io_read(pci, (uint16_t)port, size, &v32))
		return size == 1 ? sysctl_read(v, &v->vm->sysctl, port, size, value) : -1;
	*value = v32;
	return 0;
}

static int pci_write(struct vcpu *v, void *pci, uint64_t port, unsigned size, uint64_t value)
{
	if (pci_io_write(pci, (uint16_t)port, size, (uint32_t)value))
		return 0;
	return size == 1 ? sysctl_write(v, &v->vm->sysctl, port, size, value) : -1;
}

static int acpi_pm_read(struct vcpu *v, void *pm, uint64_t port, unsigned size, uint64_t *value)
{
	uint32_t v32;

	if (!acpi_pm_io_read(pm, (uint16_t)port, size, &v32, vm_now_ns(v->vm)))
		return -1;
	*value = v32;
	return 0;
}

static int acpi_pm_write(struct vcpu *v, void *pm, uint64_t port, unsigned size, uint64_t value)
{
	return claimed(acpi_pm_io_write(pm, (uint16_t)port, size, (uint32_t)value, vm_now_ns(v->vm)));
}

/*
 * The panic notifier (QEMU's pvpanic ISA device, which Linux's pvpanic
 * driver finds through the DSDT): reading it tells which events we take,
 * writing "panicked" ends the guest as crashed.
 */
#define PVPANIC_PANICKED 0x1U
#define PVPANIC_CRASH_LOADED 0x2U

static int pvpanic_read(struct vcpu *v, void *none, uint64_t port, unsigned size, uint64_t *value)
{
	*value = PVPANIC_PANICKED | PVPANIC_CRASH_LOADED;
	return 0;
}

static int pvpanic_write(struct vcpu *v, void *none, uint64_t port, unsigned size, uint64_t value)
{
	if (value & PVPANIC_PANICKED)
		vm_end(v->vm, VM_CRASHED, "the guest's kernel panicked (it said so through pvpanic)");
	else if (value & PVPANIC_CRASH_LOADED)
		log_info("hv: guest %s: its kernel crashed and is starting a crash kernel", v->vm->name);
	return 0;
}

/* Each vCPU reaches its own LAPIC at the same address: the accessing vCPU's is the one. */
static int lapic_read(struct vcpu *v, void *none, uint64_t addr, unsigned size, uint64_t *value)
{
	uint32_t v32 = 0;

	/* Registers are 32 bits at 16-byte strides; narrower reads take part of one. */
	lapic_mmio_read(&v->lapic, (uint32_t)(addr & 0xff0U), &v32, vm_now_ns(v->vm));
	*value = (uint64_t)v32 >> ((addr & 3U) * 8);
	return 0;
}

static int lapic_write(struct vcpu *v, void *none, uint64_t addr, unsigned size, uint64_t value)
{
	if (size == 4 && !(addr & 0xfU))
		lapic_mmio_write(&v->lapic, (uint32_t)(addr & 0xff0U), (uint32_t)value,
				 vm_now_ns(v->vm));
	v->vm->timers_dirty = true;
	return 0;
}

static int ioapic_read(struct vcpu *v, void *ioapic, uint64_t addr, unsigned size, uint64_t *value)
{
	uint32_t v32 = 0;

	ioapic_mmio_read(ioapic, (uint32_t)(addr & 0xffU), &v32);
	*value = v32;
	return 0;
}

static int ioapic_write(struct vcpu *v, void *ioapic, uint64_t addr, unsigned size, uint64_t value)
{
	ioapic_mmio_write(ioapic, (uint32_t)(addr & 0xffU), (uint32_t)value);
	return 0;
}

/* ------------------------------------------------------------- table --- */

#define OPS(dev) (&(const struct io_ops){ dev##_read, dev##_write })
#define STATE(field) offsetof(struct vm, field), sizeof(((struct vm *)0)->field), false
#define VCPU_STATE(field) offsetof(struct vcpu, field), sizeof(((struct vcpu *)0)->field), true
#define NO_STATE 0, 0, false
#define PIO(base, len, name) { VM_BUS_PIO, base, len, name }
#define MMIO(base, len, name) { VM_BUS_MMIO, base, len, name }

/* In registration order, which is also the order `info` lists each bus in. */
const struct vm_device vm_device_table[] = {
	{ "debugcon", OPS(debugcon), STATE(debugcon), { PIO(DEBUGCON_PORT, 1, "debugcon") } },
	{ "com1", OPS(uart), STATE(com[0]), { PIO(0x3f8, 8, "com1") } },
	{ "com2", OPS(uart), STATE(com[1]), { PIO(0x2f8, 8, "com2") } },
	{ "pic", OPS(pic), STATE(pic),
	  { PIO(0x20, 2, "pic-master"), PIO(0xa0, 2, "pic-slave"), PIO(0x4d0, 2, "pic-elcr") } },
	{ "pit", OPS(pit), STATE(pit), { PIO(0x40, 4, "pit"), PIO(0x61, 1, "port61") } },
	{ "rtc", OPS(rtc), STATE(rtc), { PIO(0x70, 2, "rtc") } },
	{ "sysctl", OPS(sysctl), STATE(sysctl),
	  { PIO(0x60, 1, "kbc-data"), PIO(0x64, 1, "kbc-cmd"), PIO(0x92, 1, "port92") } },
	{ "pci", OPS(pci), STATE(pci), { PIO(0xcf8, 8, "pci-config+reset") } },
	{ "acpi-pm", OPS(acpi_pm), STATE(acpi_pm), { PIO(GUEST_PM_BASE, 16, "acpi-pm") } },
	{ "pvpanic", OPS(pvpanic), NO_STATE, { PIO(ACPI_PVPANIC_PORT, 1, "pvpanic") } },
	{ "lapic", OPS(lapic), VCPU_STATE(lapic), { MMIO(LAPIC_MMIO_BASE, LAPIC_MMIO_SIZE, "lapic") } },
	{ "ioapic", OPS(ioapic), STATE(ioapic),
	  { MMIO(IOAPIC_MMIO_BASE, IOAPIC_MMIO_SIZE, "ioapic") } },
};

const unsigned vm_device_count = sizeof(vm_device_table) / sizeof(vm_device_table[0]);

void *vm_device_state(const struct vm_device *d, struct vm *vm, struct vcpu *v)
{
	if (!d->state_size)
		return NULL;
	return d->per_vcpu ? (char *)v + d->state_offset : (char *)vm + d->state_offset;
}

/* Every range of every device on its bus; -1 if one clashes. */
static int register_table(struct vm *vm)
{
	unsigned i, r;

	for (i = 0; i < vm_device_count; i++) {
		const struct vm_device *d = &vm_device_table[i];
		void *state = d->per_vcpu ? NULL : vm_device_state(d, vm, NULL);

		for (r = 0; r < VM_DEVICE_RANGES && d->ranges[r].len; r++) {
			const struct vm_device_range *g = &d->ranges[r];

			if (io_bus_register(g->bus == VM_BUS_PIO ? &vm->pio : &vm->mmio, g->base,
					    g->len, d->ops, state, g->name))
				return -1;
		}
	}
	return 0;
}

/* ------------------------------------------------ wiring and timers --- */

/* A byte a guest UART sent: ctx is the struct vm. */
static void uart_tx(void *ctx, uint8_t byte)
{
	char c = (char)byte;

	vm_console_output(ctx, &c, 1);
}

uint64_t vm_devices_update(struct vm *vm)
{
	uint64_t host_tsc = rdtsc(), now_ns = vm_now_ns(vm);
	uint64_t next_ns = pit_update(&vm->pit, now_ns);
	uint64_t rtc_ns = rtc_update(&vm->rtc, now_ns);
	uint64_t hz = timer_tsc_hz();
	uint32_t i;

	if (rtc_ns < next_ns)
		next_ns = rtc_ns;
	for (i = 0; i < vm->vcpu_count; i++) {
		/* Each LAPIC's deadline is on its own vCPU's TSC, which the guest may have moved. */
		uint64_t lapic_ns = lapic_timer_update(&vm->vcpus[i]->lapic, now_ns,
						       guest_tsc_now(&vm->vcpus[i]->tsc, host_tsc));

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

uint64_t host_unix_time(void)
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
	vm->debugcon.wire = (struct debugcon_wiring){ debugcon_to_console, vm };
	pic_init(&vm->pic);
	pit_init(&vm->pit, (struct irq_line){ vm_isa_irq_line, vm, 0 });
	vuart_init(&vm->com[0], 0x3f8, (struct vuart_wiring){ { vm_isa_irq_line, vm, 4 }, uart_tx, vm });
	vuart_init(&vm->com[1], 0x2f8, (struct vuart_wiring){ { vm_isa_irq_line, vm, 3 }, uart_tx, vm });
	rtc_init(&vm->rtc, host_unix_time(), vm->ram_bytes, (struct irq_line){ vm_isa_irq_line, vm, 8 });
	sysctl_init(&vm->sysctl, (struct sysctl_wiring){ guest_reset, vm });
	pci_init(&vm->pci);
	acpi_pm_init(&vm->acpi_pm, GUEST_PM_BASE, GUEST_S5_TYP,
		     (struct acpi_pm_wiring){ guest_sleep, vm, { vm_isa_irq_line, vm, GUEST_SCI_IRQ } });
	return register_table(vm);
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
