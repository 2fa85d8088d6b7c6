/*
 * Exit statistics. Reads the per-vCPU counters the run loop keeps.
 */
#include "vmm/exit/stats.h"

#include "lib/log.h"
#include "vmm/exit/exit.h"
#include "vmm/core/vm.h"

#define STATS_LOG_TOP 6

unsigned stats_top_exits(const struct vm *vm, struct exit_stat *out, unsigned max)
{
	unsigned n = 0, i, j;
	uint32_t r;

	for (r = 0; r <= EXIT_REASON_MAX; r++) {
		struct exit_stat s = { r, 0, 0, 0 };

		for (i = 0; i < vm->vcpu_count; i++) {
			uint32_t fastest = vm->vcpus[i]->exit_tsc_min[r];

			s.count += vm->vcpus[i]->exits[r];
			s.handling_tsc += vm->vcpus[i]->exit_tsc[r];
			if (fastest && (!s.fastest_tsc || fastest < s.fastest_tsc))
				s.fastest_tsc = fastest;
		}
		if (!s.count)
			continue;
		/* Insertion into the top list, ordered by total handling time. */
		for (i = 0; i < n && out[i].handling_tsc >= s.handling_tsc; i++)
			;
		if (i >= max)
			continue;
		for (j = n < max ? n : max - 1; j > i; j--)
			out[j] = out[j - 1];
		out[i] = s;
		if (n < max)
			n++;
	}
	return n;
}

void stats_log_vm(const struct vm *vm)
{
	struct exit_stat top[STATS_LOG_TOP];
	unsigned n = stats_top_exits(vm, top, STATS_LOG_TOP), i;

	for (i = 0; i < n; i++)
		log_info("hv: guest %s: %llu %s exits, %llu ticks each in the hypervisor (fastest %u), "
			 "%llu in all",
			 vm->name, (unsigned long long)top[i].count, exit_stat_name(top[i].reason),
			 (unsigned long long)(top[i].handling_tsc / top[i].count), top[i].fastest_tsc,
			 (unsigned long long)top[i].handling_tsc);
}
