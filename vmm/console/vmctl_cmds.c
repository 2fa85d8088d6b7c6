/*
 * vmctl ID               lists the guest's execution environment: every
 *                        control of vmm/abi/vmctl.h's table with vCPU 0's
 *                        value and whether it may be changed (and why
 *                        not), the trapped exceptions and their counts,
 *                        the TSC offset and the time slice;
 * vmctl ID NAME=on|off #EXC=trap|off ...
 *                        asks the hypervisor for the change (HC_VMCTL_SET),
 *                        which judges it and applies it on every vCPU at
 *                        its next entry, or prints the one line saying why not.
 */
#include "vmm/console/vmctl_cmds.h"

#include "lib/printf.h"
#include "lib/string.h"
#include "vmm/abi/vmctl.h"
#include "vmm/console/guests.h"
#include "vmm/console/hc.h"
#include "vmm/console/out.h"

static const char *const word_names[VMCTL_WORDS] = {
	"pin-based controls", "primary processor-based controls", "secondary processor-based controls",
};

static void show_controls(const struct hv_vmctl_info *info)
{
	struct vmctl_caps caps;
	unsigned w, i;

	memcpy(caps.must1, info->must1, sizeof(caps.must1));
	memcpy(caps.may1, info->may1, sizeof(caps.may1));
	for (w = 0; w < VMCTL_WORDS; w++) {
		out_printf("%s: 0x%08x\n", word_names[w], info->ctls[w]);
		for (i = 0; i < vmctl_control_count; i++) {
			const struct vmctl_control *c = &vmctl_controls[i];
			const char *why = vmctl_fixed_reason(c, &caps);
			bool on = info->ctls[w] & c->bit;
			char value[8];

			if (c->word != w)
				continue;
			/* '*': the guest's vmctl settings decide it, not the hypervisor's own choice. */
			hv_snprintf(value, sizeof(value), "%s%s", on ? "on" : "off",
				    info->chosen[w] & c->bit ? "*" : "");
			out_printf("  %-28s %-4s %s\n", c->name, value, why ? why : "changeable");
		}
	}
}

static void show_exceptions(const struct hv_vmctl_info *info)
{
	unsigned v, n = 0;

	out_printf("exception bitmap: 0x%08x, trapped:", info->exception_bitmap);
	for (v = 0; v < 32; v++)
		if (info->exception_bitmap & (1U << v))
			out_printf(" %s", vmctl_exception_name(v) ? vmctl_exception_name(v) : "?");
	if (!info->exception_bitmap)
		out_printf(" none");
	out_printf("\ntraps passed on:");
	for (v = 0; v < 32; v++) {
		if (!info->traps[v])
			continue;
		out_printf(" %s %llu", vmctl_exception_name(v) ? vmctl_exception_name(v) : "?",
			   (unsigned long long)info->traps[v]);
		n++;
	}
	out_printf("%s\n", n ? "" : " none");
	out_printf("trappable (#EXC=trap|off):");
	for (v = 0; v < 32; v++)
		if (vmctl_exception_name(v) && !vmctl_exception_refusal(v))
			out_printf(" %s", vmctl_exception_name(v));
	out_printf("\n");
}

static void show(const struct hv_vm_info *vm)
{
	struct hv_vmctl_info info;
	int64_t rc = hc(HC_VMCTL_INFO, vm->id, hc_ptr(&info), sizeof(info), 0);

	if (rc < 0) {
		out_printf("vmctl: guest %s is %s\n", vm->name, guest_state_name(vm->state));
		return;
	}
	out_printf("guest %s (id %u): vCPU 0 of %u; '*' marks a control its vmctl settings decide\n",
		   vm->name, vm->id, info.vcpus);
	show_controls(&info);
	show_exceptions(&info);
	out_printf("TSC offset: 0x%016llx (guest TSC = host TSC + offset), time slice: %llu us\n",
		   (unsigned long long)info.tsc_offset, (unsigned long long)info.slice_us);
}

void cmd_vmctl(struct cmd_line *cmd)
{
	char text[VMCTL_TEXT_MAX], err[160] = "";
	struct hv_vm_info vm;
	size_t at = 0, n;
	int64_t rc;
	int i;

	if (!guest_lookup(cmd->argv[1], &vm))
		return;
	if (cmd->argc == 2) {
		show(&vm);
		return;
	}
	for (i = 2; i < cmd->argc; i++) {
		n = strlen(cmd->argv[i]);
		if (at + n + 1 >= sizeof(text)) {
			out_printf("vmctl: too many settings at once\n");
			return;
		}
		if (at)
			text[at++] = ' ';
		memcpy(text + at, cmd->argv[i], n);
		at += n;
	}
	text[at] = '\0';
	rc = hc5(HC_VMCTL_SET, vm.id, hc_ptr(text), at, hc_ptr(err), sizeof(err));
	err[sizeof(err) - 1] = '\0';
	if (rc < 0)
		out_printf("vmctl refused: %s\n", err[0] ? err : "bad arguments");
	else
		out_printf("guest %s (id %u): %s: on every vCPU at its next entry\n", vm.name, vm.id, text);
}
