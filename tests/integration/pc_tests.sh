# Virtual-PC tests under Bochs: a Multiboot kernel of our own reporting
# through the guest's 16550, and Debian's unmodified Linux booting to its
# initramfs's /init with one and two vCPUs. Source after harness.sh.

t_bochs_multiboot() {
	out=$WORK/bochs_multiboot
	esp=$(make_esp bochs_multiboot)
	cat >"$esp/EFI/hv/hv.cfg" <<CFG
[hypervisor]
cmdline = when_done=poweroff

[guest mb]
kernel = mbtest.bin
cmdline = "mbtest says hello"
memory = 32M
autostart = yes
CFG
	boot_and_wait bochs "$esp" "$out" 600 ""
	expect "$out" '^guest mb: mbtest: multiboot magic ok' "the Multiboot magic"
	expect "$out" '^guest mb: mbtest: .*cmdline "mbtest says hello"' "the command line through the UART"
	expect "$out" '^guest mb: mbtest: done, [0-9]+ passed, 0 failed' "every mbtest check to pass"
	expect_not "$out" '^guest mb: FAIL' "a failed mbtest check"
	expect "$out" '^hv: guest mb \(id [0-9]+\) stopped: shut down by the guest \(code 0\)' "its shutdown"
	finish_test bochs_multiboot "$out"
}

# Debian's kernel with a busybox /init that checks the machine from inside
# (tests/linux/mkinitramfs.sh) and powers off through ACPI. retbleed=off:
# Bochs's Skylake-X model is on Linux's RETBleed list but has no IBRS, so
# the kernel would warn about its own mitigation, natively as well as here.
linux_boot_test() {
	name=$1 cpus=$2 mem=$3 host_cpus=${4:-1}
	out=$WORK/$name
	esp=$(make_esp "$name")
	add_linux_guest "$esp" "console=ttyS0 retbleed=off hvtest.cpus=$cpus hvtest.mem_mb=$mem" "$cpus" "$mem"
	boot_and_wait bochs "$esp" "$out" 2400 "" "$host_cpus"
	expect "$out" '^guest linux: init: started' "the initramfs's /init to run"
	for c in cpus memory hypervisor-flag dmesg sleep; do
		expect "$out" "^guest linux: PASS $c" "the /init check $c to pass"
	done
	expect "$out" '^guest linux: init: verdict PASS' "the guest's verdict"
	expect "$out" '^hv: guest linux \(id [0-9]+\) stopped: powered off through ACPI \(S5\)' \
		"the guest's orderly ACPI power-off"
	expect_not "$out" 'CPU exception|panic' "a host crash"
	finish_test "$name" "$out"
}

t_bochs_linux_1cpu() { linux_boot_test bochs_linux_1cpu 1 256; }
# Two vCPUs on two host CPUs: the guest's IPIs cross CPUs (kicks), and its
# exits on both CPUs share its devices.
t_bochs_linux_2cpu() { linux_boot_test bochs_linux_2cpu 2 256 2; }

# A guest that resets its machine comes back up: the hypervisor restarts it
# from its config (a new id each time, as Xen does). The run is stopped once
# the guest has come back twice.
t_bochs_guest_reboot() {
	out=$WORK/bochs_guest_reboot
	esp=$(make_esp bochs_guest_reboot)
	cat >"$esp/EFI/hv/hv.cfg" <<CFG
[guest rebooter]
kernel = hostile.bin
type = long
memory = 4M
cmdline = reboot
autostart = yes
CFG
	boot_and_wait bochs "$esp" "$out" 600 '^hv: guest rebooter \(id 3\) created'
	expect "$out" '^hv: guest rebooter \(id 1\) reset itself: restarting it' "the reset noticed"
	expect "$out" '^hv: guest rebooter \(id 2\) created' "the guest created again"
	expect_not "$out" 'hostile: survived reboot' "a reset that did nothing"
	expect_end "$out" matched
	finish_test bochs_guest_reboot "$out"
}

# A guest whose kernel panics is reported as crashed, through the panic
# notifier port its pvpanic driver finds in our DSDT; the host runs on.
t_bochs_linux_panic() {
	out=$WORK/bochs_linux_panic
	esp=$(make_esp bochs_linux_panic)
	add_linux_guest "$esp" "console=ttyS0 quiet retbleed=off hvtest.panic=1" 1 256
	boot_and_wait bochs "$esp" "$out" 2400 ""
	expect "$out" '^guest linux: init: panicking on purpose' "the guest to panic on purpose"
	expect "$out" "^hv: guest linux \\(id [0-9]+\\) crashed: the guest's kernel panicked" "the panic reported as such"
	expect "$out" '^hv: powering off' "the host to run on"
	finish_test bochs_linux_panic "$out"
}
