# Test bookkeeping for the integration runs. Source after emu.sh.
#
#   make_esp NAME           copy build/esp to $WORK/NAME/esp and echo its path
#   expect OUT REGEX WHAT   the transcript must match REGEX
#   expect_not OUT REGEX WHAT
#   expect_end OUT PATTERN  OUT/end must match PATTERN ("exit *", "matched")
#   finish_test NAME OUT    record the test as passed or failed in
#                           $WORK/results.txt (tests may run in parallel
#                           subshells); a failure shows the transcript's tail
#   summary                 prints "N passed, N failed" and returns 1 on any failure

WORK=${WORK:-build/itest}
RESULTS=$WORK/results.txt
CASE_OK=1

make_esp() {
	d="$WORK/$1"
	rm -rf "$d"
	mkdir -p "$d"
	cp -r build/esp "$d/esp"
	echo "$d/esp"
}

note_failure() {
	echo "    FAIL: $1"
	CASE_OK=0
}

expect() {
	grep -aEq "$2" "$1/transcript.txt" || note_failure "expected $3 (/$2/)"
}

expect_not() {
	! grep -aEq "$2" "$1/transcript.txt" || note_failure "did not expect $3 (/$2/)"
}

expect_end() {
	# shellcheck disable=SC2254
	case "$(cat "$1/end")" in
	$2) ;;
	*) note_failure "expected the run to end with '$2', it ended with '$(cat "$1/end")'" ;;
	esac
}

finish_test() {
	if [ "$CASE_OK" = 1 ]; then
		echo "PASS $1"
		echo "PASS $1" >>"$RESULTS"
	else
		echo "FAIL $1 (transcript: $2/transcript.txt, last lines below)"
		tail -n 25 "$2/transcript.txt" | sed 's/^/    | /'
		echo "FAIL $1" >>"$RESULTS"
	fi
	CASE_OK=1
}

summary() {
	passed=$(grep -c '^PASS' "$RESULTS")
	failed=$(grep -c '^FAIL' "$RESULTS")
	echo "integration: $passed passed, $failed failed"
	[ "$failed" = 0 ] || { grep '^FAIL' "$RESULTS"; return 1; }
}
