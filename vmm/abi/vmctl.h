/*
 * A guest's execution environment as the operator may change it (`vmctl`,
 * the hv.cfg key `vmctl =`): the VM-execution controls by name, which of
 * them the hypervisor needs as it set them and why, the exceptions that may
 * be trapped, and the parser of "NAME=on|off" and "#EXC=trap|off" words.
 *
 * Shared by the hypervisor, which decides (every request is judged here
 * against the CPU's capability MSRs before anything changes), and the
 * console domain, which lists the same table with the same reasons. Pure:
 * host unit tests, any context.
 *
 * Capability MSRs (SDM Vol. 3, A.3): for each control word, "allowed-0"
 * (low half: a 1 there means the bit must be 1) and "allowed-1" (high
 * half: a 1 there means the bit may be 1). struct vmctl_caps holds them
 * as must1 and may1.
 */
#ifndef VMM_ABI_VMCTL_H
#define VMM_ABI_VMCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The control words the operator sees; numbered as the core's enum vcpu_ctl. */
enum vmctl_word { VMCTL_PIN, VMCTL_PROC, VMCTL_PROC2, VMCTL_WORDS };

enum vmctl_policy {
	VMCTL_CHANGEABLE,  /* the operator may turn it on or off, where the CPU allows */
	VMCTL_REQUIRED,    /* the hypervisor needs its own setting: `why` says for what */
	VMCTL_UNSUPPORTED, /* the hypervisor does not handle it (yet): `why` says what is missing */
};

struct vmctl_control {
	const char *name;
	uint8_t word; /* enum vmctl_word */
	uint32_t bit;
	uint8_t policy; /* enum vmctl_policy */
	const char *why; /* for the policies other than VMCTL_CHANGEABLE */
};

extern const struct vmctl_control vmctl_controls[];
extern const unsigned vmctl_control_count;

/* What the CPU allows in each word: bits that must be 1, bits that may be 1. */
struct vmctl_caps {
	uint32_t must1[VMCTL_WORDS];
	uint32_t may1[VMCTL_WORDS];
};

/*
 * Changes to the hypervisor's own settings: bits to set and to clear in
 * each word, exception vectors to trap and to stop trapping. As a request
 * (a delta) all four parts count; merged into a guest's settings
 * (vmctl_merge) `trap` is the whole exception bitmap and `untrap` is 0.
 */
struct vmctl_set {
	uint32_t set[VMCTL_WORDS];
	uint32_t clear[VMCTL_WORDS];
	uint32_t trap;
	uint32_t untrap;
};

#define VMCTL_WORD_MAX 48 /* one NAME=VALUE word, longer ones are refused */
#define VMCTL_TEXT_MAX 512 /* a whole request (the HC_VMCTL_SET text) */

/* The control called name[0..len), or NULL. */
const struct vmctl_control *vmctl_find(const char *name, size_t len);

/* The exception vector of "#BP", "#PF" ... (case as written in the SDM), or -1. */
int vmctl_exception_vector(const char *name, size_t len);
/* "#BP" for 3 ...; NULL for a vector without a name (reserved, NMI, interrupts). */
const char *vmctl_exception_name(unsigned vector);
/* NULL if the vector may be trapped and passed on, else why not. */
const char *vmctl_exception_refusal(unsigned vector);

/*
 * NULL if control c may be set to `on` on this CPU, else why not: the
 * hypervisor's policy first, then the capability MSRs.
 */
const char *vmctl_refusal(const struct vmctl_control *c, bool on, const struct vmctl_caps *caps);
/* NULL if c may be turned both on and off, else the reason one way is refused. */
const char *vmctl_fixed_reason(const struct vmctl_control *c, const struct vmctl_caps *caps);

/*
 * Parses and judges a list of words "NAME=on|off" and "#EXC=trap|off",
 * separated by spaces, tabs or commas (text need not be NUL-terminated).
 * 0 with *out the request; -1 with one line in err saying which word is
 * refused and why (an unknown name, a bad value, a control the hypervisor
 * needs, a value the CPU does not allow, an empty list), *out unchanged. A
 * later word about the same control wins.
 */
int vmctl_parse(const char *text, size_t len, const struct vmctl_caps *caps, struct vmctl_set *out,
		char *err, size_t err_size);

/* Adds a request to a guest's settings. */
void vmctl_merge(struct vmctl_set *into, const struct vmctl_set *delta);

/* The hypervisor's value of word w with the guest's settings applied. */
static inline uint32_t vmctl_apply(const struct vmctl_set *s, unsigned w, uint32_t value)
{
	return (value & ~s->clear[w]) | s->set[w];
}

/* Whether s changes nothing. */
static inline bool vmctl_empty(const struct vmctl_set *s)
{
	unsigned w;

	for (w = 0; w < VMCTL_WORDS; w++)
		if (s->set[w] | s->clear[w])
			return false;
	return !(s->trap | s->untrap);
}

/*
 * A guest's settings as the words that give them, comma-separated ("" for
 * none), for snapshots and logs: vmctl_parse of the text gives them back.
 * Returns the length, or 0 with buf "" if it does not fit in size.
 */
size_t vmctl_format(const struct vmctl_set *s, char *buf, size_t size);

#endif
