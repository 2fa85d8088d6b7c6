/*
 * The payload of a vCPU section (SNAP_SEC_VCPU): a struct vcpu_saved,
 * field by field. Pure: kernel and host unit tests.
 *
 *   u32 vCPU index, u32 field count, then (u32 VMCS field, u64 value) per
 *   field; 16 u64 registers; XCR0; the hand-switched MSRs (count first);
 *   SPEC_CTRL, PAT; TSC from the VM's clock, TSC_ADJUST; two events
 *   (valid, info, error code, length); run state; the XSAVE area (length
 *   first).
 */
#ifndef VMM_SNAPSHOT_SNAP_VCPU_H
#define VMM_SNAPSHOT_SNAP_VCPU_H

#include <stddef.h>
#include <stdint.h>

#include "vmm/core/vcpu_saved.h"
#include "vmm/snapshot/snap_fields.h"

#define SNAP_VCPU_VERSION 1U

void snap_vcpu_put(struct snap_out *o, uint32_t index, const struct vcpu_saved *s);

/*
 * Reads a payload into *s and its vCPU index into *index: NULL, or why it
 * was refused (then *s is unchanged). `xcr0_allowed` is what this CPU's
 * XCR0 may hold: an XSAVE image with more would fault the host's XRSTOR.
 */
const char *snap_vcpu_get(const void *payload, size_t len, uint64_t xcr0_allowed,
			  uint32_t *index, struct vcpu_saved *s);

/* The largest payload snap_vcpu_put writes. */
#define SNAP_VCPU_PAYLOAD_MAX (8 + VCPU_SAVED_FIELD_COUNT * 12 + VCPU_SAVED_GPRS * 8 + 8 + 4 + \
			       VCPU_SAVED_MSRS * 8 + 4 * 8 + 2 * 13 + 4 + 4 + VCPU_SAVED_FPU_BYTES)

#endif
