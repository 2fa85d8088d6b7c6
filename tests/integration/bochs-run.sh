#!/bin/sh
# Interactive Bochs run (VT-x with EPT) with the hypervisor's serial console
# on this terminal. Without a terminal (a pipe, CI) the transcript is
# followed instead. Bochs's own log goes to build/run/bochs.log.
#   bochs-run.sh interactive ESP [CPUS]
set -e
. "$(dirname "$0")/emu.sh"
esp=$2
cpus=${3:-1}
out=build/run
mkdir -p "$out"
rm -f "$out/vvfat.redolog"
if tty -s; then
	bochs_config "$esp" "$out" "term:$(tty)" "$cpus"
	echo "Bochs: firmware takes about 20 s before the loader speaks; Ctrl-C then 'q' quits."
	exec bochs -q -f "$out/bochsrc" -rc "$out/bochs.rc"
fi
: >"$out/serial.log"
bochs_config "$esp" "$out" "$out/serial.log" "$cpus"
bochs -q -f "$out/bochsrc" -rc "$out/bochs.rc" >"$out/emulator.out" 2>&1 </dev/null &
pid=$!
tail -f "$out/serial.log" &
tail_pid=$!
wait $pid || true
kill $tail_pid
