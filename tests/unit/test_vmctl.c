/*
 * Host unit test for vmm/abi/vmctl.c: the control table (names unique,
 * bits where the SDM puts them, one entry per bit), the changeability
 * decision against capability masks, the parser of NAME=on|off and
 * #EXC=trap|off words (each refusal with its one line and nothing
 * changed), merging, and the canonical text that snapshots carry.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86/vmcs_fields.h"
#include "boot/hvcfg.h"
#include "vmm/abi/vmctl.h"

/* A CPU that offers every bit and forces none. */
static struct vmctl_caps all_caps(void)
{
	struct vmctl_caps c;

	memset(&c, 0, sizeof(c));
	memset(c.may1, 0xff, sizeof(c.may1));
	return c;
}

static const struct vmctl_control *find(const char *name)
{
	return vmctl_find(name, strlen(name));
}

static int parse(const char *text, const struct vmctl_caps *caps, struct vmctl_set *out, char *err)
{
	return vmctl_parse(text, strlen(text), caps, out, err, 160);
}

static void test_table(void **state)
{
	unsigned i, j;
	uint32_t seen[VMCTL_WORDS] = { 0 };

	(void)state;
	for (i = 0; i < vmctl_control_count; i++) {
		const struct vmctl_control *c = &vmctl_controls[i];

		assert_true(c->word < VMCTL_WORDS);
		assert_int_equal(__builtin_popcount(c->bit), 1);
		assert_false(seen[c->word] & c->bit); /* one entry per bit */
		seen[c->word] |= c->bit;
		assert_true(c->policy == VMCTL_CHANGEABLE || (c->why && c->why[0]));
		assert_ptr_equal(find(c->name), c);
		for (j = i + 1; j < vmctl_control_count; j++)
			assert_string_not_equal(c->name, vmctl_controls[j].name);
	}
	/* The bits the handlers rely on are where the SDM puts them (vmcs_fields.h). */
	assert_int_equal(find("rdtsc-exiting")->bit, CPU_RDTSC_EXITING);
	assert_int_equal(find("hlt-exiting")->bit, CPU_HLT_EXITING);
	assert_int_equal(find("invlpg-exiting")->bit, CPU_INVLPG_EXITING);
	assert_int_equal(find("mov-dr-exiting")->bit, CPU_MOV_DR_EXITING);
	assert_int_equal(find("cr3-load-exiting")->bit, CPU_CR3_LOAD_EXITING);
	assert_int_equal(find("cr3-store-exiting")->bit, CPU_CR3_STORE_EXITING);
	assert_int_equal(find("pause-exiting")->bit, CPU_PAUSE_EXITING);
	assert_int_equal(find("rdrand-exiting")->bit, CPU2_RDRAND_EXITING);
	assert_int_equal(find("rdseed-exiting")->bit, CPU2_RDSEED_EXITING);
	assert_int_equal(find("wbinvd-exiting")->bit, CPU2_WBINVD_EXITING);
	assert_int_equal(find("enable-ept")->bit, CPU2_ENABLE_EPT);
	assert_int_equal(find("external-interrupt-exiting")->bit, PIN_EXTINT_EXITING);
	assert_int_equal(find("rdtsc-exiting")->word, VMCTL_PROC);
	assert_int_equal(find("enable-ept")->word, VMCTL_PROC2);
	/* What the hypervisor needs is never the operator's. */
	assert_int_equal(find("enable-ept")->policy, VMCTL_REQUIRED);
	assert_int_equal(find("unrestricted-guest")->policy, VMCTL_REQUIRED);
	assert_int_equal(find("external-interrupt-exiting")->policy, VMCTL_REQUIRED);
	assert_int_equal(find("io-bitmaps")->policy, VMCTL_REQUIRED);
	assert_int_equal(find("msr-bitmaps")->policy, VMCTL_REQUIRED);
	assert_int_equal(find("preemption-timer")->policy, VMCTL_REQUIRED);
	assert_int_equal(find("descriptor-table-exiting")->policy, VMCTL_UNSUPPORTED);
	assert_null(find("rdtsc"));
	assert_null(find("rdtsc-exitingx"));
	assert_null(vmctl_find("rdtsc-exiting", 5));
}

static void test_exceptions(void **state)
{
	(void)state;
	assert_int_equal(vmctl_exception_vector("#BP", 3), 3);
	assert_int_equal(vmctl_exception_vector("#bp", 3), 3);
	assert_int_equal(vmctl_exception_vector("#PF", 3), 14);
	assert_int_equal(vmctl_exception_vector("#DE", 3), 0);
	assert_int_equal(vmctl_exception_vector("#XX", 3), -1);
	assert_int_equal(vmctl_exception_vector("BP", 2), -1);
	assert_int_equal(vmctl_exception_vector("#BPX", 4), -1);
	assert_int_equal(vmctl_exception_vector("$BP", 3), -1);
	assert_null(vmctl_exception_name(2)); /* NMI: not the exception bitmap's */
	assert_null(vmctl_exception_name(9));
	assert_null(vmctl_exception_name(32));
	assert_string_equal(vmctl_exception_name(13), "#GP");
	assert_null(vmctl_exception_refusal(3));
	assert_null(vmctl_exception_refusal(14));
	assert_non_null(vmctl_exception_refusal(18)); /* #MC is the host's */
	assert_non_null(vmctl_exception_refusal(20));
	assert_non_null(vmctl_exception_refusal(2));
	assert_non_null(vmctl_exception_refusal(40));
}

static void test_decision(void **state)
{
	struct vmctl_caps caps = all_caps();
	const struct vmctl_control *rdtsc = find("rdtsc-exiting"), *ept = find("enable-ept");

	(void)state;
	assert_null(vmctl_refusal(rdtsc, true, &caps));
	assert_null(vmctl_refusal(rdtsc, false, &caps));
	assert_null(vmctl_fixed_reason(rdtsc, &caps));
	/* Policy first: a required control is refused either way, whatever the CPU allows. */
	assert_non_null(strstr(vmctl_refusal(ept, false, &caps), "required by the hypervisor"));
	assert_non_null(vmctl_refusal(ept, true, &caps));
	assert_non_null(vmctl_fixed_reason(ept, &caps));
	/* allowed-1 clear: may not be turned on, may stay off. */
	caps.may1[VMCTL_PROC] &= ~CPU_RDTSC_EXITING;
	assert_non_null(strstr(vmctl_refusal(rdtsc, true, &caps), "allowed-1"));
	assert_null(vmctl_refusal(rdtsc, false, &caps));
	assert_non_null(vmctl_fixed_reason(rdtsc, &caps));
	/* allowed-0 set: may not be turned off. */
	caps = all_caps();
	caps.must1[VMCTL_PROC] |= CPU_RDTSC_EXITING;
	assert_null(vmctl_refusal(rdtsc, true, &caps));
	assert_non_null(strstr(vmctl_refusal(rdtsc, false, &caps), "allowed-0"));
	/* A bit in another word does not count. */
	caps = all_caps();
	caps.may1[VMCTL_PROC2] &= ~CPU_RDTSC_EXITING;
	assert_null(vmctl_refusal(rdtsc, true, &caps));
}

static void test_parse_ok(void **state)
{
	struct vmctl_caps caps = all_caps();
	struct vmctl_set s;
	char err[160] = "";

	(void)state;
	assert_int_equal(parse("rdtsc-exiting=on #BP=trap,hlt-exiting=off\t#pf=trap", &caps, &s, err), 0);
	assert_int_equal(s.set[VMCTL_PROC], CPU_RDTSC_EXITING);
	assert_int_equal(s.clear[VMCTL_PROC], CPU_HLT_EXITING);
	assert_int_equal(s.set[VMCTL_PIN] | s.clear[VMCTL_PIN] | s.set[VMCTL_PROC2], 0);
	assert_int_equal(s.trap, (1U << 3) | (1U << 14));
	assert_int_equal(s.untrap, 0);
	/* The later word about the same control wins. */
	assert_int_equal(parse("rdtsc-exiting=on rdtsc-exiting=off #UD=trap #UD=off", &caps, &s, err), 0);
	assert_int_equal(s.set[VMCTL_PROC], 0);
	assert_int_equal(s.clear[VMCTL_PROC], CPU_RDTSC_EXITING);
	assert_int_equal(s.trap, 0);
	assert_int_equal(s.untrap, 1U << 6);
	/* Not NUL-terminated: only len bytes count. */
	assert_int_equal(vmctl_parse("pause-exiting=onXYZ", 16, &caps, &s, err, sizeof(err)), 0);
	assert_int_equal(s.set[VMCTL_PROC], CPU_PAUSE_EXITING);
	assert_int_equal(parse("  ,, rdrand-exiting=on ,", &caps, &s, err), 0);
	assert_int_equal(s.set[VMCTL_PROC2], CPU2_RDRAND_EXITING);
}

/* Each refusal: -1, one line naming what was wrong, *out untouched. */
static void refused(const char *text, const struct vmctl_caps *caps, const char *says)
{
	struct vmctl_set s, before;
	char err[160] = "";

	memset(&s, 0xa5, sizeof(s));
	before = s;
	assert_int_equal(parse(text, caps, &s, err), -1);
	assert_memory_equal(&s, &before, sizeof(s));
	assert_non_null(strstr(err, says));
	assert_null(strchr(err, '\n'));
}

static void test_parse_refusals(void **state)
{
	struct vmctl_caps caps = all_caps();
	char long_word[80];

	(void)state;
	refused("", &caps, "nothing to change");
	refused(" , ", &caps, "nothing to change");
	refused("rdtsc-exiting", &caps, "expected NAME=on|off");
	refused("frobnicate=on", &caps, "unknown control 'frobnicate'");
	refused("=on", &caps, "unknown control ''");
	refused("rdtsc-exiting=maybe", &caps, "expected rdtsc-exiting=on or rdtsc-exiting=off");
	refused("rdtsc-exiting=ON", &caps, "expected rdtsc-exiting=on");
	refused("rdtsc-exiting=", &caps, "expected rdtsc-exiting=on");
	refused("#BP=on", &caps, "expected #BP=trap or #BP=off");
	refused("#XY=trap", &caps, "unknown exception '#XY'");
	refused("#MC=trap", &caps, "#MC=trap refused: a machine check");
	refused("enable-ept=off", &caps, "enable-ept=off refused: required by the hypervisor");
	refused("external-interrupt-exiting=off", &caps, "required by the hypervisor");
	refused("unrestricted-guest=off", &caps, "required by the hypervisor");
	refused("descriptor-table-exiting=on", &caps, "not supported by the hypervisor");
	refused("monitor-trap-flag=on", &caps, "not supported by the hypervisor");
	/* All or nothing: a good word before a bad one changes nothing either. */
	refused("rdtsc-exiting=on enable-ept=off", &caps, "enable-ept=off refused");
	memset(long_word, 'a', sizeof(long_word) - 1);
	long_word[sizeof(long_word) - 1] = '\0';
	refused(long_word, &caps, "too long");
	caps.may1[VMCTL_PROC2] &= ~CPU2_RDSEED_EXITING;
	refused("rdseed-exiting=on", &caps, "rdseed-exiting=on refused: not offered by this CPU");
	caps = all_caps();
	caps.must1[VMCTL_PROC] |= CPU_CR3_LOAD_EXITING;
	refused("cr3-load-exiting=off", &caps, "does not let it be off");
	{
		struct vmctl_set s;
		char err[160];

		assert_int_equal(vmctl_parse("hlt-exiting=on\0#BP=trap", 23, &caps, &s, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "NUL"));
	}
}

static void test_merge_and_apply(void **state)
{
	struct vmctl_caps caps = all_caps();
	struct vmctl_set vm, d;
	char err[160];

	(void)state;
	memset(&vm, 0, sizeof(vm));
	assert_int_equal(parse("rdtsc-exiting=on hlt-exiting=off #BP=trap #UD=trap", &caps, &d, err), 0);
	vmctl_merge(&vm, &d);
	assert_int_equal(vmctl_apply(&vm, VMCTL_PROC, CPU_HLT_EXITING | CPU_USE_IO_BITMAPS),
			 CPU_RDTSC_EXITING | CPU_USE_IO_BITMAPS);
	assert_int_equal(vm.trap, (1U << 3) | (1U << 6));
	assert_int_equal(parse("rdtsc-exiting=off hlt-exiting=on #BP=off", &caps, &d, err), 0);
	vmctl_merge(&vm, &d);
	assert_int_equal(vmctl_apply(&vm, VMCTL_PROC, CPU_HLT_EXITING | CPU_RDTSC_EXITING),
			 CPU_HLT_EXITING);
	assert_int_equal(vm.trap, 1U << 6);
	assert_int_equal(vm.untrap, 0);
	assert_int_equal(vm.set[VMCTL_PROC] & vm.clear[VMCTL_PROC], 0);
}

static void test_format(void **state)
{
	struct vmctl_caps caps = all_caps();
	struct vmctl_set vm, d, back;
	char text[HVCFG_VMCTL_MAX], err[160], all[1024] = "";
	size_t n = 0;
	unsigned i;

	(void)state;
	memset(&vm, 0, sizeof(vm));
	assert_int_equal(vmctl_format(&vm, text, sizeof(text)), 0);
	assert_string_equal(text, "");
	assert_int_equal(parse("#PF=trap rdtsc-exiting=on hlt-exiting=off", &caps, &d, err), 0);
	vmctl_merge(&vm, &d);
	assert_true(vmctl_format(&vm, text, sizeof(text)) > 0);
	assert_string_equal(text, "hlt-exiting=off,rdtsc-exiting=on,#PF=trap");
	assert_int_equal(vmctl_format(&vm, text, 10), 0);
	assert_string_equal(text, "");
	/* Every changeable control changed and every exception trapped still fits hv.cfg's key. */
	for (i = 0; i < vmctl_control_count; i++)
		if (vmctl_controls[i].policy == VMCTL_CHANGEABLE)
			n += (size_t)snprintf(all + n, sizeof(all) - n, "%s=off ", vmctl_controls[i].name);
	for (i = 0; i < 32; i++)
		if (vmctl_exception_name(i) && !vmctl_exception_refusal(i))
			n += (size_t)snprintf(all + n, sizeof(all) - n, "%s=trap ", vmctl_exception_name(i));
	memset(&vm, 0, sizeof(vm));
	assert_int_equal(parse(all, &caps, &d, err), 0);
	vmctl_merge(&vm, &d);
	assert_true(vmctl_format(&vm, text, sizeof(text)) > 0);
	/* ... and reads back as the same settings. */
	assert_int_equal(parse(text, &caps, &back, err), 0);
	memset(&d, 0, sizeof(d));
	vmctl_merge(&d, &back);
	assert_memory_equal(&d, &vm, sizeof(vm));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_exceptions),
		cmocka_unit_test(test_decision),
		cmocka_unit_test(test_parse_ok),
		cmocka_unit_test(test_parse_refusals),
		cmocka_unit_test(test_merge_and_apply),
		cmocka_unit_test(test_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
