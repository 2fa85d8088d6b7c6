/*
 * HC_VMCTL_INFO and HC_VMCTL_SET: a guest's execution controls, trapped
 * exceptions and trap counts for `vmctl ID`, and changes to them. The
 * text of a change is judged by vmm/abi/vmctl.c against this CPU's
 * capability MSRs; the console domain's own controls are never changed
 * (the prompt runs in it). Runs as mgmt.c does: no lock held on entry,
 * then the table lock and the guest's lock in their order.
 */
#include "vmm/mgmt/mgmt_vmctl.h"

#include "lib/printf.h"
#include "lib/string.h"
#include "vmm/abi/hypercall_abi.h"
#include "vmm/abi/hypercall_types.h"
#include "vmm/core/sched.h"
#include "vmm/core/vcpu_setup.h"
#include "vmm/core/vm.h"
#include "vmm/core/vm_vmctl.h"
#include "vmm/mgmt/hc_check.h"
#include "vmm/mgmt/mgmt_args.h"

_Static_assert(HV_VMCTL_WORDS == VMCTL_WORDS, "hv_vmctl_info has every operator's control word");

/* The guest id names, table lock held: NULL and *rc, or the guest. */
static struct vm *find(uint64_t id, int64_t *rc)
{
	struct vm *vm = hc_check_u32(id) ? NULL : vm_by_id((uint32_t)id);

	*rc = !vm ? -HV_ENOENT : vm_is_creating(vm) ? -HV_EBUSY : 0;
	return *rc ? NULL : vm;
}

static void fill_info(struct vm *vm, struct hv_vmctl_info *info)
{
	struct vmctl_caps caps;
	const struct vcpu *v0 = vm->vcpus[0];
	uint32_t i, w;

	memset(info, 0, sizeof(*info));
	vm_vmctl_caps(&caps);
	info->base[VMCTL_PIN] = vcpu_pin_controls();
	info->base[VMCTL_PROC] = vcpu_proc_controls();
	info->base[VMCTL_PROC2] = vcpu_proc2_controls();
	spin_lock(&vm->lock);
	for (w = 0; w < VMCTL_WORDS; w++) {
		info->ctls[w] = v0->ctls[w];
		info->chosen[w] = vm->vmctl.set[w] | vm->vmctl.clear[w];
		info->must1[w] = caps.must1[w];
		info->may1[w] = caps.may1[w];
	}
	info->exception_bitmap = v0->exception_bitmap;
	info->tsc_offset = v0->tsc.offset;
	info->vcpus = vm->vcpu_count;
	for (i = 0; i < vm->vcpu_count; i++)
		for (w = 0; w < 32; w++)
			info->traps[w] += vm->vcpus[i]->traps[w];
	spin_unlock(&vm->lock);
	info->slice_us = SCHED_SLICE_US;
}

static int64_t info_call(struct vcpu *caller, uint64_t id, uint64_t gpa, uint64_t len)
{
	struct hv_vmctl_info info;
	struct vm *vm;
	int64_t rc = mgmt_check_buffer(caller, gpa, len, sizeof(info), sizeof(info));

	if (rc)
		return rc;
	vm_table_lock();
	vm = find(id, &rc);
	if (vm)
		fill_info(vm, &info);
	vm_table_unlock();
	if (rc)
		return rc;
	return vm_copy_to_guest(caller->vm, gpa, &info, sizeof(info)) ? -HV_EFAULT : 0;
}

static int64_t set_call(struct vcpu *caller, const uint64_t *a)
{
	char text[VMCTL_TEXT_MAX], err[MGMT_ERR_MAX] = "";
	struct vm *vm;
	int64_t rc = mgmt_check_buffer(caller, a[1], a[2], 1, sizeof(text));

	if (!rc)
		rc = mgmt_check_buffer(caller, a[3], a[4], 1, sizeof(err));
	if (rc)
		return rc;
	vm_copy_from_guest(caller->vm, text, a[1], a[2]);
	vm_table_lock();
	vm = find(a[0], &rc);
	if (vm && vm->is_console) {
		hv_snprintf(err, sizeof(err), "the console domain's controls are not changeable: it runs the prompt");
		rc = -HV_EPERM;
	} else if (vm && !vm_is_live(vm)) {
		hv_snprintf(err, sizeof(err), "guest %s has ended", vm->name);
		rc = -HV_EBUSY;
	} else if (vm) {
		spin_lock(&vm->lock);
		if (vm_vmctl_change(vm, text, (size_t)a[2], err, sizeof(err)))
			rc = -HV_EINVAL;
		spin_unlock(&vm->lock);
	}
	vm_table_unlock();
	if (rc && err[0])
		mgmt_put_error(caller, a[3], a[4], err);
	return rc;
}

int64_t mgmt_vmctl_call(struct vcpu *caller, uint64_t nr, const uint64_t *a)
{
	switch (nr) {
	case HC_VMCTL_INFO:
		return info_call(caller, a[0], a[1], a[2]);
	case HC_VMCTL_SET:
		return set_call(caller, a);
	default:
		return -HV_ENOSYS;
	}
}

int mgmt_vmctl_check(const char *text, char *err, size_t err_size)
{
	struct vmctl_caps caps;
	struct vmctl_set delta;
	char why[MGMT_ERR_MAX];

	vm_vmctl_caps(&caps);
	if (!vmctl_parse(text, strlen(text), &caps, &delta, why, sizeof(why)))
		return 0;
	hv_snprintf(err, err_size, "vmctl: %s", why);
	return -1;
}
