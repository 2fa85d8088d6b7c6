/*
 * Decoders for exit qualifications and the event-information fields the
 * exit handlers read: I/O instructions, control- and debug-register
 * accesses, EPT violations (SDM 27.2.1, tables 27-3..27-7), interruption
 * and IDT-vectoring information (SDM 24.9.2, 24.9.3) and the VM-exit
 * instruction information of INS/OUTS (SDM 27.2.5, table 27-8).
 *
 * Small pure functions rather than bitfield structs: no layout questions,
 * and each decoder is a line in a table-driven host test. Usable anywhere,
 * VMX root with interrupts off included.
 */
#ifndef VMM_EXITQ_H
#define VMM_EXITQ_H

#include <stdbool.h>
#include <stdint.h>

/* General-purpose register numbers used by the qualifications (table 27-3). */
#define EXITQ_GPR_RAX 0U
#define EXITQ_GPR_RCX 1U
#define EXITQ_GPR_RDX 2U
#define EXITQ_GPR_RBX 3U
#define EXITQ_GPR_RSP 4U
#define EXITQ_GPR_RBP 5U
#define EXITQ_GPR_RSI 6U
#define EXITQ_GPR_RDI 7U
/* 8..15 are R8..R15. */

/* ------------------------------------------ I/O instructions (table 27-5) --- */

#define EXITQ_IO_SIZE_MASK 0x7U
#define EXITQ_IO_IN (1U << 3)
#define EXITQ_IO_STRING (1U << 4)
#define EXITQ_IO_REP (1U << 5)
#define EXITQ_IO_IMM (1U << 6)
#define EXITQ_IO_PORT_SHIFT 16

/*
 * Access size in bytes: bits 2:0 hold 0, 1 or 3 for 1, 2 or 4 bytes, so the
 * size is the field plus one (the unused value 2 would give 3).
 */
static inline uint32_t exitq_io_size(uint64_t q)
{
	return (uint32_t)(q & EXITQ_IO_SIZE_MASK) + 1U;
}

/* IN/INS (true) or OUT/OUTS (false). */
static inline bool exitq_io_in(uint64_t q)
{
	return (q & EXITQ_IO_IN) != 0;
}

/* INS/OUTS: the operands are in memory, see insn_info_io_*() for them. */
static inline bool exitq_io_string(uint64_t q)
{
	return (q & EXITQ_IO_STRING) != 0;
}

static inline bool exitq_io_rep(uint64_t q)
{
	return (q & EXITQ_IO_REP) != 0;
}

/* The port came from an immediate rather than DX. */
static inline bool exitq_io_imm(uint64_t q)
{
	return (q & EXITQ_IO_IMM) != 0;
}

static inline uint16_t exitq_io_port(uint64_t q)
{
	return (uint16_t)(q >> EXITQ_IO_PORT_SHIFT);
}

/* ----------------------------- control-register accesses (table 27-3) --- */

#define EXITQ_CR_MOV_TO 0U
#define EXITQ_CR_MOV_FROM 1U
#define EXITQ_CR_CLTS 2U
#define EXITQ_CR_LMSW 3U

/* 0, 3, 4 or 8. */
static inline uint32_t exitq_cr_num(uint64_t q)
{
	return (uint32_t)(q & 0xfU);
}

/* One of EXITQ_CR_MOV_TO, _MOV_FROM, _CLTS, _LMSW. */
static inline uint32_t exitq_cr_type(uint64_t q)
{
	return (uint32_t)((q >> 4) & 0x3U);
}

/* The other operand of MOV to/from CR, as an EXITQ_GPR_* number. */
static inline uint32_t exitq_cr_gpr(uint64_t q)
{
	return (uint32_t)((q >> 8) & 0xfU);
}

/*
 * LMSW only: the operand was in memory, whose guest-linear address is then
 * in VMCS_GUEST_LINEAR_ADDR; the source data is given either way.
 */
static inline bool exitq_cr_lmsw_mem(uint64_t q)
{
	return (q & (1U << 6)) != 0;
}

/* LMSW only: the 16-bit source operand (bits 31:16). */
static inline uint16_t exitq_cr_lmsw_source(uint64_t q)
{
	return (uint16_t)(q >> 16);
}

/* ------------------------------- debug-register accesses (table 27-4) --- */

static inline uint32_t exitq_dr_num(uint64_t q)
{
	return (uint32_t)(q & 0x7U);
}

/* MOV from DR (true) or MOV to DR (false). */
static inline bool exitq_dr_from(uint64_t q)
{
	return (q & (1U << 4)) != 0;
}

static inline uint32_t exitq_dr_gpr(uint64_t q)
{
	return (uint32_t)((q >> 8) & 0xfU);
}

/* ------------------------------------------ EPT violations (table 27-7) --- */

#define EXITQ_EPT_READ (1U << 0)
#define EXITQ_EPT_WRITE (1U << 1)
#define EXITQ_EPT_FETCH (1U << 2)
#define EXITQ_EPT_READABLE (1U << 3)
#define EXITQ_EPT_WRITABLE (1U << 4)
#define EXITQ_EPT_EXECUTABLE (1U << 5)
#define EXITQ_EPT_USER_EXECUTABLE (1U << 6)
#define EXITQ_EPT_GLA_VALID (1U << 7)
#define EXITQ_EPT_GLA_TRANSLATED (1U << 8)
#define EXITQ_EPT_NMI_UNBLOCKING (1U << 12)

/* What the guest tried: bits 0-2. More than one may be set. */
static inline bool exitq_ept_read(uint64_t q)
{
	return (q & EXITQ_EPT_READ) != 0;
}

static inline bool exitq_ept_write(uint64_t q)
{
	return (q & EXITQ_EPT_WRITE) != 0;
}

static inline bool exitq_ept_fetch(uint64_t q)
{
	return (q & EXITQ_EPT_FETCH) != 0;
}

/*
 * What the translation allowed: bits 3-5 are the AND of the R, W, X bits of
 * every EPT entry walked, so all three clear means "not mapped".
 */
static inline bool exitq_ept_readable(uint64_t q)
{
	return (q & EXITQ_EPT_READABLE) != 0;
}

static inline bool exitq_ept_writable(uint64_t q)
{
	return (q & EXITQ_EPT_WRITABLE) != 0;
}

static inline bool exitq_ept_executable(uint64_t q)
{
	return (q & EXITQ_EPT_EXECUTABLE) != 0;
}

/* VMCS_GUEST_LINEAR_ADDR holds the linear address the guest used. */
static inline bool exitq_ept_gla_valid(uint64_t q)
{
	return (q & EXITQ_EPT_GLA_VALID) != 0;
}

/*
 * With gla_valid: true if the access was to the final translation of the
 * linear address, false if to one of the guest's own paging structures.
 */
static inline bool exitq_ept_gla_translated(uint64_t q)
{
	return (q & EXITQ_EPT_GLA_TRANSLATED) != 0;
}

/*
 * The violation happened while an IRET unblocked NMIs: with virtual NMIs
 * the handler must set NMI blocking again before resuming (SDM 27.2.3).
 */
static inline bool exitq_ept_nmi_unblocking(uint64_t q)
{
	return (q & EXITQ_EPT_NMI_UNBLOCKING) != 0;
}

/* ------------------ interruption and IDT-vectoring information (24.9.2) --- */

/*
 * VM-exit interruption information, IDT-vectoring information and VM-entry
 * interruption information (24.8.3) share this layout, so intr_info_*()
 * decode all three. Bit 12 means "NMI unblocking due to IRET" only in the
 * exit interruption information; it is undefined in IDT-vectoring
 * information and reserved on entry.
 */
#define INTR_INFO_VECTOR_MASK 0xffU
#define INTR_INFO_TYPE_SHIFT 8
#define INTR_INFO_TYPE_MASK (0x7U << INTR_INFO_TYPE_SHIFT)
#define INTR_INFO_HAS_ERROR (1U << 11)
#define INTR_INFO_NMI_UNBLOCKING (1U << 12)
#define INTR_INFO_VALID (1U << 31)

/* Interruption types (bits 10:8). */
#define INTR_TYPE_EXT_INTR 0U
#define INTR_TYPE_NMI 2U
#define INTR_TYPE_HW_EXCEPTION 3U
#define INTR_TYPE_SW_INTR 4U
#define INTR_TYPE_PRIV_SW_EXCEPTION 5U /* INT1 */
#define INTR_TYPE_SW_EXCEPTION 6U /* INT3, INTO */
#define INTR_TYPE_OTHER 7U /* MTF on entry */

static inline bool intr_info_valid(uint32_t info)
{
	return (info & INTR_INFO_VALID) != 0;
}

static inline uint8_t intr_info_vector(uint32_t info)
{
	return (uint8_t)(info & INTR_INFO_VECTOR_MASK);
}

/* One of INTR_TYPE_*. */
static inline uint32_t intr_info_type(uint32_t info)
{
	return (info & INTR_INFO_TYPE_MASK) >> INTR_INFO_TYPE_SHIFT;
}

/* The error code is in VMCS_EXIT_INTR_ERROR_CODE / VMCS_IDT_VECTORING_ERROR_CODE. */
static inline bool intr_info_has_error(uint32_t info)
{
	return (info & INTR_INFO_HAS_ERROR) != 0;
}

/* Exit interruption information only; see the layout note above. */
static inline bool intr_info_nmi_unblocking(uint32_t info)
{
	return (info & INTR_INFO_NMI_UNBLOCKING) != 0;
}

/* A valid VM-entry interruption-information value for injecting an event. */
static inline uint32_t intr_info_make(uint8_t vector, uint32_t type, bool has_error)
{
	return INTR_INFO_VALID | ((type << INTR_INFO_TYPE_SHIFT) & INTR_INFO_TYPE_MASK) |
	       (has_error ? INTR_INFO_HAS_ERROR : 0U) | vector;
}

/*
 * IDT-vectoring information of an event that an exit interrupted, turned
 * into VM-entry interruption information that delivers it again: bits 30:12
 * are undefined on exit but must be zero on entry (SDM 26.2.1.3).
 */
static inline uint32_t intr_info_reinject(uint32_t idt_vectoring)
{
	return idt_vectoring & (INTR_INFO_VALID | INTR_INFO_HAS_ERROR | INTR_INFO_TYPE_MASK |
				INTR_INFO_VECTOR_MASK);
}

/* ---------------- VM-exit instruction information, INS/OUTS (table 27-8) --- */

/*
 * Filled in for INS/OUTS only if IA32_VMX_BASIC bit 54 is set (SDM A.1);
 * otherwise the handler has to decode the instruction itself.
 */
#define INSN_INFO_SEG_ES 0U
#define INSN_INFO_SEG_CS 1U
#define INSN_INFO_SEG_SS 2U
#define INSN_INFO_SEG_DS 3U
#define INSN_INFO_SEG_FS 4U
#define INSN_INFO_SEG_GS 5U

/* Address size in bytes (2, 4 or 8) from bits 9:7; 0 for the reserved value 3. */
static inline uint32_t insn_info_io_addr_size(uint32_t info)
{
	uint32_t as = (info >> 7) & 0x7U;

	return as <= 2U ? 2U << as : 0U;
}

/*
 * The segment of OUTS's source (bits 17:15, INSN_INFO_SEG_*); undefined for
 * INS, whose destination is always ES:rDI.
 */
static inline uint32_t insn_info_io_seg(uint32_t info)
{
	return (info >> 15) & 0x7U;
}

/* ------------- VM-exit instruction information, INVPCID (SDM 27.2.5) --- */

/*
 * INVEPT, INVPCID and INVVPID share one layout: a memory operand built
 * from base + index * scale + displacement (the displacement is the exit
 * qualification), its segment and address size, and a register operand.
 */
static inline uint32_t insn_info_mem_scale(uint32_t info) /* the index's shift: 0..3 */
{
	return info & 0x3U;
}

/* Address size in bytes (2, 4 or 8) from bits 9:7, as for INS/OUTS. */
static inline uint32_t insn_info_mem_addr_size(uint32_t info)
{
	return insn_info_io_addr_size(info);
}

static inline uint32_t insn_info_mem_seg(uint32_t info) /* INSN_INFO_SEG_* */
{
	return (info >> 15) & 0x7U;
}

static inline bool insn_info_mem_index_valid(uint32_t info)
{
	return !(info & (1U << 22));
}

static inline uint32_t insn_info_mem_index(uint32_t info) /* EXITQ_GPR_* */
{
	return (info >> 18) & 0xfU;
}

static inline bool insn_info_mem_base_valid(uint32_t info)
{
	return !(info & (1U << 27));
}

static inline uint32_t insn_info_mem_base(uint32_t info) /* EXITQ_GPR_* */
{
	return (info >> 23) & 0xfU;
}

static inline uint32_t insn_info_reg2(uint32_t info) /* the register operand, EXITQ_GPR_* */
{
	return (info >> 28) & 0xfU;
}

/* ------- VM-exit instruction information, RDRAND and RDSEED (27.2.5) --- */

static inline uint32_t insn_info_rand_reg(uint32_t info) /* the destination, EXITQ_GPR_* */
{
	return (info >> 3) & 0xfU;
}

/* Operand size in bytes (2, 4 or 8) from bits 12:11; 0 for the reserved value 3. */
static inline uint32_t insn_info_rand_size(uint32_t info)
{
	uint32_t os = (info >> 11) & 0x3U;

	return os <= 2U ? 2U << os : 0U;
}

#endif
