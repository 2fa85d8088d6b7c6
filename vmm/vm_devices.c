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
	uint64_t hz = timer_tsc_hz();
	uint32_t i;

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

bool vm_devices_interrupt_pending(struct vcpu *v)
{
	return vm_irq_pending(v);
}

int vm_devices_ack_interrupt(struct vcpu *v)
{
	return vm_irq_ack(v);
}
