/*
 * Hypervisor-wide state set up at boot: the parsed hv.cfg and the VT-x
 * capabilities, for the parts of vmm/ that need them.
 */
#ifndef VMM_HV_H
#define VMM_HV_H

#include "arch/x86/vmx_detect.h"
#include "boot/hvcfg.h"

const struct hvcfg *hv_config(void);
const struct vmx_caps *hv_vmx_caps(void);
unsigned hv_cpu_count(void); /* physical CPUs running the hypervisor */

#endif
