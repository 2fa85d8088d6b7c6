/*
 * kmain: from the loader's hand-over to a ready hypervisor.
 *
 * Runs on the boot CPU with interrupts off. Order matters: the serial log
 * first (so every later failure is visible), then descriptor tables (so a
 * fault is reported rather than a triple fault), then memory, firmware
 * tables, timers, VT-x, and finally the other CPUs.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/exception.h"
#include "arch/x86/gdt.h"
#include "arch/x86/idt.h"
#include "arch/x86/smp.h"
#include "arch/x86/vmx_detect.h"
#include "boot/boot_info.h"
#include "boot/hvcfg.h"
#include "drivers/acpi.h"
#include "drivers/power.h"
#include "drivers/timer.h"
#include "drivers/uart16550.h"
#include "lib/cmdline.h"
#include "lib/log.h"
#include "lib/string.h"
#include "mm/heap.h"
#include "mm/kpaging.h"
#include "mm/phys.h"
#include "arch/x86/fpu.h"
#include "arch/x86/vmx.h"
#include "vmm/core/hv.h"
#include "vmm/boot/images.h"
#include "vmm/exit/msr.h"
#include "vmm/core/sched.h"
#include "vmm/exit/stats.h"
#include "vmm/core/vcpu_setup.h"
#include "vmm/core/vm.h"

#define MiB (1024ULL * 1024)

static struct hvcfg config;
static struct acpi_info acpi;
static struct vmx_caps vmx;

const struct hvcfg *hv_config(void)
{
	return &config;
}

const struct vmx_caps *hv_vmx_caps(void)
{
	return &vmx;
}

unsigned hv_cpu_count(void)
{
	return smp_cpu_count();
}

/* The 8259s may still be programmed by the firmware: mask them, the hypervisor polls. */
static void mask_legacy_pic(void)
{
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
}

/*
 * VMXON on the boot CPU, and the controls every VMCS will use.
 * `tpr_shadow=off` on the command line is a test knob: guests' CR8 then
 * exits and is emulated, as on a CPU without the TPR shadow.
 */
static int start_vmx(const struct boot_info *info, const char **why)
{
	uint64_t vmxon = phys_alloc_page();
	char knob[8];

	if (!vmxon) {
		*why = "out of memory for the VMXON region";
		return -1;
	}
	fpu_init_cpu();
	fpu_probe_xsavec();
	if (fpu_xsavec_fault())
		log_warn("hv: this CPU's XSAVEC is unsound (%s): hidden from guests", fpu_xsavec_fault());
	msr_init_host();
	if (vmx_on(vmx.vmcs_revision, vmxon, why))
		return -1;
	if (cmdline_get(info->cmdline, "tpr_shadow", knob, sizeof(knob)) && !strcmp(knob, "off")) {
		log_warn("hv: not using the TPR shadow (tpr_shadow=off)");
		vcpu_refuse_tpr_shadow();
	}
	if (vcpu_check_controls(why))
		return -1;
	log_info("hv: guests' CR8: %s", vcpu_uses_tpr_shadow()
						 ? "TPR shadow (a virtual-APIC page per vCPU)"
						 : "CR8-load and CR8-store exiting, emulated");
	return 0;
}

/*
 * `corrupt_vmcs=NAME` on the command line breaks guest NAME's state on
 * purpose (RFLAGS bit 15, which must be 0) so that a test can see how a
 * failed VM entry is reported.
 */
static void corrupt_for_test(const struct boot_info *info, struct vm *vm)
{
	char name[HVCFG_NAME_MAX];

	if (!cmdline_get(info->cmdline, "corrupt_vmcs", name, sizeof(name)) || strcmp(name, vm->name))
		return;
	log_warn("hv: corrupting guest %s's VMCS on purpose (corrupt_vmcs=%s)", vm->name, name);
	vm->vcpus[0]->rflags |= 1ULL << 15;
	vm->vcpus[0]->rflags_dirty = true;
}

static void start_guests(const struct boot_info *info)
{
	uint32_t i;

	for (i = 0; i < config.guest_count; i++) {
		const struct hvcfg_guest *g = &config.guests[i];
		const char *why;
		struct vm *vm;

		if (!g->autostart)
			continue;
		vm = vm_create(g, &why);
		if (!vm) {
			log_error("hv: guest %s not started: %s", g->name, why);
			continue;
		}
		corrupt_for_test(info, vm);
	}
}

static void report_guests(void)
{
	uint32_t i, r;

	for (i = 0; i < VM_MAX; i++) {
		struct vm *vm = vm_by_index(i);
		uint64_t exits = 0;

		if (!vm)
			continue;
		for (r = 0; r < vm->vcpu_count; r++)
			exits += vm->vcpus[r]->exits_total;
		log_info("hv: guest %s (id %u): %s, %llu exits%s%s", vm->name, vm->id,
			 vm_state_name(vm->state), (unsigned long long)exits,
			 vm->end_reason[0] ? ": " : "", vm->end_reason);
		stats_log_vm(vm);
	}
}

static const void *acpi_map_identity(uint64_t phys, size_t len, void *ctx)
{
	return phys_to_virt(phys);
}

/* What to do when there is nothing left to run: `when_done=` on the command line. */
static __attribute__((noreturn)) void finish(const struct boot_info *info)
{
	char action[16] = "halt";

	cmdline_get(info->cmdline, "when_done", action, sizeof(action));
	if (!strcmp(action, "poweroff")) {
		log_info("hv: powering off");
		power_off();
	}
	if (!strcmp(action, "reboot")) {
		log_info("hv: rebooting");
		power_reboot();
	}
	log_info("hv: halted (set when_done=poweroff or reboot in hv.cfg's cmdline to change this)");
	cpu_halt_forever();
}

/*
 * `crash=page_fault` on the command line makes the hypervisor touch its own
 * unmapped stack guard page right after it switched to its page tables, so
 * that a test can check the exception report (like Linux's lkdtm).
 */
static void crash_for_test(const struct boot_info *info)
{
	extern char boot_stack_guard[];
	char what[16];

	if (!cmdline_get(info->cmdline, "crash", what, sizeof(what)) || strcmp(what, "page_fault"))
		return;
	log_warn("hv: touching the stack guard page on purpose (crash=page_fault)");
	*(volatile char *)boot_stack_guard = 1;
}

static void apply_config(const struct boot_info *info)
{
	struct hvcfg_error err;

	if (hvcfg_parse((const char *)info->config_phys, info->config_size, &config, &err)) {
		/* The loader parsed the same text; reaching this means memory corruption. */
		panic("hv.cfg:%u: %s", err.line, err.msg);
	}
	log_set_level((enum log_level)config.hv.log_level);
	if (config.hv.serial_port != UART_COM1 || config.hv.baud != 115200)
		uart_init(config.hv.serial_port, config.hv.baud);
}

static void print_banner(void)
{
	log_info("hv: hypervisor %s", HV_VERSION);
	log_info("hv: CPU: %s (%s family %u model %u stepping %u)", vmx.brand, vmx.vendor,
		 vmx.family, vmx.model, vmx.stepping);
	log_info("hv: memory: %llu MiB RAM, %llu MiB free for guests",
		 (unsigned long long)(phys_ram_bytes() / MiB),
		 (unsigned long long)(phys_free_pages() * PAGE_SIZE / MiB));
	log_info("hv: CPUs: %u (ACPI MADT), IOAPICs: %u, TSC %llu MHz", acpi.cpu_count,
		 acpi.ioapic_count, (unsigned long long)(timer_tsc_hz() / 1000000));
	if (!vmx.usable)
		return;
	log_info("hv: VT-x: VMCS revision %u, EPT yes (2M %s, 1G %s), VPID %s, unrestricted guest %s, "
		 "preemption timer %s, PML %s, APIC virtualization %s",
		 vmx.vmcs_revision, vmx.ept_2m ? "yes" : "no", vmx.ept_1g ? "yes" : "no",
		 vmx.vpid ? "yes" : "no", vmx.unrestricted_guest ? "yes" : "no",
		 vmx.preemption_timer ? "yes" : "no", vmx.pml ? "yes" : "no",
		 vmx.apicv ? "yes" : "no");
}

void kmain(struct boot_info *info)
{
	const char *why;
	unsigned cpus;

	uart_init(UART_COM1, 115200);
	mask_legacy_pic();
	log_set_sink(uart_write);
	exception_set_emergency_writer(uart_puts);
	gdt_init_cpu(0);
	smp_init_boot_cpu();
	idt_init_cpu();

	if (info->magic != BOOT_INFO_MAGIC || info->version != BOOT_INFO_VERSION) {
		log_error("hv: the loader's boot_info is version %u (magic %llx); this kernel needs %u",
			  info->version, (unsigned long long)info->magic, BOOT_INFO_VERSION);
		cpu_halt_forever();
	}
	apply_config(info);
	log_info("hv: kernel at 0x%llx (%llu KiB), command line '%s'",
		 (unsigned long long)info->kernel_phys,
		 (unsigned long long)(info->kernel_size >> 10), info->cmdline);

	if (phys_init(info))
		panic("no usable memory in the firmware's memory map");
	if (kpaging_init(info))
		panic("out of memory building the hypervisor's page tables");
	crash_for_test(info);

	if (!info->acpi_rsdp || acpi_parse(info->acpi_rsdp, acpi_map_identity, NULL, &acpi, &why)) {
		log_warn("hv: no usable ACPI tables (%s): assuming one CPU, no ACPI power-off",
			 info->acpi_rsdp ? why : "the firmware gave no RSDP");
		acpi.cpu_count = 1;
	}
	power_init(&acpi, info->efi_runtime_services);
	timer_calibrate(&acpi);

	vmx_detect(&vmx);
	print_banner();
	if (vmx.usable && start_vmx(info, &why)) {
		log_error("hv: VT-x not usable: %s", why);
		finish(info);
	}
	/* The APs start even without VT-x, so that a machine without it (QEMU's TCG) still shows them. */
	if (vmx.usable)
		smp_require_vmx(vmx.vmcs_revision);
	cpus = smp_start_aps(&acpi);
	log_info("hv: %u CPU%s online", cpus, cpus == 1 ? "" : "s");
	if (!vmx.usable) {
		log_error("hv: VT-x not available: %s", vmx.reason);
		finish(info);
	}
	images_init(info);
	log_info("hv: ready");
	start_guests(info);
	sched_run();
	report_guests();
	finish(info);
}
