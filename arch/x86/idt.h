/*
 * The interrupt descriptor table and the frame every interrupt stub builds.
 * Exceptions (vectors 0-31) go to the exception reporter; other vectors go
 * to handlers registered with idt_set_handler.
 */
#ifndef ARCH_X86_IDT_H
#define ARCH_X86_IDT_H

#include <stddef.h>
#include <stdint.h>

/* What arch/x86/isr.asm pushes: general registers, vector, error code, then the CPU's frame. */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error_code;
	uint64_t rip, cs, rflags, rsp, ss;
};
_Static_assert(offsetof(struct trap_frame, rax) == 14 * 8, "isr.asm pushes rax last");
_Static_assert(offsetof(struct trap_frame, vector) == 15 * 8, "isr.asm pushes the vector after the error code");
_Static_assert(offsetof(struct trap_frame, rip) == 17 * 8, "CPU frame follows the error code");

typedef void (*irq_handler_fn)(struct trap_frame *frame);

/* Loads the (shared) IDT on this CPU; the first call builds it. */
void idt_init_cpu(void);
void idt_set_handler(uint8_t vector, irq_handler_fn fn);

/* Called by isr.asm. */
void trap_dispatch(struct trap_frame *frame);

#endif
