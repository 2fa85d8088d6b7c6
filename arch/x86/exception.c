/*
 * Reports a CPU exception taken in the hypervisor, or a panic, and halts
 * that CPU. The report must not itself fault into a loop: a second entry on
 * the same CPU while a report is under way skips the log (which may be what
 * broke) and writes one line through the emergency writer, then halts.
 */
#include "arch/x86/exception.h"

#include <stdarg.h>

#include "arch/x86/cpu.h"
#include "arch/x86/gdt.h"
#include "arch/x86/smp.h"
#include "lib/log.h"
#include "lib/printf.h"

static const char *const exception_names[32] = {
	"divide error (#DE)", "debug (#DB)", "NMI", "breakpoint (#BP)",
	"overflow (#OF)", "bound range (#BR)", "invalid opcode (#UD)", "device not available (#NM)",
	"double fault (#DF)", "coprocessor segment overrun", "invalid TSS (#TS)", "segment not present (#NP)",
	"stack fault (#SS)", "general protection (#GP)", "page fault (#PF)", "reserved",
	"x87 error (#MF)", "alignment check (#AC)", "machine check (#MC)", "SIMD error (#XM)",
	"virtualization (#VE)", "control protection (#CP)", "reserved", "reserved",
	"reserved", "reserved", "reserved", "reserved",
	"hypervisor injection (#HV)", "VMM communication (#VC)", "security (#SX)", "reserved",
};

/* Per CPU: another CPU's report is no recursion. */
static volatile int reporting[HV_MAX_CPUS];
static panic_write_fn emergency_write;

void exception_set_emergency_writer(panic_write_fn fn)
{
	emergency_write = fn;
}

static void enter_report(const char *what)
{
	unsigned cpu = cpu_index();

	/* Bounded: a fault before this CPU's GS base is set reads a stray index. */
	if (cpu >= HV_MAX_CPUS)
		cpu = 0;
	if (__atomic_exchange_n(&reporting[cpu], 1, __ATOMIC_SEQ_CST)) {
		if (emergency_write) {
			emergency_write("\r\nhv: fault while reporting: ");
			emergency_write(what);
			emergency_write("; CPU halted\r\n");
		}
		cpu_halt_forever();
	}
}

void exception_report(const struct trap_frame *f)
{
	const char *name = exception_names[f->vector & 31];

	enter_report(name);
	log_error("hv: CPU exception %llu: %s, error code 0x%llx, on CPU %u",
		  (unsigned long long)f->vector, name, (unsigned long long)f->error_code, cpu_index());
	log_error("  RIP %016llx  CS %04llx  RFLAGS %016llx", (unsigned long long)f->rip,
		  (unsigned long long)f->cs, (unsigned long long)f->rflags);
	log_error("  RSP %016llx  SS %04llx  CR2 %016llx  CR3 %016llx", (unsigned long long)f->rsp,
		  (unsigned long long)f->ss, (unsigned long long)read_cr2(),
		  (unsigned long long)read_cr3());
	log_error("  RAX %016llx  RBX %016llx  RCX %016llx  RDX %016llx",
		  (unsigned long long)f->rax, (unsigned long long)f->rbx,
		  (unsigned long long)f->rcx, (unsigned long long)f->rdx);
	log_error("  RSI %016llx  RDI %016llx  RBP %016llx", (unsigned long long)f->rsi,
		  (unsigned long long)f->rdi, (unsigned long long)f->rbp);
	log_error("  R8  %016llx  R9  %016llx  R10 %016llx  R11 %016llx",
		  (unsigned long long)f->r8, (unsigned long long)f->r9, (unsigned long long)f->r10,
		  (unsigned long long)f->r11);
	log_error("  R12 %016llx  R13 %016llx  R14 %016llx  R15 %016llx",
		  (unsigned long long)f->r12, (unsigned long long)f->r13,
		  (unsigned long long)f->r14, (unsigned long long)f->r15);
	log_error("hv: CPU halted");
	cpu_halt_forever();
}

void panic(const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	hv_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	enter_report(msg);
	log_error("hv: panic: %s", msg);
	log_error("hv: CPU halted");
	cpu_halt_forever();
}
