/*
 * The exits only the operator's settings cause (vmctl, vmm/abi/vmctl.h):
 * trapped exceptions, RDTSC/RDTSCP, INVLPG and INVPCID, MOV DR, PAUSE,
 * RDRAND/RDSEED. Each is counted per reason by the exit table like any
 * other exit, then passed on faithfully: the instruction is emulated as
 * the CPU would have run it, or the exception delivered to the guest as
 * it would have been without the trap, so the guest sees no difference
 * but time. Runs in VMX root, interrupts off, the vCPU's VMCS current and
 * its VM's lock held.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/vmx.h"
#include "lib/log.h"
#include "vmm/core/exc_class.h"
#include "vmm/core/exitq.h"
#include "vmm/core/vm.h"
#include "vmm/exit/exit.h"
#include "vmm/exit/guest_access.h"
#include "vmm/exit/guest_tlb.h"

#define RFLAGS_CF (1ULL << 0)
#define RFLAGS_PF (1ULL << 2)
#define RFLAGS_AF (1ULL << 4)
#define RFLAGS_ZF (1ULL << 6)
#define RFLAGS_SF (1ULL << 7)
#define RFLAGS_TF (1ULL << 8)
#define RFLAGS_OF (1ULL << 11)
#define RFLAGS_RF (1ULL << 16)
#define RFLAGS_VM (1ULL << 17)

#define INTERRUPTIBILITY_STI (1U << 0)
#define INTERRUPTIBILITY_MOV_SS (1U << 1)
#define INTERRUPTIBILITY_NMI (1U << 3)

/* DR6 and DR7 bits (SDM Vol. 3, 18.2.3, 18.2.4); the exit qualification of a #DB uses DR6's. */
#define DR6_B0_B3 0xfULL
#define DR6_BD (1ULL << 13)
#define DR6_BS (1ULL << 14)
#define DR6_RTM (1ULL << 16) /* active low in DR6, active high in the qualification */
#define DR7_FIXED1 (1ULL << 10)
#define DR7_RESERVED0 ((1ULL << 12) | (3ULL << 14))
#define DR7_GD (1ULL << 13)
#define CR4_DE (1ULL << 3)
#define CR4_PCIDE (1ULL << 17)

#define VECTOR_DB 1U
#define VECTOR_DF 8U
#define VECTOR_PF 14U

/* Exceptions delivered as faults: the RFLAGS they push has RF set (SDM 18.3.1.1), #DB aside. */
static bool fault_class(unsigned vector)
{
	switch (vector) {
	case 0: case 5: case 6: case 7: case 10: case 11: case 12: case 13: case 14:
	case 16: case 17: case 19: case 20: case 21:
		return true;
	default:
		return false;
	}
}

static bool in_64bit_mode(void)
{
	return guest_address_size() == 8;
}

static unsigned guest_cpl(void)
{
	return (vmcs_read32(VMCS_GUEST_SS_AR) >> 5) & 3U;
}

/*
 * A #DB's side effects, which its exit came before (SDM 27.1): DR6 gets
 * this exception's breakpoint bits, BD and BS, as the CPU would have set
 * them, and DR7.GD is cleared as on entry to the handler (18.2.4). A
 * single-step trap pending under STI or MOV-SS blocking is recorded where
 * VM entry looks for it (26.3.1.5).
 */
static void debug_side_effects(struct vcpu *v, uint64_t q)
{
	uint64_t dr6 = (read_dr(6) & ~DR6_B0_B3) | DR6_RTM;
	uint64_t dr7 = vmcs_read64(VMCS_GUEST_DR7);

	dr6 |= q & (DR6_B0_B3 | DR6_BD | DR6_BS);
	if (q & DR6_RTM)
		dr6 &= ~DR6_RTM;
	write_dr(6, dr6);
	if (dr7 & DR7_GD)
		vmcs_write64(VMCS_GUEST_DR7, dr7 & ~DR7_GD);
	if ((v->rflags & RFLAGS_TF) &&
	    (vmcs_read32(VMCS_GUEST_INTERRUPTIBILITY) & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS)))
		vmcs_write64(VMCS_GUEST_PENDING_DBG_EXCEPTIONS,
			     vmcs_read64(VMCS_GUEST_PENDING_DBG_EXCEPTIONS) | DR6_BS);
}

int vmctl_pass_exception(struct vcpu *v, uint32_t info)
{
	unsigned vector = intr_info_vector(info), type = intr_info_type(info);
	bool has_error = intr_info_has_error(info);
	uint32_t error = has_error ? vmcs_read32(VMCS_EXIT_INTR_ERROR_CODE) : 0;

	/* Only a vector this vCPU traps may come here: anything else is the hypervisor's bug. */
	if (vector >= 32 || !(v->exception_bitmap & (1U << vector)) ||
	    (type != INTR_TYPE_HW_EXCEPTION && type != INTR_TYPE_SW_EXCEPTION &&
	     type != INTR_TYPE_PRIV_SW_EXCEPTION))
		return -1;
	v->traps[vector]++;
	/*
	 * An IRET that faulted had unblocked NMIs; with virtual NMIs the CPU
	 * leaves the blocking to be restored by whoever resumes (27.2.3).
	 */
	if (intr_info_nmi_unblocking(info) && vector != VECTOR_DF &&
	    !intr_info_valid(v->exit.idt_vectoring) && (v->ctls[VCPU_CTL_PIN] & PIN_VIRTUAL_NMIS))
		vmcs_write32(VMCS_GUEST_INTERRUPTIBILITY,
			     vmcs_read32(VMCS_GUEST_INTERRUPTIBILITY) | INTERRUPTIBILITY_NMI);
	if (type == INTR_TYPE_SW_EXCEPTION || type == INTR_TYPE_PRIV_SW_EXCEPTION) {
		/*
		 * INT3, INTO, INT1: injected as the same kind of event with the
		 * instruction's length, so the guest's handler sees RIP past it
		 * and the gate's DPL is checked as for the instruction (26.6.1.3).
		 */
		v->pending.valid = true;
		v->pending.info = intr_info_make((uint8_t)vector, type, false);
		v->pending.error_code = 0;
		v->pending.insn_len = v->exit.insn_len;
		return EXIT_RESUME;
	}
	if (vector == VECTOR_PF)
		v->regs.cr2 = v->exit.qualification; /* CR2 is not written when a #PF exits (27.1) */
	if (vector == VECTOR_DB)
		debug_side_effects(v, v->exit.qualification);
	if (fault_class(vector)) {
		v->rflags |= RFLAGS_RF;
		v->rflags_dirty = true;
	}
	/* Combined with an event this one interrupted, as the CPU would have (6.15). */
	vcpu_inject_exception(v, (uint8_t)vector, has_error, error);
	return EXIT_RESUME;
}

/* RDTSC and RDTSCP read the guest's TSC: the host's plus the vCPU's offset, as without the exit. */
static void put_tsc(struct vcpu *v)
{
	uint64_t tsc = guest_tsc_now(&v->tsc, rdtsc());

	v->regs.rax = (uint32_t)tsc;
	v->regs.rdx = tsc >> 32;
}

int handle_rdtsc(struct vcpu *v)
{
	put_tsc(v);
	vcpu_skip_insn(v);
	return EXIT_RESUME;
}

int handle_rdtscp(struct vcpu *v)
{
	put_tsc(v);
	/* The guest's TSC_AUX is in the MSR while this vCPU holds the CPU (vmm/exit/msr.c switches it). */
	v->regs.rcx = (uint32_t)rdmsr(0xc0000103U);
	vcpu_skip_insn(v);
	return EXIT_RESUME;
}

int handle_pause(struct vcpu *v)
{
	/* A hint to the CPU only: nothing to emulate. */
	vcpu_skip_insn(v);
	return EXIT_RESUME;
}

int handle_invlpg(struct vcpu *v)
{
	/* The qualification is the linear address; CPL was checked before the exit (25.1.1). */
	guest_tlb_flush_address(v, v->exit.qualification);
	vcpu_skip_insn(v);
	return EXIT_RESUME;
}

/* The linear address of an INVPCID's memory operand (27.2.5). */
static uint64_t invpcid_operand(struct vcpu *v, uint32_t info)
{
	uint32_t size = insn_info_mem_addr_size(info), seg = insn_info_mem_seg(info);
	uint64_t mask = size == 8 || !size ? ~0ULL : (1ULL << (size * 8)) - 1;
	uint64_t addr = v->exit.qualification;

	if (insn_info_mem_base_valid(info))
		addr += vcpu_gpr(v, insn_info_mem_base(info));
	if (insn_info_mem_index_valid(info))
		addr += vcpu_gpr(v, insn_info_mem_index(info)) << insn_info_mem_scale(info);
	addr &= mask;
	/* In 64-bit mode only FS and GS have a base. */
	if (!in_64bit_mode() || seg == INSN_INFO_SEG_FS || seg == INSN_INFO_SEG_GS)
		addr += guest_segment_base(seg);
	return addr;
}

/*
 * INVPCID exits with INVLPG exiting (24.6.2). Its checks as the SDM lists
 * them, then the flush it asks for, done as INVVPID: by address for type
 * 0, the whole VPID for the others (more than a PCID, which is allowed).
 */
int handle_invpcid(struct vcpu *v)
{
	uint32_t info = vmcs_read32(VMCS_EXIT_INSTRUCTION_INFO);
	uint64_t type = vcpu_gpr(v, insn_info_reg2(info)), desc[2], addr;
	bool pcide = vmcs_read64(VMCS_GUEST_CR4) & CR4_PCIDE;
	uint64_t pcid;

	if (!in_64bit_mode())
		type = (uint32_t)type;
	addr = invpcid_operand(v, info);
	if (type > 3) {
		vcpu_inject_gp(v);
		return EXIT_RESUME;
	}
	if (guest_read_linear(v, addr, desc, sizeof(desc))) {
		v->regs.cr2 = addr;
		vcpu_inject_exception(v, VECTOR_PF, true, 0);
		return EXIT_RESUME;
	}
	pcid = desc[0] & 0xfffU;
	if ((desc[0] >> 12) || (type == 0 && !guest_canonical(desc[1])) ||
	    (type <= 1 && !pcide && pcid)) {
		vcpu_inject_gp(v);
		return EXIT_RESUME;
	}
	if (type == 0)
		guest_tlb_flush_address(v, desc[1]);
	else
		guest_tlb_flush(v);
	vcpu_skip_insn(v);
	return EXIT_RESUME;
}

/*
 * MOV to and from DR0-DR7 (27.2.1 table 27-4). This exit comes before the
 * checks the CPU would have made (25.1.3): CPL 0 only, DR4/DR5 are DR6/DR7
 * unless CR4.DE makes them #UD, DR7.GD turns the access into a #DB. DR7
 * lives in the VMCS; DR0-DR3 and DR6 in the CPU, which the host leaves
 * alone.
 */
int handle_mov_dr(struct vcpu *v)
{
	uint64_t q = v->exit.qualification, dr7 = vmcs_read64(VMCS_GUEST_DR7), value;
	unsigned dr = exitq_dr_num(q), gpr = exitq_dr_gpr(q);

	if (guest_cpl() || (v->rflags & RFLAGS_VM)) {
		vcpu_inject_gp(v);
		return EXIT_RESUME;
	}
	if (dr == 4 || dr == 5) {
		if (vmcs_read64(VMCS_GUEST_CR4) & CR4_DE) {
			vcpu_inject_ud(v);
			return EXIT_RESUME;
		}
		dr += 2;
	}
	if (dr7 & DR7_GD) {
		debug_side_effects(v, DR6_BD);
		vcpu_inject_exception(v, VECTOR_DB, false, 0);
		return EXIT_RESUME;
	}
	if (exitq_dr_from(q)) {
		value = dr == 7 ? dr7 : read_dr(dr);
		vcpu_set_gpr(v, gpr, in_64bit_mode() ? value : (uint32_t)value);
	} else {
		value = vcpu_gpr(v, gpr);
		if (!in_64bit_mode())
			value = (uint32_t)value;
		if (dr >= 6 && (value >> 32)) {
			vcpu_inject_gp(v);
			return EXIT_RESUME;
		}
		if (dr == 7)
			vmcs_write64(VMCS_GUEST_DR7, (value | DR7_FIXED1) & ~DR7_RESERVED0);
		else
			write_dr(dr, value);
	}
	vcpu_skip_insn(v);
	return EXIT_RESUME;
}

/* RDRAND and RDSEED: the CPU's own answer into the guest's register, flags as the instruction sets them. */
static int put_random(struct vcpu *v, bool seed)
{
	uint32_t info = vmcs_read32(VMCS_EXIT_INSTRUCTION_INFO);
	unsigned reg = insn_info_rand_reg(info), size = insn_info_rand_size(info);
	uint64_t value = 0, old = vcpu_gpr(v, reg);
	bool ok = seed ? cpu_rdseed(&value) : cpu_rdrand(&value);

	if (!ok)
		value = 0; /* the destination is cleared when no number was ready */
	if (size == 2)
		value = (old & ~0xffffULL) | (value & 0xffffULL);
	else if (size == 4)
		value = (uint32_t)value; /* a 32-bit destination is zero-extended */
	vcpu_set_gpr(v, reg, value);
	v->rflags &= ~(RFLAGS_CF | RFLAGS_PF | RFLAGS_AF | RFLAGS_ZF | RFLAGS_SF | RFLAGS_OF);
	if (ok)
		v->rflags |= RFLAGS_CF;
	v->rflags_dirty = true;
	vcpu_skip_insn(v);
	return EXIT_RESUME;
}

int handle_rdrand(struct vcpu *v)
{
	return put_random(v, false);
}

int handle_rdseed(struct vcpu *v)
{
	return put_random(v, true);
}
