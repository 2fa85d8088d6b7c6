/*
 * Guest-virtual to guest-physical translation by walking the guest's own
 * page tables (SDM Vol. 3 chapter 4), used to fetch the bytes of the
 * instruction that caused an EPT violation at CS.base+RIP.
 *
 * Pure logic behind a read callback for guest RAM: runs in VMX root (any
 * context) and in host tests. The walk only reads: it checks presence and
 * reserved bits but neither permissions (the CPU already checked them when
 * it fetched the faulting instruction) nor sets accessed/dirty bits.
 */
#ifndef VMM_GUEST_WALK_H
#define VMM_GUEST_WALK_H

#include <stddef.h>
#include <stdint.h>

/* 0 ok, -1 if [gpa, gpa+len) is not guest RAM. */
typedef int (*guest_read_fn)(void *ctx, uint64_t gpa, void *buf, size_t len);

/* Control bits that select the paging mode (SDM Vol. 3 4.1.1, table 4-1). */
#define GUEST_CR0_PG (1UL << 31)
#define GUEST_CR4_PSE (1UL << 4)
#define GUEST_CR4_PAE (1UL << 5)
#define GUEST_CR4_LA57 (1UL << 12)
#define GUEST_EFER_LMA (1UL << 10)
#define GUEST_EFER_NXE (1UL << 11)

/*
 * The guest's control registers as the VMCS guest-state area holds them
 * (EFER with LMA, as after VM exit). maxphyaddr is an addition to the
 * agreed layout: the guest's CPUID.80000008H:EAX[7:0], which decides which
 * high entry bits are reserved (SDM 4.1.4); 0 means 52, the architectural
 * maximum, which catches fewer reserved-bit errors but never reports a
 * false one.
 */
struct guest_paging {
	uint64_t cr0, cr3, cr4, efer;
	uint8_t maxphyaddr;
};

enum walk_result {
	WALK_OK,
	WALK_NOT_PRESENT,
	WALK_RESERVED_BIT,
	WALK_BAD_GPA,      /* a paging structure lies outside guest RAM */
	WALK_UNSUPPORTED,  /* 5-level paging (CR4.LA57): guests are not offered LA57, so refused */
	WALK_NON_CANONICAL, /* 4-level paging and bits 63:47 not a sign extension */
};

/*
 * Translates gva. Paging off: identity, on the low 32 bits (linear
 * addresses are 32-bit outside IA-32e mode). Then 32-bit paging (4 MiB pages
 * with CR4.PSE, PSE-36 high bits), PAE (the four PDPTEs read from memory at
 * CR3, not the copies the CPU loaded at MOV CR3 time: they differ only if
 * the guest changed them without reloading CR3), 4-level with 2 MiB and
 * 1 GiB pages. *gpa is written only on WALK_OK.
 */
enum walk_result guest_walk(const struct guest_paging *pg, uint64_t gva, guest_read_fn read,
			    void *ctx, uint64_t *gpa);

/*
 * Copies len bytes starting at gva, which may cross pages mapped to
 * unrelated physical pages; used to fetch instruction bytes at
 * CS.base+RIP. 0 ok, -1 on any walk or read failure (buf partly written).
 */
int guest_read_virt(const struct guest_paging *pg, uint64_t gva, void *buf, size_t len,
		    guest_read_fn read, void *ctx);

#endif
