# make bench-xen: hot-add. Boot at memory=maxmem=256, `xl mem-max` +
# `xl mem-set` 1536 (past the RAM the guest booted with), then back to 256.
# Each timed like bench-memset; a guest that cannot grow past its boot RAM
# stops short, and that is reported as such ("short" and where it stopped).
. /xt/scenarios/benchlib.sh
BM_GIVEUP=${XT_BENCH_HOT_GIVEUP_MS:-20000}
big=${XT_BENCH_HOTADD:-1536}
n=0; out=; rep=1
while [ $rep -le $XT_BENCH_REPS ]; do
	bm_boot; r=$?
	[ $r = 0 ] || { bm_flush; xt_crash "no prompt (bm_boot $r)"; }
	bm_now; bm_follow $BM_NOW 256
	bm_counters hotadd $BM_KIND $rep boot
	bm_now; t0=$BM_NOW
	xl mem-max "$BM_DOM" ${big}m > /run/xt/memmax.out 2>&1 || { cat /run/xt/memmax.out; bm_flush; xt_fail "xl mem-max $big refused"; }
	xl mem-set "$BM_DOM" ${big}m > /run/xt/memmax.out 2>&1 || { cat /run/xt/memmax.out; bm_flush; xt_fail "xl mem-set $big refused"; }
	bm_follow $t0 $big "hotadd $BM_KIND $BM_OS $rep $big"
	bm_rec "t hotadd $BM_KIND $BM_OS $rep $big $BM_REACH $BM_HOW $BM_FINAL"
	out="$out $big:$BM_HOW@${BM_FINAL}MiB/${BM_REACH}ms"
	[ $BM_HOW = died ] && { bm_flush; xt_crash "domain died going to $big MiB"; }
	bm_counters hotadd $BM_KIND $rep $big
	bm_now; t0=$BM_NOW
	xl mem-set "$BM_DOM" 256m || { bm_flush; xt_fail "xl mem-set 256 refused"; }
	bm_follow $t0 256 "hotadd $BM_KIND $BM_OS $rep 256"
	bm_rec "t hotremove $BM_KIND $BM_OS $rep 256 $BM_REACH $BM_HOW $BM_FINAL"
	out="$out 256:$BM_HOW/${BM_REACH}ms"
	bm_counters hotadd $BM_KIND $rep 256
	bm_end
	rep=$((rep + 1))
done
xt_pass "hot-add:$out"
