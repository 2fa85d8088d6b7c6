/*
 * The VM section's encoder and decoder (see snap_vm.h). The decoder only
 * takes a configuration hv.cfg could have given: vm_create judges it again,
 * but a string without its NUL or a CPU list longer than its array would
 * already be out of bounds.
 */
#include "vmm/snapshot/snap_vm.h"

#include "lib/string.h"

static void put_string(struct snap_out *o, const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n >= max)
		n = max - 1;
	snap_put16(o, (uint16_t)n);
	snap_put_bytes(o, s, n);
}

/* false if it does not fit in max bytes with its NUL, or holds a NUL. */
static bool get_string(struct snap_in *in, char *s, size_t max)
{
	size_t n = snap_get16(in), i;

	if (n >= max)
		return false;
	snap_get_bytes(in, s, n);
	s[n] = '\0';
	for (i = 0; i < n; i++)
		if (!s[i])
			return false;
	return true;
}

void snap_vm_put(struct snap_out *o, const struct snap_vm *vm)
{
	const struct hvcfg_guest *c = &vm->cfg;
	unsigned i;

	put_string(o, c->name, sizeof(c->name));
	put_string(o, c->kernel, sizeof(c->kernel));
	put_string(o, c->initrd, sizeof(c->initrd));
	put_string(o, c->cmdline, sizeof(c->cmdline));
	snap_put64(o, c->memory_bytes);
	snap_put32(o, c->vcpus);
	snap_put8(o, c->type);
	snap_put64(o, c->load_addr);
	snap_put8(o, c->cpu_count);
	for (i = 0; i < c->cpu_count && i < HVCFG_CPUS_MAX; i++)
		snap_put8(o, c->cpus[i]);
	put_string(o, c->vmctl, sizeof(c->vmctl));
	snap_put64(o, vm->clock_ticks);
	snap_put64(o, vm->tsc_hz);
}

const char *snap_vm_get(const void *payload, size_t len, struct snap_vm *out)
{
	struct snap_vm vm;
	struct hvcfg_guest *c = &vm.cfg;
	struct snap_in in;
	unsigned i;

	memset(&vm, 0, sizeof(vm));
	snap_in_init(&in, payload, len);
	if (!get_string(&in, c->name, sizeof(c->name)) || !get_string(&in, c->kernel, sizeof(c->kernel)) ||
	    !get_string(&in, c->initrd, sizeof(c->initrd)) ||
	    !get_string(&in, c->cmdline, sizeof(c->cmdline)))
		return in.overrun ? "VM section is truncated" : "VM section has a malformed name or path";
	c->memory_bytes = snap_get64(&in);
	c->vcpus = snap_get32(&in);
	c->type = snap_get8(&in);
	c->load_addr = snap_get64(&in);
	c->cpu_count = snap_get8(&in);
	if (c->cpu_count > HVCFG_CPUS_MAX)
		return in.overrun ? "VM section is truncated" : "VM section lists too many CPUs";
	for (i = 0; i < c->cpu_count; i++)
		c->cpus[i] = snap_get8(&in);
	if (!get_string(&in, c->vmctl, sizeof(c->vmctl)))
		return in.overrun ? "VM section is truncated" : "VM section has malformed vmctl settings";
	vm.clock_ticks = snap_get64(&in);
	vm.tsc_hz = snap_get64(&in);
	if (!snap_in_done(&in))
		return in.overrun ? "VM section is truncated" : "VM section is longer than its fields";
	if (!c->name[0])
		return "VM section has no guest name";
	if (c->vcpus < 1 || c->vcpus > HVCFG_VCPUS_MAX)
		return "VM section's vCPU count is out of range";
	*out = vm;
	return NULL;
}
