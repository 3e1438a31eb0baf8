# `xl save` then `xl restore` of a ballooned guest (memory=256 maxmem=1024,
# ballooned to 200 MiB, 64 MiB held with a pattern): the guest suspends when
# asked (control/shutdown = suspend), comes back in a new domain, and every
# patterned byte is the same; then it balloons up and down, memtest and
# meminfo -c pass (xt_save_after).
xt_guest
xt_save_prepare
dom=$(xt_domname)
f=/tmp/$dom.save
rm -f $f
t0=$(xt_now_ms)
xl save "$dom" $f > $XT_LOG/save-$dom.log 2>&1 || { xt_space >> $XT_LOG/save-$dom.log; rm -f $f; XT_OUT=$XT_LOG/save-$dom.log; xt_fail "xl save failed"; }
t1=$(xt_now_ms)
size=$(( $(xt_size $f) / 1048576 ))
grep -q "shut down, reason code 2" /var/log/xen/xl-$dom.log 2>/dev/null ||
	xt_info "(xl's log does not show the suspend reason)"
xl restore $f > $XT_LOG/restore-$dom.log 2>&1 || { rm -f $f; XT_OUT=$XT_LOG/restore-$dom.log; xt_fail "xl restore failed"; }
t2=$(xt_now_ms)
rm -f $f
xt_reattach "xl restore"
xt_save_after "save+restore"
xt_pass "xl save $((t1 - t0)) ms (${size} MiB file), xl restore $((t2 - t1)) ms; $XT_SAVE_SUMMARY"
