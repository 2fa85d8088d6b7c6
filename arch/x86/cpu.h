/*
 * Privileged x86 instructions as typed inline functions: port I/O, MSRs,
 * CPUID, control registers. Only arch/x86 holds privileged inline assembly;
 * everything above it calls these.
 */
#ifndef ARCH_X86_CPU_H
#define ARCH_X86_CPU_H

#include <stdbool.h>
#include <stdint.h>

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outw(uint16_t port, uint16_t v) { __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port)); }

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint16_t inw(uint16_t port)
{
	uint16_t v;
	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;
	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

struct cpuid_regs {
	uint32_t eax, ebx, ecx, edx;
};

static inline struct cpuid_regs cpuid(uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_regs r;
	__asm__ volatile("cpuid" : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx) : "a"(leaf), "c"(subleaf));
	return r;
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

#define DEFINE_CR_ACCESSORS(n)                                                   \
	static inline uint64_t read_cr##n(void)                                  \
	{                                                                        \
		uint64_t v;                                                      \
		__asm__ volatile("mov %%cr" #n ", %0" : "=r"(v));                \
		return v;                                                        \
	}                                                                        \
	static inline void write_cr##n(uint64_t v)                               \
	{                                                                        \
		__asm__ volatile("mov %0, %%cr" #n : : "r"(v) : "memory");       \
	}
DEFINE_CR_ACCESSORS(0)
DEFINE_CR_ACCESSORS(2)
DEFINE_CR_ACCESSORS(3)
DEFINE_CR_ACCESSORS(4)
#undef DEFINE_CR_ACCESSORS

/*
 * Debug registers 0-3 and 6, by number (VMX switches only DR7): the host
 * never uses them, so while a guest runs they hold the guest's values.
 * Any other number reads 0 and writes nothing.
 */
#define DR_CASE_READ(n) case n: __asm__ volatile("mov %%dr" #n ", %0" : "=r"(v)); break;
#define DR_CASE_WRITE(n) case n: __asm__ volatile("mov %0, %%dr" #n : : "r"(v)); break;
static inline uint64_t read_dr(unsigned n)
{
	uint64_t v = 0;

	switch (n) { DR_CASE_READ(0) DR_CASE_READ(1) DR_CASE_READ(2) DR_CASE_READ(3) DR_CASE_READ(6) }
	return v;
}

static inline void write_dr(unsigned n, uint64_t v)
{
	switch (n) { DR_CASE_WRITE(0) DR_CASE_WRITE(1) DR_CASE_WRITE(2) DR_CASE_WRITE(3) DR_CASE_WRITE(6) }
}
#undef DR_CASE_READ
#undef DR_CASE_WRITE

/* RDRAND and RDSEED: true with *v, or false when the CPU had no random number ready (CF = 0). */
static inline bool cpu_rdrand(uint64_t *v)
{
	uint8_t ok;

	__asm__ volatile("rdrand %0; setc %1" : "=r"(*v), "=qm"(ok) : : "cc");
	return ok;
}

static inline bool cpu_rdseed(uint64_t *v)
{
	uint8_t ok;

	__asm__ volatile("rdseed %0; setc %1" : "=r"(*v), "=qm"(ok) : : "cc");
	return ok;
}

static inline void cpu_pause(void) { __asm__ volatile("pause"); }
static inline void cpu_cli(void) { __asm__ volatile("cli" ::: "memory"); }
static inline void cpu_sti(void) { __asm__ volatile("sti" ::: "memory"); }
static inline void cpu_hlt(void) { __asm__ volatile("hlt" ::: "memory"); }

/*
 * Waits for an interrupt with interrupts enabled only for that wait: STI
 * holds interrupts off for one more instruction, so one that arrives
 * between STI and HLT still ends the HLT instead of being lost before it.
 */
static inline void cpu_wait_for_interrupt(void) { __asm__ volatile("sti; hlt; cli" ::: "memory"); }

/* Lets interrupts already pending be taken, then turns them off again (STI's shadow covers the NOP). */
static inline void cpu_take_pending_interrupts(void) { __asm__ volatile("sti; nop; cli" ::: "memory"); }

/* Stops this CPU for good: interrupts off, HLT in a loop (an NMI may wake it). */
static inline __attribute__((noreturn)) void cpu_halt_forever(void)
{
	for (;;)
		__asm__ volatile("cli; hlt" ::: "memory");
}

/* MSR numbers, SDM Vol. 4 */
#define MSR_IA32_FEATURE_CONTROL 0x03aU
#define MSR_IA32_APIC_BASE 0x01bU
#define MSR_IA32_VMX_BASIC 0x480U
#define MSR_IA32_VMX_PINBASED_CTLS 0x481U
#define MSR_IA32_VMX_PROCBASED_CTLS 0x482U
#define MSR_IA32_VMX_EXIT_CTLS 0x483U
#define MSR_IA32_VMX_ENTRY_CTLS 0x484U
#define MSR_IA32_VMX_MISC 0x485U
#define MSR_IA32_VMX_CR0_FIXED0 0x486U
#define MSR_IA32_VMX_CR0_FIXED1 0x487U
#define MSR_IA32_VMX_CR4_FIXED0 0x488U
#define MSR_IA32_VMX_CR4_FIXED1 0x489U
#define MSR_IA32_VMX_PROCBASED_CTLS2 0x48bU
#define MSR_IA32_VMX_EPT_VPID_CAP 0x48cU
#define MSR_IA32_VMX_TRUE_PINBASED_CTLS 0x48dU
#define MSR_IA32_VMX_TRUE_PROCBASED_CTLS 0x48eU
#define MSR_IA32_VMX_TRUE_EXIT_CTLS 0x48fU
#define MSR_IA32_VMX_TRUE_ENTRY_CTLS 0x490U
#define MSR_IA32_EFER 0xc0000080U
#define MSR_IA32_GS_BASE 0xc0000101U

#define EFER_SCE (1UL << 0)
#define EFER_LME (1UL << 8)
#define EFER_LMA (1UL << 10)
#define EFER_NXE (1UL << 11)

#define CR0_PE (1UL << 0)
#define CR0_WP (1UL << 16)
#define CR0_PG (1UL << 31)
#define CR4_PAE (1UL << 5)
#define CR4_PGE (1UL << 7)
#define CR4_VMXE (1UL << 13)

#endif
