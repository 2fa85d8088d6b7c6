#!/bin/bash
# Runs every integration test against the built ESP (make all first).
# QEMU tests run one after another (they take seconds); Bochs tests, which
# take minutes each on one core, run two at a time beside them.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/emu.sh
. tests/integration/harness.sh
. tests/integration/boot_tests.sh
. tests/integration/vmx_tests.sh
. tests/integration/pc_tests.sh
. tests/integration/smp_tests.sh
. tests/integration/session.sh
. tests/integration/console_tests.sh
. tests/integration/snapshot_tests.sh
. tests/integration/vmctl_tests.sh

rm -rf "$WORK"
mkdir -p "$WORK"
: >"$RESULTS"

# Longest first: the two Linux boots take minutes each.
BOCHS_TESTS="t_bochs_linux_torture t_bochs_console_session t_bochs_linux_2cpu t_bochs_linux_1cpu t_bochs_linux_panic t_bochs_snapshot t_bochs_vmctl t_bochs_guests t_bochs_smp t_bochs_ready
	t_bochs_multiboot t_bochs_entry_failure t_bochs_guest_reboot t_bochs_console_self"
QEMU_TESTS="t_qemu_no_vtx t_qemu_smp t_loader_missing_kernel t_loader_bad_config t_loader_missing_image
	t_loader_corrupt_elf t_loader_no_memory t_qemu_exception_report"

# Bochs tests in the background, at most two at once (one per core; the
# QEMU tests are short and overlap them).
(
	for t in $BOCHS_TESTS; do
		while [ "$(jobs -rp | wc -l)" -ge 2 ]; do
			wait -n
		done
		$t &
	done
	wait
) &
bochs_jobs=$!

for t in $QEMU_TESTS; do
	$t
done
wait $bochs_jobs
# A test that died before recording its verdict is a failure, not a gap.
for t in $BOCHS_TESTS $QEMU_TESTS; do
	grep -q "^[A-Z]* ${t#t_}\$" "$RESULTS" || echo "FAIL ${t#t_} (ended without a verdict)" >>"$RESULTS"
done
summary
