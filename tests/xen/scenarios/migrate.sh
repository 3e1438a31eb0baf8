# `xl migrate` to the same host (no ssh: -s '' runs the receiver command
# itself): live pre-copy while the guest runs, then suspend, last pass, and
# the guest resumes as a new domain on the receiving side; its memory is the
# same to the byte and it balloons, tests and checks as before.
xt_guest
xt_save_prepare
dom=$(xt_domname)
# PV live migration needs Xen's log-dirty mode for PV, which is shadow
# paging: a Xen built without it (no "shadow" in xl info's virt_caps)
# refuses ("Failed to enable logdirty: 95"). Then the guest must be
# unharmed: it was never asked to suspend.
caps=$(xl info | sed -n 's/^virt_caps *: *//p')
noshadow=
[ "$(xt_kind)" = pv ] && ! echo "$caps" | grep -qw shadow && noshadow=1
t0=$(xt_now_ms)
xl ${XT_MIGRATE_V:+-vvv} migrate -s '' "$dom" "xl migrate-receive 2>$XT_LOG/recv-$dom.log" > $XT_LOG/migrate-$dom.log 2>&1 ||
	{ if [ -n "$noshadow" ] && grep -q "Failed to enable logdirty: 95" $XT_LOG/migrate-$dom.log; then
		xt_cmd "memhold check" 120 || xt_crash "no prompt after a refused migration"
		xt_expect "16384 pages checked, 0 mismatches" || xt_fail "memhold check after a refused migration"
		xt_skip "Xen refuses PV log-dirty (no shadow paging; virt_caps: $caps): xl migrate failed before asking the guest; guest unharmed (memhold check 0 mismatches)"
	  fi
	  { echo "--- receiver:"; cat $XT_LOG/recv-$dom.log; } >> $XT_LOG/migrate-$dom.log
	  XT_OUT=$XT_LOG/migrate-$dom.log XT_FAIL_LINES=${XT_MIGRATE_V:+120} xt_fail "xl migrate failed"; }
t1=$(xt_now_ms)
grep -q "Migration successful" $XT_LOG/migrate-$dom.log || xt_info "(xl migrate did not say Migration successful)"
xt_reattach "xl migrate"
xt_save_after "migrate"
xt_pass "xl migrate $((t1 - t0)) ms; $XT_SAVE_SUMMARY"
