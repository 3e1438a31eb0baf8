# Scenario driver, run by /init inside dom0: sh driver.sh PLAN
# PLAN has one "TYPE SCENARIO" per line (e.g. "pvh help"); each scenario,
# /xt/scenarios/SCENARIO.sh, runs in its own subshell with lib.sh sourced and
# a time limit, and prints one RESULT line. Scenarios of one type share the
# guest until one of them ends it.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:/usr/lib/xen-4.17/bin
plan=${1:-/xt/plan}
: ${XT_SCENARIO_TIMEOUT:=600}
[ -f /xt/env ] && . /xt/env

echo "xt: xl info: $(xl info 2>&1 | grep -E '^(xen_version|virt_caps|nr_cpus|total_memory|free_memory)' | tr -s ' ' | tr '\n' ';')"

t_start=$(awk '{ printf "%d", $1 * 1000 }' /proc/uptime)
while read -r type scen rest; do
	case "$type" in ''|'#'*) continue;; esac
	name=$type/$scen
	f=/xt/scenarios/$scen.sh
	rm -f /run/xt/result
	t0=$(awk '{ printf "%d", $1 * 1000 }' /proc/uptime)
	echo "xt: --- $name"
	if [ ! -f "$f" ]; then
		echo "RESULT $name FAIL no scenario file $scen.sh"
		continue
	fi
	(
		XT_TYPE=$type XT_NAME=$name
		. /xt/lib.sh
		. "$f"
		xt_result FAIL "scenario ended without a result"
	) < /dev/null &
	pid=$!
	( sleep $XT_SCENARIO_TIMEOUT; kill $pid 2>/dev/null ) &
	wd=$!
	wait $pid
	kill $wd 2>/dev/null
	if [ ! -f /run/xt/result ]; then
		echo "RESULT $name CRASH scenario killed after ${XT_SCENARIO_TIMEOUT}s"
		( XT_TYPE=$type XT_NAME=$name; . /xt/lib.sh; xt_crash "(scenario timeout)" ) | tail -n +2
		rm -f /run/xt/state/$type.up
	fi
	echo "xt: --- $name took $(( $(awk '{ printf "%d", $1 * 1000 }' /proc/uptime) - t0 )) ms"
done < "$plan"

for t in pv pvh hvm; do
	[ -f /xt/cfg/$t.cfg ] && xl destroy "$(sed -n 's/^name *= *"\(.*\)"/\1/p' /xt/cfg/$t.cfg)" >/dev/null 2>&1
done
# boot-to-prompt of the last guest of each config (ms, from before xl create)
for f in /run/xt/state/*.boottime; do
	[ -f "$f" ] || continue
	t=${f##*/}; t=${t%.boottime}
	echo "xt: $t guest reached its prompt in $(cat $f) ms"
done
# Any dom0 program that died of a signal: the kernel's line and its core
# (name.pid.signal). With XT_CORES=1 the cores are printed too, between
# XT-CORE-BEGIN NAME and XT-CORE-END, as base64 of gzip (for gdb on the
# host, against build/xen-rig/sysroot).
dmesg | grep -E 'segfault|traps:|general protection' | sed 's/^/xt: dom0 dmesg: /'
for c in /tmp/core.*; do
	[ -f "$c" ] || continue
	echo "xt: dom0 core: ${c#/tmp/} ($(wc -c < $c) bytes)"
	if [ "${XT_CORES:-0}" = 1 ]; then
		echo "XT-CORE-BEGIN ${c#/tmp/}"
		gzip -9 < "$c" | base64
		echo "XT-CORE-END"
	fi
done
echo "xt: scenarios took $(( $(awk '{ printf "%d", $1 * 1000 }' /proc/uptime) - t_start )) ms"
