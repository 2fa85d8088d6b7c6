/*
 * The console's `vmctl` command: a guest's execution environment, listed
 * or changed (vmm/console/commands.c lists it).
 */
#ifndef VMM_CONSOLE_VMCTL_CMDS_H
#define VMM_CONSOLE_VMCTL_CMDS_H

#include "vmm/console/cmd_parse.h"

void cmd_vmctl(struct cmd_line *cmd);

#endif
