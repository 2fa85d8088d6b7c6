/*
 * Host power-off and reboot (interface in drivers/power.h).
 *
 * Runs in VMX root with interrupts off, usually at the end of the console
 * domain's `shutdown`/`reboot` or on a fatal error. Each method that should
 * never return is given a bounded wait to take effect before the next one
 * is tried, so a machine that ignores one still goes down by another.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/x86/cpu.h"
#include "drivers/acpi.h"
#include "drivers/power.h"
#include "drivers/timer.h"
#include "lib/log.h"

/* PM1 control register bits (ACPI 6.5 4.8.3.2.1). */
#define PM1_SCI_EN (1U << 0)
#define PM1_SLP_TYP_SHIFT 10
#define PM1_SLP_TYP_MASK (7U << PM1_SLP_TYP_SHIFT)
#define PM1_SLP_EN (1U << 13)

/*
 * ACPICA gives firmware 3 s to set SCI_EN after ACPI_ENABLE; 1 s is plenty
 * on real machines and keeps a Bochs run that never sets it short.
 */
#define SCI_EN_WAIT_MS 1000U
/* Time each method gets to take effect before the next is tried. */
#define SETTLE_MS 500U

/* The PIIX/ICH reset control register: bit 1 system reset, bit 2 reset CPU. */
#define PORT_RESET_CONTROL 0xcf9U
#define RESET_CONTROL_SYS_RST 0x02U
#define RESET_CONTROL_RST_CPU 0x04U

/* 8042 keyboard controller: status bit 1 is "input buffer full"; 0xFE pulses reset. */
#define KBC_STATUS 0x64U
#define KBC_STATUS_IBF 0x02U
#define KBC_CMD_PULSE_RESET 0xfeU

/* PCI configuration mechanism #1, for a reset register in PCI space. */
#define PCI_CONFIG_ADDRESS 0xcf8U
#define PCI_CONFIG_DATA 0xcfcU

/* EFI_TABLE_HEADER and EFI_RUNTIME_SERVICES (UEFI 2.10 4.2.1 and 4.5.1). */
struct efi_table_header {
	uint64_t signature;
	uint32_t revision;
	uint32_t header_size; /* of the whole table */
	uint32_t crc32;
	uint32_t reserved;
};
_Static_assert(sizeof(struct efi_table_header) == 24, "UEFI 4.2.1");

struct efi_runtime_services {
	struct efi_table_header hdr;
	uint64_t get_time;
	uint64_t set_time;
	uint64_t get_wakeup_time;
	uint64_t set_wakeup_time;
	uint64_t set_virtual_address_map;
	uint64_t convert_pointer;
	uint64_t get_variable;
	uint64_t get_next_variable_name;
	uint64_t set_variable;
	uint64_t get_next_high_monotonic_count;
	uint64_t reset_system;
	uint64_t update_capsule;
	uint64_t query_capsule_capabilities;
	uint64_t query_variable_info;
};
_Static_assert(offsetof(struct efi_runtime_services, reset_system) == 104, "UEFI 4.5.1");

#define EFI_RUNTIME_SERVICES_SIGNATURE 0x56524553544e5552ULL /* "RUNTSERV" */

/* EFI_RESET_TYPE (UEFI 2.10 8.5.1.1). */
#define EFI_RESET_COLD 0U
#define EFI_RESET_SHUTDOWN 2U

/*
 * ResetSystem(ResetType, ResetStatus, DataSize, ResetData), Microsoft x64
 * ABI. We never called SetVirtualAddressMap, so the firmware still runs at
 * its physical addresses, which our identity map covers.
 */
typedef void (__attribute__((ms_abi)) *efi_reset_system_fn)(uint32_t type, uint64_t status,
							     uint64_t data_size, const void *data);

static struct {
	/* ACPI S5: usable when s5 is set (FADT, \_S5 and PM1a_CNT all found). */
	bool s5;
	uint16_t pm1a_cnt, pm1b_cnt, smi_cmd;
	uint8_t acpi_enable, slp_typa, slp_typb;

	bool has_reset_reg;
	struct acpi_gas reset_reg;
	uint8_t reset_value;

	efi_reset_system_fn efi_reset_system;
} pw;

static bool is_port(uint64_t v)
{
	return v != 0 && v <= 0xffffU;
}

static efi_reset_system_fn find_efi_reset_system(uint64_t rt_phys)
{
	const struct efi_runtime_services *rt = (const void *)(uintptr_t)rt_phys;

	if (!rt_phys)
		return NULL;
	if (rt->hdr.signature != EFI_RUNTIME_SERVICES_SIGNATURE ||
	    rt->hdr.header_size < offsetof(struct efi_runtime_services, reset_system) + 8 ||
	    !rt->reset_system) {
		log_warn("power: EFI runtime services at 0x%lx have a bad header; not using them",
			 (unsigned long)rt_phys);
		return NULL;
	}
	return (efi_reset_system_fn)(uintptr_t)rt->reset_system;
}

void power_init(const struct acpi_info *acpi, uint64_t efi_runtime_services)
{
	if (acpi && acpi->has_fadt && acpi->has_s5 && is_port(acpi->pm1a_cnt)) {
		pw.s5 = true;
		pw.pm1a_cnt = (uint16_t)acpi->pm1a_cnt;
		pw.pm1b_cnt = is_port(acpi->pm1b_cnt) ? (uint16_t)acpi->pm1b_cnt : 0;
		pw.slp_typa = acpi->slp_typa;
		pw.slp_typb = acpi->slp_typb;
		if (is_port(acpi->smi_cmd) && acpi->acpi_enable) {
			pw.smi_cmd = (uint16_t)acpi->smi_cmd;
			pw.acpi_enable = acpi->acpi_enable;
		}
		log_info("power: ACPI S5 via PM1a_CNT 0x%x (SLP_TYPa %u, SLP_TYPb %u)",
			 pw.pm1a_cnt, pw.slp_typa, pw.slp_typb);
	} else {
		log_info("power: no ACPI S5 (%s)", !acpi ? "no ACPI tables" :
			 !acpi->has_fadt ? "no FADT" :
			 !acpi->has_s5 ? "no \\_S5 in the DSDT" : "no PM1a_CNT port");
	}

	if (acpi && acpi->has_reset_reg) {
		pw.has_reset_reg = true;
		pw.reset_reg = acpi->reset_reg;
		pw.reset_value = acpi->reset_value;
		log_info("power: FADT reset register: space %u address 0x%lx value 0x%x",
			 pw.reset_reg.space_id, (unsigned long)pw.reset_reg.address, pw.reset_value);
	}

	pw.efi_reset_system = find_efi_reset_system(efi_runtime_services);
	if (pw.efi_reset_system)
		log_info("power: UEFI ResetSystem available");
}

static void settle(uint32_t ms)
{
	timer_udelay((uint64_t)ms * 1000);
}

/* ACPI_ENABLE through SMI_CMD hands the PM hardware from SMM to us (ACPI 6.5 5.2.9, SMI_CMD). */
static void acpi_enable_mode(void)
{
	if (inw(pw.pm1a_cnt) & PM1_SCI_EN)
		return;
	if (!pw.smi_cmd) {
		log_warn("power: SCI_EN is clear and the FADT gives no SMI_CMD; trying S5 anyway");
		return;
	}
	log_info("power: enabling ACPI mode (SMI_CMD 0x%x <- 0x%x)", pw.smi_cmd, pw.acpi_enable);
	outb(pw.smi_cmd, pw.acpi_enable);
	for (uint32_t ms = 0; ms < SCI_EN_WAIT_MS; ms++) {
		if (inw(pw.pm1a_cnt) & PM1_SCI_EN) {
			log_info("power: SCI_EN set after %u ms", ms);
			return;
		}
		settle(1);
	}
	log_warn("power: SCI_EN still clear after %u ms; trying S5 anyway", SCI_EN_WAIT_MS);
}

static uint16_t slp_value(uint16_t port, uint8_t slp_typ)
{
	uint16_t v = inw(port) & (uint16_t)~(PM1_SLP_TYP_MASK | PM1_SLP_EN);

	return (uint16_t)(v | (((uint32_t)slp_typ << PM1_SLP_TYP_SHIFT) & PM1_SLP_TYP_MASK));
}

/*
 * As ACPICA does: write SLP_TYP first, then SLP_TYP with SLP_EN, to PM1a and
 * PM1b each with its own value (ACPI 6.5 7.4.2, \_Sx).
 */
static void acpi_sleep_s5(void)
{
	uint16_t a, b = 0;

	acpi_enable_mode();
	log_info("power: ACPI S5: PM1a_CNT 0x%x <- SLP_TYP %u | SLP_EN", pw.pm1a_cnt, pw.slp_typa);
	a = slp_value(pw.pm1a_cnt, pw.slp_typa);
	if (pw.pm1b_cnt)
		b = slp_value(pw.pm1b_cnt, pw.slp_typb);
	outw(pw.pm1a_cnt, a);
	if (pw.pm1b_cnt)
		outw(pw.pm1b_cnt, b);
	outw(pw.pm1a_cnt, a | PM1_SLP_EN);
	if (pw.pm1b_cnt)
		outw(pw.pm1b_cnt, b | PM1_SLP_EN);
	settle(SETTLE_MS);
	log_warn("power: still running %u ms after ACPI S5", SETTLE_MS);
}

static void efi_reset(uint32_t type, const char *name)
{
	if (!pw.efi_reset_system) {
		log_warn("power: no UEFI runtime services for ResetSystem(%s)", name);
		return;
	}
	log_info("power: UEFI ResetSystem(%s)", name);
	pw.efi_reset_system(type, 0, 0, NULL);
	log_warn("power: UEFI ResetSystem(%s) returned", name);
}

void power_off(void)
{
	cpu_cli();
	log_info("power: powering off");
	if (pw.s5)
		acpi_sleep_s5();
	else
		log_warn("power: ACPI S5 unavailable");
	efi_reset(EFI_RESET_SHUTDOWN, "EfiResetShutdown");
	log_error("power: could not power off; halting");
	cpu_halt_forever();
}

/* RESET_REG may be in I/O, memory (identity-mapped) or bus-0 PCI config space (ACPI 6.5 5.2.9). */
static void reset_reg_write(void)
{
	const struct acpi_gas *r = &pw.reset_reg;

	switch (r->space_id) {
	case ACPI_GAS_SYSTEM_IO:
		if (!is_port(r->address))
			break;
		log_info("power: reboot via the FADT reset register (I/O 0x%lx <- 0x%x)",
			 (unsigned long)r->address, pw.reset_value);
		outb((uint16_t)r->address, pw.reset_value);
		return;
	case ACPI_GAS_SYSTEM_MEMORY:
		log_info("power: reboot via the FADT reset register (memory 0x%lx <- 0x%x)",
			 (unsigned long)r->address, pw.reset_value);
		*(volatile uint8_t *)(uintptr_t)r->address = pw.reset_value;
		return;
	case ACPI_GAS_PCI_CONFIG: {
		/* Address: device in bits 47-32, function in 31-16, offset in 15-0. */
		uint32_t dev = (r->address >> 32) & 0x1fU, fn = (r->address >> 16) & 0x7U;
		uint32_t off = r->address & 0xffU;

		log_info("power: reboot via the FADT reset register (PCI 00:%02x.%x+0x%x <- 0x%x)", dev,
			 fn, off, pw.reset_value);
		outl(PCI_CONFIG_ADDRESS, 0x80000000U | dev << 11 | fn << 8 | (off & 0xfcU));
		outb((uint16_t)(PCI_CONFIG_DATA + (off & 3U)), pw.reset_value);
		return;
	}
	default:
		break;
	}
	log_warn("power: FADT reset register in space %u at 0x%lx is unusable", r->space_id,
		 (unsigned long)r->address);
}

/*
 * A triple fault resets every PC: with an empty IDT, int3 cannot be
 * delivered, nor can the #GP or #DF that follow. This is the one piece of
 * privileged inline assembly outside arch/x86, pending a helper there.
 */
static __attribute__((noreturn)) void triple_fault(void)
{
	static const struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) empty_idt = { 0, 0 };

	__asm__ volatile("lidt %0\n\tint3" : : "m"(empty_idt) : "memory");
	cpu_halt_forever();
}

void power_reboot(void)
{
	uint32_t waited;

	cpu_cli();
	log_info("power: rebooting");

	if (pw.has_reset_reg) {
		reset_reg_write();
		settle(SETTLE_MS);
		log_warn("power: still running after the FADT reset register");
	} else {
		log_info("power: no FADT reset register");
	}

	log_info("power: reboot via port 0xcf9");
	outb(PORT_RESET_CONTROL, RESET_CONTROL_SYS_RST);
	settle(1);
	outb(PORT_RESET_CONTROL, RESET_CONTROL_SYS_RST | RESET_CONTROL_RST_CPU);
	settle(SETTLE_MS);
	log_warn("power: still running after port 0xcf9");

	log_info("power: reboot via the keyboard controller");
	/* Without an 8042 the status port floats at 0xff: give up waiting after 100 ms. */
	for (waited = 0; waited < 1000 && (inb(KBC_STATUS) & KBC_STATUS_IBF); waited++)
		timer_udelay(100);
	outb(KBC_STATUS, KBC_CMD_PULSE_RESET);
	settle(SETTLE_MS);
	log_warn("power: still running after the keyboard controller");

	efi_reset(EFI_RESET_COLD, "EfiResetCold");

	log_info("power: reboot via a triple fault");
	triple_fault();
}
