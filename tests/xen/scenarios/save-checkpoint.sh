# `xl save -c` (a checkpoint): the guest suspends, the save is written, the
# suspend is cancelled and the same domain goes on (the hypercall returns
# 1); the guest says so, and its memory and drivers are as before.
xt_guest
xt_save_prepare
dom=$(xt_domname)
id0=$(xt_domid)
f=/tmp/$dom.ckpt
rm -f $f
xt_mark
t0=$(xt_now_ms)
xl save -c "$dom" $f > $XT_LOG/save-$dom.log 2>&1 || { xt_space >> $XT_LOG/save-$dom.log; rm -f $f; XT_OUT=$XT_LOG/save-$dom.log; xt_fail "xl save -c failed"; }
t1=$(xt_now_ms)
size=$(( $(xt_size $f) / 1048576 ))
rm -f $f
[ "$(xl domid "$dom" 2>/dev/null)" = "$id0" ] || xt_fail "domain $id0 did not go on after xl save -c"
xt_wait "suspend cancelled" 30 || { xt_since > $XT_OUT; xt_fail "the guest did not say the suspend was cancelled"; }
xt_save_after "save -c"
case "$XT_SAVE_SUMMARY" in *cancelled*) ;; *) xt_fail "xen does not show the last suspend as cancelled";; esac
xt_pass "xl save -c $((t1 - t0)) ms (${size} MiB file); $XT_SAVE_SUMMARY"
