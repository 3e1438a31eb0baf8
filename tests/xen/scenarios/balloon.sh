# The balloon follows `xl mem-set` down and up within maxmem (booted at
# memory=256 maxmem=1024): 128, 900, 256. Each step: `xl list` reaches the
# target (PV within 1 MiB; PVH/HVM as the toolstack counts them, within the
# video/slack constant), the guest says it is done, and a memtest over most
# of its free memory passes (the frames it got back are real and its own).
xt_guest
dom=$(xt_domname)
tol=$(xt_balloon_tol)
summary=""
for t in 128 900 256; do
	t0=$(xt_now)
	xl mem-set "$dom" ${t}m || xt_fail "xl mem-set $t refused"
	xt_reach $t ${XT_BALLOON_TIMEOUT:-180} $tol
	took=$(( $(xt_now) - t0 ))
	xt_balloon_done "$t MiB"
	ms=$(awk '/^last target: reached in/ { print $5 }' $XT_OUT)
	totals=$(grep "^since boot:" $XT_OUT | sed 's/^since boot: *//')
	xt_free "at $t MiB"
	xt_memtest $((XT_MEM_FREE * 3 / 4))K 600 "at $t MiB"
	xt_mm_check "at $t MiB"
	summary="$summary $t:${XT_GOT}MiB/${took}s/guest ${ms}ms"
done
xt_pass "xl list after mem-set (target:shown/wall/guest):$summary; since boot: $totals"
