/*
 * The live method of `save` (see snap_live.c): RAM copied while the guest
 * runs, each page the guest writes before it is copied trapped and copied
 * first, so that the snapshot is RAM as it was at the stop. Called by
 * snap_save with the store's lock held and the guest claimed.
 */
#ifndef VMM_SNAPSHOT_SNAP_LIVE_H
#define VMM_SNAPSHOT_SNAP_LIVE_H

#include <stdint.h>

struct snapshot;
struct vm;

struct snap_live_result {
	uint64_t ram_pages, zero_pages;
	uint64_t trapped_pages; /* copied first because the guest was about to write them */
};

/*
 * With vm paused and off every CPU: every page of its RAM read-only and
 * waiting to be copied into s. 0, or -1 with *why (nothing armed).
 */
int snap_live_arm(struct vm *vm, struct snapshot *s, const char **why);

/*
 * With vm running again: copies every page still waiting, in order, while
 * the guest's writes trap the ones it reaches first. Always leaves vm's RAM
 * writable and untracked. 0, or -1 with *why (the snapshot is then
 * incomplete: the caller aborts it).
 */
int snap_live_copy(struct vm *vm, struct snap_live_result *res, const char **why);

#endif
