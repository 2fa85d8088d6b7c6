/*
 * Unit tests of vmm/exit/vmcs_check.c: three consistent guest states (real mode
 * under unrestricted guest, 64-bit, virtual-8086) pass; then one rule
 * broken at a time must be reported against the right VMCS field. Runs on
 * the host under cmocka.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "arch/x86/vmcs_fields.h"
#include "vmm/exit/vmcs_check.h"

#define BIT64(n) (1ULL << (n))
#define CR0_PE BIT64(0)
#define CR0_NE BIT64(5)
#define CR0_WP BIT64(16)
#define CR0_CD BIT64(30)
#define CR0_PG BIT64(31)
#define CR4_PAE BIT64(5)
#define CR4_VMXE BIT64(13)
#define CR4_PCIDE BIT64(17)
#define CR4_CET BIT64(23)
#define EFER_LME BIT64(8)
#define EFER_LMA BIT64(10)
#define RFLAGS_TF BIT64(8)
#define RFLAGS_VM BIT64(17)
#define AR_UNUSABLE 0x10000U
#define AR_DB (1U << 14)
#define AR_G (1U << 15)
#define INTR_VALID (1U << 31)
#define INTR_TYPE(t) ((uint32_t)(t) << 8)
#define INTR_ERROR_CODE (1U << 11)
#define NONCANONICAL 0x0000800000000000ULL

/* The VMX capability MSRs of a Skylake-X as Bochs reports them, give or take. */
static void fixed_msrs(struct vmcs_guest_state *s)
{
	s->cr0_fixed0 = 0x80000021ULL; /* PG, NE, PE */
	s->cr0_fixed1 = 0xffffffffULL;
	s->cr4_fixed0 = CR4_VMXE;
	s->cr4_fixed1 = 0x7ffULL | CR4_VMXE | BIT64(16) | CR4_PCIDE | BIT64(18) | BIT64(20) |
			BIT64(21) | BIT64(22) | CR4_CET;
	s->phys_addr_bits = 46;
	s->link_pointer = ~0ULL;
	s->pat = 0x0007040600070406ULL;
}

/* The state at reset, as a BIOS-less guest starts under unrestricted guest. */
static void real_mode(struct vmcs_guest_state *s)
{
	static const struct vmcs_segment data = { 0, 0, 0xffff, 0x93 };

	memset(s, 0, sizeof(*s));
	fixed_msrs(s);
	s->cr0 = 0x30; /* ET, NE */
	s->cr4 = CR4_VMXE;
	s->dr7 = 0x400;
	s->rip = 0xfff0;
	s->rflags = 0x2;
	s->cs = (struct vmcs_segment){ 0xf000, 0xffff0000ULL, 0xffff, 0x9b };
	s->ss = s->ds = s->es = s->fs = s->gs = data;
	s->ldtr = (struct vmcs_segment){ 0, 0, 0xffff, 0x82 };
	s->tr = (struct vmcs_segment){ 0, 0, 0xffff, 0x8b };
	s->gdtr_limit = s->idtr_limit = 0xffff;
	s->entry_ctls = ENTRY_DEFAULT1 | ENTRY_LOAD_DEBUG_CONTROLS | ENTRY_LOAD_IA32_PAT |
			ENTRY_LOAD_IA32_EFER;
	s->proc2_ctls = CPU2_ENABLE_EPT | CPU2_UNRESTRICTED_GUEST;
}

/* A Linux kernel running in 64-bit mode. */
static void long_mode(struct vmcs_guest_state *s)
{
	real_mode(s);
	s->cr0 = 0x80050033ULL; /* PG AM WP NE ET MP PE */
	s->cr3 = 0x1000;
	s->cr4 = CR4_PAE | BIT64(7) | BIT64(9) | BIT64(10) | CR4_VMXE;
	s->efer = BIT64(0) | EFER_LME | EFER_LMA | BIT64(11);
	s->rip = 0xffffffff81000000ULL;
	s->rsp = 0xffffc90000004000ULL;
	s->rflags = 0x202;
	s->cs = (struct vmcs_segment){ 0x10, 0, 0xffffffff, 0xa09b };
	s->ss = (struct vmcs_segment){ 0x18, 0, 0xffffffff, 0xc093 };
	s->ds = s->es = (struct vmcs_segment){ 0, 0, 0, AR_UNUSABLE };
	s->fs = (struct vmcs_segment){ 0, 0x00007f1234560000ULL, 0xffffffff, 0xc093 };
	s->gs = (struct vmcs_segment){ 0, 0xffff888000000000ULL, 0, AR_UNUSABLE };
	s->ldtr = (struct vmcs_segment){ 0, 0, 0, AR_UNUSABLE };
	s->tr = (struct vmcs_segment){ 0x40, 0xfffffe0000003000ULL, 0x67, 0x8b };
	s->gdtr_base = 0xfffffe0000001000ULL;
	s->gdtr_limit = 0x7f;
	s->idtr_base = 0xfffffe0000000000ULL;
	s->idtr_limit = 0xfff;
	s->sysenter_esp = 0xfffffe0000003000ULL;
	s->sysenter_eip = 0xffffffff81a00000ULL;
	s->entry_ctls |= ENTRY_IA32E_MODE;
}

/* A DOS program in virtual-8086 mode under a 32-bit kernel. */
static void v86_mode(struct vmcs_guest_state *s)
{
	struct vmcs_segment *seg[] = { &s->es, &s->cs, &s->ss, &s->ds, &s->fs, &s->gs };
	unsigned i;

	real_mode(s);
	s->cr0 = 0x31; /* PE, NE, ET */
	s->rflags = 0x20202;
	s->rip = 0x100;
	for (i = 0; i < 6; i++)
		*seg[i] = (struct vmcs_segment){ 0x1234 + i, (0x1234U + i) << 4, 0xffff, 0xf3 };
	s->tr = (struct vmcs_segment){ 0x28, 0x10000, 0x2067, 0x8b };
	s->ldtr.ar = AR_UNUSABLE;
}

/* 64-bit, CR8 on the TPR shadow as vcpu_setup.c sets it up: VTPR 0x30, threshold 3. */
static void tpr_shadow(struct vmcs_guest_state *s)
{
	long_mode(s);
	s->proc_ctls = CPU_USE_TPR_SHADOW | CPU_ACTIVATE_SECONDARY_CTLS;
	s->virtual_apic_addr = 0x12345000ULL;
	s->vtpr = 0x30;
	s->tpr_threshold = 3;
}

static void expect_consistent(const struct vmcs_guest_state *s)
{
	struct vmcs_problem out[8];
	int n = vmcs_check_guest_state(s, out, 8), i;

	for (i = 0; i < n && i < 8; i++)
		print_error("unexpected: %s: %s\n", out[i].field_name, out[i].detail);
	assert_int_equal(n, 0);
}

static void test_valid_states(void **state)
{
	struct vmcs_guest_state s;

	(void)state;
	real_mode(&s);
	expect_consistent(&s);
	long_mode(&s);
	expect_consistent(&s);
	v86_mode(&s);
	expect_consistent(&s);

	/* Legal corner cases. */
	long_mode(&s);
	s.rip = NONCANONICAL; /* bits 63:48 agree: enters, then faults */
	s.cr0_fixed1 = 0x9fffffffULL;
	s.cr0 |= CR0_CD; /* CD and NW are not checked */
	s.ss = (struct vmcs_segment){ 0, 0, 0, AR_UNUSABLE }; /* null SS in 64-bit mode */
	s.entry_intr_info = INTR_VALID | INTR_TYPE(3) | INTR_ERROR_CODE | 14; /* #PF */
	s.interruptibility = 1; /* STI shadow */
	expect_consistent(&s);
	real_mode(&s);
	s.entry_intr_info = INTR_VALID | INTR_TYPE(3) | 13; /* #GP in real mode: no error code */
	s.link_pointer = 0x5000;
	s.proc2_ctls |= CPU2_VMCS_SHADOWING;
	expect_consistent(&s);

	/* The TPR shadow: a threshold up to VTPR[7:4] enters. */
	tpr_shadow(&s);
	expect_consistent(&s);
	s.tpr_threshold = 0xf;
	s.vtpr = 0xf0;
	expect_consistent(&s);
	/* With APIC-access virtualization the threshold is checked after entry instead. */
	s.vtpr = 0;
	s.proc2_ctls |= CPU2_VIRTUALIZE_APIC_ACCESSES;
	expect_consistent(&s);
	/* With virtual-interrupt delivery the threshold's bits 31:4 are free too. */
	s.tpr_threshold = 0xff;
	s.proc2_ctls |= CPU2_VIRTUAL_INTR_DELIVERY;
	expect_consistent(&s);
}

typedef void (*mutate_fn)(struct vmcs_guest_state *s);

struct broken {
	const char *what;
	void (*base)(struct vmcs_guest_state *s);
	mutate_fn mutate;
	uint32_t field;
	const char *field_name;
	int count; /* 0: exactly one problem; > 0: exactly that many, the first naming field */
};

#define MUTATION(name, ...) \
	static void name(struct vmcs_guest_state *s) { __VA_ARGS__; }

MUTATION(cr0_pg_no_pe, s->cr0 |= CR0_PG)
MUTATION(cr0_ne_clear, s->cr0 &= ~CR0_NE)
MUTATION(real_without_ug, s->proc2_ctls = CPU2_ENABLE_EPT)
MUTATION(cr4_vmxe_clear, s->cr4 &= ~CR4_VMXE)
MUTATION(cr4_bit15, s->cr4 |= BIT64(15))
MUTATION(cr4_pcide_32bit, s->cr4 |= CR4_PCIDE)
MUTATION(cet_without_wp, s->cr4 |= CR4_CET; s->cr0 &= ~CR0_WP)
MUTATION(ia32e_no_pae, s->cr4 &= ~CR4_PAE)
MUTATION(ia32e_no_pg, s->cr0 &= ~CR0_PG)
MUTATION(cr3_wide, s->cr3 = BIT64(46))
MUTATION(dr7_high, s->dr7 |= BIT64(32))
MUTATION(debugctl_bit2, s->debugctl = BIT64(2))
MUTATION(sysenter_esp_bad, s->sysenter_esp = NONCANONICAL)
MUTATION(sysenter_eip_bad, s->sysenter_eip = NONCANONICAL)
MUTATION(pat_type2, s->pat = 0x0007040600070402ULL)
MUTATION(pat_type8, s->pat = 0x0807040600070406ULL)
MUTATION(efer_lma_32bit, s->efer = EFER_LMA)
MUTATION(efer_svme, s->efer |= BIT64(12))
MUTATION(efer_lme_clear, s->efer &= ~EFER_LME)
MUTATION(efer_lma_clear, s->efer &= ~EFER_LMA)
MUTATION(tr_ti, s->tr.selector |= 4)
MUTATION(ldtr_ti, s->ldtr.selector |= 4)
MUTATION(ss_rpl, s->proc2_ctls = CPU2_ENABLE_EPT; s->ss.selector |= 3)
MUTATION(cs_base_high, s->cs.base = BIT64(32))
MUTATION(ss_base_high, s->ss.base = BIT64(32))
MUTATION(fs_base_bad, s->fs.base = NONCANONICAL)
MUTATION(gs_base_bad_unusable, s->gs.base = NONCANONICAL)
MUTATION(tr_base_bad, s->tr.base = NONCANONICAL)
MUTATION(v86_ds_base, s->ds.base += 1)
MUTATION(v86_es_limit, s->es.limit = 0xfffff)
MUTATION(v86_gs_ar, s->gs.ar = 0xf2)
MUTATION(cs_type1, s->cs.ar = 0x91)
MUTATION(cs_type3_no_ug, s->cs.ar = 0x93; s->proc2_ctls = CPU2_ENABLE_EPT; s->cr0 |= CR0_PE | CR0_PG)
MUTATION(cs_not_present, s->cs.ar &= ~0x80U)
MUTATION(cs_l_and_d, s->cs.ar |= AR_DB)
MUTATION(cs_dpl_vs_ss, s->cs.ar |= 3U << 5)
MUTATION(ss_dpl_real, s->ss.ar |= 3U << 5; s->cs.ar |= 3U << 5) /* CS.DPL follows SS.DPL */
MUTATION(ss_code, s->ss.ar = 0xc09b)
MUTATION(ds_reserved8, s->ds.ar |= 0x100)
MUTATION(ds_not_accessed, s->ds.ar = 0x92)
MUTATION(ds_dpl_below_rpl, s->proc2_ctls = CPU2_ENABLE_EPT;
	 s->ds = (struct vmcs_segment){ 0x2b, 0, 0xffffffff, 0xc093 })
MUTATION(es_reserved17, s->es.ar |= BIT64(17))
MUTATION(fs_g_clear, s->fs.ar &= ~AR_G)
MUTATION(gs_g_set, s->gs.ar |= AR_G; s->gs.limit = 0xfff0)
MUTATION(tr_type9, s->tr.ar = 0x89)
MUTATION(tr_type3_ia32e, s->tr.ar = 0x83)
MUTATION(tr_unusable, s->tr.ar |= AR_UNUSABLE)
MUTATION(tr_code, s->tr.ar = 0x9b)
MUTATION(ldtr_type3, s->ldtr.ar = 0x83)
MUTATION(gdtr_limit_wide, s->gdtr_limit = 0x10000)
MUTATION(idtr_base_bad, s->idtr_base = NONCANONICAL)
MUTATION(rip_high_real, s->rip = BIT64(32))
MUTATION(rip_mixed_64, s->rip = 0x8000000000000000ULL)
MUTATION(rflags_bit15, s->rflags |= BIT64(15))
MUTATION(rflags_bit1, s->rflags &= ~BIT64(1))
MUTATION(rflags_bit22, s->rflags |= BIT64(22))
MUTATION(rflags_vm_ia32e, s->rflags |= RFLAGS_VM)
MUTATION(rflags_if_extint, s->entry_intr_info = INTR_VALID | INTR_TYPE(0) | 0x20)
MUTATION(activity_4, s->activity = 4)
MUTATION(hlt_ss_dpl3, s->activity = 1; s->ss.ar |= 3U << 5; s->ss.selector |= 3;
	 s->cs.ar |= 3U << 5; s->cs.selector |= 3)
MUTATION(sti_in_hlt, s->activity = 1; s->interruptibility = 1)
MUTATION(sipi_inject, s->activity = 3; s->entry_intr_info = INTR_VALID | INTR_TYPE(2) | 2)
MUTATION(sti_and_movss, s->interruptibility = 3)
MUTATION(sti_if_clear, s->interruptibility = 1)
MUTATION(intr_bit5, s->interruptibility = BIT64(5))
MUTATION(extint_in_sti_shadow, s->interruptibility = 1;
	 s->entry_intr_info = INTR_VALID | INTR_TYPE(0) | 0x20)
MUTATION(link_zero, s->link_pointer = 0)
MUTATION(pending_bit4, s->pending_dbg = BIT64(4))
MUTATION(pending_bs_missing, s->rflags |= RFLAGS_TF; s->interruptibility = 1)
MUTATION(ug_without_ept, s->proc2_ctls = CPU2_UNRESTRICTED_GUEST)
MUTATION(inject_ud_with_code, s->entry_intr_info = INTR_VALID | INTR_TYPE(3) | INTR_ERROR_CODE | 6)
MUTATION(inject_gp_without_code, s->entry_intr_info = INTR_VALID | INTR_TYPE(3) | 13)
MUTATION(inject_type1, s->entry_intr_info = INTR_VALID | INTR_TYPE(1) | 0x20)
MUTATION(inject_reserved12, s->entry_intr_info = INTR_VALID | BIT64(12) | 0x20)
MUTATION(inject_nmi_vector3, s->entry_intr_info = INTR_VALID | INTR_TYPE(2) | 3)
MUTATION(threshold_above_vtpr, s->tpr_threshold = 4)
MUTATION(threshold_above_vtpr_0, s->vtpr = 0x0f) /* the subclass does not count */
MUTATION(threshold_bit4, s->tpr_threshold = 0x13)
MUTATION(vapic_unaligned, s->virtual_apic_addr |= 0x80)
MUTATION(vapic_wide, s->virtual_apic_addr = BIT64(46))
MUTATION(vid_without_shadow, s->proc2_ctls |= CPU2_VIRTUAL_INTR_DELIVERY)
MUTATION(x2apic_without_shadow, s->proc2_ctls |= CPU2_VIRTUALIZE_X2APIC)

#define CASE(base, fn, fld, n) { #fn, base, fn, VMCS_##fld, #fld, n }

static const struct broken broken[] = {
	CASE(long_mode, ug_without_ept, PROC_BASED_CTLS2, 0),
	CASE(long_mode, inject_ud_with_code, ENTRY_INTR_INFO, 0),
	CASE(long_mode, inject_gp_without_code, ENTRY_INTR_INFO, 0),
	CASE(long_mode, inject_type1, ENTRY_INTR_INFO, 0),
	CASE(long_mode, inject_reserved12, ENTRY_INTR_INFO, 0),
	CASE(long_mode, inject_nmi_vector3, ENTRY_INTR_INFO, 0),
	CASE(tpr_shadow, threshold_above_vtpr, TPR_THRESHOLD, 0),
	CASE(tpr_shadow, threshold_above_vtpr_0, TPR_THRESHOLD, 0),
	CASE(tpr_shadow, threshold_bit4, TPR_THRESHOLD, 0),
	CASE(tpr_shadow, vapic_unaligned, VIRTUAL_APIC_ADDR, 0),
	CASE(tpr_shadow, vapic_wide, VIRTUAL_APIC_ADDR, 0),
	CASE(long_mode, vid_without_shadow, PROC_BASED_CTLS2, 0),
	CASE(long_mode, x2apic_without_shadow, PROC_BASED_CTLS2, 0),
	CASE(real_mode, cr0_pg_no_pe, GUEST_CR0, 0),
	CASE(real_mode, cr0_ne_clear, GUEST_CR0, 0),
	CASE(real_mode, real_without_ug, GUEST_CR0, 0),
	CASE(real_mode, cr4_vmxe_clear, GUEST_CR4, 0),
	CASE(real_mode, cr4_bit15, GUEST_CR4, 0),
	CASE(real_mode, cr4_pcide_32bit, GUEST_CR4, 0),
	CASE(long_mode, cet_without_wp, GUEST_CR0, 0),
	CASE(long_mode, ia32e_no_pae, GUEST_CR4, 0),
	CASE(long_mode, ia32e_no_pg, GUEST_CR0, 0),
	CASE(long_mode, cr3_wide, GUEST_CR3, 0),
	CASE(real_mode, dr7_high, GUEST_DR7, 0),
	CASE(real_mode, debugctl_bit2, GUEST_IA32_DEBUGCTL, 0),
	CASE(long_mode, sysenter_esp_bad, GUEST_IA32_SYSENTER_ESP, 0),
	CASE(long_mode, sysenter_eip_bad, GUEST_IA32_SYSENTER_EIP, 0),
	CASE(real_mode, pat_type2, GUEST_IA32_PAT, 0),
	CASE(real_mode, pat_type8, GUEST_IA32_PAT, 0),
	CASE(real_mode, efer_lma_32bit, GUEST_IA32_EFER, 0),
	CASE(long_mode, efer_svme, GUEST_IA32_EFER, 0),
	CASE(long_mode, efer_lme_clear, GUEST_IA32_EFER, 0),
	CASE(long_mode, efer_lma_clear, GUEST_IA32_EFER, 2), /* vs the control, and vs LME */
	CASE(long_mode, tr_ti, GUEST_TR_SELECTOR, 0),
	CASE(real_mode, ldtr_ti, GUEST_LDTR_SELECTOR, 0),
	CASE(long_mode, ss_rpl, GUEST_SS_SELECTOR, 2), /* and SS.DPL != SS.RPL */
	CASE(real_mode, cs_base_high, GUEST_CS_BASE, 0),
	CASE(real_mode, ss_base_high, GUEST_SS_BASE, 0),
	CASE(long_mode, fs_base_bad, GUEST_FS_BASE, 0),
	CASE(long_mode, gs_base_bad_unusable, GUEST_GS_BASE, 0),
	CASE(long_mode, tr_base_bad, GUEST_TR_BASE, 0),
	CASE(v86_mode, v86_ds_base, GUEST_DS_BASE, 0),
	CASE(v86_mode, v86_es_limit, GUEST_ES_LIMIT, 0),
	CASE(v86_mode, v86_gs_ar, GUEST_GS_AR, 0),
	CASE(real_mode, cs_type1, GUEST_CS_AR, 0),
	CASE(real_mode, cs_type3_no_ug, GUEST_CS_AR, 0),
	CASE(real_mode, cs_not_present, GUEST_CS_AR, 0),
	CASE(long_mode, cs_l_and_d, GUEST_CS_AR, 0),
	CASE(long_mode, cs_dpl_vs_ss, GUEST_CS_AR, 0),
	CASE(real_mode, ss_dpl_real, GUEST_SS_AR, 0),
	CASE(long_mode, ss_code, GUEST_SS_AR, 0),
	CASE(real_mode, ds_reserved8, GUEST_DS_AR, 0),
	CASE(real_mode, ds_not_accessed, GUEST_DS_AR, 0),
	CASE(long_mode, ds_dpl_below_rpl, GUEST_DS_AR, 0),
	CASE(real_mode, es_reserved17, GUEST_ES_AR, 0),
	CASE(long_mode, fs_g_clear, GUEST_FS_AR, 0),
	CASE(real_mode, gs_g_set, GUEST_GS_AR, 0),
	CASE(long_mode, tr_type9, GUEST_TR_AR, 0),
	CASE(long_mode, tr_type3_ia32e, GUEST_TR_AR, 0),
	CASE(real_mode, tr_unusable, GUEST_TR_AR, 0),
	CASE(real_mode, tr_code, GUEST_TR_AR, 0),
	CASE(real_mode, ldtr_type3, GUEST_LDTR_AR, 0),
	CASE(real_mode, gdtr_limit_wide, GUEST_GDTR_LIMIT, 0),
	CASE(long_mode, idtr_base_bad, GUEST_IDTR_BASE, 0),
	CASE(real_mode, rip_high_real, GUEST_RIP, 0),
	CASE(long_mode, rip_mixed_64, GUEST_RIP, 0),
	CASE(real_mode, rflags_bit15, GUEST_RFLAGS, 0),
	CASE(real_mode, rflags_bit1, GUEST_RFLAGS, 0),
	CASE(real_mode, rflags_bit22, GUEST_RFLAGS, 0),
	CASE(real_mode, rflags_if_extint, GUEST_RFLAGS, 0),
	CASE(long_mode, activity_4, GUEST_ACTIVITY_STATE, 0),
	CASE(long_mode, hlt_ss_dpl3, GUEST_ACTIVITY_STATE, 0),
	CASE(long_mode, sti_in_hlt, GUEST_ACTIVITY_STATE, 0),
	CASE(long_mode, sipi_inject, GUEST_ACTIVITY_STATE, 0),
	CASE(long_mode, sti_and_movss, GUEST_INTERRUPTIBILITY, 0),
	CASE(real_mode, sti_if_clear, GUEST_INTERRUPTIBILITY, 0),
	CASE(long_mode, intr_bit5, GUEST_INTERRUPTIBILITY, 0),
	CASE(long_mode, extint_in_sti_shadow, GUEST_INTERRUPTIBILITY, 0),
	CASE(long_mode, link_zero, LINK_POINTER, 0),
	CASE(long_mode, pending_bit4, GUEST_PENDING_DBG_EXCEPTIONS, 0),
	CASE(long_mode, pending_bs_missing, GUEST_PENDING_DBG_EXCEPTIONS, 0),
};

static void test_one_rule_broken(void **state)
{
	struct vmcs_problem out[8];
	struct vmcs_guest_state s;
	unsigned i;
	int n, want, j;

	(void)state;
	for (i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
		const struct broken *b = &broken[i];

		b->base(&s);
		b->mutate(&s);
		memset(out, 0, sizeof(out));
		n = vmcs_check_guest_state(&s, out, 8);
		want = b->count ? b->count : 1;
		if (n != want || out[0].field != b->field) {
			print_error("%s: %d problem(s), want %d naming %s\n", b->what, n, want,
				    b->field_name);
			for (j = 0; j < n && j < 8; j++)
				print_error("  %s (0x%04x): %s\n", out[j].field_name, out[j].field,
					    out[j].detail);
			fail();
		}
		assert_string_equal(out[0].field_name, b->field_name);
		assert_true(strlen(out[0].detail) > 0);
	}
}

/* Virtual-8086 mode inside IA-32e mode: the RFLAGS problem is among the many. */
static void test_vm_flag_in_ia32e(void **state)
{
	struct vmcs_problem out[32];
	struct vmcs_guest_state s;
	int n, i, found = 0;

	(void)state;
	long_mode(&s);
	rflags_vm_ia32e(&s);
	n = vmcs_check_guest_state(&s, out, 32);
	assert_true(n > 1 && n <= 32);
	for (i = 0; i < n; i++)
		found |= out[i].field == VMCS_GUEST_RFLAGS &&
			 strstr(out[i].detail, "VM (bit 17)") != NULL;
	assert_true(found);
}

static void test_details(void **state)
{
	struct vmcs_problem out[2];
	struct vmcs_guest_state s;

	(void)state;
	real_mode(&s);
	rflags_bit15(&s);
	assert_int_equal(vmcs_check_guest_state(&s, out, 2), 1);
	assert_int_equal(out[0].field, VMCS_GUEST_RFLAGS);
	assert_string_equal(out[0].field_name, "GUEST_RFLAGS");
	assert_string_equal(out[0].detail, "reserved bit 15 set (must be 0)");

	long_mode(&s);
	fs_g_clear(&s);
	assert_int_equal(vmcs_check_guest_state(&s, out, 2), 1);
	assert_string_equal(out[0].detail, "G (bit 15) clear but limit 0xffffffff is above 0xfffff");

	long_mode(&s);
	cs_dpl_vs_ss(&s);
	assert_int_equal(vmcs_check_guest_state(&s, out, 2), 1);
	assert_string_equal(out[0].detail, "DPL 3 differs from SS.DPL 0 (non-conforming code)");

	tpr_shadow(&s);
	s.tpr_threshold = 15;
	assert_int_equal(vmcs_check_guest_state(&s, out, 2), 1);
	assert_string_equal(out[0].field_name, "TPR_THRESHOLD");
	assert_string_equal(out[0].detail, "15 is above VTPR[7:4] 3 (the virtual-APIC page's TPR)");
}

static void test_max_bounds_the_output(void **state)
{
	struct vmcs_problem out[3];
	struct vmcs_guest_state s;
	int n;

	(void)state;
	real_mode(&s);
	s.rflags = 0xffffffffffffffffULL; /* reserved bits, VM, and then v86 segment rules */
	s.cr4 = 0;
	s.link_pointer = 1;
	n = vmcs_check_guest_state(&s, NULL, 0);
	assert_true(n > 3);
	memset(out, 0x5a, sizeof(out));
	assert_int_equal(vmcs_check_guest_state(&s, out, 2), n);
	assert_int_equal(out[0].field, VMCS_GUEST_CR4); /* rule order: registers first */
	assert_int_equal(out[2].field, 0x5a5a5a5aU);     /* untouched past max */
	assert_int_equal(vmcs_check_guest_state(&s, out, -1), n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_states),
		cmocka_unit_test(test_one_rule_broken),
		cmocka_unit_test(test_vm_flag_in_ia32e),
		cmocka_unit_test(test_details),
		cmocka_unit_test(test_max_bounds_the_output),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
