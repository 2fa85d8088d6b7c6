# VMX-core tests under Bochs: the well-behaved test guest next to hostile
# ones in a single boot, and a VM entry failure reported by field name.
# Source after harness.sh and boot_tests.sh.

# Every check the well-behaved guest reports; each must say PASS.
SELFTEST_CHECKS="modes cpuid-hypervisor-bit cpuid-vmx-hidden cpuid-signature msr-pat msr-tsc
	msr-unknown-gp msr-efer-reserved-gp io-debug-port-read io-unclaimed-read io-rep-outsb
	io-rep-insb exception-ud exception-de exception-bp exception-pf vmx-insn-ud
	vmcall-version vmcall-console-write vmcall-bad-buffer vmcall-unknown vmcall-mgmt-refused
	hlt-timer-wakeup"

# The selftest guest, then one hostile guest per attack, each named after
# the command-line word that picks it. The hypervisor does without the TPR
# shadow here (tpr_shadow=off), so the cr8 guest's CR8 moves exit and are
# emulated, as on a CPU without it; smp_tests.sh runs it with the shadow.
GUESTS_CR8_SPIN_MS=300
guests_cfg() {
	cat >"$1/EFI/hv/hv.cfg" <<CFG
[hypervisor]
log_level = info
cmdline = when_done=poweroff tpr_shadow=off

[guest selftest]
kernel = selftest.bin
type = real
memory = 16M
autostart = yes
CFG
	for attack in storm oob-read oob-write hv-write; do
		printf '\n[guest %s]\nkernel = hostile.bin\ntype = long\nmemory = 8M\ncmdline = %s\nautostart = yes\n' \
			"$attack" "$attack" >>"$1/EFI/hv/hv.cfg"
	done
	printf '\n[guest cr8]\nkernel = hostile.bin\ntype = long\nmemory = 8M\ncmdline = cr8 %s\nautostart = yes\n' \
		"$GUESTS_CR8_SPIN_MS" >>"$1/EFI/hv/hv.cfg"
}

t_bochs_guests() {
	out=$WORK/bochs_guests
	esp=$(make_esp bochs_guests)
	guests_cfg "$esp"
	boot_and_wait bochs "$esp" "$out" 900 ""
	expect "$out" '^hv: ready' "hv: ready"
	for c in $SELFTEST_CHECKS; do
		expect "$out" "^guest selftest: PASS $c\$" "selftest check $c to pass"
	done
	expect_not "$out" '^guest selftest: FAIL' "a failed selftest check"
	expect "$out" '^guest selftest: selftest: done, [0-9]+ passed, 0 failed' "the selftest summary"
	expect "$out" '^hv: guest selftest \(id [0-9]+\) stopped: shut down by the guest \(code 0\)' \
		"the selftest guest's orderly shutdown"
	expect "$out" '^guest storm: hostile: vmx-insn vmxon -> vector 6' "#UD for VMXON"
	expect "$out" '^guest storm: hostile: about to triple-fault' "the storm to run to its end"
	expect "$out" '^hv: guest storm \(id [0-9]+\) crashed: triple fault' "the triple fault report"
	expect "$out" '^hv: guest oob-read \(id [0-9]+\) crashed: read of guest-physical 0x[0-9a-f]+, outside its RAM' \
		"the out-of-RAM read report"
	expect "$out" '^hv: guest oob-write \(id [0-9]+\) crashed: write of guest-physical' "the out-of-RAM write report"
	expect "$out" '^hv: guest hv-write \(id [0-9]+\) crashed: write of guest-physical' "the hypervisor-address write report"
	expect "$out" '^hv: guests. CR8: CR8-load and CR8-store exiting, emulated' "CR8 exits (tpr_shadow=off)"
	expect "$out" '^guest cr8: hostile: cr8 reads 15, LAPIC TPR 0xf0$' "the cr8 guest to read its own CR8 back"
	expect "$out" '^guest cr8: hostile: cr8: the timer interrupt waited at CR8=15 and came at CR8=0$' \
		"an interrupt held back by CR8 and delivered once CR8 was lowered"
	expect "$out" "^guest cr8: hostile: cr8: spun $GUESTS_CR8_SPIN_MS ms, CR8 reads 15, 0 interrupts came\$" \
		"no interrupt while CR8 = 15"
	expect "$out" '^hv: guest cr8 \(id [0-9]+\) stopped: shut down by the guest \(code 0\)' \
		"the cr8 guest's orderly shutdown"
	expect_not "$out" 'hostile: survived' "a hostile access that went unnoticed"
	expect_not "$out" 'CPU exception|panic' "a host crash"
	expect "$out" '^hv: powering off' "the host to outlive every guest"
	finish_test bochs_guests "$out"
}

t_bochs_entry_failure() {
	out=$WORK/bochs_entry_failure
	esp=$(make_esp bochs_entry_failure)
	cat >"$esp/EFI/hv/hv.cfg" <<CFG
[hypervisor]
cmdline = when_done=poweroff corrupt_vmcs=broken

[guest broken]
kernel = selftest.bin
type = real
memory = 4M
autostart = yes
CFG
	boot_and_wait bochs "$esp" "$out" 600 ""
	expect "$out" 'guest broken vCPU 0: VM entry failed: field GUEST_RFLAGS \(0x6820\)' \
		"the broken field named"
	expect "$out" '^hv: guest broken \(id [0-9]+\) crashed: VM entry failed' "the guest to end"
	expect "$out" '^hv: powering off' "the host to run on"
	finish_test bochs_entry_failure "$out"
}

# The console domain aiming management calls at itself: each must come back
# with its answer (a guest's lock is not taken twice), and the host powers
# off when it asks.
t_bochs_console_self() {
	out=$WORK/bochs_console_self
	esp=$(make_esp bochs_console_self)
	cat >"$esp/EFI/hv/hv.cfg" <<CFG
[hypervisor]
cmdline = when_done=poweroff

[guest self]
kernel = hostile.bin
type = long
memory = 8M
role = console
cmdline = mgmt-self
autostart = yes
CFG
	boot_and_wait bochs "$esp" "$out" 600 ""
	expect "$out" '^hostile: mgmt-self: all calls answered' "every call aimed at itself answered"
	expect "$out" '^hv: powering off \(asked by the operator\)' "the host to power off when asked"
	expect_not "$out" 'CPU exception|panic' "a host crash"
	finish_test bochs_console_self "$out"
}
