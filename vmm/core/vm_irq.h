/*
 * Interrupt routing inside a VM, as on a PC: ISA lines go to both the 8259
 * pair and the IOAPIC (IRQ 0 on pin 2, the rest on the pin of the same
 * number); the IOAPIC and IPIs deliver into the vCPUs' LAPICs; the 8259's
 * output reaches vCPU 0 through LINT0 in virtual-wire mode. Runs in VMX
 * root.
 */
#ifndef VMM_VM_IRQ_H
#define VMM_VM_IRQ_H

#include <stdbool.h>
#include <stdint.h>

struct vm;
struct vcpu;
/* Sets up the IOAPIC and each vCPU's LAPIC with the VM's routing. */
void vm_irq_init(struct vm *vm);

/* irq_line_fn for ISA device lines: ctx is the struct vm. */
void vm_isa_irq_line(void *ctx, unsigned line, bool level);

/* Would this vCPU take an interrupt from its LAPIC or (vCPU 0) the 8259 now? */
bool vm_irq_pending(struct vcpu *v);
/* The interrupt-acknowledge cycle: the vector to inject, or -1. */
int vm_irq_ack(struct vcpu *v);

#endif
