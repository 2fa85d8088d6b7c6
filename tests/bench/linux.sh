#!/bin/bash
# `make bench`, part two: Debian's kernel to its initramfs's /init, booted
# twice in the same Bochs configuration at once (one core each): natively
# by OVMF (through the UEFI shell's startup.nsh) and as a guest of the
# hypervisor. Each /init prints the kernel's own uptime when it starts;
# both kernels count it on a TSC that runs at one tick per emulated
# instruction (ips=100000000), so the two figures are emulated seconds
# from kernel entry to /init and their ratio is the hypervisor's cost.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/emu.sh

out=build/bench-linux
rm -rf "$out"
mkdir -p "$out/native/esp" "$out/guest"
CMDLINE="console=ttyS0 quiet retbleed=off hvtest.cpus=1 hvtest.mem_mb=256"

cp build/linux/vmlinuz build/linux/initrd.img "$out/native/esp/"
printf 'fs0:\r\n\\vmlinuz initrd=\\initrd.img %s\r\n' "$CMDLINE" >"$out/native/esp/startup.nsh"

cp -r build/esp "$out/guest/esp"
cp build/linux/vmlinuz build/linux/initrd.img "$out/guest/esp/EFI/hv/"
cat >"$out/guest/esp/EFI/hv/hv.cfg" <<CFG
[hypervisor]
cmdline = when_done=poweroff

[guest linux]
kernel = vmlinuz
initrd = initrd.img
cmdline = "$CMDLINE"
memory = 256M
autostart = yes
CFG

# Natively the kernel halts rather than powering off (OVMF gives Bochs no
# ACPI tables): stop at the line the figure comes from.
BOCHS_MEGS=256 boot_and_wait bochs "$out/native/esp" "$out/native" 2400 'init: uptime [0-9.]+ s' &
boot_and_wait bochs "$out/guest/esp" "$out/guest" 2400 'hv: powering off' &
wait

uptime_at_init() { sed -n 's/^\(guest linux: \)\{0,1\}init: uptime \([0-9.]*\) s$/\2/p' "$1/transcript.txt" | head -n 1; }
native=$(uptime_at_init "$out/native")
guest=$(uptime_at_init "$out/guest")
if [ -z "$native" ] || [ -z "$guest" ]; then
	echo "bench: a Linux boot did not reach /init (native: '${native}', guest: '${guest}'); see $out/*/transcript.txt"
	exit 1
fi
echo "Debian $(cat build/linux/vmlinuz.version) to /init (kernel uptime when /init starts, emulated seconds):"
echo "  native under OVMF:      $native s"
echo "  as a guest of hv:       $guest s"
echo "  ratio guest / native:   $(awk "BEGIN { printf \"%.2f\", $guest / $native }")"
echo "Exits that cost the hypervisor the most during that boot:"
sed -n 's/^hv: guest linux: \([0-9]* [a-z-]* exits\), \([0-9]*\) ticks each.*, \([0-9]*\) in all$/  \1: \2 ticks each, \3 in all/p' \
	"$out/guest/transcript.txt"
