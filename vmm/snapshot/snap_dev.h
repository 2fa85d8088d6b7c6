/*
 * Every device's state as a snapshot section payload: for each model of
 * vmm/dev/ one encoder and one decoder, with the section version of its
 * own payload, that name its plain state fields one by one (never a raw
 * copy of a struct). The wiring of a model (irq lines, callbacks and their
 * contexts) is the platform's, set up again on restore, and no payload
 * carries it.
 *
 * A decoder reads a whole payload into a copy of the live device and
 * checks it: every value the model later uses as an index, count or size,
 * every flag (0 or 1), enumeration and the bits it keeps masked, and the
 * fields configuration fixes (a UART's base port, the ACPI PM block's
 * base and S5 type, a LAPIC's ID, the PCI registry), which must be this
 * VM's: the guest's own RAM (its ACPI tables, say) describes them. Only a
 * payload read exactly and valid is copied into the live device; else the
 * decoder returns why and the device is unchanged. The reasons do not name
 * the device: the caller, who knows which one it restores, does. There is
 * no CRC here (the container checks each section's), so a damaged payload
 * may decode to another valid state.
 *
 * Guest time: the PIT's, RTC's and LAPIC's *_ns fields are the VM's guest
 * nanoseconds (vm_now_ns), the ACPI PM block's tmr_sts_seen and the PM
 * timer count from them, the LAPIC's tsc_deadline is on its vCPU's guest
 * TSC, and all are encoded as they are. The restorer must rebase guest time so that they stay
 * meaningful (the VM section saves the VM's clock base, the vCPU section
 * each guest TSC), and then have the VM's next timer recomputed
 * (timers_dirty). Decoders drive no interrupt line: the interrupt
 * controllers' pin levels are restored with them, from the same snapshot.
 *
 * Pure: runs in the kernel and in host unit tests; callers serialise
 * access to the device.
 */
#ifndef VMM_SNAPSHOT_SNAP_DEV_H
#define VMM_SNAPSHOT_SNAP_DEV_H

#include <stddef.h>
#include <stdint.h>

#include "vmm/dev/acpi_pm.h"
#include "vmm/dev/debugcon.h"
#include "vmm/dev/ioapic.h"
#include "vmm/dev/lapic.h"
#include "vmm/dev/pci.h"
#include "vmm/dev/pic.h"
#include "vmm/dev/pit.h"
#include "vmm/dev/rtc.h"
#include "vmm/dev/sysctl.h"
#include "vmm/dev/uart.h"
#include "vmm/snapshot/snap_fields.h"

/* Section versions, one per device model: a change to a payload needs a new one. */
#define SNAP_DEV_DEBUGCON_VERSION 1U
#define SNAP_DEV_UART_VERSION 1U
#define SNAP_DEV_PIC_VERSION 1U
#define SNAP_DEV_PIT_VERSION 1U
#define SNAP_DEV_RTC_VERSION 1U
#define SNAP_DEV_SYSCTL_VERSION 1U
#define SNAP_DEV_PCI_VERSION 1U
#define SNAP_DEV_ACPI_PM_VERSION 1U
#define SNAP_DEV_LAPIC_VERSION 1U
#define SNAP_DEV_IOAPIC_VERSION 1U

/*
 * Encoders append the device's payload to o: 0, or -1 if o overran.
 * Decoders take the whole payload of one section (in spans exactly it)
 * and its section version: NULL when the device now holds it, else why.
 */
int snap_dev_put_debugcon(struct snap_out *o, const struct debugcon *d);
const char *snap_dev_get_debugcon(struct snap_in *in, uint16_t version, struct debugcon *d);
int snap_dev_put_uart(struct snap_out *o, const struct vuart *u);
const char *snap_dev_get_uart(struct snap_in *in, uint16_t version, struct vuart *u);
int snap_dev_put_pic(struct snap_out *o, const struct pic *p);
const char *snap_dev_get_pic(struct snap_in *in, uint16_t version, struct pic *p);
int snap_dev_put_pit(struct snap_out *o, const struct pit *p);
const char *snap_dev_get_pit(struct snap_in *in, uint16_t version, struct pit *p);
int snap_dev_put_rtc(struct snap_out *o, const struct rtc *r);
const char *snap_dev_get_rtc(struct snap_in *in, uint16_t version, struct rtc *r);
int snap_dev_put_sysctl(struct snap_out *o, const struct sysctl *s);
const char *snap_dev_get_sysctl(struct snap_in *in, uint16_t version, struct sysctl *s);
int snap_dev_put_acpi_pm(struct snap_out *o, const struct acpi_pm *pm);
const char *snap_dev_get_acpi_pm(struct snap_in *in, uint16_t version, struct acpi_pm *pm);
int snap_dev_put_lapic(struct snap_out *o, const struct lapic *l);
const char *snap_dev_get_lapic(struct snap_in *in, uint16_t version, struct lapic *l);
int snap_dev_put_ioapic(struct snap_out *o, const struct ioapic *io);
const char *snap_dev_get_ioapic(struct snap_in *in, uint16_t version, struct ioapic *io);
/*
 * PCI: CONFIG_ADDRESS and every function's configuration space. The
 * registry (which functions, their writable masks and BAR sizes) is the
 * platform's: the live bus must have the same functions, and the bytes a
 * guest cannot write must read the same.
 */
int snap_dev_put_pci(struct snap_out *o, const struct pci_bus *pci);
const char *snap_dev_get_pci(struct snap_in *in, uint16_t version, struct pci_bus *pci);

/*
 * A device's codec, found by its name in vm_device_table. A snapshot
 * writer walks that table, writes a section with put and version for
 * each device with state (per vCPU for the LAPIC), and a reader hands
 * each section to get; before either, it checks that state_size is the
 * table entry's, so that a codec never gets another device's state.
 */
struct snap_dev_codec {
	const char *name;
	uint16_t version;
	size_t state_size; /* sizeof the state put and get take; 0: no state, no section */
	int (*put)(struct snap_out *o, const void *state);
	const char *(*get)(struct snap_in *in, uint16_t version, void *state);
};

extern const struct snap_dev_codec snap_dev_codecs[];
extern const unsigned snap_dev_codec_count;

/* The codec of the device called name, or NULL if there is none. */
const struct snap_dev_codec *snap_dev_codec_find(const char *name);

#endif
