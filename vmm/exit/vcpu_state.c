/*
 * Capture and apply of a vCPU's snapshot state (see vcpu_state.h). The VMCS
 * fields go by the list in vmm/core/vcpu_saved.h; what the VMCS does not
 * hold comes from struct vcpu, and from the CPU itself where the vCPU's FPU
 * state and hand-switched MSRs still sit in its registers.
 */
#include "vmm/exit/vcpu_state.h"

#include "arch/x86/fpu.h"
#include "arch/x86/vmx.h"
#include "lib/string.h"
#include "vmm/core/sched_cpu.h"
#include "lib/spinlock.h"
#include "vmm/core/vcpu_setup.h"
#include "vmm/core/vm.h"
#include "vmm/exit/msr.h"

#define EFER_LMA (1ULL << 10)

_Static_assert(sizeof(struct guest_regs) == VCPU_SAVED_GPRS * sizeof(uint64_t),
	       "struct vcpu_saved keeps struct guest_regs whole");
_Static_assert(VCPU_SAVED_MSRS == MSR_SWITCHED_COUNT, "one slot per hand-switched MSR");
_Static_assert(VCPU_RUNNABLE == 0 && VCPU_HALTED == 1 && VCPU_WAIT_SIPI == VCPU_SAVED_RUN_STATE_MAX,
	       "the run states a snapshot may hold");
_Static_assert(VCPU_SAVED_FPU_BYTES == FPU_AREA_SIZE, "a snapshot holds the whole XSAVE area");

static void event_out(struct vcpu_saved_event *out, const struct vcpu_event *e)
{
	out->valid = e->valid;
	out->info = e->info;
	out->error_code = e->error_code;
	out->insn_len = e->insn_len;
}

static void event_in(struct vcpu_event *e, const struct vcpu_saved_event *in)
{
	e->valid = in->valid;
	e->info = in->info;
	e->error_code = in->error_code;
	e->insn_len = in->insn_len;
}

static bool loads_pat(const struct vcpu *v)
{
	return v->ctls[VCPU_CTL_ENTRY] & ENTRY_LOAD_IA32_PAT;
}

int vcpu_state_capture(struct vcpu *v, bool regs_on_cpu, struct vcpu_saved *s)
{
	uint64_t errors = vmcs_access_error_count();
	unsigned i;

	memset(s, 0, sizeof(*s));
	if (vmcs_load(v->vmcs_phys))
		return -1;
	v->vmcs_active = true;
	/* What the last exit's handler changed is still only in the cache. */
	vcpu_write_back_state(v);
	for (i = 0; i < VCPU_SAVED_FIELD_COUNT; i++)
		s->vmcs[i] = vmcs_read_raw(vcpu_saved_fields[i]);
	if (regs_on_cpu) {
		fpu_save(v->fpu_area, v->xcr0);
		msr_save_guest(v->guest_msrs);
	}
	memcpy(s->gprs, &v->regs, sizeof(s->gprs));
	memcpy(s->fpu, v->fpu_area, sizeof(s->fpu));
	memcpy(s->msrs, v->guest_msrs, sizeof(s->msrs));
	s->xcr0 = v->xcr0;
	s->spec_ctrl = v->spec_ctrl;
	s->pat = loads_pat(v) ? vmcs_read64(VMCS_GUEST_IA32_PAT) : v->pat;
	s->tsc_from_vm_clock = v->tsc.offset + v->vm->start_tsc;
	s->tsc_adjust = v->tsc.adjust;
	event_out(&s->pending, &v->pending);
	event_out(&s->held, &v->held);
	s->run_state = v->state;
	return vmcs_access_error_count() == errors ? 0 : -1;
}

int vcpu_state_apply(struct vcpu *v, const struct vcpu_saved *s)
{
	uint64_t errors = vmcs_access_error_count();
	uint64_t efer = s->vmcs[vcpu_saved_slot(VMCS_GUEST_IA32_EFER)];
	uint32_t entry = v->ctls[VCPU_CTL_ENTRY] & ~ENTRY_IA32E_MODE;
	unsigned i;

	for (i = 0; i < VCPU_SAVED_FIELD_COUNT; i++)
		vmcs_write_raw(vcpu_saved_fields[i], s->vmcs[i]);
	/* IA-32e mode guest follows EFER.LMA, as exit_cr.c keeps it on CR0.PG. */
	vcpu_write_controls(v, VCPU_CTL_ENTRY, (efer & EFER_LMA) ? entry | ENTRY_IA32E_MODE : entry);
	v->rip = s->vmcs[vcpu_saved_slot(VMCS_GUEST_RIP)];
	v->rflags = s->vmcs[vcpu_saved_slot(VMCS_GUEST_RFLAGS)];
	v->rip_dirty = v->rsp_dirty = v->rflags_dirty = v->rsp_valid = false;
	v->clear_blocking = false;
	memcpy(&v->regs, s->gprs, sizeof(s->gprs));
	memcpy(v->fpu_area, s->fpu, sizeof(s->fpu));
	memcpy(v->guest_msrs, s->msrs, sizeof(s->msrs));
	v->xcr0 = s->xcr0;
	v->spec_ctrl = s->spec_ctrl;
	if (loads_pat(v))
		vmcs_write64(VMCS_GUEST_IA32_PAT, s->pat);
	else
		v->pat = s->pat;
	v->tsc.offset = s->tsc_from_vm_clock - v->vm->start_tsc;
	v->tsc.adjust = s->tsc_adjust;
	vmcs_write64(VMCS_TSC_OFFSET, v->tsc.offset);
	event_in(&v->pending, &s->pending);
	event_in(&v->held, &s->held);
	v->state = (enum vcpu_state)s->run_state;
	return vmcs_access_error_count() == errors ? 0 : -1;
}

void vcpu_save_state_here(struct vcpu *v, bool regs_on_cpu, bool vm_locked)
{
	int rc;

	if (!vm_locked)
		spin_lock(&v->vm->lock);
	rc = v->save_to ? vcpu_state_capture(v, regs_on_cpu, v->save_to) : -1;
	if (!vm_locked)
		spin_unlock(&v->vm->lock);
	__atomic_store_n(&v->saved, rc ? -1 : 1, __ATOMIC_RELEASE);
}

void vcpu_save_state_idle(struct sched_cpu *c, struct vcpu *v)
{
	vcpu_save_state_here(v, c->loaded == v, false);
}
