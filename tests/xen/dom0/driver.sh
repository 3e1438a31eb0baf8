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

t_start=$(awk '{ print int($1) }' /proc/uptime)
while read -r type scen rest; do
	case "$type" in ''|'#'*) continue;; esac
	name=$type/$scen
	f=/xt/scenarios/$scen.sh
	rm -f /run/xt/result
	t0=$(awk '{ print int($1) }' /proc/uptime)
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
	echo "xt: --- $name took $(( $(awk '{ print int($1) }' /proc/uptime) - t0 ))s"
done < "$plan"

for t in pv pvh hvm; do
	[ -f /xt/cfg/$t.cfg ] && xl destroy "$(sed -n 's/^name *= *"\(.*\)"/\1/p' /xt/cfg/$t.cfg)" >/dev/null 2>&1
done
for t in pv pvh hvm; do
	[ -f /run/xt/state/$t.boottime ] && echo "xt: $t guest reached its prompt in $(cat /run/xt/state/$t.boottime)s"
done
echo "xt: scenarios took $(( $(awk '{ print int($1) }' /proc/uptime) - t_start ))s"
