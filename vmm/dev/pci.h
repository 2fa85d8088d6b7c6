/*
 * Virtual PCI configuration space through configuration mechanism #1 (PCI
 * Local Bus Specification 3.0, 3.2.2.3.2): the address register at 0xcf8,
 * the data window at 0xcfc-0xcff. A registry of functions, each a 256-byte
 * type 0 header plus a mask of its writable bits; BARs registered with
 * pci_set_bar answer the sizing protocol without device code. pci_init
 * puts the chipset on bus 0 (i440FX host bridge, PIIX3 ISA bridge) so that
 * guests probing PCI find a plausible PC; device models add themselves.
 *
 * A pure state machine: no hardware access, no globals. struct pci_bus is
 * all plain state, what a snapshot saves: it has no wiring. The registry
 * (which functions exist, their writable masks and BAR sizes) is set up by
 * the owner at creation, not by the guest, and kept with it. Callers
 * serialise access; runs in VMX root and in host unit tests.
 */
#ifndef VMM_DEV_PCI_H
#define VMM_DEV_PCI_H

#include <stdbool.h>
#include <stdint.h>

#define PCI_PORT_ADDRESS 0xcf8U
#define PCI_PORT_DATA 0xcfcU	/* to 0xcff */

/* CONFIG_ADDRESS (PCI 3.0 3.2.2.3.2); bits 30-24 and 1-0 are reserved, kept 0. */
#define PCI_ADDR_ENABLE 0x80000000U
#define PCI_ADDR_MASK 0x80fffffcU
#define PCI_ADDR_BUS_SHIFT 16
#define PCI_ADDR_DEV_SHIFT 11
#define PCI_ADDR_FN_SHIFT 8
#define PCI_ADDR_REG_MASK 0xfcU

/* Type 0 configuration header offsets (PCI 3.0 6.1). */
#define PCI_CFG_VENDOR_ID 0x00U
#define PCI_CFG_DEVICE_ID 0x02U
#define PCI_CFG_COMMAND 0x04U
#define PCI_CFG_STATUS 0x06U
#define PCI_CFG_CLASS_REV 0x08U	/* revision, then the 24-bit class code */
#define PCI_CFG_CACHE_LINE 0x0cU
#define PCI_CFG_LATENCY 0x0dU
#define PCI_CFG_HEADER_TYPE 0x0eU
#define PCI_CFG_BAR0 0x10U
#define PCI_CFG_SUBSYS_VENDOR 0x2cU
#define PCI_CFG_ROM 0x30U
#define PCI_CFG_CAP_PTR 0x34U
#define PCI_CFG_INT_LINE 0x3cU
#define PCI_CFG_INT_PIN 0x3dU
#define PCI_CFG_DEVICE_SPECIFIC 0x40U

#define PCI_HEADER_MULTIFUNCTION 0x80U

/* Command register bits a guest may change (PCI 3.0 6.2.2). */
#define PCI_COMMAND_IO 0x0001U
#define PCI_COMMAND_MEMORY 0x0002U
#define PCI_COMMAND_MASTER 0x0004U
#define PCI_COMMAND_PARITY 0x0040U
#define PCI_COMMAND_SERR 0x0100U
#define PCI_COMMAND_INTX_DISABLE 0x0400U
#define PCI_COMMAND_WRITABLE (PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | \
			      PCI_COMMAND_PARITY | PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE)
/* Status register error bits: write 1 to clear (PCI 3.0 6.2.3). */
#define PCI_STATUS_W1C 0xf900U

/* BAR low bits (PCI 3.0 6.2.5.1). */
#define PCI_BAR_IO 0x1U
#define PCI_BAR_MEM_PREFETCH 0x8U
#define PCI_BAR_COUNT 6

#define PCI_MAX_DEVICES 8

/* Chipset on bus 0 (Intel 82441FX and 82371SB datasheets). */
#define PCI_VENDOR_INTEL 0x8086U
#define PCI_DEVICE_I440FX 0x1237U
#define PCI_DEVICE_PIIX3_ISA 0x7000U
#define PCI_CLASS_HOST_BRIDGE 0x060000U
#define PCI_CLASS_ISA_BRIDGE 0x060100U

struct pci_function {
	uint8_t bus, dev, fn;
	uint8_t config[256];
	uint8_t writable_mask[256]; /* 1: the guest's write lands */
	uint32_t bar_size[PCI_BAR_COUNT]; /* 0: no BAR there */
	bool present;
};

struct pci_bus {
	uint32_t address; /* CONFIG_ADDRESS as last written, reserved bits clear */
	struct pci_function fns[PCI_MAX_DEVICES];
	unsigned count;
};

/* Empty bus, then the host bridge at 00:00.0 and the ISA bridge at 00:01.0. */
void pci_init(struct pci_bus *pci);

/*
 * Registers a function with a type 0 header: IDs, class_rev (the dword at
 * offset 8: class code << 8 | revision) and header type read-only; command,
 * cache line size, latency timer and interrupt line writable; no BARs.
 * Adding a function other than 0 marks function 0 of that device
 * multi-function so that a guest's scan finds it. NULL if the registry is
 * full, dev > 31, fn > 7, or the function exists.
 */
struct pci_function *pci_add_function(struct pci_bus *pci, uint8_t bus, uint8_t dev, uint8_t fn,
				      uint16_t vendor, uint16_t device, uint32_t class_rev);

/* The registered function at bus:dev.fn, or NULL. */
struct pci_function *pci_find(struct pci_bus *pci, uint8_t bus, uint8_t dev, uint8_t fn);

/*
 * Declares 32-bit BAR bar (0..5) of size bytes (a power of two, at least 4
 * for I/O and 16 for memory) with flags PCI_BAR_IO or memory flags
 * (PCI_BAR_MEM_PREFETCH): writing all ones then reads back ~(size - 1)
 * with the flags, as PCI 3.0 6.2.5.1 has software size it. False if the
 * arguments break those rules.
 */
bool pci_set_bar(struct pci_function *f, unsigned bar, uint32_t size, uint32_t flags);

/*
 * Accesses of size 1, 2 or 4: the address register takes dword accesses at
 * 0xcf8 only (other sizes there are not PCI's: 0xcf9 is the PIIX reset
 * register); the data window takes any access inside 0xcfc-0xcff. False
 * for anything else. Absent functions, and the window while the enable bit
 * is clear, read all ones and ignore writes.
 */
bool pci_io_read(struct pci_bus *pci, uint16_t port, unsigned size, uint32_t *value);
bool pci_io_write(struct pci_bus *pci, uint16_t port, unsigned size, uint32_t value);

#endif
