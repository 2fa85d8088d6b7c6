/*
 * Guest lookup for the console's commands.
 */
#include "vmm/console/guests.h"

#include "lib/string.h"
#include "vmm/console/cmd_parse.h"
#include "vmm/console/hc.h"
#include "vmm/console/out.h"

uint32_t guests_list(uint32_t *ids, uint32_t max)
{
	int64_t n = hc(HC_VM_LIST, hc_ptr(ids), max, 0, 0);

	return n > 0 ? (uint32_t)n : 0;
}

bool guest_info(uint32_t id, struct hv_vm_info *info)
{
	return hc(HC_VM_INFO, id, hc_ptr(info), sizeof(*info), 0) == 0;
}

bool guest_lookup(const char *word, struct hv_vm_info *info)
{
	uint32_t ids[GUESTS_MAX], n, i, id;

	if (cmd_parse_id(word, &id)) {
		if (guest_info(id, info))
			return true;
		out_printf("no guest with id %s (see 'list')\n", word);
		return false;
	}
	n = guests_list(ids, GUESTS_MAX);
	for (i = 0; i < n; i++)
		if (guest_info(ids[i], info) && !strcmp(info->name, word))
			return true;
	out_printf("no guest called '%s' (see 'list')\n", word);
	return false;
}

const char *guest_state_name(uint32_t state)
{
	static const char *const names[] = { "running", "paused", "halted", "stopped", "crashed",
					     "creating" };

	return state < sizeof(names) / sizeof(names[0]) ? names[state] : "?";
}
