/*
 * A VM's execution environment as the operator changes it (vmm/abi/vmctl.h):
 * the settings judged against this CPU's capability MSRs, kept in
 * vm->vmctl, and carried to each vCPU's own CPU as requests, never written
 * into a VMCS from another CPU. Runs in VMX root.
 */
#ifndef VMM_CORE_VM_VMCTL_H
#define VMM_CORE_VM_VMCTL_H

#include <stddef.h>

#include "vmm/abi/vmctl.h"

struct vm;

/* What this CPU allows in the operator's control words (the capability MSRs). */
void vm_vmctl_caps(struct vmctl_caps *caps);

/*
 * Parses and judges text (vmctl_parse) and, if every word is allowed,
 * merges it into vm->vmctl and asks each vCPU's CPU to apply it before
 * that vCPU's next entry. 0, or -1 with one line in err and nothing
 * changed. The VM's lock held (or the VM not yet running: vm_create).
 */
int vm_vmctl_change(struct vm *vm, const char *text, size_t len, char *err, size_t err_size);

#endif
