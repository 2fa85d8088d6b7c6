/*
 * Host unit test for vmm/core/exitq.h: every decoder against qualifications
 * built bit by bit from the SDM layouts (27.2.1 tables 27-3..27-7, 24.9.2,
 * 27.2.5 table 27-8), plus a few values as a real CPU reports them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "vmm/core/exitq.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------ I/O --- */

/*
 * Table 27-5: size code in 2:0 (1 byte -> 0, 2 -> 1, 4 -> 3), IN 3,
 * string 4, REP 5, immediate 6, port 31:16.
 */
static uint64_t io_q(unsigned int size, int in, int str, int rep, int imm, uint16_t port)
{
	uint64_t size_code = size == 1 ? 0 : size == 2 ? 1 : 3;

	return size_code | (uint64_t)in << 3 | (uint64_t)str << 4 | (uint64_t)rep << 5 |
	       (uint64_t)imm << 6 | (uint64_t)port << 16;
}

struct io_case {
	unsigned int size;
	int in, str, rep, imm;
	uint16_t port;
};

static const struct io_case io_cases[] = {
	{ 1, 1, 0, 0, 0, 0x3f8 }, /* in al, dx */
	{ 1, 0, 0, 0, 1, 0x80 },  /* out 0x80, al */
	{ 2, 1, 0, 0, 1, 0x60 },  /* in ax, 0x60 */
	{ 4, 0, 0, 0, 0, 0xcfc }, /* out dx, eax */
	{ 1, 0, 1, 1, 0, 0x1f0 }, /* rep outsb */
	{ 2, 1, 1, 1, 0, 0x1f0 }, /* rep insw */
	{ 4, 1, 1, 0, 0, 0xffff },
	{ 4, 0, 1, 1, 0, 0 },
};

static void test_io(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(io_cases); i++) {
		const struct io_case *c = &io_cases[i];
		uint64_t q = io_q(c->size, c->in, c->str, c->rep, c->imm, c->port);

		assert_int_equal(exitq_io_size(q), c->size);
		assert_int_equal(exitq_io_in(q), c->in);
		assert_int_equal(exitq_io_string(q), c->str);
		assert_int_equal(exitq_io_rep(q), c->rep);
		assert_int_equal(exitq_io_imm(q), c->imm);
		assert_int_equal(exitq_io_port(q), c->port);
	}
	/* Literal values: in al, dx from COM1; rep outsw to 0x1f0 (bits 63:32 are cleared by hardware). */
	assert_int_equal(exitq_io_port(0x03f80008), 0x3f8);
	assert_true(exitq_io_in(0x03f80008));
	assert_int_equal(exitq_io_size(0x01f00031), 2);
	assert_true(exitq_io_rep(0x01f00031) && exitq_io_string(0x01f00031));
	assert_false(exitq_io_in(0x01f00031));
}

/* ----------------------------------------------------- CR access --- */

/* Table 27-3: CR 3:0, type 5:4, LMSW operand type 6, GPR 11:8, LMSW source 31:16. */
static uint64_t cr_q(unsigned int cr, unsigned int type, int lmsw_mem, unsigned int gpr,
		     uint16_t src)
{
	return cr | (uint64_t)type << 4 | (uint64_t)lmsw_mem << 6 | (uint64_t)gpr << 8 |
	       (uint64_t)src << 16;
}

struct cr_case {
	unsigned int cr, type;
	int lmsw_mem;
	unsigned int gpr;
	uint16_t src;
};

static const struct cr_case cr_cases[] = {
	{ 0, EXITQ_CR_MOV_TO, 0, EXITQ_GPR_RAX, 0 },	  /* mov cr0, rax */
	{ 3, EXITQ_CR_MOV_FROM, 0, EXITQ_GPR_RDI, 0 },	  /* mov rdi, cr3 */
	{ 4, EXITQ_CR_MOV_TO, 0, 15, 0 },		  /* mov cr4, r15 */
	{ 8, EXITQ_CR_MOV_FROM, 0, EXITQ_GPR_RSP, 0 },	  /* mov rsp, cr8 */
	{ 0, EXITQ_CR_CLTS, 0, 0, 0 },			  /* clts */
	{ 0, EXITQ_CR_LMSW, 0, 0, 0x0001 },		  /* lmsw ax with ax = 1 */
	{ 0, EXITQ_CR_LMSW, 1, 0, 0xfff3 },		  /* lmsw [mem] */
};

static void test_cr(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(cr_cases); i++) {
		const struct cr_case *c = &cr_cases[i];
		uint64_t q = cr_q(c->cr, c->type, c->lmsw_mem, c->gpr, c->src);

		assert_int_equal(exitq_cr_num(q), c->cr);
		assert_int_equal(exitq_cr_type(q), c->type);
		assert_int_equal(exitq_cr_lmsw_mem(q), c->lmsw_mem);
		assert_int_equal(exitq_cr_gpr(q), c->gpr);
		assert_int_equal(exitq_cr_lmsw_source(q), c->src);
	}
	/* mov cr3, rbx as reported: 0x303. */
	assert_int_equal(exitq_cr_num(0x303), 3);
	assert_int_equal(exitq_cr_type(0x303), EXITQ_CR_MOV_TO);
	assert_int_equal(exitq_cr_gpr(0x303), EXITQ_GPR_RBX);
}

/* ----------------------------------------------------- DR access --- */

static void test_dr(void **state)
{
	/* Table 27-4: DR 2:0, direction 4 (1 = from DR), GPR 11:8. */
	static const struct {
		unsigned int dr;
		int from;
		unsigned int gpr;
	} cases[] = { { 7, 0, EXITQ_GPR_RAX }, { 0, 1, 13 }, { 6, 1, EXITQ_GPR_RCX }, { 3, 0, 15 } };

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		uint64_t q = cases[i].dr | (uint64_t)cases[i].from << 4 | (uint64_t)cases[i].gpr << 8;

		assert_int_equal(exitq_dr_num(q), cases[i].dr);
		assert_int_equal(exitq_dr_from(q), cases[i].from);
		assert_int_equal(exitq_dr_gpr(q), cases[i].gpr);
	}
}

/* ------------------------------------------------- EPT violation --- */

static void test_ept_violation(void **state)
{
	/*
	 * Table 27-7: read 0, write 1, fetch 2, readable 3, writable 4,
	 * executable 5, user-executable 6, GLA valid 7, GLA translated 8,
	 * NMI unblocking 12. Every combination of the decoded bits.
	 */
	static const unsigned int bits[] = { 0, 1, 2, 3, 4, 5, 7, 8, 12 };

	for (unsigned int m = 0; m < (1U << ARRAY_SIZE(bits)); m++) {
		uint64_t q = 0;
		int want[ARRAY_SIZE(bits)];

		for (size_t b = 0; b < ARRAY_SIZE(bits); b++) {
			want[b] = (m >> b) & 1;
			if (want[b])
				q |= 1ULL << bits[b];
		}
		assert_int_equal(exitq_ept_read(q), want[0]);
		assert_int_equal(exitq_ept_write(q), want[1]);
		assert_int_equal(exitq_ept_fetch(q), want[2]);
		assert_int_equal(exitq_ept_readable(q), want[3]);
		assert_int_equal(exitq_ept_writable(q), want[4]);
		assert_int_equal(exitq_ept_executable(q), want[5]);
		assert_int_equal(exitq_ept_gla_valid(q), want[6]);
		assert_int_equal(exitq_ept_gla_translated(q), want[7]);
		assert_int_equal(exitq_ept_nmi_unblocking(q), want[8]);
	}
	/* A write to a read-only page through a linear address: 0x18a. */
	assert_true(exitq_ept_write(0x18a));
	assert_false(exitq_ept_read(0x18a));
	assert_true(exitq_ept_readable(0x18a));
	assert_false(exitq_ept_writable(0x18a));
	assert_true(exitq_ept_gla_valid(0x18a) && exitq_ept_gla_translated(0x18a));
}

/* ------------------------------------------ interruption info --- */

/* 24.9.2 table 24-15: vector 7:0, type 10:8, error code 11, NMI unblocking 12, valid 31. */
static uint32_t intr_i(uint8_t vec, unsigned int type, int err, int nmi_unblock, int valid)
{
	return vec | type << 8 | (uint32_t)err << 11 | (uint32_t)nmi_unblock << 12 |
	       (uint32_t)valid << 31;
}

struct intr_case {
	uint8_t vector;
	unsigned int type;
	int err;
};

static const struct intr_case intr_cases[] = {
	{ 14, INTR_TYPE_HW_EXCEPTION, 1 },  /* #PF */
	{ 6, INTR_TYPE_HW_EXCEPTION, 0 },   /* #UD */
	{ 13, INTR_TYPE_HW_EXCEPTION, 1 },  /* #GP */
	{ 2, INTR_TYPE_NMI, 0 },
	{ 0x20, INTR_TYPE_EXT_INTR, 0 },
	{ 0xff, INTR_TYPE_EXT_INTR, 0 },
	{ 0x80, INTR_TYPE_SW_INTR, 0 },	    /* int 0x80 */
	{ 3, INTR_TYPE_SW_EXCEPTION, 0 },   /* int3 */
	{ 1, INTR_TYPE_PRIV_SW_EXCEPTION, 0 }, /* int1 */
	{ 0, INTR_TYPE_OTHER, 0 },	    /* MTF injection */
};

static void test_intr_info(void **state)
{
	assert_int_equal(INTR_TYPE_EXT_INTR, 0);
	assert_int_equal(INTR_TYPE_NMI, 2);
	assert_int_equal(INTR_TYPE_HW_EXCEPTION, 3);
	assert_int_equal(INTR_TYPE_SW_INTR, 4);
	assert_int_equal(INTR_TYPE_PRIV_SW_EXCEPTION, 5);
	assert_int_equal(INTR_TYPE_SW_EXCEPTION, 6);
	assert_int_equal(INTR_TYPE_OTHER, 7);

	for (size_t i = 0; i < ARRAY_SIZE(intr_cases); i++) {
		const struct intr_case *c = &intr_cases[i];

		for (int nmi = 0; nmi <= 1; nmi++) {
			for (int valid = 0; valid <= 1; valid++) {
				uint32_t info = intr_i(c->vector, c->type, c->err, nmi, valid);

				assert_int_equal(intr_info_valid(info), valid);
				assert_int_equal(intr_info_vector(info), c->vector);
				assert_int_equal(intr_info_type(info), c->type);
				assert_int_equal(intr_info_has_error(info), c->err);
				assert_int_equal(intr_info_nmi_unblocking(info), nmi);
			}
		}
		assert_int_equal(intr_info_make(c->vector, c->type, c->err),
				 intr_i(c->vector, c->type, c->err, 0, 1));
	}
	/* #PF with error code, as injected: 0x80000b0e. */
	assert_int_equal(intr_info_make(14, INTR_TYPE_HW_EXCEPTION, true), 0x80000b0eU);
	/* External interrupt 0x30 as read on exit: 0x80000030. */
	assert_int_equal(intr_info_type(0x80000030U), INTR_TYPE_EXT_INTR);
	assert_int_equal(intr_info_vector(0x80000030U), 0x30);
}

static void test_idt_vectoring(void **state)
{
	/*
	 * IDT-vectoring information (24.9.3) has the same layout; bits 30:12
	 * are undefined there, so re-injection must clear them.
	 */
	for (size_t i = 0; i < ARRAY_SIZE(intr_cases); i++) {
		const struct intr_case *c = &intr_cases[i];
		uint32_t clean = intr_i(c->vector, c->type, c->err, 0, 1);
		uint32_t dirty = clean | 0x7ffff000U;

		assert_true(intr_info_valid(dirty));
		assert_int_equal(intr_info_vector(dirty), c->vector);
		assert_int_equal(intr_info_type(dirty), c->type);
		assert_int_equal(intr_info_has_error(dirty), c->err);
		assert_int_equal(intr_info_reinject(dirty), clean);
		assert_int_equal(intr_info_reinject(clean), clean);
	}
	assert_int_equal(intr_info_reinject(0), 0);
}

/* ------------------------------- instruction info, INS/OUTS --- */

static void test_insn_info_io(void **state)
{
	/* Table 27-8: address size 9:7 (0 16-bit, 1 32-bit, 2 64-bit), segment 17:15. */
	static const struct {
		unsigned int as_code, bytes;
	} sizes[] = { { 0, 2 }, { 1, 4 }, { 2, 8 }, { 3, 0 } };

	for (size_t s = 0; s < ARRAY_SIZE(sizes); s++) {
		for (unsigned int seg = INSN_INFO_SEG_ES; seg <= INSN_INFO_SEG_GS; seg++) {
			/* Undefined bits set to catch decoders that read too wide. */
			uint32_t info = sizes[s].as_code << 7 | seg << 15 | 0x7fU | 0x7c00U | 0xfffc0000U;

			assert_int_equal(insn_info_io_addr_size(info), sizes[s].bytes);
			assert_int_equal(insn_info_io_seg(info), seg);
		}
	}
}

/* INVPCID's memory operand and register (SDM 27.2.5), built field by field. */
static void test_insn_info_mem(void **state)
{
	/* scale 3, 64-bit addresses, GS, index r9, base rbx, register operand r14 */
	uint32_t info = 3U | (2U << 7) | (INSN_INFO_SEG_GS << 15) | (9U << 18) | (3U << 23) | (14U << 28);

	(void)state;
	assert_int_equal(insn_info_mem_scale(info), 3);
	assert_int_equal(insn_info_mem_addr_size(info), 8);
	assert_int_equal(insn_info_mem_seg(info), INSN_INFO_SEG_GS);
	assert_true(insn_info_mem_index_valid(info));
	assert_int_equal(insn_info_mem_index(info), 9);
	assert_true(insn_info_mem_base_valid(info));
	assert_int_equal(insn_info_mem_base(info), EXITQ_GPR_RBX);
	assert_int_equal(insn_info_reg2(info), 14);
	/* Index and base marked invalid (bits 22 and 27); 16- and 32-bit addresses. */
	info = (1U << 22) | (1U << 27) | (1U << 7);
	assert_false(insn_info_mem_index_valid(info));
	assert_false(insn_info_mem_base_valid(info));
	assert_int_equal(insn_info_mem_addr_size(info), 4);
	assert_int_equal(insn_info_mem_addr_size(0), 2);
	assert_int_equal(insn_info_mem_addr_size(3U << 7), 0);
}

/* RDRAND and RDSEED: destination bits 6:3, operand size bits 12:11. */
static void test_insn_info_rand(void **state)
{
	(void)state;
	assert_int_equal(insn_info_rand_reg(EXITQ_GPR_RDX << 3), EXITQ_GPR_RDX);
	assert_int_equal(insn_info_rand_reg(15U << 3), 15);
	assert_int_equal(insn_info_rand_size(0), 2);
	assert_int_equal(insn_info_rand_size(1U << 11), 4);
	assert_int_equal(insn_info_rand_size(2U << 11), 8);
	assert_int_equal(insn_info_rand_size(3U << 11), 0);
	assert_int_equal(insn_info_rand_reg((2U << 11) | (7U << 3)), EXITQ_GPR_RDI);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_io),
		cmocka_unit_test(test_cr),
		cmocka_unit_test(test_dr),
		cmocka_unit_test(test_ept_violation),
		cmocka_unit_test(test_intr_info),
		cmocka_unit_test(test_idt_vectoring),
		cmocka_unit_test(test_insn_info_io),
		cmocka_unit_test(test_insn_info_mem),
		cmocka_unit_test(test_insn_info_rand),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
