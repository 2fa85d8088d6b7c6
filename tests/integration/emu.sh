# Emulator launchers shared by `make run*`, the integration tests and the
# benchmarks. Source this file; it defines:
#
#   bochs_config ESP OUTDIR SERIAL [CPUS]   write OUTDIR/bochsrc (SERIAL: a
#                                           file path, "term:/dev/pts/N", or
#                                           "socket:PORT" for a TCP server)
#   qemu_args ESP                           QEMU TCG + OVMF arguments
#   boot_and_wait EMU ESP OUTDIR TIMEOUT UNTIL [CPUS]
#       boots ESP under EMU (qemu|bochs) with CPUS processors (default 1)
#       and the serial port in
#       OUTDIR/serial.log, and returns when the emulator exits, when UNTIL
#       (an extended regex) appears in the transcript, or after TIMEOUT
#       seconds, whichever comes first; the emulator is then stopped.
#       OUTDIR/end says which: "exit N", "matched" or "timeout".
#   add_linux_guest ESP CMDLINE VCPUS MEM_MB
#       puts Debian's kernel and the test initramfs (build/linux/) on ESP and
#       writes an hv.cfg that starts them as guest "linux" and powers the
#       machine off when the guest is done.

OVMF_FD=/usr/share/ovmf/OVMF.fd
BOCHS_IPS=${BOCHS_IPS:-100000000}

bochs_config() {
	esp=$(cd "$1" && pwd)
	out=$2
	serial=$3
	cpus=${4:-1}
	case "$serial" in
	term:*) com1="com1: enabled=1, mode=term, dev=${serial#term:}" ;;
	socket:*) com1="com1: enabled=1, mode=socket-server, dev=localhost:${serial#socket:}" ;;
	*) com1="com1: enabled=1, mode=file, dev=$serial" ;;
	esac
	cat >"$out/bochsrc" <<CFG
megs: ${BOCHS_MEGS:-1024}
romimage: file=$OVMF_FD
vgaromimage: file=/usr/share/bochs/VGABIOS-lgpl-latest
cpu: model=corei7_skylake_x, count=$cpus, ips=$BOCHS_IPS, reset_on_triple_fault=0
display_library: rfb, options="timeout=0"
$com1
port_e9_hack: enabled=1
log: $out/bochs.log
panic: action=fatal
error: action=report
info: action=ignore
pci: enabled=1, chipset=i440fx
clock: sync=none, time0=1700000000
ata0: enabled=1, ioaddr1=0x1f0, ioaddr2=0x3f0, irq=14
ata0-master: type=disk, path=$esp, mode=vvfat, journal=$out/vvfat.redolog
boot: disk
CFG
	echo c >"$out/bochs.rc"
}

qemu_args() {
	echo "-machine q35 -m ${QEMU_MEM:-1024} -bios $OVMF_FD -drive format=raw,file=fat:rw:$1 -net none -no-reboot"
}

# Starts the emulator in the background; sets EMU_PID.
start_emulator() {
	emu=$1 esp=$2 out=$3 cpus=$4
	rm -f "$out/serial.log" "$out/end" "$out/vvfat.redolog"
	: >"$out/serial.log"
	case "$emu" in
	qemu)
		# shellcheck disable=SC2046
		qemu-system-x86_64 $(qemu_args "$esp") -smp "$cpus" -display none \
			-serial file:"$out/serial.log" >"$out/emulator.out" 2>&1 </dev/null &
		;;
	bochs)
		bochs_config "$esp" "$out" "$out/serial.log" "$cpus"
		bochs -q -f "$out/bochsrc" -rc "$out/bochs.rc" >"$out/emulator.out" 2>&1 </dev/null &
		;;
	*) echo "unknown emulator $emu" >&2; return 2 ;;
	esac
	EMU_PID=$!
}

boot_and_wait() {
	emu=$1 esp=$2 out=$3 timeout=$4 until=$5 cpus=${6:-1}
	mkdir -p "$out"
	start_emulator "$emu" "$esp" "$out" "$cpus" || return 2
	waited=0
	while :; do
		if ! kill -0 "$EMU_PID" 2>/dev/null; then
			wait "$EMU_PID"
			echo "exit $?" >"$out/end"
			break
		fi
		if [ -n "$until" ] && grep -aEq "$until" "$out/serial.log"; then
			echo matched >"$out/end"
			break
		fi
		if [ "$waited" -ge "$timeout" ]; then
			echo timeout >"$out/end"
			break
		fi
		sleep 1
		waited=$((waited + 1))
	done
	kill "$EMU_PID" 2>/dev/null
	wait "$EMU_PID" 2>/dev/null
	# The transcript without carriage returns and terminal escapes, for grep.
	tr -d '\r' <"$out/serial.log" | sed 's/\x1b\[[0-9;?=]*[A-Za-z]//g' >"$out/transcript.txt"
	return 0
}

add_linux_guest() {
	cp build/linux/vmlinuz build/linux/initrd.img "$1/EFI/hv/"
	cat >"$1/EFI/hv/hv.cfg" <<CFG
[hypervisor]
cmdline = when_done=poweroff

[guest linux]
kernel = vmlinuz
initrd = initrd.img
cmdline = "$2"
memory = $4M
vcpus = $3
autostart = yes
CFG
}
