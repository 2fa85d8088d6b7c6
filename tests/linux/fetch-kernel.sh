#!/bin/sh
# Fetches Debian's stock x86-64 kernel for the Linux guest tests: the
# versioned package linux-image-amd64 depends on, downloaded with apt-get
# download and unpacked with dpkg-deb (not installed: only its /boot is
# taken out, not the 400 MB of modules), its /boot/vmlinuz-* copied to
# OUTDIR/vmlinuz. Runs on the build host.
#
#   sh tests/linux/fetch-kernel.sh OUTDIR
#
# Prints the kernel version (e.g. 6.1.0-56-amd64). Idempotent: an existing
# OUTDIR/vmlinuz is kept, and its version is read from OUTDIR/vmlinuz.version
# or else from the image itself.
set -eu

[ $# -eq 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
out=$1
mkdir -p "$out"

if [ -s "$out/vmlinuz" ] && [ -s "$out/modules/pvpanic-mmio.ko" ] && [ -s "$out/modules/button.ko" ]; then
	if [ -s "$out/vmlinuz.version" ]; then
		cat "$out/vmlinuz.version"
	else
		# boot.rst "kernel_version": at 0x20E, the string's offset - 0x200.
		off=$(od -An -tu2 -j 526 -N 2 "$out/vmlinuz" | tr -d ' ')
		dd if="$out/vmlinuz" bs=1 skip=$((off + 512)) count=128 2>/dev/null |
			tr '\000' '\n' | head -n 1 | cut -d' ' -f1
	fi
	exit 0
fi

SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"

# The metapackage depends on exactly one linux-image-VERSION-amd64 package.
# Skip "-unsigned" and "-dbg" variants in case a mirror's lists offer them.
resolve() {
	apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: *\(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -n 1
}
pkg=$(resolve)
if [ -z "$pkg" ]; then
	echo "fetch-kernel: linux-image-amd64 unknown to apt: running apt-get update" >&2
	$SUDO apt-get update -qq
	pkg=$(resolve)
fi
[ -n "$pkg" ] || { echo "fetch-kernel: cannot resolve linux-image-amd64's kernel package" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM
# apt-get download runs as the calling user and writes to the current directory.
if ! (cd "$tmp" && apt-get download -q "$pkg" >/dev/null 2>&1); then
	echo "fetch-kernel: download of $pkg failed: running apt-get update and retrying" >&2
	$SUDO apt-get update -qq
	(cd "$tmp" && apt-get download -q "$pkg" >/dev/null)
fi
deb=$(ls "$tmp"/*.deb)
mkdir "$tmp/root"
# The kernel, and the modules the initramfs loads (Debian builds them as
# modules): pvpanic, so that a panic in the guest is reported to the
# hypervisor, and the ACPI power button with evdev, so that busybox's acpid
# powers the guest off when the operator's `shutdown` presses the button.
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp/root" --wildcards './boot/vmlinuz-*' \
	'./lib/modules/*/kernel/drivers/misc/pvpanic/pvpanic.ko' \
	'./lib/modules/*/kernel/drivers/misc/pvpanic/pvpanic-mmio.ko' \
	'./lib/modules/*/kernel/drivers/acpi/button.ko' \
	'./lib/modules/*/kernel/drivers/input/evdev.ko'
mkdir -p "$out/modules"
cp "$tmp"/root/lib/modules/*/kernel/drivers/misc/pvpanic/pvpanic.ko \
	"$tmp"/root/lib/modules/*/kernel/drivers/misc/pvpanic/pvpanic-mmio.ko \
	"$tmp"/root/lib/modules/*/kernel/drivers/acpi/button.ko \
	"$tmp"/root/lib/modules/*/kernel/drivers/input/evdev.ko "$out/modules/"

set -- "$tmp"/root/boot/vmlinuz-*
if [ $# -ne 1 ] || [ ! -f "$1" ]; then
	echo "fetch-kernel: $pkg holds no single /boot/vmlinuz-*" >&2
	exit 1
fi
version=${1##*/vmlinuz-}
cp "$1" "$out/vmlinuz.tmp"
mv "$out/vmlinuz.tmp" "$out/vmlinuz"
echo "$version" >"$out/vmlinuz.version"
echo "$version"
