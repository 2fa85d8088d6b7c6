/*
 * Tracking of guest RAM through EPT permissions. Every page of guest RAM
 * is mapped read, write and execute today, so nothing is tracked and
 * every violation is left to the caller.
 *
 * This is where the memory tricks of DESIGN.md plug in, all on one
 * mechanism: a page write-protected (or unmapped) in EPT with a per-page
 * state, and its violation resolved here before the guest retries.
 *  - dirty logging for migration: note the page dirty, give write back;
 *  - copy-on-write for live checkpoints and clones: copy the page (to the
 *    snapshot, or to the clone's own frame), then give write back;
 *  - page sharing: break the share on a write, as copy-on-write does;
 *  - ballooning: a page the guest gave back is unmapped; touching it again
 *    gets a fresh zeroed frame.
 * Each will say here which per-page states it owns and the locking between
 * the faulting vCPU and whoever walks the pages (the checkpoint writer).
 * Runs in VMX root, with the VM's lock held.
 */
#include "vmm/core/mem_track.h"

enum mem_track_result mem_track_ept_violation(struct vcpu *v, uint64_t gpa, uint64_t q)
{
	return MEM_TRACK_NOT_HANDLED;
}
