# Snapshots driven from the console domain, judged from the guests' own
# output: memsum (tests/guests/memsum.asm) checks its memory against a
# running checksum every round and prints the round and the sum, so a
# restored guest must go on with the next round, with the same sum as the
# original printed for it, and say "ok". Source after emu.sh, harness.sh
# and session.sh.

# The "memsum: round N sum S ok" line for round N in the transcript since the mark.
memsum_line() {
	session_since | grep -aoE "memsum: round $1 sum [0-9a-f]+ ok" | head -n 1
}

# Attaches to guest $1 until its console shows round $2 or later; echoes the first round it shows.
memsum_watch() {
	session_console_until "$1" "memsum: round [0-9]+ sum" "round_at_least memsum $2"
	session_since | grep -aoE 'memsum: round [0-9]+' | head -n 1 | cut -d' ' -f3
}

# hv.cfg with the console domain on CPU 0 and memsum with $1 of RAM on CPU 1:
# memsum's state is then captured by its own CPU while a save runs on the console's.
memsum_hv_cfg() {
	console_domain_cfg
	cat <<CFG

[guest memsum]
kernel = memsum.bin
type = long
memory = $1
cpus = 1
autostart = yes
CFG
}

# Guest $1 ($2 in messages) came from memsum as it ran on: the round it
# starts with must have the same line in memsum's own console, and neither
# may have found its memory or registers changed.
agrees_with_source() {
	first=$(memsum_watch "$1" 0)
	copy_out=$(session_since)
	session_command "console memsum" "memsum: round [0-9]+ sum" 60
	sleep 5
	printf '\035' >&3
	session_wait '^hv> $' 30
	source_out=$(session_since)
	want=$(echo "$source_out" | grep -aoE "memsum: round $first sum [0-9a-f]+ ok" | head -n 1)
	got=$(echo "$copy_out" | grep -aoE "memsum: round $first sum [0-9a-f]+ ok" | head -n 1)
	echo "    $2 starts with round $first"
	[ -n "$want" ] && [ "$want" = "$got" ] || note_failure "round $first: the source said '$want', $2 '$got'"
	echo "$copy_out$source_out" | grep -aq 'memsum: FAIL' && note_failure "$2 or its source found its memory or registers changed"
}

snapshot_free_mib() {
	session_command "list" '^free memory: [0-9]+ MiB' 60 || note_failure "list shows no free memory"
	session_since | sed -n 's/^free memory: \([0-9]*\) MiB.*/\1/p' | tail -n 1
}

t_bochs_snapshot() {
	out=$WORK/bochs_snapshot
	esp=$(make_esp bochs_snapshot)
	memsum_hv_cfg 32M >"$esp/EFI/hv/hv.cfg"
	if ! BOCHS_MEGS=512 session_boot "$esp" "$out" 2; then
		finish_test bochs_snapshot "$out"
		return
	fi

	# Bad input: one line each, nothing saved.
	session_command "save" "save: missing argument; usage: save ID\|NAME SNAPSHOT \[stop\] \[method=stop\|live\]" || note_failure "save without arguments"
	session_command "save nosuch s1" "no guest called 'nosuch'" || note_failure "save of an unknown guest"
	session_command "save memsum bad/name" "save refused: a snapshot name is 1 to 31" || note_failure "a bad snapshot name"
	session_command "save memsum s1 later" "save: .later. is neither .stop. nor method=stop\|live" || note_failure "a bad third word"
	session_command "save console s0" "save refused: the console domain cannot be saved" || note_failure "save of the console domain"
	session_command "restore nosuch" "restore refused: no snapshot of that name" || note_failure "restore of an unknown snapshot"
	session_command "restore s1 into x" "restore: usage: restore SNAPSHOT \[as NEWNAME\]" || note_failure "restore with a bad word"
	session_command "snapshot-corrupt nosuch 12" "snapshot-corrupt refused: no snapshot of that name" || note_failure "corrupt of an unknown snapshot"
	session_command "snapshots" '^\(none\)' || note_failure "snapshots lists something before any save"

	memsum_watch memsum 3 >/dev/null
	free_before=$(snapshot_free_mib)
	session_command "save memsum s1" "saved guest memsum as s1: [0-9]+ KiB, paused [0-9]+ us, [0-9]+ of 8192 pages zero" 300 ||
		note_failure "save"
	line=$(session_since | grep -aoE 'saved guest memsum as s1: .*')
	echo "    $line"
	kib=$(echo "$line" | sed -n 's/.*s1: \([0-9]*\) KiB.*/\1/p')
	# 32 MiB of RAM, of which the image and memsum's 2 MiB region are not zero.
	[ -n "$kib" ] && [ "$kib" -lt 8192 ] || note_failure "the snapshot is not smaller than its RAM for the zero pages ($kib KiB)"
	session_command "snapshots" '^s1 +memsum +[0-9]+ stop' || note_failure "snapshots does not list s1"
	session_command "save memsum s1" "save refused: a snapshot of that name exists already" || note_failure "a second save under one name"

	# The original goes on after the save; what it printed (its console
	# ring holds minutes of rounds) is the reference.
	session_command "console memsum" "memsum: round [0-9]+ sum" 60
	sleep 10
	printf '\035' >&3
	session_wait '^hv> $' 30
	original=$(session_since)
	session_command "destroy memsum" "guest memsum \(id [0-9]+\) destroyed" || note_failure "destroy"

	session_command "restore s1" "restored s1 as guest id [0-9]+" 300 || note_failure "restore"
	session_command "restore s1" "restore refused: .*a guest of that name exists already" 300 || note_failure "a restore over a live name"
	first=$(memsum_watch memsum 0)
	restored=$(session_since)
	echo "    the restored guest starts with round $first"
	[ -n "$first" ] && [ "$first" -gt 3 ] || note_failure "the restored guest started over (round $first), not where it was saved"
	want=$(echo "$original" | grep -aoE "memsum: round $first sum [0-9a-f]+ ok" | head -n 1)
	got=$(echo "$restored" | grep -aoE "memsum: round $first sum [0-9a-f]+ ok" | head -n 1)
	[ -n "$want" ] && [ "$want" = "$got" ] || note_failure "round $first: the original said '$want', the restored guest '$got'"
	echo "$restored" | grep -aq 'memsum: FAIL' && note_failure "the restored guest found its memory or registers changed"

	session_command "restore s1 as memsum2" "restored s1 as guest id [0-9]+" 300 || note_failure "restore as a second name"
	first2=$(memsum_watch memsum2 0)
	copy=$(session_since)
	got2=$(echo "$copy" | grep -aoE "memsum: round $first sum [0-9a-f]+ ok" | head -n 1)
	[ "$first2" = "$first" ] && [ "$got2" = "$want" ] || note_failure "the second copy does not agree (round $first2, '$got2')"
	echo "$copy" | grep -aq 'memsum: FAIL' && note_failure "the second copy found its memory or registers changed"

	# clone: a copy that goes on from the moment of the clone, sharing the
	# source's RAM; it costs only the 2 MiB chunks either of them writes
	# (memsum's region and its stack: two).
	free_c0=$(snapshot_free_mib)
	session_command "clone console c0" "clone refused: the console domain cannot be saved" || note_failure "clone of the console domain"
	session_command "clone memsum memsum2" "clone refused: .*a guest of that name exists already" 300 || note_failure "clone over a live name"
	session_command "clone memsum mclone" "cloned guest memsum as mclone \(id [0-9]+\): paused [0-9]+ us" 300 || note_failure "clone"
	echo "    $(session_since | grep -aoE 'cloned guest memsum as mclone.*')"
	agrees_with_source mclone "the clone"
	free_c1=$(snapshot_free_mib)
	session_since | grep -aEq "^ +[0-9]+ mclone +running .*\([0-9]+ MiB shared\)" || note_failure "list does not show the clone's shared memory"
	session_command "info mclone" 'memory: [0-9]+ MiB shared copy-on-write' || note_failure "info does not show the clone's shared memory"
	echo "    free memory: $free_c0 MiB before the clone, $free_c1 MiB with it"
	[ -n "$free_c0" ] && [ -n "$free_c1" ] && [ $((free_c0 - free_c1)) -lt 16 ] ||
		note_failure "the clone of a 32 MiB guest cost $((free_c0 - free_c1)) MiB"
	session_command "destroy mclone" "guest mclone \(id [0-9]+\) destroyed" || note_failure "destroy mclone"
	free_c2=$(snapshot_free_mib)
	[ -n "$free_c2" ] && [ "$free_c2" -ge "$free_c0" ] || note_failure "destroying the clone did not give its memory back ($free_c0 then $free_c2 MiB)"

	# method=live: RAM copied while memsum runs on, its writes to pages not
	# copied yet trapped and those copied first; restored, it goes on with
	# the round after the save and the source's sum for it.
	session_command "save memsum l1 method=live" "saved guest memsum as l1: [0-9]+ KiB, paused [0-9]+ us, .*live: [0-9]+ ms in all, [0-9]+ pages trapped" 600 ||
		note_failure "save method=live"
	line=$(session_since | grep -aoE 'saved guest memsum as l1: .*')
	echo "    $line"
	# The copier comes to memsum's low pages (its stack, its region) last: its writes must have trapped some.
	trapped=$(echo "$line" | sed -n 's/.* \([0-9]*\) pages trapped.*/\1/p')
	[ -n "$trapped" ] && [ "$trapped" -gt 0 ] || note_failure "no page was trapped during the live save ($trapped)"
	session_command "snapshots" '^l1 +memsum +[0-9]+ live' || note_failure "snapshots does not list l1 as live"
	session_command "restore l1 as live1" "restored l1 as guest id [0-9]+" 300 || note_failure "restore of a live snapshot"
	agrees_with_source live1 "the guest restored from the live snapshot"
	session_command "destroy live1" "guest live1 \(id [0-9]+\) destroyed" || note_failure "destroy live1"
	session_command "snapshot-delete l1" "snapshot l1 deleted" || note_failure "snapshot-delete l1"

	# A flipped byte: the snapshot is refused, nothing is created.
	session_command "snapshot-corrupt s1 100000" "snapshot s1: byte 100000 flipped" || note_failure "snapshot-corrupt"
	session_command "restore s1 as memsum3" "restore refused: snapshot s1 is corrupt: .*checksum mismatch" 300 || note_failure "a corrupt snapshot was not refused"
	session_command "list" '^free memory'
	session_since | grep -aq ' memsum3 ' && note_failure "a guest was created from a corrupt snapshot"
	session_command "snapshot-corrupt s1 99999999999" "snapshot-corrupt refused: the offset is past the snapshot's end" || note_failure "an offset past the end"

	# Delete gives the memory back.
	session_command "destroy memsum2" "guest memsum2 \(id [0-9]+\) destroyed" || note_failure "destroy memsum2"
	session_command "snapshot-delete s1" "snapshot s1 deleted" || note_failure "snapshot-delete"
	session_command "snapshot-delete s1" "snapshot-delete: no snapshot called s1" || note_failure "a second delete"
	free_after=$(snapshot_free_mib)
	echo "    free memory: $free_before MiB before the save, $free_after MiB after deleting it"
	[ -n "$free_before" ] && [ -n "$free_after" ] && [ "$free_after" -ge "$free_before" ] ||
		note_failure "deleting the snapshot did not give its memory back ($free_before then $free_after MiB)"

	# save ... stop leaves the guest paused, as xl save does.
	session_command "save memsum s2 stop" "saved guest memsum as s2: .*, left paused" 300 || note_failure "save stop"
	session_command "list" '^free memory'
	session_since | grep -aEq "^ +[0-9]+ memsum +paused" || note_failure "save stop did not leave the guest paused"
	session_command "unpause memsum" "guest memsum \(id [0-9]+\) unpaused" || note_failure "unpause after save stop"

	session_poweroff
	# (info lists the pvpanic device: only the hypervisor's own reports count.)
	expect_not "$out" 'hv: CPU exception|hv: panic' "a host crash"
	finish_test bochs_snapshot "$out"
}
