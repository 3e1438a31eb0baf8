# Populate-on-demand boot (memory=128 maxmem=1024): the guest gives the
# unbacked RAM back at boot, `xl list` shows 128, and `xl mem-set 1024`
# then brings it up to maxmem, with an 800M memtest passing.
xt_guest
dom=$(xt_domname)
xl_mem() { xl list "$dom" 2>/dev/null | awk 'NR == 2 { print $3 }'; }
got=$(xl_mem)
[ -n "$got" ] && [ "$got" -le 130 ] || xt_fail "xl list shows $got MiB after a PoD boot at 128"
t0=$(xt_now)
xl mem-set "$dom" 1024m || xt_fail "xl mem-set 1024 refused"
end=$((t0 + ${XT_BALLOON_TIMEOUT:-240}))
while :; do
	got=$(xl_mem)
	[ -n "$got" ] && [ "$got" -ge $((1024 - ${XT_BALLOON_TOL:-12})) ] && break
	[ $(xt_now) -lt $end ] || { xt_cmd balloon; xt_fail "xl list shows $got MiB, not 1024"; }
	xt_alive || xt_crash "domain died growing to 1024 MiB"
	sleep 1
done
took=$(( $(xt_now) - t0 ))
xt_cmd "memtest 800M" 900 || xt_crash "no prompt after memtest 800M"
xt_expect "ok \(0 bad words\)" || xt_fail "memtest 800M did not pass"
xt_cmd "meminfo -c" || xt_crash "no prompt after meminfo -c"
xt_expect "FAIL" && xt_fail "mm consistency check failed"
xt_pass "PoD boot at 128 MiB, xl list ${got} MiB ${took}s after mem-set 1024, memtest 800M ok"
