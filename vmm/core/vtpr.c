/*
 * The choice of CR8 controls (see vmm/core/vtpr.h). Pure; runs at boot and in
 * host unit tests.
 */
#include "vmm/core/vtpr.h"

#include "arch/x86/vmcs_fields.h"

#define CR8_EXITS (CPU_CR8_LOAD_EXITING | CPU_CR8_STORE_EXITING)

int vtpr_choose_controls(uint32_t *proc, uint32_t must1, uint32_t may1)
{
	if (may1 & CPU_USE_TPR_SHADOW) {
		/* CR8 exits would only cost time: the shadow keeps CR8 virtual. */
		*proc = (*proc & ~CR8_EXITS) | (must1 & CR8_EXITS) | CPU_USE_TPR_SHADOW;
		return 0;
	}
	if ((may1 & CR8_EXITS) != CR8_EXITS)
		return -1;
	*proc = (*proc & ~CPU_USE_TPR_SHADOW) | CR8_EXITS;
	return 0;
}
