# A scripted operator on Bochs's serial socket (com1 mode=socket-server):
# bash's /dev/tcp, so nothing to install. Source after emu.sh.
#
#   session_start ESP OUT PORT [CPUS]  boot Bochs with COM1 on localhost:PORT
#                                      and connect; the transcript grows in
#                                      OUT/serial.log
#   session_type TEXT                  type TEXT (printf escapes allowed)
#                                      a byte at a time, as a person would
#   session_mark                       remember where the transcript is
#   session_wait REGEX SECS            wait until REGEX appears after the mark
#                                      (returns 1 on timeout)
#   session_since                      the transcript after the mark, clean
#   session_stop                       close the line, stop Bochs, write
#                                      OUT/transcript.txt
#   session_boot ESP OUT CPUS          session_start on a random port, then
#                                      the hv> prompt; 1 (noted) without a session
#   session_poweroff                   poweroff, the emulator's end, session_stop
#   session_console_until NAME REGEX CHECK
#                                      `console NAME` until REGEX shows and
#                                      CHECK (a command reading the transcript
#                                      since on stdin) succeeds, then Ctrl-]
#   round_at_least PREFIX N            CHECK: the last "PREFIX: round M" has M >= N
#   console_domain_cfg                 hv.cfg's console domain section, on CPU 0

# Between typed bytes: long enough that the 16-byte FIFO of the emulated
# UART never overflows while the hypervisor polls it once a time slice.
TYPE_DELAY=${TYPE_DELAY:-0.03}

session_start() {
	# A write to a line Bochs has closed must fail, not kill the test (SIGPIPE).
	trap '' PIPE
	SESSION_OUT=$2
	mkdir -p "$SESSION_OUT"
	rm -f "$SESSION_OUT/vvfat.redolog"
	: >"$SESSION_OUT/serial.log"
	bochs_config "$1" "$SESSION_OUT" "socket:$3" "${4:-1}"
	bochs -q -f "$SESSION_OUT/bochsrc" -rc "$SESSION_OUT/bochs.rc" \
		>"$SESSION_OUT/emulator.out" 2>&1 </dev/null &
	SESSION_EMU=$!
	for _ in $(seq 60); do
		if { exec 3<>"/dev/tcp/127.0.0.1/$3"; } 2>/dev/null; then
			cat <&3 >>"$SESSION_OUT/serial.log" &
			SESSION_READER=$!
			SESSION_MARK=0
			return 0
		fi
		kill -0 "$SESSION_EMU" 2>/dev/null || break
		sleep 1
	done
	echo "session: cannot connect to Bochs's serial socket on port $3" >&2
	return 1
}

session_type() {
	text=$(printf "$1")
	i=0
	while [ $i -lt ${#text} ]; do
		printf '%s' "${text:$i:1}" >&3
		sleep "$TYPE_DELAY"
		i=$((i + 1))
	done
}

# Enter is typed separately: $(...) above would eat a trailing newline.
session_enter() {
	printf '\r' >&3
	sleep "$TYPE_DELAY"
}

session_mark() {
	SESSION_MARK=$(stat -c %s "$SESSION_OUT/serial.log")
}

session_since() {
	tail -c +$((SESSION_MARK + 1)) "$SESSION_OUT/serial.log" | tr -d '\r' |
		sed 's/\x1b\[[0-9;?=]*[A-Za-z]//g'
}

session_wait() {
	waited=0
	while ! session_since | grep -aEq "$1"; do
		[ "$waited" -ge "$2" ] && return 1
		kill -0 "$SESSION_EMU" 2>/dev/null || return 1
		sleep 1
		waited=$((waited + 1))
	done
	return 0
}

# A command at the prompt: mark, type it, Enter, wait for the next prompt.
session_command() {
	session_mark
	session_type "$1"
	session_enter
	session_wait "${2:-^hv> $}" "${3:-60}"
}

session_stop() {
	exec 3>&-
	kill "$SESSION_EMU" "$SESSION_READER" 2>/dev/null
	wait "$SESSION_EMU" "$SESSION_READER" 2>/dev/null
	tr -d '\r' <"$SESSION_OUT/serial.log" | sed 's/\x1b\[[0-9;?=]*[A-Za-z]//g' \
		>"$SESSION_OUT/transcript.txt"
}

# A session up to the hv> prompt (harness.sh's note_failure for what is missing).
session_boot() {
	if ! session_start "$1" "$2" $((20000 + RANDOM % 20000)) "$3"; then
		note_failure "no serial session"
		session_stop
		return 1
	fi
	session_wait 'hv> ' 300 || note_failure "no hv> prompt"
	for _ in 1 2 3; do
		session_command "" '^hv> $' 20 && break
	done
	return 0
}

session_poweroff() {
	session_mark
	session_type "poweroff"
	session_enter
	for _ in $(seq 60); do
		kill -0 "$SESSION_EMU" 2>/dev/null || break
		sleep 1
	done
	session_stop
}

session_console_until() {
	session_command "console $1" "$2" 120 || note_failure "console $1 showed nothing like '$2'"
	for _ in $(seq 240); do
		session_since | eval "$3" && break
		sleep 1
	done
	printf '\035' >&3
	session_wait '^hv> $' 30 || note_failure "Ctrl-] did not leave $1's console"
}

round_at_least() {
	last=$(grep -aoE "$1: round [0-9]+" | tail -n 1 | cut -d' ' -f3)
	[ -n "$last" ] && [ "$last" -ge "$2" ]
}

# hv.cfg's section for the console domain, pinned to CPU 0.
console_domain_cfg() {
	cat <<CFG
[guest console]
kernel = console.bin
type = long
memory = 8M
role = console
cpus = 0
autostart = yes
CFG
}
