/*
 * The console's commands, named as in Xen's xl where one exists. Each
 * checks its words, asks the hypervisor, and prints the result or one line
 * saying what went wrong.
 */
#include "lib/printf.h"
#include "lib/string.h"
#include "vmm/console/console.h"
#include "vmm/console/guests.h"
#include "vmm/console/hc.h"
#include "vmm/console/out.h"
#include "vmm/console/snap_cmds.h"
#include "vmm/console/vmctl_cmds.h"

struct command {
	const char *name;
	const char *usage;
	const char *help;
	int min_args, max_args; /* words after the command's name */
	void (*run)(struct cmd_line *cmd);
};

static const struct command *find(const char *name);

static const char *error_text(int64_t rc)
{
	switch (-rc) {
	case HV_EPERM: return "not allowed";
	case HV_ENOENT: return "no such guest";
	case HV_ENOMEM: return "not enough memory";
	case HV_EBUSY: return "not possible in its current state";
	case HV_EINVAL: return "invalid argument";
	case HV_EFAULT: return "bad buffer";
	default: return "failed";
	}
}

static void mib(uint64_t bytes, char *buf, size_t size)
{
	hv_snprintf(buf, size, "%llu", (unsigned long long)(bytes >> 20));
}

static void cmd_list(struct cmd_line *cmd)
{
	uint32_t ids[GUESTS_MAX], n = guests_list(ids, GUESTS_MAX), i;
	struct hv_vm_info info;
	struct hv_host_info host;

	out_printf("  ID NAME             STATE    VCPUS  MEM(MiB)    CPU(s)\n");
	for (i = 0; i < n; i++) {
		char mem[24];

		if (!guest_info(ids[i], &info))
			continue;
		mib(info.memory_bytes, mem, sizeof(mem));
		out_printf("%4u %-16s %-8s %5u %9s %6llu.%02llu%s", info.id, info.name,
			   guest_state_name(info.state), info.vcpus, mem,
			   (unsigned long long)(info.cpu_ns / 1000000000ULL),
			   (unsigned long long)(info.cpu_ns / 10000000ULL % 100),
			   info.flags & HV_VM_FLAG_CONSOLE ? "  (console)" : "");
		if (info.shared_bytes)
			out_printf("  (%llu MiB shared)", (unsigned long long)(info.shared_bytes >> 20));
		out_printf("\n");
	}
	if (hc(HC_HOST_INFO, hc_ptr(&host), sizeof(host), 0, 0) == 0)
		out_printf("free memory: %llu MiB of %llu MiB, %u CPU%s\n",
			   (unsigned long long)(host.free_bytes >> 20),
			   (unsigned long long)(host.ram_bytes >> 20), host.cpus,
			   host.cpus == 1 ? "" : "s");
}

static void cmd_create(struct cmd_line *cmd)
{
	char err[160] = "";
	int64_t id = hc(HC_VM_CREATE, hc_ptr(cmd->rest), strlen(cmd->rest), hc_ptr(err), sizeof(err));

	err[sizeof(err) - 1] = 0;
	if (id < 0)
		out_printf("create refused: %s\n", err[0] ? err : error_text(id));
	else
		out_printf("created guest %s with id %lld\n", cmd->argv[1], (long long)id);
}

/* pause, unpause, destroy, reboot, shutdown: one HC_VM_CONTROL each. */
static void control(struct cmd_line *cmd, uint32_t op, const char *done)
{
	struct hv_vm_info info;
	int64_t rc;

	if (!guest_lookup(cmd->argv[1], &info))
		return;
	rc = hc(HC_VM_CONTROL, info.id, op, 0, 0);
	if (rc == -HV_EBUSY && (info.flags & HV_VM_FLAG_CONSOLE))
		out_printf("%s: not for the console domain\n", cmd->argv[0]);
	else if (rc == -HV_EBUSY)
		out_printf("%s: guest %s is %s\n", cmd->argv[0], info.name, guest_state_name(info.state));
	else if (rc < 0)
		out_printf("%s %s: %s\n", cmd->argv[0], info.name, error_text(rc));
	else
		out_printf("guest %s (id %u) %s\n", info.name, info.id, done);
}

static void cmd_pause(struct cmd_line *cmd) { control(cmd, HV_CTL_PAUSE, "paused"); }
static void cmd_unpause(struct cmd_line *cmd) { control(cmd, HV_CTL_UNPAUSE, "unpaused"); }
static void cmd_destroy(struct cmd_line *cmd) { control(cmd, HV_CTL_DESTROY, "destroyed"); }
static void cmd_reboot(struct cmd_line *cmd) { control(cmd, HV_CTL_REBOOT, "rebooted"); }
static void cmd_shutdown(struct cmd_line *cmd)
{
	control(cmd, HV_CTL_SHUTDOWN, "asked to power off (ACPI power button)");
}

static void cmd_console(struct cmd_line *cmd)
{
	struct hv_vm_info info;

	if (!guest_lookup(cmd->argv[1], &info))
		return;
	if (info.flags & HV_VM_FLAG_CONSOLE) {
		out_printf("console: this is the console domain\n");
		return;
	}
	attach_guest(info.id, info.name);
}

static void show_vcpu(uint32_t id, uint32_t index)
{
	static const char *const states[] = { "runnable", "halted", "wait-for-SIPI", "stopped",
					      "blocked" };
	struct hv_vcpu_info v;
	const uint64_t *g = v.gpr;

	if (hc(HC_VCPU_INFO, id, index, hc_ptr(&v), sizeof(v)) < 0)
		return;
	out_printf("vCPU %u: %s on CPU %u, %llu exits, %llu ms in the guest\n", index,
		   v.state < 5 ? states[v.state] : "?", v.cpu, (unsigned long long)v.exits,
		   (unsigned long long)(v.cpu_ns / 1000000));
	out_printf("  rip %016llx rsp %016llx rflags %08llx\n", (unsigned long long)v.rip,
		   (unsigned long long)g[4], (unsigned long long)v.rflags);
	out_printf("  rax %016llx rbx %016llx rcx %016llx rdx %016llx\n", (unsigned long long)g[0],
		   (unsigned long long)g[3], (unsigned long long)g[1], (unsigned long long)g[2]);
	out_printf("  rsi %016llx rdi %016llx rbp %016llx\n", (unsigned long long)g[6],
		   (unsigned long long)g[7], (unsigned long long)g[5]);
	out_printf("  cr0 %08llx cr3 %016llx cr4 %08llx efer %llx\n", (unsigned long long)v.cr0,
		   (unsigned long long)v.cr3, (unsigned long long)v.cr4, (unsigned long long)v.efer);
	out_printf("  cs %04x ss %04x ds %04x es %04x fs %04x gs %04x tr %04x\n", v.cs, v.ss, v.ds,
		   v.es, v.fs, v.gs, v.tr);
}

static void cmd_info(struct cmd_line *cmd)
{
	static char devices[4096];
	struct hv_vm_info info;
	uint32_t i;
	int64_t n;

	if (!guest_lookup(cmd->argv[1], &info))
		return;
	out_printf("guest %s (id %u): %s, kernel %s, %llu MiB, %u vCPU%s, up %llu s\n", info.name,
		   info.id, guest_state_name(info.state), info.kernel,
		   (unsigned long long)(info.memory_bytes >> 20), info.vcpus,
		   info.vcpus == 1 ? "" : "s", (unsigned long long)(info.uptime_ns / 1000000000ULL));
	if (info.end_reason[0])
		out_printf("ended: %s\n", info.end_reason);
	out_printf("memory: %llu MiB shared copy-on-write with a clone or its source, %llu MiB its own\n",
		   (unsigned long long)(info.shared_bytes >> 20),
		   (unsigned long long)((info.memory_bytes - info.shared_bytes) >> 20));
	out_printf("exits %llu, refused hypercalls %llu, console output %llu bytes\n",
		   (unsigned long long)info.exits, (unsigned long long)info.bad_hypercalls,
		   (unsigned long long)info.console_bytes);
	for (i = 0; i < info.vcpus; i++)
		show_vcpu(info.id, i);
	n = hc(HC_VM_DEVICES, info.id, hc_ptr(devices), sizeof(devices), 0);
	if (n > 0) {
		out_printf("memory map and devices:\n");
		out_write(devices, (size_t)n);
	}
}

static void cmd_top(struct cmd_line *cmd)
{
	top_run();
}

static void cmd_dmesg(struct cmd_line *cmd)
{
	static struct {
		struct hv_ring_read hdr;
		char data[4096];
	} chunk;
	uint64_t from = 0;
	int64_t n;

	do {
		chunk.hdr.from = from;
		n = hc(HC_DMESG_READ, hc_ptr(&chunk), sizeof(chunk), 0, 0);
		if (n > 0)
			out_write(chunk.data, (size_t)n);
		from = chunk.hdr.next;
	} while (n > 0);
}

static void cmd_power(struct cmd_line *cmd)
{
	int64_t rc = hc(HC_HOST_POWER, strcmp(cmd->argv[0], "reset") ? HV_POWER_OFF : HV_POWER_RESET,
			0, 0, 0);

	out_printf("%s failed: %s\n", cmd->argv[0], error_text(rc));
}

static void cmd_help(struct cmd_line *cmd);

static const struct command commands[] = {
	{ "list", "list", "every guest: id, name, state, vCPUs, memory, CPU time", 0, 0, cmd_list },
	{ "create", "create NAME [key=value ...]",
	  "start guest NAME from hv.cfg; key=value overrides (memory=, vcpus=, cmdline=\"...\", "
	  "kernel=, initrd=, cpus=, type=) or defines a guest hv.cfg lacks", 1, CMD_MAX_ARGS - 1,
	  cmd_create },
	{ "console", "console ID|NAME", "attach to the guest's serial console; Ctrl-] returns", 1, 1,
	  cmd_console },
	{ "pause", "pause ID|NAME", "stop running the guest's vCPUs", 1, 1, cmd_pause },
	{ "unpause", "unpause ID|NAME", "let a paused guest run again", 1, 1, cmd_unpause },
	{ "destroy", "destroy ID|NAME", "end the guest at once and free its memory", 1, 1,
	  cmd_destroy },
	{ "reboot", "reboot ID|NAME", "restart the guest from its configuration (a new id)", 1, 1,
	  cmd_reboot },
	{ "shutdown", "shutdown ID|NAME", "press the guest's ACPI power button", 1, 1, cmd_shutdown },
	{ "info", "info ID|NAME", "vCPU registers and state, memory map and devices", 1, 1, cmd_info },
	{ "save", "save ID|NAME SNAPSHOT [stop] [method=stop|live]",
	  "copy the guest's whole state into snapshot SNAPSHOT: paused meanwhile (method=stop), or "
	  "paused only to save vCPUs and devices while RAM is copied as it runs (method=live); "
	  "stop: leave it paused", 2, 4, cmd_save },
	{ "restore", "restore SNAPSHOT [as NEWNAME]",
	  "start a guest from a snapshot, under its saved name or NEWNAME; it goes on where it was "
	  "saved, its clock too", 1, 3, cmd_restore },
	{ "clone", "clone ID|NAME NEWNAME",
	  "start a copy of a running one-vCPU guest that shares its RAM copy-on-write (2 MiB at a time)",
	  2, 2, cmd_clone },
	{ "snapshots", "snapshots", "the snapshots held in the hypervisor's memory", 0, 0,
	  cmd_snapshots },
	{ "snapshot-delete", "snapshot-delete SNAPSHOT", "free a snapshot's memory", 1, 1,
	  cmd_snapshot_delete },
	{ "snapshot-corrupt", "snapshot-corrupt SNAPSHOT OFFSET",
	  "test knob: flip byte OFFSET of a snapshot, which restore must then refuse", 2, 2,
	  cmd_snapshot_corrupt },
	{ "vmctl", "vmctl ID|NAME [NAME=on|off #EXC=trap|off ...]",
	  "list the guest's execution controls, trapped exceptions and TSC offset, or change them on "
	  "every vCPU (hlt-exiting=off: a halted vCPU then halts its CPU until an interrupt)", 1,
	  CMD_MAX_ARGS - 1, cmd_vmctl },
	{ "top", "top", "exits per second by reason and CPU share per guest, until a key", 0, 0,
	  cmd_top },
	{ "dmesg", "dmesg", "the hypervisor's log", 0, 0, cmd_dmesg },
	{ "poweroff", "poweroff", "power the whole machine off", 0, 0, cmd_power },
	{ "reset", "reset", "reset the whole machine", 0, 0, cmd_power },
	{ "help", "help [COMMAND]", "the commands, or one command's usage", 0, 1, cmd_help },
};

#define COMMAND_COUNT (sizeof(commands) / sizeof(commands[0]))

static const struct command *find(const char *name)
{
	size_t i;

	for (i = 0; i < COMMAND_COUNT; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static void cmd_help(struct cmd_line *cmd)
{
	const struct command *c;
	size_t i;

	if (cmd->argc == 2) {
		c = find(cmd->argv[1]);
		if (!c)
			out_printf("help: no command '%s'; 'help' lists them\n", cmd->argv[1]);
		else
			out_printf("usage: %s\n  %s\n", c->usage, c->help);
		return;
	}
	for (i = 0; i < COMMAND_COUNT; i++)
		out_printf("%-28s %s\n", commands[i].usage, commands[i].help);
}

void commands_run(struct cmd_line *cmd)
{
	const struct command *c = find(cmd->argv[0]);
	int args = cmd->argc - 1;

	if (!c) {
		out_printf("unknown command '%s': 'help' lists the commands\n", cmd->argv[0]);
		return;
	}
	if (args < c->min_args) {
		out_printf("%s: missing argument; usage: %s\n", c->name, c->usage);
		return;
	}
	if (args > c->max_args) {
		out_printf("%s: too many arguments; usage: %s\n", c->name, c->usage);
		return;
	}
	c->run(cmd);
}
