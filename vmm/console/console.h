/*
 * The console domain: the operator's prompt and the commands behind it.
 * A deprivileged guest; everything it knows and does goes through the
 * management hypercalls.
 */
#ifndef VMM_CONSOLE_CONSOLE_H
#define VMM_CONSOLE_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/console/cmd_parse.h"

#define CTRL_RBRACKET 0x1d /* Ctrl-]: leave a guest's console, as telnet and virsh do */

/* Runs one command line; prints its output or one line saying what was wrong. */
void commands_run(struct cmd_line *cmd);

/* Reads operator bytes, waiting at most timeout_us; returns how many (0: none came). */
size_t console_read(char *buf, size_t len, uint64_t timeout_us);

/* `console ID`: the guest's serial console until Ctrl-]. */
void attach_guest(uint32_t id, const char *name);

/* `top`: exit rates and CPU shares, refreshed until a key is pressed. */
void top_run(void);

#endif
