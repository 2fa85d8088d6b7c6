/*
 * Round-robin scheduling of vCPUs on the boot CPU.
 *
 * A vCPU runs until its slice ends (a preemption-timer exit), it halts, it
 * blocks in a hypercall (the console domain waiting for the operator), or
 * its VM ends or is paused. Between slices the operator's serial line is
 * polled, so a keystroke waits at most one slice while guests spin. Before every entry the VM's timers are brought up to date
 * and a due interrupt is injected; the preemption timer is also set to fire
 * at the next timer interrupt, so a guest spinning with interrupts enabled
 * gets its ticks on time.
 */
#include "vmm/sched.h"

#include "arch/x86/cpu.h"
#include "arch/x86/fpu.h"
#include "arch/x86/vmx.h"
#include "arch/x86/vmx_errors.h"
#include "drivers/timer.h"
#include "lib/log.h"
#include "vmm/exit.h"
#include "vmm/hv.h"
#include "vmm/inject.h"
#include "vmm/msr.h"
#include "vmm/operator.h"
#include "vmm/vcpu_setup.h"
#include "vmm/vm.h"
#include "vmm/vm_irq.h"
#include "vmm/vmcs_dump.h"

#define SLICE_US 10000ULL
#define IDLE_MAX_US 10000ULL
#define RFLAGS_IF (1ULL << 9)

static struct vcpu *loaded; /* whose VMCS, FPU state and MSRs are on the CPU */
static uint32_t rr_vm, rr_vcpu;

static uint64_t us_to_tsc(uint64_t us)
{
	return timer_tsc_hz() / 1000000ULL * us;
}

/*
 * Gives the CPU's guest state to `next`, saving what the previous vCPU left
 * there. The VMCS is loaded every time: VM creation makes other VMCSs
 * current behind the scheduler's back.
 */
static int switch_to(struct vcpu *next)
{
	if (loaded != next) {
		if (loaded) {
			fpu_save(loaded->fpu_area, loaded->xcr0);
			msr_save_guest(loaded->guest_msrs);
		}
		fpu_restore(next->fpu_area, next->xcr0);
		msr_load_guest(next->guest_msrs);
		loaded = next;
	}
	return vmcs_load(next->vmcs_phys);
}

void sched_forget_vcpu(struct vcpu *v)
{
	if (loaded == v)
		loaded = NULL;
}

static void write_back_state(struct vcpu *v)
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

	if (!(vcpu_pin_controls() & PIN_PREEMPTION_TIMER))
		return;
	if ((vcpu_exit_controls() & EXIT_SAVE_PREEMPTION_TIMER) && deadline == v->armed_deadline &&
	    v->exit.reason != EXIT_REASON_PREEMPTION_TIMER)
		return;
	v->armed_deadline = deadline;
	now = rdtsc();
	ticks = deadline > now ? (deadline - now) >> hv_vmx_caps()->preemption_timer_shift : 0;
	vmcs_write32(VMCS_PREEMPTION_TIMER_VALUE, ticks > 0xffffffffULL ? 0xffffffffU : (uint32_t)ticks);
}

static void entry_failed(struct vcpu *v, int rc)
{
	uint32_t err = rc == 2 ? vmcs_read32(VMCS_VM_INSTRUCTION_ERROR) : 0;

	if (rc == 2)
		log_error("guest %s vCPU %u: %s failed: VM-instruction error %u (%s)", v->vm->name,
			  v->id, v->launched ? "VMRESUME" : "VMLAUNCH", err, vmx_insn_error_name(err));
	else
		log_error("guest %s vCPU %u: VM entry failed: no valid VMCS", v->vm->name, v->id);
	vmcs_dump(v, "VM entry failed");
	vm_end(v->vm, VM_CRASHED, "VM entry failed (%s)",
	       rc == 2 ? vmx_insn_error_name(err) : "VMfailInvalid");
}

static void account_exit(struct vcpu *v, uint32_t reason, uint64_t ticks)
{
	v->exit_tsc[reason] += ticks;
	if (!v->exit_tsc_min[reason] || ticks < v->exit_tsc_min[reason])
		v->exit_tsc_min[reason] = ticks > 0xffffffffULL ? 0xffffffffU : (uint32_t)ticks;
}

static void run_slice(struct vcpu *v)
{
	struct vm *vm = v->vm;
	uint64_t slice_end = rdtsc() + us_to_tsc(SLICE_US);

	if (v->reset_vmcs) {
		const char *why;

		/* An application processor started by INIT-SIPI: a fresh VMCS in real mode. */
		v->reset_vmcs = false;
		if (vcpu_setup_vmcs(v, &why)) {
			vm_end(vm, VM_CRASHED, "cannot start vCPU %u: %s", v->id, why);
			return;
		}
	}
	if (switch_to(v)) {
		vm_end(vm, VM_CRASHED, "VMPTRLD of vCPU %u failed", v->id);
		return;
	}
	vm->current = v;
	uint64_t exited_at = 0;
	uint32_t last_reason = 0;

	v->armed_deadline = 0;
	for (;;) {
		uint64_t next_irq = vm_devices_update_if_due(vm, rdtsc()), start;
		int rc;

		write_back_state(v);
		inject_before_entry(v);
		arm_preemption_timer(v, next_irq < slice_end ? next_irq : slice_end);
		start = rdtsc();
		if (exited_at && last_reason <= EXIT_REASON_MAX)
			account_exit(v, last_reason, start - exited_at);
		rc = vmx_enter(&v->regs, v->launched);
		exited_at = rdtsc();
		v->run_tsc += exited_at - start;
		if (rc) {
			entry_failed(v, rc);
			return;
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
}

/*
 * A halted vCPU wakes when its VM's interrupt controller has something for
 * it; one blocked in a hypercall when the operator typed or its time is up.
 */
static bool wakes(struct vcpu *v)
{
	if (v->state == VCPU_BLOCKED)
		return operator_has_input() || rdtsc() >= v->wake_tsc;
	if (v->state != VCPU_HALTED || !(v->rflags & RFLAGS_IF))
		return false;
	vm_devices_update(v->vm);
	return vm_irq_pending(v);
}

/* A VM whose vCPUs all wait with interrupts off can never run again. */
static void check_halted_forever(struct vm *vm)
{
	uint32_t i;

	for (i = 0; i < vm->vcpu_count; i++) {
		struct vcpu *v = vm->vcpus[i];

		if (v->state == VCPU_RUNNABLE || v->state == VCPU_BLOCKED ||
		    (v->state == VCPU_HALTED && (v->rflags & RFLAGS_IF)))
			return;
	}
	vm->state = VM_HALTED;
	log_info("hv: guest %s (id %u) halted: every vCPU waits with interrupts off", vm->name, vm->id);
}

/* The next vCPU to run after the last one picked, or NULL. */
static struct vcpu *pick_next(void)
{
	uint32_t tries;

	for (tries = 0; tries < VM_MAX * VM_MAX_VCPUS; tries++) {
		struct vm *vm;
		struct vcpu *v;

		if (++rr_vcpu >= VM_MAX_VCPUS) {
			rr_vcpu = 0;
			rr_vm = (rr_vm + 1) % VM_MAX;
		}
		vm = vm_by_index(rr_vm);
		if (!vm || vm->state != VM_RUNNING || rr_vcpu >= vm->vcpu_count)
			continue;
		v = vm->vcpus[rr_vcpu];
		if (wakes(v))
			v->state = VCPU_RUNNABLE;
		if (v->state == VCPU_RUNNABLE)
			return v;
		check_halted_forever(vm);
	}
	return NULL;
}

/* Whether anything can still run: a running guest, or one the operator may unpause. */
static bool any_running(void)
{
	uint32_t i;

	for (i = 0; i < VM_MAX; i++) {
		struct vm *vm = vm_by_index(i);

		if (vm && (vm->state == VM_RUNNING || vm->state == VM_PAUSED))
			return true;
	}
	return false;
}

/* The earliest time a vCPU blocked in a hypercall must be woken. */
static uint64_t earliest_blocked_wake(struct vm *vm, uint64_t until)
{
	uint32_t i;

	for (i = 0; i < vm->vcpu_count; i++)
		if (vm->vcpus[i]->state == VCPU_BLOCKED && vm->vcpus[i]->wake_tsc < until)
			until = vm->vcpus[i]->wake_tsc;
	return until;
}

/* Nothing to run: wait for the earliest timer interrupt of any VM (bounded). */
static void idle(void)
{
	uint64_t until = rdtsc() + us_to_tsc(IDLE_MAX_US);
	uint32_t i;

	for (i = 0; i < VM_MAX; i++) {
		struct vm *vm = vm_by_index(i);
		uint64_t next;

		if (!vm || vm->state != VM_RUNNING)
			continue;
		next = vm_devices_update(vm);
		if (next < until)
			until = next;
		until = earliest_blocked_wake(vm, until);
	}
	while (rdtsc() < until) {
		operator_poll();
		if (operator_has_input())
			return;
		cpu_pause();
	}
}

void sched_run(void)
{
	while (any_running()) {
		struct vcpu *v;

		operator_poll();
		v = pick_next();
		if (!v) {
			idle();
			continue;
		}
		run_slice(v);
		if (v->vm->reboot_requested)
			vm_reboot(v->vm);
	}
}
