# Helpers for the make bench-xen scenarios (tests/xen/bench/scenarios),
# sourced after dom0/lib.sh. XT_TYPE is a config of tests/xen/bench/cfg:
# bl* is ballast, lx* the Linux stand-in (the rig's own Debian kernel with a
# busybox initramfs whose init prints the same prompt). Both are driven and
# timed by the same code.
#
# Times are ms of dom0 uptime (/proc/uptime, 10 ms resolution), read without
# forking. Results go out as lines on the console, picked up by
# tests/xen/bench/report.py:
#   BENCH t FIG TYPE OS REP STEP MS HOW FINAL   one timing
#   BENCH s FIG TYPE OS REP STEP MS MIB         one `xl list` sample
#   BENCH g FIG TYPE OS REP STEP KEY=VALUE...   ballast's own counters
# They are buffered in a file while anything is being timed and printed
# after (bm_flush), so the serial console does not slow the timed part.

: ${XT_BENCH_REPS:=3}
BM_DAT=/run/xt/bench.dat
: > $BM_DAT
BM_OS=${XT_TYPE%"${XT_TYPE#??}"}   # bl or lx
BM_KIND=$(xt_kind)
BM_DOM=$(xt_domname)
BM_TOL=$(xt_balloon_tol)   # `xl list` tolerance, as the scenarios'
BM_STABLE=${XT_BENCH_STABLE_MS:-2000}   # unchanged this long at the target: done
BM_GIVEUP=${XT_BENCH_GIVEUP_MS:-20000}  # unchanged this long elsewhere: stopped short
BM_LIMIT=${XT_BENCH_LIMIT_MS:-180000}   # one step at most
BM_SLEEP=${XT_BENCH_POLL_S:-0.02}       # between two `xl list` polls

bm_now() {
	read _u _ < /proc/uptime
	_s=${_u%.*}; _c=${_u#*.}
	BM_NOW=$(( _s * 1000 + (1$_c - 100) * 10 ))
}
bm_rec() { echo "BENCH $*" >> $BM_DAT; }
bm_flush() { cat $BM_DAT; : > $BM_DAT; }

# `xl list NAME`: the header has 6 words, memory is the 9th word
bm_mem() { set -- $(xl list "$BM_DOM" 2>/dev/null); BM_MEM=$9; }

# bm_boot [KEY=VALUE...]: destroy any old guest, xl create this config (with
# overrides), attach the console (lib.sh's xt_attach), wait for the
# prompt. BM_PROMPT_MS: ms from just before `xl create` to the prompt (for
# the stand-in: its init printing it). Returns 0, 1 (timeout), 2 (died).
bm_boot() {
	_log=$(xt_conslog)
	xl destroy "$BM_DOM" >/dev/null 2>&1
	[ -f $XT_STATE/$XT_TYPE.serialpid ] && kill $(cat $XT_STATE/$XT_TYPE.serialpid) 2>/dev/null
	rm -f $XT_STATE/$XT_TYPE.serialpid $XT_STATE/$XT_TYPE.up /run/xt/bm.prompt
	: > $XT_LOG/guest-$BM_DOM.log
	: > $XT_LOG/serial-$BM_DOM.log
	: > /var/log/xen/xl-$BM_DOM.log
	BM_PROMPT_MS=; BM_CREATE_MS=
	bm_now; _b0=$BM_NOW
	# the watcher: the first prompt in the console log, timestamped
	( while :; do
		if grep -qF "$XT_PROMPT" "$_log" 2>/dev/null; then
			bm_now; echo $BM_NOW > /run/xt/bm.prompt.tmp
			mv /run/xt/bm.prompt.tmp /run/xt/bm.prompt; exit 0
		fi
		sleep 0.03
	  done ) &
	_w=$!
	xl create "$(xt_cfg $XT_TYPE)" "$@" > $XT_LOG/create-$BM_DOM.log 2>&1; _rc=$?
	if [ $_rc != 0 ] && grep -q "Segmentation fault" $XT_LOG/create-$BM_DOM.log; then
		echo "xt: [$XT_NAME] xl create: xl crashed (Segmentation fault); retrying once"
		xl destroy "$BM_DOM" >/dev/null 2>&1
		: > $XT_LOG/guest-$BM_DOM.log
		bm_now; _b0=$BM_NOW
		xl create "$(xt_cfg $XT_TYPE)" "$@" > $XT_LOG/create-$BM_DOM.log 2>&1; _rc=$?
	fi
	bm_now; BM_CREATE_MS=$((BM_NOW - _b0))
	if [ $_rc != 0 ]; then
		kill $_w 2>/dev/null
		echo "xt: [$XT_NAME] xl create $* failed:"; tail -5 $XT_LOG/create-$BM_DOM.log | sed 's/^/xt:   /'
		return 2
	fi
	_id=$(xl domid "$BM_DOM" 2>/dev/null)
	echo "$_id" > $XT_STATE/$XT_TYPE.domid
	xt_attach $XT_TYPE $_id || { kill $_w; return 2; }
	_to=$(( $(xt_boot_timeout) * 1000 ))
	[ -n "$BM_BOOT_TIMEOUT_MS" ] && _to=$BM_BOOT_TIMEOUT_MS
	_k=0
	while [ ! -f /run/xt/bm.prompt ]; do
		bm_now
		if [ $((BM_NOW - _b0)) -gt $_to ]; then kill $_w 2>/dev/null; return 1; fi
		_k=$((_k + 1))
		if [ $((_k % 10)) = 0 ] && ! xt_alive; then
			sleep 1; [ -f /run/xt/bm.prompt ] && break
			kill $_w 2>/dev/null; return 2
		fi
		sleep 0.1
	done
	BM_PROMPT_MS=$(( $(cat /run/xt/bm.prompt) - _b0 ))
	touch $XT_STATE/$XT_TYPE.up
	XT_DOMID=$_id; XT_MARK=0
	return 0
}

# bm_follow T0 TARGET [TRACE]: poll `xl list` (no pause but BM_SLEEP) until
# it shows TARGET (within BM_TOL) and has not changed for BM_STABLE ms; or it
# has not changed for BM_GIVEUP ms away from the target (stopped short); or
# BM_LIMIT ms passed. Sets BM_HOW (reached, short, timeout, died), BM_FINAL
# (MiB) and BM_REACH: ms from T0 to the first sample showing the final value.
# TRACE ("FIG TYPE OS REP STEP") also records every sample.
bm_follow() {
	_t0=$1; _tg=$2; _tr=$3
	_last=x; _since=$_t0
	while :; do
		bm_mem; bm_now
		[ -n "$BM_MEM" ] || { BM_HOW=died; break; }
		[ -n "$_tr" ] && echo "BENCH s $_tr $((BM_NOW - _t0)) $BM_MEM" >> $BM_DAT
		if [ "$BM_MEM" != "$_last" ]; then _last=$BM_MEM; _since=$BM_NOW; fi
		_d=$((BM_MEM - _tg)); [ $_d -lt 0 ] && _d=$((-_d))
		if [ $_d -le $BM_TOL ]; then
			[ $((BM_NOW - _since)) -ge $BM_STABLE ] && { BM_HOW=reached; break; }
		elif [ $((BM_NOW - _since)) -ge $BM_GIVEUP ]; then
			BM_HOW=short; break
		fi
		[ $((BM_NOW - _t0)) -ge $BM_LIMIT ] && { BM_HOW=timeout; break; }
		sleep $BM_SLEEP
	done
	BM_FINAL=$_last; BM_REACH=$((_since - _t0))
}

# bm_counters FIG TYPE REP STEP: ballast's own balloon counters after a step
bm_counters() {
	[ "$BM_OS" = bl ] || return 0
	xt_cmd balloon || return 0
	_ms=$(awk '/^last target: reached in/ { print $5 }' $XT_OUT)
	_tot=$(sed -n 's/^since boot: *up \([0-9]*\) KiB, down \([0-9]*\) KiB, \([0-9]*\) calls, 2 MiB extents up \([0-9]*\) down \([0-9]*\).*/up_kib=\1 down_kib=\2 calls=\3 huge_up=\4 huge_down=\5/p' $XT_OUT)
	_st=$(awk '/^state:/ { print $2 }' $XT_OUT)
	_sh=$(sed -n 's/^last short: *//p' $XT_OUT | tr ' ' '_')
	_cl=$(sed -n 's/^target: .*(asked \(.*\))$/\1/p' $XT_OUT | tr ' ' '_')
	# time in the hypercalls and in zeroing pages (ms since boot)
	_tm=$(sed -n 's/^time: *add \([0-9]*\) ms, populate \([0-9]*\) ms, remove \([0-9]*\) ms.*/add_ms=\1 pop_ms=\2 rm_ms=\3/p' $XT_OUT)
	_td=$(sed -n 's/^time down: *decrease \([0-9]*\) ms, scrub \([0-9]*\) ms.*/dec_ms=\1 scrub_ms=\2/p' $XT_OUT)
	# the last target's time split: hypercalls by kind (calls/ms), the
	# scrub, adding blocks, and the guest's own (lines of `balloon`)
	_ls=$(sed -n 's/^last split: *populate \([0-9.]*\) ms, decrease \([0-9.]*\) ms, scrub \([0-9.]*\) ms, add \([0-9.]*\) ms; \([0-9]*\) batches ran \([0-9.]*\) ms.*/l_pop=\1 l_dec=\2 l_scrub=\3 l_add=\4 l_batches=\5 l_work=\6/p' $XT_OUT)
	_lh=$(awk '/^last host:/ { for (i = 3; i + 3 <= NF; i += 5) printf "h_%s=%s/%s ", $i, $(i + 1), $(i + 3) }' $XT_OUT)
	_lo=$(awk '/^last own:/ { print "l_own=" $3 }' $XT_OUT)
	# the TSC rate, to give cycles per page (once per guest)
	if [ -z "$BM_TSC" ] && xt_cmd xen; then
		BM_TSC=$(sed -n 's/^clock: TSC \([0-9]*\) kHz.*/\1/p' $XT_OUT)
	fi
	bm_rec "g $1 $2 $BM_OS $3 $4 state=$_st done_ms=$_ms $_tot $_tm $_td $_ls $_lh$_lo tsc_khz=${BM_TSC:-0}${_sh:+ short=$_sh}${_cl:+ clamp=$_cl}"
}

bm_end() {
	bm_flush
	xl destroy "$BM_DOM" >/dev/null 2>&1
	[ -f $XT_STATE/$XT_TYPE.serialpid ] && kill $(cat $XT_STATE/$XT_TYPE.serialpid) 2>/dev/null
	rm -f $XT_STATE/$XT_TYPE.up $XT_STATE/$XT_TYPE.serialpid
}
