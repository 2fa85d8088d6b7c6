/*
 * Unit tests of the vCPU section's payload (vmm/snapshot/snap_vcpu.c) over
 * the field list of vmm/core/vcpu_saved.c: a round trip of distinct values,
 * the wire layout, and every truncation, a changed field list or count, a
 * bad run state or event and an XSAVE image XRSTOR/XSETBV would fault on
 * refused with the output (struct and index) left as it was. Runs on the
 * host under cmocka.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "lib/le_bytes.h"
#include "vmm/core/vcpu_saved.h"
#include "vmm/snapshot/snap_fields.h"
#include "vmm/snapshot/snap_vcpu.h"

#define XCR0_ALLOWED 0x7ULL /* x87, SSE, AVX */
#define INDEX 0x5a17c0deU
#define SENTINEL 0xc3
#define INDEX_SENTINEL 0xdeadbeefU

/* Where each part of the payload starts (the layout snap_vcpu.h documents). */
#define OFF_COUNT 4U
#define OFF_FIELDS 8U
#define OFF_GPRS (OFF_FIELDS + VCPU_SAVED_FIELD_COUNT * 12U)
#define OFF_XCR0 (OFF_GPRS + VCPU_SAVED_GPRS * 8U)
#define OFF_MSR_COUNT (OFF_XCR0 + 8U)
#define OFF_MSRS (OFF_MSR_COUNT + 4U)
#define OFF_SPEC_CTRL (OFF_MSRS + VCPU_SAVED_MSRS * 8U)
#define OFF_PAT (OFF_SPEC_CTRL + 8U)
#define OFF_TSC (OFF_PAT + 8U)
#define OFF_TSC_ADJUST (OFF_TSC + 8U)
#define OFF_PENDING (OFF_TSC_ADJUST + 8U)
#define OFF_HELD (OFF_PENDING + 13U)
#define OFF_RUN_STATE (OFF_HELD + 13U)
#define OFF_FPU_LEN (OFF_RUN_STATE + 4U)
#define OFF_FPU (OFF_FPU_LEN + 4U)
#define PAYLOAD_BYTES (OFF_FPU + VCPU_SAVED_FPU_BYTES)

/* 5 KiB each: static rather than on the test's stack. */
static struct vcpu_saved src, out, sentinel;
static uint8_t buf[SNAP_VCPU_PAYLOAD_MAX + 64];
static size_t buf_len;

/* Distinct, non-zero, with bits in both halves so that a dropped word shows. */
static uint64_t next_value(void)
{
	static uint64_t v = 0x8000000100000001ULL;

	v += 0x0102030405060709ULL;
	return v;
}

static void fill(struct vcpu_saved *s)
{
	unsigned i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < VCPU_SAVED_FIELD_COUNT; i++)
		s->vmcs[i] = next_value();
	for (i = 0; i < VCPU_SAVED_GPRS; i++)
		s->gprs[i] = next_value();
	s->xcr0 = 7;
	for (i = 0; i < VCPU_SAVED_MSRS; i++)
		s->msrs[i] = next_value();
	s->spec_ctrl = next_value();
	s->pat = next_value();
	s->tsc_from_vm_clock = next_value();
	s->tsc_adjust = next_value();
	s->pending.valid = 1;
	s->pending.info = 0x80000b0eU;
	s->pending.error_code = 0x12345678U;
	s->pending.insn_len = 0x0fU;
	s->held.valid = 1;
	s->held.info = 0x80000320U;
	s->held.error_code = 0x9abcdef1U;
	s->held.insn_len = 0x03U;
	s->run_state = 2;
	for (i = 0; i < VCPU_SAVED_FPU_BYTES; i++)
		s->fpu[i] = (uint8_t)(i * 7U + 1U);
	/* A valid XSAVE image: MXCSR at its reset value, XSTATE_BV within XCR0, header otherwise zero. */
	le_store32(s->fpu + 24, 0x1f80U);
	le_store64(s->fpu + 512, 0x5ULL);
	memset(s->fpu + 520, 0, 576 - 520);
}

static void encode(const struct vcpu_saved *s)
{
	struct snap_out o;

	snap_out_init(&o, buf, sizeof(buf));
	snap_vcpu_put(&o, INDEX, s);
	assert_false(o.overrun);
	buf_len = o.len;
}

static void reset_out(void)
{
	memset(&sentinel, SENTINEL, sizeof(sentinel));
	memcpy(&out, &sentinel, sizeof(out));
}

/* snap_vcpu_get of buf[0, len) is refused (with `why`, if given) and writes nothing. */
static void expect_refused(size_t len, uint64_t allowed, const char *why)
{
	uint32_t index = INDEX_SENTINEL;
	const char *got;

	reset_out();
	got = snap_vcpu_get(buf, len, allowed, &index, &out);
	if (!got)
		fail_msg("payload of %zu bytes accepted", len);
	if (why)
		assert_string_equal(got, why);
	assert_int_equal(index, INDEX_SENTINEL);
	if (memcmp(&out, &sentinel, sizeof(out)))
		fail_msg("refused payload of %zu bytes (%s) changed the output", len, got);
}

static void assert_event_equal(const struct vcpu_saved_event *a, const struct vcpu_saved_event *b)
{
	assert_int_equal(a->valid, b->valid);
	assert_int_equal(a->info, b->info);
	assert_int_equal(a->error_code, b->error_code);
	assert_int_equal(a->insn_len, b->insn_len);
}

/* Field by field: the struct has padding, which no encoding carries. */
static void assert_saved_equal(const struct vcpu_saved *a, const struct vcpu_saved *b)
{
	assert_memory_equal(a->vmcs, b->vmcs, sizeof(a->vmcs));
	assert_memory_equal(a->gprs, b->gprs, sizeof(a->gprs));
	assert_true(a->xcr0 == b->xcr0);
	assert_memory_equal(a->msrs, b->msrs, sizeof(a->msrs));
	assert_true(a->spec_ctrl == b->spec_ctrl);
	assert_true(a->pat == b->pat);
	assert_true(a->tsc_from_vm_clock == b->tsc_from_vm_clock);
	assert_true(a->tsc_adjust == b->tsc_adjust);
	assert_event_equal(&a->pending, &b->pending);
	assert_event_equal(&a->held, &b->held);
	assert_int_equal(a->run_state, b->run_state);
	assert_memory_equal(a->fpu, b->fpu, sizeof(a->fpu));
}

static void expect_accepted(uint64_t allowed)
{
	uint32_t index = INDEX_SENTINEL;
	const char *why;

	reset_out();
	why = snap_vcpu_get(buf, buf_len, allowed, &index, &out);
	if (why)
		fail_msg("good payload refused: %s", why);
	assert_int_equal(index, INDEX);
	assert_saved_equal(&out, &src);
}

static int setup(void **state)
{
	(void)state;
	fill(&src);
	encode(&src);
	return 0;
}

static void test_values_are_distinct(void **state)
{
	const uint64_t *w = src.vmcs;
	size_t n = VCPU_SAVED_FIELD_COUNT + VCPU_SAVED_GPRS, i, j;

	(void)state;
	/* vmcs[] and gprs[] are adjacent u64 arrays; the other fields are checked by name. */
	assert_int_equal(offsetof(struct vcpu_saved, gprs), VCPU_SAVED_FIELD_COUNT * 8);
	for (i = 0; i < n; i++) {
		assert_true(w[i] != 0);
		for (j = i + 1; j < n; j++)
			assert_true(w[i] != w[j]);
	}
}

static void test_round_trip(void **state)
{
	(void)state;
	assert_int_equal(buf_len, PAYLOAD_BYTES);
	expect_accepted(XCR0_ALLOWED);
	/* A CPU that allows more than the image uses takes it as well. */
	expect_accepted(0x2e7ULL);
}

static void test_payload_max(void **state)
{
	struct snap_out o;

	(void)state;
	assert_true(SNAP_VCPU_PAYLOAD_MAX >= buf_len);
	/* A buffer of exactly SNAP_VCPU_PAYLOAD_MAX bytes is enough. */
	snap_out_init(&o, buf, SNAP_VCPU_PAYLOAD_MAX);
	snap_vcpu_put(&o, INDEX, &src);
	assert_false(o.overrun);
	assert_int_equal(o.len, buf_len);
}

static void test_wire_layout(void **state)
{
	unsigned i;

	(void)state;
	assert_int_equal(le_load32(buf), INDEX);
	assert_int_equal(le_load32(buf + OFF_COUNT), VCPU_SAVED_FIELD_COUNT);
	for (i = 0; i < VCPU_SAVED_FIELD_COUNT; i++) {
		assert_int_equal(le_load32(buf + OFF_FIELDS + 12 * i), vcpu_saved_fields[i]);
		assert_true(le_load64(buf + OFF_FIELDS + 12 * i + 4) == src.vmcs[i]);
	}
	for (i = 0; i < VCPU_SAVED_GPRS; i++)
		assert_true(le_load64(buf + OFF_GPRS + 8 * i) == src.gprs[i]);
	assert_true(le_load64(buf + OFF_XCR0) == src.xcr0);
	assert_int_equal(le_load32(buf + OFF_MSR_COUNT), VCPU_SAVED_MSRS);
	for (i = 0; i < VCPU_SAVED_MSRS; i++)
		assert_true(le_load64(buf + OFF_MSRS + 8 * i) == src.msrs[i]);
	assert_true(le_load64(buf + OFF_SPEC_CTRL) == src.spec_ctrl);
	assert_true(le_load64(buf + OFF_PAT) == src.pat);
	assert_true(le_load64(buf + OFF_TSC) == src.tsc_from_vm_clock);
	assert_true(le_load64(buf + OFF_TSC_ADJUST) == src.tsc_adjust);
	assert_int_equal(buf[OFF_PENDING], src.pending.valid);
	assert_int_equal(le_load32(buf + OFF_PENDING + 1), src.pending.info);
	assert_int_equal(le_load32(buf + OFF_PENDING + 5), src.pending.error_code);
	assert_int_equal(le_load32(buf + OFF_PENDING + 9), src.pending.insn_len);
	assert_int_equal(buf[OFF_HELD], src.held.valid);
	assert_int_equal(le_load32(buf + OFF_HELD + 1), src.held.info);
	assert_int_equal(le_load32(buf + OFF_HELD + 5), src.held.error_code);
	assert_int_equal(le_load32(buf + OFF_HELD + 9), src.held.insn_len);
	assert_int_equal(le_load32(buf + OFF_RUN_STATE), src.run_state);
	assert_int_equal(le_load32(buf + OFF_FPU_LEN), VCPU_SAVED_FPU_BYTES);
	assert_memory_equal(buf + OFF_FPU, src.fpu, VCPU_SAVED_FPU_BYTES);
}

static void test_slots(void **state)
{
	unsigned i;

	(void)state;
	for (i = 0; i < VCPU_SAVED_FIELD_COUNT; i++)
		assert_int_equal(vcpu_saved_slot(vcpu_saved_fields[i]), (int)i);
	assert_true(vcpu_saved_slot(VMCS_GUEST_RIP) >= 0);
	assert_int_equal(vcpu_saved_slot(0xffffffffU), -1);
}

static void test_every_truncation_refused(void **state)
{
	size_t n;

	(void)state;
	for (n = 0; n < buf_len; n++)
		/* Below 8 bytes the field count itself is missing (read as 0), so the reason differs. */
		expect_refused(n, XCR0_ALLOWED, n >= OFF_FIELDS ? "vCPU section is truncated" : NULL);
}

static void test_one_byte_more_refused(void **state)
{
	(void)state;
	buf[buf_len] = 0;
	expect_refused(buf_len + 1, XCR0_ALLOWED, "vCPU section is longer than its fields");
}

static void test_field_list_changed_refused(void **state)
{
	static const unsigned which[] = { 0, 1, VCPU_SAVED_FIELD_COUNT / 2, VCPU_SAVED_FIELD_COUNT - 1 };
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(which) / sizeof(which[0]); i++) {
		uint8_t *f = buf + OFF_FIELDS + 12 * which[i];

		f[0] ^= 0x02;
		expect_refused(buf_len, XCR0_ALLOWED, "vCPU section has another set of VMCS fields");
		f[0] ^= 0x02;
	}
	/* Two fields swapped: every number is ours, the order is not. */
	le_store32(buf + OFF_FIELDS, vcpu_saved_fields[1]);
	le_store32(buf + OFF_FIELDS + 12, vcpu_saved_fields[0]);
	expect_refused(buf_len, XCR0_ALLOWED, "vCPU section has another set of VMCS fields");
}

static void test_counts_changed_refused(void **state)
{
	(void)state;
	le_store32(buf + OFF_COUNT, VCPU_SAVED_FIELD_COUNT - 1);
	expect_refused(buf_len, XCR0_ALLOWED, "vCPU section has another set of VMCS fields");
	le_store32(buf + OFF_COUNT, VCPU_SAVED_FIELD_COUNT + 1);
	expect_refused(buf_len, XCR0_ALLOWED, "vCPU section has another set of VMCS fields");
	le_store32(buf + OFF_COUNT, VCPU_SAVED_FIELD_COUNT);

	le_store32(buf + OFF_MSR_COUNT, VCPU_SAVED_MSRS + 1);
	expect_refused(buf_len, XCR0_ALLOWED, "vCPU section has another set of MSRs");
	le_store32(buf + OFF_MSR_COUNT, VCPU_SAVED_MSRS - 1);
	expect_refused(buf_len, XCR0_ALLOWED, "vCPU section has another set of MSRs");
	le_store32(buf + OFF_MSR_COUNT, VCPU_SAVED_MSRS);

	le_store32(buf + OFF_FPU_LEN, VCPU_SAVED_FPU_BYTES / 2);
	expect_refused(buf_len, XCR0_ALLOWED, "vCPU XSAVE area has another size");
	le_store32(buf + OFF_FPU_LEN, VCPU_SAVED_FPU_BYTES + 64);
	expect_refused(buf_len, XCR0_ALLOWED, "vCPU XSAVE area has another size");
	le_store32(buf + OFF_FPU_LEN, VCPU_SAVED_FPU_BYTES);

	/* Put back, it is good again. */
	expect_accepted(XCR0_ALLOWED);
}

static void test_run_state_refused(void **state)
{
	(void)state;
	src.run_state = VCPU_SAVED_RUN_STATE_MAX;
	encode(&src);
	expect_accepted(XCR0_ALLOWED);
	src.run_state = 3;
	encode(&src);
	expect_refused(buf_len, XCR0_ALLOWED, "vCPU run state unknown");
	src.run_state = 0xffffffffU;
	encode(&src);
	expect_refused(buf_len, XCR0_ALLOWED, "vCPU run state unknown");
}

static void test_event_valid_refused(void **state)
{
	(void)state;
	src.pending.valid = 2;
	encode(&src);
	expect_refused(buf_len, XCR0_ALLOWED, "vCPU event is malformed");
	src.pending.valid = 1;
	src.held.valid = 2;
	encode(&src);
	expect_refused(buf_len, XCR0_ALLOWED, "vCPU event is malformed");
	src.held.valid = 0xff;
	encode(&src);
	expect_refused(buf_len, XCR0_ALLOWED, "vCPU event is malformed");
	/* No event at all is fine. */
	src.pending.valid = src.held.valid = 0;
	encode(&src);
	expect_accepted(XCR0_ALLOWED);
}

static void test_xcr0_refused(void **state)
{
	(void)state;
	src.xcr0 = 6; /* no x87 */
	le_store64(src.fpu + 512, 0x4ULL);
	encode(&src);
	expect_refused(buf_len, XCR0_ALLOWED, "vCPU XCR0 not possible on this CPU");

	src.xcr0 = 7 | 0x20; /* AVX-512 opmask, which this CPU lacks */
	le_store64(src.fpu + 512, 0x5ULL);
	encode(&src);
	expect_refused(buf_len, XCR0_ALLOWED, "vCPU XCR0 not possible on this CPU");

	src.xcr0 = 7; /* AVX on a CPU without it */
	encode(&src);
	expect_refused(buf_len, 0x3ULL, "vCPU XCR0 not possible on this CPU");

	src.xcr0 = 1ULL | (1ULL << 63);
	le_store64(src.fpu + 512, 0x1ULL);
	encode(&src);
	expect_refused(buf_len, XCR0_ALLOWED, "vCPU XCR0 not possible on this CPU");
}

/*
 * The restore loads the image's XCR0 with XSETBV in VMX root (fpu_restore),
 * so an XCR0 that XSETBV refuses (SDM Vol. 1, 13.3: AVX without SSE; the
 * three AVX-512 bits not set together, or without AVX) faults the host
 * even when every bit of it is one this CPU has.
 */
static void test_xcr0_xsetbv_refuses(void **state)
{
	static const struct {
		uint64_t xcr0, allowed;
	} bad[] = {
		{ 0x5, 0x7 },   /* AVX without SSE */
		{ 0x27, 0xe7 }, /* opmask without ZMM_Hi256, Hi16_ZMM */
		{ 0xe3, 0xe7 }, /* AVX-512 without AVX */
	};
	unsigned i, accepted = 0;
	const char *why;
	uint32_t index;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		src.xcr0 = bad[i].xcr0;
		le_store64(src.fpu + 512, 0x1ULL);
		encode(&src);
		index = INDEX_SENTINEL;
		reset_out();
		why = snap_vcpu_get(buf, buf_len, bad[i].allowed, &index, &out);
		if (!why) {
			print_error("XCR0 %#llx (allowed %#llx) accepted, but XSETBV faults on it\n",
				    (unsigned long long)bad[i].xcr0, (unsigned long long)bad[i].allowed);
			accepted++;
			continue;
		}
		assert_int_equal(index, INDEX_SENTINEL);
		assert_memory_equal(&out, &sentinel, sizeof(out));
	}
	assert_int_equal(accepted, 0);
}

static void test_xstate_bv_refused(void **state)
{
	unsigned bv;

	(void)state;
	/* Every subset of XCR0 is fine, the init state (0) included. */
	for (bv = 0; bv < 8; bv++) {
		le_store64(src.fpu + 512, bv);
		encode(&src);
		expect_accepted(XCR0_ALLOWED);
	}
	le_store64(src.fpu + 512, 0x8ULL); /* one bit past XCR0 */
	encode(&src);
	expect_refused(buf_len, XCR0_ALLOWED, "vCPU XSAVE image holds state its XCR0 does not enable");
	le_store64(src.fpu + 512, 0x7ULL | (1ULL << 63));
	encode(&src);
	expect_refused(buf_len, XCR0_ALLOWED, "vCPU XSAVE image holds state its XCR0 does not enable");
	/* A bit this CPU has, but the vCPU's XCR0 does not enable. */
	src.xcr0 = 3;
	le_store64(src.fpu + 512, 0x4ULL);
	encode(&src);
	expect_refused(buf_len, XCR0_ALLOWED, "vCPU XSAVE image holds state its XCR0 does not enable");
}

static void test_xsave_header_refused(void **state)
{
	unsigned i;

	(void)state;
	/* XCOMP_BV (bytes 520..527), compacted form's bit 63 included, then the reserved rest. */
	for (i = 520; i < 576; i++) {
		src.fpu[i] = (i == 527) ? 0x80 : 0x01;
		encode(&src);
		expect_refused(buf_len, XCR0_ALLOWED, "vCPU XSAVE header is not in the standard form");
		src.fpu[i] = 0;
	}
	/* Bytes after the header are component state: anything goes. */
	src.fpu[576] = 0xff;
	encode(&src);
	expect_accepted(XCR0_ALLOWED);
}

static void test_mxcsr_refused(void **state)
{
	unsigned bit;

	(void)state;
	le_store32(src.fpu + 24, 0xffffU); /* every defined bit */
	encode(&src);
	expect_accepted(XCR0_ALLOWED);
	for (bit = 16; bit < 32; bit++) {
		le_store32(src.fpu + 24, 0x1f80U | (1U << bit));
		encode(&src);
		expect_refused(buf_len, XCR0_ALLOWED, "vCPU MXCSR has reserved bits set");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_values_are_distinct, setup),
		cmocka_unit_test_setup(test_round_trip, setup),
		cmocka_unit_test_setup(test_payload_max, setup),
		cmocka_unit_test_setup(test_wire_layout, setup),
		cmocka_unit_test_setup(test_slots, setup),
		cmocka_unit_test_setup(test_every_truncation_refused, setup),
		cmocka_unit_test_setup(test_one_byte_more_refused, setup),
		cmocka_unit_test_setup(test_field_list_changed_refused, setup),
		cmocka_unit_test_setup(test_counts_changed_refused, setup),
		cmocka_unit_test_setup(test_run_state_refused, setup),
		cmocka_unit_test_setup(test_event_valid_refused, setup),
		cmocka_unit_test_setup(test_xcr0_refused, setup),
		cmocka_unit_test_setup(test_xcr0_xsetbv_refuses, setup),
		cmocka_unit_test_setup(test_xstate_bv_refused, setup),
		cmocka_unit_test_setup(test_xsave_header_refused, setup),
		cmocka_unit_test_setup(test_mxcsr_refused, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
