/*
 * Virtual PCI configuration mechanism #1 and function registry (see
 * vmm/dev/pci.h). Every write goes through the function's writable mask
 * byte by byte, so read-only IDs, BAR sizing and the address bits a BAR
 * decodes need no per-register code; only the status register's
 * write-one-to-clear bits are special. Pure; runs in VMX root and in host
 * unit tests.
 */
#include "vmm/dev/pci.h"

#include "lib/le_bytes.h"
#include "lib/string.h"

#define PCI_MAX_DEV 31U
#define PCI_MAX_FN 7U
#define PCI_ALL_ONES 0xffffffffU

/* Chipset register defaults from the 82441FX and 82371SB (PIIX3) datasheets. */
#define PCI_I440FX_REV 0x02U
#define PCI_I440FX_COMMAND 0x0006U	/* memory and bus master, as after reset */
#define PCI_PIIX3_COMMAND 0x0007U	/* I/O, memory and bus master */
#define PCI_CHIPSET_STATUS 0x0280U	/* fast back-to-back, medium DEVSEL */
#define PCI_PIIX3_PIRQRC 0x60U		/* PIRQ[A-D] route control, 4 bytes */
#define PCI_PIIX3_PIRQ_DISABLED 0x80U

struct pci_function *pci_find(struct pci_bus *pci, uint8_t bus, uint8_t dev, uint8_t fn)
{
	for (unsigned i = 0; i < pci->count; i++) {
		struct pci_function *f = &pci->fns[i];

		if (f->present && f->bus == bus && f->dev == dev && f->fn == fn)
			return f;
	}
	return NULL;
}

struct pci_function *pci_add_function(struct pci_bus *pci, uint8_t bus, uint8_t dev, uint8_t fn,
				      uint16_t vendor, uint16_t device, uint32_t class_rev)
{
	struct pci_function *f, *fn0;

	if (pci->count == PCI_MAX_DEVICES || dev > PCI_MAX_DEV || fn > PCI_MAX_FN ||
	    pci_find(pci, bus, dev, fn))
		return NULL;
	f = &pci->fns[pci->count++];
	memset(f, 0, sizeof(*f));
	f->bus = bus;
	f->dev = dev;
	f->fn = fn;
	f->present = true;
	le_store16(f->config + PCI_CFG_VENDOR_ID, vendor);
	le_store16(f->config + PCI_CFG_DEVICE_ID, device);
	le_store32(f->config + PCI_CFG_CLASS_REV, class_rev);
	le_store16(f->writable_mask + PCI_CFG_COMMAND, PCI_COMMAND_WRITABLE);
	f->writable_mask[PCI_CFG_CACHE_LINE] = 0xff;
	f->writable_mask[PCI_CFG_LATENCY] = 0xff;
	f->writable_mask[PCI_CFG_INT_LINE] = 0xff;

	/* A scan looks past function 0 only if it says it is multi-function. */
	fn0 = pci_find(pci, bus, dev, 0);
	for (uint8_t i = 1; fn0 && i <= PCI_MAX_FN; i++)
		if (pci_find(pci, bus, dev, i))
			fn0->config[PCI_CFG_HEADER_TYPE] |= PCI_HEADER_MULTIFUNCTION;
	return f;
}

bool pci_set_bar(struct pci_function *f, unsigned bar, uint32_t size, uint32_t flags)
{
	bool io = flags & PCI_BAR_IO;
	uint32_t low = io ? 0x3U : 0xfU; /* flag bits, never address bits */
	/* Memory type bits 2-1 stay 00: 32-bit BARs only. */
	bool flags_ok = io ? flags == PCI_BAR_IO : !(flags & ~PCI_BAR_MEM_PREFETCH);

	if (bar >= PCI_BAR_COUNT || !flags_ok || size <= low || (size & (size - 1)))
		return false;
	f->bar_size[bar] = size;
	le_store32(f->config + PCI_CFG_BAR0 + 4 * bar, flags);
	le_store32(f->writable_mask + PCI_CFG_BAR0 + 4 * bar, ~(size - 1));
	return true;
}

/* The function CONFIG_ADDRESS selects, NULL if absent or disabled. */
static struct pci_function *pci_selected(struct pci_bus *pci)
{
	uint32_t a = pci->address;

	if (!(a & PCI_ADDR_ENABLE))
		return NULL;
	return pci_find(pci, (uint8_t)(a >> PCI_ADDR_BUS_SHIFT),
			(uint8_t)(a >> PCI_ADDR_DEV_SHIFT & PCI_MAX_DEV),
			(uint8_t)(a >> PCI_ADDR_FN_SHIFT & PCI_MAX_FN));
}

static uint32_t pci_size_mask(unsigned size)
{
	return size == 4 ? PCI_ALL_ONES : (1U << (8 * size)) - 1;
}

/* Whether [port, port + size) is a valid access to the data window. */
static bool pci_data_access(uint16_t port, unsigned size)
{
	return (size == 1 || size == 2 || size == 4) && port >= PCI_PORT_DATA &&
	       port + size <= PCI_PORT_DATA + 4;
}

static void pci_config_write_byte(struct pci_function *f, unsigned off, uint8_t v)
{
	uint8_t mask = f->writable_mask[off];

	f->config[off] = (uint8_t)((f->config[off] & ~mask) | (v & mask));
	if (off == PCI_CFG_STATUS || off == PCI_CFG_STATUS + 1) {
		uint8_t w1c = (uint8_t)(PCI_STATUS_W1C >> (8 * (off - PCI_CFG_STATUS)));

		f->config[off] &= (uint8_t)~(v & w1c);
	}
}

bool pci_io_read(struct pci_bus *pci, uint16_t port, unsigned size, uint32_t *value)
{
	struct pci_function *f;
	unsigned off;
	uint32_t v = 0;

	if (port == PCI_PORT_ADDRESS && size == 4) {
		*value = pci->address;
		return true;
	}
	if (!pci_data_access(port, size))
		return false;
	f = pci_selected(pci);
	if (!f) {
		*value = pci_size_mask(size);
		return true;
	}
	off = (pci->address & PCI_ADDR_REG_MASK) + (port - PCI_PORT_DATA);
	for (unsigned i = 0; i < size; i++)
		v |= (uint32_t)f->config[off + i] << (8 * i);
	*value = v;
	return true;
}

bool pci_io_write(struct pci_bus *pci, uint16_t port, unsigned size, uint32_t value)
{
	struct pci_function *f;
	unsigned off;

	if (port == PCI_PORT_ADDRESS && size == 4) {
		pci->address = value & PCI_ADDR_MASK;
		return true;
	}
	if (!pci_data_access(port, size))
		return false;
	f = pci_selected(pci);
	if (!f)
		return true;
	off = (pci->address & PCI_ADDR_REG_MASK) + (port - PCI_PORT_DATA);
	for (unsigned i = 0; i < size; i++)
		pci_config_write_byte(f, off + i, (uint8_t)(value >> (8 * i)));
	return true;
}

/* The chipset's own registers (0x40-0xff) are kept as storage: Linux's PIIX3 quirk sets one. */
static void pci_chipset_storage(struct pci_function *f, uint16_t command)
{
	memset(f->writable_mask + PCI_CFG_DEVICE_SPECIFIC, 0xff, 256 - PCI_CFG_DEVICE_SPECIFIC);
	le_store16(f->config + PCI_CFG_COMMAND, command);
	le_store16(f->config + PCI_CFG_STATUS, PCI_CHIPSET_STATUS);
}

void pci_init(struct pci_bus *pci)
{
	struct pci_function *f;

	memset(pci, 0, sizeof(*pci));
	f = pci_add_function(pci, 0, 0, 0, PCI_VENDOR_INTEL, PCI_DEVICE_I440FX,
			     PCI_CLASS_HOST_BRIDGE << 8 | PCI_I440FX_REV);
	pci_chipset_storage(f, PCI_I440FX_COMMAND);
	f = pci_add_function(pci, 0, 1, 0, PCI_VENDOR_INTEL, PCI_DEVICE_PIIX3_ISA,
			     PCI_CLASS_ISA_BRIDGE << 8);
	pci_chipset_storage(f, PCI_PIIX3_COMMAND);
	/* PIRQ routing off until firmware sets it: no $PIR or _PRT routes through it. */
	memset(f->config + PCI_PIIX3_PIRQRC, PCI_PIIX3_PIRQ_DISABLED, 4);
}
