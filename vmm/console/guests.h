/*
 * Finding guests from the console: by id or by name, through HC_VM_LIST
 * and HC_VM_INFO.
 */
#ifndef VMM_CONSOLE_GUESTS_H
#define VMM_CONSOLE_GUESTS_H

#include <stdbool.h>
#include <stdint.h>

#include "vmm/abi/hypercall_types.h"

#define GUESTS_MAX 16

/* Ids of every guest, ascending; returns the count. */
uint32_t guests_list(uint32_t *ids, uint32_t max);

/* HC_VM_INFO; false if the guest is gone. */
bool guest_info(uint32_t id, struct hv_vm_info *info);

/*
 * The guest an operator's word names: an id, else an exact name. Prints
 * "no guest called WORD" (or id) and returns false if there is none.
 */
bool guest_lookup(const char *word, struct hv_vm_info *info);

const char *guest_state_name(uint32_t state);

#endif
