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
	expect "$out" '^guest mb: .*PASS uart-lsr' "the UART's line status to show an idle transmitter"
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

# The guest torture run (tests/linux/torture.sh) in one boot of a two-CPU
# machine: Debian's kernel with two vCPUs on both host CPUs, and beside it
# on CPU 0 the spinning ticker, so that vCPU 0 shares its CPU (and its
# FPU, MSRs and VMCS switches) with another guest. Every pipeline, copy,
# checksum, vector register and sleep must come out right, no program may
# die of a fault, and the ticker must keep counting meanwhile.
t_bochs_linux_torture() {
	out=$WORK/bochs_linux_torture
	esp=$(make_esp bochs_linux_torture)
	add_linux_guest "$esp" "console=ttyS0 quiet retbleed=off hvtest.cpus=2 hvtest.mem_mb=256 hvtest.torture=100,24" 2 256
	cat >>"$esp/EFI/hv/hv.cfg" <<CFG
cpus = 0,1

[guest ticker]
kernel = ticker.bin
type = long
memory = 16M
cpus = 0
autostart = yes
CFG
	boot_and_wait bochs "$esp" "$out" 2700 '^hv: guest linux \(id [0-9]+\) (stopped|crashed|halted)' 2
	expect "$out" '^guest linux: torture: pipelines workers=2 pipelines=1000 bad=0$' "every pipeline's output right"
	expect "$out" '^guest linux: torture: xstate copies=4 rounds=300 bad=0$' "vector and mask registers kept"
	expect "$out" '^guest linux: torture: data mib=24 copies=2 checksums=6 mismatches=0 ' "the copies and checksums to agree"
	expect "$out" '^guest linux: torture: sleeps=3 off=0$' "the sleeps on time"
	expect "$out" '^guest linux: torture: cpus start=2 now=2 ' "no CPU lost"
	expect "$out" '^guest linux: torture: faults=0$' "no program killed by a fault"
	expect "$out" '^guest linux: torture: verdict PASS' "the torture verdict"
	expect "$out" '^guest linux: PASS userspace' "the /init userspace check"
	expect "$out" '^guest linux: init: verdict PASS' "the guest's verdict"
	expect "$out" '^hv: guest linux \(id [0-9]+\) stopped: powered off through ACPI \(S5\)' \
		"the guest's orderly ACPI power-off"
	ticks=$(grep -aoE '^guest ticker: ticker: [0-9]+' "$out/transcript.txt" | tail -n 1 | grep -oE '[0-9]+$')
	echo "    ticker counted to ${ticks:-nothing} beside the torture"
	[ "${ticks:-0}" -ge 50 ] || note_failure "expected the ticker beside Linux to keep counting (it reached ${ticks:-nothing})"
	expect_not "$out" 'CPU exception|panic' "a host crash"
	grep -a '^guest linux: torture: ' "$out/transcript.txt" | grep -v 'worker\|kernel:' | sed 's/^/    | /'
	finish_test bochs_linux_torture "$out"
}
