/*
 * A test-and-set spinlock for the few shared structures of the hypervisor
 * (the log, the frame allocator, the heap). Holders never sleep and keep it
 * briefly; interrupts are off in VMX root, so no IRQ-safe variant is needed.
 */
#ifndef LIB_SPINLOCK_H
#define LIB_SPINLOCK_H

typedef struct {
	volatile int locked;
} spinlock_t;

#define SPINLOCK_INIT { 0 }

static inline void spin_lock(spinlock_t *l)
{
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
		__builtin_ia32_pause();
}

static inline void spin_unlock(spinlock_t *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

#endif
