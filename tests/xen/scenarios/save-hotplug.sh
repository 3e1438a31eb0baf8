# Save/restore (PV) or migrate (PVH, HVM) with memory hot-added past the
# boot maximum (memory=maxmem=128, `xl mem-max` 256, `xl mem-set` 200: a
# block beyond the boot map; the save file must fit in dom0's /tmp): the saver must see the added pfns (PV: inside
# max_pfn and the P2M lists), and after it every patterned byte is the same
# and the guest balloons, tests and checks as before (xt_save_after).
# XT_HOT_MAX / XT_HOT_MIB (256 / 200) change the sizes: make
# test-xen-bigsave runs it at 1536 / 1400 on a rig with room for that.
xt_guest
dom=$(xt_domname)
hmax=${XT_HOT_MAX:-256}
XT_SAVE_MIB=${XT_HOT_MIB:-200} XT_SAVE_UP=50
xl mem-max "$dom" ${hmax}m || xt_fail "xl mem-max $hmax refused"
xl mem-set "$dom" ${XT_SAVE_MIB}m || xt_fail "xl mem-set $XT_SAVE_MIB refused"
xt_reach $XT_SAVE_MIB 300 $(xt_balloon_tol)
xt_balloon_done "$XT_SAVE_MIB MiB"
xt_cmd "lsmem" || xt_crash "no prompt after lsmem"
blocks=$(awk '/^Memory block size/ { next } /online/ { n++ } END { print n + 0 }' $XT_OUT)
xt_cmd "memhold 64M --pattern" 120 || xt_crash "no prompt after memhold 64M --pattern"
xt_expect "memhold: holding 16384 more" || xt_fail "memhold 64M --pattern held less"
t0=$(xt_now_ms)
if [ "$(xt_kind)" = pv ]; then
	# PV live migration needs shadow paging this Xen lacks (migrate.sh)
	f=/tmp/$dom.save
	rm -f $f
	xl save "$dom" $f > $XT_LOG/save-$dom.log 2>&1 || { xt_space >> $XT_LOG/save-$dom.log; rm -f $f; XT_OUT=$XT_LOG/save-$dom.log; xt_fail "xl save failed"; }
	xl restore $f > $XT_LOG/restore-$dom.log 2>&1 || { rm -f $f; XT_OUT=$XT_LOG/restore-$dom.log; xt_fail "xl restore failed"; }
	rm -f $f
	what="save+restore"
else
	xl migrate -s '' "$dom" "xl migrate-receive 2>$XT_LOG/recv-$dom.log" > $XT_LOG/migrate-$dom.log 2>&1 ||
		{ cat $XT_LOG/recv-$dom.log >> $XT_LOG/migrate-$dom.log; XT_OUT=$XT_LOG/migrate-$dom.log; xt_fail "xl migrate failed"; }
	what="migrate"
fi
t1=$(xt_now_ms)
xt_reattach "$what"
xt_save_after "$what with hot-added memory"
xt_pass "$what $((t1 - t0)) ms at $XT_SAVE_MIB MiB (boot max 128, mem-max $hmax; lsmem online lines: $blocks); $XT_SAVE_SUMMARY"
