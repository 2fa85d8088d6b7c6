/*
 * Host unit test for vmm/dev/pci.c: configuration mechanism #1 as Linux
 * probes it (pci_check_type1, pci_sanity_check, the bus scan and the early
 * quirks' byte reads), accesses of every size at every offset of the data
 * window, read-only and write-one-to-clear fields, and the BAR sizing
 * protocol of PCI 3.0 6.2.5.1.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "vmm/dev/pci.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static uint32_t cfg_addr(unsigned bus, unsigned dev, unsigned fn, unsigned reg)
{
	return PCI_ADDR_ENABLE | bus << 16 | dev << 11 | fn << 8 | reg;
}

static void outl(struct pci_bus *pci, uint16_t port, uint32_t v)
{
	assert_true(pci_io_write(pci, port, 4, v));
}

/* Linux's read_pci_config{,_16,_byte}: the offset's low bits pick the data port. */
static uint32_t cfg_read(struct pci_bus *pci, unsigned dev, unsigned fn, unsigned reg,
			 unsigned size)
{
	uint32_t v = 0x5a5a5a5a;

	outl(pci, PCI_PORT_ADDRESS, cfg_addr(0, dev, fn, reg));
	assert_true(pci_io_read(pci, (uint16_t)(PCI_PORT_DATA + (reg & 3)), size, &v));
	return v;
}

static void cfg_write(struct pci_bus *pci, unsigned dev, unsigned fn, unsigned reg,
		      unsigned size, uint32_t v)
{
	outl(pci, PCI_PORT_ADDRESS, cfg_addr(0, dev, fn, reg));
	assert_true(pci_io_write(pci, (uint16_t)(PCI_PORT_DATA + (reg & 3)), size, v));
}

static void test_type1_detect(void **state)
{
	struct pci_bus pci;
	uint32_t v;

	pci_init(&pci);
	/* pci_check_type1(): a byte to 0xcfb is not ours; the address register reads back. */
	assert_false(pci_io_write(&pci, 0xcfb, 1, 0x01));
	assert_true(pci_io_read(&pci, PCI_PORT_ADDRESS, 4, &v));
	assert_int_equal(v, 0);
	outl(&pci, PCI_PORT_ADDRESS, 0x80000000);
	assert_true(pci_io_read(&pci, PCI_PORT_ADDRESS, 4, &v));
	assert_int_equal(v, 0x80000000);
	/* Reserved bits 30-24 and 1-0 read 0. */
	outl(&pci, PCI_PORT_ADDRESS, 0xffffffff);
	assert_true(pci_io_read(&pci, PCI_PORT_ADDRESS, 4, &v));
	assert_int_equal(v, 0x80fffffc);
	/* pci_sanity_check(): a host bridge's class at 0x0a. */
	assert_int_equal(cfg_read(&pci, 0, 0, 0x0a, 2), 0x0600);
}

static void test_scan(void **state)
{
	struct pci_bus pci;
	uint32_t v;

	pci_init(&pci);
	for (unsigned dev = 0; dev < 32; dev++) {
		for (unsigned fn = 0; fn < 8; fn++) {
			uint32_t id = cfg_read(&pci, dev, fn, 0, 4);

			if (dev == 0 && fn == 0) {
				assert_int_equal(id, 0x12378086);
				assert_int_equal(cfg_read(&pci, dev, fn, 0x08, 4), 0x06000002);
			} else if (dev == 1 && fn == 0) {
				assert_int_equal(id, 0x70008086);
				assert_int_equal(cfg_read(&pci, dev, fn, 0x08, 4), 0x06010000);
			} else {
				assert_int_equal(id, 0xffffffff);
				assert_int_equal(cfg_read(&pci, dev, fn, 0x0e, 1), 0xff);
				assert_int_equal(cfg_read(&pci, dev, fn, 0x0a, 2), 0xffff);
				continue;
			}
			/* Single-function type 0 headers, no BARs, no ROM, no capabilities. */
			assert_int_equal(cfg_read(&pci, dev, fn, 0x0e, 1), 0x00);
			for (unsigned bar = 0x10; bar <= 0x30; bar += 4)
				assert_int_equal(cfg_read(&pci, dev, fn, bar, 4), 0);
			assert_int_equal(cfg_read(&pci, dev, fn, 0x06, 2) & 0x10, 0);
			assert_int_equal(cfg_read(&pci, dev, fn, 0x3d, 1), 0);
		}
	}
	/* Another bus is empty. */
	outl(&pci, PCI_PORT_ADDRESS, cfg_addr(1, 0, 0, 0));
	assert_true(pci_io_read(&pci, PCI_PORT_DATA, 4, &v));
	assert_int_equal(v, 0xffffffff);
}

/* Every access size at every offset of the window, from the host bridge's ID dword. */
static const struct {
	uint16_t port;
	unsigned size;
	uint32_t value;
} window[] = {
	{ 0xcfc, 1, 0x86 }, { 0xcfd, 1, 0x80 }, { 0xcfe, 1, 0x37 }, { 0xcff, 1, 0x12 },
	{ 0xcfc, 2, 0x8086 }, { 0xcfd, 2, 0x3780 }, { 0xcfe, 2, 0x1237 },
	{ 0xcfc, 4, 0x12378086 },
};

static void test_window(void **state)
{
	struct pci_bus pci;
	uint32_t v;

	pci_init(&pci);
	outl(&pci, PCI_PORT_ADDRESS, cfg_addr(0, 0, 0, 0));
	for (size_t i = 0; i < ARRAY_SIZE(window); i++) {
		assert_true(pci_io_read(&pci, window[i].port, window[i].size, &v));
		assert_int_equal(v, window[i].value);
	}
}

static const struct {
	uint16_t port;
	unsigned size;
} not_ours[] = {
	{ 0xcf8, 1 }, { 0xcf8, 2 }, { 0xcf9, 1 }, { 0xcfa, 2 }, { 0xcfb, 1 }, { 0xcfd, 4 },
	{ 0xcff, 2 }, { 0xcfe, 4 }, { 0xcfc, 3 }, { 0xcfc, 8 }, { 0xcfc, 0 }, { 0xd00, 1 },
	{ 0xcf7, 1 }, { 0xcf4, 4 },
};

static void test_not_ours(void **state)
{
	struct pci_bus pci;
	uint32_t v = 0x5a;

	pci_init(&pci);
	outl(&pci, PCI_PORT_ADDRESS, cfg_addr(0, 0, 0, 0));
	for (size_t i = 0; i < ARRAY_SIZE(not_ours); i++) {
		assert_false(pci_io_read(&pci, not_ours[i].port, not_ours[i].size, &v));
		assert_false(pci_io_write(&pci, not_ours[i].port, not_ours[i].size, 0));
	}
	assert_int_equal(v, 0x5a);
	assert_int_equal(pci.address, cfg_addr(0, 0, 0, 0));
}

static void test_disabled_window(void **state)
{
	struct pci_bus pci;
	uint32_t v;

	pci_init(&pci);
	outl(&pci, PCI_PORT_ADDRESS, 0x00000004); /* enable bit clear */
	assert_true(pci_io_read(&pci, 0xcfc, 4, &v));
	assert_int_equal(v, 0xffffffff);
	assert_true(pci_io_read(&pci, 0xcfe, 2, &v));
	assert_int_equal(v, 0xffff);
	assert_true(pci_io_read(&pci, 0xcff, 1, &v));
	assert_int_equal(v, 0xff);
	assert_true(pci_io_write(&pci, 0xcfc, 4, 0));
	assert_int_equal(cfg_read(&pci, 0, 0, 0x04, 2), 0x0006);
}

static void test_read_only_and_writable(void **state)
{
	struct pci_bus pci;
	struct pci_function *f;

	pci_init(&pci);
	/* IDs, class, header type, BIST, ROM, capabilities pointer: read-only. */
	for (unsigned reg = 0; reg < 0x40; reg += 4)
		if (reg != 0x04 && reg != 0x0c && reg != 0x3c)
			cfg_write(&pci, 1, 0, reg, 4, 0xffffffff);
	assert_int_equal(cfg_read(&pci, 1, 0, 0x00, 4), 0x70008086);
	assert_int_equal(cfg_read(&pci, 1, 0, 0x08, 4), 0x06010000);
	for (unsigned reg = 0x10; reg < 0x3c; reg += 4)
		assert_int_equal(cfg_read(&pci, 1, 0, reg, 4), 0);
	/* Command: only the defined enable bits; status stays as it was. */
	assert_int_equal(cfg_read(&pci, 1, 0, 0x04, 4), 0x02800007);
	cfg_write(&pci, 1, 0, 0x04, 2, 0xffff);
	assert_int_equal(cfg_read(&pci, 1, 0, 0x04, 2), PCI_COMMAND_WRITABLE);
	cfg_write(&pci, 1, 0, 0x05, 1, 0x00);
	assert_int_equal(cfg_read(&pci, 1, 0, 0x04, 2), PCI_COMMAND_WRITABLE & 0xff);
	/* Cache line, latency timer, interrupt line: writable; header type not. */
	cfg_write(&pci, 1, 0, 0x0c, 4, 0xffffffff);
	assert_int_equal(cfg_read(&pci, 1, 0, 0x0c, 4), 0x0000ffff);
	cfg_write(&pci, 1, 0, 0x3c, 4, 0xffffffff);
	assert_int_equal(cfg_read(&pci, 1, 0, 0x3c, 4), 0x000000ff);

	/* Status error bits: write one to clear, each alone. */
	f = pci_find(&pci, 0, 1, 0);
	assert_non_null(f);
	f->config[0x07] |= 0xf9;
	cfg_write(&pci, 1, 0, 0x06, 2, 0x8000);
	assert_int_equal(cfg_read(&pci, 1, 0, 0x06, 2), 0x7b80); /* DEVSEL stays */
	cfg_write(&pci, 1, 0, 0x04, 4, 0x0000ffff); /* command write, zeros to status */
	assert_int_equal(cfg_read(&pci, 1, 0, 0x06, 2), 0x7b80);
	cfg_write(&pci, 1, 0, 0x07, 1, 0xff);
	assert_int_equal(cfg_read(&pci, 1, 0, 0x06, 2), 0x0280);

	/* The chipset registers: Linux's PIIX3 passive-release quirk at 0x82 sticks. */
	assert_int_equal(cfg_read(&pci, 1, 0, 0x60, 4), 0x80808080);
	cfg_write(&pci, 1, 0, 0x82, 1, 0x02);
	assert_int_equal(cfg_read(&pci, 1, 0, 0x82, 1), 0x02);
}

static void test_bar_sizing(void **state)
{
	static const struct {
		unsigned bar;
		uint32_t size, flags, sized, programmed;
	} bars[] = {
		{ 0, 0x1000, 0, 0xfffff000, 0xfebf1000 },
		{ 1, 0x20, PCI_BAR_IO, 0xffffffe1, 0x0000c041 },
		{ 2, 0x100000, PCI_BAR_MEM_PREFETCH, 0xfff00008, 0xfe000008 },
		{ 5, 0x10, 0, 0xfffffff0, 0xfebf2010 },
	};
	struct pci_bus pci;
	struct pci_function *f;
	const uint32_t program[] = { 0xfebf1234, 0x0000c043, 0xfe0fffff, 0xfebf201f };

	pci_init(&pci);
	f = pci_add_function(&pci, 0, 2, 0, 0x1af4, 0x1000, 0x02000000);
	assert_non_null(f);
	for (size_t i = 0; i < ARRAY_SIZE(bars); i++)
		assert_true(pci_set_bar(f, bars[i].bar, bars[i].size, bars[i].flags));
	for (size_t i = 0; i < ARRAY_SIZE(bars); i++) {
		unsigned reg = 0x10 + 4 * bars[i].bar;

		assert_int_equal(cfg_read(&pci, 2, 0, reg, 4), bars[i].flags);
		cfg_write(&pci, 2, 0, reg, 4, 0xffffffff);
		assert_int_equal(cfg_read(&pci, 2, 0, reg, 4), bars[i].sized);
		cfg_write(&pci, 2, 0, reg, 4, program[i]);
		assert_int_equal(cfg_read(&pci, 2, 0, reg, 4), bars[i].programmed);
	}
	/* BARs not registered stay 0. */
	cfg_write(&pci, 2, 0, 0x1c, 4, 0xffffffff);
	assert_int_equal(cfg_read(&pci, 2, 0, 0x1c, 4), 0);
	/* A byte-wide write lands in its byte only. */
	cfg_write(&pci, 2, 0, 0x13, 1, 0xab);
	assert_int_equal(cfg_read(&pci, 2, 0, 0x10, 4), 0xabbf1000);
}

static void test_set_bar_rejects(void **state)
{
	static const struct {
		unsigned bar;
		uint32_t size, flags;
	} bad[] = {
		{ 6, 0x1000, 0 },		/* no BAR 6 */
		{ 0, 0, 0 },
		{ 0, 8, 0 },			/* memory BARs are 16 bytes at least */
		{ 0, 2, PCI_BAR_IO },
		{ 0, 0x3000, 0 },		/* not a power of two */
		{ 0, 0x1000, 0x4 },		/* 64-bit memory BAR */
		{ 0, 0x100, PCI_BAR_IO | 0x2 },
	};
	struct pci_bus pci;
	struct pci_function *f;

	pci_init(&pci);
	f = pci_add_function(&pci, 0, 2, 0, 0x1af4, 0x1000, 0x02000000);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_false(pci_set_bar(f, bad[i].bar, bad[i].size, bad[i].flags));
	for (unsigned i = 0; i < PCI_BAR_COUNT; i++)
		assert_int_equal(f->bar_size[i], 0);
}

static void test_registry(void **state)
{
	struct pci_bus pci;
	uint32_t v;

	pci_init(&pci);
	assert_int_equal(pci.count, 2);
	assert_null(pci_add_function(&pci, 0, 1, 0, 0x8086, 0x1234, 0));	/* taken */
	assert_null(pci_add_function(&pci, 0, 32, 0, 0x8086, 0x1234, 0));
	assert_null(pci_add_function(&pci, 0, 3, 8, 0x8086, 0x1234, 0));
	/* A later function makes function 0 multi-function, whichever came first. */
	assert_non_null(pci_add_function(&pci, 0, 3, 0, 0x8086, 0x1111, 0));
	assert_int_equal(cfg_read(&pci, 3, 0, 0x0e, 1), 0x00);
	assert_non_null(pci_add_function(&pci, 0, 3, 2, 0x8086, 0x2222, 0));
	assert_int_equal(cfg_read(&pci, 3, 0, 0x0e, 1), 0x80);
	assert_int_equal(cfg_read(&pci, 3, 2, 0x0e, 1), 0x00);
	assert_non_null(pci_add_function(&pci, 0, 4, 1, 0x8086, 0x3333, 0));
	assert_non_null(pci_add_function(&pci, 0, 4, 0, 0x8086, 0x4444, 0));
	assert_int_equal(cfg_read(&pci, 4, 0, 0x0e, 1), 0x80);
	assert_int_equal(cfg_read(&pci, 4, 1, 0x00, 4), 0x33338086);
	/* A function on another bus. */
	assert_non_null(pci_add_function(&pci, 1, 0, 0, 0x8086, 0x5555, 0));
	outl(&pci, PCI_PORT_ADDRESS, cfg_addr(1, 0, 0, 0));
	assert_true(pci_io_read(&pci, PCI_PORT_DATA, 4, &v));
	assert_int_equal(v, 0x55558086);
	/* Full at PCI_MAX_DEVICES. */
	assert_non_null(pci_add_function(&pci, 0, 5, 0, 0x8086, 0x6666, 0));
	assert_int_equal(pci.count, PCI_MAX_DEVICES);
	assert_null(pci_add_function(&pci, 0, 6, 0, 0x8086, 0x7777, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_type1_detect),
		cmocka_unit_test(test_scan),
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_not_ours),
		cmocka_unit_test(test_disabled_window),
		cmocka_unit_test(test_read_only_and_writable),
		cmocka_unit_test(test_bar_sizing),
		cmocka_unit_test(test_set_bar_rejects),
		cmocka_unit_test(test_registry),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
