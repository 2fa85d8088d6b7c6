/*
 * The list of VMCS fields a vCPU's snapshot holds (see vcpu_saved.h).
 */
#include "vmm/core/vcpu_saved.h"

#define VCPU_SAVED_FIELD(f) f,
const uint32_t vcpu_saved_fields[VCPU_SAVED_FIELD_COUNT] = { VCPU_SAVED_FIELDS_LIST(VCPU_SAVED_FIELD) };
#undef VCPU_SAVED_FIELD

int vcpu_saved_slot(uint32_t field)
{
	int i;

	for (i = 0; i < VCPU_SAVED_FIELD_COUNT; i++)
		if (vcpu_saved_fields[i] == field)
			return i;
	return -1;
}
