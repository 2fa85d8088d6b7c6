/*
 * Reports of a vCPU's VMCS for the log: a dump of the guest state when a
 * guest does something we cannot handle, and, when a VM entry fails, the
 * guest-state fields that break the SDM's entry checks, by name.
 */
#ifndef VMM_VMCS_DUMP_H
#define VMM_VMCS_DUMP_H

struct vcpu;

void vmcs_dump(struct vcpu *v, const char *why);
void vmcs_dump_entry_failure(struct vcpu *v);

#endif
