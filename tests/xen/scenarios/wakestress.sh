# The lost-wakeup stress (issue 23, docs/incidents.md): `wakestress
# XT_WAKE_ROUNDS (20000) XT_WAKE_US (2000)` in the guest, XT_WAKE_RUNS (1)
# times in a row, each round a one-shot wakeup with the timer firing
# before, during or after the idle. With XT_WAKE_LOAD=1 `xl mem-set`
# moves the balloon meanwhile (events from dom0, balloon batches between
# rounds). A wakeup lost shows as progress lines stopping for
# XT_WAKE_STALL (30) s: Xen's view is taken first (typing wakes the
# guest), then a Ctrl-C wakes and stops the command, whose report says
# how late the stuck round woke. PASS: every run 0 late; the `xen` idle
# line says how many upcalls came at the idle's hlt (and were stepped over).
xt_guest
rounds=${XT_WAKE_ROUNDS:-20000}; us=${XT_WAKE_US:-2000}; stall=${XT_WAKE_STALL:-30}
runs=${XT_WAKE_RUNS:-1}
dom=$(xt_domname); mem=$(xt_cfgval memory)
stop=/run/xt/wake-stop
if [ "${XT_WAKE_LOAD:-0}" = 1 ]; then
	rm -f $stop; trap "touch $stop" EXIT
	( while [ ! -f $stop ]; do
		xl mem-set "$dom" $((mem * 3 / 4))m; sleep 3
		xl mem-set "$dom" ${mem}m; sleep 3
	  done ) > /dev/null 2>&1 &
fi
done_re="^wakestress: [0-9]+ of [0-9]+ rounds, done"

# one_run K: one wakestress command; FAIL at a stall or a late round
one_run() {
	xt_mark
	xt_type "wakestress $rounds $us" || xt_crash "cannot type"
	last=-1; t_last=$(xt_now)
	while ! xt_seen "$done_re"; do
		n=$(xt_since | awk '/^wakestress: [0-9]+ of/ { n = $2 } END { print n + 0 }')
		[ "$n" != "$last" ] && { last=$n; t_last=$(xt_now); }
		if [ $(( $(xt_now) - t_last )) -ge $stall ]; then
			xt_xen_dump > $XT_OUT.xen
			printf '\003' > "$(xt_tty)"
			xt_wait "^wakestress: .*(stopped|done)" 60 || xt_crash "no answer after Ctrl-C"
			xt_since > $XT_OUT.stress
			xt_cmd xen; cat $XT_OUT >> $XT_OUT.stress
			xt_cmd "dmesg"; tail -60 $XT_OUT | sed 's/^/dmesg: /' >> $XT_OUT.stress
			cat $XT_OUT.xen >> $XT_OUT.stress
			XT_OUT=$XT_OUT.stress XT_FAIL_LINES=360 \
				xt_fail "run $1 of $runs: lost wakeup: no progress for ${stall}s after $last rounds"
		fi
		xt_alive || xt_crash "domain died in wakestress"
		sleep 1
	done
	xt_wait "^$XT_PROMPT_RE" 30
	line=$(xt_since | grep -E "$done_re" | tail -1)
	echo "$line" | grep -q " 0 late" || xt_fail "run $1 of $runs: $line"
	xt_info "run $1 of $runs: $line"
}

t0=$(xt_now_ms)
k=1
while [ $k -le $runs ]; do one_run $k; k=$((k + 1)); done
ms=$(( $(xt_now_ms) - t0 ))
xt_cmd xen || xt_crash "no prompt after xen"
idle=$(grep '^idle:' $XT_OUT)
xt_pass "$runs of $runs runs of $rounds rounds with 0 late in $ms ms ($line); $idle"
