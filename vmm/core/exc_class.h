/*
 * What happens when an exception is raised while another event is queued
 * for the same VM entry (SDM Vol. 3, 6.15, tables 6-4 and 6-5). Pure: the
 * host unit tests include it, vmm/core/inject.c acts on the answer.
 */
#ifndef VMM_EXC_CLASS_H
#define VMM_EXC_CLASS_H

#include <stdint.h>

#include "vmm/core/exitq.h"

#define EXC_VECTOR_DF 8U

/* Table 6-4. */
enum exc_class { EXC_BENIGN, EXC_CONTRIBUTORY, EXC_PAGE_FAULT };

static inline enum exc_class exc_class_of(uint8_t vector)
{
	switch (vector) {
	case 0:  /* #DE */
	case 10: /* #TS */
	case 11: /* #NP */
	case 12: /* #SS */
	case 13: /* #GP */
	case 21: /* #CP */
		return EXC_CONTRIBUTORY;
	case 14: /* #PF */
	case 20: /* #VE */
		return EXC_PAGE_FAULT;
	default:
		return EXC_BENIGN;
	}
}

enum exc_combine {
	/*
	 * Handled serially, the queued event is dropped and the new exception
	 * goes in: re-executing the instruction raises the queued one again
	 * (an exception, or a software interrupt whose RIP is the INT).
	 */
	EXC_DELIVER_NEW,
	/*
	 * The queued event is an external interrupt or NMI, which nothing
	 * would raise again: the new exception is delivered first and the
	 * queued event is kept for a later entry.
	 */
	EXC_HOLD_QUEUED,
	EXC_DOUBLE_FAULT, /* the new exception becomes #DF(0) */
	EXC_TRIPLE_FAULT, /* a fault while delivering #DF: shutdown */
};

/* queued_type is an INTR_TYPE_* of the event already queued, new_vector the exception raised. */
static inline enum exc_combine exc_combine(uint32_t queued_type, uint8_t queued_vector,
					   uint8_t new_vector)
{
	enum exc_class first, second = exc_class_of(new_vector);

	if (queued_type == INTR_TYPE_EXT_INTR || queued_type == INTR_TYPE_NMI)
		return EXC_HOLD_QUEUED;
	if (queued_type != INTR_TYPE_HW_EXCEPTION)
		return EXC_DELIVER_NEW; /* INT n, INT3, INTO, INT1: benign, and regenerated */
	if (queued_vector == EXC_VECTOR_DF)
		return second == EXC_BENIGN ? EXC_DELIVER_NEW : EXC_TRIPLE_FAULT;
	first = exc_class_of(queued_vector);
	if (first == EXC_CONTRIBUTORY && second == EXC_CONTRIBUTORY)
		return EXC_DOUBLE_FAULT;
	if (first == EXC_PAGE_FAULT && second != EXC_BENIGN)
		return EXC_DOUBLE_FAULT;
	return EXC_DELIVER_NEW;
}

#endif
