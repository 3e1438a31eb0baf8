# Guest-side figures for 256 -> 900 -> 128 MiB: the time from the first
# batch after the target event to done, and the totals (hypercalls, 2 MiB
# extents) the balloon counts. Also a malformed target is ignored.
xt_guest
dom=$(xt_domname)
tol=$(xt_balloon_tol)          # pv 1 MiB, as balloon.sh
out=""
for t in 256 900 128; do
	xl mem-set "$dom" ${t}m || xt_fail "xl mem-set $t refused"
	xt_reach $t 180 $tol
	sleep 1
	xt_cmd "balloon" || xt_crash "no prompt after balloon"
	ms=$(awk '/^last target: reached in/ { print $5 }' $XT_OUT)
	out="$out $t:${ms}ms"
done
totals=$(grep "^since boot:" $XT_OUT | sed 's/^since boot: *//')
before=$(xt_xl_mem)
valid=$(xt_xs memory/target)
xt_mark
# (a negative value would read as an option to xenstore-write; the guest
# refuses '-' like any other non-digit, see the unit tests)
xenstore-write "/local/domain/$(xt_domid)/memory/target" "12abc" || xt_fail "cannot write memory/target"
xt_wait "not a size in KiB" 20 || xt_fail "a malformed memory/target was not reported"
sleep 2
[ "$(xt_xl_mem)" = "$before" ] || xt_fail "a malformed target changed xl list ($before -> $(xt_xl_mem))"
# xl mem-set reads the old target first: put a valid one back
xenstore-write "/local/domain/$(xt_domid)/memory/target" "$valid"
xl mem-set "$dom" 256m || xt_fail "xl mem-set 256 refused after the malformed target"
xt_reach 256 180 $tol
xt_pass "guest time to done:$out; since boot: $totals; '12abc' ignored"
