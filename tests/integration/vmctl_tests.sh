# `vmctl` driven from the console domain, judged from the guests' own
# output: the traps guest (tests/guests/traps.asm) runs, every round, each
# instruction and exception vmctl can trap and checks that it did what the
# CPU does, then prints "traps: round R ... rdtsc T ... ok" (T: ticks per
# RDTSC) or "traps: FAIL round R: what". Turning the exits and traps on
# must leave every round ok, make RDTSC slower and the traps counted;
# turning them off must take that away. A second traps guest gets its
# settings from hv.cfg's vmctl key. Every refusal gets its one line and
# changes nothing. Source after emu.sh, harness.sh and session.sh.

# Attaches to guest $1 until the CHECK $2 holds (session_console_until);
# leaves what it showed in TRAPS_OUT and the last round in TRAPS_LAST.
traps_watch_until() {
	session_console_until "$1" "traps: round [0-9]+" "$2"
	TRAPS_OUT=$(session_since)
	TRAPS_LAST=$(echo "$TRAPS_OUT" | grep -aoE 'traps: round [0-9]+' | tail -n 1 | cut -d' ' -f3)
}

# ... until its console shows round $2 or later.
traps_watch() {
	traps_watch_until "$1" "round_at_least traps $2"
}

# Notes a failure if a round after $1 in TRAPS_OUT failed, showing the first three.
traps_no_fail() {
	lines=$(traps_after "$1")
	echo "$lines" | grep -a 'FAIL' | head -n 3 | sed 's/^/    /'
	echo "$lines" | grep -aq 'FAIL' && note_failure "$2: a round failed after round $1 ($3)"
}

# The round lines (ok and FAIL) of TRAPS_OUT for rounds after $1.
traps_after() {
	echo "$TRAPS_OUT" | grep -aE 'traps: (FAIL )?round [0-9]+' |
		awk -v r="$1" '{ for (i = 1; i <= NF; i++) if ($i == "round") { if ($(i + 1) + 0 > r) print; break } }'
}

# Checks the rounds after $1 of guest $2: at least 3, each ok, none FAIL.
# TRAPS_TICKS: the fewest ticks per RDTSC among them (a round whose loop a
# time slice of the other guest cut into reads more).
traps_judge() {
	traps_no_fail "$1" "$2" "$3"
	[ "$(echo "$lines" | grep -ac ' ok$')" -ge 3 ] || note_failure "$2: fewer than 3 good rounds after round $1 ($3)"
	TRAPS_TICKS=$(echo "$lines" | grep -a ' ok$' | sed -n 's/.* rdtsc \([0-9]*\) .*/\1/p' | sort -n | head -n 1)
}

# Rounds after $1 of the transcript on stdin, as "N BAD TICKS": the first
# whose ticks per RDTSC are $2 ("above" or "below") $3 is where a change
# took hold; N rounds came after it, BAD of them on the other side, and
# TICKS is their fewest (above) or most (below).
traps_change_stats() {
	grep -aE 'traps: round [0-9]+ .* ok$' |
		awk -v r="$1" '{ for (i = 1; i <= NF; i++) if ($i == "round") { if ($(i + 1) + 0 > r) print; break } }' |
		sed -n 's/.* rdtsc \([0-9]*\) .*/\1/p' |
		awk -v side="$2" -v t="$3" '
			{ hit = side == "above" ? $1 > t : $1 < t }
			seen && !hit { bad++ }
			seen { n++; if (min == "" || $1 < min) min = $1; if ($1 > max) max = $1 }
			hit { seen = 1 }
			END { print n + 0, bad + 0, (side == "above" ? min : max) + 0 }'
}

# CHECK for traps_watch_until: 4 rounds after the change traps_change_stats
# finds (the console replays its ring first, so the rounds are in order).
traps_changed_enough() {
	[ "$(traps_change_stats "$1" "$2" "$3" | cut -d' ' -f1)" -ge 4 ]
}

# After traps_watch_until with traps_changed_enough: every round after $1 ok, and at least 3 after
# the change, each on its side. TRAPS_TICKS as traps_change_stats.
traps_judge_change() {
	traps_no_fail "$1" traps "$4"
	set -- $(echo "$TRAPS_OUT" | traps_change_stats "$1" "$2" "$3") "$4"
	TRAPS_TICKS=$3
	[ "$1" -ge 3 ] && [ "$2" -eq 0 ] ||
		note_failure "$4: $1 rounds after the change took hold, $2 of them on the wrong side"
}

# The `vmctl` listing in LISTING must match the regex $1; else $2 is noted.
listing_has() {
	echo "$LISTING" | grep -aEq "$1" || note_failure "$2"
}

# TRAPS_COUNTS: the "traps passed on:" line of `vmctl $1`.
traps_counts() {
	session_command "vmctl $1" '^TSC offset: 0x' || note_failure "vmctl $1 did not list"
	TRAPS_COUNTS=$(session_since | grep -a '^traps passed on:')
}

vmctl_hv_cfg() {
	console_domain_cfg
	cat <<CFG

[guest traps]
kernel = traps.bin
type = long
memory = 32M
cpus = 1
autostart = yes

[guest trapsp]
kernel = traps.bin
type = long
memory = 32M
cpus = 1
autostart = yes
vmctl = rdtsc-exiting=on,#BP=trap,mov-dr-exiting=on
CFG
}

t_bochs_vmctl() {
	out=$WORK/bochs_vmctl
	esp=$(make_esp bochs_vmctl)
	vmctl_hv_cfg >"$esp/EFI/hv/hv.cfg"
	if ! BOCHS_MEGS=256 session_boot "$esp" "$out" 2; then
		finish_test bochs_vmctl "$out"
		return
	fi

	# The listing before any change.
	session_command "vmctl traps" '^TSC offset: 0x[0-9a-f]+ .*time slice: [0-9]+ us' || note_failure "vmctl traps did not list"
	LISTING=$(session_since)
	listing_has '^  rdtsc-exiting +off +changeable' "the listing does not show rdtsc-exiting off and changeable"
	listing_has '^  hlt-exiting +on +changeable' "the listing does not show hlt-exiting on and changeable"
	listing_has '^  enable-ept +on +required by the hypervisor' "the listing does not show EPT as required"
	listing_has '^  descriptor-table-exiting +off +not supported by the hypervisor' "the listing does not say descriptor-table exiting is not supported"
	listing_has '^exception bitmap: 0x00000000, trapped: none' "the listing shows exceptions trapped before any vmctl"
	listing_has '^traps passed on: none' "the listing counts traps before any vmctl"

	# Refusals: one line each, nothing changed.
	session_command "vmctl" "vmctl: missing argument; usage: vmctl ID\|NAME" || note_failure "vmctl without arguments"
	session_command "vmctl nosuch" "no guest called 'nosuch'" || note_failure "vmctl of an unknown guest"
	session_command "vmctl traps enable-ept=off" "vmctl refused: enable-ept=off refused: required by the hypervisor: guest memory is isolated by EPT" || note_failure "turning EPT off"
	session_command "vmctl traps external-interrupt-exiting=off" "vmctl refused: external-interrupt-exiting=off refused: required by the hypervisor" || note_failure "turning external-interrupt exiting off"
	session_command "vmctl traps unrestricted-guest=off" "vmctl refused: unrestricted-guest=off refused: required by the hypervisor" || note_failure "turning unrestricted guest off"
	session_command "vmctl traps descriptor-table-exiting=on" "vmctl refused: descriptor-table-exiting=on refused: not supported by the hypervisor" || note_failure "descriptor-table exiting"
	session_command "vmctl traps frobnicate=on" "vmctl refused: unknown control 'frobnicate'" || note_failure "an unknown control"
	session_command "vmctl traps rdtsc-exiting=maybe" "vmctl refused: 'rdtsc-exiting=maybe': expected rdtsc-exiting=on or rdtsc-exiting=off" || note_failure "a bad value word"
	session_command "vmctl traps rdtsc-exiting" "vmctl refused: 'rdtsc-exiting': expected NAME=on\|off or #EXC=trap\|off" || note_failure "a word without a value"
	session_command "vmctl traps #BP=on" "vmctl refused: '#BP=on': expected #BP=trap or #BP=off" || note_failure "a bad exception value"
	session_command "vmctl traps #MC=trap" "vmctl refused: #MC=trap refused: a machine check is the host's" || note_failure "trapping #MC"
	session_command "vmctl traps #XY=trap" "vmctl refused: unknown exception '#XY'" || note_failure "an unknown exception"
	session_command "vmctl console rdtsc-exiting=on" "vmctl refused: the console domain's controls are not changeable" || note_failure "the console domain's controls"
	session_command "vmctl traps rdtsc-exiting=on enable-ept=off" "vmctl refused: enable-ept=off refused" || note_failure "a request with one bad word"
	offered=$(echo "$LISTING" | grep -aE "^  [a-z0-9-]+ +off +not offered by this CPU" | awk '{ print $1 }' | head -n 1)
	if [ -n "$offered" ]; then
		session_command "vmctl traps $offered=on" "vmctl refused: $offered=on refused: not offered by this CPU" || note_failure "a control this CPU does not offer"
	else
		echo "    (this CPU offers every changeable control: no capability refusal to see)"
	fi
	session_command "vmctl traps" '^TSC offset: 0x' || note_failure "vmctl traps did not list"
	LISTING=$(session_since)
	listing_has '^  rdtsc-exiting +off +changeable' "a refused request changed rdtsc-exiting"
	listing_has '^exception bitmap: 0x00000000' "a refused request changed the exception bitmap"

	# Before: native RDTSC.
	traps_watch traps 3
	before=$TRAPS_LAST
	traps_judge 0 traps "before any vmctl"
	t0=${TRAPS_TICKS:-0}
	[ "$t0" -ge 5 ] || t0=5 # the figure the threshold below is ten times
	echo "    before: round $before, $t0 ticks per RDTSC"

	# Everything on.
	session_command "vmctl traps rdtsc-exiting=on #BP=trap #UD=trap #PF=trap #DB=trap invlpg-exiting=on cr3-load-exiting=on" \
		"guest traps \(id [0-9]+\): .*: on every vCPU at its next entry" || note_failure "vmctl of the exits and traps"
	session_command "vmctl traps cr3-store-exiting=on mov-dr-exiting=on pause-exiting=on hlt-exiting=off" \
		"guest traps \(id [0-9]+\): .*: on every vCPU at its next entry" || note_failure "vmctl of the other exits"
	session_command "vmctl traps rdrand-exiting=on rdseed-exiting=on" \
		"on every vCPU at its next entry|refused: not offered by this CPU" || note_failure "vmctl of RDRAND and RDSEED exiting"
	rand=on
	session_since | grep -aq 'not offered by this CPU' && rand=off
	# Typing takes the guest many rounds: the change shows where RDTSC gets slow.
	traps_watch_until traps "traps_changed_enough $before above $((t0 * 10))"
	on_round=$TRAPS_LAST
	traps_judge_change "$before" above $((t0 * 10)) "with every exit and trap on"
	t1=${TRAPS_TICKS:-0}
	echo "    trapped: round $on_round, $t1 ticks per RDTSC at the fewest"
	if echo "$TRAPS_OUT" | grep -aq ' invpcid yes ok$'; then
		echo "    INVPCID exercised (it exits with invlpg-exiting)"
	else
		echo "    (this CPU's CPUID offers no INVPCID: its exit is not exercised)"
	fi

	session_command "vmctl traps" '^TSC offset: 0x' || note_failure "vmctl traps did not list"
	LISTING=$(session_since)
	listing_has '^  rdtsc-exiting +on\* +changeable' "the listing does not show rdtsc-exiting on"
	listing_has '^  hlt-exiting +off\* +changeable' "the listing does not show hlt-exiting off"
	listing_has '^  mov-dr-exiting +on\* +changeable' "the listing does not show mov-dr-exiting on"
	listing_has '^exception bitmap: 0x0000404a, trapped: #DB #BP #UD #PF' "the listing does not show the four traps"
	counts=$(echo "$LISTING" | grep -a '^traps passed on:')
	echo "    $counts"
	echo "$counts" | grep -aEq '^traps passed on: #DB [1-9][0-9]* #BP [1-9][0-9]* #UD [1-9][0-9]* #PF [1-9][0-9]*$' || note_failure "the traps were not counted ($counts)"

	# The exits show in top and info's counts like any other.
	session_command "top" '^ +[0-9]+ traps +running .* (rdtsc|dr-access|exception-nmi|cr-access|invlpg) [0-9]+' 120 ||
		note_failure "top does not show the trapped guest's new exits"
	printf 'q' >&3
	session_wait '^hv> $' 30 || note_failure "a key did not end top"

	# Everything off again.
	session_command "vmctl traps rdtsc-exiting=off #BP=off #UD=off #PF=off #DB=off invlpg-exiting=off cr3-load-exiting=off" \
		"on every vCPU at its next entry" || note_failure "vmctl off"
	session_command "vmctl traps cr3-store-exiting=off mov-dr-exiting=off pause-exiting=off hlt-exiting=on" \
		"on every vCPU at its next entry" || note_failure "vmctl off of the other exits"
	if [ "$rand" = on ]; then
		session_command "vmctl traps rdrand-exiting=off rdseed-exiting=off" "on every vCPU at its next entry" ||
			note_failure "vmctl off of RDRAND and RDSEED exiting"
	fi
	traps_counts traps
	counts_a=$TRAPS_COUNTS
	traps_watch_until traps "traps_changed_enough $on_round below $((t1 / 10))"
	traps_judge_change "$on_round" below $((t1 / 10)) "after turning everything off"
	t2=$TRAPS_TICKS
	traps_counts traps
	counts_b=$TRAPS_COUNTS
	echo "    untrapped: round $TRAPS_LAST, $t2 ticks per RDTSC at the most; $counts_b"
	[ -n "$counts_a" ] && [ "$counts_a" = "$counts_b" ] || note_failure "traps were still counted after #EXC=off ('$counts_a' then '$counts_b')"
	session_command "vmctl traps" '^TSC offset: 0x' || note_failure "vmctl traps did not list"
	LISTING=$(session_since)
	listing_has '^  rdtsc-exiting +off\* +changeable' "the listing does not show rdtsc-exiting off again"
	listing_has '^exception bitmap: 0x00000000, trapped: none' "the listing still shows traps"

	# The hv.cfg profile: set at creation.
	session_command "vmctl trapsp" '^TSC offset: 0x' || note_failure "vmctl trapsp did not list"
	LISTING=$(session_since)
	listing_has '^  rdtsc-exiting +on\* +changeable' "the profile did not turn rdtsc-exiting on"
	listing_has '^  mov-dr-exiting +on\* +changeable' "the profile did not turn mov-dr-exiting on"
	listing_has '^exception bitmap: 0x00000008, trapped: #BP' "the profile did not trap #BP"
	listing_has '^traps passed on: #BP [1-9]' "the profile's #BP traps were not counted"
	traps_watch trapsp 3
	traps_judge 0 trapsp "with the hv.cfg profile"
	t3=$TRAPS_TICKS
	echo "    profile guest: $t3 ticks per RDTSC"
	[ -n "$t3" ] && [ "$t3" -gt 50 ] || note_failure "the profile guest's RDTSC does not exit ($t3 ticks)"

	# A snapshot keeps the settings as they are now, not as hv.cfg gave them.
	session_command "vmctl trapsp #UD=trap mov-dr-exiting=off" "on every vCPU at its next entry" || note_failure "vmctl of the profile guest"
	session_command "save trapsp s1" "saved guest trapsp as s1" 300 || note_failure "save of the profile guest"
	session_command "destroy trapsp" "guest trapsp \(id [0-9]+\) destroyed" || note_failure "destroy of the profile guest"
	session_command "restore s1" "restored s1 as guest id [0-9]+" 300 || note_failure "restore of the profile guest"
	session_command "vmctl trapsp" '^TSC offset: 0x' || note_failure "vmctl of the restored guest did not list"
	LISTING=$(session_since)
	listing_has '^  rdtsc-exiting +on\* +changeable' "the restored guest lost rdtsc-exiting"
	listing_has '^  mov-dr-exiting +off\* +changeable' "the restored guest has mov-dr-exiting as hv.cfg said, not as it was"
	listing_has '^exception bitmap: 0x00000048, trapped: #BP #UD' "the restored guest does not trap #BP and #UD"
	traps_watch trapsp 1
	traps_watch trapsp $((TRAPS_LAST + 3))
	traps_judge 0 trapsp "restored from the snapshot"
	echo "    restored profile guest: $TRAPS_TICKS ticks per RDTSC"

	session_poweroff
	expect_not "$out" 'CPU exception|panic|unexpected exception exit|unhandled VM exit' "a host crash or an exit nobody handled"
	expect_not "$out" 'traps: FAIL' "a traps guest failing a check"
	finish_test bochs_vmctl "$out"
}
