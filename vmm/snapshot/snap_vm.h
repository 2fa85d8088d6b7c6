/*
 * The payload of the VM section (SNAP_SEC_VM), the first of every
 * snapshot: the guest's configuration as hv.cfg gave it, and its clock.
 *
 *   strings name, kernel, initrd, cmdline (u16 length, then the bytes);
 *   u64 memory bytes; u32 vCPUs; u8 type; u64 load address; u8 CPU
 *   count and that many CPU numbers; string vmctl (version 2: the guest's
 *   execution-control settings as they were at the save, in the words of
 *   vmm/abi/vmctl.h, which vm_create judges again); u64 TSC ticks the VM had run for at
 *   the save (its clock, which vm_now_ns and every device timer count
 *   from); u64 the TSC rate then.
 *
 * Pure: kernel and host unit tests.
 */
#ifndef VMM_SNAPSHOT_SNAP_VM_H
#define VMM_SNAPSHOT_SNAP_VM_H

#include <stddef.h>
#include <stdint.h>

#include "boot/hvcfg.h"
#include "vmm/snapshot/snap_fields.h"

#define SNAP_VM_VERSION 2U
/* Each string is at most its array less the NUL, after its u16 length. */
#define SNAP_VM_PAYLOAD_MAX (5 * 2 + (HVCFG_NAME_MAX - 1) + 2 * (HVCFG_PATH_MAX - 1) + \
			     (HVCFG_CMDLINE_MAX - 1) + 8 + 4 + 1 + 8 + 1 + HVCFG_CPUS_MAX + \
			     (HVCFG_VMCTL_MAX - 1) + 8 + 8)

struct snap_vm {
	struct hvcfg_guest cfg; /* line is 0: it came from a snapshot */
	uint64_t clock_ticks;
	uint64_t tsc_hz;
};

void snap_vm_put(struct snap_out *o, const struct snap_vm *vm);
/* NULL and *out filled, or why the payload is refused (*out unchanged). */
const char *snap_vm_get(const void *payload, size_t len, struct snap_vm *out);

#endif
