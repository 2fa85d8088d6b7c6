/*
 * Tracking of guest RAM through EPT permissions: the one place an EPT
 * violation inside a guest's RAM goes, before the MMIO bus
 * (vmm/exit/exit_ept.c). Today it serves copy-on-write between a clone and
 * its source: both map their shared 2 MiB chunks read-only, and the first
 * write to one, by the guest or by the hypervisor on its behalf, gives
 * that VM a chunk of its own. Runs in VMX root, with the VM's lock held.
 */
#ifndef VMM_CORE_MEM_TRACK_H
#define VMM_CORE_MEM_TRACK_H

#include <stdbool.h>
#include <stdint.h>

struct vcpu;
struct vm;

enum mem_track_result {
	MEM_TRACK_NOT_HANDLED, /* no tracking claims the page: the caller goes on (MMIO bus, or the guest's end) */
	MEM_TRACK_HANDLED,     /* the page is dealt with: enter the guest again, which retries the access */
};

/* An EPT violation at gpa, inside v's guest RAM; q is the exit qualification (SDM Vol. 3, 28.3.3.2). */
enum mem_track_result mem_track_ept_violation(struct vcpu *v, uint64_t gpa, uint64_t q);

/*
 * Chunk `chunk` of vm, mapped read-only for sharing, becomes writable: a
 * copy of its own if another VM still maps it, else the same chunk with
 * write access back. Every vCPU of vm drops its cached translations before
 * its next entry. 0, or -1 when there is no memory for the copy.
 */
int mem_track_make_private(struct vm *vm, uint32_t chunk);

/*
 * Every chunk of vm read-only, ahead of a clone mapping the same chunks:
 * vm is paused and none of its vCPUs is on a CPU. 0, or -1 if the EPT
 * could not be changed (then whatever was made read-only turns writable
 * again on its first write).
 */
int mem_track_share_all(struct vm *vm);

/* Whether page (gpa / 4 KiB) still waits to be copied by a live save. */
bool mem_track_live_pending(const struct vm *vm, uint64_t page);

/*
 * Chunks marked for sharing that no other VM maps any more stop being
 * tracked and are writable again. Returns how many chunks are still
 * shared. VM lock held.
 */
uint32_t mem_track_forget_unshared(struct vm *vm);

/* Bytes of vm's RAM still shared with another VM. */
uint64_t mem_track_shared_bytes(const struct vm *vm);

#endif
