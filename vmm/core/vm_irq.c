/*
 * Interrupt routing of a VM: ISA lines, the IOAPIC, LAPICs and IPIs
 * (including INIT and SIPI, which start application processors).
 */
#include "vmm/core/vm_irq.h"

#include "arch/x86/cpu.h"
#include "drivers/timer.h"
#include "lib/log.h"
#include "vmm/core/sched.h"
#include "vmm/core/vm.h"

#define ISA_IRQ0_PIN 2 /* the MADT's interrupt source override: IRQ 0 -> GSI 2 */

void vm_isa_irq_line(void *ctx, unsigned line, bool level)
{
	struct vm *vm = ctx;

	pic_set_irq(&vm->pic, line, level);
	ioapic_set_irq(&vm->ioapic, line == 0 ? ISA_IRQ0_PIN : line, level);
}

/* An interrupt for a vCPU sleeping in HLT with interrupts enabled wakes it. */
static void make_runnable(struct vcpu *v)
{
	if (v->state == VCPU_HALTED && (v->rflags & (1ULL << 9)))
		v->state = VCPU_RUNNABLE;
}

/* Delivery of one interrupt message to the LAPICs it names (SDM 10.6.2). */
static void deliver(struct vm *vm, uint8_t vector, uint8_t mode, bool logical, uint8_t dest,
		    bool level, int shorthand, uint32_t src)
{
	uint32_t i;

	for (i = 0; i < vm->vcpu_count; i++) {
		struct vcpu *v = vm->vcpus[i];
		bool hit;

		switch (shorthand) {
		case LAPIC_SH_SELF: hit = v->id == src; break;
		case LAPIC_SH_ALL: hit = true; break;
		case LAPIC_SH_OTHERS: hit = v->id != src; break;
		default: hit = lapic_match_dest(&v->lapic, logical, dest); break;
		}
		if (!hit)
			continue;
		switch (mode) {
		case LAPIC_DM_FIXED:
		case LAPIC_DM_LOWEST:
			lapic_accept(&v->lapic, vector, level);
			make_runnable(v);
			sched_kick(v);
			if (mode == LAPIC_DM_LOWEST)
				return; /* one CPU takes it: the first that matches */
			break;
		case LAPIC_DM_INIT:
			lapic_reset(&v->lapic);
			v->state = VCPU_WAIT_SIPI;
			/* If it is in the guest on another CPU, it must leave it now. */
			sched_kick(v);
			break;
		case LAPIC_DM_SIPI:
			if (v->state != VCPU_WAIT_SIPI)
				break;
			/* SDM 8.4.4.1: start in real mode at vector * 4 KiB. */
			v->boot.mode = BOOT_REAL;
			v->boot.cs_selector = (uint16_t)(vector << 8);
			v->boot.rip = 0;
			v->boot.rsp = 0;
			v->state = VCPU_RUNNABLE;
			/* Its own CPU writes the VMCS from v->boot, written above. */
			vcpu_request(v, VCPU_REQ_RESET_VMCS);
			break;
		default:
			log_debug("guest %s: interrupt delivery mode %u not emulated", vm->name, mode);
			break;
		}
	}
}

static void ioapic_deliver(void *ctx, uint8_t vector, uint8_t mode, bool logical, uint8_t dest,
			   bool level)
{
	deliver(ctx, vector, mode, logical, dest, level, LAPIC_SH_NONE, ~0U);
}

static void lapic_send_ipi(void *ctx, uint32_t src_id, uint32_t icr_low, uint32_t dest_field)
{
	uint8_t mode = (icr_low & LAPIC_DM_MASK) >> LAPIC_DM_SHIFT;

	/* An INIT de-assert (level 0, level-triggered) does nothing on modern CPUs. */
	if (mode == LAPIC_DM_INIT && !(icr_low & LAPIC_ICR_ASSERT) && (icr_low & LAPIC_TRIGGER_LEVEL))
		return;
	deliver(ctx, icr_low & LAPIC_VECTOR_MASK, mode, icr_low & LAPIC_ICR_LOGICAL,
		(uint8_t)dest_field, false,
		(icr_low & LAPIC_ICR_SHORTHAND_MASK) >> LAPIC_ICR_SHORTHAND_SHIFT, src_id);
}

static void lapic_eoi_level(void *ctx, uint8_t vector)
{
	struct vm *vm = ctx;

	ioapic_eoi(&vm->ioapic, vector);
}

void vm_irq_init(struct vm *vm)
{
	struct lapic_bus bus = { lapic_send_ipi, lapic_eoi_level, vm };
	uint32_t i;

	ioapic_init(&vm->ioapic, (uint32_t)vm->vcpu_count, (struct ioapic_delivery){ ioapic_deliver, vm });
	for (i = 0; i < vm->vcpu_count; i++) {
		lapic_init(&vm->vcpus[i]->lapic, i, i == 0, bus);
		vm->vcpus[i]->lapic.tsc_hz = timer_tsc_hz();
	}
}

/* The 8259 reaches vCPU 0 while its LAPIC is off, or through LINT0 programmed as ExtINT. */
static bool pic_wired_to(const struct vcpu *v)
{
	uint32_t lint0 = v->lapic.lvt[LAPIC_LVT_LINT0];

	if (v->id != 0)
		return false;
	if (!(v->lapic.apic_base & LAPIC_BASE_ENABLE) || !(v->lapic.svr & LAPIC_SVR_ENABLE))
		return true;
	return !(lint0 & LAPIC_LVT_MASKED) &&
	       ((lint0 & LAPIC_DM_MASK) >> LAPIC_DM_SHIFT) == LAPIC_DM_EXTINT;
}

/* Any vector requested at all? The common answer on an exit is no, and cheap. */
static bool lapic_has_requests(const struct lapic *l)
{
	return (l->irr[0] | l->irr[1] | l->irr[2] | l->irr[3] | l->irr[4] | l->irr[5] | l->irr[6] |
		l->irr[7]) != 0;
}

bool vm_irq_pending(struct vcpu *v)
{
	const struct pic *pic = &v->vm->pic;

	if (lapic_has_requests(&v->lapic) && lapic_pending_vector(&v->lapic) >= 0)
		return true;
	/* Nothing requested at the 8259 is the common case: answer it cheaply. */
	if (!(pic->chip[0].irr | pic->chip[1].irr) || !pic_wired_to(v))
		return false;
	return pic_pending_vector(pic) >= 0;
}

int vm_irq_ack(struct vcpu *v)
{
	int vector = lapic_has_requests(&v->lapic) ? lapic_pending_vector(&v->lapic) : -1;

	if (vector >= 0) {
		lapic_ack(&v->lapic, (uint8_t)vector);
		return vector;
	}
	return pic_wired_to(v) ? pic_ack(&v->vm->pic) : -1;
}
