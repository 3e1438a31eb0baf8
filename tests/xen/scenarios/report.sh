# Free page reporting to Xen (`balloon report on`, or page_reporting=xen
# on the guest's command line): the frames of the free memory a memtest
# used go back to Xen within 10 s of the free (`xl list` falls by at least
# 80% of what memtest freed); the next memtest gets them back (xl list
# rises while it runs) and passes; `xl mem-set` down and up works while
# blocks are reported; a target is still bounded by what the host allows
# (reported memory does not raise the maximum); nothing is lost (`xen`,
# `balloon check`, `meminfo -c`).
xt_guest
dom=$(xt_domname)
tol=$(xt_balloon_tol)
# the guest's balloon line "NAME: N KiB" -> N
bal_kib() { awk -v k="^$1:" '$0 ~ k { print $2; exit }' $XT_OUT; }
reported_kib() { sed -n "s/^reporting: .*: \([0-9]*\) KiB of the guest's free memory.*/\1/p" $XT_OUT; }

consistent() {
	xt_cmd "balloon check" || xt_crash "no prompt after balloon check ($1)"
	xt_expect "balloon check: ok" || xt_fail "balloon check failed ($1)"
	xt_mm_check "$1"
	xt_cmd "xen" || xt_crash "no prompt after xen ($1)"
	xt_expect "FAIL|lost" && xt_fail "xen reports a problem ($1)"
	xt_cmd "balloon" || xt_crash "no prompt after balloon ($1)"
	xt_expect "^lost:" && xt_fail "reporting lost memory ($1)"
	return 0
}

# Until xl list stops falling (what the balloon just populated, or a
# memtest freed, reported), at most 20 s: a memtest measured from there
# starts with all free memory given back.
settle_reported() {
	_end=$(( $(xt_now) + 20 )); _last=$(xt_xl_mem)
	while [ $(xt_now) -lt $_end ]; do
		sleep 3
		_m=$(xt_xl_mem)
		[ "$_m" -ge "$_last" ] && return 0
		_last=$_m
	done
	return 0
}

# memtest over 3/4 of the free memory; xl list sampled while it runs
# (the peak goes to $peak_file). Sets mt_kib, t_freed (ms), peak.
memtest_sampled() {
	xt_free "$1"
	mt_kib=$((XT_MEM_FREE * 3 / 4))
	_pf=$XT_LOG/report-peak
	: > $_pf
	( while :; do xt_xl_mem >> $_pf; sleep 1; done ) &
	_sampler=$!
	xt_cmd "memtest ${mt_kib}K" 600 || { kill $_sampler; xt_crash "no prompt after memtest ($1)"; }
	t_freed=$(xt_now_ms)
	kill $_sampler 2>/dev/null; wait $_sampler 2>/dev/null
	xt_expect "ok \(0 bad words\)" || xt_fail "memtest ${mt_kib}K did not pass ($1)"
	peak=$(xt_xl_mem)
	during=$(sort -n $_pf | tail -1)
	[ -n "$during" ] && [ "$during" -gt "$peak" ] && peak=$during
}

# After a memtest: xl list falls by 80% of what it freed within 10 s.
# Sets fell (MiB), fell_ms.
falls_after_free() {
	_want=$((mt_kib * 8 / 10 / 1024))
	while :; do
		_now=$(xt_xl_mem)
		fell=$((peak - _now))
		fell_ms=$(( $(xt_now_ms) - t_freed ))
		[ "$fell" -ge "$_want" ] && break
		if [ $fell_ms -gt 10000 ]; then
			xt_cmd balloon
			xt_fail "$1: xl list fell by $fell MiB (peak $peak, now $_now) in ${fell_ms} ms; want $_want MiB (80% of $((mt_kib / 1024)) MiB freed) within 10 s"
		fi
		xt_alive || xt_crash "domain died after memtest ($1)"
		sleep 0.5
	done
}

xt_cmd "balloon" || xt_crash "no prompt after balloon"
if ! xt_expect "^reporting: *on"; then
	xt_cmd "balloon report on" || xt_crash "no prompt after balloon report on"
	xt_expect "free page reporting on" || xt_fail "balloon report on refused"
	how=shell
else
	how=cmdline
fi
# the idle guest's free memory goes first
sleep 6
xt_cmd "balloon" || xt_crash "no prompt after balloon"
rep0=$(reported_kib)
[ -n "$rep0" ] && [ "$rep0" -gt 0 ] || xt_fail "nothing reported after 6 s (reporting on by $how)"
idle=$(xt_xl_mem)

memtest_sampled "first"
first_mt=$mt_kib; first_peak=$peak
falls_after_free "first memtest"
first="${first_mt}K freed: peak $first_peak MiB, -${fell} MiB in ${fell_ms} ms"

settle_reported
memtest_sampled "second"
[ "$peak" -ge $((idle + mt_kib * 8 / 10 / 1024)) ] ||
	xt_fail "xl list did not rise while memtest ran over reported memory (idle $idle, peak $peak MiB, memtest $((mt_kib / 1024)) MiB)"
falls_after_free "second memtest"
second="peak $peak MiB, -${fell} MiB in ${fell_ms} ms"
consistent "after two memtests"

# The maximum a target may have is what the host allows, not inflated by
# the reported memory (balloon_max_target counts reported pages as the
# host's): refused above it.
xt_cmd "balloon" || xt_crash "no prompt after balloon"
rep=$(reported_kib)
xt_cmd "balloon target 64G" || xt_crash "no prompt after balloon target 64G"
max=$(sed -n 's/.*above the maximum, \([0-9]*\) KiB.*/\1/p' $XT_OUT)
[ -n "$max" ] || xt_fail "balloon target 64G not refused"
maxmem=$(( $(xt_cfgval maxmem) * 1024 ))
[ "$max" -le "$maxmem" ] || xt_fail "maximum target $max KiB is above maxmem $maxmem KiB with $rep KiB reported"

# xl mem-set down and up while blocks are reported: the guest reaches the
# target (its current, not xl list, which shows less by what is reported).
for t in 128 320; do
	xl mem-set "$dom" ${t}m || xt_fail "xl mem-set $t refused"
	xt_balloon_done "$t MiB with blocks reported"
	cur=$(sed -n 's/^current: *\([0-9]*\) KiB.*/\1/p' $XT_OUT)
	tgt=$(sed -n 's/^target: *\([0-9]*\) KiB.*/\1/p' $XT_OUT)
	[ -n "$cur" ] && [ "$cur" = "$tgt" ] || xt_fail "at mem-set $t: current $cur KiB, target $tgt KiB"
	xt_reach $t 0 +$tol    # at once: at most the target
	settle_reported
	memtest_sampled "at $t MiB"
	falls_after_free "memtest at $t MiB"
	consistent "at $t MiB"
done
xl mem-set "$dom" 256m
xt_balloon_done "256 MiB"
show=$(grep -E "^(reporting|reported|reclaimed):" $XT_OUT | tr -s ' ' | tr '\n' ';')
# Off: every reported block is populated again, xl list back at the target.
xt_cmd "balloon report off" 120 || xt_crash "no prompt after balloon report off"
xt_expect "free page reporting off" || xt_fail "balloon report off refused"
# (at once: no time to reach it)
xt_reach 256 0 $tol
memtest_sampled "reporting off"
consistent "reporting off"
xt_pass "reporting on by $how: idle ${rep0} KiB reported (xl list $idle MiB); first: $first; second: $second; max target $max KiB with $rep KiB reported; mem-set 128, 320 reached; off: xl list $XT_GOT MiB; balloon: $show"
