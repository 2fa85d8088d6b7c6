/*
 * Tracking of guest RAM through EPT permissions (see mem_track.h).
 *
 * Copy-on-write between clones works on whole 2 MiB chunks, the pages
 * guest RAM is mapped with: a shared chunk is read-only in the EPT of
 * every VM that maps it (vm->ram_cow), and ram_share counts those VMs. A
 * write to it, by the guest (an EPT violation) or by the hypervisor
 * (vm_copy_to_guest), is resolved here on the writer's side alone: if
 * another VM still maps the chunk, this VM gets a fresh copy mapped
 * writable in its place, and lets go of the shared one (the last to let
 * go frees it); if none does, the chunk is simply made writable again.
 * The copy is made before the count drops, so the other VM's data never
 * goes away under the copy.
 *
 * A vCPU may hold the old translation in its CPU's TLB: every vCPU of the
 * VM is asked to INVEPT before its next entry (VCPU_REQ_FLUSH_EPT). That
 * is enough because a clone and its source have one vCPU each (clone
 * refuses others): the only vCPU that could read through a stale
 * translation is the one whose write is being handled, and it flushes
 * before it runs again.
 *
 * Later users of the same mechanism (DESIGN.md): dirty logging for
 * migration, copy-on-write for live checkpoints, page sharing, ballooning.
 */
#include "vmm/core/mem_track.h"

#include "lib/string.h"
#include "mm/ept.h"
#include "mm/phys.h"
#include "vmm/core/exitq.h"
#include "vmm/core/ram_share.h"
#include "vmm/core/sched.h"
#include "vmm/core/vm.h"

#define INTERRUPTIBILITY_NMI (1U << 3)

static uint64_t chunk_len(const struct vm *vm, uint32_t chunk)
{
	uint64_t left = vm->ram_bytes - (uint64_t)chunk * VM_RAM_CHUNK;

	return left < VM_RAM_CHUNK ? left : VM_RAM_CHUNK;
}

int mem_track_make_private(struct vm *vm, uint32_t chunk)
{
	uint64_t gpa = (uint64_t)chunk * VM_RAM_CHUNK, len = chunk_len(vm, chunk);
	uint64_t old = vm->ram_chunks[chunk];

	if (!vm->ram_cow[chunk])
		return 0;
	if (ram_share_count(old) > 1) {
		uint64_t fresh = phys_alloc_contig(VM_RAM_CHUNK / PAGE_SIZE, VM_RAM_CHUNK / PAGE_SIZE);

		if (!fresh)
			return -1;
		memcpy(phys_to_virt(fresh), phys_to_virt(old), VM_RAM_CHUNK);
		if (ept_map(&vm->ept, gpa, fresh, len, EPT_RWX, EPT_MT_WB)) {
			phys_free(fresh, VM_RAM_CHUNK / PAGE_SIZE);
			return -1;
		}
		vm->ram_chunks[chunk] = fresh;
		/* Another VM may have let go meanwhile: then ours was the last reference. */
		if (ram_share_unref(old))
			phys_free(old, VM_RAM_CHUNK / PAGE_SIZE);
	} else if (ept_protect(&vm->ept, gpa, len, EPT_RWX)) {
		return -1;
	}
	vm->ram_cow[chunk] = 0;
	vm->ram_cow_count--;
	vm_request_all(vm, VCPU_REQ_FLUSH_EPT);
	return 0;
}

int mem_track_share_all(struct vm *vm)
{
	uint32_t i;

	for (i = 0; i < vm->ram_chunk_count; i++) {
		if (vm->ram_cow[i])
			continue;
		if (ept_protect(&vm->ept, (uint64_t)i * VM_RAM_CHUNK, chunk_len(vm, i), EPT_R | EPT_X))
			break;
		vm->ram_cow[i] = 1;
		vm->ram_cow_count++;
	}
	vm_request_all(vm, VCPU_REQ_FLUSH_EPT);
	return i == vm->ram_chunk_count ? 0 : -1;
}

uint32_t mem_track_forget_unshared(struct vm *vm)
{
	uint32_t i;

	/* Nobody else maps them: make_private just gives write access back, no copy. */
	for (i = 0; vm->ram_cow_count && i < vm->ram_chunk_count; i++)
		if (vm->ram_cow[i] && ram_share_count(vm->ram_chunks[i]) == 1)
			mem_track_make_private(vm, i);
	return vm->ram_cow_count;
}

uint64_t mem_track_shared_bytes(const struct vm *vm)
{
	uint64_t bytes = 0;
	uint32_t i;

	for (i = 0; vm->ram_cow_count && i < vm->ram_chunk_count; i++)
		if (vm->ram_cow[i] && ram_share_count(vm->ram_chunks[i]) > 1)
			bytes += chunk_len(vm, i);
	return bytes;
}

bool mem_track_live_pending(const struct vm *vm, uint64_t page)
{
	return vm->live_pending && (vm->live_pending[page / 64] >> (page % 64) & 1);
}

enum mem_track_result mem_track_ept_violation(struct vcpu *v, uint64_t gpa, uint64_t q)
{
	struct vm *vm = v->vm;
	uint32_t chunk = (uint32_t)(gpa / VM_RAM_CHUNK);
	uint64_t page = gpa / PAGE_SIZE;
	uint32_t perms;

	if (!exitq_ept_write(q))
		return MEM_TRACK_NOT_HANDLED;
	/* During a live save: a page not copied yet into the snapshot first, then write access back. */
	if (vm->live_pending)
		vm->live_trap(vm, page * PAGE_SIZE);
	if (vm->ram_cow_count && vm->ram_cow[chunk]) {
		if (mem_track_make_private(vm, chunk)) {
			vm_end(vm, VM_CRASHED, "no memory left for a copy of a page it shares with a clone");
			return MEM_TRACK_HANDLED;
		}
	} else if (ept_translate(&vm->ept, gpa, NULL, &perms, NULL) || !(perms & EPT_W)) {
		return MEM_TRACK_NOT_HANDLED;
	}
	/*
	 * Writable now (here, or already by whoever resolved it first: the
	 * violation itself dropped this CPU's stale translation, SDM 29.4.3.1),
	 * so the guest's retry goes through.
	 */
	/* The write faulted inside an IRET that had unblocked NMIs: blocked again, as the retry expects (SDM 27.2.3). */
	if (exitq_ept_nmi_unblocking(q))
		vmcs_write32(VMCS_GUEST_INTERRUPTIBILITY,
			     vmcs_read32(VMCS_GUEST_INTERRUPTIBILITY) | INTERRUPTIBILITY_NMI);
	return MEM_TRACK_HANDLED;
}
