/*
 * Guests started from a snapshot, and the store's list, delete and test
 * knob (see snap_save.h). The stream is checked whole (every CRC) before a
 * guest is created; its sections then fill that guest in place of its
 * image, and one that does not decode ends it before it ever ran.
 */
#include "vmm/snapshot/snap_save.h"

#include "arch/x86/cpu.h"
#include "arch/x86/fpu.h"
#include "drivers/timer.h"
#include "lib/log.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/heap.h"
#include "vmm/core/vm.h"
#include "vmm/exit/vcpu_state.h"
#include "vmm/platform/vm_devices.h"
#include "vmm/snapshot/snap_dev.h"
#include "vmm/snapshot/snap_ram.h"
#include "vmm/snapshot/snap_store.h"
#include "vmm/snapshot/snap_vcpu.h"
#include "vmm/snapshot/snap_vm.h"

struct restore {
	const struct snapshot *s;
	bool ram_shared;          /* a clone: its RAM is its source's, the snapshot holds none */
	struct snap_vm info;
	struct vcpu_saved *saved; /* one per vCPU, from the vCPU sections */
	uint32_t vcpus_seen;      /* bit per vCPU */
	uint32_t devices_seen;    /* device sections read */
	uint64_t ram_pages_seen;
};

/* The guest's clock goes on from the save: its start moves so that it now reads what it read then. */
static void set_clock(struct vm *vm, const struct snap_vm *info)
{
	uint64_t hz = timer_tsc_hz(), ticks = info->clock_ticks;

	/* Another TSC rate (a snapshot from another machine, later): the same time in this one's ticks. */
	if (info->tsc_hz && hz && info->tsc_hz != hz)
		ticks = ticks / info->tsc_hz * hz + ticks % info->tsc_hz * hz / info->tsc_hz;
	vm->start_tsc = rdtsc() - ticks;
}

static const char *fill_vcpu_section(struct restore *r, struct vm *vm, const struct snap_section *sec)
{
	static struct vcpu_saved one;
	uint32_t index;
	const char *why;

	if (sec->version != SNAP_VCPU_VERSION)
		return "vCPU section version not supported";
	why = snap_vcpu_get(sec->payload, (size_t)sec->length, fpu_xcr0_supported(), &index, &one);
	if (why)
		return why;
	if (index >= vm->vcpu_count || (r->vcpus_seen & (1U << index)))
		return "vCPU section for a vCPU the guest does not have, or twice";
	r->saved[index] = one;
	r->vcpus_seen |= 1U << index;
	return NULL;
}

static const char *fill_device_section(struct restore *r, struct vm *vm, const struct snap_section *sec)
{
	char name[32];
	struct snap_in in;
	const struct snap_dev_codec *codec;
	const struct vm_device *d = NULL;
	uint32_t instance;
	size_t n;
	unsigned i;
	const char *why;

	snap_in_init(&in, sec->payload, (size_t)sec->length);
	n = snap_get8(&in);
	if (n >= sizeof(name))
		return "device section with a name too long";
	snap_get_bytes(&in, name, n);
	name[n] = '\0';
	instance = snap_get32(&in);
	if (in.overrun)
		return "device section is truncated";
	for (i = 0; i < vm_device_count && !d; i++)
		if (!strcmp(vm_device_table[i].name, name))
			d = &vm_device_table[i];
	codec = d ? snap_dev_codec_find(name) : NULL;
	if (!d || !codec || codec->state_size != d->state_size || !d->state_size)
		return "device section for a device this hypervisor does not have";
	if (instance >= (d->per_vcpu ? vm->vcpu_count : 1))
		return "device section for an instance the guest does not have";
	/* The rest of the payload is the codec's: it reads a copy and changes the device only when all is well. */
	snap_in_init(&in, sec->payload + in.pos, (size_t)sec->length - in.pos);
	why = codec->get(&in, sec->version, vm_device_state(d, vm, d->per_vcpu ? vm->vcpus[instance] : NULL));
	if (why)
		return why;
	r->devices_seen++;
	return NULL;
}

static const char *fill_ram_section(struct restore *r, struct vm *vm, const struct snap_section *sec)
{
	uint64_t gpa;
	uint32_t count;
	const char *why;

	if (sec->version != SNAP_RAM_VERSION)
		return "RAM section version not supported";
	why = snap_ram_check(sec->payload, (size_t)sec->length, vm->ram_bytes, &gpa, &count);
	if (why)
		return why;
	snap_ram_load(sec->payload, (size_t)sec->length, snap_guest_page, vm);
	r->ram_pages_seen += count;
	return NULL;
}

/* How many device sections a complete snapshot of vm holds. */
static uint32_t devices_expected(const struct vm *vm)
{
	uint32_t n = 0;
	unsigned i;

	for (i = 0; i < vm_device_count; i++)
		if (vm_device_table[i].state_size)
			n += vm_device_table[i].per_vcpu ? vm->vcpu_count : 1;
	return n;
}

/* vm_filler.fill_vm: the clock, then every section after the VM's own. */
static int fill_vm(struct vm *vm, void *ctx, const char **why)
{
	struct restore *r = ctx;
	struct snap_cursor c;
	struct snap_section sec;
	int rc;

	set_clock(vm, &r->info);
	snap_store_rewind(&c, r->s);
	if (snap_store_next(&c, &sec, why) != 1) /* the VM section, read already */
		return -1;
	while ((rc = snap_store_next(&c, &sec, why)) > 0) {
		switch (sec.type) {
		case SNAP_SEC_VCPU:
			*why = fill_vcpu_section(r, vm, &sec);
			break;
		case SNAP_SEC_DEVICE:
			*why = fill_device_section(r, vm, &sec);
			break;
		case SNAP_SEC_RAM:
			*why = r->ram_shared ? "a clone's snapshot holds RAM" : fill_ram_section(r, vm, &sec);
			break;
		default:
			*why = "a section of a type this hypervisor does not know";
			break;
		}
		if (*why)
			return -1;
	}
	if (rc < 0)
		return -1;
	if (r->vcpus_seen != (1U << vm->vcpu_count) - 1U)
		*why = "the snapshot lacks a vCPU's state";
	else if (r->devices_seen != devices_expected(vm))
		*why = "the snapshot lacks a device's state";
	else if (!r->ram_shared && r->ram_pages_seen != vm->ram_bytes / SNAP_RAM_PAGE)
		*why = "the snapshot's RAM does not cover the guest's";
	else
		*why = NULL;
	vm->timers_dirty = true;
	return *why ? -1 : 0;
}

/* vm_filler.fill_vcpu: v's VMCS is set up and current. */
static int fill_vcpu(struct vcpu *v, void *ctx, const char **why)
{
	struct restore *r = ctx;

	if (vcpu_state_apply(v, &r->saved[v->id])) {
		*why = "a vCPU's state could not be written into its VMCS";
		return -1;
	}
	return 0;
}

/* The first section, the VM's: its configuration and clock. */
static const char *read_vm_section(struct restore *r)
{
	struct snap_cursor c;
	struct snap_section sec;
	const char *why = NULL;

	snap_store_rewind(&c, r->s);
	if (snap_store_next(&c, &sec, &why) != 1)
		return why ? why : "the snapshot is empty";
	if (sec.type != SNAP_SEC_VM)
		return "the snapshot does not start with its VM section";
	if (sec.version != SNAP_VM_VERSION)
		return "VM section version not supported";
	return snap_vm_get(sec.payload, (size_t)sec.length, &r->info);
}

/*
 * A guest from snapshot s, called `as` (or its saved name); with `share`,
 * a clone whose RAM is share's. The store's lock is held. 0 and *id, or -1
 * with *why.
 */
int snap_restore_locked(const struct snapshot *s, const char *as, struct vm *share, uint32_t *id,
			const char **why)
{
	static char text[128];
	struct restore r;
	struct vm_filler filler = { fill_vm, fill_vcpu, &r, share };
	struct vm *vm;

	memset(&r, 0, sizeof(r));
	r.s = s;
	r.ram_shared = share != NULL;
	*why = snap_store_verify(s);
	if (!*why)
		*why = read_vm_section(&r);
	if (*why) {
		hv_snprintf(text, sizeof(text), "snapshot %s is corrupt: %s", s->name, *why);
		*why = text;
		return -1;
	}
	if (as && as[0]) {
		if (strlen(as) >= sizeof(r.info.cfg.name)) {
			*why = "the new name is too long";
			return -1;
		}
		memcpy(r.info.cfg.name, as, strlen(as) + 1);
	}
	r.info.cfg.autostart = true;
	r.saved = kzalloc(r.info.cfg.vcpus * sizeof(*r.saved));
	if (!r.saved) {
		*why = "out of memory for the vCPUs' state";
		return -1;
	}
	vm = vm_create_from(&r.info.cfg, &filler, why);
	kfree(r.saved);
	if (!vm)
		return -1;
	*id = vm->id;
	log_info("hv: guest %s (id %u) %s from snapshot %s", vm->name, vm->id,
		 share ? "cloned" : "restored", s->name);
	return 0;
}

int snap_restore(const char *name, const char *as, uint32_t *id, const char **why)
{
	const struct snapshot *s;
	int rc = -1;

	snap_lock();
	s = snap_store_find(name);
	if (!s)
		*why = "no snapshot of that name";
	else
		rc = snap_restore_locked(s, as, NULL, id, why);
	snap_unlock();
	return rc;
}

int snap_delete(const char *name)
{
	int rc;

	snap_lock();
	rc = snap_store_delete(name);
	snap_unlock();
	return rc;
}

size_t snap_list(char *out, size_t size)
{
	size_t at = 0;
	unsigned i;

	snap_lock();
	for (i = 0; i < SNAP_STORE_MAX && at < size; i++) {
		const struct snapshot *s = snap_store_at(i);

		if (s)
			at += (size_t)hv_snprintf(out + at, size - at, "%s %s %llu %llu %s\n", s->name,
						  s->guest, (unsigned long long)s->bytes,
						  (unsigned long long)s->created, s->method);
	}
	snap_unlock();
	return at < size ? at : size;
}

int snap_corrupt(const char *name, uint64_t off, const char **why)
{
	struct snapshot *s;
	int rc = -1;

	snap_lock();
	s = snap_store_find(name);
	if (!s)
		*why = "no snapshot of that name";
	else if (snap_store_flip(s, off, 0xff))
		*why = "the offset is past the snapshot's end";
	else
		rc = 0;
	snap_unlock();
	return rc;
}
