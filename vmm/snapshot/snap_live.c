/*
 * Live save: a brief stop saves the vCPUs and devices and makes all guest
 * RAM read-only in EPT with a bit per 4 KiB page still to copy; the guest
 * runs on at once. This copier (on the console domain's CPU, inside its
 * save call) then copies RAM, a 2 MiB chunk at a time with the
 * VM's lock held; a guest write to a page not copied yet exits, and the
 * EPT violation handler (vmm/core/mem_track.c, the VM's lock held too)
 * calls live_trap, which copies that page first and gives write access
 * back. Both sides clear a page's bit under the VM's lock, so a page goes
 * into the snapshot exactly once, and always as it was at the stop: a page
 * can only change after its bit is clear.
 *
 * Pages copied as a whole untouched chunk keep their 2 MiB mapping; a
 * trapped page, and then the rest of its chunk, are mapped 4 KiB at a
 * time. RAM sections therefore come in any order and any length (one for a
 * trapped page), which snap_ram.h allows and restore accepts.
 */
#include "vmm/snapshot/snap_live.h"

#include "lib/log.h"
#include "lib/spinlock.h"
#include "lib/string.h"
#include "mm/ept.h"
#include "mm/heap.h"
#include "mm/phys.h"
#include "vmm/core/mem_track.h"
#include "vmm/core/sched.h"
#include "vmm/core/vm.h"
#include "vmm/snapshot/snap_format.h"
#include "vmm/snapshot/snap_ram.h"
#include "vmm/snapshot/snap_save.h"
#include "vmm/snapshot/snap_store.h"

#define PROGRESS_EVERY (64ULL << 20)

/* The one live save at a time (the store's lock): what live_trap writes into and counts. */
static struct {
	struct snapshot *s;
	struct snap_live_result res;
	const char *failed; /* set once: the snapshot cannot be complete */
} live;

static void set_bit_range(uint64_t *bits, uint64_t first, uint64_t count, bool on)
{
	uint64_t i;

	for (i = first; i < first + count; i++) {
		if (on)
			bits[i / 64] |= 1ULL << (i % 64);
		else
			bits[i / 64] &= ~(1ULL << (i % 64));
	}
}

/*
 * Pages [first, first + count) of one chunk, all waiting: into the snapshot
 * as one RAM section, no longer waiting (still read-only: see writable()).
 * VM lock held.
 */
static void copy_run(struct vm *vm, uint64_t first, uint32_t count)
{
	uint64_t gpa = first * PAGE_SIZE, bytes = (uint64_t)count * PAGE_SIZE;
	uint64_t max = 12 + (count + 7) / 8 + bytes;
	uint8_t *p = live.failed ? NULL : snap_store_section_begin(live.s, max);

	if (p) {
		struct snap_out o;

		snap_out_init(&o, p, (size_t)max);
		live.res.zero_pages += snap_ram_put(&o, gpa, count, snap_guest_page, vm);
		live.res.ram_pages += count;
		snap_store_section_end(live.s, SNAP_SEC_RAM, SNAP_RAM_VERSION, o.len);
	} else if (!live.failed) {
		live.failed = "out of memory while writing the snapshot";
	}
	set_bit_range(vm->live_pending, first, count, false);
}

/*
 * [gpa, gpa + bytes) writable again, its pages copied. Inside a chunk still
 * being copied that splits its 2 MiB mapping, which needs a table page: if
 * there is none, the whole chunk becomes writable and its other pages are
 * lost to the snapshot. VM lock held.
 */
static void writable(struct vm *vm, uint64_t gpa, uint64_t bytes)
{
	uint64_t chunk_gpa = gpa - gpa % VM_RAM_CHUNK;

	if (!ept_protect(&vm->ept, gpa, bytes, EPT_RWX))
		return;
	ept_protect(&vm->ept, chunk_gpa, VM_RAM_CHUNK, EPT_RWX);
	set_bit_range(vm->live_pending, chunk_gpa / PAGE_SIZE, VM_RAM_CHUNK / PAGE_SIZE, false);
	if (!live.failed)
		live.failed = "out of memory for EPT tables while writing the snapshot";
}

/*
 * mem_track's call for a write, by the guest or the hypervisor, to a page
 * of the live save's RAM that is still read-only: copied first if it is
 * still waiting, then writable. VM lock held.
 */
static void live_trap(struct vm *vm, uint64_t page_gpa)
{
	if (mem_track_live_pending(vm, page_gpa / PAGE_SIZE)) {
		copy_run(vm, page_gpa / PAGE_SIZE, 1);
		live.res.trapped_pages++;
	}
	writable(vm, page_gpa, PAGE_SIZE);
}

int snap_live_arm(struct vm *vm, struct snapshot *s, const char **why)
{
	uint64_t pages = vm->ram_bytes / PAGE_SIZE;
	uint64_t *bits;
	uint32_t shared;

	spin_lock(&vm->lock);
	shared = mem_track_forget_unshared(vm);
	spin_unlock(&vm->lock);
	if (shared) {
		/* Its shared chunks turn into copies of their own on a write, under the copier's feet. */
		*why = "a guest that shares memory with a clone can only be saved with method=stop";
		return -1;
	}
	bits = kzalloc((pages + 63) / 64 * sizeof(uint64_t));
	if (!bits) {
		*why = "out of memory for the live save's page map";
		return -1;
	}
	set_bit_range(bits, 0, pages, true);
	spin_lock(&vm->lock);
	if (ept_protect(&vm->ept, 0, vm->ram_bytes, EPT_R | EPT_X)) {
		ept_protect(&vm->ept, 0, vm->ram_bytes, EPT_RWX);
		spin_unlock(&vm->lock);
		kfree(bits);
		*why = "the guest's RAM could not be made read-only";
		return -1;
	}
	memset(&live, 0, sizeof(live));
	live.s = s;
	vm->live_trap = live_trap;
	vm->live_pending = bits;
	vm_request_all(vm, VCPU_REQ_FLUSH_EPT);
	spin_unlock(&vm->lock);
	return 0;
}

/*
 * Chunk c: its waiting pages copied LIVE_RUN_PAGES at most at a time, each
 * run with the VM's lock held and let go between runs, so that the guest's
 * own exits (a trapped write among them) wait for one run at most, not
 * for the chunk. Then the chunk is writable again, in one 2 MiB mapping if
 * the guest trapped nothing in it.
 */
#define LIVE_RUN_PAGES 16U

static void copy_chunk(struct vm *vm, uint64_t c)
{
	uint64_t first = c * (VM_RAM_CHUNK / PAGE_SIZE), end = first + VM_RAM_CHUNK / PAGE_SIZE;
	uint64_t pages = vm->ram_bytes / PAGE_SIZE, page = first;

	if (end > pages)
		end = pages;
	while (page < end) {
		spin_lock(&vm->lock);
		if (!vm_is_live(vm) && !live.failed)
			live.failed = "the guest ended during the save";
		while (page < end && !mem_track_live_pending(vm, page))
			page++;
		if (page < end && !live.failed) {
			uint64_t run = page;

			while (run < end && run - page < LIVE_RUN_PAGES && mem_track_live_pending(vm, run))
				run++;
			copy_run(vm, page, (uint32_t)(run - page));
			page = run;
		} else if (live.failed) {
			page = end;
		}
		spin_unlock(&vm->lock);
	}
	spin_lock(&vm->lock);
	writable(vm, first * PAGE_SIZE, (end - first) * PAGE_SIZE);
	spin_unlock(&vm->lock);
}

int snap_live_copy(struct vm *vm, struct snap_live_result *res, const char **why)
{
	uint64_t c, chunks = (vm->ram_bytes + VM_RAM_CHUNK - 1) / VM_RAM_CHUNK;
	uint64_t *bits, ran = vm->vcpus[0]->run_tsc, exits = vm->vcpus[0]->exits_total;

	/*
	 * From the top of RAM down: a guest's kernel, stacks and page tables
	 * sit low and are written most, so the copier comes to them last and
	 * the pages the guest wants meanwhile are the ones it traps.
	 */
	for (c = chunks; c-- > 0;) {
		uint64_t done = (chunks - c) * VM_RAM_CHUNK;

		copy_chunk(vm, c);
		if (done % PROGRESS_EVERY == 0 && c)
			log_info("hv: live save of guest %s: %llu of %llu MiB copied, %llu pages trapped",
				 vm->name, (unsigned long long)(done >> 20),
				 (unsigned long long)(vm->ram_bytes >> 20),
				 (unsigned long long)live.res.trapped_pages);
	}
	spin_lock(&vm->lock);
	bits = vm->live_pending;
	vm->live_pending = NULL;
	vm->live_trap = NULL;
	if (live.failed) {
		/* Whatever is still read-only for the save: writable again. */
		ept_protect(&vm->ept, 0, vm->ram_bytes, EPT_RWX);
		vm_request_all(vm, VCPU_REQ_FLUSH_EPT);
	}
	spin_unlock(&vm->lock);
	kfree(bits);
	/* What the guest did meanwhile: its vCPU 0's time in the guest and exits during the copy. */
	log_info("hv: live save of guest %s: copied while vCPU 0 ran %llu TSC ticks with %llu exits",
		 vm->name, (unsigned long long)(vm->vcpus[0]->run_tsc - ran),
		 (unsigned long long)(vm->vcpus[0]->exits_total - exits));
	*res = live.res;
	*why = live.failed;
	return live.failed ? -1 : 0;
}
