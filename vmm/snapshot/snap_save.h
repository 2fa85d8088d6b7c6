/*
 * Stop-and-copy snapshots: a running guest paused, copied whole into the
 * snapshot store (vmm/snapshot/snap_store.h) and let go on; and guests
 * started from a snapshot. Called from the console domain's management
 * calls, on its CPU, with no lock held; one at a time (a lock of its own).
 */
#ifndef VMM_SNAPSHOT_SNAP_SAVE_H
#define VMM_SNAPSHOT_SNAP_SAVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct snap_result {
	uint64_t pause_us;   /* from pausing the guest to letting it go on (TSC) */
	uint64_t total_us;   /* from pausing it to the snapshot's last byte */
	uint64_t trapped_pages; /* live: pages the guest's writes made the copier take first */
	uint64_t bytes;      /* the snapshot's stream */
	uint64_t ram_pages, zero_pages;
};

/* snap_page_fn (snap_ram.h) over a VM's RAM: the host address of guest page gpa of vm. */
uint8_t *snap_guest_page(void *vm, uint64_t gpa);

/* The store's one user at a time: every snap_* call below takes this lock itself. */
void snap_lock(void);
void snap_unlock(void);

/*
 * Saves guest `id` as `name`; stay_paused leaves it paused (xl save);
 * live copies RAM while the guest runs (vmm/snapshot/snap_live.c) instead
 * of while it is paused. 0, or -1 with *why.
 */
int snap_save(uint32_t id, const char *name, bool stay_paused, bool live, struct snap_result *res,
	      const char **why);

/* Starts a guest from snapshot `name`, called `as` (NULL or "": its own name). 0 and *id, or -1 with *why. */
int snap_restore(const char *name, const char *as, uint32_t *id, const char **why);

/*
 * Starts a copy of guest `id` called `as` whose RAM it shares copy-on-write
 * (2 MiB at a time). 0, *new_id and how long the source was paused, or -1
 * with *why.
 */
int snap_clone(uint32_t id, const char *as, uint32_t *new_id, uint64_t *pause_us, const char **why);

/* snap_restore from a snapshot in hand, the store's lock held; share: a clone of that guest. */
struct snapshot;
struct vm;
int snap_restore_locked(const struct snapshot *s, const char *as, struct vm *share, uint32_t *id,
			const char **why);

/* 0, or -1 if there is no such snapshot. */
int snap_delete(const char *name);

/* One line per snapshot: "name guest size_bytes unix_time method"; returns the bytes written. */
size_t snap_list(char *out, size_t size);

/* Test knob: flips byte `off` of snapshot `name`'s stream. 0, or -1 with *why. */
int snap_corrupt(const char *name, uint64_t off, const char **why);

#endif
