/*
 * Decoder and emulator for the memory-operand instructions guests use on
 * MMIO (virtual LAPIC, IOAPIC, ...). An EPT violation reports the
 * guest-physical address but not the instruction, so the exit handler
 * fetches the bytes at CS.base+RIP (vmm/exit/guest_walk.h), decodes them here and
 * performs the access against the device through decode_apply().
 *
 * Pure logic, no globals: runs in VMX root (any context) and in host tests.
 * Opcodes follow the SDM Vol. 2 one-byte and two-byte opcode maps
 * (Appendix A, tables) and the ModRM/SIB tables 2-1..2-3.
 */
#ifndef VMM_DECODE_H
#define VMM_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum decode_op {
	DOP_MOV_TO_MEM,
	DOP_MOV_FROM_MEM,
	DOP_MOVZX,
	DOP_MOVSX,
	DOP_AND,
	DOP_OR,
	DOP_XOR,
	DOP_ADD,
	DOP_SUB,
	DOP_CMP,
	DOP_TEST,
	DOP_STOS,
	DOP_MOVS, /* decoded so the caller can name it; decode_apply() refuses it */
	DOP_XCHG,
	DOP_BT,
};

/*
 * Register operands: reg is a GPR index (rax=0 ... r15=15), or -1 when the
 * other operand is an immediate (C6/C7, 80/81/83, F6/F7, 0F BA).
 *
 * Byte registers: without any REX prefix, ModRM.reg values 4-7 name AH CH DH
 * BH (SDM Vol. 2 table 3-1, "reg" column). The decoder reports those as
 * reg 0-3 with high_byte set, i.e. bits 15:8 of RAX RCX RDX RBX. With a REX
 * prefix (even 0x40) 4-7 are SPL BPL SIL DIL: high_byte clear, reg 4-7.
 *
 * String instructions (STOS, MOVS) report reg 0 (AL/AX/EAX/RAX, the STOS
 * source); the moffs MOVs A0-A3 report reg 0 too.
 */
struct decoded_insn {
	uint8_t length;    /* bytes, to advance RIP */
	uint8_t op;        /* enum decode_op */
	uint8_t size;      /* memory access size in bytes: 1, 2, 4, 8 */
	uint8_t dest_size; /* register size written by MOV-from-mem/MOVZX/MOVSX; else == size */
	int8_t reg;
	bool high_byte;
	bool has_imm;
	uint64_t imm; /* sign-extended to the operand size as the opcode defines, then
		       * truncated to it; BT: the raw imm8 bit offset */
	bool rep;     /* F3 or F2 on STOS/MOVS: both mean "repeat RCX times" there */
	/* Additions to the agreed layout: */
	bool reg_dest;    /* ALU/CMP forms 02/03, 0A/0B, ...: the register is the first
			   * (destination) operand and memory is only read */
	uint8_t addr_size; /* 2, 4, 8: width of RDI/RCX that STOS updates */
};

enum decode_mode { DECODE_16, DECODE_32, DECODE_64 };

/*
 * Decodes one instruction from bytes[0..avail). mode is the guest's code
 * size (CS.L and CS.D, or real mode). Returns 0 and fills *out, or -1 when
 * the bytes are not an instruction we emulate: unknown opcode, register-only
 * ModRM (mod == 3: no memory access to emulate), ADC/SBB, truncated input,
 * or longer than the 15-byte architectural limit.
 *
 * Prefixes: 66 and 67 (sizes), segment overrides (skipped: the exit already
 * gives the GPA), LOCK, F2/F3 (kept as rep only for string ops), and REX in
 * 64-bit mode when it comes last, as the SDM requires (2.2.1); a REX
 * followed by another prefix is ignored, like the CPU does.
 */
int decode_insn(const uint8_t *bytes, size_t avail, enum decode_mode mode,
		struct decoded_insn *out);

struct gpr_file {
	uint64_t r[16]; /* rax=0, rcx=1, rdx=2, rbx=3, rsp=4, rbp=5, rsi=6, rdi=7, r8..r15 */
};

/*
 * Device access callbacks: 0 ok, non-zero on failure. A read may leave bits
 * above size*8 undefined: decode_apply() ignores them.
 */
typedef int (*decode_mem_read_fn)(void *ctx, uint64_t gpa, unsigned size, uint64_t *value);
typedef int (*decode_mem_write_fn)(void *ctx, uint64_t gpa, unsigned size, uint64_t value);

/* RFLAGS bits, SDM Vol. 1 3.4.3 (figure 3-8). */
#define DECODE_RFLAGS_CF (1UL << 0)
#define DECODE_RFLAGS_PF (1UL << 2)
#define DECODE_RFLAGS_AF (1UL << 4)
#define DECODE_RFLAGS_ZF (1UL << 6)
#define DECODE_RFLAGS_SF (1UL << 7)
#define DECODE_RFLAGS_DF (1UL << 10)
#define DECODE_RFLAGS_OF (1UL << 11)
#define DECODE_RFLAGS_ARITH                                                  \
	(DECODE_RFLAGS_CF | DECODE_RFLAGS_PF | DECODE_RFLAGS_AF |            \
	 DECODE_RFLAGS_ZF | DECODE_RFLAGS_SF | DECODE_RFLAGS_OF)

/* decode_apply() results besides -1. */
#define DECODE_APPLY_DONE 0
#define DECODE_APPLY_REPEAT 1

/*
 * Performs *insn against memory at gpa through rd/wr: write-type ops compute
 * the value (read-modify-write ops read first) and call wr once; read-type
 * ops call rd and update regs. Register writes follow the x86-64 rules:
 * 8/16-bit writes keep the other bits, 32-bit writes zero bits 63:32 (SDM
 * Vol. 1 3.4.1.1; outside 64-bit mode those bits are undefined, so zeroing
 * them is correct there too). ALU/CMP/TEST update CF PF AF ZF SF OF (AF is
 * cleared by the logical ops, where the SDM leaves it undefined); BT sets CF
 * only. MOV, MOVZX/MOVSX, XCHG and STOS leave *rflags alone.
 *
 * REP STOS: one iteration per call. It stores at gpa, steps RDI by size
 * (down when RFLAGS.DF) and decrements RCX, both at the address size, then
 * returns DECODE_APPLY_REPEAT while RCX is non-zero: the caller must then
 * NOT advance RIP, so the guest re-executes the instruction for the next
 * element (as the CPU itself does when a REP is interrupted) and the next
 * MMIO element exits again with its own GPA. A REP with RCX already 0 does
 * nothing and returns DECODE_APPLY_DONE.
 *
 * Returns DECODE_APPLY_DONE (advance RIP by insn->length), DECODE_APPLY_REPEAT,
 * or -1 when a callback failed or the op is DOP_MOVS (a memory-to-memory
 * copy we do not emulate). On -1 the registers and flags are unchanged,
 * though a device read (which may have side effects) can have happened.
 */
int decode_apply(const struct decoded_insn *insn, uint64_t gpa, struct gpr_file *regs,
		 uint64_t *rflags, decode_mem_read_fn rd, decode_mem_write_fn wr, void *ctx);

#endif
