/*
 * kmain: from the loader's hand-over to a ready hypervisor.
 *
 * Runs on the boot CPU with interrupts off. Order matters: the serial log
 * first (so every later failure is visible), then descriptor tables (so a
 * fault is reported rather than a triple fault), then memory, firmware
 * tables, timers, and finally VT-x.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/exception.h"
#include "arch/x86/gdt.h"
#include "arch/x86/idt.h"
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

#define MiB (1024ULL * 1024)

static struct hvcfg config;
static struct acpi_info acpi;
static struct vmx_caps vmx;

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

	uart_init(UART_COM1, 115200);
	log_set_sink(uart_write);
	exception_set_emergency_writer(uart_puts);
	gdt_init_cpu(0);
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

	if (!info->acpi_rsdp || acpi_parse(info->acpi_rsdp, acpi_map_identity, NULL, &acpi, &why)) {
		log_warn("hv: no usable ACPI tables (%s): assuming one CPU, no ACPI power-off",
			 info->acpi_rsdp ? why : "the firmware gave no RSDP");
		acpi.cpu_count = 1;
	}
	power_init(&acpi, info->efi_runtime_services);
	timer_calibrate(&acpi);

	vmx_detect(&vmx);
	print_banner();
	if (!vmx.usable) {
		log_error("hv: VT-x not available: %s", vmx.reason);
		finish(info);
	}
	log_info("hv: ready");
	finish(info);
}
