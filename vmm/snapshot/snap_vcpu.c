/*
 * The vCPU section's encoder and decoder (see snap_vcpu.h). The decoder
 * checks what would hurt the host on restore rather than the guest: the
 * field list must be ours exactly, and the XSAVE image must be one XRSTOR
 * takes (a bad one faults in VMX root, not in the guest).
 */
#include "vmm/snapshot/snap_vcpu.h"

#include "arch/x86/xsave_layout.h"
#include "lib/le_bytes.h"
#include "lib/string.h"

#define XSAVE_MXCSR 24
#define XSAVE_HEADER 512
#define XSAVE_HEADER_BYTES 64

static void put_event(struct snap_out *o, const struct vcpu_saved_event *e)
{
	snap_put8(o, e->valid);
	snap_put32(o, e->info);
	snap_put32(o, e->error_code);
	snap_put32(o, e->insn_len);
}

static void get_event(struct snap_in *in, struct vcpu_saved_event *e)
{
	e->valid = snap_get8(in);
	e->info = snap_get32(in);
	e->error_code = snap_get32(in);
	e->insn_len = snap_get32(in);
}

void snap_vcpu_put(struct snap_out *o, uint32_t index, const struct vcpu_saved *s)
{
	unsigned i;

	snap_put32(o, index);
	snap_put32(o, VCPU_SAVED_FIELD_COUNT);
	for (i = 0; i < VCPU_SAVED_FIELD_COUNT; i++) {
		snap_put32(o, vcpu_saved_fields[i]);
		snap_put64(o, s->vmcs[i]);
	}
	for (i = 0; i < VCPU_SAVED_GPRS; i++)
		snap_put64(o, s->gprs[i]);
	snap_put64(o, s->xcr0);
	snap_put32(o, VCPU_SAVED_MSRS);
	for (i = 0; i < VCPU_SAVED_MSRS; i++)
		snap_put64(o, s->msrs[i]);
	snap_put64(o, s->spec_ctrl);
	snap_put64(o, s->pat);
	snap_put64(o, s->tsc_from_vm_clock);
	snap_put64(o, s->tsc_adjust);
	put_event(o, &s->pending);
	put_event(o, &s->held);
	snap_put32(o, s->run_state);
	snap_put32(o, VCPU_SAVED_FPU_BYTES);
	snap_put_bytes(o, s->fpu, VCPU_SAVED_FPU_BYTES);
}

/* NULL if XRSTOR with xcr0 takes this image (SDM Vol. 1, 13.8.1), else why not. */
static const char *check_xsave(const struct vcpu_saved *s, uint64_t xcr0_allowed)
{
	const uint8_t *hdr = s->fpu + XSAVE_HEADER;
	uint32_t mxcsr = le_load32(s->fpu + XSAVE_MXCSR);
	unsigned i;

	if (!xcr0_combination_valid(s->xcr0) || (s->xcr0 & ~xcr0_allowed))
		return "vCPU XCR0 not possible on this CPU";
	if (mxcsr >> 16)
		return "vCPU MXCSR has reserved bits set";
	if (le_load64(hdr) & ~s->xcr0)
		return "vCPU XSAVE image holds state its XCR0 does not enable";
	for (i = 8; i < XSAVE_HEADER_BYTES; i++)
		if (hdr[i])
			return "vCPU XSAVE header is not in the standard form";
	return NULL;
}

const char *snap_vcpu_get(const void *payload, size_t len, uint64_t xcr0_allowed,
			  uint32_t *index, struct vcpu_saved *out)
{
	static struct vcpu_saved s; /* 5 KiB: too big for a kernel stack; callers take turns (the snapshot lock) */
	struct snap_in in;
	uint32_t idx;
	unsigned i;
	const char *why;

	memset(&s, 0, sizeof(s));
	snap_in_init(&in, payload, len);
	idx = snap_get32(&in);
	if (snap_get32(&in) != VCPU_SAVED_FIELD_COUNT)
		return in.overrun ? "vCPU section is truncated" : "vCPU section has another set of VMCS fields";
	for (i = 0; i < VCPU_SAVED_FIELD_COUNT && !in.overrun; i++) {
		if (snap_get32(&in) != vcpu_saved_fields[i])
			return in.overrun ? "vCPU section is truncated" : "vCPU section has another set of VMCS fields";
		s.vmcs[i] = snap_get64(&in);
	}
	for (i = 0; i < VCPU_SAVED_GPRS; i++)
		s.gprs[i] = snap_get64(&in);
	s.xcr0 = snap_get64(&in);
	if (snap_get32(&in) != VCPU_SAVED_MSRS)
		return in.overrun ? "vCPU section is truncated" : "vCPU section has another set of MSRs";
	for (i = 0; i < VCPU_SAVED_MSRS; i++)
		s.msrs[i] = snap_get64(&in);
	s.spec_ctrl = snap_get64(&in);
	s.pat = snap_get64(&in);
	s.tsc_from_vm_clock = snap_get64(&in);
	s.tsc_adjust = snap_get64(&in);
	get_event(&in, &s.pending);
	get_event(&in, &s.held);
	s.run_state = snap_get32(&in);
	if (snap_get32(&in) != VCPU_SAVED_FPU_BYTES)
		return in.overrun ? "vCPU section is truncated" : "vCPU XSAVE area has another size";
	snap_get_bytes(&in, s.fpu, VCPU_SAVED_FPU_BYTES);
	if (!snap_in_done(&in))
		return in.overrun ? "vCPU section is truncated" : "vCPU section is longer than its fields";
	if (s.run_state > VCPU_SAVED_RUN_STATE_MAX)
		return "vCPU run state unknown";
	if (s.pending.valid > 1 || s.held.valid > 1)
		return "vCPU event is malformed";
	why = check_xsave(&s, xcr0_allowed);
	if (why)
		return why;
	*index = idx;
	*out = s;
	return NULL;
}
