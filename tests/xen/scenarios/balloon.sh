# The balloon follows `xl mem-set` down and up within maxmem (booted at
# memory=256 maxmem=1024): 128, 900, 256. Each step: `xl list` reaches the
# target (PV within 1 MiB; PVH/HVM as the toolstack counts them, within the
# video/slack constant), the guest says it is done, and a memtest over most
# of its free memory passes (the frames it got back are real and its own).
xt_guest
dom=$(xt_domname)
tol=1; [ "$(xt_kind)" = pv ] || tol=${XT_BALLOON_TOL:-12}
summary=""
xl_mem() { xl list "$dom" 2>/dev/null | awk 'NR == 2 { print $3 }'; }
for t in 128 900 256; do
	t0=$(xt_now)
	xl mem-set "$dom" ${t}m || xt_fail "xl mem-set $t refused"
	end=$((t0 + ${XT_BALLOON_TIMEOUT:-180})); got=$(xl_mem)
	while :; do
		got=$(xl_mem)
		d=$((got - t)); [ $d -lt 0 ] && d=$((-d))
		[ -n "$got" ] && [ $d -le $tol ] && break
		[ $(xt_now) -lt $end ] || { xt_cmd balloon; xt_fail "xl list shows $got MiB, not $t (tolerance $tol) after ${XT_BALLOON_TIMEOUT:-180}s"; }
		xt_alive || xt_crash "domain died going to $t MiB"
		sleep 1
	done
	took=$(( $(xt_now) - t0 ))
	xt_balloon_done "$t MiB"
	ms=$(awk '/^last target: reached in/ { print $5 }' $XT_OUT)
	totals=$(grep "^since boot:" $XT_OUT | sed 's/^since boot: *//')
	xt_cmd "free" || xt_crash "no prompt after free"
	free=$(awk '/^Mem:/ {print $4}' $XT_OUT)
	[ -n "$free" ] || xt_fail "free printed no Mem: line"
	test_kib=$((free * 3 / 4))
	xt_cmd "memtest ${test_kib}K" 600 || xt_crash "no prompt after memtest at $t MiB"
	xt_expect "ok \(0 bad words\)" || xt_fail "memtest ${test_kib}K at $t MiB did not pass"
	xt_cmd "meminfo -c" || xt_crash "no prompt after meminfo -c"
	xt_expect "FAIL" && xt_fail "mm consistency check failed at $t MiB"
	summary="$summary $t:${got}MiB/${took}s/guest ${ms}ms"
done
xt_pass "xl list after mem-set (target:shown/wall/guest):$summary; since boot: $totals"
