# The console domain, driven as an operator would over Bochs's serial
# socket. One boot serves every check (Linux takes minutes to boot here).
# Source after emu.sh, harness.sh and session.sh.

# The last "ticker: N" in the transcript since the mark.
last_tick() {
	session_since | grep -aoE 'ticker: [0-9]+' | tail -n 1 | cut -d' ' -f2
}

# Attach to the ticker, let it replay, detach; echo its last count.
ticker_count() {
	session_command "console ticker" 'ticker: [0-9]+' 60 || note_failure "console ticker showed no count"
	sleep 2
	printf '\035' >&3
	session_wait '^\[detached from ticker\]' 30 || note_failure "Ctrl-] did not leave the ticker's console"
	session_wait '^hv> $' 30
	last_tick
}

free_mib() {
	session_command "list" '^free memory: [0-9]+ MiB' 60 || note_failure "list shows no free memory"
	session_wait '^hv> $' 30
	session_since | sed -n 's/^free memory: \([0-9]*\) MiB.*/\1/p' | tail -n 1
}

t_bochs_console_session() {
	out=$WORK/bochs_console_session
	esp=$(make_esp bochs_console_session)
	cp build/linux/vmlinuz build/linux/initrd.img "$esp/EFI/hv/"
	# Two CPUs: the console domain and the spinning ticker share CPU 0
	# (pinned), Linux has CPU 1 (pinned). The ticker's 192 MiB make leaks
	# visible: 512 MiB of machine leave room for it once beside Linux, not
	# three times.
	cat >"$esp/EFI/hv/hv.cfg" <<CFG
[guest console]
kernel = console.bin
type = long
memory = 8M
role = console
autostart = yes

[guest linux]
kernel = vmlinuz
initrd = initrd.img
cmdline = "console=ttyS0 quiet retbleed=off hvtest.cpus=1 hvtest.mem_mb=128 hvtest.shell=1"
memory = 128M
cpus = $((${SESSION_CPUS:-2} - 1))
autostart = yes

[guest ticker]
kernel = ticker.bin
type = long
memory = 192M
cpus = 0
autostart = yes

[guest hostile]
kernel = hostile.bin
type = long
memory = 4M
cmdline = mgmt
autostart = yes
CFG
	port=$((20000 + RANDOM % 20000))
	if ! BOCHS_MEGS=512 session_start "$esp" "$out" "$port" "${SESSION_CPUS:-2}"; then
		note_failure "no serial session"
		session_stop
		finish_test bochs_console_session "$out"
		return
	fi
	session_wait 'hv> ' 300 || note_failure "no hv> prompt"
	# The boot's log lines (the hostile guest's refusals) may follow the
	# first prompt: once they are done, Enter gives a clean one.
	session_wait 'hv: guest hostile \(id [0-9]+\) stopped' 300 || note_failure "the hostile guest did not finish"
	for _ in 1 2 3; do
		session_command "" '^hv> $' 20 && break
	done || note_failure "Enter at the prompt gave no new prompt"

	# Bad input first: one clear line each, and the prompt comes back.
	session_command "frobnicate" "unknown command 'frobnicate'" || note_failure "an unknown command was not named"
	session_command "pause" "pause: missing argument; usage: pause ID\|NAME" || note_failure "a missing argument was not reported"
	session_command "pause nosuch" "no guest called 'nosuch'" || note_failure "an unknown guest was not reported"
	session_command "create nosuch" "create refused: no guest 'nosuch' in hv.cfg" || note_failure "create of an unknown guest"
	session_command "create ticker2 kernel=missing.bin type=long memory=4" "create refused: kernel 'missing.bin' is not among the images" || note_failure "create with a bad image name was not refused"
	session_command "create big kernel=ticker.bin type=long memory=60G" "create refused: guest 'big' needs 61440 MiB" || note_failure "create that cannot fit was not refused"
	session_command "help pause" "usage: pause ID\|NAME" || note_failure "help CMD"

	# Everybody is there.
	session_command "list" '^free memory' || note_failure "list"
	session_since | grep -aEq "^free memory: .*, ${SESSION_CPUS:-2} CPUs?$" || note_failure "list does not count the CPUs"
	for g in "console +running" "linux +running" "ticker +running"; do
		session_since | grep -aEq "^ +[0-9]+ $g" || note_failure "list does not show $g"
	done

	# The hostile guest's management calls were all refused, and it said so.
	session_command "console hostile" 'all [0-9]+ management calls refused' || note_failure "the hostile guest's calls were not all refused"
	printf '\035' >&3
	session_wait '^hv> $' 30
	session_command "list" '^free memory'
	session_since | grep -aEq "^ +[0-9]+ hostile +stopped" || note_failure "the hostile guest did not end as stopped"

	# pause stops the ticker's clock, unpause starts it again.
	session_command "pause ticker" "guest ticker \(id [0-9]+\) paused" || note_failure "pause"
	n1=$(ticker_count)
	sleep 10
	n2=$(ticker_count)
	[ -n "$n1" ] && [ "$n1" = "$n2" ] || note_failure "the paused ticker counted on ($n1 then $n2)"
	session_command "unpause ticker" "guest ticker \(id [0-9]+\) unpaused" || note_failure "unpause"
	sleep 5
	n3=$(ticker_count)
	[ -n "$n3" ] && [ -n "$n2" ] && [ "$n3" -gt "$n2" ] || note_failure "the unpaused ticker did not count on ($n2 then $n3)"
	echo "    ticker: $n1 paused, $n2 after 10 s paused, $n3 after unpause"

	# Keystrokes reach a guest's COM1.
	session_command "console ticker" 'ticker: [0-9]+'
	session_type "Z"
	session_wait 'ticker: got 5a' 30 || note_failure "a keystroke did not reach the ticker"
	printf '\035' >&3
	session_wait '^hv> $' 30

	# destroy frees the memory: re-creating it three times would not fit otherwise.
	free_before=$(free_mib)
	session_command "destroy ticker" "guest ticker \(id [0-9]+\) destroyed" || note_failure "destroy"
	for i in 1 2 3; do
		session_command "create ticker" "created guest ticker with id [0-9]+" 300 || note_failure "create number $i after destroy"
		session_command "destroy ticker" "guest ticker \(id [0-9]+\) destroyed" 300 || note_failure "destroy number $i"
	done
	# reboot: the guest starts again from its config under a new id.
	session_command "create ticker" "created guest ticker with id [0-9]+" 300 || note_failure "create before reboot"
	session_command "reboot ticker" "guest ticker \(id [0-9]+\) rebooted" 300 || note_failure "reboot"
	session_since | grep -aEq "hv: guest ticker \(id [0-9]+\) rebooted by the operator: restarting it" ||
		note_failure "the reboot was not logged"
	session_command "destroy ticker" "guest ticker \(id [0-9]+\) destroyed" 300 || note_failure "destroy after reboot"
	free_after=$(free_mib)
	[ -n "$free_before" ] && [ $((free_before + 192)) -le "$free_after" ] ||
		note_failure "destroy did not give the memory back (free $free_before MiB with the ticker, $free_after MiB without)"
	session_since | grep -aEq "^ +[0-9]+ ticker " && note_failure "list still shows the destroyed ticker"

	# top: a screen a second with each guest's exit rate, until a key.
	session_command "top" '^ +[0-9]+ linux +(running|halted) +[0-9]+\.[0-9]% +[0-9]+' 120 ||
		note_failure "top showed no line for the Linux guest"
	session_type "q"
	session_wait '^hv> $' 30 || note_failure "a key did not end top"

	# The Linux guest: its boot lines, and a command in its shell.
	session_command "console linux" 'init: starting a shell' 900 || note_failure "the Linux guest's console showed no boot lines"
	# Its own checks are the Linux boot tests' business; here a failed one
	# is reported, not judged (README "Known problems": a busybox program
	# in this guest that sometimes faults at start-up).
	session_since | grep -aq 'init: verdict PASS' ||
		echo "    note: the Linux guest's /init says: $(session_since | grep -aE '^FAIL|verdict' | tr '\n' ' ')"
	session_wait 'guest# ' 120 || note_failure "no shell prompt in the Linux guest"
	session_mark
	session_type 'echo hv-$((6*7))'
	session_enter
	session_wait '^hv-42' 120 || note_failure "the Linux shell did not run a command"
	session_mark
	printf '\035' >&3
	session_wait '^hv> $' 30 || note_failure "Ctrl-] did not return to hv>"
	session_command "info linux" 'memory map and devices' || note_failure "info"
	session_since | grep -aEq "vCPU 0: .* on CPU $((${SESSION_CPUS:-2} - 1))," ||
		note_failure "info does not show the Linux vCPU on the CPU it is pinned to"
	session_since | grep -aq "mmio 0xfee00000-0xfee00fff lapic" || note_failure "info shows no devices"
	# A snapshot of the Linux guest: after save, destroy and restore its
	# shell answers again and a file it wrote in tmpfs before the save is
	# there; a second copy restored under another name runs beside it.
	session_command "console linux" 'guest# ' 120 || note_failure "no shell prompt before the save"
	sleep 2
	session_mark
	session_type 'echo kept-$((6*7)) > /tmp/kept; echo written-$((2*3))'
	session_enter
	session_wait '^written-6' 120 || note_failure "the Linux shell did not write the file"
	printf '\035' >&3
	session_wait '^hv> $' 30
	session_command "save linux lsnap" "saved guest linux as lsnap: [0-9]+ KiB, paused [0-9]+ us" 900 ||
		note_failure "save of the Linux guest"
	echo "    $(session_since | grep -aoE 'saved guest linux as lsnap: .*')"
	session_command "destroy linux" "guest linux \(id [0-9]+\) destroyed" || note_failure "destroy before restore"
	session_command "restore lsnap" "restored lsnap as guest id [0-9]+" 900 || note_failure "restore of the Linux guest"
	for g in linux copy; do
		[ "$g" = copy ] && { session_command "restore lsnap as copy" "restored lsnap as guest id [0-9]+" 900 || note_failure "restore as copy"; }
		session_command "console $g" "\[attached to $g" 60 || note_failure "console $g after restore"
		session_mark
		session_type "cat /tmp/kept; echo $g-\$((3*3))"
		session_enter
		session_wait "^$g-9" 300 || note_failure "the restored $g's shell did not answer"
		session_since | grep -aq '^kept-42' || note_failure "the restored $g lost the file written before the save"
		printf '\035' >&3
		session_wait '^hv> $' 30
	done
	session_command "destroy copy" "guest copy \(id [0-9]+\) destroyed" || note_failure "destroy copy"
	session_command "snapshot-delete lsnap" "snapshot lsnap deleted" || note_failure "snapshot-delete lsnap"
	# shutdown presses the power button; the guest's acpid powers it off.
	session_command "shutdown linux" "guest linux \(id [0-9]+\) asked to power off" || note_failure "shutdown"
	session_wait 'hv: guest linux \(id [0-9]+\) stopped: .*S5' 300 || note_failure "the Linux guest did not power off after shutdown"
	session_command "list" '^free memory'
	session_since | grep -aEq "^ +[0-9]+ linux +stopped" || note_failure "list does not show linux stopped"
	session_command "destroy linux" "guest linux \(id [0-9]+\) destroyed" || note_failure "destroy linux"
	session_command "dmesg" 'guest linux \(id [0-9]+\) destroyed' || note_failure "dmesg"
	# poweroff ends the whole machine (UEFI ResetSystem under Bochs's OVMF).
	session_mark
	session_type "poweroff"
	session_enter
	session_wait 'hv: powering off \(asked by the operator\)' 60 || note_failure "poweroff was not logged"
	for _ in $(seq 60); do
		kill -0 "$SESSION_EMU" 2>/dev/null || break
		sleep 1
	done
	kill -0 "$SESSION_EMU" 2>/dev/null && note_failure "the machine did not power off"
	session_stop
	expect "$out" '^hv: guest hostile \(id [0-9]+\) made management hypercall 0x100: refused' "the refusals logged"
	expect_not "$out" 'was not refused|management calls were accepted' "an accepted management call"
	finish_test bochs_console_session "$out"
}
