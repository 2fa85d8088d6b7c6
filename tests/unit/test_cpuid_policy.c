/*
 * Unit tests of vmm/exit/cpuid_policy.c against a fake host CPU modelled on a
 * Skylake-X (i9-7900X: GenuineIntel, VMX, AVX-512, MPX, PKU), with a few
 * bits a Skylake-X lacks (SGX, WAITPKG, hybrid, SVM) set so that hiding
 * them is tested too. Runs on the host under cmocka.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/exit/cpuid_policy.h"
#include "vmm/abi/hypercall_abi.h"

#define ANY 0xffffffffU
#define BIT(n) (1U << (n))

#define CR4_OSXSAVE (1ULL << 18)
#define CR4_PKE (1ULL << 22)

struct fake_leaf {
	uint32_t leaf, subleaf;
	uint32_t r[4];
};

static const struct fake_leaf skylake_x[] = {
	{ 0x0, ANY, { 0x16, 0x756e6547, 0x6c65746e, 0x49656e69 } }, /* GenuineIntel */
	/* family 6 model 0x55 stepping 4; APIC ID 0x0a, 32 IDs, CLFLUSH 64 bytes */
	{ 0x1, ANY, { 0x00050654, 0x0a200800, 0x7ffefbff, 0xbfebfbff } },
	{ 0x2, ANY, { 0x00feff01, 0x000000f0, 0, 0x00c30000 } },
	{ 0x4, 0, { 0x3c004121, 0x01c0003f, 0x0000003f, 0 } }, /* L1d, 2 threads, 16 cores */
	{ 0x4, 1, { 0x3c004122, 0x01c0003f, 0x0000003f, 0 } }, /* L1i */
	{ 0x4, 2, { 0x3c004143, 0x03c0003f, 0x000003ff, 0 } }, /* L2 */
	{ 0x4, 3, { 0x3c07c163, 0x0280003f, 0x00002fff, 4 } }, /* L3, 32 threads */
	{ 0x5, ANY, { 0x40, 0x40, 3, 0x00002020 } },
	{ 0x6, ANY, { 0x77, 2, 9, 0 } },
	/* FSGSBASE TSC_ADJUST SGX* BMI1 HLE AVX2 FDP SMEP BMI2 ERMS INVPCID RTM RDT-M
	 * FPU-CS MPX RDT-A AVX512F/DQ RDSEED ADX SMAP CLFLUSHOPT CLWB PT AVX512CD/BW/VL;
	 * ECX: PKU OSPKE WAITPKG* SGX_LC*; EDX: MD_CLEAR hybrid* IBRS STIBP L1D ARCH_CAP
	 * CORE_CAP* SSBD */
	{ 0x7, 0, { 0, 0xd39fffff, 0x4000003c, 0xfc008400 } },
	{ 0xa, ANY, { 0x07300404, 0, 0, 0x00000603 } },
	{ 0xb, 0, { 1, 2, 0x100, 0x0a } },
	{ 0xb, 1, { 5, 20, 0x201, 0x0a } },
	/* x87 SSE AVX BNDREGS BNDCSR opmask ZMM_Hi256 Hi16_ZMM PKRU; host XCR0 = all of them */
	{ 0xd, 0, { 0x2ff, 0xa88, 0xa88, 0 } },
	{ 0xd, 1, { 0xf, 0xa88, 0x100, 0 } }, /* XSAVEOPT XSAVEC XGETBV1 XSAVES; XSS: PT */
	{ 0xd, 2, { 256, 576, 0, 0 } },
	{ 0xd, 3, { 64, 960, 0, 0 } },
	{ 0xd, 4, { 64, 1024, 0, 0 } },
	{ 0xd, 5, { 64, 1088, 0, 0 } },
	{ 0xd, 6, { 512, 1152, 0, 0 } },
	{ 0xd, 7, { 1024, 1664, 0, 0 } },
	{ 0xd, 8, { 128, 0, 1, 0 } }, /* PT: supervisor */
	{ 0xd, 9, { 8, 2688, 2, 0 } }, /* PKRU: 64-byte aligned when compacted */
	{ 0x15, ANY, { 2, 0x118, 0, 0 } },
	{ 0x16, ANY, { 0xce4, 0x1194, 0x64, 0 } },
	{ 0x80000000U, ANY, { 0x80000008U, 0, 0, 0 } },
	/* ECX: LAHF SVM* LZCNT PREFETCHW; EDX: SYSCALL NX 1GB RDTSCP LM */
	{ 0x80000001U, ANY, { 0, 0, 0x125, 0x2c100800 } },
	{ 0x80000002U, ANY, { 0x65746e49, 0x2952286c, 0x726f4320, 0x4d542865 } },
	{ 0x80000003U, ANY, { 0x39692029, 0x3039372d, 0x43205830, 0x40205550 } },
	{ 0x80000004U, ANY, { 0x332e3320, 0x7a484730, 0, 0 } },
	{ 0x80000006U, ANY, { 0, 0, 0x04008040, 0 } },
	{ 0x80000007U, ANY, { 0x11, 0x22, 0x33, 0x100 | BIT(9) } },
	{ 0x80000008U, ANY, { 0x0000302e, 0, 0, 0 } },
};

#define HOST_MAX 64
static struct fake_leaf host[HOST_MAX];
static unsigned host_n;

static struct fake_leaf *host_entry(uint32_t leaf, uint32_t subleaf)
{
	unsigned i;

	for (i = 0; i < host_n; i++)
		if (host[i].leaf == leaf && (host[i].subleaf == ANY || host[i].subleaf == subleaf))
			return &host[i];
	return NULL;
}

/* Answers as an Intel CPU: leaves past the maxima give the highest basic leaf. */
static void fake_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
	const struct fake_leaf *e = host_entry(leaf, subleaf);
	uint32_t max_basic = host_entry(0, 0)->r[0];
	uint32_t max_ext = host_entry(0x80000000U, 0)->r[0];

	if (!e && leaf > max_basic && !(leaf >= 0x80000000U && leaf <= max_ext))
		e = host_entry(max_basic, subleaf);
	if (e)
		memcpy(out, e->r, 16);
	else
		memset(out, 0, 16);
}

static int reset_host(void **state)
{
	(void)state;
	memcpy(host, skylake_x, sizeof(skylake_x));
	host_n = sizeof(skylake_x) / sizeof(skylake_x[0]);
	return 0;
}

static struct cpuid_ctx ctx(uint32_t id, uint32_t count)
{
	return (struct cpuid_ctx){ .host = fake_cpuid, .vcpu_id = id, .vcpu_count = count,
				   .guest_cr4 = 0, .guest_xcr0 = 1 };
}

static void guest(const struct cpuid_ctx *c, uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
	memset(out, 0xcc, 16); /* catches a register left unwritten */
	cpuid_guest(c, leaf, subleaf, out);
}

static void test_vendor_and_max_leaf(void **state)
{
	struct cpuid_ctx c = ctx(0, 1);
	uint32_t r[4];

	(void)state;
	guest(&c, 0, 0, r);
	assert_int_equal(r[0], 0x16);
	assert_memory_equal(&r[1], "Genu", 4);
	assert_memory_equal(&r[3], "ineI", 4);
	assert_memory_equal(&r[2], "ntel", 4);

	/* A newer host with more basic leaves: capped at 1FH. */
	host_entry(0, 0)->r[0] = 0x23;
	guest(&c, 0, 0, r);
	assert_int_equal(r[0], 0x1f);
}

static void test_leaf1_apic_id_and_count(void **state)
{
	struct cpuid_ctx c = ctx(3, 4);
	uint32_t r[4];

	(void)state;
	guest(&c, 1, 0, r);
	assert_int_equal(r[0], 0x00050654);
	assert_int_equal(r[1] >> 24, 3);
	assert_int_equal((r[1] >> 16) & 0xff, 4);
	assert_int_equal(r[1] & 0xffff, 0x0800);
	assert_true(r[3] & BIT(28)); /* HTT */

	c = ctx(0, 1);
	guest(&c, 1, 0, r);
	assert_int_equal(r[1] >> 24, 0);
	assert_int_equal((r[1] >> 16) & 0xff, 1);
	assert_false(r[3] & BIT(28));
}

static void test_leaf1_features(void **state)
{
	struct cpuid_ctx c = ctx(0, 2);
	uint32_t r[4];
	static const unsigned ecx_gone[] = { 2, 3, 4, 5, 6, 7, 8, 11, 15, 21 };
	static const unsigned edx_gone[] = { 7, 12, 14, 21, 22, 29, 31 };
	/* SSE3 PCLMUL SSSE3 FMA CX16 PCID SSE4.1 SSE4.2 MOVBE POPCNT AES XSAVE AVX F16C RDRAND */
	static const unsigned ecx_kept[] = { 0, 1, 9, 12, 13, 17, 19, 20, 22, 23, 25, 26, 28, 29, 30 };
	/* FPU TSC MSR PAE CX8 APIC SEP PGE CMOV PAT CLFLUSH MMX FXSR SSE SSE2 */
	static const unsigned edx_kept[] = { 0, 4, 5, 6, 8, 9, 11, 13, 15, 16, 19, 23, 24, 25, 26 };
	unsigned i;

	(void)state;
	guest(&c, 1, 0, r);
	for (i = 0; i < sizeof(ecx_gone) / sizeof(ecx_gone[0]); i++)
		assert_false(r[2] & BIT(ecx_gone[i]));
	for (i = 0; i < sizeof(edx_gone) / sizeof(edx_gone[0]); i++)
		assert_false(r[3] & BIT(edx_gone[i]));
	for (i = 0; i < sizeof(ecx_kept) / sizeof(ecx_kept[0]); i++)
		assert_true(r[2] & BIT(ecx_kept[i]));
	for (i = 0; i < sizeof(edx_kept) / sizeof(edx_kept[0]); i++)
		assert_true(r[3] & BIT(edx_kept[i]));
	assert_true(r[2] & BIT(31)); /* hypervisor */
	assert_true(r[2] & BIT(24)); /* TSC-deadline timer: the virtual LAPIC has it */
}

static void test_osxsave_follows_guest_cr4(void **state)
{
	struct cpuid_ctx c = ctx(0, 1);
	uint32_t r[4];

	(void)state;
	guest(&c, 1, 0, r);
	assert_false(r[2] & BIT(27)); /* host CR4 has it; the guest's does not */
	c.guest_cr4 = CR4_OSXSAVE;
	guest(&c, 1, 0, r);
	assert_true(r[2] & BIT(27));

	/* Without XSAVE in the host, never. */
	host_entry(1, 0)->r[2] &= ~BIT(26);
	guest(&c, 1, 0, r);
	assert_false(r[2] & BIT(27));
	assert_false(r[2] & BIT(26));
	guest(&c, 0xd, 0, r);
	assert_int_equal(r[0] | r[1] | r[2] | r[3], 0);
}

static void test_leaf4_cache_topology(void **state)
{
	struct cpuid_ctx c = ctx(1, 4);
	uint32_t r[4], sub;

	(void)state;
	for (sub = 0; sub < 4; sub++) {
		guest(&c, 4, sub, r);
		assert_int_equal(r[0] >> 26, 3);
		assert_int_equal((r[0] >> 14) & 0xfff, 0);
		assert_int_equal(r[0] & 0x3fff, host_entry(4, sub)->r[0] & 0x3fff);
		assert_int_equal(r[1], host_entry(4, sub)->r[1]);
		assert_int_equal(r[2], host_entry(4, sub)->r[2]);
	}
	guest(&c, 4, 4, r); /* the null entry ends the list */
	assert_int_equal(r[0], 0);
}

static void test_zeroed_leaves(void **state)
{
	struct cpuid_ctx c = ctx(0, 1);
	static const uint32_t leaves[] = { 5, 6, 0xa };
	uint32_t r[4];
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++) {
		guest(&c, leaves[i], 0, r);
		assert_int_equal(r[0] | r[1] | r[2] | r[3], 0);
	}
}

static void test_leaf7(void **state)
{
	struct cpuid_ctx c = ctx(0, 1);
	uint32_t r[4];

	(void)state;
	guest(&c, 7, 0, r);
	assert_false(r[1] & BIT(2));  /* SGX */
	assert_false(r[1] & BIT(25)); /* Intel PT */
	assert_false(r[1] & BIT(14)); /* MPX: its XSAVE state is not offered */
	assert_true(r[1] & BIT(10));  /* INVPCID */
	assert_true(r[1] & BIT(16));  /* AVX512F */
	assert_true(r[1] & (BIT(4) | BIT(11)));
	assert_false(r[2] & BIT(5));  /* WAITPKG */
	assert_false(r[2] & BIT(30)); /* SGX_LC */
	assert_true(r[2] & BIT(3));   /* PKU */
	assert_false(r[2] & BIT(4));  /* OSPKE: the guest's CR4.PKE is 0 */
	assert_false(r[3] & BIT(15)); /* hybrid */
	assert_false(r[3] & BIT(29)); /* ARCH_CAPABILITIES */
	assert_false(r[3] & BIT(30)); /* CORE_CAPABILITIES */
	assert_true(r[3] & BIT(10));  /* MD_CLEAR */

	c.guest_cr4 = CR4_PKE;
	guest(&c, 7, 0, r);
	assert_true(r[2] & BIT(4));

	/* Other subleaves pass through. */
	host[host_n++] = (struct fake_leaf){ 7, 1, { 0x10, 0, 0, 0 } };
	guest(&c, 7, 1, r);
	assert_int_equal(r[0], 0x10);
}

static void test_topology_leaves(void **state)
{
	struct cpuid_ctx c = ctx(5, 6);
	uint32_t r[4];

	(void)state;
	guest(&c, 0xb, 0, r);
	assert_int_equal(r[0], 0);
	assert_int_equal(r[1], 1);
	assert_int_equal(r[2], 0x100);
	assert_int_equal(r[3], 5);
	guest(&c, 0xb, 1, r);
	assert_int_equal(r[0], 3); /* 6 cores need 3 ID bits */
	assert_int_equal(r[1], 6);
	assert_int_equal(r[2], 0x201);
	assert_int_equal(r[3], 5);
	guest(&c, 0xb, 2, r);
	assert_int_equal(r[0], 0);
	assert_int_equal(r[1], 0);
	assert_int_equal(r[2], 2);
	assert_int_equal(r[3], 5);

	c = ctx(0, 1);
	guest(&c, 0xb, 1, r);
	assert_int_equal(r[0], 0);
	assert_int_equal(r[1], 1);

	/* 1FH only exists on a host that reports it, and says the same. */
	host_entry(0, 0)->r[0] = 0x1f;
	c = ctx(2, 8);
	guest(&c, 0x1f, 1, r);
	assert_int_equal(r[0], 3);
	assert_int_equal(r[1], 8);
	assert_int_equal(r[2], 0x201);
	assert_int_equal(r[3], 2);
}

static void test_xsave_leaf(void **state)
{
	struct cpuid_ctx c = ctx(0, 1);
	uint32_t r[4];

	(void)state;
	guest(&c, 0xd, 0, r);
	assert_int_equal(r[0], 0x2e7); /* x87 SSE AVX AVX-512 PKRU; no MPX */
	assert_int_equal(r[3], 0);
	assert_int_equal(r[1], 576); /* XCR0 = x87 only */
	assert_int_equal(r[2], 2696);

	c.guest_xcr0 = 0x7;
	guest(&c, 0xd, 0, r);
	assert_int_equal(r[1], 832);
	c.guest_xcr0 = 0xe7;
	guest(&c, 0xd, 0, r);
	assert_int_equal(r[1], 2688);
	c.guest_xcr0 = 0x2ff; /* MPX bits the guest cannot have do not count */
	guest(&c, 0xd, 0, r);
	assert_int_equal(r[1], 2696);

	guest(&c, 0xd, 1, r);
	assert_int_equal(r[0], 0x7); /* XSAVES hidden */
	c.hide_xsavec = true; /* a host whose XSAVEC is unsound (Bochs 2.7) */
	guest(&c, 0xd, 1, r);
	assert_int_equal(r[0], 0x5); /* XSAVEOPT and XGETBV1 stay */
	c.hide_xsavec = false;
	guest(&c, 0xd, 1, r);
	/* compacted: 576 + 256 + 64 + 512 + 1024, then PKRU 64-byte aligned: 2432 + 8 */
	assert_int_equal(r[1], 2440);
	assert_int_equal(r[2], 0);
	assert_int_equal(r[3], 0);

	guest(&c, 0xd, 2, r);
	assert_int_equal(r[0], 256);
	assert_int_equal(r[1], 576);
	guest(&c, 0xd, 3, r); /* BNDREGS: not offered */
	assert_int_equal(r[0] | r[1] | r[2] | r[3], 0);
	guest(&c, 0xd, 8, r); /* PT: supervisor, not offered */
	assert_int_equal(r[0] | r[1] | r[2] | r[3], 0);
	guest(&c, 0xd, 9, r);
	assert_int_equal(r[0], 8);
	assert_int_equal(r[1], 2688);
}

static void test_hypervisor_leaves(void **state)
{
	struct cpuid_ctx c = ctx(0, 1);
	uint32_t r[4];

	(void)state;
	guest(&c, 0x40000000U, 0, r);
	assert_int_equal(r[0], 0x40000001U);
	assert_int_equal(r[1], HV_CPUID_SIGNATURE_EBX);
	assert_int_equal(r[2], HV_CPUID_SIGNATURE_ECX);
	assert_int_equal(r[3], HV_CPUID_SIGNATURE_EDX);
	assert_memory_equal(&r[1], "hvhv", 4);
	guest(&c, 0x40000001U, 0, r);
	assert_int_equal(r[0], (HV_ABI_MAJOR << 16) | HV_ABI_MINOR);
	assert_int_equal(r[1] | r[2] | r[3], 0);
	guest(&c, 0x40000002U, 0, r);
	assert_int_equal(r[0] | r[1] | r[2] | r[3], 0);
	guest(&c, 0x40000100U, 0, r);
	assert_int_equal(r[0] | r[1] | r[2] | r[3], 0);
}

static void test_extended_leaves(void **state)
{
	struct cpuid_ctx c = ctx(0, 1);
	uint32_t r[4], brand[12];
	unsigned i;

	(void)state;
	guest(&c, 0x80000000U, 0, r);
	assert_int_equal(r[0], 0x80000008U);
	host_entry(0x80000000U, 0)->r[0] = 0x80000021U;
	guest(&c, 0x80000000U, 0, r);
	assert_int_equal(r[0], 0x80000008U);

	guest(&c, 0x80000001U, 0, r);
	assert_int_equal(r[2], 0x121); /* LAHF LZCNT PREFETCHW, no SVM */
	assert_int_equal(r[3], 0x2c100800);

	for (i = 0; i < 3; i++)
		guest(&c, 0x80000002U + i, 0, &brand[4 * i]);
	assert_string_equal((const char *)brand, "Intel(R) Core(TM) i9-7900X CPU @ 3.30GHz");

	guest(&c, 0x80000007U, 0, r);
	assert_int_equal(r[0] | r[1] | r[2], 0);
	assert_int_equal(r[3], 0x100);
	guest(&c, 0x80000008U, 0, r);
	assert_int_equal(r[0], 0x302e);
}

/* Leaves 15H/16H describe our TSC and LAPIC clock, not the host's crystal. */
static void test_tsc_leaves(void **state)
{
	struct cpuid_ctx c = ctx(0, 1);
	uint32_t r[4];

	(void)state;
	c.tsc_hz = 100002000ULL;
	guest(&c, 0x15, 0, r);
	assert_int_equal(r[2], CPUID_CRYSTAL_HZ);
	/* TSC = crystal * EBX / EAX, to the MHz */
	assert_int_equal((uint64_t)r[2] * r[1] / r[0], 100000000ULL);
	/* Linux multiplies crystal kHz by EBX in 32 bits: it must not overflow. */
	assert_true((uint64_t)(r[2] / 1000) * r[1] <= 0xffffffffULL);
	c.tsc_hz = 99990000ULL; /* a calibration a little low: the nearest MHz, not truncated */
	guest(&c, 0x15, 0, r);
	assert_int_equal((uint64_t)r[2] * r[1] / r[0], 100000000ULL);
	c.tsc_hz = 3500000000ULL;
	guest(&c, 0x15, 0, r);
	assert_true((uint64_t)(r[2] / 1000) * r[1] <= 0xffffffffULL);
	assert_int_equal((uint64_t)r[2] * r[1] / r[0], 3500000000ULL);
	c.tsc_hz = 5000000000ULL; /* too fast to describe: hidden */
	guest(&c, 0x15, 0, r);
	assert_int_equal(r[0] | r[1] | r[2] | r[3], 0);
	c.tsc_hz = 100002000ULL;
	guest(&c, 0x16, 0, r);
	assert_int_equal(r[0], 100);
	assert_int_equal(r[1], 100);
	c.tsc_hz = 0;
	guest(&c, 0x15, 0, r);
	assert_int_equal(r[0] | r[1] | r[2] | r[3], 0);
}

static void test_out_of_range_gives_highest_basic(void **state)
{
	struct cpuid_ctx c = ctx(1, 2);
	uint32_t top[4], r[4];
	static const uint32_t leaves[] = { 0x17, 0x1f, 0x20, 0x10000000U, 0x80000009U,
					   0x8fffffffU, 0xc0000000U, 0xffffffffU };
	unsigned i;

	(void)state;
	guest(&c, 0x16, 0, top);
	assert_int_equal(top[0], 0); /* no guest TSC rate given: leaf 16H is hidden */
	for (i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++) {
		guest(&c, leaves[i], 0, r);
		assert_memory_equal(r, top, sizeof(top));
	}

	/* Our maximum, not the host's: on a host with leaf 20H, 20H gives our 1FH. */
	host_entry(0, 0)->r[0] = 0x20;
	host[host_n++] = (struct fake_leaf){ 0x20, ANY, { 0xdead, 0xbeef, 0, 0 } };
	guest(&c, 0x1f, 1, top);
	guest(&c, 0x20, 1, r);
	assert_memory_equal(r, top, sizeof(top));
	assert_int_equal(r[1], 2);
}

static void test_vmx_and_svm_never_leak(void **state)
{
	struct cpuid_ctx c = ctx(0, 1);
	uint32_t r[4];

	(void)state;
	host_entry(1, 0)->r[2] = 0xffffffff;
	host_entry(0x80000001U, 0)->r[2] = 0xffffffff;
	c.guest_cr4 = ~0ULL;
	guest(&c, 1, 0, r);
	assert_false(r[2] & BIT(5));
	assert_false(r[2] & BIT(6));
	guest(&c, 0x80000001U, 0, r);
	assert_false(r[2] & BIT(2));

	/* Nor through the highest-basic-leaf rule, when that leaf is leaf 1. */
	host_entry(0, 0)->r[0] = 1;
	guest(&c, 0x30, 0, r);
	assert_int_equal(r[0], 0x00050654);
	assert_false(r[2] & BIT(5));
	assert_true(r[2] & BIT(31));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_vendor_and_max_leaf, reset_host),
		cmocka_unit_test_setup(test_leaf1_apic_id_and_count, reset_host),
		cmocka_unit_test_setup(test_leaf1_features, reset_host),
		cmocka_unit_test_setup(test_osxsave_follows_guest_cr4, reset_host),
		cmocka_unit_test_setup(test_leaf4_cache_topology, reset_host),
		cmocka_unit_test_setup(test_zeroed_leaves, reset_host),
		cmocka_unit_test_setup(test_leaf7, reset_host),
		cmocka_unit_test_setup(test_topology_leaves, reset_host),
		cmocka_unit_test_setup(test_xsave_leaf, reset_host),
		cmocka_unit_test_setup(test_hypervisor_leaves, reset_host),
		cmocka_unit_test_setup(test_extended_leaves, reset_host),
		cmocka_unit_test_setup(test_tsc_leaves, reset_host),
		cmocka_unit_test_setup(test_out_of_range_gives_highest_basic, reset_host),
		cmocka_unit_test_setup(test_vmx_and_svm_never_leak, reset_host),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
