/*
 * The console domain's snapshot calls, HC_SNAP_SAVE to HC_SNAP_CORRUPT
 * (vmm/abi/hypercall_abi.h). Runs in VMX root, no lock held.
 */
#ifndef VMM_MGMT_MGMT_SNAP_H
#define VMM_MGMT_MGMT_SNAP_H

#include <stdint.h>

struct vcpu;

/* One HC_SNAP_* call with its arguments a[0..3]; -HV_ENOSYS for another number. */
int64_t mgmt_snap_call(struct vcpu *caller, uint64_t nr, const uint64_t *a);

#endif
