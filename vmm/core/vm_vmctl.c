/*
 * Changing a VM's execution controls and trapped exceptions while it runs
 * (vm_vmctl.h). The VM's settings are the one source of truth: a vCPU set
 * up later (creation, INIT-SIPI) starts with them (vcpu_setup_vmcs), and a
 * running vCPU gets the change through its request bits, applied on its
 * own CPU just before its next entry (vmm/exit/vcpu_run.c).
 */
#include "vmm/core/vm_vmctl.h"

#include "lib/log.h"
#include "vmm/core/sched.h"
#include "vmm/core/vcpu_setup.h"
#include "vmm/core/vm.h"

void vm_vmctl_caps(struct vmctl_caps *caps)
{
	unsigned w;

	for (w = 0; w < VMCTL_WORDS; w++)
		vcpu_control_caps((enum vcpu_ctl)w, &caps->must1[w], &caps->may1[w]);
}

int vm_vmctl_change(struct vm *vm, const char *text, size_t len, char *err, size_t err_size)
{
	struct vmctl_caps caps;
	struct vmctl_set delta;
	uint32_t i;
	unsigned w;

	vm_vmctl_caps(&caps);
	if (vmctl_parse(text, len, &caps, &delta, err, err_size))
		return -1;
	vmctl_merge(&vm->vmctl, &delta);
	/* A VM being built sets its VMCSs up from vm->vmctl: nothing to ask of its CPUs yet. */
	for (i = 0; !vm_is_creating(vm) && i < vm->vcpu_count; i++) {
		struct vcpu *v = vm->vcpus[i];

		for (w = 0; w < VMCTL_WORDS; w++)
			if (delta.set[w] | delta.clear[w])
				vcpu_request_controls(v, (enum vcpu_ctl)w, delta.set[w], delta.clear[w]);
		if (delta.trap | delta.untrap)
			vcpu_request(v, VCPU_REQ_EXCEPTION_BITMAP);
	}
	log_info("hv: guest %s (id %u): vmctl %.*s", vm->name, vm->id, (int)len, text);
	return 0;
}
