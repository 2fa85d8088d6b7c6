/*
 * EPT violations and misconfigurations (SDM Vol. 3, 28.3.3). A violation
 * inside the guest's RAM goes first to the memory-tracking hook
 * (vmm/core/mem_track.c), where write-protected pages will be resolved. A
 * violation inside a range a device registered on the VM's MMIO bus is
 * emulated: the instruction is fetched through the guest's page tables,
 * decoded and carried out against the device. Any other violation is an
 * access outside the guest's RAM: that guest ends with a report, nobody
 * else is touched.
 */
#include "arch/x86/vmx.h"
#include "lib/log.h"
#include "vmm/exit/decode.h"
#include "vmm/exit/exit.h"
#include "vmm/core/exitq.h"
#include "vmm/exit/guest_access.h"
#include "vmm/core/mem_track.h"
#include "vmm/core/vm.h"
#include "vmm/exit/vmcs_dump.h"

#define MAX_INSN_LEN 15

/* decode_apply's memory callbacks: ctx is the vCPU making the access. */
static int mmio_read(void *ctx, uint64_t gpa, unsigned size, uint64_t *value)
{
	struct vcpu *v = ctx;

	return io_bus_read(&v->vm->mmio, v, gpa, size, value);
}

static int mmio_write(void *ctx, uint64_t gpa, unsigned size, uint64_t value)
{
	struct vcpu *v = ctx;

	return io_bus_write(&v->vm->mmio, v, gpa, size, value);
}

static enum decode_mode code_mode(void)
{
	switch (guest_address_size()) {
	case 8: return DECODE_64;
	case 4: return DECODE_32;
	default: return DECODE_16;
	}
}

static int emulate_mmio(struct vcpu *v, uint64_t gpa)
{
	uint8_t bytes[MAX_INSN_LEN] = { 0 };
	struct decoded_insn insn;
	struct gpr_file gprs;
	uint64_t rip_linear = guest_segment_base(1) + v->rip;
	size_t to_page_end = 4096 - (rip_linear & 4095);
	unsigned i;
	int rc;

	/* The exit gives no instruction length here: fetch 15 bytes, or up to the page end if the next page is not there. */
	if (guest_read_linear(v, rip_linear, bytes, sizeof(bytes)) &&
	    (to_page_end >= sizeof(bytes) || guest_read_linear(v, rip_linear, bytes, to_page_end))) {
		vm_end(v->vm, VM_CRASHED, "MMIO at 0x%llx: cannot fetch the instruction at RIP 0x%llx",
		       (unsigned long long)gpa, (unsigned long long)v->rip);
		return EXIT_STOP;
	}
	if (decode_insn(bytes, sizeof(bytes), code_mode(), &insn)) {
		vm_end(v->vm, VM_CRASHED,
		       "MMIO at 0x%llx: cannot emulate the instruction %02x %02x %02x %02x at RIP 0x%llx",
		       (unsigned long long)gpa, bytes[0], bytes[1], bytes[2], bytes[3],
		       (unsigned long long)v->rip);
		return EXIT_STOP;
	}
	for (i = 0; i < 16; i++)
		gprs.r[i] = vcpu_gpr(v, i);
	rc = decode_apply(&insn, gpa, &gprs, &v->rflags, mmio_read, mmio_write, v);
	if (rc < 0) {
		vm_end(v->vm, VM_CRASHED, "MMIO at 0x%llx: the device refused the access",
		       (unsigned long long)gpa);
		return EXIT_STOP;
	}
	for (i = 0; i < 16; i++)
		if (gprs.r[i] != vcpu_gpr(v, i))
			vcpu_set_gpr(v, i, gprs.r[i]);
	v->rflags_dirty = true;
	/* REP STOS does one element per exit: the guest re-executes it for the next one. */
	if (rc != DECODE_APPLY_REPEAT) {
		v->rip += insn.length;
		v->rip_dirty = true;
	}
	return EXIT_RESUME;
}

int handle_ept_violation(struct vcpu *v)
{
	uint64_t q = v->exit.qualification;
	uint64_t gpa = vmcs_read64(VMCS_GUEST_PHYSICAL_ADDR);

	v->exit.guest_phys = gpa;
	if (vm_gpa_is_ram(v->vm, gpa, 1) &&
	    mem_track_ept_violation(v, gpa, q) == MEM_TRACK_HANDLED)
		return EXIT_RESUME;
	if (io_bus_find(&v->vm->mmio, gpa, 1) && !exitq_ept_fetch(q))
		return emulate_mmio(v, gpa);
	vm_end(v->vm, VM_CRASHED,
	       "%s of guest-physical 0x%llx, outside its RAM (0x%llx bytes) and every device, at RIP 0x%llx",
	       exitq_ept_fetch(q) ? "instruction fetch" : exitq_ept_write(q) ? "write" : "read",
	       (unsigned long long)gpa, (unsigned long long)v->vm->ram_bytes,
	       (unsigned long long)v->rip);
	return EXIT_STOP;
}

int handle_ept_misconfig(struct vcpu *v)
{
	uint64_t gpa = vmcs_read64(VMCS_GUEST_PHYSICAL_ADDR);

	/* Our EPT builder wrote an entry the CPU rejects: a hypervisor bug, confined to this guest. */
	vmcs_dump(v, "EPT misconfiguration");
	vm_end(v->vm, VM_CRASHED, "EPT misconfiguration at guest-physical 0x%llx",
	       (unsigned long long)gpa);
	return EXIT_STOP;
}
