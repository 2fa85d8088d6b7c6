/*
 * The table of device codecs (see snap_dev.h), keyed by the names of
 * vm_device_table: each entry puts a model's typed encoder and decoder
 * behind void pointers, so that a snapshot writer walking the device table
 * finds each device's by name. The codecs themselves are by device group:
 * snap_dev_isa.c (the legacy PC devices), snap_dev_apic.c, snap_dev_pci.c.
 */
#include "vmm/snapshot/snap_dev.h"

#include "lib/string.h"

/* Type-erased entry points of codec NAME: the state's type is the codec's own. */
#define ERASED(name)                                                                         \
	static int name##_put(struct snap_out *o, const void *state)                         \
	{                                                                                    \
		return snap_dev_put_##name(o, state);                                        \
	}                                                                                    \
	static const char *name##_get(struct snap_in *in, uint16_t version, void *state)     \
	{                                                                                    \
		return snap_dev_get_##name(in, version, state);                              \
	}

ERASED(debugcon)
ERASED(uart)
ERASED(pic)
ERASED(pit)
ERASED(rtc)
ERASED(sysctl)
ERASED(pci)
ERASED(acpi_pm)
ERASED(lapic)
ERASED(ioapic)

#define CODEC(dev_name, codec, type, version) \
	{ dev_name, version, sizeof(type), codec##_put, codec##_get }

/* In vm_device_table's order. */
const struct snap_dev_codec snap_dev_codecs[] = {
	CODEC("debugcon", debugcon, struct debugcon, SNAP_DEV_DEBUGCON_VERSION),
	CODEC("com1", uart, struct vuart, SNAP_DEV_UART_VERSION),
	CODEC("com2", uart, struct vuart, SNAP_DEV_UART_VERSION),
	CODEC("pic", pic, struct pic, SNAP_DEV_PIC_VERSION),
	CODEC("pit", pit, struct pit, SNAP_DEV_PIT_VERSION),
	CODEC("rtc", rtc, struct rtc, SNAP_DEV_RTC_VERSION),
	CODEC("sysctl", sysctl, struct sysctl, SNAP_DEV_SYSCTL_VERSION),
	CODEC("pci", pci, struct pci_bus, SNAP_DEV_PCI_VERSION),
	CODEC("acpi-pm", acpi_pm, struct acpi_pm, SNAP_DEV_ACPI_PM_VERSION),
	{ "pvpanic", 0, 0, NULL, NULL }, /* it only answers and reports: nothing to keep */
	CODEC("lapic", lapic, struct lapic, SNAP_DEV_LAPIC_VERSION), /* one per vCPU */
	CODEC("ioapic", ioapic, struct ioapic, SNAP_DEV_IOAPIC_VERSION),
};

const unsigned snap_dev_codec_count = sizeof(snap_dev_codecs) / sizeof(snap_dev_codecs[0]);

const struct snap_dev_codec *snap_dev_codec_find(const char *name)
{
	for (unsigned i = 0; i < snap_dev_codec_count; i++)
		if (!strcmp(snap_dev_codecs[i].name, name))
			return &snap_dev_codecs[i];
	return NULL;
}
