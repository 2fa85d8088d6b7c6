/*
 * The snapshot store in hypervisor memory: named snapshots, each kept as
 * its container header and one record per section (section header and
 * payload together), so that a 2 MiB RAM run needs 2 MiB of contiguous
 * memory and never the whole snapshot's. Everything else sees a snapshot
 * as the byte stream of snap_format.h (snap_store_read), which is what a
 * disk store or a migration link will carry.
 *
 * Pure: memory comes from the env's allocator (host frames in the kernel,
 * malloc in the unit tests). Not locked: its one user (vmm/snapshot/
 * snap_save.c) runs one save, restore, list or delete at a time.
 */
#ifndef VMM_SNAPSHOT_SNAP_STORE_H
#define VMM_SNAPSHOT_SNAP_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/snapshot/snap_format.h"

#define SNAP_STORE_MAX 16
#define SNAP_STORE_NAME 32 /* with its NUL */

struct snap_store_env {
	/* `bytes` of zeroed memory, or NULL; `trim` gives back all past `keep` bytes of it. */
	void *(*alloc)(void *ctx, uint64_t bytes);
	void (*free)(void *ctx, void *p, uint64_t bytes);
	void (*trim)(void *ctx, void *p, uint64_t bytes, uint64_t keep);
	void *ctx;
};

struct snap_record;

struct snapshot {
	char name[SNAP_STORE_NAME];
	char guest[SNAP_NAME_BYTES + 1];
	char method[8];      /* "stop" */
	uint64_t created;    /* the caller's clock (Unix seconds in the kernel) */
	uint64_t bytes;      /* the stream's length so far */
	uint32_t sections;
	bool complete;       /* committed: listed, readable, restorable */
	uint8_t header[SNAP_HEADER_BYTES];
	struct snap_record *first, *last, *open;
};

void snap_store_init(const struct snap_store_env *env);

/* A committed snapshot by name, or NULL. */
struct snapshot *snap_store_find(const char *name);
/* The committed snapshot in slot i (i < SNAP_STORE_MAX), or NULL. */
struct snapshot *snap_store_at(unsigned i);

/* Starts a snapshot: NULL with *why if the name is bad or taken or the store is full. */
struct snapshot *snap_store_begin(const char *name, const char *guest, const char *method,
				  uint64_t created, const char **why);
/* Room for a section payload of up to `max` bytes, or NULL when out of memory. */
uint8_t *snap_store_section_begin(struct snapshot *s, uint64_t max);
/* Ends the open section at `len` payload bytes (<= max) and seals it with its header. */
void snap_store_section_end(struct snapshot *s, uint32_t type, uint16_t version, uint64_t len);
/* The snapshot becomes visible with its header written; or goes away with all its memory. */
void snap_store_commit(struct snapshot *s);
void snap_store_abort(struct snapshot *s);
/* 0, or -1 if there is no committed snapshot of that name. */
int snap_store_delete(const char *name);

/* Bytes [off, off + len) of the stream into dst; returns how many there were. */
size_t snap_store_read(const struct snapshot *s, uint64_t off, void *dst, size_t len);
/* Test knob: flips the bits of `mask` in byte `off` of the stream; -1 past its end. */
int snap_store_flip(struct snapshot *s, uint64_t off, uint8_t mask);

/*
 * Walks a committed snapshot: snap_store_verify checks its header and every
 * section (NULL or the reason); snap_store_next gives the sections in order
 * (1, 0 at the end, -1 on a bad one with *why).
 */
const char *snap_store_verify(const struct snapshot *s);
struct snap_cursor {
	const struct snapshot *s;
	const struct snap_record *r;
};
void snap_store_rewind(struct snap_cursor *c, const struct snapshot *s);
int snap_store_next(struct snap_cursor *c, struct snap_section *sec, const char **why);

#endif
