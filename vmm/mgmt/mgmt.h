/*
 * Management hypercalls (HV_MGMT_FIRST and up), for the console domain
 * only: the caller is checked by vmm/mgmt/hypercall.c before this is reached.
 */
#ifndef VMM_MGMT_H
#define VMM_MGMT_H

#include <stdint.h>

#include "vmm/core/vcpu.h"

/* a: the six argument registers. Returns what goes back in RAX. */
int64_t mgmt_call(struct vcpu *caller, uint64_t nr, const uint64_t *a);

#endif
