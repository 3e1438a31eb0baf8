# The balloon's limits: a shell target above the maximum is refused and
# changes nothing; going down while memhold keeps the memory stops short,
# says why, waits with backoff using no CPU, and reaches the target once the
# memory is released.
xt_guest
dom=$(xt_domname)
before=$(xt_xl_mem)
xt_cmd "balloon target 64G" || xt_crash "no prompt after balloon target 64G"
xt_expect "above the maximum" || xt_fail "balloon target 64G not refused"
[ "$(xt_xl_mem)" = "$before" ] || xt_fail "a refused target changed xl list ($before -> $(xt_xl_mem))"
xt_free
hold=$((XT_MEM_FREE * 3 / 4 / 4 * 4))
xt_cmd "memhold ${hold}K" 120 || xt_crash "no prompt after memhold"
xt_expect "memhold: holding" || xt_fail "memhold ${hold}K held nothing"
xl mem-set "$dom" 64m || xt_fail "xl mem-set 64 refused"
sleep 6
xt_cmd "balloon" || xt_crash "no prompt after balloon"
xt_expect "last short: .*(no free memory|free)" || xt_fail "balloon does not say why it stopped short"
xt_expect "state: *(waiting|done)" || xt_fail "balloon not waiting after stopping short"
short=$(grep "last short" $XT_OUT | tr -s ' ')
t0=$(xt_cputime); sleep 8; t1=$(xt_cputime)
cpu=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
awk -v u="$cpu" 'BEGIN { exit !(u <= 0.5) }' || xt_fail "busy while waiting: ${cpu}s CPU in 8s"
xt_cmd "memhold release" 120 || xt_crash "no prompt after memhold release"
t0=$(xt_now)
xt_reach 64 90 +2
took=$(( $(xt_now) - t0 ))
xl mem-set "$dom" 256m
xt_pass "64G refused; held ${hold} KiB: $short; ${cpu}s CPU in 8s waiting; 64 MiB (xl list $XT_GOT) ${took}s after release"
