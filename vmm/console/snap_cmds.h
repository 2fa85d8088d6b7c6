/*
 * The console's snapshot commands: save, restore, snapshots,
 * snapshot-delete and the snapshot-corrupt test knob (vmm/console/commands.c
 * lists them).
 */
#ifndef VMM_CONSOLE_SNAP_CMDS_H
#define VMM_CONSOLE_SNAP_CMDS_H

#include "vmm/console/cmd_parse.h"

void cmd_save(struct cmd_line *cmd);
void cmd_restore(struct cmd_line *cmd);
void cmd_snapshots(struct cmd_line *cmd);
void cmd_snapshot_delete(struct cmd_line *cmd);
void cmd_snapshot_corrupt(struct cmd_line *cmd);
void cmd_clone(struct cmd_line *cmd);

#endif
