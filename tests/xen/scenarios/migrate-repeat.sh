# Ten migrations in a row (XT_MIGRATIONS) to this host of a ballooned guest
# with memory hot-added past its boot maximum (memory=maxmem=128, `xl
# mem-max` 256, `xl mem-set` 200, 64 MiB held with a pattern). After each:
# `memhold check` 0 mismatches, and lsmem's table, meminfo's memory lines
# and `xl list` as before the first (PV: `xen p2m` agrees with the M2P);
# after the last, xt_save_after (ballooning, memtest, meminfo -c, idle).
# PV needs a Xen with shadow paging (tests/xen/shadow-plan boots one); on
# one without, Xen refuses before the guest is asked: SKIP, guest unharmed.
xt_guest
dom=$(xt_domname)
XT_SAVE_MIB=200 XT_SAVE_UP=50
n=${XT_MIGRATIONS:-10}
xl mem-max "$dom" 256m || xt_fail "xl mem-max 256 refused"
xl mem-set "$dom" ${XT_SAVE_MIB}m || xt_fail "xl mem-set $XT_SAVE_MIB refused"
xt_reach $XT_SAVE_MIB 300 $(xt_balloon_tol)
xt_balloon_done "$XT_SAVE_MIB MiB"
xt_cmd "memhold 64M --pattern" 120 || xt_crash "no prompt after memhold 64M --pattern"
xt_expect "memhold: holding 16384 more" || xt_fail "memhold 64M --pattern held less"
# what must be the same after every migration
snap() {
	xt_cmd lsmem || xt_crash "no prompt after lsmem ($2)"
	grep -E "^0x|^Total|^Hot-added" $XT_OUT > $1
	xt_cmd meminfo || xt_crash "no prompt after meminfo ($2)"
	grep -E "^(Present|Online|Offline|PageOffline|Memmap|MemmapOnMemory|Memory block)" $XT_OUT >> $1
	echo "xl: $(xt_xl_mem)" >> $1
}
snap $XT_LOG/mig.0 "before"
hot=$(awk '/^Hot-added blocks:/ { print $3 }' $XT_LOG/mig.0)
[ "${hot:-0}" -ge 1 ] || xt_fail "no block hot-added at $XT_SAVE_MIB MiB past a boot maximum of 128"
caps=$(xl info | sed -n 's/^virt_caps *: *//p')
i=1; ms=
while [ $i -le $n ]; do
	t0=$(xt_now_ms)
	if ! xl migrate -s '' "$dom" "xl migrate-receive 2>$XT_LOG/recv-$dom.log" > $XT_LOG/migrate-$dom.log 2>&1; then
		if [ $i = 1 ] && [ "$(xt_kind)" = pv ] && grep -q "Failed to enable logdirty: 95" $XT_LOG/migrate-$dom.log; then
			xt_cmd "memhold check" 120 || xt_crash "no prompt after a refused migration"
			xt_expect "16384 pages checked, 0 mismatches" || xt_fail "memhold check after a refused migration"
			xt_skip "Xen refuses PV log-dirty (virt_caps: $caps): guest unharmed (memhold check 0 mismatches)"
		fi
		{ echo "--- receiver:"; cat $XT_LOG/recv-$dom.log; } >> $XT_LOG/migrate-$dom.log
		XT_OUT=$XT_LOG/migrate-$dom.log xt_fail "migration $i of $n failed"
	fi
	t1=$(xt_now_ms)
	xt_reattach "migration $i"
	xt_cmd "memhold check" 120 || xt_crash "no prompt after memhold check (migration $i)"
	xt_expect "16384 pages checked, 0 mismatches" || xt_fail "memhold check after migration $i"
	if [ "$(xt_kind)" = pv ]; then
		xt_cmd "xen p2m" 60 || xt_crash "no prompt after xen p2m (migration $i)"
		xt_expect "the M2P agrees" || xt_fail "P2M and M2P disagree after migration $i"
	fi
	snap $XT_LOG/mig.$i "migration $i"
	diff $XT_LOG/mig.0 $XT_LOG/mig.$i > $XT_LOG/mig.diff ||
		XT_OUT=$XT_LOG/mig.diff xt_fail "migration $i: not the same as before the first"
	ms="$ms $((t1 - t0))"
	i=$((i + 1))
done
xt_save_after "$n migrations"
xt_pass "$n migrations with $hot hot-added block(s), each the same (0 mismatches; lsmem, meminfo, xl list unchanged); ms:$ms; $XT_SAVE_SUMMARY"
