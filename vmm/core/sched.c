/*
 * The vCPU scheduler. Every vCPU belongs to one physical CPU for its life
 * (vm.c assigns it, from hv.cfg's `cpus =` or to the least loaded CPU), so
 * its VMCS never moves: each CPU runs a round-robin loop over its own
 * vCPUs. A vCPU runs until its slice ends (the VMX preemption timer), it
 * halts, it blocks in a hypercall (the console domain waiting for the
 * operator), or its VM stops running. A CPU with nothing to run sleeps in
 * HLT until its next guest timer is due or another CPU kicks it with an
 * IPI. Between slices the operator's serial line is polled, so a keystroke
 * waits at most one slice while guests spin.
 *
 * Ending a VM that ran: its vCPUs' own CPUs clear their VMCSs, then it
 * leaves the VM table, then the ender waits until no CPU is still inside
 * one of its slices, and only then frees it (sched_destroy_vm).
 */
#include "vmm/core/sched.h"

#include "arch/x86/apic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/gdt.h"
#include "arch/x86/smp.h"
#include "drivers/timer.h"
#include "lib/log.h"
#include "vmm/core/operator.h"
#include "vmm/core/sched_cpu.h"
#include "vmm/core/vm.h"
#include "vmm/core/vm_parts.h"
#include "vmm/core/vm_irq.h"

#define IDLE_MAX_US 10000ULL
#define OPERATOR_POLL_US 1000ULL /* while the console domain waits here: 16 bytes at 115200 baud take 1.4 ms */
#define RFLAGS_IF (1ULL << 9)

static struct sched_cpu cpus[HV_MAX_CPUS];

static uint64_t us_to_tsc(uint64_t us)
{
	return timer_tsc_hz() / 1000000ULL * us;
}

void sched_forget_vcpu(struct vcpu *v)
{
	unsigned i;

	for (i = 0; i < HV_MAX_CPUS; i++)
		if (cpus[i].loaded == v)
			cpus[i].loaded = NULL;
}

void sched_kick(struct vcpu *v)
{
	if (v->cpu == cpu_index())
		return;
	cpus[v->cpu].kicked = true;
	smp_send_ipi(v->cpu, SMP_IPI_VECTOR);
}

void vcpu_request(struct vcpu *v, enum vcpu_req r)
{
	vcpu_req_post(&v->requests, r);
	sched_kick(v);
}

void vm_request_all(struct vm *vm, enum vcpu_req r)
{
	uint32_t i;

	for (i = 0; i < vm->vcpu_count; i++)
		vcpu_request(vm->vcpus[i], r);
}

/*
 * A halted vCPU wakes when its VM's interrupt controller has something for
 * it; one blocked in a hypercall when the operator typed or its time is up.
 */
static bool wakes(struct vcpu *v)
{
	bool pending;

	if (v->state == VCPU_BLOCKED)
		return operator_has_input() || rdtsc() >= v->wake_tsc;
	if (v->state != VCPU_HALTED || !(v->rflags & RFLAGS_IF))
		return false;
	spin_lock(&v->vm->lock);
	vm_devices_update(v->vm);
	pending = vm_irq_pending(v);
	spin_unlock(&v->vm->lock);
	return pending;
}

/* A VM whose vCPUs all wait with interrupts off can never run again. */
static void check_halted_forever(struct vm *vm)
{
	uint32_t i;

	spin_lock(&vm->lock);
	for (i = 0; i < vm->vcpu_count; i++) {
		struct vcpu *v = vm->vcpus[i];

		if (v->state == VCPU_RUNNABLE || v->state == VCPU_BLOCKED ||
		    (v->state == VCPU_HALTED && (v->rflags & RFLAGS_IF)))
			break;
	}
	if (i == vm->vcpu_count && vm->state == VM_RUNNING) {
		vm->state = VM_HALTED;
		log_info("hv: guest %s (id %u) halted: every vCPU waits with interrupts off",
			 vm->name, vm->id);
	}
	spin_unlock(&vm->lock);
}

/*
 * The next of this CPU's vCPUs to run, marked as in use before the table
 * lock is dropped; NULL if none can run. On the way it lets go of vCPUs
 * whose VM has ended.
 */
static struct vcpu *pick_next(struct sched_cpu *c, unsigned cpu)
{
	uint32_t tries;

	vm_table_lock();
	for (tries = 0; tries < VM_MAX * VM_MAX_VCPUS; tries++) {
		struct vm *vm;
		struct vcpu *v;

		c->rr = (c->rr + 1) % (VM_MAX * VM_MAX_VCPUS);
		vm = vm_by_index(c->rr / VM_MAX_VCPUS);
		if (!vm || c->rr % VM_MAX_VCPUS >= vm->vcpu_count)
			continue;
		if (vm_is_creating(vm))
			continue; /* its vCPUs are not ours to run or let go of yet */
		v = vm->vcpus[c->rr % VM_MAX_VCPUS];
		if (v->cpu != cpu)
			continue;
		if (vm_is_ended(vm)) {
			vcpu_release_here(c, v);
			continue;
		}
		if (vcpu_req_take_one(&v->requests, VCPU_REQ_SAVE_STATE))
			vcpu_save_state_idle(c, v);
		if (vm->state != VM_RUNNING)
			continue;
		if (wakes(v))
			v->state = VCPU_RUNNABLE;
		if (v->state == VCPU_RUNNABLE) {
			c->using = vm;
			vm_table_unlock();
			return v;
		}
		check_halted_forever(vm);
	}
	vm_table_unlock();
	return NULL;
}

/* Lets go of this CPU's vCPUs of ended VMs (another CPU may be waiting to free them). */
static void release_ended(struct sched_cpu *c, unsigned cpu)
{
	uint32_t i, j;

	vm_table_lock();
	for (i = 0; i < VM_MAX; i++) {
		struct vm *vm = vm_by_index(i);

		if (!vm || !vm_is_ended(vm))
			continue;
		for (j = 0; j < vm->vcpu_count; j++)
			if (vm->vcpus[j]->cpu == cpu)
				vcpu_release_here(c, vm->vcpus[j]);
	}
	vm_table_unlock();
}

void sched_wait_vm_off_cpus(struct vm *vm)
{
	unsigned i, me = cpu_index();

	for (i = 0; i < HV_MAX_CPUS; i++)
		while (i != me && cpus[i].using == vm)
			cpu_pause();
}

void sched_destroy_vm(struct vm *vm)
{
	unsigned cpu = cpu_index();
	struct sched_cpu *me = &cpus[cpu];
	bool waiting;
	uint32_t i;

	spin_lock(&vm->lock);
	if (vm_is_live(vm))
		vm->state = VM_STOPPED;
	for (i = 0; i < vm->vcpu_count; i++)
		vm->vcpus[i]->state = VCPU_STOPPED;
	spin_unlock(&vm->lock);
	do {
		waiting = false;
		for (i = 0; i < vm->vcpu_count; i++) {
			struct vcpu *v = vm->vcpus[i];

			if (v->cpu == cpu) {
				vcpu_release_here(me, v);
			} else if (!__atomic_load_n(&v->released, __ATOMIC_ACQUIRE)) {
				waiting = true;
				sched_kick(v);
			}
		}
		if (waiting) {
			/* Whoever we wait for may be waiting for us. */
			release_ended(me, cpu);
			cpu_pause();
		}
	} while (waiting);
	vm_table_remove(vm);
	for (i = 0; i < HV_MAX_CPUS; i++)
		while (i != cpu && cpus[i].using == vm) {
			release_ended(me, cpu);
			cpu_pause();
		}
	vm_destroy(vm);
}

/* Whether anything can still run: a running guest, or one the operator may unpause. */
static bool any_running(void)
{
	bool any = false;
	uint32_t i;

	vm_table_lock();
	for (i = 0; i < VM_MAX && !any; i++) {
		struct vm *vm = vm_by_index(i);

		any = vm && vm_state_may_run(vm_state_now(vm));
	}
	vm_table_unlock();
	return any;
}

/*
 * When this CPU must look again: the earliest timer interrupt of a VM with
 * a vCPU here, or a blocked vCPU's timeout; *console if a vCPU blocked here
 * waits for the operator.
 */
static uint64_t next_wakeup(unsigned cpu, uint64_t until, bool *console)
{
	uint32_t i, j;

	*console = false;
	vm_table_lock();
	for (i = 0; i < VM_MAX; i++) {
		struct vm *vm = vm_by_index(i);
		bool here = false;

		if (!vm || vm_state_now(vm) != VM_RUNNING)
			continue;
		for (j = 0; j < vm->vcpu_count; j++) {
			struct vcpu *v = vm->vcpus[j];

			if (v->cpu != cpu)
				continue;
			here = true;
			if (v->state == VCPU_BLOCKED) {
				*console = true;
				if (v->wake_tsc < until)
					until = v->wake_tsc;
			}
		}
		if (here) {
			uint64_t next;

			spin_lock(&vm->lock);
			next = vm_devices_update(vm);
			spin_unlock(&vm->lock);
			if (next < until)
				until = next;
		}
	}
	vm_table_unlock();
	return until;
}

/*
 * Nothing to run here: sleep until the next wake-up, a kick from another
 * CPU, or (while the console domain waits here) the operator's next key.
 * The APIC timer in TSC-deadline mode ends the HLT; without it, spin.
 */
static void idle(struct sched_cpu *c, unsigned cpu)
{
	static int deadline_timer = -1;
	uint64_t until;
	bool console;

	if (deadline_timer < 0)
		deadline_timer = apic_has_tsc_deadline();
	c->kicked = false;
	until = next_wakeup(cpu, rdtsc() + us_to_tsc(IDLE_MAX_US), &console);
	while (rdtsc() < until && !c->kicked) {
		uint64_t nap = until;

		if (console) {
			operator_poll();
			if (operator_has_input())
				break;
			if (rdtsc() + us_to_tsc(OPERATOR_POLL_US) < nap)
				nap = rdtsc() + us_to_tsc(OPERATOR_POLL_US);
		}
		if (deadline_timer) {
			apic_timer_deadline(nap, SMP_IPI_VECTOR);
			__asm__ volatile("sti; hlt; cli" ::: "memory");
		} else {
			cpu_pause();
		}
	}
	if (deadline_timer)
		apic_timer_cancel();
}

/* One pass of this CPU's loop: poll the operator, run one vCPU or idle. */
static void schedule_once(struct sched_cpu *c, unsigned cpu)
{
	struct vcpu *v;
	struct vm *vm;
	bool reboot;

	operator_poll();
	v = pick_next(c, cpu);
	if (!v) {
		idle(c, cpu);
		return;
	}
	vcpu_run_slice(c, v);
	vm = v->vm;
	/*
	 * Claimed while still marked in use, so that nobody frees it first. A
	 * console domain that ended is started again: the operator must not
	 * lose the prompt to a bug in it.
	 */
	reboot = ((vm->reboot_requested && vm_is_live(vm)) || (vm->is_console && !vm_is_live(vm))) &&
		 vm_claim_end(vm);
	c->using = NULL;
	if (reboot)
		vm_reboot(vm, vm_is_live(vm) ? "reset itself" : "(the console domain) ended");
}

void sched_run(void)
{
	unsigned cpu = cpu_index();

	while (any_running())
		schedule_once(&cpus[cpu], cpu);
}

/* The application processors: the same loop, for good. */
void ap_main(unsigned cpu)
{
	for (;;)
		schedule_once(&cpus[cpu], cpu);
}
