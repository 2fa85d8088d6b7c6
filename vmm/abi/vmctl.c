/*
 * The table of VM-execution controls the operator sees, the exceptions
 * that may be trapped, and the parser that judges a request against both
 * and the CPU's capability MSRs (vmctl.h). Pure: the hypervisor, the
 * console domain and the host unit tests share it.
 *
 * A control is changeable only if the hypervisor handles both settings
 * faithfully: each exit it enables has a handler that emulates the
 * instruction as the CPU would have run it (vmm/exit/exit_vmctl.c) and is
 * counted per reason like any other exit. The others say why not.
 */
#include "vmm/abi/vmctl.h"

#include "lib/printf.h"
#include "lib/string.h"

/* Bit numbers from SDM Vol. 3, 24.6.1 (pin-based) and 24.6.2 (tables 24-6, 24-7). */
#define PIN(b) VMCTL_PIN, (1U << (b))
#define PROC(b) VMCTL_PROC, (1U << (b))
#define PROC2(b) VMCTL_PROC2, (1U << (b))
#define CHANGEABLE VMCTL_CHANGEABLE, NULL
#define REQUIRED(why) VMCTL_REQUIRED, "required by the hypervisor: " why
#define UNSUPPORTED(why) VMCTL_UNSUPPORTED, "not supported by the hypervisor: " why

const struct vmctl_control vmctl_controls[] = {
	{ "external-interrupt-exiting", PIN(0), REQUIRED("the host's IPIs and timers must reach it") },
	{ "nmi-exiting", PIN(3), REQUIRED("the host's NMIs must not reach a guest") },
	{ "virtual-nmis", PIN(5), REQUIRED("NMI injection and its blocking depend on it") },
	{ "preemption-timer", PIN(6), REQUIRED("it ends time slices and delivers guest timers") },
	{ "posted-interrupts", PIN(7), UNSUPPORTED("interrupts are injected at VM entry") },

	{ "interrupt-window-exiting", PROC(2), REQUIRED("interrupt delivery turns it on and off") },
	{ "tsc-offsetting", PROC(3), REQUIRED("each guest's TSC is its own through the offset") },
	{ "hlt-exiting", PROC(7), CHANGEABLE },
	{ "invlpg-exiting", PROC(9), CHANGEABLE },
	{ "mwait-exiting", PROC(10), REQUIRED("MWAIT is not offered to guests: it raises #UD") },
	{ "rdpmc-exiting", PROC(11), REQUIRED("no performance counters are offered: RDPMC raises #UD") },
	{ "rdtsc-exiting", PROC(12), CHANGEABLE },
	{ "cr3-load-exiting", PROC(15), CHANGEABLE },
	{ "cr3-store-exiting", PROC(16), CHANGEABLE },
	{ "tertiary-controls", PROC(17), UNSUPPORTED("no tertiary control is used") },
	{ "cr8-load-exiting", PROC(19), REQUIRED("a guest's CR8 must never reach the CPU's TPR") },
	{ "cr8-store-exiting", PROC(20), REQUIRED("a guest's CR8 must never reach the CPU's TPR") },
	{ "tpr-shadow", PROC(21), REQUIRED("a guest's CR8 must never reach the CPU's TPR") },
	{ "nmi-window-exiting", PROC(22), UNSUPPORTED("NMIs wait for the next entry instead") },
	{ "mov-dr-exiting", PROC(23), CHANGEABLE },
	{ "unconditional-io-exiting", PROC(24), REQUIRED("the I/O bitmaps decide which ports exit") },
	{ "io-bitmaps", PROC(25), REQUIRED("every port a guest touches exits to its device models") },
	{ "monitor-trap-flag", PROC(27), UNSUPPORTED("single-stepping a guest is not implemented") },
	{ "msr-bitmaps", PROC(28), REQUIRED("the MSRs it emulates or switches must exit") },
	{ "monitor-exiting", PROC(29), REQUIRED("MONITOR is not offered to guests: it raises #UD") },
	{ "pause-exiting", PROC(30), CHANGEABLE },
	{ "secondary-controls", PROC(31), REQUIRED("EPT and unrestricted guest are secondary controls") },

	{ "virtualize-apic-accesses", PROC2(0), UNSUPPORTED("the LAPIC page is emulated through EPT") },
	{ "enable-ept", PROC2(1), REQUIRED("guest memory is isolated by EPT") },
	{ "descriptor-table-exiting", PROC2(2),
	  UNSUPPORTED("LGDT, LIDT, LLDT, LTR, SGDT, SIDT, SLDT and STR are not emulated") },
	{ "enable-rdtscp", PROC2(3), REQUIRED("CPUID offers RDTSCP by this setting") },
	{ "virtualize-x2apic", PROC2(4), UNSUPPORTED("x2APIC is not offered to guests") },
	{ "enable-vpid", PROC2(5), REQUIRED("guest translations are tagged and flushed by VPID") },
	{ "wbinvd-exiting", PROC2(6), CHANGEABLE },
	{ "unrestricted-guest", PROC2(7), REQUIRED("guests start in real mode and unpaged") },
	{ "apic-register-virtualization", PROC2(8), UNSUPPORTED("APIC virtualization is not used") },
	{ "virtual-interrupt-delivery", PROC2(9), UNSUPPORTED("APIC virtualization is not used") },
	{ "pause-loop-exiting", PROC2(10), UNSUPPORTED("its gap and window are not set up") },
	{ "rdrand-exiting", PROC2(11), CHANGEABLE },
	{ "enable-invpcid", PROC2(12), REQUIRED("CPUID offers INVPCID by this setting") },
	{ "enable-vmfunc", PROC2(13), UNSUPPORTED("VMX is hidden from guests") },
	{ "vmcs-shadowing", PROC2(14), UNSUPPORTED("VMX is hidden from guests") },
	{ "encls-exiting", PROC2(15), UNSUPPORTED("SGX is hidden from guests") },
	{ "rdseed-exiting", PROC2(16), CHANGEABLE },
	{ "enable-pml", PROC2(17), UNSUPPORTED("dirty logging does not use PML") },
	{ "ept-violation-ve", PROC2(18), UNSUPPORTED("EPT violations are the hypervisor's") },
	{ "enable-xsaves", PROC2(20), REQUIRED("it follows what CPUID offers") },
	{ "tsc-scaling", PROC2(25), UNSUPPORTED("a guest's TSC runs at the host's rate") },
};

const unsigned vmctl_control_count = sizeof(vmctl_controls) / sizeof(vmctl_controls[0]);

/* SDM Vol. 3, table 6-1. Vector 2 is the NMI: the exception bitmap has no say in it. */
static const char *const exception_names[32] = {
	[0] = "#DE", [1] = "#DB", [3] = "#BP", [4] = "#OF", [5] = "#BR", [6] = "#UD",
	[7] = "#NM", [8] = "#DF", [10] = "#TS", [11] = "#NP", [12] = "#SS", [13] = "#GP",
	[14] = "#PF", [16] = "#MF", [17] = "#AC", [18] = "#MC", [19] = "#XM", [20] = "#VE",
	[21] = "#CP",
};

const char *vmctl_exception_name(unsigned vector)
{
	return vector < 32 ? exception_names[vector] : NULL;
}

static char upper(char c)
{
	return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

int vmctl_exception_vector(const char *name, size_t len)
{
	unsigned v;

	if (len != 3)
		return -1;
	for (v = 0; v < 32; v++) {
		const char *n = exception_names[v];

		if (n && name[0] == '#' && upper(name[1]) == n[1] && upper(name[2]) == n[2])
			return (int)v;
	}
	return -1;
}

const char *vmctl_exception_refusal(unsigned vector)
{
	if (vector == 18)
		return "a machine check is the host's to handle, never passed on";
	if (vector == 20)
		return "never raised: EPT violations are the hypervisor's, not #VE";
	return vmctl_exception_name(vector) ? NULL : "not an exception the bitmap traps";
}

const struct vmctl_control *vmctl_find(const char *name, size_t len)
{
	unsigned i;

	for (i = 0; i < vmctl_control_count; i++)
		if (strlen(vmctl_controls[i].name) == len && !memcmp(vmctl_controls[i].name, name, len))
			return &vmctl_controls[i];
	return NULL;
}

const char *vmctl_refusal(const struct vmctl_control *c, bool on, const struct vmctl_caps *caps)
{
	if (c->policy != VMCTL_CHANGEABLE)
		return c->why;
	if (on && !(caps->may1[c->word] & c->bit))
		return "not offered by this CPU (its capability MSR's allowed-1 bit is 0)";
	if (!on && (caps->must1[c->word] & c->bit))
		return "this CPU does not let it be off (its capability MSR's allowed-0 bit is 1)";
	return NULL;
}

const char *vmctl_fixed_reason(const struct vmctl_control *c, const struct vmctl_caps *caps)
{
	const char *why = vmctl_refusal(c, true, caps);

	return why ? why : vmctl_refusal(c, false, caps);
}

static bool separator(char c)
{
	return c == ' ' || c == '\t' || c == ',';
}

static bool word_is(const char *w, size_t len, const char *s)
{
	return strlen(s) == len && !memcmp(w, s, len);
}

/* The first '=' of w[0..len), or NULL. */
static const char *find_eq(const char *w, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (w[i] == '=')
			return w + i;
	return NULL;
}

/* One NAME=VALUE word into *d: 0, or -1 with err. */
static int parse_word(const char *w, size_t len, const struct vmctl_caps *caps, struct vmctl_set *d,
		      char *err, size_t err_size)
{
	const char *eq = find_eq(w, len), *value, *why;
	size_t name_len, value_len;
	const struct vmctl_control *c;
	int vector;
	bool on;

	if (len > VMCTL_WORD_MAX) {
		hv_snprintf(err, err_size, "'%.20s...' is too long for a NAME=VALUE word", w);
		return -1;
	}
	if (!eq) {
		hv_snprintf(err, err_size, "'%.*s': expected NAME=on|off or #EXC=trap|off", (int)len, w);
		return -1;
	}
	name_len = (size_t)(eq - w);
	value = eq + 1;
	value_len = len - name_len - 1;
	if (name_len && w[0] == '#') {
		vector = vmctl_exception_vector(w, name_len);
		if (vector < 0) {
			hv_snprintf(err, err_size, "unknown exception '%.*s' (#DE, #DB, #BP, #UD, #GP, #PF, ...)",
				    (int)name_len, w);
			return -1;
		}
		if (!word_is(value, value_len, "trap") && !word_is(value, value_len, "off")) {
			hv_snprintf(err, err_size, "'%.*s': expected %.*s=trap or %.*s=off", (int)len, w,
				    (int)name_len, w, (int)name_len, w);
			return -1;
		}
		on = word_is(value, value_len, "trap");
		why = on ? vmctl_exception_refusal((unsigned)vector) : NULL;
		if (why) {
			hv_snprintf(err, err_size, "%.*s refused: %s", (int)len, w, why);
			return -1;
		}
		d->trap = on ? d->trap | (1U << vector) : d->trap & ~(1U << vector);
		d->untrap = on ? d->untrap & ~(1U << vector) : d->untrap | (1U << vector);
		return 0;
	}
	c = vmctl_find(w, name_len);
	if (!c) {
		hv_snprintf(err, err_size, "unknown control '%.*s' ('vmctl ID' lists them)", (int)name_len, w);
		return -1;
	}
	if (!word_is(value, value_len, "on") && !word_is(value, value_len, "off")) {
		hv_snprintf(err, err_size, "'%.*s': expected %s=on or %s=off", (int)len, w, c->name, c->name);
		return -1;
	}
	on = word_is(value, value_len, "on");
	why = vmctl_refusal(c, on, caps);
	if (why) {
		hv_snprintf(err, err_size, "%.*s refused: %s", (int)len, w, why);
		return -1;
	}
	d->set[c->word] = on ? d->set[c->word] | c->bit : d->set[c->word] & ~c->bit;
	d->clear[c->word] = on ? d->clear[c->word] & ~c->bit : d->clear[c->word] | c->bit;
	return 0;
}

int vmctl_parse(const char *text, size_t len, const struct vmctl_caps *caps, struct vmctl_set *out,
		char *err, size_t err_size)
{
	struct vmctl_set d;
	size_t i = 0, words = 0;

	memset(&d, 0, sizeof(d));
	while (i < len) {
		size_t start;

		while (i < len && separator(text[i]))
			i++;
		if (i == len)
			break;
		start = i;
		while (i < len && !separator(text[i]) && text[i])
			i++;
		if (i < len && !text[i]) {
			hv_snprintf(err, err_size, "a NUL byte inside the settings");
			return -1;
		}
		if (parse_word(text + start, i - start, caps, &d, err, err_size))
			return -1;
		words++;
	}
	if (!words) {
		hv_snprintf(err, err_size, "nothing to change: expected NAME=on|off or #EXC=trap|off");
		return -1;
	}
	*out = d;
	return 0;
}

void vmctl_merge(struct vmctl_set *into, const struct vmctl_set *delta)
{
	unsigned w;

	for (w = 0; w < VMCTL_WORDS; w++) {
		into->set[w] = (into->set[w] & ~delta->clear[w]) | delta->set[w];
		into->clear[w] = (into->clear[w] & ~delta->set[w]) | delta->clear[w];
	}
	into->trap = (into->trap & ~delta->untrap) | delta->trap;
	into->untrap = 0;
}

/* Appends one word; false once it no longer fits. */
static bool append(char *buf, size_t size, size_t *at, const char *name, const char *value)
{
	int n = hv_snprintf(buf + *at, size - *at, "%s%s=%s", *at ? "," : "", name, value);

	if (n < 0 || (size_t)n >= size - *at)
		return false;
	*at += (size_t)n;
	return true;
}

size_t vmctl_format(const struct vmctl_set *s, char *buf, size_t size)
{
	size_t at = 0;
	unsigned i;

	if (!size)
		return 0;
	buf[0] = '\0';
	for (i = 0; i < vmctl_control_count; i++) {
		const struct vmctl_control *c = &vmctl_controls[i];
		bool set = s->set[c->word] & c->bit, clear = s->clear[c->word] & c->bit;

		if ((set || clear) && !append(buf, size, &at, c->name, set ? "on" : "off"))
			goto full;
	}
	for (i = 0; i < 32; i++)
		if ((s->trap & (1U << i)) && exception_names[i] &&
		    !append(buf, size, &at, exception_names[i], "trap"))
			goto full;
	return at;
full:
	buf[0] = '\0';
	return 0;
}
