/*
 * Decoder and emulator for guest MMIO instructions: see vmm/exit/decode.h.
 *
 * Pure logic for VMX root and host tests. The decoder only needs the
 * instruction's length, operation, sizes, register and immediate: the
 * memory address itself comes from the EPT-violation exit, so ModRM, SIB
 * and displacement are parsed for their length alone (SDM Vol. 2 2.1.5,
 * tables 2-1..2-3).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/string.h"
#include "vmm/exit/decode.h"

/* SDM Vol. 2 2.3.11: longer instructions raise #GP, so never emulate them. */
#define DECODE_MAX_LEN 15U

#define REX_W 0x8U
#define REX_R 0x4U

/* ModRM fields (SDM Vol. 2 figure 2-1). */
#define MODRM_MOD(m) ((uint8_t)(m) >> 6)
#define MODRM_REG(m) (((uint8_t)(m) >> 3) & 7U)
#define MODRM_RM(m) ((uint8_t)(m) & 7U)

struct decode_cursor {
	const uint8_t *bytes;
	size_t avail;
	size_t pos;
};

static int decode_fetch(struct decode_cursor *c, uint8_t *b)
{
	if (c->pos >= c->avail || c->pos >= DECODE_MAX_LEN)
		return -1;
	*b = c->bytes[c->pos++];
	return 0;
}

/* Little-endian immediate or displacement of n bytes (1, 2, 4 or 8). */
static int decode_fetch_le(struct decode_cursor *c, unsigned int n, uint64_t *v)
{
	uint8_t b;

	*v = 0;
	for (unsigned int i = 0; i < n; i++) {
		if (decode_fetch(c, &b))
			return -1;
		*v |= (uint64_t)b << (8 * i);
	}
	return 0;
}

static int decode_skip(struct decode_cursor *c, unsigned int n)
{
	uint64_t unused;

	return decode_fetch_le(c, n, &unused);
}

static uint64_t decode_mask(unsigned int size)
{
	return size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

static uint64_t decode_sext(uint64_t v, unsigned int size)
{
	unsigned int shift = 64 - 8 * size;

	if (size >= 8)
		return v;
	return (uint64_t)((int64_t)(v << shift) >> shift);
}

/*
 * Consumes ModRM and whatever SIB/displacement it implies. Refuses mod == 3:
 * a register operand, so no memory access for us to emulate.
 * 16-bit addressing (table 2-1): mod 0 rm 6 is disp16, no SIB.
 * 32/64-bit addressing (tables 2-2, 2-3): rm 4 brings a SIB; mod 0 with rm 5
 * (RIP-relative in 64-bit mode) or with SIB base 5 is disp32. REX.B does not
 * change these escapes, which is why R12 and R13 need the SIB/disp forms too.
 */
static int decode_modrm(struct decode_cursor *c, unsigned int addr_size, uint8_t *modrm)
{
	uint8_t mod, rm, sib;

	if (decode_fetch(c, modrm))
		return -1;
	mod = MODRM_MOD(*modrm);
	rm = MODRM_RM(*modrm);
	if (mod == 3)
		return -1;

	if (addr_size == 2) {
		if (mod == 0)
			return rm == 6 ? decode_skip(c, 2) : 0;
		return decode_skip(c, mod == 1 ? 1 : 2);
	}

	if (rm == 4) {
		if (decode_fetch(c, &sib))
			return -1;
		if (mod == 0 && (sib & 7U) == 5)
			return decode_skip(c, 4);
	}
	if (mod == 0)
		return rm == 5 ? decode_skip(c, 4) : 0;
	return decode_skip(c, mod == 1 ? 1 : 4);
}

/*
 * The ModRM.reg register operand. Byte registers 4-7 are AH CH DH BH unless
 * any REX prefix is present (SDM Vol. 2 3.1.1.1, table 3-1).
 */
static void decode_set_reg(struct decoded_insn *out, uint8_t modrm, uint8_t rex, bool has_rex,
			   unsigned int size)
{
	unsigned int reg = MODRM_REG(modrm) | ((rex & REX_R) ? 8U : 0U);

	if (size == 1 && !has_rex && reg >= 4) {
		out->reg = (int8_t)(reg - 4);
		out->high_byte = true;
	} else {
		out->reg = (int8_t)reg;
	}
}

/*
 * An immediate of the given operand size: imm8 for bytes, imm16 for words,
 * imm32 sign-extended for dwords and qwords (there is no imm64 on these
 * opcodes). sext8 is the 83 form: an imm8 sign-extended to the operand size.
 */
static int decode_imm(struct decode_cursor *c, struct decoded_insn *out, bool sext8)
{
	unsigned int n = sext8 ? 1 : out->size > 4 ? 4 : out->size;
	uint64_t v;

	if (decode_fetch_le(c, n, &v))
		return -1;
	out->has_imm = true;
	out->imm = decode_sext(v, n) & decode_mask(out->size);
	return 0;
}

/* The ALU operation of group 1 (80/81/83 /digit) and of the 00-3F rows. */
static int decode_alu_op(unsigned int n, uint8_t *op)
{
	static const int8_t alu_ops[8] = {
		DOP_ADD, DOP_OR, -1 /* ADC */, -1 /* SBB */, DOP_AND, DOP_SUB, DOP_XOR, DOP_CMP,
	};

	if (alu_ops[n] < 0)
		return -1;
	*op = (uint8_t)alu_ops[n];
	return 0;
}

/* Two-byte opcodes 0F xx (SDM Vol. 2 table A-3). */
static int decode_0f(struct decode_cursor *c, struct decoded_insn *out, unsigned int opsize,
		     unsigned int addr_size, uint8_t rex, bool has_rex)
{
	uint8_t op, modrm;

	if (decode_fetch(c, &op))
		return -1;
	switch (op) {
	case 0xb6: /* MOVZX Gv, Eb */
	case 0xb7: /* MOVZX Gv, Ew */
	case 0xbe: /* MOVSX Gv, Eb */
	case 0xbf: /* MOVSX Gv, Ew */
		if (decode_modrm(c, addr_size, &modrm))
			return -1;
		out->op = (op & 8U) ? DOP_MOVSX : DOP_MOVZX;
		out->size = (op & 1U) ? 2 : 1;
		out->dest_size = (uint8_t)opsize;
		/* The register is the wide destination: never a high byte. */
		decode_set_reg(out, modrm, rex, has_rex, opsize);
		return 0;
	case 0xba: /* group 8: BT Ev, Ib is /4; BTS/BTR/BTC are refused */
		if (decode_modrm(c, addr_size, &modrm) || MODRM_REG(modrm) != 4)
			return -1;
		out->op = DOP_BT;
		out->size = out->dest_size = (uint8_t)opsize;
		out->has_imm = true;
		return decode_fetch_le(c, 1, &out->imm);
	default:
		return -1;
	}
}

/* One-byte opcodes after the prefixes (SDM Vol. 2 table A-2). */
static int decode_opcode(struct decode_cursor *c, uint8_t op, struct decoded_insn *out,
			 unsigned int opsize, unsigned int addr_size, uint8_t rex, bool has_rex)
{
	unsigned int size = (op & 1U) ? opsize : 1;
	uint8_t modrm;
	uint64_t unused;

	out->size = out->dest_size = (uint8_t)size;

	/* 00-3F: ALU Eb,Gb / Ev,Gv / Gb,Eb / Gv,Ev in columns 0-3 of each row. */
	if (op < 0x40 && (op & 7U) < 4) {
		if (decode_alu_op(op >> 3, &out->op) || decode_modrm(c, addr_size, &modrm))
			return -1;
		out->reg_dest = (op & 2U) != 0;
		decode_set_reg(out, modrm, rex, has_rex, size);
		return 0;
	}

	switch (op) {
	case 0x88: /* MOV Eb, Gb */
	case 0x89: /* MOV Ev, Gv */
	case 0x8a: /* MOV Gb, Eb */
	case 0x8b: /* MOV Gv, Ev */
		if (decode_modrm(c, addr_size, &modrm))
			return -1;
		out->op = (op & 2U) ? DOP_MOV_FROM_MEM : DOP_MOV_TO_MEM;
		decode_set_reg(out, modrm, rex, has_rex, size);
		return 0;
	case 0x84: /* TEST Eb, Gb */
	case 0x85: /* TEST Ev, Gv */
	case 0x86: /* XCHG Eb, Gb */
	case 0x87: /* XCHG Ev, Gv */
		if (decode_modrm(c, addr_size, &modrm))
			return -1;
		out->op = op >= 0x86 ? DOP_XCHG : DOP_TEST;
		decode_set_reg(out, modrm, rex, has_rex, size);
		return 0;
	case 0xc6: /* group 11: MOV Eb, Ib is /0 */
	case 0xc7: /* MOV Ev, Iz */
		if (decode_modrm(c, addr_size, &modrm) || MODRM_REG(modrm) != 0)
			return -1;
		out->op = DOP_MOV_TO_MEM;
		return decode_imm(c, out, false);
	case 0x80: /* group 1 Eb, Ib */
	case 0x81: /* group 1 Ev, Iz */
	case 0x83: /* group 1 Ev, Ib sign-extended */
		if (decode_modrm(c, addr_size, &modrm) || decode_alu_op(MODRM_REG(modrm), &out->op))
			return -1;
		return decode_imm(c, out, op == 0x83);
	case 0xf6: /* group 3: TEST Eb, Ib is /0; NOT NEG MUL DIV ... refused */
	case 0xf7:
		if (decode_modrm(c, addr_size, &modrm) || MODRM_REG(modrm) != 0)
			return -1;
		out->op = DOP_TEST;
		return decode_imm(c, out, false);
	case 0xa0: /* MOV AL, Ob */
	case 0xa1: /* MOV rAX, Ov */
	case 0xa2: /* MOV Ob, AL */
	case 0xa3: /* MOV Ov, rAX: the offset is as wide as the address size */
		if (decode_fetch_le(c, addr_size, &unused))
			return -1;
		out->op = (op & 2U) ? DOP_MOV_TO_MEM : DOP_MOV_FROM_MEM;
		out->reg = 0;
		return 0;
	case 0xaa: /* STOS Yb, AL */
	case 0xab: /* STOS Yv, rAX */
		out->op = DOP_STOS;
		out->reg = 0;
		return 0;
	case 0xa4: /* MOVS Yb, Xb */
	case 0xa5: /* MOVS Yv, Xv */
		out->op = DOP_MOVS;
		out->reg = -1;
		return 0;
	case 0x0f:
		return decode_0f(c, out, opsize, addr_size, rex, has_rex);
	default:
		return -1;
	}
}

int decode_insn(const uint8_t *bytes, size_t avail, enum decode_mode mode,
		struct decoded_insn *out)
{
	struct decode_cursor c = { .bytes = bytes, .avail = avail, .pos = 0 };
	bool opsize_pfx = false, addrsize_pfx = false, rep = false, has_rex = false;
	unsigned int opsize, addr_size;
	uint8_t b, rex = 0;

	memset(out, 0, sizeof(*out));
	out->reg = -1;

	/*
	 * Legacy prefixes in any order (SDM Vol. 2 2.1.1). A REX only counts
	 * when it comes right before the opcode (2.2.1), so a later legacy
	 * prefix cancels it; 40-4F are INC/DEC outside 64-bit mode.
	 */
	for (;;) {
		if (decode_fetch(&c, &b))
			return -1;
		if (b == 0x66) {
			opsize_pfx = true;
		} else if (b == 0x67) {
			addrsize_pfx = true;
		} else if (b == 0xf2 || b == 0xf3) {
			rep = true;
		} else if (b == 0xf0 || b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e ||
			   b == 0x64 || b == 0x65) {
			/* LOCK and segment overrides: nothing to record. */
		} else if (mode == DECODE_64 && (b & 0xf0U) == 0x40) {
			rex = b;
			has_rex = true;
			continue;
		} else {
			break;
		}
		rex = 0;
		has_rex = false;
	}

	/* Operand and address sizes, SDM Vol. 1 3.6 and 3.6.1 (table 3-4). */
	switch (mode) {
	case DECODE_64:
		opsize = (rex & REX_W) ? 8 : opsize_pfx ? 2 : 4;
		addr_size = addrsize_pfx ? 4 : 8;
		break;
	case DECODE_32:
		opsize = opsize_pfx ? 2 : 4;
		addr_size = addrsize_pfx ? 2 : 4;
		break;
	case DECODE_16:
		opsize = opsize_pfx ? 4 : 2;
		addr_size = addrsize_pfx ? 4 : 2;
		break;
	default:
		return -1;
	}
	out->addr_size = (uint8_t)addr_size;

	if (decode_opcode(&c, b, out, opsize, addr_size, rex, has_rex))
		return -1;
	if (out->op == DOP_STOS || out->op == DOP_MOVS)
		out->rep = rep;
	out->length = (uint8_t)c.pos;
	return 0;
}

/* ------------------------------------------------------------- apply --- */

static uint64_t decode_reg_get(const struct gpr_file *regs, const struct decoded_insn *insn,
			       unsigned int size)
{
	uint64_t v = regs->r[insn->reg & 15];

	if (insn->high_byte)
		return (v >> 8) & 0xffU;
	return v & decode_mask(size);
}

/* SDM Vol. 1 3.4.1.1: 32-bit results zero-extend, 8/16-bit ones merge. */
static void decode_reg_put(uint64_t *r, bool high_byte, unsigned int size, uint64_t v)
{
	if (high_byte)
		*r = (*r & ~0xff00ULL) | ((v & 0xffU) << 8);
	else if (size >= 4)
		*r = v & decode_mask(size);
	else
		*r = (*r & ~decode_mask(size)) | (v & decode_mask(size));
}

static bool decode_parity_even(uint64_t v)
{
	uint8_t b = (uint8_t)v;

	b ^= b >> 4;
	b ^= b >> 2;
	b ^= b >> 1;
	return !(b & 1U);
}

/* ZF SF PF of a result of the given size; CF OF AF are the caller's. */
static uint64_t decode_flags_zsp(uint64_t r, unsigned int size)
{
	uint64_t f = 0;

	r &= decode_mask(size);
	if (r == 0)
		f |= DECODE_RFLAGS_ZF;
	if ((r >> (8 * size - 1)) & 1U)
		f |= DECODE_RFLAGS_SF;
	if (decode_parity_even(r))
		f |= DECODE_RFLAGS_PF;
	return f;
}

/*
 * a OP b at the given size, with the flags the SDM Vol. 2 pages for ADD,
 * SUB, CMP, AND, OR, XOR and TEST define.
 */
static uint64_t decode_alu(uint8_t op, uint64_t a, uint64_t b, unsigned int size,
			   uint64_t *flags)
{
	uint64_t m = decode_mask(size), r, f;
	unsigned int top = 8 * size - 1;

	a &= m;
	b &= m;
	switch (op) {
	case DOP_ADD:
		r = (a + b) & m;
		f = decode_flags_zsp(r, size);
		if (r < a)
			f |= DECODE_RFLAGS_CF;
		if ((((a ^ r) & (b ^ r)) >> top) & 1U)
			f |= DECODE_RFLAGS_OF;
		if ((a ^ b ^ r) & 0x10U)
			f |= DECODE_RFLAGS_AF;
		break;
	case DOP_SUB:
	case DOP_CMP:
		r = (a - b) & m;
		f = decode_flags_zsp(r, size);
		if (a < b)
			f |= DECODE_RFLAGS_CF;
		if ((((a ^ b) & (a ^ r)) >> top) & 1U)
			f |= DECODE_RFLAGS_OF;
		if ((a ^ b ^ r) & 0x10U)
			f |= DECODE_RFLAGS_AF;
		break;
	case DOP_AND:
	case DOP_TEST:
		r = a & b;
		f = decode_flags_zsp(r, size);
		break;
	case DOP_OR:
		r = a | b;
		f = decode_flags_zsp(r, size);
		break;
	default: /* DOP_XOR */
		r = a ^ b;
		f = decode_flags_zsp(r, size);
		break;
	}
	*flags = f;
	return r;
}

/* ADD OR AND SUB XOR CMP TEST, with memory or the register as destination. */
static int decode_apply_alu(const struct decoded_insn *insn, uint64_t gpa,
			    struct gpr_file *regs, uint64_t *rflags, decode_mem_read_fn rd,
			    decode_mem_write_fn wr, void *ctx)
{
	unsigned int size = insn->size;
	bool writes = insn->op != DOP_CMP && insn->op != DOP_TEST;
	uint64_t mem, other, a, b, r, f;

	if (rd(ctx, gpa, size, &mem))
		return -1;
	mem &= decode_mask(size);
	other = insn->has_imm ? insn->imm : decode_reg_get(regs, insn, size);
	if (insn->reg_dest) {
		a = other;
		b = mem;
	} else {
		a = mem;
		b = other;
	}
	r = decode_alu(insn->op, a, b, size, &f);
	if (writes) {
		if (insn->reg_dest)
			decode_reg_put(&regs->r[insn->reg & 15], insn->high_byte, size, r);
		else if (wr(ctx, gpa, size, r))
			return -1;
	}
	*rflags = (*rflags & ~DECODE_RFLAGS_ARITH) | f;
	return DECODE_APPLY_DONE;
}

/*
 * One STOS element (SDM Vol. 2 "STOS"): store rAX, step rDI by the element
 * size, and under REP count rCX down; rDI and rCX are as wide as the
 * address size, with the usual 32-bit zero-extension.
 */
static int decode_apply_stos(const struct decoded_insn *insn, uint64_t gpa,
			     struct gpr_file *regs, const uint64_t *rflags, decode_mem_write_fn wr,
			     void *ctx)
{
	unsigned int asz = insn->addr_size;
	uint64_t am = decode_mask(asz), *rdi = &regs->r[7], *rcx = &regs->r[1];

	if (insn->rep && (*rcx & am) == 0)
		return DECODE_APPLY_DONE;
	if (wr(ctx, gpa, insn->size, regs->r[0] & decode_mask(insn->size)))
		return -1;
	if (*rflags & DECODE_RFLAGS_DF)
		decode_reg_put(rdi, false, asz, *rdi - insn->size);
	else
		decode_reg_put(rdi, false, asz, *rdi + insn->size);
	if (!insn->rep)
		return DECODE_APPLY_DONE;
	decode_reg_put(rcx, false, asz, *rcx - 1);
	return (*rcx & am) ? DECODE_APPLY_REPEAT : DECODE_APPLY_DONE;
}

int decode_apply(const struct decoded_insn *insn, uint64_t gpa, struct gpr_file *regs,
		 uint64_t *rflags, decode_mem_read_fn rd, decode_mem_write_fn wr, void *ctx)
{
	uint64_t v;
	uint64_t *dst = insn->reg >= 0 ? &regs->r[insn->reg & 15] : NULL;

	switch (insn->op) {
	case DOP_MOV_TO_MEM:
		v = insn->has_imm ? insn->imm : decode_reg_get(regs, insn, insn->size);
		return wr(ctx, gpa, insn->size, v) ? -1 : DECODE_APPLY_DONE;
	case DOP_MOV_FROM_MEM:
	case DOP_MOVZX:
	case DOP_MOVSX:
		if (!dst || rd(ctx, gpa, insn->size, &v))
			return -1;
		v &= decode_mask(insn->size);
		if (insn->op == DOP_MOVSX)
			v = decode_sext(v, insn->size);
		decode_reg_put(dst, insn->high_byte, insn->dest_size, v);
		return DECODE_APPLY_DONE;
	case DOP_AND:
	case DOP_OR:
	case DOP_XOR:
	case DOP_ADD:
	case DOP_SUB:
	case DOP_CMP:
	case DOP_TEST:
		if (!insn->has_imm && !dst)
			return -1;
		return decode_apply_alu(insn, gpa, regs, rflags, rd, wr, ctx);
	case DOP_XCHG:
		if (!dst || rd(ctx, gpa, insn->size, &v))
			return -1;
		if (wr(ctx, gpa, insn->size, decode_reg_get(regs, insn, insn->size)))
			return -1;
		decode_reg_put(dst, insn->high_byte, insn->size, v);
		return DECODE_APPLY_DONE;
	case DOP_STOS:
		return decode_apply_stos(insn, gpa, regs, rflags, wr, ctx);
	case DOP_BT:
		if (rd(ctx, gpa, insn->size, &v))
			return -1;
		/* The imm8 offset is taken modulo the operand size (SDM "BT"). */
		if ((v >> (insn->imm & (8U * insn->size - 1))) & 1U)
			*rflags |= DECODE_RFLAGS_CF;
		else
			*rflags &= ~DECODE_RFLAGS_CF;
		return DECODE_APPLY_DONE;
	default: /* DOP_MOVS, or garbage */
		return -1;
	}
}
