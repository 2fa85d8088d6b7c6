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
