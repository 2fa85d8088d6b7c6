/*
 * Virtual local APIC, one per vCPU, in xAPIC mode (the 4 KiB MMIO page at
 * 0xFEE00000; SDM Vol. 3A chapter 11). The registers are reached by their
 * index (MMIO offset >> 4, which is also the x2APIC MSR number - 0x800), so
 * an x2APIC MSR path can be added without touching the register logic.
 *
 * The timer's input is the APIC bus clock, which we define as 1 GHz: one
 * tick per guest nanosecond before the divide configuration. Linux either
 * calibrates it against the PIT or trusts CPUID 0x15/0x16 (then
 * lapic_timer_period = crystal Hz / HZ), so CPUID must report either no
 * crystal or a 1 GHz one.
 *
 * A pure state machine: no hardware access, no globals. Every member of
 * struct lapic but wire is plain state, what a snapshot saves; tsc_hz is
 * set by the owner, not guest-visible, and kept with it. wire, the router
 * for IPIs and level EOIs, holds pointers into the owner, which re-creates
 * it on restore. Time is the guest's virtual nanoseconds (and TSC for the
 * deadline mode), passed in. Callers serialise access (the vCPU's or the
 * VM's lock); runs in VMX root and in host unit tests.
 */
#ifndef VMM_DEV_LAPIC_H
#define VMM_DEV_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

#define LAPIC_MMIO_BASE 0xfee00000UL
#define LAPIC_MMIO_SIZE 0x1000U
#define LAPIC_BUS_HZ 1000000000ULL	/* timer input before division */
#define LAPIC_VERSION 0x00050014U	/* integrated APIC, max LVT entry 5 */
#define MSR_IA32_TSC_DEADLINE 0x6e0U

/* IA32_APIC_BASE (SDM 11.4.4). */
#define LAPIC_BASE_BSP (1UL << 8)
#define LAPIC_BASE_ENABLE (1UL << 11)

/* Register offsets in the MMIO page (SDM Table 11-1). */
#define LAPIC_REG_ID 0x020U
#define LAPIC_REG_VERSION 0x030U
#define LAPIC_REG_TPR 0x080U
#define LAPIC_REG_APR 0x090U
#define LAPIC_REG_PPR 0x0a0U
#define LAPIC_REG_EOI 0x0b0U
#define LAPIC_REG_RRD 0x0c0U
#define LAPIC_REG_LDR 0x0d0U
#define LAPIC_REG_DFR 0x0e0U
#define LAPIC_REG_SVR 0x0f0U
#define LAPIC_REG_ISR 0x100U	/* 8 registers, 0x10 apart */
#define LAPIC_REG_TMR 0x180U
#define LAPIC_REG_IRR 0x200U
#define LAPIC_REG_ESR 0x280U
#define LAPIC_REG_LVT_CMCI 0x2f0U
#define LAPIC_REG_ICR_LOW 0x300U
#define LAPIC_REG_ICR_HIGH 0x310U
#define LAPIC_REG_LVT_TIMER 0x320U
#define LAPIC_REG_LVT_THERMAL 0x330U
#define LAPIC_REG_LVT_PERF 0x340U
#define LAPIC_REG_LVT_LINT0 0x350U
#define LAPIC_REG_LVT_LINT1 0x360U
#define LAPIC_REG_LVT_ERROR 0x370U
#define LAPIC_REG_TIMER_INIT 0x380U
#define LAPIC_REG_TIMER_CUR 0x390U
#define LAPIC_REG_TIMER_DIV 0x3e0U

#define LAPIC_SVR_ENABLE 0x100U		/* APIC software enable (SDM 11.9) */

/* LVT and ICR fields (SDM Figures 11-8 and 11-12). */
#define LAPIC_VECTOR_MASK 0xffU
#define LAPIC_DM_SHIFT 8
#define LAPIC_DM_MASK 0x700U
#define LAPIC_DM_FIXED 0U
#define LAPIC_DM_LOWEST 1U
#define LAPIC_DM_SMI 2U
#define LAPIC_DM_NMI 4U
#define LAPIC_DM_INIT 5U
#define LAPIC_DM_SIPI 6U
#define LAPIC_DM_EXTINT 7U
#define LAPIC_ICR_LOGICAL 0x800U
#define LAPIC_DELIVERY_PENDING 0x1000U	/* always reads 0: delivery is instant */
#define LAPIC_LVT_POLARITY_LOW 0x2000U
#define LAPIC_LVT_REMOTE_IRR 0x4000U
#define LAPIC_ICR_ASSERT 0x4000U	/* ICR level: 0 is an INIT de-assert */
#define LAPIC_TRIGGER_LEVEL 0x8000U
#define LAPIC_LVT_MASKED 0x10000U
#define LAPIC_ICR_SHORTHAND_SHIFT 18
#define LAPIC_ICR_SHORTHAND_MASK 0xc0000U
#define LAPIC_SH_NONE 0U
#define LAPIC_SH_SELF 1U
#define LAPIC_SH_ALL 2U
#define LAPIC_SH_OTHERS 3U
#define LAPIC_TIMER_MODE_SHIFT 17
#define LAPIC_TIMER_MODE_MASK 0x60000U
#define LAPIC_TIMER_ONESHOT 0U
#define LAPIC_TIMER_PERIODIC 1U
#define LAPIC_TIMER_TSC_DEADLINE 2U

/* ESR bits (SDM 11.5.3). */
#define LAPIC_ESR_SEND_ILLEGAL_VECTOR 0x20U
#define LAPIC_ESR_RECV_ILLEGAL_VECTOR 0x40U
#define LAPIC_ESR_ILLEGAL_REGISTER 0x80U

/* The LVT entries in register order, timer first (lvt[] index). */
enum lapic_lvt {
	LAPIC_LVT_TIMER,
	LAPIC_LVT_THERMAL,
	LAPIC_LVT_PERF,
	LAPIC_LVT_LINT0,
	LAPIC_LVT_LINT1,
	LAPIC_LVT_ERROR,
	LAPIC_LVT_CMCI,
	LAPIC_LVT_COUNT,
};

/* The VM-level router the LAPIC calls for IPIs and for EOIs of level-triggered vectors. */
struct lapic_bus {
	/*
	 * The ICR as written: the router decodes the destination (physical or
	 * logical, shorthand; lapic_match_dest() helps) and the delivery mode
	 * (fixed, lowest priority, NMI, INIT, SIPI). dest_field is ICR[63:56]
	 * in xAPIC mode (the whole high word in x2APIC mode). An INIT with
	 * level 0 and trigger level is the de-assert Linux still sends after
	 * INIT: it does nothing on modern CPUs and must be ignored.
	 */
	void (*send_ipi)(void *ctx, uint32_t src_id, uint32_t icr_low, uint32_t dest_field);
	/* To the IOAPIC: a level-triggered vector was EOIed. May re-enter lapic_accept(). */
	void (*eoi_level)(void *ctx, uint8_t vector);
	void *ctx;
};

struct lapic {
	uint32_t id;		/* APIC ID; read-only to the guest (SDM 11.4.6 warns OSes off) */
	uint64_t apic_base;	/* IA32_APIC_BASE as the guest reads it */
	uint64_t tsc_hz;	/* guest TSC rate, set by the owner; 0: deadlines cannot be timed */
	uint32_t tpr;
	uint32_t ldr;
	uint32_t dfr;
	uint32_t svr;
	uint32_t esr;		/* what ESR reads: latched by the last ESR write */
	uint32_t esr_pending;	/* errors since that write */
	uint32_t icr_low;
	uint32_t icr_high;
	uint32_t lvt[LAPIC_LVT_COUNT];
	uint32_t irr[8];	/* vector v is bit v % 32 of word v / 32 */
	uint32_t isr[8];
	uint32_t tmr[8];
	/* Timer (SDM 11.5.4): ticks are bus clocks after division. */
	uint32_t timer_initial;
	uint32_t timer_div;	/* divide configuration register */
	bool timer_counting;	/* one-shot or periodic count loaded, not yet expired */
	uint64_t timer_ref_ns;	/* time at which timer_ref_ticks had elapsed */
	uint64_t timer_ref_ticks; /* ticks since the count was loaded, at timer_ref_ns */
	uint64_t timer_next_ns;	/* next one-shot/periodic expiry while counting */
	uint64_t tsc_deadline;	/* IA32_TSC_DEADLINE; 0: disarmed */
	struct lapic_bus wire;
};

/*
 * Power-on state (SDM 11.4.7.1): software-disabled (SVR 0xFF), every LVT
 * masked, DFR all ones, everything else 0. bsp sets IA32_APIC_BASE.BSP.
 * The owner sets tsc_hz afterwards if it exposes the TSC-deadline timer.
 */
void lapic_init(struct lapic *l, uint32_t apic_id, bool bsp, struct lapic_bus wire);

/* INIT (SDM 11.4.7.3): as power-on but the ID, IA32_APIC_BASE, tsc_hz and wire stay. */
void lapic_reset(struct lapic *l);

/*
 * 32-bit accesses at offset in the MMIO page. 0 ok; -1 for an unaligned,
 * reserved (ESR illegal register address is set) or write-only offset on
 * read, or a reserved or read-only one on write: the caller reads 0 and
 * drops the write. Timer expiries due by now_ns are raised first, so
 * reprogramming never swallows one.
 */
int lapic_mmio_read(struct lapic *l, uint32_t offset, uint32_t *value, uint64_t now_ns);
int lapic_mmio_write(struct lapic *l, uint32_t offset, uint32_t value, uint64_t now_ns);

/*
 * Delivery of a fixed or lowest-priority interrupt into this LAPIC (from
 * the IOAPIC or an IPI; the PIC via LINT0 in ExtINT mode is the caller's):
 * sets IRR, and sets TMR for level or clears it for edge (SDM 11.8.4).
 * Vectors 0-15 are refused with an ESR receive-illegal-vector error; a
 * software-disabled LAPIC drops the interrupt, as KVM does.
 */
void lapic_accept(struct lapic *l, uint8_t vector, bool level);

/*
 * The vector to inject now: the highest IRR whose priority class is above
 * the PPR's, or -1 (SDM 11.8.3.1, 11.8.4).
 */
int lapic_pending_vector(const struct lapic *l);

/* The guest took vector (a lapic_pending_vector() result): IRR -> ISR, the INTA cycle. */
void lapic_ack(struct lapic *l, uint8_t vector);

/* PPR (SDM 11.8.3.1) and APR (SDM 11.6.2.4, for lowest-priority arbitration). */
uint32_t lapic_ppr(const struct lapic *l);
uint32_t lapic_apr(const struct lapic *l);

/*
 * CR8, the 64-bit mode view of the TPR (SDM 10.8.6.1): it reads TPR[7:4]; a
 * write sets TPR[7:4] to bits 3:0 and TPR[3:0] to 0. A write with any of
 * bits 63:4 set changes nothing and returns -1: the CPU raises #GP(0).
 */
uint64_t lapic_read_cr8(const struct lapic *l);
int lapic_write_cr8(struct lapic *l, uint64_t value);

/*
 * The priority class (1-15) of the highest requested vector if the TPR
 * alone holds it back (its class is not above TPR[7:4]), else 0: lowering
 * the TPR's class below this value may let it through. A VMX TPR
 * threshold, so it never exceeds TPR[7:4] (SDM 26.2.1.1).
 */
uint32_t lapic_tpr_threshold(const struct lapic *l);

/*
 * Whether an interrupt addressed to dest (8-bit xAPIC destination) reaches
 * this LAPIC: physical mode matches the ID or broadcast 0xFF; logical mode
 * uses LDR and DFR, flat or cluster model (SDM 11.6.2.2). Shorthands are
 * the router's.
 */
bool lapic_match_dest(const struct lapic *l, bool logical, uint8_t dest);

/*
 * Timers: raise a due timer interrupt (one-shot, periodic, TSC-deadline)
 * and return when the next is due in guest ns (UINT64_MAX for none). A
 * masked timer still expires (silently), so its expiries are reported too.
 * Periods missed while the vCPU did not run collapse into one interrupt.
 * The deadline mode converts from the guest TSC now_tsc with tsc_hz.
 * now_ns and now_tsc must not go backwards.
 */
uint64_t lapic_timer_update(struct lapic *l, uint64_t now_ns, uint64_t now_tsc);

/*
 * MSR 0x6E0 (SDM 11.5.4.1): arms the deadline, 0 disarms, a deadline at
 * or before now_tsc fires at once. Ignored (and reads 0) unless the LVT
 * timer is in TSC-deadline mode.
 */
void lapic_write_tsc_deadline(struct lapic *l, uint64_t deadline_tsc, uint64_t now_tsc);
uint64_t lapic_read_tsc_deadline(const struct lapic *l);

#endif
