# The lost-wakeup stress (issue 23, docs/incidents.md): `wakestress
# XT_WAKE_ROUNDS (20000) XT_WAKE_US (2000)` in the guest, each round a
# one-shot wakeup with the timer firing before, during or after the idle.
# With XT_WAKE_LOAD=1 `xl mem-set` moves the balloon meanwhile (events
# from dom0, balloon batches between rounds). A wakeup lost shows as
# progress lines stopping for XT_WAKE_STALL (30) s: Xen's view is taken
# first (typing wakes the guest), then a Ctrl-C wakes and stops the
# command, whose report says how late the stuck round woke.
xt_guest
rounds=${XT_WAKE_ROUNDS:-20000}; us=${XT_WAKE_US:-2000}; stall=${XT_WAKE_STALL:-30}
dom=$(xt_domname); mem=$(xt_cfgval memory)
stop=/run/xt/wake-stop
if [ "${XT_WAKE_LOAD:-0}" = 1 ]; then
	rm -f $stop; trap "touch $stop" EXIT
	( while [ ! -f $stop ]; do
		xl mem-set "$dom" $((mem * 3 / 4))m; sleep 3
		xl mem-set "$dom" ${mem}m; sleep 3
	  done ) > /dev/null 2>&1 &
fi
xt_mark
t0=$(xt_now_ms)
xt_type "wakestress $rounds $us" || xt_crash "cannot type"
done_re="^wakestress: [0-9]+ of [0-9]+ rounds, done"
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
			xt_fail "lost wakeup: no progress for ${stall}s after $last rounds"
	fi
	xt_alive || xt_crash "domain died in wakestress"
	sleep 1
done
ms=$(( $(xt_now_ms) - t0 ))
xt_wait "^$XT_PROMPT_RE" 30
line=$(xt_since | grep -E "$done_re" | tail -1)
xt_cmd xen || xt_crash "no prompt after xen"
idle=$(grep '^idle:' $XT_OUT)
echo "$line" | grep -q " 0 late" || xt_fail "$line"
xt_pass "$line in $ms ms; $idle"
