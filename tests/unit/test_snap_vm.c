/*
 * Unit tests of the VM section's payload (vmm/snapshot/snap_vm.c): a
 * configuration and clock come back exactly; every truncation, a trailing
 * byte, a string without room for its NUL or with a NUL inside, too many
 * CPUs, no name and a vCPU count out of range are refused with the output
 * unchanged. Runs on the host under cmocka.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/snapshot/snap_vm.h"

static uint8_t buf[SNAP_VM_PAYLOAD_MAX];

static struct snap_vm sample(void)
{
	struct snap_vm vm;

	memset(&vm, 0, sizeof(vm));
	strcpy(vm.cfg.name, "linux");
	strcpy(vm.cfg.kernel, "vmlinuz");
	strcpy(vm.cfg.initrd, "initrd.img");
	strcpy(vm.cfg.cmdline, "console=ttyS0 quiet");
	vm.cfg.memory_bytes = 256ULL << 20;
	vm.cfg.vcpus = 2;
	vm.cfg.type = 3;
	vm.cfg.load_addr = 0x100000;
	vm.cfg.cpu_count = 2;
	vm.cfg.cpus[0] = 1;
	vm.cfg.cpus[1] = 0;
	strcpy(vm.cfg.vmctl, "rdtsc-exiting=on,#BP=trap");
	vm.clock_ticks = 0x123456789aULL;
	vm.tsc_hz = 100000000ULL;
	return vm;
}

static size_t encode(const struct snap_vm *vm)
{
	struct snap_out o;

	snap_out_init(&o, buf, sizeof(buf));
	snap_vm_put(&o, vm);
	assert_false(o.overrun);
	return o.len;
}

static void assert_same(const struct snap_vm *a, const struct snap_vm *b)
{
	assert_string_equal(a->cfg.name, b->cfg.name);
	assert_string_equal(a->cfg.kernel, b->cfg.kernel);
	assert_string_equal(a->cfg.initrd, b->cfg.initrd);
	assert_string_equal(a->cfg.cmdline, b->cfg.cmdline);
	assert_int_equal(a->cfg.memory_bytes, b->cfg.memory_bytes);
	assert_int_equal(a->cfg.vcpus, b->cfg.vcpus);
	assert_int_equal(a->cfg.type, b->cfg.type);
	assert_int_equal(a->cfg.load_addr, b->cfg.load_addr);
	assert_int_equal(a->cfg.cpu_count, b->cfg.cpu_count);
	assert_memory_equal(a->cfg.cpus, b->cfg.cpus, a->cfg.cpu_count);
	assert_string_equal(a->cfg.vmctl, b->cfg.vmctl);
	assert_int_equal(a->clock_ticks, b->clock_ticks);
	assert_int_equal(a->tsc_hz, b->tsc_hz);
}

/* A refusal with `why` in its reason, and out left as it was. */
static void assert_refused(size_t len, const char *why)
{
	struct snap_vm out, before;
	const char *got;

	memset(&out, 0xa5, sizeof(out));
	before = out;
	got = snap_vm_get(buf, len, &out);
	assert_non_null(got);
	if (why)
		assert_non_null(strstr(got, why));
	assert_memory_equal(&out, &before, sizeof(out));
}

static void test_round_trip(void **state)
{
	struct snap_vm in = sample(), out;
	size_t len = encode(&in);

	assert_null(snap_vm_get(buf, len, &out));
	assert_same(&in, &out);
	assert_true(len <= SNAP_VM_PAYLOAD_MAX);
}

static void test_longest_fits(void **state)
{
	struct snap_vm in = sample(), out;
	size_t len;

	memset(in.cfg.name, 'n', sizeof(in.cfg.name) - 1);
	memset(in.cfg.kernel, 'k', sizeof(in.cfg.kernel) - 1);
	memset(in.cfg.initrd, 'i', sizeof(in.cfg.initrd) - 1);
	memset(in.cfg.cmdline, 'c', sizeof(in.cfg.cmdline) - 1);
	in.cfg.cpu_count = HVCFG_CPUS_MAX;
	memset(in.cfg.vmctl, 'v', sizeof(in.cfg.vmctl) - 1);
	len = encode(&in);
	assert_int_equal(len, SNAP_VM_PAYLOAD_MAX);
	assert_null(snap_vm_get(buf, len, &out));
	assert_same(&in, &out);
}

static void test_truncations_and_trailing(void **state)
{
	struct snap_vm in = sample();
	size_t len = encode(&in), n;

	for (n = 0; n < len; n++)
		assert_refused(n, NULL);
	assert_refused(len - 1, "truncated");
	buf[len] = 0;
	assert_refused(len + 1, "longer than its fields");
}

static void test_bad_strings(void **state)
{
	struct snap_vm in = sample();
	size_t len = encode(&in);

	/* The name's length says 32: no room for its NUL. */
	buf[0] = HVCFG_NAME_MAX;
	assert_refused(len, "malformed");
	/* A NUL inside the name. */
	encode(&in);
	buf[2 + 1] = 0;
	assert_refused(len, "malformed");
}

static void test_bad_numbers(void **state)
{
	struct snap_vm in = sample();

	in.cfg.vcpus = 0;
	assert_refused(encode(&in), "vCPU count");
	in.cfg.vcpus = HVCFG_VCPUS_MAX + 1;
	assert_refused(encode(&in), "vCPU count");
	in = sample();
	in.cfg.name[0] = 0;
	assert_refused(encode(&in), "no guest name");
}

static void test_too_many_cpus(void **state)
{
	struct snap_vm in = sample();
	size_t len = encode(&in);
	/* name, kernel, initrd, cmdline strings, memory, vcpus, type, load address: then the CPU count. */
	size_t at = 2 + strlen(in.cfg.name) + 2 + strlen(in.cfg.kernel) + 2 + strlen(in.cfg.initrd) +
		    2 + strlen(in.cfg.cmdline) + 8 + 4 + 1 + 8;

	assert_int_equal(buf[at], 2);
	buf[at] = HVCFG_CPUS_MAX + 1;
	assert_refused(len, "too many CPUs");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_longest_fits),
		cmocka_unit_test(test_truncations_and_trailing),
		cmocka_unit_test(test_bad_strings),
		cmocka_unit_test(test_bad_numbers),
		cmocka_unit_test(test_too_many_cpus),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
