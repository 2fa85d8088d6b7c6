/*
 * Exit statistics of a VM, summed over its vCPUs: how many exits of each
 * reason, and how long the hypervisor took from each exit to the next entry.
 * Runs in VMX root.
 */
#ifndef VMM_STATS_H
#define VMM_STATS_H

#include <stdint.h>

struct vm;

struct exit_stat {
	uint32_t reason;
	uint64_t count;
	uint64_t handling_tsc; /* total host TSC ticks spent handling them */
	uint32_t fastest_tsc;  /* the fastest one: the handler's own path, without logging or timers */
};

/* The `max` exit reasons of the VM that cost the hypervisor the most time, costliest first; returns how many. */
unsigned stats_top_exits(const struct vm *vm, struct exit_stat *out, unsigned max);

/* Logs one line per costly exit reason: count, average and total handling ticks. */
void stats_log_vm(const struct vm *vm);

#endif
