/*
 * I/O instruction exits (SDM Vol. 3, 27.2.1 table 27-5): IN/OUT and the
 * string forms INS/OUTS with REP, dispatched to the VM's port bus. A port no
 * device claims reads as all ones and ignores writes, like an empty ISA bus.
 * Runs in VMX root with the vCPU's VMCS current.
 */
#include "arch/x86/vmx.h"
#include "lib/log.h"
#include "vmm/exit/exit.h"
#include "vmm/core/exitq.h"
#include "vmm/exit/guest_access.h"
#include "vmm/core/hv.h"
#include "vmm/core/vm.h"

#define RFLAGS_DF (1ULL << 10)
/* A long REP string runs in bounded slices: the guest re-executes it for the rest. */
#define STRING_SLICE 4096
#define VECTOR_PF 14

static uint64_t size_mask(unsigned size)
{
	return size == 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
}

static uint64_t port_in(struct vcpu *v, uint16_t port, unsigned size)
{
	uint64_t value;

	if (io_bus_read(&v->vm->pio, v, port, size, &value))
		value = ~0ULL;
	return value & size_mask(size);
}

static void port_out(struct vcpu *v, uint16_t port, unsigned size, uint64_t value)
{
	if (io_bus_write(&v->vm->pio, v, port, size, value & size_mask(size)))
		log_debug("guest %s: OUT 0x%x <- 0x%llx: no device", v->vm->name, port,
			  (unsigned long long)value);
}

static void set_rax(struct vcpu *v, unsigned size, uint64_t value)
{
	/* A 32-bit IN zero-extends into RAX; 8- and 16-bit ones keep the rest. */
	if (size == 4)
		v->regs.rax = value;
	else
		v->regs.rax = (v->regs.rax & ~size_mask(size)) | value;
}

static void inject_page_fault(struct vcpu *v, uint64_t linear, bool write)
{
	v->regs.cr2 = linear;
	vcpu_inject_exception(v, VECTOR_PF, true, write ? 2U : 0U);
}

static int string_io(struct vcpu *v, uint16_t port, unsigned size, bool in, bool rep)
{
	/* Without the CPU's instruction information, assume no prefixes: DS and the code's address size. */
	bool info = hv_vmx_caps()->ins_outs_info;
	unsigned asz = info ? insn_info_io_addr_size(v->exit.insn_info) : guest_address_size();
	unsigned seg = in ? INSN_INFO_SEG_ES
			  : info ? insn_info_io_seg(v->exit.insn_info) : INSN_INFO_SEG_DS;
	uint64_t base = guest_segment_base(seg);
	uint64_t amask, count, done;
	int64_t step = (v->rflags & RFLAGS_DF) ? -(int64_t)size : (int64_t)size;
	uint64_t *index = in ? &v->regs.rdi : &v->regs.rsi;

	if (!asz)
		asz = guest_address_size();
	amask = size_mask(asz);
	count = rep ? (v->regs.rcx & amask) : 1;
	for (done = 0; done < count && done < STRING_SLICE; done++) {
		uint64_t linear = base + (*index & amask);
		uint64_t value = 0;

		if (in) {
			value = port_in(v, port, size);
			if (guest_write_linear(v, linear, &value, size)) {
				inject_page_fault(v, linear, true);
				return EXIT_RESUME;
			}
		} else {
			if (guest_read_linear(v, linear, &value, size)) {
				inject_page_fault(v, linear, false);
				return EXIT_RESUME;
			}
			port_out(v, port, size, value);
		}
		*index = (*index & ~amask) | ((*index + step) & amask);
		if (rep)
			v->regs.rcx = (v->regs.rcx & ~amask) | ((v->regs.rcx - 1) & amask);
	}
	if (!rep || !(v->regs.rcx & amask))
		vcpu_skip_insn(v);
	return EXIT_RESUME;
}

int handle_io(struct vcpu *v)
{
	uint64_t q = v->exit.qualification;
	uint16_t port = exitq_io_port(q);
	unsigned size = exitq_io_size(q);
	bool in = exitq_io_in(q);

	if (exitq_io_string(q)) {
		if (hv_vmx_caps()->ins_outs_info)
			v->exit.insn_info = vmcs_read32(VMCS_EXIT_INSTRUCTION_INFO);
		return string_io(v, port, size, in, exitq_io_rep(q));
	}
	if (in)
		set_rax(v, size, port_in(v, port, size));
	else
		port_out(v, port, size, v->regs.rax);
	vcpu_skip_insn(v);
	return EXIT_RESUME;
}
