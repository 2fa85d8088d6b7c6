/*
 * xstate_check: does a program's vector and mask register state survive
 * what a hypervisor does behind its back? Built static on the build host
 * (tests/linux/mkinitramfs.sh) and run inside the Linux test guest by the
 * torture run.
 *
 *   xstate_check ROUNDS [MODE [SPIN]]
 *
 * Each round loads a pattern unique to the round and the process into every
 * register of the widest state the CPU and the kernel enable (AVX-512:
 * k0-k7 and zmm0-zmm31; else AVX: ymm0-ymm15; else SSE: xmm0-xmm15), then
 * gives the machine time to take it away: a spin long enough for timer
 * interrupts and VM exits, a sched_yield (a context switch when another
 * copy runs beside it), and a first touch of a fresh page (a page fault).
 * MODE picks the waits: "all" (the default), "spin", "yield" or "fault";
 * SPIN is the spin's loop count (default about 20,000).
 * The registers are read back and compared. One line says what was
 * checked; a mismatch prints the register, the round and both values, and
 * the exit code is the number of bad rounds (at most 100).
 */
#include <cpuid.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

enum width { W_SSE, W_AVX, W_AVX512 };

static const char *const width_name[] = { "sse", "avx", "avx512" };

static uint64_t xgetbv0(void)
{
	uint32_t lo, hi;

	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((uint64_t)hi << 32) | lo;
}

static enum width widest(void)
{
	unsigned a, b, c, d;
	uint64_t xcr0;

	__cpuid(1, a, b, c, d);
	if (!(c & (1U << 27))) /* OSXSAVE */
		return W_SSE;
	xcr0 = xgetbv0();
	if (!(c & (1U << 28)) || (xcr0 & 6) != 6) /* AVX, SSE and YMM state */
		return W_SSE;
	__cpuid_count(7, 0, a, b, c, d);
	if ((b & (1U << 16)) && (xcr0 & 0xe0) == 0xe0) /* AVX512F, opmask and ZMM state */
		return W_AVX512;
	return W_AVX;
}

/* 32 registers of 64 bytes, and 8 mask registers. */
struct regs {
	uint8_t v[32][64] __attribute__((aligned(64)));
	uint64_t k[8];
};

static void fill(struct regs *r, uint64_t seed)
{
	unsigned i, j;

	for (i = 0; i < 32; i++)
		for (j = 0; j < 64; j++)
			r->v[i][j] = (uint8_t)(seed * 131 + i * 64 + j * 7 + (seed >> 8));
	for (i = 0; i < 8; i++)
		r->k[i] = (seed << 8) ^ (0x0123456789abcdefULL * (i + 1));
}

#define LOAD512(n) "vmovdqu64 " #n "*64(%[in]), %%zmm" #n "\n\t"
#define STORE512(n) "vmovdqu64 %%zmm" #n ", " #n "*64(%[out])\n\t"
#define LOAD256(n) "vmovdqu " #n "*64(%[in]), %%ymm" #n "\n\t"
#define STORE256(n) "vmovdqu %%ymm" #n ", " #n "*64(%[out])\n\t"
#define LOAD128(n) "movdqu " #n "*64(%[in]), %%xmm" #n "\n\t"
#define STORE128(n) "movdqu %%xmm" #n ", " #n "*64(%[out])\n\t"
#define KLOAD(n) "kmovq " #n "*8+2048(%[in]), %%k" #n "\n\t"
#define KSTORE(n) "kmovq %%k" #n ", " #n "*8+2048(%[out])\n\t"
#define X8(M) M(0) M(1) M(2) M(3) M(4) M(5) M(6) M(7)
#define X16(M) X8(M) M(8) M(9) M(10) M(11) M(12) M(13) M(14) M(15)
#define X32(M) X16(M) M(16) M(17) M(18) M(19) M(20) M(21) M(22) M(23) \
	M(24) M(25) M(26) M(27) M(28) M(29) M(30) M(31)

_Static_assert(__builtin_offsetof(struct regs, k) == 2048, "the asm finds k[] at 2048");

/*
 * The wait with the registers live: a spin long enough for timer
 * interrupts, sched_yield (a context switch when another copy runs), and
 * the first write to a fresh page (a page fault). All in one asm block, so
 * the compiler has no chance to use a vector register in between.
 */
#define WAIT                                      \
	"1: dec %[spin]\n\t"                       \
	"jnz 1b\n\t"                               \
	"test %[yield], %[yield]\n\t"              \
	"jz 2f\n\t"                                \
	"mov $24, %%eax\n\t" /* sched_yield */     \
	"syscall\n\t"                              \
	"2: test %[fresh], %[fresh]\n\t"           \
	"jz 3f\n\t"                                \
	"movb $1, (%[fresh])\n\t"                  \
	"3:\n\t"

#define HOLD(LOADS, STORES)                                                          \
	__asm__ volatile(LOADS WAIT STORES                                           \
			 : [spin] "+r"(spin)                                         \
			 : [in] "r"(in), [out] "r"(out), [fresh] "r"(fresh),         \
			   [yield] "r"(yield)                                        \
			 : "rax", "rcx", "r11", "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4",  \
			   "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12",  \
			   "xmm13", "xmm14", "xmm15")

/*
 * Loads the registers, waits with them live, and stores them back. Built
 * without -mavx512f, the compiler itself never uses xmm16-31 or k0-k7.
 */
static __attribute__((noinline)) void hold(enum width w, struct regs *in, struct regs *out,
					   volatile uint8_t *fresh, unsigned long spin, unsigned long yield)
{
	switch (w) {
	case W_AVX512:
		HOLD(X32(LOAD512) X8(KLOAD), X32(STORE512) X8(KSTORE));
		break;
	case W_AVX:
		HOLD(X16(LOAD256), X16(STORE256));
		break;
	case W_SSE:
		HOLD(X16(LOAD128), X16(STORE128));
		break;
	}
}

static int compare(enum width w, const struct regs *a, const struct regs *b, unsigned long round)
{
	unsigned nregs = w == W_AVX512 ? 32 : 16;
	unsigned bytes = w == W_AVX512 ? 64 : w == W_AVX ? 32 : 16;
	unsigned i, j;
	int bad = 0;

	for (i = 0; i < nregs; i++) {
		if (!memcmp(a->v[i], b->v[i], bytes))
			continue;
		for (j = 0; j < bytes && a->v[i][j] == b->v[i][j]; j++)
			;
		printf("xstate_check: round %lu: %s%u byte %u is 0x%02x, expected 0x%02x\n", round,
		       w == W_AVX512 ? "zmm" : w == W_AVX ? "ymm" : "xmm", i, j, b->v[i][j],
		       a->v[i][j]);
		bad = 1;
	}
	if (w == W_AVX512)
		for (i = 0; i < 8; i++)
			if (a->k[i] != b->k[i]) {
				printf("xstate_check: round %lu: k%u is 0x%016llx, expected 0x%016llx\n",
				       round, i, (unsigned long long)b->k[i],
				       (unsigned long long)a->k[i]);
				bad = 1;
			}
	return bad;
}

int main(int argc, char **argv)
{
	unsigned long rounds = argc > 1 ? strtoul(argv[1], NULL, 0) : 1000, r;
	const char *mode = argc > 2 ? argv[2] : "all";
	unsigned long spin = argc > 3 ? strtoul(argv[3], NULL, 0) : 0;
	int do_spin = !strcmp(mode, "all") || !strcmp(mode, "spin");
	int do_yield = !strcmp(mode, "all") || !strcmp(mode, "yield");
	int do_fault = !strcmp(mode, "all") || !strcmp(mode, "fault");
	enum width w = widest();
	static struct regs in, out;
	long page = sysconf(_SC_PAGESIZE);
	uint8_t *pages;
	int bad = 0;

	if (!do_spin && !do_yield && !do_fault) {
		fprintf(stderr, "xstate_check: unknown mode %s (all, spin, yield, fault)\n", mode);
		return 100;
	}
	pages = mmap(NULL, (size_t)page * rounds, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (pages == MAP_FAILED) {
		perror("xstate_check: mmap");
		return 100;
	}
	for (r = 0; r < rounds; r++) {
		fill(&in, ((uint64_t)getpid() << 20) ^ r);
		memset(&out, 0, sizeof(out));
		hold(w, &in, &out, do_fault ? pages + r * (size_t)page : NULL,
		     do_spin ? (spin ? spin : 20000 + (r % 7) * 3000) : 1, do_yield);
		if (compare(w, &in, &out, r) && bad < 100)
			bad++;
	}
	printf("xstate_check: pid=%d state=%s mode=%s rounds=%lu bad=%d\n", (int)getpid(),
	       width_name[w], mode, rounds, bad);
	return bad;
}
