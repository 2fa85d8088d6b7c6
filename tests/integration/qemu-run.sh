#!/bin/sh
# Interactive QEMU runs with the serial console on this terminal.
#   qemu-run.sh interactive ESP   QEMU TCG + OVMF (no VT-x: the kernel says so)
#   qemu-run.sh kvm ESP           QEMU/KVM with the host CPU, for Intel hosts
#                                 with nested VT-x (kvm_intel nested=1)
set -e
. "$(dirname "$0")/emu.sh"
mode=$1
esp=$2
case "$mode" in
interactive)
	# shellcheck disable=SC2046
	exec qemu-system-x86_64 $(qemu_args "$esp") -nographic
	;;
kvm)
	if [ ! -w /dev/kvm ]; then
		echo "run-kvm: /dev/kvm is missing or not writable" >&2
		exit 1
	fi
	if ! grep -q vmx /proc/cpuinfo; then
		echo "run-kvm: this host has no VT-x (an AMD or a non-nested host); use 'make run' (Bochs)" >&2
		exit 1
	fi
	# shellcheck disable=SC2046
	exec qemu-system-x86_64 $(qemu_args "$esp") -enable-kvm -cpu host,+vmx -smp 2 -nographic
	;;
*)
	echo "usage: $0 interactive|kvm ESP" >&2
	exit 2
	;;
esac
