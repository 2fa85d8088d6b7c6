/*
 * Host unit test for vmm/exit/decode.c: a table of instruction bytes as GNU as
 * and compilers emit them for MMIO accessors (lengths checked against
 * objdump), the refusals, every truncation of every valid case, and apply
 * cases that check the whole register file, the write made and RFLAGS.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "vmm/exit/decode.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define BYTES(...) .bytes = { __VA_ARGS__ }, .n = sizeof((uint8_t[]){ __VA_ARGS__ })
#define NOREG (-1)

/* assert_int_equal that names the table case on failure. */
#define expect_eq(what, got, want)                                                      \
	do {                                                                            \
		unsigned long long got_ = (got), want_ = (want);                        \
		if (got_ != want_)                                                      \
			fail_msg("%s: %s = %#llx, want %#llx", (what), #got, got_, want_); \
	} while (0)

/* -------------------------------------------------------------- decode --- */

struct decode_case {
	const char *what;
	enum decode_mode mode;
	uint8_t bytes[16];
	uint8_t n;
	/* Expected; dest_size 0 means "== size", addr_size 0 the mode's default. */
	uint8_t length, op, size, dest_size;
	int8_t reg;
	bool high_byte, has_imm, rep, reg_dest;
	uint64_t imm;
	uint8_t addr_size;
};

#define M64 .mode = DECODE_64
#define M32 .mode = DECODE_32
#define M16 .mode = DECODE_16

static const struct decode_case decode_cases[] = {
	/* MOV: Linux readl/writel/readq, LAPIC/IOAPIC accesses. */
	{ "mov eax,[rdi]", M64, BYTES(0x8b, 0x07), .length = 2, .op = DOP_MOV_FROM_MEM, .size = 4,
	  .reg = 0 },
	{ "mov [rax],edx", M64, BYTES(0x89, 0x10), .length = 2, .op = DOP_MOV_TO_MEM, .size = 4,
	  .reg = 2 },
	{ "mov dword [rax+0xb0],0 (EOI)", M64,
	  BYTES(0xc7, 0x80, 0xb0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00),
	  .length = 10, .op = DOP_MOV_TO_MEM, .size = 4, .reg = NOREG, .has_imm = true, .imm = 0 },
	{ "mov rax,[0xfee000b0] (SIB abs)", M64, BYTES(0x48, 0x8b, 0x04, 0x25, 0xb0, 0x00, 0xe0, 0xfe),
	  .length = 8, .op = DOP_MOV_FROM_MEM, .size = 8, .reg = 0 },
	{ "mov [rsi+rcx*4+disp32],ax", M64, BYTES(0x66, 0x89, 0x84, 0x8e, 0x78, 0x56, 0x34, 0x12),
	  .length = 8, .op = DOP_MOV_TO_MEM, .size = 2, .reg = 0 },
	{ "mov r9d,[r12]", M64, BYTES(0x45, 0x8b, 0x0c, 0x24), .length = 4, .op = DOP_MOV_FROM_MEM,
	  .size = 4, .reg = 9 },
	{ "mov [r13+0],r15", M64, BYTES(0x4d, 0x89, 0x7d, 0x00), .length = 4, .op = DOP_MOV_TO_MEM,
	  .size = 8, .reg = 15 },
	{ "mov [r13+8],r8b", M64, BYTES(0x45, 0x88, 0x45, 0x08), .length = 4, .op = DOP_MOV_TO_MEM,
	  .size = 1, .reg = 8 },
	{ "mov ah,[rbx]", M64, BYTES(0x8a, 0x23), .length = 2, .op = DOP_MOV_FROM_MEM, .size = 1,
	  .reg = 0, .high_byte = true },
	{ "mov [rcx],bh", M64, BYTES(0x88, 0x39), .length = 2, .op = DOP_MOV_TO_MEM, .size = 1,
	  .reg = 3, .high_byte = true },
	{ "mov spl,[rax]", M64, BYTES(0x40, 0x8a, 0x20), .length = 3, .op = DOP_MOV_FROM_MEM,
	  .size = 1, .reg = 4 },
	{ "mov [rdx],dil", M64, BYTES(0x40, 0x88, 0x3a), .length = 3, .op = DOP_MOV_TO_MEM,
	  .size = 1, .reg = 7 },
	{ "mov byte [rip+0x100],0x7f", M64, BYTES(0xc6, 0x05, 0x00, 0x01, 0x00, 0x00, 0x7f),
	  .length = 7, .op = DOP_MOV_TO_MEM, .size = 1, .reg = NOREG, .has_imm = true, .imm = 0x7f },
	{ "mov byte [rax],0xff", M64, BYTES(0xc6, 0x00, 0xff), .length = 3, .op = DOP_MOV_TO_MEM,
	  .size = 1, .reg = NOREG, .has_imm = true, .imm = 0xff },
	{ "mov qword [rax],-1", M64, BYTES(0x48, 0xc7, 0x00, 0xff, 0xff, 0xff, 0xff), .length = 7,
	  .op = DOP_MOV_TO_MEM, .size = 8, .reg = NOREG, .has_imm = true, .imm = ~0ULL },
	{ "mov dword [rax],0x80000000", M64, BYTES(0xc7, 0x00, 0x00, 0x00, 0x00, 0x80), .length = 6,
	  .op = DOP_MOV_TO_MEM, .size = 4, .reg = NOREG, .has_imm = true, .imm = 0x80000000 },
	{ "mov word [rbx+rdx*2],0x1234", M64, BYTES(0x66, 0xc7, 0x04, 0x53, 0x34, 0x12),
	  .length = 6, .op = DOP_MOV_TO_MEM, .size = 2, .reg = NOREG, .has_imm = true, .imm = 0x1234 },
	{ "mov fs:[rax],eax", M64, BYTES(0x64, 0x89, 0x00), .length = 3, .op = DOP_MOV_TO_MEM,
	  .size = 4, .reg = 0 },
	{ "mov eax,gs:[0x10]", M64, BYTES(0x65, 0x8b, 0x04, 0x25, 0x10, 0x00, 0x00, 0x00),
	  .length = 8, .op = DOP_MOV_FROM_MEM, .size = 4, .reg = 0 },
	{ "mov eax,[edi] (67)", M64, BYTES(0x67, 0x8b, 0x07), .length = 3, .op = DOP_MOV_FROM_MEM,
	  .size = 4, .reg = 0, .addr_size = 4 },
	/* A REX counts only right before the opcode: here 66 cancels it. */
	{ "48 66 8b 07: REX ignored", M64, BYTES(0x48, 0x66, 0x8b, 0x07), .length = 4,
	  .op = DOP_MOV_FROM_MEM, .size = 2, .reg = 0 },
	{ "66 48 8b 07: REX.W wins", M64, BYTES(0x66, 0x48, 0x8b, 0x07), .length = 4,
	  .op = DOP_MOV_FROM_MEM, .size = 8, .reg = 0 },
	{ "44 66 88 20: REX gone, AH", M64, BYTES(0x44, 0x66, 0x88, 0x20), .length = 4,
	  .op = DOP_MOV_TO_MEM, .size = 1, .reg = 0, .high_byte = true },
	{ "13 x 66 + mov: 15 bytes", M64,
	  BYTES(0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
		0x8b, 0x07),
	  .length = 15, .op = DOP_MOV_FROM_MEM, .size = 2, .reg = 0 },

	/* moffs: as wide as the address size. */
	{ "mov eax,moffs64", M64, BYTES(0xa1, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11),
	  .length = 9, .op = DOP_MOV_FROM_MEM, .size = 4, .reg = 0 },
	{ "mov moffs64,rax", M64, BYTES(0x48, 0xa3, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11),
	  .length = 10, .op = DOP_MOV_TO_MEM, .size = 8, .reg = 0 },
	{ "mov al,moffs64", M64, BYTES(0xa0, 0x00, 0x00, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x00),
	  .length = 9, .op = DOP_MOV_FROM_MEM, .size = 1, .reg = 0 },
	{ "mov moffs64,ax", M64, BYTES(0x66, 0xa3, 0x00, 0x00, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x00),
	  .length = 10, .op = DOP_MOV_TO_MEM, .size = 2, .reg = 0 },
	{ "mov eax,moffs32 (67, 64-bit)", M64, BYTES(0x67, 0xa1, 0x78, 0x56, 0x34, 0x12), .length = 6,
	  .op = DOP_MOV_FROM_MEM, .size = 4, .reg = 0, .addr_size = 4 },
	{ "mov eax,moffs32", M32, BYTES(0xa1, 0x20, 0x00, 0xe0, 0xfe), .length = 5,
	  .op = DOP_MOV_FROM_MEM, .size = 4, .reg = 0 },
	{ "mov moffs32,eax", M32, BYTES(0xa3, 0x00, 0x00, 0xc0, 0xfe), .length = 5,
	  .op = DOP_MOV_TO_MEM, .size = 4, .reg = 0 },
	{ "mov ax,moffs32", M32, BYTES(0x66, 0xa1, 0x10, 0x00, 0xc0, 0xfe), .length = 6,
	  .op = DOP_MOV_FROM_MEM, .size = 2, .reg = 0 },
	{ "mov eax,moffs16 (67)", M32, BYTES(0x67, 0xa1, 0x34, 0x12), .length = 4,
	  .op = DOP_MOV_FROM_MEM, .size = 4, .reg = 0, .addr_size = 2 },
	{ "mov al,moffs16", M16, BYTES(0xa0, 0x00, 0x04), .length = 3, .op = DOP_MOV_FROM_MEM,
	  .size = 1, .reg = 0 },
	{ "mov eax,moffs32 (16-bit, 67 66)", M16, BYTES(0x67, 0x66, 0xa1, 0xb0, 0x00, 0xe0, 0xfe),
	  .length = 7, .op = DOP_MOV_FROM_MEM, .size = 4, .reg = 0, .addr_size = 4 },

	/* 32- and 16-bit ModRM forms. */
	{ "mov eax,[edi]", M32, BYTES(0x8b, 0x07), .length = 2, .op = DOP_MOV_FROM_MEM, .size = 4,
	  .reg = 0 },
	{ "mov dword [esp+ecx*4],5", M32, BYTES(0xc7, 0x04, 0x8c, 0x05, 0x00, 0x00, 0x00),
	  .length = 7, .op = DOP_MOV_TO_MEM, .size = 4, .reg = NOREG, .has_imm = true, .imm = 5 },
	{ "mov eax,[bp+0] (67)", M32, BYTES(0x67, 0x8b, 0x46, 0x00), .length = 4,
	  .op = DOP_MOV_FROM_MEM, .size = 4, .reg = 0, .addr_size = 2 },
	{ "mov eax,[bx+si+0x10] (67)", M32, BYTES(0x67, 0x8b, 0x40, 0x10), .length = 4,
	  .op = DOP_MOV_FROM_MEM, .size = 4, .reg = 0, .addr_size = 2 },
	{ "mov ax,[bx]", M16, BYTES(0x8b, 0x07), .length = 2, .op = DOP_MOV_FROM_MEM, .size = 2,
	  .reg = 0 },
	{ "mov eax,[bx+si+disp16]", M16, BYTES(0x66, 0x8b, 0x80, 0x34, 0x12), .length = 5,
	  .op = DOP_MOV_FROM_MEM, .size = 4, .reg = 0 },
	{ "mov word [0x20],0x55aa", M16, BYTES(0xc7, 0x06, 0x20, 0x00, 0xaa, 0x55), .length = 6,
	  .op = DOP_MOV_TO_MEM, .size = 2, .reg = NOREG, .has_imm = true, .imm = 0x55aa },
	{ "mov dword [ebx+0x10],1 (16-bit, 67 66)", M16,
	  BYTES(0x67, 0x66, 0xc7, 0x43, 0x10, 0x01, 0x00, 0x00, 0x00), .length = 9,
	  .op = DOP_MOV_TO_MEM, .size = 4, .reg = NOREG, .has_imm = true, .imm = 1, .addr_size = 4 },

	/* MOVZX / MOVSX. */
	{ "movzx eax,byte [rdi+4]", M64, BYTES(0x0f, 0xb6, 0x47, 0x04), .length = 4,
	  .op = DOP_MOVZX, .size = 1, .dest_size = 4, .reg = 0 },
	{ "movzx r10,word [rsp]", M64, BYTES(0x4c, 0x0f, 0xb7, 0x14, 0x24), .length = 5,
	  .op = DOP_MOVZX, .size = 2, .dest_size = 8, .reg = 10 },
	{ "movzx ax,byte [rdi]", M64, BYTES(0x66, 0x0f, 0xb6, 0x07), .length = 4, .op = DOP_MOVZX,
	  .size = 1, .dest_size = 2, .reg = 0 },
	{ "movzx esp,byte [rdi]: not AH", M64, BYTES(0x0f, 0xb6, 0x27), .length = 3, .op = DOP_MOVZX,
	  .size = 1, .dest_size = 4, .reg = 4 },
	{ "movsx rcx,byte [rbp-1]", M64, BYTES(0x48, 0x0f, 0xbe, 0x4d, 0xff), .length = 5,
	  .op = DOP_MOVSX, .size = 1, .dest_size = 8, .reg = 1 },
	{ "movsx edx,word [r11+r14*8+0x100]", M64,
	  BYTES(0x43, 0x0f, 0xbf, 0x94, 0xf3, 0x00, 0x01, 0x00, 0x00), .length = 9,
	  .op = DOP_MOVSX, .size = 2, .dest_size = 4, .reg = 2 },

	/* Group 1 with an immediate. */
	{ "add dword [rax],1", M64, BYTES(0x83, 0x00, 0x01), .length = 3, .op = DOP_ADD, .size = 4,
	  .reg = NOREG, .has_imm = true, .imm = 1 },
	{ "or byte [rdi+3],0x80", M64, BYTES(0x80, 0x4f, 0x03, 0x80), .length = 4, .op = DOP_OR,
	  .size = 1, .reg = NOREG, .has_imm = true, .imm = 0x80 },
	{ "and qword [rbx],-16", M64, BYTES(0x48, 0x83, 0x23, 0xf0), .length = 4, .op = DOP_AND,
	  .size = 8, .reg = NOREG, .has_imm = true, .imm = 0xfffffffffffffff0ULL },
	{ "sub word [rcx],0x1000", M64, BYTES(0x66, 0x81, 0x29, 0x00, 0x10), .length = 5,
	  .op = DOP_SUB, .size = 2, .reg = NOREG, .has_imm = true, .imm = 0x1000 },
	{ "xor dword [rdx],0x80000000", M64, BYTES(0x81, 0x32, 0x00, 0x00, 0x00, 0x80), .length = 6,
	  .op = DOP_XOR, .size = 4, .reg = NOREG, .has_imm = true, .imm = 0x80000000 },
	{ "cmp dword [rsi],-1 (83)", M64, BYTES(0x83, 0x3e, 0xff), .length = 3, .op = DOP_CMP,
	  .size = 4, .reg = NOREG, .has_imm = true, .imm = 0xffffffff },
	{ "cmp word [rsi],-1 (83)", M64, BYTES(0x66, 0x83, 0x3e, 0xff), .length = 4, .op = DOP_CMP,
	  .size = 2, .reg = NOREG, .has_imm = true, .imm = 0xffff },
	{ "cmp qword [rsi],imm32 sign-extended", M64,
	  BYTES(0x48, 0x81, 0x3e, 0x00, 0x00, 0x00, 0x80), .length = 7, .op = DOP_CMP, .size = 8,
	  .reg = NOREG, .has_imm = true, .imm = 0xffffffff80000000ULL },
	{ "lock or dword [rsp],0", M64, BYTES(0xf0, 0x83, 0x0c, 0x24, 0x00), .length = 5,
	  .op = DOP_OR, .size = 4, .reg = NOREG, .has_imm = true, .imm = 0 },
	{ "sub word [0x20],imm16 (16-bit)", M16, BYTES(0x81, 0x2e, 0x20, 0x00, 0x34, 0x12),
	  .length = 6, .op = DOP_SUB, .size = 2, .reg = NOREG, .has_imm = true, .imm = 0x1234 },

	/* ALU register/memory forms, both directions. */
	{ "add [rax],ecx", M64, BYTES(0x01, 0x08), .length = 2, .op = DOP_ADD, .size = 4, .reg = 1 },
	{ "add ecx,[rax]", M64, BYTES(0x03, 0x08), .length = 2, .op = DOP_ADD, .size = 4, .reg = 1,
	  .reg_dest = true },
	{ "add [rax],cl", M64, BYTES(0x00, 0x08), .length = 2, .op = DOP_ADD, .size = 1, .reg = 1 },
	{ "or r8,[r9]", M64, BYTES(0x4d, 0x0b, 0x01), .length = 3, .op = DOP_OR, .size = 8, .reg = 8,
	  .reg_dest = true },
	{ "or [rax],dh", M64, BYTES(0x08, 0x30), .length = 2, .op = DOP_OR, .size = 1, .reg = 2,
	  .high_byte = true },
	{ "and [rbx],ah", M64, BYTES(0x20, 0x23), .length = 2, .op = DOP_AND, .size = 1, .reg = 0,
	  .high_byte = true },
	{ "and ecx,[rbx]", M64, BYTES(0x23, 0x0b), .length = 2, .op = DOP_AND, .size = 4, .reg = 1,
	  .reg_dest = true },
	{ "sub al,[rdx]", M64, BYTES(0x2a, 0x02), .length = 2, .op = DOP_SUB, .size = 1, .reg = 0,
	  .reg_dest = true },
	{ "sub [rdx],eax", M64, BYTES(0x29, 0x02), .length = 2, .op = DOP_SUB, .size = 4, .reg = 0 },
	{ "xor [r15],r14w", M64, BYTES(0x66, 0x45, 0x31, 0x37), .length = 4, .op = DOP_XOR,
	  .size = 2, .reg = 14 },
	{ "xor bl,[rax]", M64, BYTES(0x32, 0x18), .length = 2, .op = DOP_XOR, .size = 1, .reg = 3,
	  .reg_dest = true },
	{ "cmp eax,[rdi+0x20]", M64, BYTES(0x3b, 0x47, 0x20), .length = 3, .op = DOP_CMP, .size = 4,
	  .reg = 0, .reg_dest = true },
	{ "cmp [rdi+0x20],eax", M64, BYTES(0x39, 0x47, 0x20), .length = 3, .op = DOP_CMP, .size = 4,
	  .reg = 0 },
	{ "cmp [rax],bh", M64, BYTES(0x38, 0x38), .length = 2, .op = DOP_CMP, .size = 1, .reg = 3,
	  .high_byte = true },

	/* TEST, XCHG. */
	{ "test [rax],ebx", M64, BYTES(0x85, 0x18), .length = 2, .op = DOP_TEST, .size = 4, .reg = 3 },
	{ "test [rax],ch", M64, BYTES(0x84, 0x28), .length = 2, .op = DOP_TEST, .size = 1, .reg = 1,
	  .high_byte = true },
	{ "test byte [rax],1", M64, BYTES(0xf6, 0x00, 0x01), .length = 3, .op = DOP_TEST, .size = 1,
	  .reg = NOREG, .has_imm = true, .imm = 1 },
	{ "test dword [rax+4],0x100", M64, BYTES(0xf7, 0x40, 0x04, 0x00, 0x01, 0x00, 0x00),
	  .length = 7, .op = DOP_TEST, .size = 4, .reg = NOREG, .has_imm = true, .imm = 0x100 },
	{ "xchg [rdi],eax", M64, BYTES(0x87, 0x07), .length = 2, .op = DOP_XCHG, .size = 4, .reg = 0 },
	{ "xchg [rdi],cl", M64, BYTES(0x86, 0x0f), .length = 2, .op = DOP_XCHG, .size = 1, .reg = 1 },
	{ "xchg [rdi],r11", M64, BYTES(0x4c, 0x87, 0x1f), .length = 3, .op = DOP_XCHG, .size = 8,
	  .reg = 11 },

	/* String ops. */
	{ "rep stosd", M64, BYTES(0xf3, 0xab), .length = 2, .op = DOP_STOS, .size = 4, .reg = 0,
	  .rep = true },
	{ "rep stosq", M64, BYTES(0xf3, 0x48, 0xab), .length = 3, .op = DOP_STOS, .size = 8,
	  .reg = 0, .rep = true },
	{ "stosb", M64, BYTES(0xaa), .length = 1, .op = DOP_STOS, .size = 1, .reg = 0 },
	{ "addr32 rep stosb", M64, BYTES(0x67, 0xf3, 0xaa), .length = 3, .op = DOP_STOS, .size = 1,
	  .reg = 0, .rep = true, .addr_size = 4 },
	{ "repne stosd acts as rep", M64, BYTES(0xf2, 0xab), .length = 2, .op = DOP_STOS, .size = 4,
	  .reg = 0, .rep = true },
	{ "rep stosw (32-bit)", M32, BYTES(0x66, 0xf3, 0xab), .length = 3, .op = DOP_STOS,
	  .size = 2, .reg = 0, .rep = true },
	{ "rep movsb", M64, BYTES(0xf3, 0xa4), .length = 2, .op = DOP_MOVS, .size = 1, .reg = NOREG,
	  .rep = true },
	{ "movsq", M64, BYTES(0x48, 0xa5), .length = 2, .op = DOP_MOVS, .size = 8, .reg = NOREG },
	/* F3 on a non-string op is not a REP for us. */
	{ "f3 mov [rax],edx", M64, BYTES(0xf3, 0x89, 0x10), .length = 3, .op = DOP_MOV_TO_MEM,
	  .size = 4, .reg = 2 },

	/* BT imm. */
	{ "bt dword [rax],5", M64, BYTES(0x0f, 0xba, 0x20, 0x05), .length = 4, .op = DOP_BT,
	  .size = 4, .reg = NOREG, .has_imm = true, .imm = 5 },
	{ "bt qword [rax],63", M64, BYTES(0x48, 0x0f, 0xba, 0x20, 0x3f), .length = 5, .op = DOP_BT,
	  .size = 8, .reg = NOREG, .has_imm = true, .imm = 63 },
};

static uint8_t default_addr_size(enum decode_mode m)
{
	return m == DECODE_64 ? 8 : m == DECODE_32 ? 4 : 2;
}

/* Decodes from a heap copy of exactly n bytes, so ASan catches overreads. */
static int decode_exact(const uint8_t *bytes, size_t n, enum decode_mode mode,
			struct decoded_insn *out)
{
	uint8_t *copy = malloc(n ? n : 1);
	int ret;

	assert_non_null(copy);
	memcpy(copy, bytes, n);
	ret = decode_insn(copy, n, mode, out);
	free(copy);
	return ret;
}

static void test_decode_table(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(decode_cases); i++) {
		const struct decode_case *c = &decode_cases[i];
		struct decoded_insn d;
		uint8_t dest = c->dest_size ? c->dest_size : c->size;
		uint8_t asz = c->addr_size ? c->addr_size : default_addr_size(c->mode);

		expect_eq(c->what, decode_exact(c->bytes, c->n, c->mode, &d), 0);
		expect_eq(c->what, d.length, c->length);
		expect_eq(c->what, d.op, c->op);
		expect_eq(c->what, d.size, c->size);
		expect_eq(c->what, d.dest_size, dest);
		expect_eq(c->what, d.reg, c->reg);
		expect_eq(c->what, d.high_byte, c->high_byte);
		expect_eq(c->what, d.has_imm, c->has_imm);
		expect_eq(c->what, d.imm, c->imm);
		expect_eq(c->what, d.rep, c->rep);
		expect_eq(c->what, d.reg_dest, c->reg_dest);
		expect_eq(c->what, d.addr_size, asz);
	}
}

/* Trailing bytes (the rest of a fetch buffer) do not change the result. */
static void test_decode_trailing_bytes(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(decode_cases); i++) {
		const struct decode_case *c = &decode_cases[i];
		uint8_t buf[32];
		struct decoded_insn d;

		memset(buf, 0x0f, sizeof(buf));
		memcpy(buf, c->bytes, c->n);
		expect_eq(c->what, decode_insn(buf, sizeof(buf), c->mode, &d), 0);
		expect_eq(c->what, d.length, c->length);
	}
}

/* Every strict prefix of a valid instruction is refused. */
static void test_decode_truncated(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(decode_cases); i++) {
		const struct decode_case *c = &decode_cases[i];
		struct decoded_insn d;

		for (size_t n = 0; n < c->n; n++) {
			if (decode_exact(c->bytes, n, c->mode, &d) != -1)
				fail_msg("%s: accepted %zu of %u bytes", c->what, n, c->n);
		}
	}
}

struct refuse_case {
	const char *what;
	enum decode_mode mode;
	uint8_t bytes[16];
	uint8_t n;
};

static const struct refuse_case refuse_cases[] = {
	{ "adc [rax],eax", M64, BYTES(0x11, 0x00) },
	{ "sbb dword [rax],1", M64, BYTES(0x83, 0x18, 0x01) },
	{ "adc byte [rax],1", M64, BYTES(0x80, 0x10, 0x01) },
	{ "not dword [rax]", M64, BYTES(0xf7, 0x10) },
	{ "neg byte [rax]", M64, BYTES(0xf6, 0x18) },
	{ "inc dword [rax]", M64, BYTES(0xff, 0x00) },
	{ "bts dword [rax],3", M64, BYTES(0x0f, 0xba, 0x28, 0x03) },
	{ "bt [rax],eax (bit string)", M64, BYTES(0x0f, 0xa3, 0x00) },
	{ "movsxd rax,[rdi]", M64, BYTES(0x48, 0x63, 0x07) },
	/* Register-only forms, followed by bytes that would make a disp32. */
	{ "mov eax,eax (no memory)", M64, BYTES(0x8b, 0xc0, 0x90, 0x90, 0x90, 0x90) },
	{ "add eax,ecx (no memory)", M64, BYTES(0x01, 0xc8, 0x90, 0x90, 0x90, 0x90) },
	{ "mov cl,dl (no memory)", M64, BYTES(0x88, 0xd1, 0x90, 0x90, 0x90, 0x90) },
	{ "add eax,imm32 (no memory)", M64, BYTES(0x05, 0x01, 0x00, 0x00, 0x00) },
	{ "mov eax,imm32", M64, BYTES(0xb8, 0x01, 0x00, 0x00, 0x00) },
	{ "c7 /1 is not MOV", M64, BYTES(0xc7, 0x08, 0x00, 0x00, 0x00, 0x00) },
	{ "c6 f8: xabort", M64, BYTES(0xc6, 0xf8, 0x00, 0x90, 0x90, 0x90, 0x90) },
	{ "movzx eax,al (no memory)", M64, BYTES(0x0f, 0xb6, 0xc0, 0x90, 0x90, 0x90, 0x90) },
	{ "or dword [eax] mod 3 (83 c8)", M64, BYTES(0x83, 0xc8, 0x01, 0x90, 0x90, 0x90, 0x90) },
	{ "ud2", M64, BYTES(0x0f, 0x0b) },
	{ "nop", M64, BYTES(0x90) },
	{ "vex c5", M64, BYTES(0xc5, 0xf9, 0x6f, 0x07) },
	{ "dec eax in 32-bit (no REX)", M32, BYTES(0x48, 0x8b, 0x07) },
	{ "prefixes only", M64, BYTES(0x66, 0x67, 0xf3, 0x48) },
	{ "16 bytes: 14 x 66 + mov", M64,
	  BYTES(0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
		0x8b, 0x07) },
};

static void test_decode_refused(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(refuse_cases); i++) {
		const struct refuse_case *c = &refuse_cases[i];
		struct decoded_insn d;

		expect_eq(c->what, decode_exact(c->bytes, c->n, c->mode, &d), -1);
	}
}

/* --------------------------------------------------------------- apply --- */

#define GPA 0xfee000b0ULL
#define RFL_FIXED 0x2ULL /* bit 1 is always set */
#define CF DECODE_RFLAGS_CF
#define PF DECODE_RFLAGS_PF
#define AF DECODE_RFLAGS_AF
#define ZF DECODE_RFLAGS_ZF
#define SF DECODE_RFLAGS_SF
#define OF DECODE_RFLAGS_OF
#define DF DECODE_RFLAGS_DF

struct fake_dev {
	uint64_t read_value;
	bool fail_read, fail_write;
	int reads, writes;
	uint64_t rd_gpa, wr_gpa, wr_value;
	unsigned int rd_size, wr_size;
};

static int fake_read(void *ctx, uint64_t gpa, unsigned size, uint64_t *value)
{
	struct fake_dev *dev = ctx;

	dev->reads++;
	dev->rd_gpa = gpa;
	dev->rd_size = size;
	if (dev->fail_read)
		return -1;
	/* Garbage above the access size: the header says it is ignored. */
	*value = size >= 8 ? dev->read_value :
			     (dev->read_value & ((1ULL << (8 * size)) - 1)) |
				     (0x5a5a5a5a5a5a5a5aULL << (8 * size));
	return 0;
}

static int fake_write(void *ctx, uint64_t gpa, unsigned size, uint64_t value)
{
	struct fake_dev *dev = ctx;

	dev->writes++;
	dev->wr_gpa = gpa;
	dev->wr_size = size;
	dev->wr_value = value;
	return dev->fail_write ? -1 : 0;
}

struct reg_val {
	bool used;
	uint8_t idx;
	uint64_t val;
};

#define R(i, v) { .used = true, .idx = (i), .val = (v) }
#define RAX 0
#define RCX 1
#define RDX 2
#define RBX 3
#define RSP 4
#define RSI 6
#define RDI 7
#define R10 10
#define R14 14

struct apply_case {
	const char *what;
	enum decode_mode mode;
	uint8_t bytes[16];
	uint8_t n;
	struct reg_val in[3];  /* registers set before; others hold a fill pattern */
	uint64_t rflags_in;    /* RFL_FIXED is or-ed in */
	uint64_t mem;          /* what the device returns */
	int ret;
	bool reads;
	bool writes;
	uint64_t wr_value;
	struct reg_val out[3]; /* registers expected to change */
	uint64_t rflags_out;   /* RFL_FIXED is or-ed in */
};

static const struct apply_case apply_cases[] = {
	/* Loads, with partial-register rules. */
	{ "mov eax,[rdi] zero-extends", M64, BYTES(0x8b, 0x07), .in = { R(RAX, 0xffffffffdeadbeefULL) },
	  .mem = 0x12345678, .reads = true, .out = { R(RAX, 0x12345678) } },
	{ "mov rax,[abs]", M64, BYTES(0x48, 0x8b, 0x04, 0x25, 0xb0, 0x00, 0xe0, 0xfe),
	  .mem = 0x8877665544332211ULL, .reads = true, .out = { R(RAX, 0x8877665544332211ULL) } },
	{ "mov ax,[rdi] keeps 63:16", M64, BYTES(0x66, 0x8b, 0x07),
	  .in = { R(RAX, 0x1111111111111111ULL) }, .mem = 0xbeef, .reads = true,
	  .out = { R(RAX, 0x111111111111beefULL) } },
	{ "mov ah,[rbx]", M64, BYTES(0x8a, 0x23), .in = { R(RAX, 0x1111111111111111ULL) },
	  .mem = 0xab, .reads = true, .out = { R(RAX, 0x111111111111ab11ULL) } },
	{ "mov spl,[rax]", M64, BYTES(0x40, 0x8a, 0x20), .in = { R(RSP, 0x1111111111111111ULL) },
	  .mem = 0xab, .reads = true, .out = { R(RSP, 0x11111111111111abULL) } },
	{ "mov al,moffs", M64, BYTES(0xa0, 0xb0, 0x00, 0xe0, 0xfe, 0, 0, 0, 0),
	  .in = { R(RAX, 0x2222222222222222ULL) }, .mem = 0xcd, .reads = true,
	  .out = { R(RAX, 0x22222222222222cdULL) } },
	{ "mov eax,moffs (32-bit guest)", M32, BYTES(0xa1, 0x20, 0x00, 0xe0, 0xfe),
	  .in = { R(RAX, 0x1234) }, .mem = 0x00050014, .reads = true, .out = { R(RAX, 0x00050014) } },
	{ "movzx eax,byte", M64, BYTES(0x0f, 0xb6, 0x47, 0x04), .in = { R(RAX, ~0ULL) }, .mem = 0x80,
	  .reads = true, .out = { R(RAX, 0x80) } },
	{ "movzx ax,byte keeps 63:16", M64, BYTES(0x66, 0x0f, 0xb6, 0x07), .in = { R(RAX, ~0ULL) },
	  .mem = 0x80, .reads = true, .out = { R(RAX, 0xffffffffffff0080ULL) } },
	{ "movzx r10,word", M64, BYTES(0x4c, 0x0f, 0xb7, 0x14, 0x24), .in = { R(R10, ~0ULL) },
	  .mem = 0x8001, .reads = true, .out = { R(R10, 0x8001) } },
	{ "movsx rcx,byte", M64, BYTES(0x48, 0x0f, 0xbe, 0x4d, 0xff), .mem = 0x80, .reads = true,
	  .out = { R(RCX, 0xffffffffffffff80ULL) } },
	{ "movsx edx,word", M64, BYTES(0x43, 0x0f, 0xbf, 0x94, 0xf3, 0x00, 0x01, 0x00, 0x00),
	  .in = { R(RDX, 0x1234567800000000ULL) }, .mem = 0x8000, .reads = true,
	  .out = { R(RDX, 0xffff8000ULL) } },
	{ "movsx ecx,byte positive", M64, BYTES(0x0f, 0xbe, 0x0f), .in = { R(RCX, ~0ULL) },
	  .mem = 0x7f, .reads = true, .out = { R(RCX, 0x7f) } },

	/* Stores. */
	{ "mov [rax],edx", M64, BYTES(0x89, 0x10), .in = { R(RDX, 0xaaaaaaaa12345678ULL) },
	  .writes = true, .wr_value = 0x12345678 },
	{ "mov [rcx],bh", M64, BYTES(0x88, 0x39), .in = { R(RBX, 0x1234) }, .writes = true,
	  .wr_value = 0x12 },
	{ "mov [rdx],dil", M64, BYTES(0x40, 0x88, 0x3a), .in = { R(RDI, 0x6677) }, .writes = true,
	  .wr_value = 0x77 },
	{ "mov dword [rax+0xb0],0", M64,
	  BYTES(0xc7, 0x80, 0xb0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00), .writes = true,
	  .wr_value = 0 },
	{ "mov qword [rax],-1", M64, BYTES(0x48, 0xc7, 0x00, 0xff, 0xff, 0xff, 0xff), .writes = true,
	  .wr_value = ~0ULL },
	{ "mov moffs,ax", M64, BYTES(0x66, 0xa3, 0x00, 0x00, 0xe0, 0xfe, 0, 0, 0, 0),
	  .in = { R(RAX, 0x123456789abcdef0ULL) }, .writes = true, .wr_value = 0xdef0 },

	/* Read-modify-write ALU with flags. */
	{ "add dword [rax],1: wraps", M64, BYTES(0x83, 0x00, 0x01), .mem = 0xffffffff,
	  .reads = true, .writes = true, .wr_value = 0, .rflags_out = CF | ZF | PF | AF },
	{ "add [rax],ecx: signed overflow", M64, BYTES(0x01, 0x08), .in = { R(RCX, 0xff00000001ULL) },
	  .mem = 0x7fffffff, .reads = true, .writes = true, .wr_value = 0x80000000,
	  .rflags_out = OF | SF | AF | PF },
	{ "add ecx,[rax] zero-extends", M64, BYTES(0x03, 0x08), .in = { R(RCX, 0xffffffff00000005ULL) },
	  .mem = 3, .reads = true, .out = { R(RCX, 8) } },
	{ "add [rax],cl 8-bit carry", M64, BYTES(0x00, 0x08), .in = { R(RCX, 0x01) }, .mem = 0xff,
	  .reads = true, .writes = true, .wr_value = 0, .rflags_out = CF | ZF | PF | AF },
	{ "xor dword [rdx],0x80000000 clears old flags", M64,
	  BYTES(0x81, 0x32, 0x00, 0x00, 0x00, 0x80), .rflags_in = CF | PF | AF | ZF | SF | OF | DF,
	  .mem = 0x80000001, .reads = true, .writes = true, .wr_value = 1, .rflags_out = DF },
	{ "sub al,[rdx] borrows, keeps 63:8", M64, BYTES(0x2a, 0x02),
	  .in = { R(RAX, 0x3333333333333300ULL) }, .mem = 1, .reads = true,
	  .out = { R(RAX, 0x33333333333333ffULL) }, .rflags_out = CF | SF | AF | PF },
	{ "sub dword [rax],1: OF", M64, BYTES(0x83, 0x28, 0x01), .mem = 0x80000000, .reads = true,
	  .writes = true, .wr_value = 0x7fffffff, .rflags_out = OF | AF | PF },
	{ "sub word [rcx],0x1000", M64, BYTES(0x66, 0x81, 0x29, 0x00, 0x10), .mem = 0x0800,
	  .reads = true, .writes = true, .wr_value = 0xf800, .rflags_out = CF | SF | PF },
	{ "and qword [rbx],-16", M64, BYTES(0x48, 0x83, 0x23, 0xf0), .mem = 0x123f, .reads = true,
	  .writes = true, .wr_value = 0x1230, .rflags_in = CF | OF, .rflags_out = PF },
	{ "and [rbx],ah", M64, BYTES(0x20, 0x23), .in = { R(RAX, 0x0f00) }, .mem = 0x3c,
	  .reads = true, .writes = true, .wr_value = 0x0c, .rflags_out = PF },
	{ "or byte [rdi+3],0x80", M64, BYTES(0x80, 0x4f, 0x03, 0x80), .mem = 0x01, .reads = true,
	  .writes = true, .wr_value = 0x81, .rflags_out = SF | PF },
	{ "or r8,[r9]", M64, BYTES(0x4d, 0x0b, 0x01), .in = { R(8, 0x8000000000000000ULL) },
	  .mem = 0x100, .reads = true, .out = { R(8, 0x8000000000000100ULL) },
	  .rflags_out = SF | PF },
	{ "xor [r15],r14w", M64, BYTES(0x66, 0x45, 0x31, 0x37), .in = { R(R14, 0xffff00ff) },
	  .mem = 0x00f0, .reads = true, .writes = true, .wr_value = 0x000f, .rflags_out = PF },

	/* Compares and tests: flags only, no write, no register change. */
	{ "cmp byte [rsi],0 equal", M64, BYTES(0x80, 0x3e, 0x00), .mem = 0, .reads = true,
	  .rflags_out = ZF | PF },
	{ "cmp eax,[rdi+0x20]: eax-mem", M64, BYTES(0x3b, 0x47, 0x20), .in = { R(RAX, 1) }, .mem = 2,
	  .reads = true, .rflags_out = CF | SF | AF | PF },
	{ "cmp [rdi+0x20],eax: mem-eax", M64, BYTES(0x39, 0x47, 0x20), .in = { R(RAX, 1) },
	  .mem = 2, .reads = true, .rflags_out = 0 },
	{ "cmp dword [rsi],-1 (83)", M64, BYTES(0x83, 0x3e, 0xff), .mem = 0xffffffff, .reads = true,
	  .rflags_out = ZF | PF },
	{ "cmp qword [rsi],0x80000000 sign-extended", M64,
	  BYTES(0x48, 0x81, 0x3e, 0x00, 0x00, 0x00, 0x80), .mem = 0xffffffff80000000ULL,
	  .reads = true, .rflags_out = ZF | PF },
	{ "cmp [rax],bh", M64, BYTES(0x38, 0x38), .in = { R(RBX, 0x7f00) }, .mem = 0x80,
	  .reads = true, .rflags_out = OF | AF },
	{ "test [rax],ebx", M64, BYTES(0x85, 0x18), .in = { R(RBX, 0x0f) }, .mem = 0xf0,
	  .reads = true, .rflags_in = CF | OF | SF, .rflags_out = ZF | PF },
	{ "test byte [rax],1 set", M64, BYTES(0xf6, 0x00, 0x01), .mem = 0x81, .reads = true,
	  .rflags_out = 0 },
	{ "test dword [rax+4],0x80000000", M64, BYTES(0xf7, 0x40, 0x04, 0x00, 0x00, 0x00, 0x80),
	  .mem = 0x80000000, .reads = true, .rflags_out = SF | PF },

	/* XCHG. */
	{ "xchg [rdi],eax", M64, BYTES(0x87, 0x07), .in = { R(RAX, 0xffffffff00000011ULL) },
	  .mem = 0x22, .reads = true, .writes = true, .wr_value = 0x11, .out = { R(RAX, 0x22) } },
	{ "xchg [rdi],cl", M64, BYTES(0x86, 0x0f), .in = { R(RCX, 0x3344) }, .mem = 0x55,
	  .reads = true, .writes = true, .wr_value = 0x44, .out = { R(RCX, 0x3355) } },

	/* BT: CF only, offset modulo the operand size. */
	{ "bt dword [rax],5 set", M64, BYTES(0x0f, 0xba, 0x20, 0x05), .mem = 0x20, .reads = true,
	  .rflags_in = ZF, .rflags_out = ZF | CF },
	{ "bt dword [rax],5 clear", M64, BYTES(0x0f, 0xba, 0x20, 0x05), .mem = ~0x20ULL,
	  .reads = true, .rflags_in = CF, .rflags_out = 0 },
	{ "bt dword [rax],37 is bit 5", M64, BYTES(0x0f, 0xba, 0x20, 0x25), .mem = 0x20,
	  .reads = true, .rflags_out = CF },
	{ "bt qword [rax],63", M64, BYTES(0x48, 0x0f, 0xba, 0x20, 0x3f),
	  .mem = 0x8000000000000000ULL, .reads = true, .rflags_out = CF },

	/* STOS, one element per call. */
	{ "stosb forward", M64, BYTES(0xaa), .in = { R(RAX, 0x1234), R(RDI, 0x1000), R(RCX, 5) },
	  .writes = true, .wr_value = 0x34, .out = { R(RDI, 0x1001) } },
	{ "stosd backward (DF)", M64, BYTES(0xab),
	  .in = { R(RAX, 0xabcdef0123456789ULL), R(RDI, 0x1000) },
	  .rflags_in = DF, .writes = true, .wr_value = 0x23456789, .out = { R(RDI, 0xffc) },
	  .rflags_out = DF },
	{ "rep stosd: more to do", M64, BYTES(0xf3, 0xab),
	  .in = { R(RAX, 0xabcdef0123456789ULL), R(RDI, 0x1000), R(RCX, 3) }, .ret = DECODE_APPLY_REPEAT,
	  .writes = true, .wr_value = 0x23456789, .out = { R(RDI, 0x1004), R(RCX, 2) } },
	{ "rep stosq: last element", M64, BYTES(0xf3, 0x48, 0xab),
	  .in = { R(RAX, 0xabcdef0123456789ULL), R(RDI, 0x1000), R(RCX, 1) },
	  .writes = true, .wr_value = 0xabcdef0123456789ULL, .out = { R(RDI, 0x1008), R(RCX, 0) } },
	{ "rep stos with rcx 0: nothing", M64, BYTES(0xf3, 0xab), .in = { R(RDI, 0x1000), R(RCX, 0) } },
	{ "addr32 rep stosb wraps edi/ecx at 32 bits", M64, BYTES(0x67, 0xf3, 0xaa),
	  .in = { R(RAX, 0x99), R(RDI, 0x1ffffffffULL), R(RCX, 0x100000001ULL) }, .writes = true,
	  .wr_value = 0x99, .out = { R(RDI, 0), R(RCX, 0) } },
	{ "addr32 rep stos: rcx 0x100000000 means ecx 0", M64, BYTES(0x67, 0xf3, 0xaa),
	  .in = { R(RCX, 0x100000000ULL) } },
	{ "addr16 rep stosw keeps upper di/cx", M32, BYTES(0x67, 0x66, 0xf3, 0xab),
	  .in = { R(RAX, 0xbeef), R(RDI, 0x5fffe), R(RCX, 0x70002) }, .ret = DECODE_APPLY_REPEAT,
	  .writes = true, .wr_value = 0xbeef, .out = { R(RDI, 0x50000), R(RCX, 0x70001) } },

	/* MOVS is decoded but not emulated. */
	{ "rep movsb refused", M64, BYTES(0xf3, 0xa4), .in = { R(RCX, 4) }, .ret = -1 },
};

static uint64_t fill_pattern(unsigned int i)
{
	return 0x0101010101010101ULL * (i + 0x10);
}

static void run_apply_case(const struct apply_case *c)
{
	struct decoded_insn d;
	struct fake_dev dev = { .read_value = c->mem };
	struct gpr_file regs, want;
	uint64_t rflags = c->rflags_in | RFL_FIXED;
	uint64_t want_flags = c->rflags_out | RFL_FIXED;

	for (unsigned int i = 0; i < 16; i++)
		regs.r[i] = fill_pattern(i);
	for (unsigned int i = 0; i < 3; i++)
		if (c->in[i].used)
			regs.r[c->in[i].idx] = c->in[i].val;
	want = regs;
	for (unsigned int i = 0; i < 3; i++)
		if (c->out[i].used)
			want.r[c->out[i].idx] = c->out[i].val;

	expect_eq(c->what, decode_insn(c->bytes, c->n, c->mode, &d), 0);
	expect_eq(c->what, decode_apply(&d, GPA, &regs, &rflags, fake_read, fake_write, &dev), c->ret);

	expect_eq(c->what, dev.reads, c->reads ? 1 : 0);
	if (c->reads) {
		expect_eq(c->what, dev.rd_gpa, GPA);
		expect_eq(c->what, dev.rd_size, d.size);
	}
	expect_eq(c->what, dev.writes, c->writes ? 1 : 0);
	if (c->writes) {
		expect_eq(c->what, dev.wr_gpa, GPA);
		expect_eq(c->what, dev.wr_size, d.size);
		expect_eq(c->what, dev.wr_value, c->wr_value);
	}
	for (unsigned int i = 0; i < 16; i++) {
		if (regs.r[i] != want.r[i])
			fail_msg("%s: r%u = %#llx, want %#llx", c->what, i,
				 (unsigned long long)regs.r[i], (unsigned long long)want.r[i]);
	}
	expect_eq(c->what, rflags, want_flags);
}

static void test_apply_table(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(apply_cases); i++)
		run_apply_case(&apply_cases[i]);
}

/* A guest doing rep stosd over MMIO: the caller loop the header describes. */
static void test_apply_rep_loop(void **state)
{
	const uint8_t insn_bytes[] = { 0xf3, 0xab };
	struct decoded_insn d;
	struct fake_dev dev = { 0 };
	struct gpr_file regs = { { 0 } };
	uint64_t rflags = RFL_FIXED;
	int ret, rounds = 0;

	regs.r[RCX] = 4;
	regs.r[RDI] = 0xfec00000;
	regs.r[RAX] = 0x5a;
	assert_int_equal(decode_insn(insn_bytes, sizeof(insn_bytes), DECODE_64, &d), 0);
	do {
		ret = decode_apply(&d, regs.r[RDI], &regs, &rflags, fake_read, fake_write, &dev);
		assert_true(ret >= 0);
		rounds++;
	} while (ret == DECODE_APPLY_REPEAT);
	assert_int_equal(rounds, 4);
	assert_int_equal(dev.writes, 4);
	assert_int_equal(dev.wr_gpa, 0xfec0000cULL);
	assert_int_equal(regs.r[RCX], 0);
	assert_int_equal(regs.r[RDI], 0xfec00010ULL);
}

/* A failing callback gives -1 and leaves registers and flags alone. */
static void test_apply_callback_failure(void **state)
{
	static const struct {
		uint8_t bytes[8];
		uint8_t n;
		bool fail_read, fail_write;
	} cases[] = {
		{ BYTES(0x8b, 0x07), .fail_read = true },             /* mov eax,[rdi] */
		{ BYTES(0x0f, 0xb6, 0x07), .fail_read = true },       /* movzx */
		{ BYTES(0x89, 0x07), .fail_write = true },            /* mov [rdi],eax */
		{ BYTES(0x83, 0x00, 0x01), .fail_read = true },       /* add [rax],1 */
		{ BYTES(0x83, 0x00, 0x01), .fail_write = true },
		{ BYTES(0x03, 0x08), .fail_read = true },             /* add ecx,[rax] */
		{ BYTES(0x39, 0x47, 0x20), .fail_read = true },       /* cmp */
		{ BYTES(0x87, 0x07), .fail_read = true },             /* xchg */
		{ BYTES(0x87, 0x07), .fail_write = true },
		{ BYTES(0xf3, 0xab), .fail_write = true },            /* rep stosd */
		{ BYTES(0x0f, 0xba, 0x20, 0x05), .fail_read = true }, /* bt */
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct decoded_insn d;
		struct fake_dev dev = { .fail_read = cases[i].fail_read,
					.fail_write = cases[i].fail_write,
					.read_value = 0x1234 };
		struct gpr_file regs, before;
		uint64_t rflags = RFL_FIXED | CF | ZF;

		for (unsigned int r = 0; r < 16; r++)
			regs.r[r] = fill_pattern(r);
		regs.r[RCX] = 3;
		before = regs;
		assert_int_equal(decode_insn(cases[i].bytes, cases[i].n, DECODE_64, &d), 0);
		assert_int_equal(decode_apply(&d, GPA, &regs, &rflags, fake_read, fake_write, &dev), -1);
		assert_memory_equal(&regs, &before, sizeof(regs));
		assert_int_equal(rflags, RFL_FIXED | CF | ZF);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_table),
		cmocka_unit_test(test_decode_trailing_bytes),
		cmocka_unit_test(test_decode_truncated),
		cmocka_unit_test(test_decode_refused),
		cmocka_unit_test(test_apply_table),
		cmocka_unit_test(test_apply_rep_loop),
		cmocka_unit_test(test_apply_callback_failure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
