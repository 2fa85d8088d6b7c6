/*
 * CPU exceptions in the hypervisor itself: a report on serial, then that CPU
 * stops. A guest's exceptions never come here (they cause VM exits).
 */
#ifndef ARCH_X86_EXCEPTION_H
#define ARCH_X86_EXCEPTION_H

#include "arch/x86/idt.h"

#define EXC_DIVIDE 0
#define EXC_DEBUG 1
#define EXC_NMI 2
#define EXC_BREAKPOINT 3
#define EXC_INVALID_OPCODE 6
#define EXC_DOUBLE_FAULT 8
#define EXC_GP 13
#define EXC_PAGE_FAULT 14
#define EXC_MACHINE_CHECK 18

/* Prints vector, error code, RIP, CR2 and the registers, then halts this CPU. */
__attribute__((noreturn)) void exception_report(const struct trap_frame *frame);

/* Last-resort output when the normal log path may itself be broken. */
typedef void (*panic_write_fn)(const char *s);
void exception_set_emergency_writer(panic_write_fn fn);

/* Stops this CPU with a message; the same non-recursive path as an exception. */
__attribute__((noreturn)) void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
