/*
 * Guest linear memory access for exit handlers (string I/O, instruction
 * fetch for MMIO emulation).
 */
#include "vmm/exit/guest_access.h"

#include "arch/x86/cpu.h"
#include "arch/x86/vmx.h"
#include "vmm/exit/guest_walk.h"
#include "vmm/core/vm.h"

static int read_ram(void *ctx, uint64_t gpa, void *buf, size_t len)
{
	return vm_copy_from_guest(ctx, buf, gpa, len);
}

static void current_paging(struct guest_paging *pg)
{
	pg->cr0 = vmcs_read64(VMCS_GUEST_CR0);
	pg->cr3 = vmcs_read64(VMCS_GUEST_CR3);
	pg->cr4 = vmcs_read64(VMCS_GUEST_CR4);
	pg->efer = vmcs_read64(VMCS_GUEST_IA32_EFER);
	pg->maxphyaddr = (uint8_t)(cpuid(0x80000008U, 0).eax & 0xffU);
}

int guest_read_linear(struct vcpu *v, uint64_t linear, void *buf, size_t len)
{
	struct guest_paging pg;

	current_paging(&pg);
	return guest_read_virt(&pg, linear, buf, len, read_ram, v->vm);
}

int guest_write_linear(struct vcpu *v, uint64_t linear, const void *buf, size_t len)
{
	const uint8_t *b = buf;
	struct guest_paging pg;
	size_t i;

	current_paging(&pg);
	/* Byte by byte: a write may straddle two guest pages with unrelated frames. */
	for (i = 0; i < len; i++) {
		uint64_t gpa;

		if (guest_walk(&pg, linear + i, read_ram, v->vm, &gpa) != WALK_OK ||
		    vm_copy_to_guest(v->vm, gpa, &b[i], 1))
			return -1;
	}
	return 0;
}

uint64_t guest_segment_base(unsigned seg)
{
	return vmcs_read_raw(VMCS_GUEST_ES_BASE + 2 * (seg % 6));
}

unsigned guest_address_size(void)
{
	uint32_t cs_ar = vmcs_read32(VMCS_GUEST_CS_AR);

	if ((vmcs_read64(VMCS_GUEST_IA32_EFER) & EFER_LMA) && (cs_ar & (1U << 13)))
		return 8; /* 64-bit code segment */
	return (cs_ar & (1U << 14)) ? 4 : 2;
}
