/*
 * Management hypercalls: what the console domain asks of the core. Only the
 * console domain may call them (hypercall.c checks that first); here every
 * argument is checked before use: ids must name a guest, buffers must lie
 * in the caller's RAM clear of its devices, lengths must be in range. A bad
 * call returns an error code and changes nothing. Runs in VMX root with the
 * caller's VMCS current and none of the locks of vmm/core/vm.h held (the
 * caller's own VM lock included: hypercall.c drops it), so a call may take
 * them in their order, whichever guest it names, the caller itself too.
 */
#include "vmm/mgmt/mgmt.h"

#include "arch/x86/cpu.h"
#include "drivers/power.h"
#include "drivers/timer.h"
#include "lib/log.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/phys.h"
#include "vmm/mgmt/create_spec.h"
#include "vmm/mgmt/hc_check.h"
#include "vmm/mgmt/mgmt_args.h"
#include "vmm/mgmt/mgmt_snap.h"
#include "vmm/mgmt/mgmt_vmctl.h"
#include "vmm/core/hv.h"
#include "vmm/core/mem_track.h"
#include "vmm/abi/hypercall_abi.h"
#include "vmm/abi/hypercall_types.h"
#include "vmm/boot/images.h"
#include "vmm/core/operator.h"
#include "vmm/core/sched.h"
#include "vmm/core/vm.h"
#include "vmm/platform/vm_devices.h"

#define IO_MAX 4096          /* bytes moved by one console read or write */
#define TIMEOUT_MAX_US 10000000ULL

_Static_assert(HV_EXIT_REASONS == EXIT_REASON_MAX + 1, "hv_vm_stats covers every exit reason");
_Static_assert(HV_NAME_MAX == HVCFG_NAME_MAX, "names fit both ways");
_Static_assert(HV_VCPUS_MAX == VM_MAX_VCPUS, "hv_vm_info has a slot for every vCPU");
_Static_assert((int)HV_VM_RUNNING == (int)VM_RUNNING && (int)HV_VM_PAUSED == (int)VM_PAUSED &&
		       (int)HV_VM_HALTED == (int)VM_HALTED && (int)HV_VM_STOPPED == (int)VM_STOPPED &&
		       (int)HV_VM_CRASHED == (int)VM_CRASHED && (int)HV_VM_CREATING == (int)VM_CREATING,
	       "HC_VM_INFO reports enum vm_state as it is");

static uint64_t tsc_to_ns(uint64_t ticks)
{
	uint64_t khz = timer_tsc_hz() / 1000;

	return ticks / khz * 1000000ULL + ticks % khz * 1000000ULL / khz;
}

static int64_t put(struct vcpu *caller, uint64_t gpa, const void *src, uint64_t len)
{
	return vm_copy_to_guest(caller->vm, gpa, src, len) ? -HV_EFAULT : 0;
}

/* The guest an id names, or NULL (a bad id is never an index into anything). */
static struct vm *target(uint64_t id)
{
	return hc_check_u32(id) ? NULL : vm_by_id((uint32_t)id);
}

/*
 * The guest `id` names and a checked buffer of the caller's: 0, or the
 * error to return. A guest still being built has half its state set up:
 * only HC_VM_INFO (any_state) looks at it, everything else gets -EBUSY.
 */
static int target_and_buffer(struct vcpu *caller, uint64_t id, uint64_t gpa, uint64_t len,
			     uint64_t min, uint64_t max, struct vm **vm, bool any_state)
{
	int rc = mgmt_check_buffer(caller, gpa, len, min, max);

	if (rc)
		return rc;
	*vm = target(id);
	if (!*vm)
		return -HV_ENOENT;
	return !any_state && vm_is_creating(*vm) ? -HV_EBUSY : 0;
}

/* ------------------------------------------------------ the serial line --- */

static int64_t op_read(struct vcpu *caller, uint64_t gpa, uint64_t len, uint64_t timeout_us)
{
	char buf[256];
	size_t n;
	int rc = mgmt_check_buffer(caller, gpa, len, 1, IO_MAX);

	if (rc)
		return rc;
	if (timeout_us > TIMEOUT_MAX_US)
		return -HV_EINVAL;
	operator_poll();
	n = operator_read(buf, len < sizeof(buf) ? len : sizeof(buf));
	if (n)
		return put(caller, gpa, buf, n) ?: (int64_t)n;
	if (timeout_us) {
		/* Nothing yet: the vCPU sleeps until a byte arrives or the time is up. */
		spin_lock(&caller->vm->lock);
		caller->state = VCPU_BLOCKED;
		caller->wake_tsc = rdtsc() + timer_tsc_hz() / 1000000ULL * timeout_us;
		spin_unlock(&caller->vm->lock);
	}
	return 0;
}

static int64_t op_write(struct vcpu *caller, uint64_t gpa, uint64_t len)
{
	char buf[256];
	uint64_t done = 0;
	int rc = mgmt_check_buffer(caller, gpa, len, 1, IO_MAX);

	if (rc)
		return rc;
	while (done < len) {
		uint64_t n = len - done < sizeof(buf) ? len - done : sizeof(buf);

		vm_copy_from_guest(caller->vm, buf, gpa + done, n);
		operator_write(buf, n);
		done += n;
	}
	return (int64_t)len;
}

/* ------------------------------------------------------------- guests --- */

static int64_t vm_list(struct vcpu *caller, uint64_t gpa, uint64_t max)
{
	uint32_t ids[VM_MAX], n = 0, i, j;
	int rc;

	if (max > VM_MAX)
		max = VM_MAX;
	rc = mgmt_check_buffer(caller, gpa, max * sizeof(uint32_t), sizeof(uint32_t), VM_MAX * 4);
	if (rc)
		return rc;
	for (i = 0; i < VM_MAX; i++) {
		struct vm *vm = vm_by_index(i);

		if (!vm)
			continue;
		/* Ascending ids: insertion into the short sorted list. */
		for (j = n; j > 0 && ids[j - 1] > vm->id; j--)
			ids[j] = ids[j - 1];
		ids[j] = vm->id;
		n++;
	}
	if (n > max)
		n = (uint32_t)max;
	return put(caller, gpa, ids, n * sizeof(uint32_t)) ?: n;
}

static int64_t vm_info(struct vcpu *caller, uint64_t id, uint64_t gpa, uint64_t len)
{
	struct hv_vm_info info;
	struct vm *vm;
	uint64_t run = 0;
	uint32_t i;
	int rc = target_and_buffer(caller, id, gpa, len, sizeof(info), sizeof(info), &vm, true);

	if (rc)
		return rc;
	memset(&info, 0, sizeof(info));
	info.id = vm->id;
	info.state = (uint32_t)vm_state_now(vm);
	info.vcpus = vm->vcpu_count;
	info.flags = vm->is_console ? HV_VM_FLAG_CONSOLE : 0;
	memcpy(info.name, vm->name, sizeof(info.name));
	info.memory_bytes = vm->ram_bytes;
	info.shared_bytes = mem_track_shared_bytes(vm);
	for (i = 0; i < vm->vcpu_count; i++) {
		run += vm->vcpus[i]->run_tsc;
		info.exits += vm->vcpus[i]->exits_total;
		info.pinned_cpu[i] = (int32_t)vm->vcpus[i]->cpu;
	}
	info.cpu_ns = tsc_to_ns(run);
	info.uptime_ns = vm_now_ns(vm);
	info.bad_hypercalls = vm->bad_hypercalls;
	info.console_bytes = vm->console.head;
	memcpy(info.kernel, vm->cfg.kernel, sizeof(info.kernel));
	memcpy(info.end_reason, vm->end_reason, sizeof(info.end_reason));
	return put(caller, gpa, &info, sizeof(info));
}

static bool image_known(const char *name, void *ctx)
{
	struct image img;

	(void)ctx;
	return image_find(name, &img) == 0;
}

static bool name_in_use(const char *name)
{
	bool used = false;
	uint32_t i;

	vm_table_lock(); /* slots change under it: a guest found here is not freed meanwhile */
	for (i = 0; i < VM_MAX && !used; i++) {
		struct vm *vm = vm_by_index(i);

		used = vm && !strcmp(vm->name, name);
	}
	vm_table_unlock();
	return used;
}

static int64_t vm_create_call(struct vcpu *caller, uint64_t gpa, uint64_t len, uint64_t err_gpa,
			      uint64_t err_len)
{
	char spec[CREATE_SPEC_MAX], err[160] = "";
	struct hvcfg_guest cfg;
	const char *why;
	struct vm *vm;
	int64_t ret;
	int rc = mgmt_check_buffer(caller, gpa, len, 1, CREATE_SPEC_MAX);

	if (!rc)
		rc = mgmt_check_buffer(caller, err_gpa, err_len, 1, sizeof(err));
	if (rc)
		return rc;
	vm_copy_from_guest(caller->vm, spec, gpa, len);
	if (create_spec_parse(spec, len, hv_config(), image_known, NULL, &cfg, err, sizeof(err))) {
		ret = -HV_EINVAL;
	} else if (cfg.vmctl[0] && mgmt_vmctl_check(cfg.vmctl, err, sizeof(err))) {
		ret = -HV_EINVAL; /* the line vm_create would only log */
	} else if (name_in_use(cfg.name)) {
		hv_snprintf(err, sizeof(err), "a guest called '%s' exists already (destroy it first)",
			    cfg.name);
		ret = -HV_EBUSY;
	} else if (cfg.memory_bytes > phys_free_pages() * PAGE_SIZE) {
		hv_snprintf(err, sizeof(err), "guest '%s' needs %llu MiB, only %llu MiB are free",
			    cfg.name, (unsigned long long)(cfg.memory_bytes >> 20),
			    (unsigned long long)(phys_free_pages() * PAGE_SIZE >> 20));
		ret = -HV_ENOMEM;
	} else if (!(vm = vm_create(&cfg, &why))) {
		hv_snprintf(err, sizeof(err), "guest '%s' not created: %s", cfg.name, why);
		ret = -HV_ENOMEM;
	} else {
		return vm->id;
	}
	put(caller, err_gpa, err, strlen(err) + 1 <= err_len ? strlen(err) + 1 : err_len);
	return ret;
}

/* Pause, unpause, shutdown: a change of state under the guest's lock. Table lock held. */
static int64_t vm_control(struct vm *vm, uint64_t op)
{
	int64_t ret = 0;
	uint32_t i;

	spin_lock(&vm->lock);
	switch (op) {
	case HV_CTL_PAUSE:
		if (vm->state != VM_RUNNING && vm->state != VM_HALTED) {
			ret = -HV_EBUSY;
			break;
		}
		vm->state = VM_PAUSED;
		/* Its vCPUs leave their CPUs now rather than at the end of their slices. */
		for (i = 0; i < vm->vcpu_count; i++)
			sched_kick(vm->vcpus[i]);
		log_info("hv: guest %s (id %u) paused", vm->name, vm->id);
		break;
	case HV_CTL_UNPAUSE:
		if (vm->state != VM_PAUSED) {
			ret = -HV_EBUSY;
			break;
		}
		vm->state = VM_RUNNING;
		for (i = 0; i < vm->vcpu_count; i++)
			sched_kick(vm->vcpus[i]);
		log_info("hv: guest %s (id %u) unpaused", vm->name, vm->id);
		break;
	case HV_CTL_SHUTDOWN:
		if (vm->state != VM_RUNNING && vm->state != VM_HALTED) {
			ret = -HV_EBUSY;
			break;
		}
		vm_devices_power_button(vm);
		break;
	default:
		ret = -HV_EINVAL;
		break;
	}
	spin_unlock(&vm->lock);
	return ret;
}

/*
 * Destroy and reboot end a guest that may be running on other CPUs: it is
 * claimed under the table lock (so that it is ended once, whoever else
 * tries), then ended with the lock dropped (sched_destroy_vm waits for the
 * other CPUs).
 */
static int64_t vm_end_or_reboot(uint64_t id, uint64_t op)
{
	char name[HVCFG_NAME_MAX];
	struct vm *vm;
	uint64_t mib;
	uint32_t vm_id;

	vm_table_lock();
	vm = target(id);
	if (!vm) {
		vm_table_unlock();
		return -HV_ENOENT;
	}
	/* A guest being built is its creator's until it runs. */
	if (vm->is_console || vm_is_creating(vm) || (op == HV_CTL_REBOOT && !vm_is_live(vm)) ||
	    !vm_claim_end(vm)) {
		vm_table_unlock();
		return -HV_EBUSY;
	}
	vm_table_unlock();
	if (op == HV_CTL_REBOOT)
		return vm_reboot(vm, "rebooted by the operator") ? 0 : -HV_ENOMEM;
	spin_lock(&vm->lock);
	vm_end(vm, VM_STOPPED, "destroyed by the operator");
	spin_unlock(&vm->lock);
	vm_id = vm->id;
	mib = vm->ram_bytes >> 20;
	memcpy(name, vm->name, sizeof(name));
	sched_destroy_vm(vm);
	log_info("hv: guest %s (id %u) destroyed: %llu MiB freed", name, vm_id,
		 (unsigned long long)mib);
	return 0;
}

/* Reads a byte ring into the caller's struct hv_ring_read and the bytes after it. */
static int64_t ring_read_common(struct vcpu *caller, uint64_t gpa, uint64_t len, struct vm *vm)
{
	struct hv_ring_read hdr;
	char buf[IO_MAX];
	size_t n;
	uint64_t oldest;
	int rc = mgmt_check_buffer(caller, gpa, len, sizeof(hdr) + 1, sizeof(hdr) + IO_MAX);

	if (rc)
		return rc;
	vm_copy_from_guest(caller->vm, &hdr, gpa, sizeof(hdr));
	if (vm) {
		spin_lock(&vm->lock);
		oldest = logring_oldest(&vm->console);
		n = logring_read(&vm->console, hdr.from, buf, len - sizeof(hdr), &hdr.next);
		spin_unlock(&vm->lock);
	} else {
		n = log_ring_read(hdr.from, buf, len - sizeof(hdr), &hdr.next, &oldest);
	}
	hdr.lost = hdr.from < oldest ? oldest - hdr.from : 0;
	hdr.from = hdr.next - n;
	if (put(caller, gpa, &hdr, sizeof(hdr)) || put(caller, gpa + sizeof(hdr), buf, n))
		return -HV_EFAULT;
	return (int64_t)n;
}

static int64_t console_write(struct vcpu *caller, uint64_t id, uint64_t gpa, uint64_t len)
{
	char buf[IO_MAX];
	size_t n;
	struct vm *vm;
	int rc = target_and_buffer(caller, id, gpa, len, 1, IO_MAX, &vm, false);

	if (rc)
		return rc;
	if (vm->is_console)
		return -HV_EINVAL;
	vm_copy_from_guest(caller->vm, buf, gpa, len);
	spin_lock(&vm->lock);
	n = vm_console_input(vm, buf, len);
	spin_unlock(&vm->lock);
	return (int64_t)n;
}

static int64_t vcpu_info(struct vcpu *caller, uint64_t id, uint64_t index, uint64_t gpa,
			 uint64_t len)
{
	struct hv_vcpu_info info;
	struct vm *vm;
	struct vcpu *v;
	int rc = target_and_buffer(caller, id, gpa, len, sizeof(info), sizeof(info), &vm, false);

	if (rc)
		return rc;
	if (index >= vm->vcpu_count)
		return -HV_EINVAL;
	v = vm->vcpus[index];
	memset(&info, 0, sizeof(info));
	info.state = (uint32_t)v->state;
	info.cpu = v->cpu;
	vcpu_snapshot_regs(v, &info);
	info.exits = v->exits_total;
	info.cpu_ns = tsc_to_ns(v->run_tsc);
	return put(caller, gpa, &info, sizeof(info));
}

static int64_t vm_stats(struct vcpu *caller, uint64_t id, uint64_t gpa, uint64_t len)
{
	struct hv_vm_stats st;
	struct vm *vm;
	uint32_t i, r;
	int rc = target_and_buffer(caller, id, gpa, len, sizeof(st), sizeof(st), &vm, false);

	if (rc)
		return rc;
	memset(&st, 0, sizeof(st));
	st.tsc = rdtsc();
	st.tsc_khz = timer_tsc_hz() / 1000;
	for (i = 0; i < vm->vcpu_count; i++) {
		const struct vcpu *v = vm->vcpus[i];

		st.run_tsc += v->run_tsc;
		st.exits += v->exits_total;
		for (r = 0; r < HV_EXIT_REASONS; r++)
			st.by_reason[r] += v->exits[r];
	}
	return put(caller, gpa, &st, sizeof(st));
}

static int64_t host_info(struct vcpu *caller, uint64_t gpa, uint64_t len)
{
	struct hv_host_info info;
	uint32_t i;
	int rc = mgmt_check_buffer(caller, gpa, len, sizeof(info), sizeof(info));

	if (rc)
		return rc;
	memset(&info, 0, sizeof(info));
	info.tsc_khz = timer_tsc_hz() / 1000;
	info.tsc = rdtsc();
	info.ram_bytes = phys_ram_bytes();
	info.free_bytes = phys_free_pages() * PAGE_SIZE;
	info.cpus = hv_cpu_count();
	for (i = 0; i < VM_MAX; i++) {
		struct vm *vm = vm_by_index(i);

		if (vm) {
			info.guests++;
			info.bad_hypercalls += vm->bad_hypercalls;
		}
	}
	hv_snprintf(info.version, sizeof(info.version), "%s", HV_VERSION);
	return put(caller, gpa, &info, sizeof(info));
}

static int64_t vm_devices_text(struct vcpu *caller, uint64_t id, uint64_t gpa, uint64_t len)
{
	char text[IO_MAX];
	struct vm *vm;
	size_t n;
	int rc = target_and_buffer(caller, id, gpa, len, 1, IO_MAX, &vm, false);

	if (rc)
		return rc;
	n = vm_devices_describe(vm, text, len);
	return put(caller, gpa, text, n) ?: (int64_t)n;
}

static int64_t host_power(uint64_t op)
{
	if (op == HV_POWER_OFF) {
		log_info("hv: powering off (asked by the operator)");
		power_off();
	}
	if (op == HV_POWER_RESET) {
		log_info("hv: resetting the machine (asked by the operator)");
		power_reboot();
	}
	return -HV_EINVAL;
}

/* Calls about one guest, with the VM table locked so that the guest cannot be freed meanwhile. */
static int64_t guest_call(struct vcpu *caller, uint64_t nr, const uint64_t *a)
{
	switch (nr) {
	case HC_VM_LIST:
		return vm_list(caller, a[0], a[1]);
	case HC_VM_INFO:
		return vm_info(caller, a[0], a[1], a[2]);
	case HC_VM_CONTROL: {
		struct vm *vm = target(a[0]);

		if (!vm)
			return -HV_ENOENT;
		if (vm->is_console)
			return -HV_EBUSY; /* the operator would lose the prompt */
		return vm_control(vm, a[1]);
	}
	case HC_VM_CONSOLE_READ: {
		struct vm *vm = target(a[0]);

		if (!vm)
			return -HV_ENOENT;
		return vm_is_creating(vm) ? -HV_EBUSY : ring_read_common(caller, a[1], a[2], vm);
	}
	case HC_VM_CONSOLE_WRITE:
		return console_write(caller, a[0], a[1], a[2]);
	case HC_VCPU_INFO:
		return vcpu_info(caller, a[0], a[1], a[2], a[3]);
	case HC_VM_STATS:
		return vm_stats(caller, a[0], a[1], a[2]);
	case HC_HOST_INFO:
		return host_info(caller, a[0], a[1]);
	case HC_VM_DEVICES:
		return vm_devices_text(caller, a[0], a[1], a[2]);
	default:
		return -HV_ENOSYS;
	}
}

int64_t mgmt_call(struct vcpu *caller, uint64_t nr, const uint64_t *a)
{
	int64_t ret;

	switch (nr) {
	case HC_OP_READ:
		return op_read(caller, a[0], a[1], a[2]);
	case HC_OP_WRITE:
		return op_write(caller, a[0], a[1]);
	case HC_VM_CREATE:
		return vm_create_call(caller, a[0], a[1], a[2], a[3]);
	case HC_VM_CONTROL:
		if (a[1] == HV_CTL_DESTROY || a[1] == HV_CTL_REBOOT)
			return vm_end_or_reboot(a[0], a[1]);
		break;
	case HC_DMESG_READ:
		return ring_read_common(caller, a[0], a[1], NULL);
	case HC_HOST_POWER:
		return host_power(a[0]);
	case HC_SNAP_SAVE:
	case HC_SNAP_RESTORE:
	case HC_SNAP_LIST:
	case HC_SNAP_DELETE:
	case HC_SNAP_CORRUPT:
	case HC_VM_CLONE:
		return mgmt_snap_call(caller, nr, a);
	case HC_VMCTL_INFO:
	case HC_VMCTL_SET:
		return mgmt_vmctl_call(caller, nr, a);
	default:
		break;
	}
	vm_table_lock();
	ret = guest_call(caller, nr, a);
	vm_table_unlock();
	return ret;
}
