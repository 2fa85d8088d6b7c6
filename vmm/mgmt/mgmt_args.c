/* Checked access to the console domain's buffers (mgmt_args.h). */
#include "vmm/mgmt/mgmt_args.h"

#include "lib/string.h"
#include "vmm/core/vm.h"
#include "vmm/mgmt/hc_check.h"

int mgmt_check_buffer(struct vcpu *caller, uint64_t gpa, uint64_t len, uint64_t min, uint64_t max)
{
	return hc_check_buffer(&caller->vm->mmio, caller->vm->ram_bytes, gpa, len, min, max);
}

void mgmt_put_error(struct vcpu *caller, uint64_t gpa, uint64_t len, const char *why)
{
	char err[MGMT_ERR_MAX];
	size_t n = strlen(why);

	if (n >= sizeof(err))
		n = sizeof(err) - 1;
	memcpy(err, why, n);
	err[n] = '\0';
	vm_copy_to_guest(caller->vm, gpa, err, n + 1 <= len ? n + 1 : len);
}
