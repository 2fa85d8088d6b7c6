/*
 * Stop-and-copy save and restore (see snap_save.h).
 *
 * A save claims the guest (so nobody destroys or restarts it meanwhile),
 * pauses it, waits until none of its vCPUs is on a CPU, and has each vCPU's
 * state captured where its VMCS lives: here for a vCPU of this CPU, by its
 * own CPU's scheduler otherwise (VCPU_REQ_SAVE_STATE). Then it writes the
 * sections in order: the VM (configuration and clock), every vCPU, every
 * device of the device table (the LAPIC once per vCPU), and RAM in 2 MiB
 * runs. The guest goes on as it was (running, halted or paused) unless the
 * operator asked to leave it stopped.
 *
 * A restore checks the whole stream (every CRC) first, then creates a guest
 * from the snapshot's configuration whose RAM, devices, vCPUs and clock come
 * from the sections instead of its image (vm_create_from): any section that
 * does not decode ends that new guest before it ever ran, and nothing else
 * changes. The guest's clock, and so its TSC and every device timer, goes
 * on from where it was saved: the time the snapshot spent in the store is
 * not seen by the guest.
 */
#include "vmm/snapshot/snap_save.h"

#include "arch/x86/cpu.h"
#include "arch/x86/fpu.h"
#include "arch/x86/smp.h"
#include "drivers/timer.h"
#include "lib/log.h"
#include "lib/printf.h"
#include "lib/spinlock.h"
#include "lib/string.h"
#include "mm/heap.h"
#include "mm/phys.h"
#include "vmm/core/mem_track.h"
#include "vmm/core/sched.h"
#include "vmm/core/vm.h"
#include "vmm/exit/vcpu_state.h"
#include "vmm/platform/vm_devices.h"
#include "vmm/snapshot/snap_dev.h"
#include "vmm/snapshot/snap_live.h"
#include "vmm/snapshot/snap_ram.h"
#include "vmm/snapshot/snap_store.h"
#include "vmm/snapshot/snap_vcpu.h"
#include "vmm/snapshot/snap_vm.h"

#define DEVICE_PAYLOAD_MAX (64 * 1024)  /* the PCI registry is the largest, some 8 KiB */
#define FREE_MEMORY_KEPT (16ULL << 20)  /* a save never leaves the hypervisor less than this */
#define CAPTURE_TIMEOUT_US 2000000ULL
#define PROGRESS_EVERY (64ULL << 20)

static spinlock_t store_lock;
static bool store_ready;

/* ----------------------------------------------------------- memory --- */

static uint64_t pages_of(uint64_t bytes)
{
	return (bytes + PAGE_SIZE - 1) / PAGE_SIZE;
}

static void *frames_alloc(void *ctx, uint64_t bytes)
{
	uint64_t phys = phys_alloc_contig(pages_of(bytes), 1);

	return phys ? phys_to_virt(phys) : NULL;
}

static void frames_free(void *ctx, void *p, uint64_t bytes)
{
	phys_free(virt_to_phys(p), pages_of(bytes));
}

static void frames_trim(void *ctx, void *p, uint64_t bytes, uint64_t keep)
{
	uint64_t have = pages_of(bytes), want = pages_of(keep);

	if (want < have)
		phys_free(virt_to_phys(p) + want * PAGE_SIZE, have - want);
}

void snap_lock(void)
{
	static const struct snap_store_env env = { frames_alloc, frames_free, frames_trim, NULL };

	spin_lock(&store_lock);
	if (!store_ready) {
		snap_store_init(&env);
		store_ready = true;
	}
}

void snap_unlock(void)
{
	spin_unlock(&store_lock);
}

static uint64_t tsc_to_us(uint64_t ticks)
{
	uint64_t hz = timer_tsc_hz();

	return hz ? ticks / (hz / 1000000ULL ? hz / 1000000ULL : 1) : 0;
}

/* ------------------------------------------------------------ save --- */

/* One section from an encoder: fn writes into o; 0, or -1 with *why. */
struct section_job {
	struct snapshot *s;
	const char *why;
};

static struct snap_out *section_open(struct section_job *j, struct snap_out *o, uint64_t max)
{
	uint8_t *p = snap_store_section_begin(j->s, max);

	if (!p) {
		j->why = "out of memory while writing the snapshot";
		return NULL;
	}
	snap_out_init(o, p, (size_t)max);
	return o;
}

static int section_close(struct section_job *j, struct snap_out *o, uint32_t type, uint16_t version)
{
	if (o->overrun) {
		/* An encoder wrote more than its bound says: a bug, and the snapshot would be cut. */
		j->why = "a section outgrew its bound (a bug: see the log)";
		log_error("hv: snapshot section type %u version %u outgrew its %llu bytes", type,
			  version, (unsigned long long)o->cap);
		snap_store_section_end(j->s, type, version, 0);
		return -1;
	}
	snap_store_section_end(j->s, type, version, o->len);
	return 0;
}

static int put_vm_section(struct section_job *j, struct vm *vm, uint64_t now)
{
	struct snap_out o;
	struct snap_vm info;

	memset(&info, 0, sizeof(info));
	info.cfg = vm->cfg;
	/* The settings as they are now, not as hv.cfg gave them: a restore starts with these. */
	if (!vmctl_format(&vm->vmctl, info.cfg.vmctl, sizeof(info.cfg.vmctl)) && !vmctl_empty(&vm->vmctl))
		return -1; /* never: every setting at once fits (tests/unit/test_vmctl.c) */
	info.clock_ticks = now - vm->start_tsc;
	info.tsc_hz = timer_tsc_hz();
	if (!section_open(j, &o, SNAP_VM_PAYLOAD_MAX))
		return -1;
	snap_vm_put(&o, &info);
	return section_close(j, &o, SNAP_SEC_VM, SNAP_VM_VERSION);
}

static int put_vcpu_section(struct section_job *j, uint32_t index, const struct vcpu_saved *saved)
{
	struct snap_out o;

	if (!section_open(j, &o, SNAP_VCPU_PAYLOAD_MAX))
		return -1;
	snap_vcpu_put(&o, index, saved);
	return section_close(j, &o, SNAP_SEC_VCPU, SNAP_VCPU_VERSION);
}

/* A device section: u8 name length, the name, u32 instance (the vCPU for a per-vCPU device), its codec's payload. */
static int put_device_section(struct section_job *j, const struct vm_device *d,
			      const struct snap_dev_codec *codec, uint32_t instance, const void *state)
{
	struct snap_out o;
	size_t n = strlen(d->name);

	if (!section_open(j, &o, DEVICE_PAYLOAD_MAX))
		return -1;
	snap_put8(&o, (uint8_t)n);
	snap_put_bytes(&o, d->name, n);
	snap_put32(&o, instance);
	codec->put(&o, state);
	return section_close(j, &o, SNAP_SEC_DEVICE, codec->version);
}

/* The codec of table entry d, checked against it; NULL for a device without state. */
static const struct snap_dev_codec *codec_of(const struct vm_device *d, const char **why)
{
	const struct snap_dev_codec *codec;

	*why = NULL;
	if (!d->state_size)
		return NULL;
	codec = snap_dev_codec_find(d->name);
	if (!codec || codec->state_size != d->state_size)
		*why = "a device has no snapshot codec that fits it (a bug)";
	return codec;
}

static int put_device_sections(struct section_job *j, struct vm *vm)
{
	unsigned i;
	uint32_t k;

	for (i = 0; i < vm_device_count; i++) {
		const struct vm_device *d = &vm_device_table[i];
		const struct snap_dev_codec *codec = codec_of(d, &j->why);

		if (j->why)
			return -1;
		if (!codec)
			continue;
		for (k = 0; k < (d->per_vcpu ? vm->vcpu_count : 1); k++)
			if (put_device_section(j, d, codec, k,
					       vm_device_state(d, vm, d->per_vcpu ? vm->vcpus[k] : NULL)))
				return -1;
	}
	return 0;
}

uint8_t *snap_guest_page(void *vm, uint64_t gpa)
{
	return vm_gpa_to_hva(vm, gpa);
}

static int put_ram_sections(struct section_job *j, struct vm *vm, struct snap_result *res)
{
	uint64_t gpa, next_progress = PROGRESS_EVERY;

	for (gpa = 0; gpa < vm->ram_bytes; gpa += VM_RAM_CHUNK) {
		uint64_t left = (vm->ram_bytes - gpa) / SNAP_RAM_PAGE;
		uint32_t pages = left < SNAP_RAM_RUN_PAGES ? (uint32_t)left : SNAP_RAM_RUN_PAGES;
		struct snap_out o;

		if (!section_open(j, &o, SNAP_RAM_PAYLOAD_MAX))
			return -1;
		res->zero_pages += snap_ram_put(&o, gpa, pages, snap_guest_page, vm);
		res->ram_pages += pages;
		if (section_close(j, &o, SNAP_SEC_RAM, SNAP_RAM_VERSION))
			return -1;
		if (gpa + VM_RAM_CHUNK >= next_progress && gpa + VM_RAM_CHUNK < vm->ram_bytes) {
			log_info("hv: saving guest %s: %llu of %llu MiB of RAM", vm->name,
				 (unsigned long long)((gpa + VM_RAM_CHUNK) >> 20),
				 (unsigned long long)(vm->ram_bytes >> 20));
			next_progress += PROGRESS_EVERY;
		}
	}
	return 0;
}

/*
 * Every vCPU's state into saved[]: vCPUs of this CPU here, the others by
 * their own CPUs. 0, or -1 with *why.
 */
static int capture_vcpus(struct vm *vm, struct vcpu_saved *saved, const char **why)
{
	uint64_t deadline;
	uint32_t i;
	int rc = 0;

	for (i = 0; i < vm->vcpu_count; i++) {
		struct vcpu *v = vm->vcpus[i];

		if (v->cpu == cpu_index()) {
			/* This CPU runs the console domain now: its FPU and MSRs are not v's. */
			spin_lock(&vm->lock);
			v->saved = vcpu_state_capture(v, false, &saved[i]) ? -1 : 1;
			spin_unlock(&vm->lock);
			continue;
		}
		spin_lock(&vm->lock);
		v->save_to = &saved[i];
		v->saved = 0;
		spin_unlock(&vm->lock);
		vcpu_request(v, VCPU_REQ_SAVE_STATE);
	}
	deadline = rdtsc() + timer_tsc_hz() / 1000000ULL * CAPTURE_TIMEOUT_US;
	for (i = 0; i < vm->vcpu_count; i++) {
		struct vcpu *v = vm->vcpus[i];

		while (!__atomic_load_n(&v->saved, __ATOMIC_ACQUIRE) && rdtsc() < deadline)
			cpu_pause();
		spin_lock(&vm->lock);
		if (v->saved != 1) {
			*why = v->saved ? "a vCPU's state could not be read from its VMCS"
					: "a vCPU's CPU did not answer";
			rc = -1;
		}
		v->save_to = NULL; /* a late answer finds nowhere to write */
		spin_unlock(&vm->lock);
	}
	return rc;
}

/* The VM, vCPU and device sections, then RAM unless with_ram is false (a clone shares its source's). */
static int write_snapshot(struct section_job *j, struct vm *vm, bool with_ram, struct snap_result *res)
{
	struct vcpu_saved *saved = kzalloc(vm->vcpu_count * sizeof(*saved));
	uint32_t i;
	int rc = -1;

	if (!saved) {
		j->why = "out of memory for the vCPUs' state";
		return -1;
	}
	if (capture_vcpus(vm, saved, &j->why) || put_vm_section(j, vm, rdtsc()))
		goto out;
	for (i = 0; i < vm->vcpu_count; i++)
		if (put_vcpu_section(j, i, &saved[i]))
			goto out;
	rc = put_device_sections(j, vm) || (with_ram && put_ram_sections(j, vm, res)) ? -1 : 0;
out:
	kfree(saved);
	return rc;
}

/* An upper bound on the snapshot of vm (no page zero), checked before it is paused. */
static uint64_t size_bound(const struct vm *vm)
{
	uint64_t sections = 1 + vm->vcpu_count * 2 + vm_device_count + vm->ram_chunk_count;

	return SNAP_HEADER_BYTES + sections * (PAGE_SIZE + SNAP_SECTION_HEADER_BYTES) +
	       vm->vcpu_count * SNAP_VCPU_PAYLOAD_MAX + vm_device_count * DEVICE_PAYLOAD_MAX +
	       vm->ram_chunk_count * (uint64_t)SNAP_RAM_PAYLOAD_MAX;
}

/* The guest paused and off every CPU, for a copy of it that holds still; returns its state before. */
static enum vm_state pause_for_copy(struct vm *vm)
{
	enum vm_state before;
	uint32_t i;

	spin_lock(&vm->lock);
	before = vm->state;
	if (before == VM_RUNNING || before == VM_HALTED)
		vm->state = VM_PAUSED;
	for (i = 0; i < vm->vcpu_count; i++)
		sched_kick(vm->vcpus[i]);
	spin_unlock(&vm->lock);
	sched_wait_vm_off_cpus(vm);
	return before;
}

/* Lets it go on as it was, unless stay_paused (or the operator's pause came first). */
static void resume_after_copy(struct vm *vm, enum vm_state before, bool stay_paused)
{
	uint32_t i;

	spin_lock(&vm->lock);
	if (!stay_paused && vm->state == VM_PAUSED)
		vm->state = before;
	for (i = 0; i < vm->vcpu_count; i++)
		sched_kick(vm->vcpus[i]);
	spin_unlock(&vm->lock);
	vm_unclaim_end(vm);
}

static struct vm *claim_for_save(uint32_t id, const char **why)
{
	struct vm *vm;

	vm_table_lock();
	vm = vm_by_id(id);
	if (!vm)
		*why = "no guest has that id";
	else if (vm->is_console)
		*why = "the console domain cannot be saved";
	else if (!vm_is_live(vm))
		*why = "the guest is not running";
	else if (!vm_claim_end(vm))
		*why = "the guest is being destroyed or restarted";
	else
		*why = NULL;
	vm_table_unlock();
	return *why ? NULL : vm;
}

int snap_save(uint32_t id, const char *name, bool stay_paused, bool live, struct snap_result *res,
	      const char **why)
{
	static char text[96];
	struct section_job job = { NULL, NULL };
	enum vm_state before;
	uint64_t t0, need, free_bytes;
	struct vm *vm;
	int rc;

	memset(res, 0, sizeof(*res));
	if (name[0] == '.') {
		*why = "a snapshot name may not start with '.'";
		return -1;
	}
	snap_lock();
	vm = claim_for_save(id, why);
	if (!vm)
		goto refused;
	/*
	 * The claim is kept until the copy is done, also for a live save while
	 * the guest runs on: a reset it asks for meanwhile waits for the end.
	 */
	need = size_bound(vm);
	free_bytes = phys_free_pages() * PAGE_SIZE;
	if (free_bytes < need + FREE_MEMORY_KEPT) {
		hv_snprintf(text, sizeof(text), "the snapshot may need %llu MiB and %llu MiB are free",
			    (unsigned long long)((need + FREE_MEMORY_KEPT) >> 20),
			    (unsigned long long)(free_bytes >> 20));
		*why = text;
		goto unclaim;
	}
	job.s = snap_store_begin(name, vm->name, live ? "live" : "stop", host_unix_time(), why);
	if (!job.s)
		goto unclaim;

	t0 = rdtsc();
	before = pause_for_copy(vm);
	rc = write_snapshot(&job, vm, !live, res);
	if (!rc && live && snap_live_arm(vm, job.s, &job.why))
		rc = -1;
	resume_after_copy(vm, before, stay_paused);
	res->pause_us = tsc_to_us(rdtsc() - t0);
	if (!rc && live) {
		struct snap_live_result lr;

		rc = snap_live_copy(vm, &lr, &job.why);
		res->ram_pages = lr.ram_pages;
		res->zero_pages = lr.zero_pages;
		res->trapped_pages = lr.trapped_pages;
	}
	res->total_us = tsc_to_us(rdtsc() - t0);
	if (rc) {
		snap_store_abort(job.s);
		*why = job.why;
		snap_unlock();
		return -1;
	}
	snap_store_commit(job.s);
	res->bytes = job.s->bytes;
	log_info("hv: guest %s (id %u) saved as %s: %llu bytes, paused %llu us", vm->name, vm->id,
		 name, (unsigned long long)res->bytes, (unsigned long long)res->pause_us);
	snap_unlock();
	return 0;
unclaim:
	vm_unclaim_end(vm);
refused:
	snap_unlock();
	return -1;
}

/*
 * A clone: the source paused, its vCPUs and devices copied into a snapshot
 * without RAM (the store's, for the moment, under a name no operator can
 * give), its RAM made read-only, and a new guest created from that
 * snapshot mapping the same RAM read-only; then the source goes on and the
 * snapshot goes. Each of the two gets its own copy of a 2 MiB chunk on its
 * first write to it (vmm/core/mem_track.c).
 */
int snap_clone(uint32_t id, const char *as, uint32_t *new_id, uint64_t *pause_us, const char **why)
{
	struct section_job job = { NULL, NULL };
	struct snap_result res;
	enum vm_state before;
	uint64_t t0;
	struct vm *vm;
	int rc;

	memset(&res, 0, sizeof(res));
	snap_lock();
	vm = claim_for_save(id, why);
	if (!vm)
		goto out;
	if (vm->vcpu_count != 1) {
		/* mem_track.c's TLB argument holds for one vCPU per VM (see there). */
		*why = "only a guest with one vCPU can be cloned";
		vm_unclaim_end(vm);
		vm = NULL;
		goto out;
	}
	job.s = snap_store_begin(".clone", vm->name, "clone", host_unix_time(), why);
	if (!job.s) {
		vm_unclaim_end(vm);
		vm = NULL;
		goto out;
	}
	t0 = rdtsc();
	before = pause_for_copy(vm);
	rc = write_snapshot(&job, vm, false, &res);
	if (rc) {
		*why = job.why;
	} else {
		snap_store_commit(job.s);
		spin_lock(&vm->lock);
		rc = mem_track_share_all(vm);
		spin_unlock(&vm->lock);
		if (rc)
			*why = "the guest's RAM could not be made read-only";
		else
			rc = snap_restore_locked(job.s, as, vm, new_id, why);
	}
	resume_after_copy(vm, before, false);
	*pause_us = tsc_to_us(rdtsc() - t0);
	snap_store_abort(job.s);
	snap_unlock();
	return rc;
out:
	snap_unlock();
	return -1;
}
