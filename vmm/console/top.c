/*
 * `top`: for every guest, exits per second (total and the three busiest
 * reasons) and the share of a CPU its vCPUs had, over the last second.
 * Rates are deltas of the hypervisor's counters over deltas of its TSC,
 * both taken by the same HC_VM_STATS call.
 */
#include "lib/string.h"
#include "vmm/console/console.h"
#include "vmm/console/guests.h"
#include "vmm/console/hc.h"
#include "vmm/console/out.h"
#include "vmm/abi/exit_reason.h"

#define REFRESH_US 1000000ULL
#define TOP_REASONS 3

static struct hv_vm_stats before[GUESTS_MAX], now;
static uint32_t before_id[GUESTS_MAX];

static uint64_t per_second(uint64_t delta, uint64_t tsc_delta, uint64_t tsc_khz)
{
	return tsc_delta ? delta * tsc_khz * 1000 / tsc_delta : 0;
}

static void show_guest(uint32_t slot, const struct hv_vm_info *info)
{
	uint64_t dt = now.tsc - before[slot].tsc, best[TOP_REASONS] = { 0 };
	uint32_t reason[TOP_REASONS] = { 0 }, r, k;
	uint64_t cpu_permille = dt ? (now.run_tsc - before[slot].run_tsc) * 1000 / dt : 0;

	for (r = 0; r < HV_EXIT_REASONS; r++) {
		uint64_t d = now.by_reason[r] - before[slot].by_reason[r];

		for (k = 0; k < TOP_REASONS && d <= best[k]; k++)
			;
		if (k == TOP_REASONS)
			continue;
		memmove(&best[k + 1], &best[k], (TOP_REASONS - 1 - k) * sizeof(best[0]));
		memmove(&reason[k + 1], &reason[k], (TOP_REASONS - 1 - k) * sizeof(reason[0]));
		best[k] = d;
		reason[k] = r;
	}
	out_printf("%4u %-16s %-8s %3llu.%llu%% %9llu", info->id, info->name,
		   guest_state_name(info->state), (unsigned long long)(cpu_permille / 10),
		   (unsigned long long)(cpu_permille % 10),
		   (unsigned long long)per_second(now.exits - before[slot].exits, dt, now.tsc_khz));
	for (k = 0; k < TOP_REASONS && best[k]; k++)
		out_printf("  %s %llu", exit_reason_name(reason[k]),
			   (unsigned long long)per_second(best[k], dt, now.tsc_khz));
	out_printf("\n");
}

/* One screen; the first one only takes the starting counters. */
static void refresh(bool show)
{
	uint32_t ids[GUESTS_MAX], n = guests_list(ids, GUESTS_MAX), i;
	struct hv_vm_info info;

	if (show)
		out_printf("\n  ID NAME             STATE     CPU    EXITS/s  BUSIEST EXITS/s\n");
	for (i = 0; i < n; i++) {
		if (!guest_info(ids[i], &info) || hc(HC_VM_STATS, ids[i], hc_ptr(&now), sizeof(now), 0))
			continue;
		if (show && before_id[i] == ids[i])
			show_guest(i, &info);
		before[i] = now;
		before_id[i] = ids[i];
	}
	if (show)
		out_printf("(any key returns to hv>)\n");
}

void top_run(void)
{
	char key;

	memset(before_id, 0, sizeof(before_id));
	refresh(false);
	while (!console_read(&key, 1, REFRESH_US))
		refresh(true);
}
