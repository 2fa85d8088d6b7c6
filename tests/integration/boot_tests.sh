# Boot-foundation tests: the loader's handling of bad input (QEMU, fast), the
# kernel's verdict on a CPU without VT-x (QEMU TCG), and a full boot to
# `hv: ready` on a VT-x CPU (Bochs). Source after harness.sh; each t_* is
# one test.

# An hv.cfg that makes the hypervisor power off when it is done, so a run
# ends by itself.
poweroff_cfg() {
	cat >"$1/EFI/hv/hv.cfg" <<CFG
[hypervisor]
log_level = info
cmdline = when_done=poweroff
CFG
}

# QEMU boots of the loader stop once it says it returns to the firmware.
LOADER_GAVE_UP='returning to the firmware'

# loader_refuses NAME PREPARE REGEX WHAT: copies the ESP, lets the function
# PREPARE break it, boots it under QEMU and expects the loader's message.
loader_refuses() {
	name=$1
	out=$WORK/$name
	esp=$(make_esp "$name")
	$2 "$esp"
	boot_and_wait qemu "$esp" "$out" 180 "$LOADER_GAVE_UP"
	expect "$out" "$3" "$4"
	expect_end "$out" matched
	finish_test "$name" "$out"
}

no_kernel() { rm "$1/EFI/hv/hvkernel.elf"; }
bad_config_line() { printf '[hypervisor]\nlog_level = info\nmemory 256\n' >"$1/EFI/hv/hv.cfg"; }
absent_image() { printf '[hypervisor]\n\n[guest linux]\nkernel = vmlinuz-absent\nmemory = 128M\n' >"$1/EFI/hv/hv.cfg"; }
# Keep the ELF magic but claim a 32-bit class.
elf32_kernel() { printf '\001' | dd of="$1/EFI/hv/hvkernel.elf" bs=1 seek=4 conv=notrunc 2>/dev/null; }
huge_image() {
	printf '[hypervisor]\n\n[guest big]\nkernel = big.img\n' >"$1/EFI/hv/hv.cfg"
	truncate -s 300M "$1/EFI/hv/big.img"
}

t_loader_missing_kernel() {
	loader_refuses loader_missing_kernel no_kernel \
		'hvloader: error: cannot load the kernel .EFI.hv.hvkernel.elf: not found' "the missing-kernel message"
}

t_loader_bad_config() {
	loader_refuses loader_bad_config bad_config_line \
		"hvloader: error: hv.cfg:3: .*'='" "the file, line number and what was expected"
}

t_loader_missing_image() {
	loader_refuses loader_missing_image absent_image \
		"hvloader: error: hv.cfg:3: guest 'linux': kernel=vmlinuz-absent: not found" "the missing-image message"
}

t_loader_corrupt_elf() {
	loader_refuses loader_corrupt_elf elf32_kernel \
		'hvloader: error: .EFI.hv.hvkernel.elf is not a valid kernel: .*64' "the corrupt-ELF message"
}

t_loader_no_memory() {
	QEMU_MEM=256 loader_refuses loader_no_memory huge_image \
		"hvloader: error: hv.cfg:3: guest 'big': kernel=big.img: not enough memory" "the out-of-memory message"
}

t_qemu_no_vtx() {
	out=$WORK/qemu_no_vtx
	esp=$(make_esp qemu_no_vtx)
	poweroff_cfg "$esp"
	boot_and_wait qemu "$esp" "$out" 180 ""
	expect "$out" '^hv: hypervisor ' "the banner"
	expect "$out" '^hv: 1 CPU online' "the boot CPU alone"
	expect "$out" '^hv: VT-x not available: CPUID reports no VMX' "one clear line naming the reason"
	expect "$out" '^hv: powering off' "an orderly power-off"
	expect_not "$out" 'CPU exception|panic' "a crash"
	expect_not "$out" '^hv: ready' "a ready hypervisor without VT-x"
	expect_end "$out" 'exit 0'
	finish_test qemu_no_vtx "$out"
}

t_bochs_ready() {
	out=$WORK/bochs_ready
	esp=$(make_esp bochs_ready)
	poweroff_cfg "$esp"
	boot_and_wait bochs "$esp" "$out" 600 ""
	expect "$out" '^hv: hypervisor ' "the banner"
	expect "$out" '^hv: CPU: .*GenuineIntel' "the CPU model"
	expect "$out" '^hv: memory: [0-9]+ MiB RAM' "the memory size"
	expect "$out" '^hv: CPUs: 1 ' "the CPU count"
	expect "$out" '^smp: no ACPI MADT: broadcast' "the broadcast fallback without ACPI"
	expect "$out" '^hv: 1 CPU online' "no AP on a one-CPU machine"
	expect "$out" '^hv: VT-x: .*EPT yes.*VPID yes, unrestricted guest yes, preemption timer yes' "the VT-x capabilities"
	expect "$out" '^hv: ready' "hv: ready"
	expect "$out" '^hv: powering off' "an orderly power-off"
	expect_not "$out" 'CPU exception|panic' "a crash"
	grep -q 'soft power off' "$out/bochs.log" "$out/emulator.out" 2>/dev/null ||
		note_failure "Bochs did not report an ACPI soft power-off"
	finish_test bochs_ready "$out"
}

t_qemu_exception_report() {
	out=$WORK/qemu_exception_report
	esp=$(make_esp qemu_exception_report)
	printf '[hypervisor]\ncmdline = crash=page_fault\n' >"$esp/EFI/hv/hv.cfg"
	boot_and_wait qemu "$esp" "$out" 120 'hv: CPU halted'
	expect "$out" '^hv: CPU exception 14: page fault \(#PF\), error code 0x2, on CPU 0' "vector and error code (a write to a page not present)"
	expect "$out" '^  RIP ffffffff8[0-9a-f]+  CS 0008' "RIP in the kernel"
	expect "$out" '^  RSP [0-9a-f]+  SS [0-9a-f]+  CR2 ffffffff8[0-9a-f]+000' "CR2 at the guard page"
	expect "$out" '^  RAX [0-9a-f]{16}  RBX' "the register dump"
	expect "$out" '^hv: CPU halted' "a clean halt"
	expect_not "$out" 'fault while reporting' "a recursive fault"
	expect_end "$out" matched
	finish_test qemu_exception_report "$out"
}
