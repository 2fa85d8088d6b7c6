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
# tsc_early_khz: natively Linux would take the TSC rate from Bochs's CPUID
# (the model's 3.5 GHz, 35 times the real rate at ips=100000000), and every
# timed wait would last 35 times too long. Both kernels get the real rate.
CMDLINE="console=ttyS0 quiet retbleed=off tsc_early_khz=$((BOCHS_IPS / 1000)) hvtest.cpus=1 hvtest.mem_mb=256"

cp build/linux/vmlinuz build/linux/initrd.img "$out/native/esp/"
printf 'fs0:\r\n\\vmlinuz initrd=\\initrd.img %s\r\n' "$CMDLINE" >"$out/native/esp/startup.nsh"

cp -r build/esp "$out/guest/esp"
add_linux_guest "$out/guest/esp" "$CMDLINE" 1 256

# Natively the kernel halts rather than powering off (OVMF gives Bochs no
# ACPI tables): stop at the line the figure comes from.
BOCHS_MEGS=256 boot_and_wait bochs "$out/native/esp" "$out/native" 2400 'init: tsc MHz [0-9.]+' &
boot_and_wait bochs "$out/guest/esp" "$out/guest" 2400 'hv: powering off' &
wait

# A kernel's uptime counts TSC ticks at the rate it believes the TSC runs.
# Natively Linux takes that rate from Bochs's CPUID (the model's 3.5 GHz),
# as a guest from ours (the real 100 MHz), so each uptime is scaled by
# believed rate / real rate (ips) into emulated seconds.
init_field() { sed -n "s/^\(guest linux: \)\{0,1\}init: $2 \([0-9.]*\).*/\2/p" "$1/transcript.txt" | head -n 1; }
real_mhz=$((BOCHS_IPS / 1000000))
native_up=$(init_field "$out/native" uptime)
guest_up=$(init_field "$out/guest" uptime)
native_mhz=$(init_field "$out/native" "tsc MHz")
guest_mhz=$(init_field "$out/guest" "tsc MHz")
if [ -z "$native_up" ] || [ -z "$guest_up" ] || [ -z "$native_mhz" ] || [ -z "$guest_mhz" ]; then
	echo "bench: a Linux boot did not reach /init; see $out/*/transcript.txt"
	exit 1
fi
native=$(awk "BEGIN { printf \"%.2f\", $native_up * $native_mhz / $real_mhz }")
guest=$(awk "BEGIN { printf \"%.2f\", $guest_up * $guest_mhz / $real_mhz }")
echo "Debian $(cat build/linux/vmlinuz.version) to /init: kernel uptime when /init starts, and the same in"
echo "emulated seconds (uptime x the TSC rate the kernel believes / the real $real_mhz MHz):"
echo "  native under OVMF:      $native_up s at $native_mhz MHz = $native s"
echo "  as a guest of hv:       $guest_up s at $guest_mhz MHz = $guest s"
echo "  ratio guest / native:   $(awk "BEGIN { printf \"%.2f\", $guest / $native }")"
echo "Exits that cost the hypervisor the most during that boot:"
sed -n 's/^hv: guest linux: \([0-9]* [a-z-]* exits\), \([0-9]*\) ticks each.*, \([0-9]*\) in all$/  \1: \2 ticks each, \3 in all/p' \
	"$out/guest/transcript.txt"
