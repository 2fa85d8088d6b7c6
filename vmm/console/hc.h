/*
 * VMCALL from the console domain (ABI: vmm/abi/hypercall_abi.h). Guest
 * addresses are the console domain's own: it runs identity-mapped, so a
 * pointer is its guest-physical address.
 */
#ifndef VMM_CONSOLE_HC_H
#define VMM_CONSOLE_HC_H

#include <stdint.h>

#include "vmm/abi/hypercall_abi.h"
#include "vmm/abi/hypercall_types.h"

static inline int64_t hc(uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4)
{
	register uint64_t r10 __asm__("r10") = a4;
	int64_t ret;

	__asm__ volatile("vmcall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10)
			 : "memory");
	return ret;
}

/* The same with a fifth argument (R8), for the calls that take one. */
static inline int64_t hc5(uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	register uint64_t r10 __asm__("r10") = a4;
	register uint64_t r8 __asm__("r8") = a5;
	int64_t ret;

	__asm__ volatile("vmcall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8)
			 : "memory");
	return ret;
}

static inline uint64_t hc_ptr(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

#endif
