/*
 * Codec of the PCI configuration space (see snap_dev.h). The payload is
 * CONFIG_ADDRESS, the number of functions, then each function's bus,
 * device and function number and its 256 configuration bytes. The
 * registry is the platform's, so the live bus must list the same
 * functions in the same order and only the bits a guest can change may
 * differ; the decoder reads the bytes into a copy and touches the live
 * bus only when all of it holds. Pure.
 */
#include "vmm/snapshot/snap_dev.h"
#include "vmm/snapshot/snap_dev_layout.h"

#include "lib/string.h"

#define PCI_CONFIG_BYTES sizeof(((struct pci_function *)0)->config)

int snap_dev_put_pci(struct snap_out *o, const struct pci_bus *pci)
{
	snap_put32(o, pci->address);
	snap_put8(o, (uint8_t)pci->count);
	for (unsigned i = 0; i < pci->count; i++) {
		const struct pci_function *f = &pci->fns[i];

		snap_put8(o, f->bus);
		snap_put8(o, f->dev);
		snap_put8(o, f->fn);
		snap_put_bytes(o, f->config, PCI_CONFIG_BYTES);
	}
	return o->overrun ? -1 : 0;
}

/* The bits of configuration byte off a guest can change: writable, or write-one-to-clear. */
static uint8_t guest_bits(const struct pci_function *f, unsigned off)
{
	uint8_t bits = f->writable_mask[off];

	if (off == PCI_CFG_STATUS || off == PCI_CFG_STATUS + 1)
		bits |= (uint8_t)(PCI_STATUS_W1C >> (8 * (off - PCI_CFG_STATUS)));
	return bits;
}

/* Function f's identity and configuration bytes as a snapshot has them, against the live f. */
static const char *function_check(const struct pci_function *f, const uint8_t id[3],
				  const uint8_t *config)
{
	if (id[0] != f->bus || id[1] != f->dev || id[2] != f->fn)
		return "a PCI function this VM does not have there";
	for (unsigned off = 0; off < PCI_CONFIG_BYTES; off++)
		if ((config[off] ^ f->config[off]) & ~guest_bits(f, off))
			return "a PCI configuration byte differs where the guest cannot write";
	return NULL;
}

const char *snap_dev_get_pci(struct snap_in *in, uint16_t version, struct pci_bus *pci)
{
	uint8_t config[PCI_MAX_DEVICES][PCI_CONFIG_BYTES];
	const char *why = snap_dev_version_why(version, SNAP_DEV_PCI_VERSION), *fn_why = NULL;
	uint32_t address;
	unsigned count;

	if (why)
		return why;
	address = snap_get32(in);
	count = snap_get8(in);
	if (count > PCI_MAX_DEVICES)
		return "more PCI functions than a bus holds";
	for (unsigned i = 0; i < count; i++) {
		uint8_t id[3];

		snap_get_bytes(in, id, sizeof(id));
		snap_get_bytes(in, config[i], PCI_CONFIG_BYTES);
		if (!fn_why && i < pci->count)
			fn_why = function_check(&pci->fns[i], id, config[i]);
	}
	why = snap_dev_length_why(in);
	if (why)
		return why;
	if (count != pci->count)
		return "another number of PCI functions than this VM has";
	if (fn_why)
		return fn_why;
	if (address & ~PCI_ADDR_MASK)
		return "CONFIG_ADDRESS holds reserved bits";
	pci->address = address;
	for (unsigned i = 0; i < count; i++)
		memcpy(pci->fns[i].config, config[i], PCI_CONFIG_BYTES);
	return NULL;
}
