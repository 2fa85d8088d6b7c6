/*
 * The PC's reset and A20 controls, as a guest finds them: System Control
 * Port A (0x92), the little of the 8042 keyboard controller (0x60/0x64)
 * that firmware and kernels use to reset the machine or gate A20, and the
 * PIIX reset control register (0xcf9). No keyboard sits behind the 8042.
 * Every reset request goes to one callback.
 *
 * A pure state machine: no hardware access, no globals. Every member of
 * struct sysctl but wire is plain state, what a snapshot saves; wire, the
 * reset callback and its context, holds pointers into the owner, which
 * re-creates it on restore. Callers serialise access; runs in VMX root and
 * in host unit tests.
 */
#ifndef VMM_DEV_SYSCTL_H
#define VMM_DEV_SYSCTL_H

#include <stdbool.h>
#include <stdint.h>

#define SYSCTL_PORT_KBC_DATA 0x60U
#define SYSCTL_PORT_KBC_CMD 0x64U	/* status on read */
#define SYSCTL_PORT_92 0x92U
#define SYSCTL_PORT_CF9 0xcf9U

/* Port 0x92, System Control Port A (PIIX3 datasheet, "Port 92h"). */
#define SYSCTL_92_FAST_RESET 0x01U	/* 0->1 resets the machine */
#define SYSCTL_92_A20 0x02U

/* 8042 status register (IBM PC/AT Technical Reference, "Keyboard Controller"). */
#define SYSCTL_KBC_STS_OBF 0x01U	/* output buffer full: read it at 0x60 */
#define SYSCTL_KBC_STS_IBF 0x02U	/* input buffer full: never, we take bytes at once */
#define SYSCTL_KBC_STS_SYS 0x04U	/* system flag, the command byte's bit 2 */
#define SYSCTL_KBC_STS_CMD 0x08U	/* last byte written went to 0x64 */
#define SYSCTL_KBC_STS_UNLOCKED 0x10U	/* keyboard inhibit switch off */

/* 8042 commands written to 0x64. */
#define SYSCTL_KBC_READ_CMD_BYTE 0x20U
#define SYSCTL_KBC_WRITE_CMD_BYTE 0x60U
#define SYSCTL_KBC_AUX_DISABLE 0xa7U
#define SYSCTL_KBC_AUX_ENABLE 0xa8U
#define SYSCTL_KBC_SELF_TEST 0xaaU	/* answers 0x55 */
#define SYSCTL_KBC_KBD_TEST 0xabU	/* answers 0x00: no fault */
#define SYSCTL_KBC_KBD_DISABLE 0xadU
#define SYSCTL_KBC_KBD_ENABLE 0xaeU
#define SYSCTL_KBC_READ_OUTPUT 0xd0U
#define SYSCTL_KBC_WRITE_OUTPUT 0xd1U
#define SYSCTL_KBC_PULSE 0xf0U		/* 0xf0-0xff: pulse output bits 3-0 where clear */
#define SYSCTL_KBC_SELF_TEST_OK 0x55U

/* 8042 command byte. */
#define SYSCTL_KBC_CB_KBD_INT 0x01U
#define SYSCTL_KBC_CB_SYS 0x04U
#define SYSCTL_KBC_CB_KBD_OFF 0x10U
#define SYSCTL_KBC_CB_AUX_OFF 0x20U
#define SYSCTL_KBC_CB_XLATE 0x40U

/* 8042 output port. */
#define SYSCTL_KBC_OUT_RESET 0x01U	/* active low: 0 resets the CPU */
#define SYSCTL_KBC_OUT_A20 0x02U

/* Reset control register 0xcf9 (PIIX4 datasheet, "RC"; ICH adds full reset). */
#define SYSCTL_CF9_SYS_RST 0x02U	/* 1: hard reset, 0: soft (INIT) */
#define SYSCTL_CF9_RST_CPU 0x04U	/* writing 1 starts the reset */
#define SYSCTL_CF9_FULL_RST 0x08U
#define SYSCTL_CF9_KEPT (SYSCTL_CF9_SYS_RST | SYSCTL_CF9_FULL_RST)

typedef void (*sysctl_reset_fn)(void *ctx);

struct sysctl_wiring {
	sysctl_reset_fn reset;	/* NULL: reset requests are dropped */
	void *ctx;
};

struct sysctl {
	uint8_t port92;
	uint8_t cf9;		/* SYS_RST and FULL_RST; RST_CPU reads 0 */
	uint8_t kbc_cmd_byte;
	uint8_t kbc_output_port;
	uint8_t kbc_out;	/* output buffer; stays readable once taken */
	bool kbc_obf;
	bool kbc_last_cmd;	/* status bit 3 */
	uint8_t kbc_pending;	/* command waiting for its data byte at 0x60, or 0 */
	struct sysctl_wiring wire;
};

/* Power-on, as firmware leaves it: A20 on, the 8042 idle and self-tested. */
void sysctl_init(struct sysctl *s, struct sysctl_wiring wire);

/*
 * Byte accesses to 0x60, 0x64, 0x92 and 0xcf9; false for any other port.
 * A reset request calls s->wire.reset before returning; the caller's reset is
 * expected to re-initialise the machine, this device included.
 */
bool sysctl_io_read(struct sysctl *s, uint16_t port, uint8_t *value);
bool sysctl_io_write(struct sysctl *s, uint16_t port, uint8_t value);

/* Whether address line 20 is enabled: port 0x92 and the 8042 are ORed, as on PIIX. */
bool sysctl_a20(const struct sysctl *s);

#endif
