/*
 * Guest RAM chunks (2 MiB of host memory each) mapped by more than one VM:
 * a clone maps its source's chunks read-only until either writes, and a
 * chunk is freed when the last VM that maps it lets go. One count per
 * chunk of host memory; a chunk never counted belongs to one VM alone.
 * Any CPU; a leaf lock of its own.
 */
#ifndef VMM_CORE_RAM_SHARE_H
#define VMM_CORE_RAM_SHARE_H

#include <stdbool.h>
#include <stdint.h>

/* One more VM maps the chunk at hpa. -1 when the counts cannot be allocated (nothing changed). */
int ram_share_ref(uint64_t hpa);

/* One VM lets go of the chunk: true if it was the last (the caller frees it). */
bool ram_share_unref(uint64_t hpa);

/* How many VMs map the chunk (1 for one never shared). */
unsigned ram_share_count(uint64_t hpa);

#endif
