/*
 * Reaching guest memory the way the guest sees it: guest-virtual addresses
 * through the guest's own page tables (vmm/exit/guest_walk.c) and then its RAM.
 * Runs in VMX root with the vCPU's VMCS current (the paging registers are
 * read from it).
 */
#ifndef VMM_GUEST_ACCESS_H
#define VMM_GUEST_ACCESS_H

#include <stddef.h>
#include <stdint.h>

struct vcpu;

/* 0 ok; -1 if any byte is not mapped by the guest or not in its RAM. */
int guest_read_linear(struct vcpu *v, uint64_t linear, void *buf, size_t len);
int guest_write_linear(struct vcpu *v, uint64_t linear, const void *buf, size_t len);

/* Base of a guest segment register by the index exits use (0 ES, 1 CS, 2 SS, 3 DS, 4 FS, 5 GS). */
uint64_t guest_segment_base(unsigned seg);

/* Address size of the current guest code in bytes: 2, 4 or 8. */
unsigned guest_address_size(void);

#endif
