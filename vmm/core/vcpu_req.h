/*
 * Requests: work for a vCPU that only its own CPU can do (its VMCS is
 * current there and nowhere else), asked for from any CPU. Each is a bit in
 * vcpu->requests: the asker posts it and kicks the vCPU's CPU
 * (vcpu_request(), vmm/core/sched.c); that CPU takes every posted bit at
 * once just before each VM entry (vmm/exit/vcpu_run.c) and handles them in
 * the order of enum vcpu_req. A request posted while the vCPU does not run
 * waits for its next entry; one posted twice before it is taken is handled
 * once.
 *
 * Ordering: what a request's handler reads (a new boot state, control bits
 * to change) is written before its bit is posted, which releases it; the
 * take acquires, so the handler reads it after the take and sees it. Pure:
 * the host unit tests include it.
 */
#ifndef VMM_VCPU_REQ_H
#define VMM_VCPU_REQ_H

#include <stdbool.h>
#include <stdint.h>

enum vcpu_req {
	/* An INIT-SIPI gave it a new start (vcpu->boot): a fresh VMCS. First: it resets the controls. */
	VCPU_REQ_RESET_VMCS,
	/* Control bits to set and clear are waiting in vcpu->ctl_change (vcpu_request_controls()). */
	VCPU_REQ_RELOAD_CONTROLS,
	/* Its VM's trapped exceptions changed (vm->vmctl.trap): write its exception bitmap. */
	VCPU_REQ_EXCEPTION_BITMAP,
	/* Its VM's EPT permissions were taken away: drop this CPU's cached translations (INVEPT). */
	VCPU_REQ_FLUSH_EPT,
	/*
	 * A snapshot wants its whole state in vcpu->save_to (then vcpu->saved
	 * says so). Asked for once its VM is paused and off every CPU, so its
	 * CPU's scheduler takes this one bit alone for a vCPU that does not run
	 * (vmm/core/sched.c); before an entry it is handled like the others.
	 */
	VCPU_REQ_SAVE_STATE,
	VCPU_REQ_COUNT,
};

#define VCPU_REQ_BIT(r) (1U << (r))
_Static_assert(VCPU_REQ_COUNT <= 32, "every request has a bit in a uint32_t");

/* Any CPU, after writing what the request's handler reads. The caller then kicks the vCPU's CPU. */
static inline void vcpu_req_post(uint32_t *requests, enum vcpu_req r)
{
	__atomic_fetch_or(requests, VCPU_REQ_BIT(r), __ATOMIC_RELEASE);
}

/* Whether r is posted and not taken yet; exact only on the vCPU's own CPU, the one that takes. */
static inline bool vcpu_req_pending(const uint32_t *requests, enum vcpu_req r)
{
	return __atomic_load_n(requests, __ATOMIC_ACQUIRE) & VCPU_REQ_BIT(r);
}

/*
 * The vCPU's own CPU: every posted bit, leaving none posted. Before every
 * entry, so the common answer (none) costs a plain load, not a locked
 * exchange.
 */
static inline uint32_t vcpu_req_take(uint32_t *requests)
{
	if (!__atomic_load_n(requests, __ATOMIC_RELAXED))
		return 0;
	return __atomic_exchange_n(requests, 0, __ATOMIC_ACQUIRE);
}

/* The vCPU's own CPU, for a vCPU that does not run: takes r alone, if it was posted. */
static inline bool vcpu_req_take_one(uint32_t *requests, enum vcpu_req r)
{
	if (!(__atomic_load_n(requests, __ATOMIC_RELAXED) & VCPU_REQ_BIT(r)))
		return false;
	return __atomic_fetch_and(requests, ~VCPU_REQ_BIT(r), __ATOMIC_ACQUIRE) & VCPU_REQ_BIT(r);
}

/*
 * Bits to set and bits to clear in one control word, waiting for
 * VCPU_REQ_RELOAD_CONTROLS. Requests add up, the later one winning for a
 * bit both name; within one request, set wins over clear.
 */
struct vcpu_ctl_change {
	uint32_t set, clear;
};

static inline void vcpu_ctl_change_add(struct vcpu_ctl_change *c, uint32_t set, uint32_t clear)
{
	c->clear = (c->clear | clear) & ~set;
	c->set = (c->set & ~clear) | set;
}

static inline uint32_t vcpu_ctl_change_apply(const struct vcpu_ctl_change *c, uint32_t word)
{
	return (word & ~c->clear) | c->set;
}

#endif
