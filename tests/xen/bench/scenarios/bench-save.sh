# make bench-xen: save, restore, checkpoint and migrate. Boot at memory=256
# maxmem=1024, balloon to 200 MiB, then time, in dom0, each xl command from
# start to exit: `xl save` (the guest suspends, its memory is written to
# dom0's /tmp), `xl restore` (a new domain, running again), `xl save -c`
# (written, the guest goes on) and `xl migrate` to this host (live
# pre-copy, suspend, last pass, resume on the receiving side). The same
# commands for ballast and the Linux stand-in; a command that fails is
# recorded as such (PV migration needs Xen's shadow paging).
. /xt/scenarios/benchlib.sh
low=${XT_BENCH_SAVE_MIB:-200}
f=/tmp/$BM_DOM.save
out=; rep=1

# bm_time STEP CMD...: run CMD, record its ms and whether it worked
bm_time() {
	_step=$1; shift
	bm_now; _t0=$BM_NOW
	"$@" > $XT_LOG/bench-$_step.log 2>&1; _rc=$?
	bm_now
	_how=ok; [ $_rc = 0 ] || _how=failed
	grep -q "Failed to enable logdirty: 95" $XT_LOG/bench-$_step.log && _how=refused
	_mib=-; [ -f $f ] && _mib=$(( $(stat -c %s $f) / 1048576 ))
	bm_rec "t save $BM_KIND $BM_OS $rep $_step $((BM_NOW - _t0)) $_how $_mib"
	out="$out $_step:$_how/$((BM_NOW - _t0))ms"
	[ $_rc = 0 ] || { echo "xt: [$XT_NAME] $_step failed:"
		{ grep -m3 -iE "error|fail|killed" $XT_LOG/bench-$_step.log; tail -3 $XT_LOG/bench-$_step.log; } | sed 's/^/xt:   /'; }
	return $_rc
}

# going again: not paused, shut down, crashed or dying (a restored domain
# comes up paused; a runnable vcpu waiting for a CPU shows neither r nor b)
bm_running() {
	_i=0
	while [ $_i -lt 100 ]; do
		set -- $(xl list "$BM_DOM" 2>/dev/null | tail -1)
		case "$5" in *p*|*s*|*c*|*d*|'') ;; *) return 0;; esac
		_i=$((_i + 1)); sleep 0.1
	done
	BM_STATE="state '$5' for 10 s: $(xl list -v "$BM_DOM" 2>/dev/null | tail -1)"
	return 1
}

while [ $rep -le $XT_BENCH_REPS ]; do
	bm_boot; r=$?
	[ $r = 0 ] || { bm_flush; xt_crash "no prompt (bm_boot $r)"; }
	bm_now; t0=$BM_NOW
	xl mem-set "$BM_DOM" ${low}m || { bm_flush; xt_fail "xl mem-set $low refused"; }
	bm_follow $t0 $low
	[ $BM_HOW = reached ] || { bm_flush; xt_fail "did not reach $low MiB ($BM_HOW at $BM_FINAL)"; }
	rm -f $f
	# a guest that did not come back is recorded; the next repeat boots anew
	if ! bm_time save xl save "$BM_DOM" $f || ! bm_time restore xl restore $f || ! bm_running; then
		rm -f $f; bm_end; rep=$((rep + 1)); continue
	fi
	rm -f $f
	bm_time checkpoint xl save -c "$BM_DOM" $f
	rm -f $f
	bm_running || { bm_flush; sed 's/^/xt:   xl save -c: /' $XT_LOG/bench-checkpoint.log | tail -12
		xl dmesg | tail -8 | sed 's/^/xt:   xl dmesg: /'
		xt_fail "not running after xl save -c ($BM_STATE)"; }
	if bm_time migrate xl migrate -s '' "$BM_DOM" "xl migrate-receive"; then
		bm_running || { bm_flush; xt_fail "not running after xl migrate"; }
	fi
	bm_end
	rep=$((rep + 1))
done
xt_pass "save/restore/checkpoint/migrate:$out"
