/*
 * The console domain's calls about a guest's execution environment,
 * HC_VMCTL_INFO and HC_VMCTL_SET (vmm/abi/hypercall_abi.h). Runs in VMX
 * root on the console domain's CPU, no lock held.
 */
#ifndef VMM_MGMT_MGMT_VMCTL_H
#define VMM_MGMT_MGMT_VMCTL_H

#include <stddef.h>
#include <stdint.h>

struct vcpu;

/* One HC_VMCTL_* call with its arguments a[0..3]; -HV_ENOSYS for another number. */
int64_t mgmt_vmctl_call(struct vcpu *caller, uint64_t nr, const uint64_t *a);

/* `create ... vmctl=...`: 0 if this CPU takes the settings, else -1 with one line in err. */
int mgmt_vmctl_check(const char *text, char *err, size_t err_size);

#endif
