/*
 * The kernel heap: small objects from power-of-two size classes carved out
 * of whole pages, large ones as runs of pages. Memory comes zeroed. SMP-safe.
 */
#ifndef MM_HEAP_H
#define MM_HEAP_H

#include <stddef.h>

void *kzalloc(size_t size); /* NULL when out of memory */
void kfree(void *p);        /* NULL is fine; a pointer the heap did not hand out is refused and logged */

#endif
