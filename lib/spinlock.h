/*
 * A ticket spinlock for the shared structures of the hypervisor (the log,
 * the frame allocator, the heap, the VM table, each VM). Holders never sleep
 * and keep it briefly; interrupts are off in VMX root, so no IRQ-safe
 * variant is needed. Tickets make it fair: a CPU that lets go and takes the
 * lock again at once (a live save's copier, chunk after chunk) cannot
 * starve another that is already waiting (that vCPU's exit handling), as
 * it could with test-and-set, where whoever is quickest wins every time.
 */
#ifndef LIB_SPINLOCK_H
#define LIB_SPINLOCK_H

typedef struct {
	volatile unsigned int next;  /* the ticket the next taker draws */
	volatile unsigned int owner; /* the ticket now allowed in */
} spinlock_t;

#define SPINLOCK_INIT { 0, 0 }

static inline void spin_lock(spinlock_t *l)
{
	unsigned int ticket = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);

	while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != ticket)
		__builtin_ia32_pause();
}

static inline void spin_unlock(spinlock_t *l)
{
	__atomic_store_n(&l->owner, l->owner + 1, __ATOMIC_RELEASE);
}

#endif
