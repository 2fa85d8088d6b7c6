/*
 * The IDT, shared by all CPUs, and the dispatch of every vector.
 * Runs in VMX root with interrupts off while handling.
 */
#include "arch/x86/idt.h"

#include "arch/x86/exception.h"
#include "arch/x86/gdt.h"
#include "lib/log.h"

struct idt_entry {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_high;
	uint32_t reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct idt_entry) == 16, "IDT gate layout (SDM Vol. 3, 6.14.1)");

extern const uint64_t isr_stub_table[256];

static struct idt_entry idt[256];
static irq_handler_fn handlers[256];
static int idt_built;

#define GATE_INTERRUPT 0x8eU /* present, DPL0, 64-bit interrupt gate */

static void set_gate(uint8_t vector, uint64_t addr, uint8_t ist)
{
	struct idt_entry *e = &idt[vector];

	e->offset_low = addr & 0xffffU;
	e->selector = GDT_KERNEL_CS;
	e->ist = ist;
	e->type_attr = GATE_INTERRUPT;
	e->offset_mid = (addr >> 16) & 0xffffU;
	e->offset_high = addr >> 32;
	e->reserved = 0;
}

void idt_init_cpu(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) ptr = { sizeof(idt) - 1, (uint64_t)idt };
	int v;

	if (!idt_built) {
		for (v = 0; v < 256; v++)
			set_gate((uint8_t)v, isr_stub_table[v], 0);
		idt[EXC_DOUBLE_FAULT].ist = IST_DOUBLE_FAULT;
		idt[EXC_NMI].ist = IST_NMI;
		idt[EXC_MACHINE_CHECK].ist = IST_MACHINE_CHECK;
		idt_built = 1;
	}
	__asm__ volatile("lidt %0" : : "m"(ptr));
}

void idt_set_handler(uint8_t vector, irq_handler_fn fn)
{
	handlers[vector] = fn;
}

void trap_dispatch(struct trap_frame *frame)
{
	uint64_t v = frame->vector;

	if (v < 32) {
		exception_report(frame);
		return;
	}
	if (handlers[v]) {
		handlers[v](frame);
		return;
	}
	log_warn("unexpected interrupt vector %llu", (unsigned long long)v);
}
