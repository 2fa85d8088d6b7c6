#!/bin/bash
# `make bench`, part three: a stop-and-copy snapshot of a 256 MiB guest,
# saved from the console domain in Bochs, and a clone of it (the source's
# pause while its vCPU and devices are copied, its RAM turns read-only and
# the clone is created). The guest is memsum
# (tests/guests/memsum.asm: it keeps writing a 2 MiB region, the rest of
# its RAM stays zero), on its own CPU beside the console's. The pause is
# the hypervisor's own TSC measurement from pausing the guest to letting it
# go on, in emulated time (the TSC runs at ips); the size is the
# snapshot's stream.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/emu.sh
. tests/integration/harness.sh
. tests/integration/session.sh
. tests/integration/snapshot_tests.sh

out=build/bench-snapshot
rm -rf "$out"
mkdir -p "$out"
cp -r build/esp "$out/esp"
memsum_hv_cfg 256M >"$out/esp/EFI/hv/hv.cfg"
port=$((20000 + RANDOM % 20000))
if ! BOCHS_MEGS=1024 session_start "$out/esp" "$out" "$port" 2; then
	echo "bench: snapshot: no serial session"
	exit 1
fi
session_wait 'hv> ' 300
for _ in 1 2 3; do
	session_command "" '^hv> $' 20 && break
done
session_command "console memsum" 'memsum: round [0-9]+ sum' 120
printf '\035' >&3
session_wait '^hv> $' 30
session_command "save memsum b1" 'saved guest memsum as b1: [0-9]+ KiB, paused [0-9]+ us' 600
line=$(session_since | grep -aoE 'saved guest memsum as b1: [0-9]+ KiB, paused [0-9]+ us, [0-9]+ of [0-9]+ pages zero')
session_command "save memsum b2 method=live" 'saved guest memsum as b2: [0-9]+ KiB, paused [0-9]+ us, .*live: [0-9]+ ms in all' 600
live=$(session_since | grep -aoE 'saved guest memsum as b2: .*trapped')
session_command "clone memsum c1" 'cloned guest memsum as c1 \(id [0-9]+\): paused [0-9]+ us' 600
clone=$(session_since | grep -aoE 'cloned guest memsum as c1 \(id [0-9]+\): paused [0-9]+ us')
session_command "list" '^free memory'
shared=$(session_since | grep -aE '^ +[0-9]+ c1 ')
session_type "poweroff"
session_enter
sleep 5
session_stop
if [ -z "$line" ]; then
	echo "bench: snapshot: the save did not report; see $out/transcript.txt"
	exit 1
fi
kib=$(echo "$line" | sed -n 's/.*b1: \([0-9]*\) KiB.*/\1/p')
us=$(echo "$line" | sed -n 's/.*paused \([0-9]*\) us.*/\1/p')
echo "snapshot of a 256 MiB memsum guest ($line)"
echo "bench: snapshot method=stop mem=256M pause_us=$us size_mib=$(( (kib + 1023) / 1024 ))"
if [ -n "$live" ]; then
	lkib=$(echo "$live" | sed -n 's/.*b2: \([0-9]*\) KiB.*/\1/p')
	lus=$(echo "$live" | sed -n 's/.*paused \([0-9]*\) us.*/\1/p')
	echo "live snapshot of the same guest ($live)"
	echo "bench: snapshot method=live mem=256M pause_us=$lus size_mib=$(( (lkib + 1023) / 1024 ))"
else
	echo "bench: snapshot method=live: the save did not report; see $out/transcript.txt"
fi
if [ -z "$clone" ]; then
	echo "bench: clone: the clone did not report; see $out/transcript.txt"
	exit 1
fi
echo "clone of the same guest ($clone; list: $shared)"
echo "bench: clone mem=256M us=$(echo "$clone" | sed -n 's/.*paused \([0-9]*\) us.*/\1/p')"
