/*
 * One time slice of one vCPU on this CPU: its VMCS, FPU state and guest
 * MSRs onto the CPU, then VM entries and exits until the slice ends, the
 * vCPU halts or blocks, or its VM stops running.
 *
 * Before every entry the work other CPUs asked of the vCPU is done (its
 * requests, vmm/core/vcpu_req.h), the VM's timers are brought up to date
 * and a due interrupt is injected; the preemption timer is also set to
 * fire at the next timer interrupt, so a guest spinning with interrupts
 * enabled gets its ticks on time. The VM's lock is held everywhere but in the guest (and
 * in management calls, which drop it: see vmm/core/vm.h), so
 * the vCPUs of one VM on several CPUs handle their exits one at a time.
 * With the TPR shadow, the guest's CR8 changes the virtual-APIC page
 * behind our back: it is read back after each exit and written before
 * each entry, so the LAPIC model's TPR is right whenever the guest is not
 * running.
 */
#include "vmm/core/sched_cpu.h"

#include "arch/x86/cpu.h"
#include "arch/x86/fpu.h"
#include "arch/x86/smp.h"
#include "arch/x86/vmx.h"
#include "arch/x86/vmx_errors.h"
#include "drivers/timer.h"
#include "lib/log.h"
#include "vmm/exit/exit.h"
#include "vmm/core/hv.h"
#include "vmm/core/inject.h"
#include "vmm/exit/msr.h"
#include "vmm/core/sched.h"
#include "vmm/core/vcpu_setup.h"
#include "vmm/core/vm.h"
#include "vmm/core/vm_parts.h"
#include "vmm/exit/vcpu_state.h"
#include "vmm/exit/vmcs_dump.h"

static uint64_t us_to_tsc(uint64_t us)
{
	return timer_tsc_hz() / 1000000ULL * us;
}

/* DR0-DR3 and DR6 stay the guest's while it has the CPU (the host never uses them); switched by hand between vCPUs. */
static const unsigned debug_regs[] = { 0, 1, 2, 3, 6 };

static void save_debug_regs(struct vcpu *v)
{
	unsigned i;

	for (i = 0; i < sizeof(debug_regs) / sizeof(debug_regs[0]); i++)
		v->dr[debug_regs[i]] = read_dr(debug_regs[i]);
}

static void load_debug_regs(struct vcpu *v)
{
	unsigned i;

	for (i = 0; i < sizeof(debug_regs) / sizeof(debug_regs[0]); i++)
		write_dr(debug_regs[i], v->dr[debug_regs[i]]);
}

/*
 * Gives the CPU's guest state to `next`, saving what the previous vCPU left
 * there. The VMCS is loaded every time: VM creation and management calls
 * make other VMCSs current behind the scheduler's back. The first slice on
 * this CPU also writes the CPU's host state into the VMCS and drops any
 * translations an earlier guest with the same EPT root or VPID left here.
 */
static int switch_to(struct sched_cpu *c, struct vcpu *next)
{
	const struct vmx_caps *caps = hv_vmx_caps();

	if (c->loaded != next) {
		if (c->loaded) {
			fpu_save(c->loaded->fpu_area, c->loaded->xcr0);
			msr_save_guest(c->loaded->guest_msrs);
			save_debug_regs(c->loaded);
		}
		fpu_restore(next->fpu_area, next->xcr0);
		msr_load_guest(next->guest_msrs);
		load_debug_regs(next);
		c->loaded = next;
	}
	if (vmcs_load(next->vmcs_phys))
		return -1;
	next->vmcs_active = true;
	if (next->host_cpu != (int32_t)cpu_index()) {
		vcpu_setup_host_state();
		next->host_cpu = (int32_t)cpu_index();
		invept(INVEPT_ALL_CONTEXTS, 0);
		if (caps->invvpid)
			invvpid(INVVPID_SINGLE_CONTEXT, next->vpid);
	}
	return 0;
}

void vcpu_release_here(struct sched_cpu *c, struct vcpu *v)
{
	if (__atomic_load_n(&v->released, __ATOMIC_ACQUIRE))
		return;
	if (v->vmcs_active) {
		vmcs_clear(v->vmcs_phys);
		v->vmcs_active = false;
	}
	if (c->loaded == v)
		c->loaded = NULL; /* its FPU state is of no use any more */
	__atomic_store_n(&v->released, true, __ATOMIC_RELEASE);
}

void vcpu_write_back_state(struct vcpu *v)
{
	if (v->rip_dirty)
		vmcs_write64(VMCS_GUEST_RIP, v->rip);
	if (v->rsp_dirty)
		vmcs_write64(VMCS_GUEST_RSP, v->rsp);
	if (v->rflags_dirty)
		vmcs_write64(VMCS_GUEST_RFLAGS, v->rflags);
	v->rip_dirty = v->rsp_dirty = v->rflags_dirty = false;
	if (v->clear_blocking) {
		uint32_t blocking = vmcs_read32(VMCS_GUEST_INTERRUPTIBILITY);

		if (blocking & 3U)
			vmcs_write32(VMCS_GUEST_INTERRUPTIBILITY, blocking & ~3U);
		v->clear_blocking = false;
	}
}

/*
 * Sets the VMX-preemption timer to fire at `deadline` (host TSC). Where the
 * CPU saves the timer's remaining value on exit, it keeps counting across
 * exits and is written only when the deadline moves or after it fired.
 */
static void arm_preemption_timer(struct vcpu *v, uint64_t deadline)
{
	uint64_t now, ticks;

	if (!(v->ctls[VCPU_CTL_PIN] & PIN_PREEMPTION_TIMER))
		return;
	if ((v->ctls[VCPU_CTL_EXIT] & EXIT_SAVE_PREEMPTION_TIMER) && deadline == v->armed_deadline &&
	    v->exit.reason != EXIT_REASON_PREEMPTION_TIMER)
		return;
	v->armed_deadline = deadline;
	now = rdtsc();
	ticks = deadline > now ? (deadline - now) >> hv_vmx_caps()->preemption_timer_shift : 0;
	vmcs_write32(VMCS_PREEMPTION_TIMER_VALUE, ticks > 0xffffffffULL ? 0xffffffffU : (uint32_t)ticks);
}

/*
 * The virtual TPR and the TPR threshold for the next entry. An interrupt
 * the TPR alone holds back sets the threshold to its priority class, so
 * that a MOV to CR8 below it exits (TPR below threshold, SDM 29.1.2) and
 * the interrupt is injected then; lapic_tpr_threshold() never exceeds
 * VTPR[7:4], as VM entry requires (SDM 26.2.1.1).
 */
static void vtpr_before_entry(struct vcpu *v)
{
	uint32_t threshold;

	if (!v->vapic)
		return;
	vcpu_vtpr_store(v);
	/* The common case, on every entry: TPR class 0 holds nothing back. */
	if (!(v->lapic.tpr & 0xf0U) && !v->tpr_threshold)
		return;
	threshold = lapic_tpr_threshold(&v->lapic);
	if (threshold != v->tpr_threshold) {
		vmcs_write32(VMCS_TPR_THRESHOLD, threshold);
		v->tpr_threshold = threshold;
	}
}

static void entry_failed(struct vcpu *v, int rc)
{
	uint32_t err = rc == 2 ? vmcs_read32(VMCS_VM_INSTRUCTION_ERROR) : 0;

	if (rc == 2)
		log_error("guest %s vCPU %u: %s failed: VM-instruction error %u (%s)", v->vm->name,
			  v->id, v->launched ? "VMRESUME" : "VMLAUNCH", err, vmx_insn_error_name(err));
	else
		log_error("guest %s vCPU %u: VM entry failed: no valid VMCS", v->vm->name, v->id);
	if (rc == 2 && err == VMXERR_ENTRY_INVALID_CONTROL)
		vmcs_dump_entry_failure(v); /* names the control field at fault, if it is one we check */
	else
		vmcs_dump(v, "VM entry failed");
	vm_end(v->vm, VM_CRASHED, "VM entry failed (%s)",
	       rc == 2 ? vmx_insn_error_name(err) : "VMfailInvalid");
}

/* An application processor started by INIT-SIPI: a fresh VMCS in real mode. */
static int reset_vmcs(struct vcpu *v)
{
	const char *why;

	v->pending.valid = v->held.valid = false; /* INIT discards what was on its way */
	if (vcpu_setup_vmcs(v, &why)) {
		vm_end(v->vm, VM_CRASHED, "cannot start vCPU %u: %s", v->id, why);
		return -1;
	}
	v->armed_deadline = 0; /* the new VMCS holds no timer value of ours: arm it again */
	return 0;
}

static int reload_controls(struct vcpu *v)
{
	vcpu_apply_requested_controls(v);
	return 0;
}

/* The operator trapped or let go of exceptions (vmctl): the VM's bitmap is the one to use now. */
static int reload_exception_bitmap(struct vcpu *v)
{
	if (v->exception_bitmap != v->vm->vmctl.trap) {
		v->exception_bitmap = v->vm->vmctl.trap;
		vmcs_write32(VMCS_EXCEPTION_BITMAP, v->exception_bitmap);
	}
	return 0;
}

/* EPT entries lost permissions: translations this CPU cached from them must go (SDM 28.4.3.1). */
static int flush_ept(struct vcpu *v)
{
	invept(INVEPT_ALL_CONTEXTS, 0); /* the type switch_to() relies on, too */
	return 0;
}

/* A snapshot's capture reached a vCPU still on its way in: its state as of now, before it enters. */
static int save_state(struct vcpu *v)
{
	vcpu_save_state_here(v, true, true);
	return 0;
}

static int (*const request_handlers[VCPU_REQ_COUNT])(struct vcpu *v) = {
	[VCPU_REQ_RESET_VMCS] = reset_vmcs,
	[VCPU_REQ_RELOAD_CONTROLS] = reload_controls,
	[VCPU_REQ_EXCEPTION_BITMAP] = reload_exception_bitmap,
	[VCPU_REQ_FLUSH_EPT] = flush_ept,
	[VCPU_REQ_SAVE_STATE] = save_state,
};

/*
 * What other CPUs asked of v (vmm/core/vcpu_req.h), in the order of enum
 * vcpu_req, with the VM's lock held and v's VMCS current. -1 if v's VM
 * ended: what was left is of no use any more.
 */
static int handle_requests(struct vcpu *v)
{
	uint32_t taken = vcpu_req_take(&v->requests);
	unsigned r;

	for (r = 0; taken && r < VCPU_REQ_COUNT; r++)
		if ((taken & VCPU_REQ_BIT(r)) && request_handlers[r](v))
			return -1;
	return 0;
}

static void account_exit(struct vcpu *v, uint32_t reason, uint64_t ticks)
{
	v->exit_tsc[reason] += ticks;
	if (!v->exit_tsc_min[reason] || ticks < v->exit_tsc_min[reason])
		v->exit_tsc_min[reason] = ticks > 0xffffffffULL ? 0xffffffffU : (uint32_t)ticks;
}

void vcpu_run_slice(struct sched_cpu *c, struct vcpu *v)
{
	struct vm *vm = v->vm;
	uint64_t slice_end = rdtsc() + us_to_tsc(SCHED_SLICE_US);
	uint64_t exited_at = 0;
	uint32_t last_reason = 0;

	spin_lock(&vm->lock);
	if (switch_to(c, v)) {
		vm_end(vm, VM_CRASHED, "VMPTRLD of vCPU %u failed", v->id);
		goto out;
	}
	v->armed_deadline = 0;
	for (;;) {
		uint64_t next_irq, start;
		int rc;

		if (handle_requests(v))
			goto out;
		next_irq = vm_devices_update_if_due(vm, rdtsc());
		vcpu_write_back_state(v);
		inject_before_entry(v);
		vtpr_before_entry(v);
		spin_unlock(&vm->lock);
		arm_preemption_timer(v, next_irq < slice_end ? next_irq : slice_end);
		start = rdtsc();
		if (exited_at && last_reason <= EXIT_REASON_MAX)
			account_exit(v, last_reason, start - exited_at);
		msr_enter_guest(v);
		rc = vmx_enter(&v->regs, v->launched);
		msr_exit_guest(v);
		exited_at = rdtsc();
		v->run_tsc += exited_at - start;
		spin_lock(&vm->lock);
		/*
		 * An INIT from another vCPU while this one ran has reset its
		 * LAPIC, TPR included: what the guest left in the page is void,
		 * whether the vCPU still waits for its SIPI or has had it too
		 * (a VMCS reset is waiting: only an INIT-SIPI asks for one).
		 */
		if (v->vapic && v->state != VCPU_WAIT_SIPI &&
		    !vcpu_req_pending(&v->requests, VCPU_REQ_RESET_VMCS))
			vcpu_vtpr_load(v);
		if (rc) {
			entry_failed(v, rc);
			goto out;
		}
		v->launched = true;
		rc = exit_dispatch(v);
		last_reason = v->exit.reason;
		if (rc != EXIT_RESUME || vm->state != VM_RUNNING || vm->reboot_requested ||
		    v->state != VCPU_RUNNABLE || rdtsc() >= slice_end)
			break;
	}
	if (vm_is_live(vm))
		vcpu_take_snapshot(v);
out:
	spin_unlock(&vm->lock);
}

