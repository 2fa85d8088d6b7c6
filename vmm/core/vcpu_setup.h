/*
 * Creating a vCPU and filling its VMCS: controls computed from the VMX
 * capability MSRs, host state from the running hypervisor, guest state from
 * the vCPU's boot state. Runs in VMX root on the CPU that will run the vCPU.
 */
#ifndef VMM_VCPU_SETUP_H
#define VMM_VCPU_SETUP_H

#include "vmm/core/vcpu.h"

struct vm;

struct vcpu *vcpu_create(struct vm *vm, uint32_t id); /* NULL when out of memory */
void vcpu_free(struct vcpu *v);

/*
 * VMCLEARs and loads the vCPU's VMCS and writes every field. 0 ok; -1 with
 * *why naming the control the CPU lacks or the field that failed. Leaves
 * the vCPU's VMCS current.
 */
int vcpu_setup_vmcs(struct vcpu *v, const char **why);
/* Writes this CPU's host state into the current VMCS (a vCPU first run on another CPU than its creator's). */
void vcpu_setup_host_state(void);

/* Before vcpu_check_controls: do without the TPR shadow even if the CPU has it (a test knob). */
void vcpu_refuse_tpr_shadow(void);

/* Checks the controls this CPU offers once at boot; 0 ok, -1 with *why. */
int vcpu_check_controls(const char **why);

/* Whether CR8 goes to a virtual-APIC page (else CR8 loads and stores exit); valid after vcpu_check_controls. */
bool vcpu_uses_tpr_shadow(void);

/* The controls as computed at boot, before any per-vCPU change (a vCPU's own: v->ctls). */
uint32_t vcpu_proc_controls(void);
uint32_t vcpu_pin_controls(void);
uint32_t vcpu_exit_controls(void);
uint32_t vcpu_proc2_controls(void);

/* What this CPU allows in a control word (SDM A.3-A.5): bits that must be 1, bits that may be 1. */
void vcpu_control_caps(enum vcpu_ctl which, uint32_t *must1, uint32_t *may1);

/* Whether VM exits save the guest's IA32_PAT and load the host's, and entries load the guest's. */
bool vcpu_pat_switched(void);

/* Sets one of v's control words: its copy and the VMCS field (v's VMCS current). */
void vcpu_write_controls(struct vcpu *v, enum vcpu_ctl which, uint32_t value);

/*
 * Any CPU, v's VM's lock held: asks v's own CPU to set and clear bits of one
 * of v's control words before v next enters the guest
 * (VCPU_REQ_RELOAD_CONTROLS). The caller has checked the result against what
 * the CPU allows (the capability MSRs) and leaves alone the bits the core
 * changes itself (interrupt-window exiting, IA-32e mode entry). An INIT-SIPI
 * after it starts v over from the boot-time controls.
 */
void vcpu_request_controls(struct vcpu *v, enum vcpu_ctl which, uint32_t set, uint32_t clear);
/* v's own CPU, its VM's lock held, v's VMCS current: applies and forgets what was asked for. */
void vcpu_apply_requested_controls(struct vcpu *v);

#endif
