#!/bin/sh
# The guest torture run of the Linux test initramfs (installed as
# /bin/hvtorture; /init runs it when the kernel command line has
# hvtest.torture=ROUNDS). It works the things a hypervisor can get wrong
# behind a guest's back and counts every sign of it:
#
#  - fork/exec: ROUNDS rounds of pipelines through busybox applets, one
#    worker per online CPU at once, each pipeline's output checked;
#  - vector and mask registers: xstate_check (tests/linux/xstate_check.c)
#    holds a pattern in every register across spins, yields and page
#    faults, several copies at once;
#  - memory and the FPU/SSE state: tens of MiB from /dev/urandom copied
#    and checksummed twice (busybox's md5sum and cmp use the vector
#    registers through memcpy and friends);
#  - timers: sleeps measured against /proc/uptime;
#  - the kernel's own view: programs killed by a fault, BUG/Oops/WARNING,
#    CPUs lost.
#
# One "torture: ..." line per part with its counts, then
# "torture: verdict PASS" or "torture: verdict FAIL (N problems)".
# POSIX sh for busybox ash.

rounds=${1:-100}
data_mib=${2:-16}
problems=0
problem() { echo "torture: PROBLEM $*"; problems=$((problems + 1)); }

cpus_at_start=$(grep -c '^processor' /proc/cpuinfo)

# One worker: ROUNDS rounds of five pipelines whose output is known.
# Prints "ok N" or the first mismatches, then its count of bad results.
pipeline_worker() {
	w=$1 n=$2 i=0 bad=0
	while [ "$i" -lt "$n" ]; do
		got=$(echo "w$w r$i" | sed 's/^w/W/' | tr 'r' 'R')
		[ "$got" = "W$w R$i" ] || { bad=$((bad + 1)); echo "torture: worker $w round $i: sed|tr gave '$got'"; }
		got=$(seq 1 40 | sort -rn | head -n 1)
		[ "$got" = 40 ] || { bad=$((bad + 1)); echo "torture: worker $w round $i: seq|sort|head gave '$got'"; }
		got=$(printf 'a\nb\nc\n' | grep -c '[ac]')
		[ "$got" = 2 ] || { bad=$((bad + 1)); echo "torture: worker $w round $i: grep -c gave '$got'"; }
		got=$(echo "$i" | awk '{ print $1 * 3 }')
		[ "$got" = $((i * 3)) ] || { bad=$((bad + 1)); echo "torture: worker $w round $i: awk gave '$got'"; }
		got=$(echo hello | md5sum | cut -c1-8)
		[ "$got" = b1946ac9 ] || { bad=$((bad + 1)); echo "torture: worker $w round $i: md5sum|cut gave '$got'"; }
		i=$((i + 1))
	done
	echo "bad=$bad" >"/tmp/torture.pipes.$w"
}

# sum_bad NAME N WHAT: adds up the "bad=K" that ends each of the files
# /tmp/torture.NAME.0 .. N-1 into $sum; a file without one is a problem.
sum_bad() {
	sum=0 i=0
	while [ "$i" -lt "$2" ]; do
		b=$(sed -n 's/.*bad=\([0-9]*\)$/\1/p' "/tmp/torture.$1.$i" 2>/dev/null)
		case $b in
		'' | *[!0-9]*) problem "$3 $i ended without a count"; b=0 ;;
		esac
		sum=$((sum + b))
		i=$((i + 1))
	done
}

w=0
while [ "$w" -lt "$cpus_at_start" ]; do
	pipeline_worker "$w" "$rounds" &
	w=$((w + 1))
done
wait
sum_bad pipes "$cpus_at_start" worker
bad=$sum
pipelines=$((cpus_at_start * rounds * 5))
echo "torture: pipelines workers=$cpus_at_start pipelines=$pipelines bad=$bad"
[ "$bad" -eq 0 ] || problem "$bad of $pipelines pipelines gave a wrong result"

# Vector and mask registers: two copies of xstate_check per CPU at once,
# so that they also take each other's place on a CPU.
xrounds=$((rounds * 3))
n=$((cpus_at_start * 2))
i=0
while [ "$i" -lt "$n" ]; do
	xstate_check "$xrounds" >"/tmp/torture.xstate.$i" 2>&1 &
	i=$((i + 1))
done
wait
i=0
while [ "$i" -lt "$n" ]; do
	head -n 6 "/tmp/torture.xstate.$i" | sed 's/^/torture: /'
	i=$((i + 1))
done
sum_bad xstate "$n" xstate_check
xbad=$sum
echo "torture: xstate copies=$n rounds=$xrounds bad=$xbad"
[ "$xbad" -eq 0 ] || problem "$xbad rounds lost vector or mask register state"

# Data: random bytes, copied twice, every copy checksummed twice.
dd if=/dev/urandom of=/tmp/torture.a bs=1048576 count="$data_mib" 2>/dev/null
cp /tmp/torture.a /tmp/torture.b
cp /tmp/torture.b /tmp/torture.c
sums=""
for f in a b c a b c; do
	s=$(md5sum </tmp/torture.$f)
	sums="$sums ${s%% *}"
done
first=${sums# }
first=${first%% *}
mismatch=0
for s in $sums; do
	[ "$s" = "$first" ] || mismatch=$((mismatch + 1))
done
cmp -s /tmp/torture.a /tmp/torture.c || mismatch=$((mismatch + 1))
size=$(wc -c </tmp/torture.c)
[ "$size" -eq $((data_mib * 1048576)) ] || mismatch=$((mismatch + 1))
echo "torture: data mib=$data_mib copies=2 checksums=6 mismatches=$mismatch md5=$first"
[ "$mismatch" -eq 0 ] || problem "$mismatch checksum or size mismatches over the copies"
rm -f /tmp/torture.a /tmp/torture.b /tmp/torture.c

# Timers: each sleep must take about what it says by the kernel's clock.
uptime_cs() {
	read -r up _ </proc/uptime
	echo $((${up%%.*} * 100 + 1${up#*.} - 100))
}
late=0
for s in 1 2 1; do
	t0=$(uptime_cs)
	sleep "$s"
	t1=$(uptime_cs)
	d=$((t1 - t0))
	if [ "$d" -lt $((s * 80)) ] || [ "$d" -gt $((s * 150)) ]; then
		late=$((late + 1))
		echo "torture: sleep $s took $d hundredths of a second"
	fi
done
echo "torture: sleeps=3 off=$late"
[ "$late" -eq 0 ] || problem "$late sleeps took the wrong time"

# The kernel's view.
cpus_now=$(grep -c '^processor' /proc/cpuinfo)
online=$(cat /sys/devices/system/cpu/online 2>/dev/null)
echo "torture: cpus start=$cpus_at_start now=$cpus_now online=$online"
[ "$cpus_now" -eq "$cpus_at_start" ] || problem "CPUs lost: $cpus_at_start at the start, $cpus_now now"
dmesg >/tmp/torture.dmesg
faults=$(grep -c -E ': (segfault at|general protection fault|trap [a-z ]+ ip)' /tmp/torture.dmesg)
echo "torture: faults=$faults"
if [ "$faults" -ne 0 ]; then
	problem "$faults programs killed by a fault"
	grep -m 5 -E ': (segfault at|general protection fault|trap [a-z ]+ ip)' /tmp/torture.dmesg | sed 's/^/torture: kernel: /'
fi
oops=$(grep -m 1 -E '(^|[^A-Za-z])(BUG|WARNING|Oops)([^A-Za-z]|$)' /tmp/torture.dmesg)
[ -z "$oops" ] || problem "kernel: $oops"

if [ "$problems" -eq 0 ]; then
	echo "torture: verdict PASS"
else
	echo "torture: verdict FAIL ($problems problems)"
fi
[ "$problems" -eq 0 ]
