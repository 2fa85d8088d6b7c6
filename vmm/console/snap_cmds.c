/*
 * save, restore, snapshots, snapshot-delete (named as in Xen's xl where it
 * has a name) and snapshot-corrupt, the test knob: each checks its words,
 * makes one HC_SNAP_* call and prints one result line or one line saying
 * why not.
 */
#include "vmm/console/snap_cmds.h"

#include "lib/printf.h"
#include "lib/string.h"
#include "vmm/console/guests.h"
#include "vmm/console/hc.h"
#include "vmm/console/out.h"

#define ERR_MAX 160

/* name into the request's name field: false (and a line) if it does not fit. */
static bool set_name(char *field, size_t size, const char *name, const char *cmd)
{
	if (strlen(name) >= size) {
		out_printf("%s: name '%s' is too long (at most %u characters)\n", cmd, name,
			   (unsigned)size - 1);
		return false;
	}
	memcpy(field, name, strlen(name) + 1);
	return true;
}

/* A decimal number of at most 15 digits: true and *out, or false. */
static bool decimal(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; s[i]; i++) {
		if (s[i] < '0' || s[i] > '9' || i == 15)
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return i > 0;
}

static uint64_t kib(uint64_t bytes)
{
	return (bytes + 1023) / 1024;
}

/* The words after save's SNAPSHOT into flags: "stop", "method=stop" or "method=live"; false (and a line) on another. */
static bool save_options(struct cmd_line *cmd, uint32_t *flags)
{
	int i;

	*flags = 0;
	for (i = 3; i < cmd->argc; i++) {
		if (!strcmp(cmd->argv[i], "stop"))
			*flags |= HV_SNAP_STAY_PAUSED;
		else if (!strcmp(cmd->argv[i], "method=live"))
			*flags |= HV_SNAP_LIVE;
		else if (strcmp(cmd->argv[i], "method=stop")) {
			out_printf("save: '%s' is neither 'stop' nor method=stop|live; "
				   "usage: save ID|NAME SNAPSHOT [stop] [method=stop|live]\n", cmd->argv[i]);
			return false;
		}
	}
	return true;
}

/* save ID|NAME SNAPSHOT [stop] [method=stop|live] */
void cmd_save(struct cmd_line *cmd)
{
	struct hv_snap_request req;
	struct hv_snap_result res;
	struct hv_vm_info info;
	char err[ERR_MAX] = "";
	int64_t rc;

	memset(&req, 0, sizeof(req));
	if (!save_options(cmd, &req.flags))
		return;
	if (!guest_lookup(cmd->argv[1], &info) || !set_name(req.name, sizeof(req.name), cmd->argv[2], "save"))
		return;
	req.id = info.id;
	out_printf("saving guest %s (id %u) as %s ...\n", info.name, info.id, req.name);
	rc = hc(HC_SNAP_SAVE, hc_ptr(&req), hc_ptr(&res), hc_ptr(err), sizeof(err));
	err[sizeof(err) - 1] = '\0';
	if (rc < 0) {
		out_printf("save refused: %s\n", err[0] ? err : "bad arguments");
		return;
	}
	out_printf("saved guest %s as %s: %llu KiB, paused %llu us, %llu of %llu pages zero",
		   info.name, req.name, (unsigned long long)kib(res.bytes),
		   (unsigned long long)res.pause_us, (unsigned long long)res.zero_pages,
		   (unsigned long long)res.ram_pages);
	if (req.flags & HV_SNAP_LIVE)
		out_printf(", live: %llu ms in all, %llu pages trapped",
			   (unsigned long long)(res.total_us / 1000), (unsigned long long)res.trapped_pages);
	out_printf("%s\n", req.flags & HV_SNAP_STAY_PAUSED ? ", left paused" : "");
}

/* restore SNAPSHOT [as NEWNAME] */
void cmd_restore(struct cmd_line *cmd)
{
	struct hv_snap_request req;
	char err[ERR_MAX] = "";
	int64_t id;

	memset(&req, 0, sizeof(req));
	if (cmd->argc == 3 || (cmd->argc == 4 && strcmp(cmd->argv[2], "as"))) {
		out_printf("restore: usage: restore SNAPSHOT [as NEWNAME]\n");
		return;
	}
	if (!set_name(req.name, sizeof(req.name), cmd->argv[1], "restore") ||
	    (cmd->argc == 4 && !set_name(req.as, sizeof(req.as), cmd->argv[3], "restore")))
		return;
	id = hc(HC_SNAP_RESTORE, hc_ptr(&req), hc_ptr(err), sizeof(err), 0);
	err[sizeof(err) - 1] = '\0';
	if (id < 0)
		out_printf("restore refused: %s\n", err[0] ? err : "bad arguments");
	else
		out_printf("restored %s as guest id %lld\n", req.name, (long long)id);
}

/* snapshots: one line each, from HC_SNAP_LIST's "name guest bytes time method" lines. */
void cmd_snapshots(struct cmd_line *cmd)
{
	static char text[4096];
	struct cmd_line line;
	uint64_t bytes;
	int64_t n = hc(HC_SNAP_LIST, hc_ptr(text), sizeof(text) - 1, 0, 0);
	char *p = text;

	if (n < 0) {
		out_printf("snapshots: failed\n");
		return;
	}
	text[n] = '\0';
	out_printf("NAME                             GUEST                 SIZE(KiB) METHOD  SAVED(unix)\n");
	while (*p) {
		char *end = strchr(p, '\n');

		if (end)
			*end = '\0';
		if (!cmd_split(p, &line) && line.argc == 5 && decimal(line.argv[2], &bytes))
			out_printf("%-32s %-16s %14llu %-7s %s\n", line.argv[0], line.argv[1],
				   (unsigned long long)kib(bytes), line.argv[4], line.argv[3]);
		if (!end)
			break;
		p = end + 1;
	}
	if (!n)
		out_printf("(none)\n");
}

void cmd_snapshot_delete(struct cmd_line *cmd)
{
	struct hv_snap_request req;

	memset(&req, 0, sizeof(req));
	if (!set_name(req.name, sizeof(req.name), cmd->argv[1], "snapshot-delete"))
		return;
	if (hc(HC_SNAP_DELETE, hc_ptr(&req), 0, 0, 0) < 0)
		out_printf("snapshot-delete: no snapshot called %s\n", req.name);
	else
		out_printf("snapshot %s deleted\n", req.name);
}

/* snapshot-corrupt SNAPSHOT OFFSET: flips one byte, so that tests can see a bad one refused. */
void cmd_snapshot_corrupt(struct cmd_line *cmd)
{
	struct hv_snap_request req;
	char err[ERR_MAX] = "";

	memset(&req, 0, sizeof(req));
	if (!set_name(req.name, sizeof(req.name), cmd->argv[1], "snapshot-corrupt"))
		return;
	if (!decimal(cmd->argv[2], &req.offset)) {
		out_printf("snapshot-corrupt: '%s' is not a byte offset\n", cmd->argv[2]);
		return;
	}
	if (hc(HC_SNAP_CORRUPT, hc_ptr(&req), hc_ptr(err), sizeof(err), 0) < 0) {
		err[sizeof(err) - 1] = '\0';
		out_printf("snapshot-corrupt refused: %s\n", err[0] ? err : "bad arguments");
		return;
	}
	out_printf("snapshot %s: byte %llu flipped\n", req.name, (unsigned long long)req.offset);
}

/* clone ID|NAME NEWNAME */
void cmd_clone(struct cmd_line *cmd)
{
	struct hv_snap_request req;
	struct hv_snap_result res;
	struct hv_vm_info info;
	char err[ERR_MAX] = "";
	int64_t id;

	memset(&req, 0, sizeof(req));
	if (!guest_lookup(cmd->argv[1], &info) || !set_name(req.as, sizeof(req.as), cmd->argv[2], "clone"))
		return;
	req.id = info.id;
	id = hc(HC_VM_CLONE, hc_ptr(&req), hc_ptr(&res), hc_ptr(err), sizeof(err));
	err[sizeof(err) - 1] = '\0';
	if (id < 0)
		out_printf("clone refused: %s\n", err[0] ? err : "bad arguments");
	else
		out_printf("cloned guest %s as %s (id %lld): paused %llu us, RAM shared copy-on-write\n",
			   info.name, req.as, (long long)id, (unsigned long long)res.pause_us);
}
