/*
 * The PC's reset and A20 ports (see vmm/dev/sysctl.h): port 0x92 after the
 * PIIX3 datasheet, the 8042 commands of the IBM PC/AT Technical Reference,
 * and 0xcf9 after the PIIX4 datasheet. Linux's reboot tries the ACPI reset
 * register (0xcf9 here), then the 8042's 0xfe, then 0xcf9 directly; all of
 * them end in the reset callback. Pure; runs in VMX root and in host unit
 * tests.
 */
#include "vmm/dev/sysctl.h"

#include "lib/string.h"

/* What the BIOS leaves in the command byte: translation, system flag, keyboard IRQ. */
#define SYSCTL_KBC_CB_POWER_ON (SYSCTL_KBC_CB_XLATE | SYSCTL_KBC_CB_SYS | SYSCTL_KBC_CB_KBD_INT)

static void sysctl_reset(struct sysctl *s)
{
	if (s->wire.reset)
		s->wire.reset(s->wire.ctx);
}

void sysctl_init(struct sysctl *s, struct sysctl_wiring wire)
{
	memset(s, 0, sizeof(*s));
	s->port92 = SYSCTL_92_A20;
	s->kbc_cmd_byte = SYSCTL_KBC_CB_POWER_ON;
	s->kbc_output_port = SYSCTL_KBC_OUT_RESET | SYSCTL_KBC_OUT_A20;
	s->kbc_last_cmd = true;
	s->wire = wire;
}

bool sysctl_a20(const struct sysctl *s)
{
	return (s->port92 & SYSCTL_92_A20) || (s->kbc_output_port & SYSCTL_KBC_OUT_A20);
}

static void sysctl_kbc_reply(struct sysctl *s, uint8_t v)
{
	s->kbc_out = v;
	s->kbc_obf = true;
}

static uint8_t sysctl_kbc_status(const struct sysctl *s)
{
	return (uint8_t)((s->kbc_obf ? SYSCTL_KBC_STS_OBF : 0) |
			 (s->kbc_cmd_byte & SYSCTL_KBC_CB_SYS ? SYSCTL_KBC_STS_SYS : 0) |
			 (s->kbc_last_cmd ? SYSCTL_KBC_STS_CMD : 0) | SYSCTL_KBC_STS_UNLOCKED);
}

static void sysctl_kbc_command(struct sysctl *s, uint8_t cmd)
{
	s->kbc_pending = 0;
	switch (cmd) {
	case SYSCTL_KBC_READ_CMD_BYTE:
		sysctl_kbc_reply(s, s->kbc_cmd_byte);
		break;
	case SYSCTL_KBC_WRITE_CMD_BYTE:
	case SYSCTL_KBC_WRITE_OUTPUT:
		s->kbc_pending = cmd;
		break;
	case SYSCTL_KBC_AUX_DISABLE:
		s->kbc_cmd_byte |= SYSCTL_KBC_CB_AUX_OFF;
		break;
	case SYSCTL_KBC_AUX_ENABLE:
		s->kbc_cmd_byte &= (uint8_t)~SYSCTL_KBC_CB_AUX_OFF;
		break;
	case SYSCTL_KBC_SELF_TEST:
		/* A passed self-test sets the system flag (warm boot from now on). */
		s->kbc_cmd_byte |= SYSCTL_KBC_CB_SYS;
		sysctl_kbc_reply(s, SYSCTL_KBC_SELF_TEST_OK);
		break;
	case SYSCTL_KBC_KBD_TEST:
		sysctl_kbc_reply(s, 0x00);
		break;
	case SYSCTL_KBC_KBD_DISABLE:
		s->kbc_cmd_byte |= SYSCTL_KBC_CB_KBD_OFF;
		break;
	case SYSCTL_KBC_KBD_ENABLE:
		s->kbc_cmd_byte &= (uint8_t)~SYSCTL_KBC_CB_KBD_OFF;
		break;
	case SYSCTL_KBC_READ_OUTPUT:
		sysctl_kbc_reply(s, s->kbc_output_port);
		break;
	default:
		/* 0xf0-0xff pulse the output port's low bits where clear; bit 0 is RESET#. */
		if (cmd >= SYSCTL_KBC_PULSE && !(cmd & SYSCTL_KBC_OUT_RESET))
			sysctl_reset(s);
		break; /* anything else: no keyboard, nothing to do */
	}
}

static void sysctl_kbc_data(struct sysctl *s, uint8_t v)
{
	uint8_t cmd = s->kbc_pending;

	s->kbc_pending = 0;
	if (cmd == SYSCTL_KBC_WRITE_CMD_BYTE) {
		s->kbc_cmd_byte = v;
	} else if (cmd == SYSCTL_KBC_WRITE_OUTPUT) {
		/* RESET# is a pulse: the line is back high once the machine restarts. */
		s->kbc_output_port = v | SYSCTL_KBC_OUT_RESET;
		if (!(v & SYSCTL_KBC_OUT_RESET))
			sysctl_reset(s);
	}
	/* Without a command, bytes go to the keyboard, and there is none. */
}

bool sysctl_io_write(struct sysctl *s, uint16_t port, uint8_t value)
{
	uint8_t old;

	switch (port) {
	case SYSCTL_PORT_92:
		old = s->port92;
		s->port92 = value;
		if ((value & SYSCTL_92_FAST_RESET) && !(old & SYSCTL_92_FAST_RESET))
			sysctl_reset(s);
		return true;
	case SYSCTL_PORT_KBC_CMD:
		s->kbc_last_cmd = true;
		sysctl_kbc_command(s, value);
		return true;
	case SYSCTL_PORT_KBC_DATA:
		s->kbc_last_cmd = false;
		sysctl_kbc_data(s, value);
		return true;
	case SYSCTL_PORT_CF9:
		s->cf9 = value & SYSCTL_CF9_KEPT;
		/*
		 * RST_CPU starts the reset SYS_RST selects. A soft reset would
		 * only INIT the CPUs; a VM has no cheaper restart than the
		 * full one, so both take the callback.
		 */
		if (value & SYSCTL_CF9_RST_CPU)
			sysctl_reset(s);
		return true;
	default:
		return false;
	}
}

bool sysctl_io_read(struct sysctl *s, uint16_t port, uint8_t *value)
{
	switch (port) {
	case SYSCTL_PORT_92:
		*value = s->port92;
		return true;
	case SYSCTL_PORT_KBC_CMD:
		*value = sysctl_kbc_status(s);
		return true;
	case SYSCTL_PORT_KBC_DATA:
		/* Reading empties the buffer; with nothing new, the last byte again. */
		*value = s->kbc_out;
		s->kbc_obf = false;
		return true;
	case SYSCTL_PORT_CF9:
		*value = s->cf9;
		return true;
	default:
		return false;
	}
}
