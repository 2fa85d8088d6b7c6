/*
 * The guest CPUID policy (see vmm/exit/cpuid_policy.h). Bit positions are those
 * of SDM Vol. 2A, CPUID, table 3-8 and the feature tables after it. Runs in
 * VMX root on a CPUID exit and, unchanged, in host unit tests.
 *
 * The rule throughout: a bit stays only if the guest can use what it
 * advertises. A feature whose MSRs, leaves or state we do not virtualize is
 * hidden; a guest that trusts a bit and then takes #GP on the MSR behind it
 * is worse off than one that never saw the bit.
 */
#include "vmm/exit/cpuid_policy.h"

#include <stdbool.h>

#include "vmm/abi/hypercall_abi.h"

/* Basic leaves up to V2 extended topology (1FH); later leaves describe features we hide. */
#define GUEST_MAX_BASIC_LEAF 0x1fU
#define EXT_FIRST_LEAF 0x80000000U
#define GUEST_MAX_EXT_LEAF 0x80000008U
/* Intel leaves 40000000H-4FFFFFFFH to software: hypervisors answer there. */
#define HV_FIRST_LEAF 0x40000000U
#define HV_LAST_LEAF 0x4fffffffU
#define HV_MAX_LEAF 0x40000001U

#define CR4_OSXSAVE (1ULL << 18)
#define CR4_PKE (1ULL << 22)

/* ---- leaf 1 ---- */
#define L1_ECX_DTES64 (1U << 2)
#define L1_ECX_MONITOR (1U << 3)
#define L1_ECX_DS_CPL (1U << 4)
#define L1_ECX_VMX (1U << 5)
#define L1_ECX_SMX (1U << 6)
#define L1_ECX_EST (1U << 7)
#define L1_ECX_TM2 (1U << 8)
#define L1_ECX_CNXT_ID (1U << 10)
#define L1_ECX_SDBG (1U << 11)
#define L1_ECX_XTPR (1U << 14)
#define L1_ECX_PDCM (1U << 15)
#define L1_ECX_DCA (1U << 18)
#define L1_ECX_X2APIC (1U << 21)
#define L1_ECX_TSC_DEADLINE (1U << 24)
#define L1_ECX_XSAVE (1U << 26)
#define L1_ECX_OSXSAVE (1U << 27)
#define L1_ECX_HYPERVISOR (1U << 31) /* reserved by Intel; set by every hypervisor */

/*
 * Hidden: nested VMX and SMX (we would have to emulate them); thermal,
 * power and debug-store facilities whose MSRs we do not emulate (EST, TM2,
 * DTES64, DS-CPL, PDCM, SDBG, xTPR, CNXT-ID, DCA); MONITOR/MWAIT, which
 * exit to a #UD. x2APIC waits for a virtual x2APIC: until then the guest
 * programs the xAPIC through MMIO. OSXSAVE is recomputed from the guest's
 * CR4. The TSC-deadline timer is offered whatever the host has: the
 * virtual LAPIC implements it (IA32_TSC_DEADLINE in vmm/exit/msr.c), and it
 * spares the guest an MMIO exit per timer tick.
 */
#define L1_ECX_HIDDEN                                                                         \
	(L1_ECX_DTES64 | L1_ECX_MONITOR | L1_ECX_DS_CPL | L1_ECX_VMX | L1_ECX_SMX | L1_ECX_EST | \
	 L1_ECX_TM2 | L1_ECX_CNXT_ID | L1_ECX_SDBG | L1_ECX_XTPR | L1_ECX_PDCM | L1_ECX_DCA |  \
	 L1_ECX_X2APIC | L1_ECX_OSXSAVE)
#define L1_ECX_FORCED L1_ECX_TSC_DEADLINE

#define L1_EDX_MCE (1U << 7)
#define L1_EDX_MTRR (1U << 12)
#define L1_EDX_MCA (1U << 14)
#define L1_EDX_PSN (1U << 18)
#define L1_EDX_DS (1U << 21)
#define L1_EDX_ACPI (1U << 22)
#define L1_EDX_HTT (1U << 28)
#define L1_EDX_TM (1U << 29)
#define L1_EDX_PBE (1U << 31)

/* No virtual machine-check banks, MTRRs (guest memory is WB by EPT), debug store or thermal control. */
#define L1_EDX_HIDDEN                                                                    \
	(L1_EDX_MCE | L1_EDX_MTRR | L1_EDX_MCA | L1_EDX_PSN | L1_EDX_DS | L1_EDX_ACPI | \
	 L1_EDX_HTT | L1_EDX_TM | L1_EDX_PBE)

/* ---- leaf 4: deterministic cache parameters ---- */
#define L4_EAX_TYPE 0x1fU              /* 0: no more caches */
#define L4_EAX_KEEP 0x00003fffU        /* type, level, self-init, fully associative */
#define L4_EAX_CORES_SHIFT 26          /* EAX[31:26]: cores per package - 1 */
#define L4_EAX_CORES_MAX 64U

/* ---- leaf 7 subleaf 0 ---- */
#define L7_EBX_TSC_ADJUST (1U << 1)
#define L7_EBX_SGX (1U << 2)
#define L7_EBX_RDT_M (1U << 12)
#define L7_EBX_MPX (1U << 14)
#define L7_EBX_RDT_A (1U << 15)
#define L7_EBX_INTEL_PT (1U << 25)
/* SGX and PT need leaves 12H/14H and their MSRs; RDT needs 0FH/10H; MPX needs BNDCFGS and XCR0 bits 3-4. */
#define L7_EBX_HIDDEN \
	(L7_EBX_SGX | L7_EBX_RDT_M | L7_EBX_MPX | L7_EBX_RDT_A | L7_EBX_INTEL_PT)
/*
 * IA32_TSC_ADJUST is emulated by vmm/exit/msr.c whatever the host has, and
 * offered always: with it and a known TSC rate, Linux trusts the TSC
 * instead of checking it against timer ticks, which arrive late under a
 * hypervisor when the guest runs with interrupts off across exits.
 */
#define L7_EBX_FORCED L7_EBX_TSC_ADJUST

#define L7_ECX_PKU (1U << 3)
#define L7_ECX_OSPKE (1U << 4)
#define L7_ECX_WAITPKG (1U << 5)
#define L7_ECX_CET_SS (1U << 7)
#define L7_ECX_TME (1U << 13)
#define L7_ECX_LA57 (1U << 16)
#define L7_ECX_KEY_LOCKER (1U << 23)
#define L7_ECX_SGX_LC (1U << 30)
#define L7_ECX_PKS (1U << 31)
/*
 * UMWAIT needs IA32_UMWAIT_CONTROL; CET, TME, Key Locker, SGX launch control
 * and PKS need MSRs too. LA57: the hypervisor's guest page walker (MMIO
 * emulation, string I/O) reads 4-level tables only.
 */
#define L7_ECX_HIDDEN                                                                \
	(L7_ECX_OSPKE | L7_ECX_WAITPKG | L7_ECX_CET_SS | L7_ECX_TME | L7_ECX_KEY_LOCKER | \
	 L7_ECX_SGX_LC | L7_ECX_PKS | L7_ECX_LA57)

#define L7_EDX_UINTR (1U << 5)
#define L7_EDX_MD_CLEAR (1U << 10) /* kept: VERW, no MSR */
#define L7_EDX_TSX_FORCE_ABORT (1U << 13)
#define L7_EDX_HYBRID (1U << 15)
#define L7_EDX_PCONFIG (1U << 18)
#define L7_EDX_ARCH_LBR (1U << 19)
#define L7_EDX_CET_IBT (1U << 20)
#define L7_EDX_AMX_BF16 (1U << 22)
#define L7_EDX_AMX_TILE (1U << 24)
#define L7_EDX_AMX_INT8 (1U << 25)
#define L7_EDX_IBRS_IBPB (1U << 26)
#define L7_EDX_STIBP (1U << 27)
#define L7_EDX_L1D_FLUSH (1U << 28)
#define L7_EDX_ARCH_CAPABILITIES (1U << 29)
#define L7_EDX_CORE_CAPABILITIES (1U << 30)
#define L7_EDX_SSBD (1U << 31)
/*
 * Each of these promises an MSR that vmm/exit/msr.c does not handle
 * (ARCH_CAPABILITIES, CORE_CAPABILITIES, TSX_FORCE_ABORT, arch LBRs, CET,
 * UINTR), XSAVE state we do not offer (AMX), or a hybrid topology (leaf
 * 1AH) we do not describe. The speculation controls (IBRS/IBPB, STIBP,
 * L1D_FLUSH, SSBD) stay as the host has them: msr.c passes SPEC_CTRL,
 * PRED_CMD and FLUSH_CMD through, and without them Linux reports itself
 * unmitigated (RETBleed) on CPUs that need IBRS.
 */
#define L7_EDX_HIDDEN                                                                        \
	(L7_EDX_UINTR | L7_EDX_TSX_FORCE_ABORT | L7_EDX_HYBRID | L7_EDX_PCONFIG |                 \
	 L7_EDX_ARCH_LBR | L7_EDX_CET_IBT | L7_EDX_AMX_BF16 | L7_EDX_AMX_TILE | L7_EDX_AMX_INT8 | \
	 L7_EDX_ARCH_CAPABILITIES | L7_EDX_CORE_CAPABILITIES)

/* ---- leaves 0BH and 1FH: extended topology, SDM Vol. 3A 8.9 ---- */
#define TOPO_LEVEL_SMT 1U
#define TOPO_LEVEL_CORE 2U

/* ---- leaf 0DH: XSAVE, SDM Vol. 1, 13.2 ---- */
#define XFEATURE_X87 (1ULL << 0)
#define XFEATURE_SSE (1ULL << 1)
#define XFEATURE_AVX (1ULL << 2)
#define XFEATURE_OPMASK (1ULL << 5)
#define XFEATURE_ZMM_HI256 (1ULL << 6)
#define XFEATURE_HI16_ZMM (1ULL << 7)
#define XFEATURE_PKRU (1ULL << 9)
/* User state we context-switch with the guest's XCR0; nothing supervisor (IA32_XSS stays 0). */
#define XFEATURE_GUEST                                                            \
	(XFEATURE_X87 | XFEATURE_SSE | XFEATURE_AVX | XFEATURE_OPMASK | XFEATURE_ZMM_HI256 | \
	 XFEATURE_HI16_ZMM | XFEATURE_PKRU)
/* Legacy region (512 bytes) plus XSAVE header (64 bytes), 13.4. */
#define XSAVE_LEGACY_SIZE 576U
#define XSAVE_LAST_COMPONENT 62U
#define XSAVE_ECX_ALIGN64 (1U << 1) /* CPUID.(0DH,i):ECX[1], for the compacted form (13.4.3) */

#define XSAVE1_EAX_XSAVEC (1U << 1)
#define XSAVE1_EAX_XSAVES (1U << 3)
#define XSAVE1_EAX_XFD (1U << 4) /* needs IA32_XFD: hidden with AMX */

/* ---- extended leaves ---- */
#define E1_ECX_SVM (1U << 2)
#define E7_EDX_INVARIANT_TSC (1U << 8)

static void zero(uint32_t out[4])
{
	out[0] = out[1] = out[2] = out[3] = 0;
}

static uint32_t vcpu_count(const struct cpuid_ctx *c)
{
	return c->vcpu_count ? c->vcpu_count : 1;
}

static uint32_t guest_max_basic(const struct cpuid_ctx *c)
{
	uint32_t r[4];

	c->host(0, 0, r);
	return r[0] < GUEST_MAX_BASIC_LEAF ? r[0] : GUEST_MAX_BASIC_LEAF;
}

/* 0 when the host has no extended leaves at all. */
static uint32_t guest_max_ext(const struct cpuid_ctx *c)
{
	uint32_t r[4];

	c->host(EXT_FIRST_LEAF, 0, r);
	if (r[0] < EXT_FIRST_LEAF || r[0] > EXT_FIRST_LEAF + 0xffffU)
		return 0;
	return r[0] < GUEST_MAX_EXT_LEAF ? r[0] : GUEST_MAX_EXT_LEAF;
}

static bool host_has_xsave(const struct cpuid_ctx *c)
{
	uint32_t r[4];

	c->host(1, 0, r);
	return r[2] & L1_ECX_XSAVE;
}

/* Smallest n with (1 << n) >= count: the APIC-ID bits a level needs. */
static uint32_t id_bits(uint32_t count)
{
	uint32_t n = 0;

	while ((1ULL << n) < count)
		n++;
	return n;
}

static void leaf_1(const struct cpuid_ctx *c, uint32_t out[4])
{
	uint32_t count = vcpu_count(c);

	/* EBX[7:0] brand index and EBX[15:8] CLFLUSH size stay the host's. */
	out[1] = (out[1] & 0xffffU) | ((count > 0xff ? 0xffU : count) << 16) |
		 ((c->vcpu_id & 0xffU) << 24);
	out[2] = (out[2] & ~L1_ECX_HIDDEN) | L1_ECX_FORCED | L1_ECX_HYPERVISOR;
	/* OSXSAVE mirrors the guest's CR4 (the host's bit reflects the host's CR4). */
	if ((out[2] & L1_ECX_XSAVE) && (c->guest_cr4 & CR4_OSXSAVE))
		out[2] |= L1_ECX_OSXSAVE;
	out[3] &= ~L1_EDX_HIDDEN;
	/* HTT says EBX[23:16] is valid: more than one logical processor per package. */
	if (count > 1)
		out[3] |= L1_EDX_HTT;
}

static void leaf_4(const struct cpuid_ctx *c, uint32_t out[4])
{
	uint32_t cores = vcpu_count(c);

	if (!(out[0] & L4_EAX_TYPE))
		return;
	if (cores > L4_EAX_CORES_MAX)
		cores = L4_EAX_CORES_MAX;
	/* One thread per core: EAX[25:14] (threads sharing the cache - 1) becomes 0. */
	out[0] = (out[0] & L4_EAX_KEEP) | ((cores - 1) << L4_EAX_CORES_SHIFT);
}

static void leaf_7(const struct cpuid_ctx *c, uint32_t subleaf, uint32_t out[4])
{
	if (subleaf != 0)
		return;
	out[1] &= ~L7_EBX_HIDDEN;
	out[1] |= L7_EBX_FORCED;
	/* PKU itself stays; OSPKE (CR4.PKE) is the guest's, as OSXSAVE is. */
	out[2] &= ~L7_ECX_HIDDEN;
	if ((out[2] & L7_ECX_PKU) && (c->guest_cr4 & CR4_PKE))
		out[2] |= L7_ECX_OSPKE;
	out[3] &= ~L7_EDX_HIDDEN;
}

/* One thread per core, every vCPU a core of one package; x2APIC ID = vcpu_id. */
static void leaf_topology(const struct cpuid_ctx *c, uint32_t subleaf, uint32_t out[4])
{
	zero(out);
	if (subleaf == 0) {
		out[0] = 0; /* no SMT bits in the APIC ID */
		out[1] = 1;
		out[2] = TOPO_LEVEL_SMT << 8;
	} else if (subleaf == 1) {
		out[0] = id_bits(vcpu_count(c));
		out[1] = vcpu_count(c) & 0xffffU;
		out[2] = (TOPO_LEVEL_CORE << 8) | 1U;
	} else {
		out[2] = subleaf & 0xffU; /* level type 0: invalid, end of the list */
	}
	out[3] = c->vcpu_id;
}

/*
 * Bytes an XSAVE area needs for the components in mask: the standard form
 * ends where its highest component ends; the compacted form packs them in
 * order, some 64-byte aligned (SDM Vol. 1, 13.4.3).
 */
static uint32_t xsave_size(const struct cpuid_ctx *c, uint64_t mask, bool compacted)
{
	uint32_t size = XSAVE_LEGACY_SIZE, i, r[4];

	for (i = 2; i <= XSAVE_LAST_COMPONENT; i++) {
		if (!(mask & (1ULL << i)))
			continue;
		c->host(0xd, i, r);
		if (compacted) {
			if (r[2] & XSAVE_ECX_ALIGN64)
				size = (size + 63U) & ~63U;
			size += r[0];
		} else if (r[1] + r[0] > size) {
			size = r[1] + r[0];
		}
	}
	return size;
}

static void leaf_xsave(const struct cpuid_ctx *c, uint32_t subleaf, uint32_t out[4])
{
	uint32_t r[4];
	uint64_t supported;

	if (!host_has_xsave(c)) {
		zero(out);
		return;
	}
	c->host(0xd, 0, r);
	supported = (r[0] | ((uint64_t)r[3] << 32)) & XFEATURE_GUEST;
	if (subleaf == 0) {
		out[0] = (uint32_t)supported;
		out[1] = xsave_size(c, c->guest_xcr0 & supported, false);
		out[2] = xsave_size(c, supported, false);
		out[3] = (uint32_t)(supported >> 32);
	} else if (subleaf == 1) {
		/* XSAVES would need a virtual IA32_XSS: hide it and report no supervisor state. */
		out[0] &= ~(XSAVE1_EAX_XSAVES | XSAVE1_EAX_XFD);
		/* A host XSAVEC that scrambles the compacted layout would corrupt the guest's tasks. */
		if (c->hide_xsavec)
			out[0] &= ~XSAVE1_EAX_XSAVEC;
		out[1] = xsave_size(c, c->guest_xcr0 & supported, true);
		out[2] = out[3] = 0;
	} else if (subleaf > XSAVE_LAST_COMPONENT || !(supported & (1ULL << subleaf))) {
		/* A component the guest cannot enable is described as absent. */
		zero(out);
	}
}

/*
 * Leaf 15H: TSC = crystal * EBX / EAX. Linux takes the crystal as the
 * LAPIC timer's clock and the ratio as the TSC's rate, skipping its own
 * calibration, so both must be ours: the virtual LAPIC's 1 GHz and the
 * guest TSC (the host's, which the hypervisor calibrated), to the kHz.
 */
static void leaf_tsc_crystal(const struct cpuid_ctx *c, uint32_t out[4])
{
	uint64_t mhz = (c->tsc_hz + 500000U) / 1000000U; /* nearest MHz */

	/*
	 * Linux computes crystal_kHz * EBX in 32 bits: with a 1 GHz crystal
	 * EBX must stay below 4295, so the ratio is in MHz (EAX = 1000) and a
	 * TSC of 4.295 GHz or more hides the leaf (Linux then calibrates).
	 */
	if (!mhz || mhz * (CPUID_CRYSTAL_HZ / 1000U) > 0xffffffffULL) {
		zero(out);
		return;
	}
	out[0] = 1000U;           /* denominator */
	out[1] = (uint32_t)mhz;   /* numerator: TSC = 1 GHz * MHz / 1000 */
	out[2] = CPUID_CRYSTAL_HZ;
	out[3] = 0;
}

/* Leaf 16H: base and maximum frequency in MHz (the TSC's), bus 100 MHz. */
static void leaf_frequency(const struct cpuid_ctx *c, uint32_t out[4])
{
	uint32_t mhz = (uint32_t)((c->tsc_hz + 500000U) / 1000000U);

	out[0] = mhz;
	out[1] = mhz;
	out[2] = c->tsc_hz ? 100U : 0U;
	out[3] = 0;
}

static void basic_leaf(const struct cpuid_ctx *c, uint32_t leaf, uint32_t subleaf,
		       uint32_t max_basic, uint32_t out[4])
{
	c->host(leaf, subleaf, out);
	switch (leaf) {
	case 0x0:
		out[0] = max_basic;
		break;
	case 0x1:
		leaf_1(c, out);
		break;
	case 0x4:
		leaf_4(c, out);
		break;
	case 0x7:
		leaf_7(c, subleaf, out);
		break;
	case 0xb:
	case 0x1f:
		leaf_topology(c, subleaf, out);
		break;
	case 0xd:
		leaf_xsave(c, subleaf, out);
		break;
	case 0x5:  /* MONITOR/MWAIT: hidden */
	case 0x6:  /* thermal and power management */
	case 0x9:  /* direct cache access */
	case 0xa:  /* architectural PMU: no virtual PMU */
	case 0xf:  /* RDT monitoring */
	case 0x10: /* RDT allocation */
	case 0x12: /* SGX */
	case 0x14: /* Intel PT */
	case 0x19: /* Key Locker */
	case 0x1a: /* hybrid core type */
	case 0x1b: /* PCONFIG */
	case 0x1c: /* architectural LBRs */
	case 0x1d: /* AMX tile information */
	case 0x1e: /* AMX TMUL information */
		zero(out);
		break;
	case 0x15:
		leaf_tsc_crystal(c, out);
		break;
	case 0x16:
		leaf_frequency(c, out);
		break;
	default:
		/* 2, 3, 17H, 18H and the reserved ones: the host's. */
		break;
	}
}

static void hv_leaf(uint32_t leaf, uint32_t out[4])
{
	zero(out);
	if (leaf == HV_FIRST_LEAF) {
		out[0] = HV_MAX_LEAF;
		out[1] = HV_CPUID_SIGNATURE_EBX;
		out[2] = HV_CPUID_SIGNATURE_ECX;
		out[3] = HV_CPUID_SIGNATURE_EDX;
	} else if (leaf == HV_MAX_LEAF) {
		out[0] = (HV_ABI_MAJOR << 16) | HV_ABI_MINOR;
	}
}

static void ext_leaf(const struct cpuid_ctx *c, uint32_t leaf, uint32_t subleaf, uint32_t max_ext,
		     uint32_t out[4])
{
	c->host(leaf, subleaf, out);
	switch (leaf) {
	case 0x80000000U:
		out[0] = max_ext;
		break;
	case 0x80000001U:
		/* LAHF, LZCNT, PREFETCHW, SYSCALL, NX, 1 GB pages, RDTSCP, LM: the host's. */
		out[2] &= ~E1_ECX_SVM;
		break;
	case 0x80000007U:
		/* Invariant TSC holds: the guest TSC is the host's plus an offset. */
		out[3] &= E7_EDX_INVARIANT_TSC;
		out[0] = out[1] = out[2] = 0;
		break;
	default:
		/* Brand string, L2 cache, address sizes: the host's. */
		break;
	}
}

void cpuid_guest(const struct cpuid_ctx *c, uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
	uint32_t max_basic = guest_max_basic(c);
	uint32_t max_ext;

	if (leaf <= max_basic) {
		basic_leaf(c, leaf, subleaf, max_basic, out);
		return;
	}
	if (leaf >= HV_FIRST_LEAF && leaf <= HV_LAST_LEAF) {
		hv_leaf(leaf, out);
		return;
	}
	max_ext = guest_max_ext(c);
	if (max_ext && leaf >= EXT_FIRST_LEAF && leaf <= max_ext) {
		ext_leaf(c, leaf, subleaf, max_ext, out);
		return;
	}
	/*
	 * SDM Vol. 2A, CPUID: "If a value entered for CPUID.EAX is higher than
	 * the maximum input value for basic or extended function for that
	 * processor then the data for the highest basic information leaf is
	 * returned." Guests probe this way, so answer as a CPU would, with
	 * our maximum rather than the host's.
	 */
	basic_leaf(c, max_basic, subleaf, max_basic, out);
}
