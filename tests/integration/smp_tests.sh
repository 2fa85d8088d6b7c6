# Host SMP tests: the boot CPU starts the others. QEMU's OVMF gives a MADT,
# so each AP gets its own INIT-SIPI-SIPI (no VT-x there: the APs come
# online without VMX and the host then stops); OVMF under Bochs gives no
# ACPI tables, so the APs are woken by a broadcast and enter VMX operation,
# and the selftest guest must still pass. Source after harness.sh and
# vmx_tests.sh.
#
# In the Bochs boot the selftest shares the AP (CPU 1) with the hostile
# `cr8` guest, started first, which sets CR8 to 15 (a TPR that would hold
# back every interrupt of the host CPU, its kicks and its idle timer
# included, were it the real one) and spins with interrupts on for
# CR8_SPIN_MS, long enough for the selftest to run beside it: the selftest
# must still finish (its HLT check needs the CPU's idle wake-ups once the
# cr8 guest is gone), the cr8 guest must see its own CR8 and have its own
# interrupts held back by it, and the host must power off afterwards.
CR8_SPIN_MS=1000

t_qemu_smp() {
	out=$WORK/qemu_smp
	esp=$(make_esp qemu_smp)
	poweroff_cfg "$esp"
	boot_and_wait qemu "$esp" "$out" 180 "" 4
	expect "$out" '^hv: CPUs: 4 \(ACPI MADT\)' "the MADT's four CPUs"
	for n in 1 2 3; do
		expect "$out" "^hv: CPU $n online \\(APIC id [0-9]+\\)" "CPU $n to come online"
	done
	expect "$out" '^hv: 4 CPUs online' "the count of CPUs online"
	expect_not "$out" '^smp: ' "a warning from the SMP start"
	expect "$out" '^hv: VT-x not available' "the verdict on VT-x after the APs"
	expect "$out" '^hv: powering off' "an orderly power-off with the APs idle"
	expect_not "$out" 'CPU exception|panic' "a crash"
	expect_end "$out" 'exit 0'
	finish_test qemu_smp "$out"
}

t_bochs_smp() {
	out=$WORK/bochs_smp
	esp=$(make_esp bochs_smp)
	cat >"$esp/EFI/hv/hv.cfg" <<CFG
[hypervisor]
cmdline = when_done=poweroff

[guest cr8]
kernel = hostile.bin
type = long
memory = 8M
cmdline = cr8 $CR8_SPIN_MS
cpus = 1
autostart = yes

[guest selftest]
kernel = selftest.bin
type = real
memory = 16M
cpus = 1
autostart = yes
CFG
	boot_and_wait bochs "$esp" "$out" 900 "" 2
	expect "$out" '^smp: no ACPI MADT: broadcast INIT-SIPI-SIPI' "the broadcast fallback without ACPI"
	expect "$out" '^hv: CPU 1 online \(APIC id 1\)' "the AP online with VMX on"
	expect "$out" '^hv: 2 CPUs online' "the count of CPUs online"
	expect_not "$out" 'left offline|did not check in' "an AP that failed"
	expect "$out" '^hv: ready' "hv: ready"
	for c in $SELFTEST_CHECKS; do
		expect "$out" "^guest selftest: PASS $c\$" "selftest check $c to pass"
	done
	expect_not "$out" '^guest selftest: FAIL' "a failed selftest check"
	expect "$out" '^hv: guest selftest \(id [0-9]+\) stopped: shut down by the guest \(code 0\)' \
		"the selftest guest's orderly shutdown"
	expect "$out" '^hv: guests. CR8: TPR shadow' "the TPR shadow in use"
	expect "$out" '^guest cr8: hostile: cr8 reads 15, LAPIC TPR 0xf0$' "the cr8 guest to read its own CR8 back"
	expect "$out" '^guest cr8: hostile: cr8: the timer interrupt waited at CR8=15 and came at CR8=0$' \
		"an interrupt held back by CR8 and delivered once CR8 was lowered"
	expect "$out" "^guest cr8: hostile: cr8: spun $CR8_SPIN_MS ms, CR8 reads 15, 0 interrupts came\$" \
		"no interrupt while CR8 = 15"
	expect_not "$out" 'hostile: survived' "an interrupt delivered above the guest's CR8"
	expect "$out" '^hv: guest cr8 \(id [0-9]+\) stopped: shut down by the guest \(code 0\)' \
		"the cr8 guest's orderly shutdown"
	expect "$out" '^hv: powering off' "the host to power off with the AP idle"
	expect_not "$out" 'CPU exception|panic' "a host crash"
	finish_test bochs_smp "$out"
}
