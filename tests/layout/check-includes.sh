#!/bin/sh
# The layering of vmm/, checked from every #include line: a lower room
# never includes an upper one. The order, lowest first (README.md, "Layout"):
#
#   abi < dev < core < boot < platform < exit < snapshot < mgmt < vmm/main.c
#
# vmm/console/ is a separate guest program: from the rest of vmm/ it may
# include only vmm/abi/, and nothing else includes it. Outside vmm/, the
# layers below it (boot/, arch/, mm/, drivers/, lib/) never include vmm/.
# Prints each offending file and line; exits 1 if there is any.
#
# Usage: tests/layout/check-includes.sh [SOURCE_ROOT]

ROOT=${1:-$(dirname "$0")/../..}
cd "$ROOT" || exit 2

ORDER="abi dev core boot platform exit snapshot mgmt main console"
SHOWN="abi < dev < core < boot < platform < exit < snapshot < mgmt < vmm/main.c; console: abi only"

# Rank of a room, by its place in ORDER; empty for a folder not in it.
rank() {
	i=0
	for r in $ORDER; do
		[ "$r" = "$1" ] && { echo $i; return; }
		i=$((i + 1))
	done
}

# Room of a path under vmm/: its first folder, or "main" for vmm/ itself.
room() {
	case "$1" in
	vmm/*/*) r=${1#vmm/}; echo "${r%%/*}" ;;
	*) echo main ;;
	esac
}

bad=0
for f in $(find vmm -name '*.[ch]' | sort); do
	from=$(room "$f")
	rf=$(rank "$from")
	if [ -z "$rf" ]; then
		echo "$f: vmm/$from/ is not a room of the layout (tests/layout/check-includes.sh)"
		bad=1
		continue
	fi
	grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"vmm/' "$f" |
		sed 's/^\([0-9]*\):.*"\(vmm\/[^"]*\)".*/\1 \2/' | {
		err=0
		while read -r line inc; do
			to=$(room "$inc")
			rt=$(rank "$to")
			why=""
			if [ -z "$rt" ]; then
				why="vmm/$to/ is not a room of the layout"
			elif [ "$from" = console ] && [ "$to" != console ] && [ "$to" != abi ]; then
				why="the console domain is a separate program: it may include only vmm/abi/"
			elif [ "$rt" -gt "$rf" ]; then
				why="$from includes $to, which is above it ($SHOWN)"
			fi
			if [ -n "$why" ]; then
				echo "$f:$line: #include \"$inc\": $why"
				err=1
			fi
		done
		exit $err
	} || bad=1
done

for d in boot arch mm drivers lib; do
	[ -d "$d" ] || continue
	if grep -rn --include='*.[ch]' '^[[:space:]]*#[[:space:]]*include[[:space:]]*"vmm/' "$d"; then
		echo "  ($d/ is below vmm/ and never includes it)"
		bad=1
	fi
done

[ $bad = 0 ] && echo "layout: every #include in vmm/ follows the order $SHOWN"
exit $bad
