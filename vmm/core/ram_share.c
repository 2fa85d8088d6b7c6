/*
 * Counts of VMs sharing each 2 MiB chunk of host memory (see ram_share.h).
 * The table holds sharers beyond the first, so a chunk no clone ever
 * mapped needs no entry, and is allocated on the first clone: 2 bytes per
 * 2 MiB of the machine's physical address space.
 */
#include "vmm/core/ram_share.h"

#include "lib/spinlock.h"
#include "mm/heap.h"
#include "mm/phys.h"
#include "vmm/core/vm.h"

static spinlock_t lock;
static uint16_t *extra; /* VMs beyond the first that map chunk hpa / VM_RAM_CHUNK */
static uint64_t chunks;

int ram_share_ref(uint64_t hpa)
{
	uint64_t i = hpa / VM_RAM_CHUNK;
	int rc = -1;

	spin_lock(&lock);
	if (!extra) {
		chunks = phys_limit() / VM_RAM_CHUNK;
		extra = kzalloc(chunks * sizeof(*extra));
	}
	if (extra && i < chunks && extra[i] < UINT16_MAX) {
		extra[i]++;
		rc = 0;
	}
	spin_unlock(&lock);
	return rc;
}

bool ram_share_unref(uint64_t hpa)
{
	uint64_t i = hpa / VM_RAM_CHUNK;
	bool last = true;

	spin_lock(&lock);
	if (extra && i < chunks && extra[i]) {
		extra[i]--;
		last = false;
	}
	spin_unlock(&lock);
	return last;
}

unsigned ram_share_count(uint64_t hpa)
{
	uint64_t i = hpa / VM_RAM_CHUNK;
	unsigned n;

	spin_lock(&lock);
	n = 1U + (extra && i < chunks ? extra[i] : 0U);
	spin_unlock(&lock);
	return n;
}
