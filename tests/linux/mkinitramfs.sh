#!/bin/sh
# Builds the initramfs of the Linux guest tests: Debian's busybox-static and
# an /init that checks what the guest sees (CPU count, memory, the
# hypervisor CPUID bit, a clean dmesg, a timer that keeps time), prints one
# PASS/FAIL line per check and a verdict on the console, then powers off.
# Runs on the build host; the archive is newc cpio, gzipped, as the kernel's
# Documentation/filesystems/ramfs-rootfs-initramfs.rst asks.
#
#   sh tests/linux/mkinitramfs.sh OUTDIR    -> OUTDIR/initrd.img
#
# The guest's kernel command line tells /init what to expect:
#   hvtest.cpus=N hvtest.mem_mb=M
# and hvtest.shell=1 keeps the guest up with a shell after the verdict.
# and the transcript ends with "init: verdict PASS" or "init: verdict FAIL".
#
# busybox comes from an installed busybox-static, or else from its .deb
# fetched with apt-get download and unpacked with dpkg-deb (kept as
# OUTDIR/busybox-static for the next run). The same static binary packs the
# archive (its cpio applet), so the host needs no cpio.
set -eu

[ $# -eq 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
out=$1
mkdir -p "$out"
out=$(cd "$out" && pwd)

SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

# --- busybox ---------------------------------------------------------------
bb="$out/busybox-static"
if [ ! -x "$bb" ]; then
	if dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q "install ok installed"; then
		cp /bin/busybox "$bb.tmp"
	else
		if ! (cd "$tmp" && apt-get download -q busybox-static >/dev/null 2>&1); then
			echo "mkinitramfs: download of busybox-static failed: running apt-get update and retrying" >&2
			$SUDO apt-get update -qq
			(cd "$tmp" && apt-get download -q busybox-static >/dev/null)
		fi
		dpkg-deb -x "$tmp"/busybox-static_*.deb "$tmp/bbdeb"
		cp "$tmp/bbdeb/bin/busybox" "$bb.tmp"
	fi
	mv "$bb.tmp" "$bb"
fi
# A dynamically linked busybox would find no libc in the guest.
if command -v readelf >/dev/null 2>&1 && readelf -l "$bb" | grep -q "program interpreter"; then
	echo "mkinitramfs: $bb is not statically linked" >&2
	exit 1
fi

# --- the tree ----------------------------------------------------------------
root="$tmp/root"
mkdir -p "$root/bin" "$root/sbin" "$root/usr/bin" "$root/usr/sbin" \
	"$root/proc" "$root/sys" "$root/dev" "$root/tmp" "$root/root"
cp "$bb" "$root/bin/busybox"
here=$(dirname "$0")
cp "$here/torture.sh" "$root/bin/hvtorture"
chmod 755 "$root/bin/hvtorture"
# The register-state checker the torture run uses, static against the
# build host's glibc (libc6-dev).
${CC:-gcc} -static -O2 -Wall -Wextra -Werror -o "$root/bin/xstate_check" "$here/xstate_check.c"
# pvpanic (from tests/linux/fetch-kernel.sh): a panic is reported to the hypervisor.
mkdir -p "$root/lib/modules"
cp "$out"/modules/*.ko "$root/lib/modules/" 2>/dev/null || true
ln -s busybox "$root/bin/sh" # the kernel runs /init through its #! line
# The kernel's built-in initramfs already holds /dev/console; make our own
# too when we may, so the archive stands on its own.
if [ "$(id -u)" = 0 ]; then
	mknod -m 600 "$root/dev/console" c 5 1
fi

cat >"$root/init" <<'INIT'
#!/bin/sh
# /init of the hv Linux test guest. POSIX sh for busybox: the kernel starts
# it as PID 1 with the console as stdin/stdout; it checks the machine the
# hypervisor gives the guest and reports one line per check, then powers off.
/bin/busybox --install -s
export PATH=/sbin:/bin:/usr/sbin:/usr/bin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
echo "init: started"
for m in pvpanic pvpanic-mmio; do
	[ -f /lib/modules/$m.ko ] && insmod /lib/modules/$m.ko
done

# hvtest.panic=1: crash the kernel on purpose (the hypervisor must report it).
if grep -qw hvtest.panic=1 /proc/cmdline; then
	echo "init: panicking on purpose"
	echo c >/proc/sysrq-trigger
fi

failed=0
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }

# /proc/uptime's first field in hundredths of a second ("12.34" -> 1234);
# the fraction has two digits, and a leading 0 must not make it octal.
uptime_cs() {
	read -r up _ </proc/uptime
	echo $(( ${up%%.*} * 100 + 1${up#*.} - 100 ))
}
echo "init: uptime $(cut -d' ' -f1 /proc/uptime) s"
# The TSC rate the kernel believes in: its uptime counts on it, so a
# benchmark can turn the uptime into the machine's own time.
echo "init: tsc MHz $(dmesg | sed -n 's/.*tsc: Detected \([0-9.]*\) MHz.*/\1/p' | head -n 1)"

cpus=""
mem_mb=""
for word in $(cat /proc/cmdline); do
	case $word in
	hvtest.cpus=*) cpus=${word#*=} ;;
	hvtest.mem_mb=*) mem_mb=${word#*=} ;;
	esac
done

# CPU count: every vCPU the hypervisor started must be online.
seen=$(grep -c '^processor' /proc/cpuinfo)
case $cpus in
'' | *[!0-9]*) fail cpus "hvtest.cpus=N missing from the kernel command line (saw $seen)" ;;
*) if [ "$seen" -eq "$cpus" ]; then pass "cpus ($seen)"; else fail cpus "expected $cpus, /proc/cpuinfo has $seen"; fi ;;
esac

# Memory: MemTotal is RAM less the kernel's image and reservations, so it
# is below the guest's RAM, but not by more than a quarter plus 32 MiB
# (Debian's kernel keeps about 30 MiB for itself at 256 MiB): a wrong e820
# map loses or invents far more than that.
total_kb=$(sed -n 's/^MemTotal: *\([0-9]*\) kB$/\1/p' /proc/meminfo)
case $mem_mb in
'' | *[!0-9]*) fail memory "hvtest.mem_mb=M missing from the kernel command line (MemTotal $total_kb kB)" ;;
*)
	ram_kb=$((mem_mb * 1024))
	low_kb=$((ram_kb * 3 / 4 - 32 * 1024))
	if [ "$total_kb" -lt "$ram_kb" ] && [ "$total_kb" -gt "$low_kb" ]; then
		pass "memory (MemTotal $total_kb kB)"
	else
		fail memory "MemTotal $total_kb kB for $mem_mb MiB of RAM (expected $low_kb..$ram_kb kB)"
	fi
	;;
esac

# CPUID.1:ECX[31], shown as the "hypervisor" flag.
if grep '^flags' /proc/cpuinfo | grep -qw hypervisor; then
	pass hypervisor-flag
else
	fail hypervisor-flag "no hypervisor flag in /proc/cpuinfo"
fi

# The kernel's own complaints: "BUG: ...", "kernel BUG at", "WARNING: CPU:",
# "Oops: ..." (as words, so "DEBUG" does not count).
bad=$(dmesg | grep -E '(^|[^A-Za-z])(BUG|WARNING|Oops)([^A-Za-z]|$)' | head -n 1)
if [ -z "$bad" ]; then
	pass dmesg
else
	fail dmesg "$bad"
fi

# User space ran clean: no program of this init was killed by a fault
# (the kernel logs "NAME[PID]: segfault at ..." or a trap for each).
crash=$(dmesg | grep -E ': (segfault at|general protection fault|trap [a-z ]+ ip)' | head -n 1)
if [ -z "$crash" ]; then
	pass userspace
else
	fail userspace "$crash"
fi

# The timer: sleep 1 must wake, after about a second of the kernel's time.
t0=$(uptime_cs)
sleep 1
t1=$(uptime_cs)
d=$((t1 - t0))
secs="$((d / 100)).$((d / 10 % 10))$((d % 10))"
if [ "$d" -ge 80 ] && [ "$d" -le 150 ]; then
	pass "sleep (${secs} s)"
else
	fail sleep "sleep 1 took ${secs} s of /proc/uptime (expected 0.80..1.50)"
fi

# hvtest.torture=ROUNDS[,MIB]: the torture run (tests/linux/torture.sh) is
# one more check.
torture=""
for word in $(cat /proc/cmdline); do
	case $word in hvtest.torture=*) torture=${word#*=} ;; esac
done
if [ -n "$torture" ]; then
	if hvtorture ${torture%%,*} $(case $torture in *,*) echo ${torture#*,} ;; esac); then
		pass torture
	else
		fail torture "see the torture: lines above"
	fi
fi

if [ "$failed" -eq 0 ]; then
	echo "init: verdict PASS"
else
	echo "init: $failed check(s) failed"
	echo "init: verdict FAIL"
fi
# hvtest.shell=1: stay up with a shell on the console (the operator attaches to it).
if grep -qw hvtest.shell=1 /proc/cmdline; then
	# The ACPI power button (the operator's `shutdown`) powers off, through
	# acpid running /etc/acpi/PWRF/00000080.
	for m in evdev button; do
		[ -f /lib/modules/$m.ko ] && insmod /lib/modules/$m.ko
	done
	mkdir -p /etc/acpi/PWRF
	printf '#!/bin/sh\necho "init: power button: powering off"\npoweroff -f\n' >/etc/acpi/PWRF/00000080
	chmod 755 /etc/acpi/PWRF/00000080
	mkdir -p /var/log /var/run
	acpid -c /etc/acpi -l /var/log/acpid.log && echo "init: acpid started"
	echo "init: starting a shell on the console"
	export PS1='guest# '
	while :; do setsid cttyhack sh; done
fi
poweroff -f
# Still here: no way to power off. Stay PID 1 (exiting would panic).
echo "init: poweroff failed"
while :; do sleep 3600; done
INIT
chmod 755 "$root/init"

# --- the archive ---------------------------------------------------------------
if ! (
	cd "$root"
	find . | LC_ALL=C sort | "$bb" cpio -o -H newc -R 0:0 >"$tmp/initrd.cpio" 2>"$tmp/cpio.log"
); then
	cat "$tmp/cpio.log" >&2
	exit 1
fi
gzip -9 -n <"$tmp/initrd.cpio" >"$tmp/initrd.img"
mv "$tmp/initrd.img" "$out/initrd.img"
echo "$out/initrd.img: $(wc -c <"$out/initrd.img") bytes"
