#!/bin/sh
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

rm -rf "$WORK"
mkdir -p "$WORK"
: >"$RESULTS"

BOCHS_TESTS="t_bochs_ready t_bochs_guests t_bochs_entry_failure t_bochs_multiboot"
QEMU_TESTS="t_qemu_no_vtx t_loader_missing_kernel t_loader_bad_config t_loader_missing_image
	t_loader_corrupt_elf t_loader_no_memory t_qemu_exception_report"

# Bochs tests in the background, at most two at once.
(
	running=0
	for t in $BOCHS_TESTS; do
		$t &
		running=$((running + 1))
		if [ "$running" -ge 2 ]; then
			wait
			running=0
		fi
	done
	wait
) &
bochs_jobs=$!

for t in $QEMU_TESTS; do
	$t
done
wait $bochs_jobs
summary
