#!/bin/sh
# `make bench`: exit-path figures under Bochs. One boot runs the bench guest
# (tests/guests/bench.asm), which times CPUID, VMCALL and port-I/O round
# trips with RDTSC; with ips=100000000 and clock sync=none one TSC tick is
# one emulated instruction, so the figures are instruction counts and
# repeat exactly. The same boot logs how many ticks the hypervisor itself
# spent per exit (from VM exit to the next VM entry), which splits each
# round trip into hardware transition cost and our handler.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/emu.sh

out=build/bench
rm -rf "$out"
mkdir -p "$out"
cp -r build/esp "$out/esp"
cat >"$out/esp/EFI/hv/hv.cfg" <<CFG
[hypervisor]
cmdline = when_done=poweroff

[guest bench]
kernel = bench.bin
type = long
memory = 4M
autostart = yes
CFG
boot_and_wait bochs "$out/esp" "$out" 900 ""
t="$out/transcript.txt"
if ! grep -q '^guest bench: bench: vmcall' "$t"; then
	echo "bench: the bench guest did not report; transcript: $t"
	tail -n 20 "$t"
	exit 1
fi

figure() { sed -n "s/^guest bench: bench: $1 \([0-9]*\) ticks.*/\1/p" "$t" | head -n 1; }
# The fastest handling of each exit reason: the handler's own path, free of
# the console writes that print these results.
handler() { sed -n "s/^hv: guest bench: [0-9]* $1 exits, .*(fastest \([0-9]*\)).*/\1/p" "$t" | head -n 1; }

empty=$(figure empty-loop)
echo "Exit-path round trips under Bochs (ticks = emulated instructions, 10000 iterations each):"
printf '%-8s %12s %24s %26s\n' exit "round trip" "in the hypervisor" "VMX transitions + guest"
for pair in cpuid:cpuid vmcall:vmcall pio-in:io; do
	name=${pair%%:*}
	reason=${pair#*:}
	total=$(figure "$name")
	hv=$(handler "$reason")
	rest=$((total - empty - ${hv:-0}))
	printf '%-8s %12s %24s %26s\n' "$name" "$total" "${hv:-?}" "$rest"
done
echo "(the guest's loop itself costs $empty ticks per iteration, included in each round trip)"
