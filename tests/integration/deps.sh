#!/bin/sh
# Installs the Debian packages the build, the tests and the emulator runs
# need, when any is missing. Safe to run again: it only calls apt-get when
# something is absent.
set -e

need=""
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
for p in gcc libc6-dev make binutils nasm gnu-efi mtools gdisk libcmocka-dev \
	qemu-system-x86 ovmf bochs bochsbios vgabios bochs-term; do
	have_pkg "$p" || need="$need $p"
done
[ -z "$need" ] && exit 0

echo "deps: installing:$need"
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends $need >/dev/null
