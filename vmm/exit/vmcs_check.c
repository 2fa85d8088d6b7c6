/*
 * Software VM-entry guest-state checks (see vmm/exit/vmcs_check.h). Runs in VMX
 * root after a failed VM entry, on a copy of the VMCS, and in host unit
 * tests. The rules and their order follow SDM Vol. 3C 26.2.1 (controls)
 * and 26.3.1.1-26.3.1.5 (guest state); each problem names one VMCS field.
 *
 * The checker assumes a processor with Intel 64, as ours are, and treats
 * linear addresses as 48 bits wide unless the guest has CR4.LA57 set (the
 * state does not say whether the CPU has 5-level paging).
 */
#include "vmm/exit/vmcs_check.h"

#include <stdbool.h>

#include "arch/x86/vmcs_fields.h"

#define CR0_PE (1UL << 0)
#define CR0_WP (1UL << 16)
#define CR0_NW (1UL << 29)
#define CR0_CD (1UL << 30)
#define CR0_PG (1UL << 31)
#define CR4_PAE (1UL << 5)
#define CR4_LA57 (1UL << 12)
#define CR4_PCIDE (1UL << 17)
#define CR4_CET (1UL << 23)

#define EFER_LME (1UL << 8)
#define EFER_LMA (1UL << 10)
/* SCE, LME, LMA, NXE: the only IA32_EFER bits an Intel CPU has (SDM Vol. 4, table 2-2). */
#define EFER_RESERVED (~((1UL << 0) | EFER_LME | EFER_LMA | (1UL << 11)))

#define RFLAGS_FIXED1 (1UL << 1)
#define RFLAGS_TF (1UL << 8)
#define RFLAGS_IF (1UL << 9)
#define RFLAGS_VM (1UL << 17)
#define RFLAGS_RESERVED 0xffffffffffc08028UL /* 63:22, 15, 5, 3: 26.3.1.4 */

#define DEBUGCTL_BTF (1UL << 1)
/* 63:32 and 5:2 are reserved on every VMX-capable family since Core 2. */
#define DEBUGCTL_RESERVED 0xffffffff0000003cUL

/* Pending debug exceptions: 63:17, 15, 13, 11:4 reserved (bit 16 is RTM); 14 is BS. */
#define PENDING_DBG_RESERVED 0xfffffffffffeaff0UL
#define PENDING_DBG_BS (1UL << 14)

/* Segment access rights in the VMCS format, SDM 24.4.1 (table 24-2). */
#define AR_TYPE(ar) ((ar) & 0xfU)
#define AR_S (1U << 4)
#define AR_DPL(ar) (((ar) >> 5) & 3U)
#define AR_P (1U << 7)
#define AR_RESERVED_11_8 0x00000f00U
#define AR_L (1U << 13)
#define AR_DB (1U << 14)
#define AR_G (1U << 15)
#define AR_UNUSABLE (1U << 16)
#define AR_RESERVED_31_17 0xfffe0000U
#define AR_V86 0xf3U /* present, DPL 3, accessed read/write data: 26.3.1.2 */

#define SEL_RPL(sel) ((sel) & 3U)
#define SEL_TI (1U << 2)

#define TYPE_DATA_RW_ACCESSED 3U
#define TYPE_DATA_RW_DOWN_ACCESSED 7U
#define TYPE_LDT 2U
#define TYPE_TSS16_BUSY 3U
#define TYPE_TSS_BUSY 11U

/* Interruptibility state, SDM 24.4.2 (table 24-3). */
#define INTR_STI (1U << 0)
#define INTR_MOV_SS (1U << 1)
#define INTR_SMI (1U << 2)
#define INTR_RESERVED 0xffffffe0U /* bit 4 is enclave interruption */

#define ACTIVITY_ACTIVE 0U
#define ACTIVITY_HLT 1U
#define ACTIVITY_SHUTDOWN 2U
#define ACTIVITY_WAIT_SIPI 3U

/* VM-entry interruption information, SDM 24.8.3 (table 24-14). */
#define INTR_INFO_VECTOR(i) ((i) & 0xffU)
#define INTR_INFO_TYPE(i) (((i) >> 8) & 7U)
#define INTR_INFO_ERROR_CODE (1U << 11)
#define INTR_INFO_RESERVED 0x7ffff000U
#define INTR_INFO_VALID (1U << 31)
#define INTR_TYPE_EXTERNAL 0U
#define INTR_TYPE_RESERVED 1U
#define INTR_TYPE_NMI 2U
#define INTR_TYPE_HW_EXCEPTION 3U
#define INTR_TYPE_OTHER 7U
#define VECTOR_NMI 2U
#define VECTOR_MC 18U
#define VECTOR_CP 21U
/* #DF #TS #NP #SS #GP #PF #AC push an error code (26.2.1.3); #CP may, with CET. */
#define VECTORS_WITH_ERROR_CODE                                                            \
	((1U << 8) | (1U << 10) | (1U << 11) | (1U << 12) | (1U << 13) | (1U << 14) | \
	 (1U << 17))

enum { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_LDTR, SEG_TR, SEG_COUNT };
enum { F_SELECTOR, F_BASE, F_LIMIT, F_AR };

struct seg_fields {
	uint32_t field[4];
	const char *name[4];
};

#define SEG_FIELDS(R)                                                                       \
	{ { VMCS_GUEST_##R##_SELECTOR, VMCS_GUEST_##R##_BASE, VMCS_GUEST_##R##_LIMIT,            \
	    VMCS_GUEST_##R##_AR },                                                              \
	  { "GUEST_" #R "_SELECTOR", "GUEST_" #R "_BASE", "GUEST_" #R "_LIMIT", "GUEST_" #R "_AR" } }

static const struct seg_fields seg_fields[SEG_COUNT] = {
	[SEG_ES] = SEG_FIELDS(ES), [SEG_CS] = SEG_FIELDS(CS),     [SEG_SS] = SEG_FIELDS(SS),
	[SEG_DS] = SEG_FIELDS(DS), [SEG_FS] = SEG_FIELDS(FS),     [SEG_GS] = SEG_FIELDS(GS),
	[SEG_LDTR] = SEG_FIELDS(LDTR), [SEG_TR] = SEG_FIELDS(TR),
};

struct checker {
	const struct vmcs_guest_state *s;
	const struct vmcs_segment *seg[SEG_COUNT];
	struct vmcs_problem *out;
	int max, count;
	bool ia32e, unrestricted, v86, injecting;
	unsigned lin_bits;
};

static void put_char(char **p, const char *end, char c)
{
	if (*p < end)
		*(*p)++ = c;
}

static void put_number(char **p, const char *end, uint64_t v, unsigned base)
{
	char digits[20];
	int n = 0;

	if (base == 16) {
		put_char(p, end, '0');
		put_char(p, end, 'x');
	}
	do {
		digits[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	while (n)
		put_char(p, end, digits[--n]);
}

/* Records a problem; fmt takes %u (decimal) and %x (0x-hex), consuming a then b. */
static void report(struct checker *ck, uint32_t field, const char *name, const char *fmt,
		   uint64_t a, uint64_t b)
{
	const uint64_t args[2] = { a, b };
	unsigned next = 0;
	struct vmcs_problem *p;
	char *d;
	const char *end;

	if (ck->count++ >= ck->max)
		return;
	p = &ck->out[ck->count - 1];
	p->field = field;
	p->field_name = name;
	d = p->detail;
	end = p->detail + sizeof(p->detail) - 1;
	for (; *fmt; fmt++) {
		if (fmt[0] == '%' && (fmt[1] == 'u' || fmt[1] == 'x') && next < 2) {
			put_number(&d, end, args[next++], fmt[1] == 'u' ? 10 : 16);
			fmt++;
		} else {
			put_char(&d, end, *fmt);
		}
	}
	*d = '\0';
}

/* REPORT(ck, GUEST_RFLAGS, ...) names VMCS_GUEST_RFLAGS "GUEST_RFLAGS". */
#define REPORT(ck, fld, fmt, a, b) report(ck, VMCS_##fld, #fld, fmt, a, b)

static void seg_report(struct checker *ck, unsigned seg, unsigned which, const char *fmt,
		       uint64_t a, uint64_t b)
{
	report(ck, seg_fields[seg].field[which], seg_fields[seg].name[which], fmt, a, b);
}

static unsigned lowest_bit(uint64_t v)
{
	return (unsigned)__builtin_ctzll(v);
}

static void check_reserved(struct checker *ck, uint32_t field, const char *name, uint64_t value,
			   uint64_t reserved)
{
	if (value & reserved)
		report(ck, field, name, "reserved bit %u set (must be 0)", lowest_bit(value & reserved),
		       0);
}

#define CHECK_RESERVED(ck, fld, value, reserved) \
	check_reserved(ck, VMCS_##fld, #fld, value, reserved)

/* Bits 63:bits-1 all equal: canonical for a bits-wide linear address. */
static bool is_canonical(uint64_t v, unsigned bits)
{
	uint64_t top = v >> (bits - 1);

	return top == 0 || top == (~0ULL >> (bits - 1));
}

static bool beyond_phys(const struct checker *ck, uint64_t addr)
{
	unsigned bits = ck->s->phys_addr_bits;

	return bits && bits < 64 && (addr >> bits);
}

static bool usable(const struct vmcs_segment *seg)
{
	return !(seg->ar & AR_UNUSABLE);
}

/* 26.2.1.1: the TPR shadow, its virtual-APIC page and the TPR threshold. */
static void check_tpr_shadow(struct checker *ck)
{
	const struct vmcs_guest_state *s = ck->s;
	bool vid = s->proc2_ctls & CPU2_VIRTUAL_INTR_DELIVERY;

	if (!(s->proc_ctls & CPU_USE_TPR_SHADOW)) {
		if (s->proc2_ctls &
		    (CPU2_VIRTUALIZE_X2APIC | CPU2_APIC_REGISTER_VIRT | CPU2_VIRTUAL_INTR_DELIVERY))
			REPORT(ck, PROC_BASED_CTLS2,
			       "x2APIC mode, APIC-register virtualization or virtual-interrupt delivery "
			       "without use TPR shadow",
			       0, 0);
		return;
	}
	if (s->virtual_apic_addr & 0xfffU)
		REPORT(ck, VIRTUAL_APIC_ADDR, "%x is not 4 KiB aligned", s->virtual_apic_addr, 0);
	else if (beyond_phys(ck, s->virtual_apic_addr))
		REPORT(ck, VIRTUAL_APIC_ADDR, "%x is beyond the physical-address width",
		       s->virtual_apic_addr, 0);
	if (vid)
		return;
	if (s->tpr_threshold & ~0xfU)
		REPORT(ck, TPR_THRESHOLD, "%x has bits 31:4 set (must be 0 without virtual-interrupt delivery)",
		       s->tpr_threshold, 0);
	else if (!(s->proc2_ctls & CPU2_VIRTUALIZE_APIC_ACCESSES) &&
		 s->tpr_threshold > (uint32_t)(s->vtpr >> 4))
		REPORT(ck, TPR_THRESHOLD, "%u is above VTPR[7:4] %u (the virtual-APIC page's TPR)",
		       s->tpr_threshold, s->vtpr >> 4);
}

/* 26.2.1.1 and 26.2.1.3: the control checks whose outcome depends on guest state. */
static void check_controls(struct checker *ck)
{
	const struct vmcs_guest_state *s = ck->s;
	uint32_t info = s->entry_intr_info, type, vector;
	bool wants_code, may_have_code;

	if ((s->proc2_ctls & CPU2_UNRESTRICTED_GUEST) && !(s->proc2_ctls & CPU2_ENABLE_EPT))
		REPORT(ck, PROC_BASED_CTLS2, "unrestricted guest (bit 7) needs enable EPT (bit 1)",
		       0, 0);
	check_tpr_shadow(ck);
	if (!(info & INTR_INFO_VALID))
		return;
	type = INTR_INFO_TYPE(info);
	vector = INTR_INFO_VECTOR(info);
	CHECK_RESERVED(ck, ENTRY_INTR_INFO, info, INTR_INFO_RESERVED);
	if (type == INTR_TYPE_RESERVED)
		REPORT(ck, ENTRY_INTR_INFO, "interruption type 1 is reserved", 0, 0);
	else if (type == INTR_TYPE_NMI && vector != VECTOR_NMI)
		REPORT(ck, ENTRY_INTR_INFO, "NMI with vector %u (must be 2)", vector, 0);
	else if (type == INTR_TYPE_HW_EXCEPTION && vector > 31)
		REPORT(ck, ENTRY_INTR_INFO, "hardware exception with vector %u (must be 0-31)",
		       vector, 0);
	else if (type == INTR_TYPE_OTHER && vector != 0)
		REPORT(ck, ENTRY_INTR_INFO, "other event with vector %u (must be 0)", vector, 0);

	/* Deliver-error-code iff protected mode and an exception that pushes one. */
	wants_code = (!ck->unrestricted || (s->cr0 & CR0_PE)) && type == INTR_TYPE_HW_EXCEPTION &&
		     vector < 32 && (VECTORS_WITH_ERROR_CODE & (1U << vector));
	may_have_code = wants_code || (type == INTR_TYPE_HW_EXCEPTION && vector == VECTOR_CP &&
				       (!ck->unrestricted || (s->cr0 & CR0_PE)));
	if ((info & INTR_INFO_ERROR_CODE) && !may_have_code)
		REPORT(ck, ENTRY_INTR_INFO,
		       "deliver-error-code (bit 11) set for type %u vector %u, which has none",
		       type, vector);
	else if (!(info & INTR_INFO_ERROR_CODE) && wants_code)
		REPORT(ck, ENTRY_INTR_INFO,
		       "deliver-error-code (bit 11) clear but vector %u pushes an error code",
		       vector, 0);
}

/* 26.3.1.1: control registers, debug registers and MSRs. */
static void check_registers(struct checker *ck)
{
	const struct vmcs_guest_state *s = ck->s;
	/* CD and NW are never checked (VM entry leaves them alone); unrestricted guest frees PE and PG. */
	uint64_t cr0_must1 = s->cr0_fixed0 & ~(CR0_CD | CR0_NW);
	uint64_t cr0_must0 = ~s->cr0_fixed1 & ~(CR0_CD | CR0_NW);
	unsigned i;

	if (ck->unrestricted)
		cr0_must1 &= ~(CR0_PE | CR0_PG);
	if (~s->cr0 & cr0_must1)
		REPORT(ck, GUEST_CR0, "bit %u clear (IA32_VMX_CR0_FIXED0 needs 1)",
		       lowest_bit(~s->cr0 & cr0_must1), 0);
	if (s->cr0 & cr0_must0)
		REPORT(ck, GUEST_CR0, "bit %u set (IA32_VMX_CR0_FIXED1 needs 0)",
		       lowest_bit(s->cr0 & cr0_must0), 0);
	if ((s->cr0 & CR0_PG) && !(s->cr0 & CR0_PE))
		REPORT(ck, GUEST_CR0, "PG (bit 31) set without PE (bit 0)", 0, 0);
	if (~s->cr4 & s->cr4_fixed0)
		REPORT(ck, GUEST_CR4, "bit %u clear (IA32_VMX_CR4_FIXED0 needs 1)",
		       lowest_bit(~s->cr4 & s->cr4_fixed0), 0);
	if (s->cr4 & ~s->cr4_fixed1)
		REPORT(ck, GUEST_CR4, "bit %u set (IA32_VMX_CR4_FIXED1 needs 0)",
		       lowest_bit(s->cr4 & ~s->cr4_fixed1), 0);
	if ((s->cr4 & CR4_CET) && !(s->cr0 & CR0_WP))
		REPORT(ck, GUEST_CR0, "WP (bit 16) clear while CR4.CET is set", 0, 0);
	if (s->entry_ctls & ENTRY_LOAD_DEBUG_CONTROLS)
		CHECK_RESERVED(ck, GUEST_IA32_DEBUGCTL, s->debugctl, DEBUGCTL_RESERVED);
	if (ck->ia32e && !(s->cr0 & CR0_PG))
		REPORT(ck, GUEST_CR0, "PG (bit 31) clear with the IA-32e mode guest entry control",
		       0, 0);
	if (ck->ia32e && !(s->cr4 & CR4_PAE))
		REPORT(ck, GUEST_CR4, "PAE (bit 5) clear with the IA-32e mode guest entry control",
		       0, 0);
	if (!ck->ia32e && (s->cr4 & CR4_PCIDE))
		REPORT(ck, GUEST_CR4, "PCIDE (bit 17) set outside IA-32e mode", 0, 0);
	if (beyond_phys(ck, s->cr3))
		REPORT(ck, GUEST_CR3, "bit %u set beyond the %u-bit physical-address width",
		       63 - (unsigned)__builtin_clzll(s->cr3), s->phys_addr_bits);
	if (s->entry_ctls & ENTRY_LOAD_DEBUG_CONTROLS)
		CHECK_RESERVED(ck, GUEST_DR7, s->dr7, 0xffffffff00000000UL);
	if (!is_canonical(s->sysenter_esp, ck->lin_bits))
		REPORT(ck, GUEST_IA32_SYSENTER_ESP, "%x is not canonical", s->sysenter_esp, 0);
	if (!is_canonical(s->sysenter_eip, ck->lin_bits))
		REPORT(ck, GUEST_IA32_SYSENTER_EIP, "%x is not canonical", s->sysenter_eip, 0);
	if (s->entry_ctls & ENTRY_LOAD_IA32_PAT) {
		for (i = 0; i < 8; i++) {
			unsigned type = (s->pat >> (8 * i)) & 0xffU;

			/* UC, WC, WT, WP, WB, UC-: 2, 3 and anything above 7 are reserved. */
			if (type == 2 || type == 3 || type > 7) {
				REPORT(ck, GUEST_IA32_PAT, "entry %u has memory type %u (0, 1, 4-7 only)",
				       i, type);
				break;
			}
		}
	}
	if (s->entry_ctls & ENTRY_LOAD_IA32_EFER) {
		CHECK_RESERVED(ck, GUEST_IA32_EFER, s->efer, EFER_RESERVED);
		if (!(s->efer & EFER_LMA) != !ck->ia32e)
			REPORT(ck, GUEST_IA32_EFER,
			       ck->ia32e ? "LMA (bit 10) clear with the IA-32e mode guest entry control"
					 : "LMA (bit 10) set without the IA-32e mode guest entry control",
			       0, 0);
		if ((s->cr0 & CR0_PG) && !(s->efer & EFER_LMA) != !(s->efer & EFER_LME))
			REPORT(ck, GUEST_IA32_EFER, "LME (bit 8) differs from LMA (bit 10) with CR0.PG set",
			       0, 0);
	}
}

/* Present, reserved bits, and granularity against the limit: shared by all usable segments. */
static void check_ar_tail(struct checker *ck, unsigned i)
{
	const struct vmcs_segment *seg = ck->seg[i];

	if (!(seg->ar & AR_P))
		seg_report(ck, i, F_AR, "P (bit 7) clear: segment not present", 0, 0);
	if (seg->ar & AR_RESERVED_11_8)
		seg_report(ck, i, F_AR, "reserved bit %u set (must be 0)",
			   lowest_bit(seg->ar & AR_RESERVED_11_8), 0);
	if ((seg->ar & AR_G) && (seg->limit & 0xfffU) != 0xfffU)
		seg_report(ck, i, F_AR, "G (bit 15) set but limit %x does not end in 0xfff", seg->limit,
			   0);
	if (!(seg->ar & AR_G) && (seg->limit & 0xfff00000U))
		seg_report(ck, i, F_AR, "G (bit 15) clear but limit %x is above 0xfffff", seg->limit,
			   0);
	if (seg->ar & AR_RESERVED_31_17)
		seg_report(ck, i, F_AR, "reserved bit %u set (must be 0)",
			   lowest_bit(seg->ar & AR_RESERVED_31_17), 0);
}

static void check_cs_ar(struct checker *ck)
{
	const struct vmcs_segment *cs = ck->seg[SEG_CS];
	unsigned type = AR_TYPE(cs->ar), dpl = AR_DPL(cs->ar), ss_dpl = AR_DPL(ck->seg[SEG_SS]->ar);

	if (!(type == 9 || type == 11 || type == 13 || type == 15 ||
	      (type == TYPE_DATA_RW_ACCESSED && ck->unrestricted)))
		seg_report(ck, SEG_CS, F_AR,
			   "type %u is not accessed code (9, 11, 13, 15; 3 with unrestricted guest)",
			   type, 0);
	if (!(cs->ar & AR_S))
		seg_report(ck, SEG_CS, F_AR, "S (bit 4) clear: must be code or data", 0, 0);
	if (type == TYPE_DATA_RW_ACCESSED && dpl != 0)
		seg_report(ck, SEG_CS, F_AR, "DPL %u with type 3 (must be 0)", dpl, 0);
	else if ((type == 9 || type == 11) && dpl != ss_dpl)
		seg_report(ck, SEG_CS, F_AR, "DPL %u differs from SS.DPL %u (non-conforming code)",
			   dpl, ss_dpl);
	else if ((type == 13 || type == 15) && dpl > ss_dpl)
		seg_report(ck, SEG_CS, F_AR, "DPL %u above SS.DPL %u (conforming code)", dpl, ss_dpl);
	check_ar_tail(ck, SEG_CS);
	if (ck->ia32e && (cs->ar & AR_L) && (cs->ar & AR_DB))
		seg_report(ck, SEG_CS, F_AR, "L (bit 13) and D/B (bit 14) both set in IA-32e mode", 0,
			   0);
}

static void check_ss_ar(struct checker *ck)
{
	const struct vmcs_segment *ss = ck->seg[SEG_SS];
	unsigned type = AR_TYPE(ss->ar), dpl = AR_DPL(ss->ar);

	if (usable(ss) && type != TYPE_DATA_RW_ACCESSED && type != TYPE_DATA_RW_DOWN_ACCESSED)
		seg_report(ck, SEG_SS, F_AR, "type %u is not accessed read/write data (3 or 7)", type,
			   0);
	if (usable(ss) && !(ss->ar & AR_S))
		seg_report(ck, SEG_SS, F_AR, "S (bit 4) clear: must be code or data", 0, 0);
	if (!ck->unrestricted && dpl != SEL_RPL(ss->selector))
		seg_report(ck, SEG_SS, F_AR, "DPL %u differs from the selector's RPL %u", dpl,
			   SEL_RPL(ss->selector));
	if (dpl != 0 && (AR_TYPE(ck->seg[SEG_CS]->ar) == 3 || !(ck->s->cr0 & CR0_PE)))
		seg_report(ck, SEG_SS, F_AR, "DPL %u in real mode or with a type-3 CS (must be 0)",
			   dpl, 0);
	if (usable(ss))
		check_ar_tail(ck, SEG_SS);
}

static void check_data_ar(struct checker *ck, unsigned i)
{
	const struct vmcs_segment *seg = ck->seg[i];
	unsigned type = AR_TYPE(seg->ar), dpl = AR_DPL(seg->ar), rpl = SEL_RPL(seg->selector);

	if (!usable(seg))
		return;
	if (!(type & 1U))
		seg_report(ck, i, F_AR, "type %u not accessed (bit 0 must be 1)", type, 0);
	if ((type & 8U) && !(type & 2U))
		seg_report(ck, i, F_AR, "type %u is execute-only code (must be readable)", type, 0);
	if (!(seg->ar & AR_S))
		seg_report(ck, i, F_AR, "S (bit 4) clear: must be code or data", 0, 0);
	if (!ck->unrestricted && type <= 11 && dpl < rpl)
		seg_report(ck, i, F_AR, "DPL %u below the selector's RPL %u", dpl, rpl);
	check_ar_tail(ck, i);
}

static void check_system_ar(struct checker *ck)
{
	const struct vmcs_segment *tr = ck->seg[SEG_TR], *ldtr = ck->seg[SEG_LDTR];
	unsigned type = AR_TYPE(tr->ar);

	if (!(type == TYPE_TSS_BUSY || (type == TYPE_TSS16_BUSY && !ck->ia32e)))
		seg_report(ck, SEG_TR, F_AR,
			   ck->ia32e ? "type %u is not a busy 64-bit TSS (11)"
				     : "type %u is not a busy TSS (3 or 11)",
			   type, 0);
	if (tr->ar & AR_S)
		seg_report(ck, SEG_TR, F_AR, "S (bit 4) set: must be a system segment", 0, 0);
	if (tr->ar & AR_UNUSABLE)
		seg_report(ck, SEG_TR, F_AR, "unusable (bit 16) set: TR must be usable", 0, 0);
	check_ar_tail(ck, SEG_TR);

	if (!usable(ldtr))
		return;
	if (AR_TYPE(ldtr->ar) != TYPE_LDT)
		seg_report(ck, SEG_LDTR, F_AR, "type %u is not an LDT (2)", AR_TYPE(ldtr->ar), 0);
	if (ldtr->ar & AR_S)
		seg_report(ck, SEG_LDTR, F_AR, "S (bit 4) set: must be a system segment", 0, 0);
	check_ar_tail(ck, SEG_LDTR);
}

/* 26.3.1.2: selectors, then bases, limits and access rights, as the SDM lists them. */
static void check_segments(struct checker *ck)
{
	const struct vmcs_segment *cs = ck->seg[SEG_CS], *ss = ck->seg[SEG_SS];
	unsigned i;

	if (ck->seg[SEG_TR]->selector & SEL_TI)
		seg_report(ck, SEG_TR, F_SELECTOR, "TI (bit 2) set: the TSS must be in the GDT", 0, 0);
	if (usable(ck->seg[SEG_LDTR]) && (ck->seg[SEG_LDTR]->selector & SEL_TI))
		seg_report(ck, SEG_LDTR, F_SELECTOR, "TI (bit 2) set: the LDT must be in the GDT", 0,
			   0);
	if (!ck->v86 && !ck->unrestricted && SEL_RPL(ss->selector) != SEL_RPL(cs->selector))
		seg_report(ck, SEG_SS, F_SELECTOR, "RPL %u differs from CS.RPL %u",
			   SEL_RPL(ss->selector), SEL_RPL(cs->selector));

	for (i = SEG_ES; i <= SEG_GS && ck->v86; i++)
		if (ck->seg[i]->base != (uint64_t)ck->seg[i]->selector << 4)
			seg_report(ck, i, F_BASE, "must be selector << 4 (%x) in virtual-8086 mode",
				   (uint64_t)ck->seg[i]->selector << 4, 0);
	if (!is_canonical(ck->seg[SEG_TR]->base, ck->lin_bits))
		seg_report(ck, SEG_TR, F_BASE, "%x is not canonical", ck->seg[SEG_TR]->base, 0);
	for (i = SEG_FS; i <= SEG_LDTR; i++)
		if ((i != SEG_LDTR || usable(ck->seg[i])) &&
		    !is_canonical(ck->seg[i]->base, ck->lin_bits))
			seg_report(ck, i, F_BASE, "%x is not canonical", ck->seg[i]->base, 0);
	if (cs->base >> 32)
		seg_report(ck, SEG_CS, F_BASE, "%x has bits 63:32 set", cs->base, 0);
	for (i = SEG_ES; i <= SEG_DS; i++)
		if (i != SEG_CS && usable(ck->seg[i]) && (ck->seg[i]->base >> 32))
			seg_report(ck, i, F_BASE, "%x has bits 63:32 set", ck->seg[i]->base, 0);

	if (ck->v86) {
		for (i = SEG_ES; i <= SEG_GS; i++)
			if (ck->seg[i]->limit != 0xffffU)
				seg_report(ck, i, F_LIMIT, "%x in virtual-8086 mode (must be 0xffff)",
					   ck->seg[i]->limit, 0);
		for (i = SEG_ES; i <= SEG_GS; i++)
			if (ck->seg[i]->ar != AR_V86)
				seg_report(ck, i, F_AR, "%x in virtual-8086 mode (must be 0xf3)",
					   ck->seg[i]->ar, 0);
	} else {
		check_cs_ar(ck);
		check_ss_ar(ck);
		check_data_ar(ck, SEG_DS);
		check_data_ar(ck, SEG_ES);
		check_data_ar(ck, SEG_FS);
		check_data_ar(ck, SEG_GS);
	}
	check_system_ar(ck);
}

/* 26.3.1.3: GDTR and IDTR. */
static void check_descriptor_tables(struct checker *ck)
{
	const struct vmcs_guest_state *s = ck->s;

	if (!is_canonical(s->gdtr_base, ck->lin_bits))
		REPORT(ck, GUEST_GDTR_BASE, "%x is not canonical", s->gdtr_base, 0);
	if (!is_canonical(s->idtr_base, ck->lin_bits))
		REPORT(ck, GUEST_IDTR_BASE, "%x is not canonical", s->idtr_base, 0);
	if (s->gdtr_limit >> 16)
		REPORT(ck, GUEST_GDTR_LIMIT, "%x has bits 31:16 set", s->gdtr_limit, 0);
	if (s->idtr_limit >> 16)
		REPORT(ck, GUEST_IDTR_LIMIT, "%x has bits 31:16 set", s->idtr_limit, 0);
}

/* 26.3.1.4: RIP and RFLAGS. */
static void check_rip_rflags(struct checker *ck)
{
	const struct vmcs_guest_state *s = ck->s;
	bool long_cs = ck->ia32e && (ck->seg[SEG_CS]->ar & AR_L);

	if (!long_cs && (s->rip >> 32))
		REPORT(ck, GUEST_RIP, "%x has bits 63:32 set outside 64-bit mode", s->rip, 0);
	/* Only bits 63:N must agree: a RIP non-canonical at bit N-1 enters and then faults. */
	if (long_cs && (s->rip >> ck->lin_bits) != 0 &&
	    (s->rip >> ck->lin_bits) != (~0ULL >> ck->lin_bits))
		REPORT(ck, GUEST_RIP, "%x: bits 63:%u differ", s->rip, ck->lin_bits);

	CHECK_RESERVED(ck, GUEST_RFLAGS, s->rflags, RFLAGS_RESERVED);
	if (!(s->rflags & RFLAGS_FIXED1))
		REPORT(ck, GUEST_RFLAGS, "bit 1 clear (must be 1)", 0, 0);
	if ((s->rflags & RFLAGS_VM) && ck->ia32e)
		REPORT(ck, GUEST_RFLAGS, "VM (bit 17) set in IA-32e mode", 0, 0);
	else if ((s->rflags & RFLAGS_VM) && !(s->cr0 & CR0_PE))
		REPORT(ck, GUEST_RFLAGS, "VM (bit 17) set with CR0.PE clear", 0, 0);
	if (ck->injecting && INTR_INFO_TYPE(s->entry_intr_info) == INTR_TYPE_EXTERNAL &&
	    !(s->rflags & RFLAGS_IF))
		REPORT(ck, GUEST_RFLAGS, "IF (bit 9) clear while injecting an external interrupt", 0,
		       0);
}

/* 26.3.1.5: activity and interruptibility state, pending debug exceptions, link pointer. */
static void check_non_register_state(struct checker *ck)
{
	const struct vmcs_guest_state *s = ck->s;
	uint32_t intr = s->interruptibility, type = INTR_INFO_TYPE(s->entry_intr_info);
	bool tf_trap;

	if (s->activity > ACTIVITY_WAIT_SIPI)
		REPORT(ck, GUEST_ACTIVITY_STATE, "%u is not an activity state (0-3)", s->activity, 0);
	if (s->activity == ACTIVITY_HLT && AR_DPL(ck->seg[SEG_SS]->ar) != 0)
		REPORT(ck, GUEST_ACTIVITY_STATE, "HLT with SS.DPL %u (must be 0)",
		       AR_DPL(ck->seg[SEG_SS]->ar), 0);
	if ((intr & (INTR_STI | INTR_MOV_SS)) && s->activity != ACTIVITY_ACTIVE)
		REPORT(ck, GUEST_ACTIVITY_STATE, "%u while blocking by STI or MOV SS (must be active)",
		       s->activity, 0);
	if (ck->injecting && s->activity == ACTIVITY_WAIT_SIPI)
		REPORT(ck, GUEST_ACTIVITY_STATE, "wait-for-SIPI while injecting an event", 0, 0);
	if (ck->injecting && s->activity == ACTIVITY_SHUTDOWN && type != INTR_TYPE_NMI &&
	    !(type == INTR_TYPE_HW_EXCEPTION &&
	      INTR_INFO_VECTOR(s->entry_intr_info) == VECTOR_MC))
		REPORT(ck, GUEST_ACTIVITY_STATE, "shutdown while injecting neither NMI nor #MC", 0,
		       0);

	CHECK_RESERVED(ck, GUEST_INTERRUPTIBILITY, intr, INTR_RESERVED);
	if ((intr & INTR_STI) && (intr & INTR_MOV_SS))
		REPORT(ck, GUEST_INTERRUPTIBILITY, "blocking by STI and by MOV SS both set", 0, 0);
	if ((intr & INTR_STI) && !(s->rflags & RFLAGS_IF))
		REPORT(ck, GUEST_INTERRUPTIBILITY, "blocking by STI with RFLAGS.IF clear", 0, 0);
	if (intr & INTR_SMI)
		REPORT(ck, GUEST_INTERRUPTIBILITY, "blocking by SMI (bit 2) set outside SMM", 0, 0);
	if (ck->injecting && type == INTR_TYPE_EXTERNAL && (intr & (INTR_STI | INTR_MOV_SS)))
		REPORT(ck, GUEST_INTERRUPTIBILITY,
		       "blocking by STI or MOV SS while injecting an external interrupt", 0, 0);
	if (ck->injecting && type == INTR_TYPE_NMI && (intr & INTR_MOV_SS))
		REPORT(ck, GUEST_INTERRUPTIBILITY, "blocking by MOV SS while injecting an NMI", 0, 0);

	CHECK_RESERVED(ck, GUEST_PENDING_DBG_EXCEPTIONS, s->pending_dbg, PENDING_DBG_RESERVED);
	/* A single-step trap held back by the STI/MOV SS shadow or HLT must be recorded in BS. */
	if ((intr & (INTR_STI | INTR_MOV_SS)) || s->activity == ACTIVITY_HLT) {
		tf_trap = (s->rflags & RFLAGS_TF) && !(s->debugctl & DEBUGCTL_BTF);
		if (tf_trap && !(s->pending_dbg & PENDING_DBG_BS))
			REPORT(ck, GUEST_PENDING_DBG_EXCEPTIONS,
			       "BS (bit 14) clear with RFLAGS.TF set and BTF clear", 0, 0);
		else if (!tf_trap && (s->pending_dbg & PENDING_DBG_BS))
			REPORT(ck, GUEST_PENDING_DBG_EXCEPTIONS,
			       "BS (bit 14) set without a pending single-step trap", 0, 0);
	}

	if (s->link_pointer == ~0ULL)
		return;
	if (s->link_pointer & 0xfffU)
		REPORT(ck, LINK_POINTER, "%x is not 4 KiB aligned", s->link_pointer, 0);
	else if (beyond_phys(ck, s->link_pointer))
		REPORT(ck, LINK_POINTER, "%x is beyond the physical-address width", s->link_pointer,
		       0);
	else if (!(s->proc2_ctls & CPU2_VMCS_SHADOWING))
		REPORT(ck, LINK_POINTER, "%x without VMCS shadowing (must be 0xffffffffffffffff)",
		       s->link_pointer, 0);
}

int vmcs_check_guest_state(const struct vmcs_guest_state *s, struct vmcs_problem *out, int max)
{
	struct checker ck = {
		.s = s,
		.seg = { &s->es, &s->cs, &s->ss, &s->ds, &s->fs, &s->gs, &s->ldtr, &s->tr },
		.out = out,
		.max = out && max > 0 ? max : 0,
		.ia32e = s->entry_ctls & ENTRY_IA32E_MODE,
		.unrestricted = s->proc2_ctls & CPU2_UNRESTRICTED_GUEST,
		.v86 = s->rflags & RFLAGS_VM,
		.injecting = s->entry_intr_info & INTR_INFO_VALID,
		.lin_bits = (s->cr4 & CR4_LA57) ? 57 : 48,
	};

	check_controls(&ck);
	check_registers(&ck);
	check_segments(&ck);
	check_descriptor_tables(&ck);
	check_rip_rflags(&ck);
	check_non_register_state(&ck);
	return ck.count;
}
