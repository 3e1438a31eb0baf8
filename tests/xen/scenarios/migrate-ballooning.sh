# `xl migrate` started while the balloon is still going up after `xl
# mem-set` (PVH/HVM; facts doc 7: the receiver gets the target read when
# the migration starts; a guest going down, holding more than target + 1
# MiB, could not be rebuilt, so this goes up): in the new domain the
# balloon re-reads memory/target and gets there, every patterned byte is
# the same, and the guest balloons, tests and checks as before.
xt_guest
xt_save_prepare
dom=$(xt_domname)
up=$((XT_SAVE_MIB + 200))
xl mem-set "$dom" ${up}m || xt_fail "xl mem-set $up refused"
at=$(xt_xl_mem)
t0=$(xt_now_ms)
xl migrate -s '' "$dom" "xl migrate-receive 2>$XT_LOG/recv-$dom.log" > $XT_LOG/migrate-$dom.log 2>&1 ||
	{ cat $XT_LOG/recv-$dom.log >> $XT_LOG/migrate-$dom.log; XT_OUT=$XT_LOG/migrate-$dom.log; xt_fail "xl migrate failed"; }
t1=$(xt_now_ms)
xt_reattach "xl migrate"
target=$(( $(xt_xs memory/target) / 1024 ))
xt_reach $up ${XT_BALLOON_TIMEOUT:-180} $(xt_balloon_tol)
xt_balloon_done "$up MiB after the migration"
XT_SAVE_MIB=$up
xt_save_after "migrate while ballooning"
xt_pass "mem-set $up, migrate started at $at MiB took $((t1 - t0)) ms; memory/target after: $target MiB, reached; $XT_SAVE_SUMMARY"
