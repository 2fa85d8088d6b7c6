/*
 * VMCALL: the hypercall entry point. The ABI (numbers, registers, error
 * codes) is vmm/abi/hypercall_abi.h and README.md. Every argument is checked;
 * a bad call returns an error code to the guest and is counted, never
 * trusted. Runs in VMX root with the caller's VMCS current.
 */
#include "arch/x86/vmx.h"
#include "drivers/timer.h"
#include "lib/log.h"
#include "vmm/exit/exit.h"
#include "vmm/exit/guest_access.h"
#include "vmm/abi/hypercall_abi.h"
#include "vmm/mgmt/mgmt.h"
#include "vmm/core/vm.h"

#define CONSOLE_WRITE_MAX 4096
#define LOG_REFUSALS 4

static int64_t hc_console_write(struct vcpu *v, uint64_t gpa, uint64_t len)
{
	char buf[256];
	uint64_t done = 0;

	if (len > CONSOLE_WRITE_MAX)
		return -HV_EINVAL;
	if (!vm_gpa_is_ram(v->vm, gpa, len))
		return -HV_EFAULT;
	while (done < len) {
		uint64_t n = len - done < sizeof(buf) ? len - done : sizeof(buf);

		vm_copy_from_guest(v->vm, buf, gpa + done, n);
		vm_console_output(v->vm, buf, n);
		done += n;
	}
	return (int64_t)len;
}

/* Privilege level of the guest code: the DPL of SS (SDM 5.5). */
static unsigned guest_cpl(void)
{
	return (vmcs_read32(VMCS_GUEST_SS_AR) >> 5) & 3U;
}

int handle_vmcall(struct vcpu *v)
{
	uint64_t nr = v->regs.rax;
	uint64_t a[6] = { v->regs.rdi, v->regs.rsi, v->regs.rdx, v->regs.r10, v->regs.r8, v->regs.r9 };
	unsigned i;
	int64_t ret;

	/* 16- and 32-bit callers pass 32-bit values; the upper halves are whatever was there. */
	if (guest_address_size() != 8) {
		nr = (uint32_t)nr;
		for (i = 0; i < 6; i++)
			a[i] = (uint32_t)a[i];
	}
	if (guest_cpl() != 0) {
		ret = -HV_EPERM;
	} else if (nr >= HV_MGMT_FIRST) {
		if (!v->vm->is_console) {
			ret = -HV_EPERM;
		} else {
			/*
			 * Management calls take the VM table's lock and other
			 * guests' locks, which come before any VM's lock (see
			 * vmm/core/vm.h), and may end guests and wait for other CPUs:
			 * the caller's own lock is dropped meanwhile.
			 */
			spin_unlock(&v->vm->lock);
			ret = mgmt_call(v, nr, a);
			spin_lock(&v->vm->lock);
			/* Creating or ending a guest loads other VMCSs: make the caller's current again. */
			vmcs_load(v->vmcs_phys);
		}
	} else {
		switch (nr) {
		case HC_VERSION:
			ret = (HV_ABI_MAJOR << 16) | HV_ABI_MINOR;
			break;
		case HC_CONSOLE_WRITE:
			ret = hc_console_write(v, a[0], a[1]);
			break;
		case HC_SHUTDOWN:
			vm_end(v->vm, VM_STOPPED, "shut down by the guest (code %lld)", (long long)a[0]);
			return EXIT_STOP;
		case HC_TSC_KHZ:
			ret = (int64_t)(timer_tsc_hz() / 1000);
			break;
		default:
			ret = -HV_ENOSYS;
			break;
		}
	}
	if (ret < 0) {
		v->vm->bad_hypercalls++;
		/* A guest hammering the ABI gets a few lines, then only the count grows. */
		if (nr >= HV_MGMT_FIRST && !v->vm->is_console && v->vm->bad_hypercalls <= LOG_REFUSALS)
			log_warn("hv: guest %s (id %u) made management hypercall 0x%llx: refused%s",
				 v->vm->name, v->vm->id, (unsigned long long)nr,
				 v->vm->bad_hypercalls == LOG_REFUSALS ? " (further refusals are only "
				 "counted: see 'info')" : "");
		else
			log_debug("guest %s: hypercall 0x%llx refused (%lld)", v->vm->name,
				  (unsigned long long)nr, (long long)ret);
	}
	v->regs.rax = (uint64_t)ret;
	vcpu_skip_insn(v);
	return EXIT_RESUME;
}
