# make bench-xen: `xl mem-set` 1000, 128, 900, 256 on a guest booted at
# memory=256 maxmem=1024, XT_BENCH_REPS times; each step timed from just
# before `xl mem-set` to the first `xl list` sample showing the target
# (the same polling for ballast and the Linux stand-in). Every sample is
# kept for the plot; ballast's own counters after each step.
. /xt/scenarios/benchlib.sh
bm_boot; r=$?
[ $r = 0 ] || { bm_flush; xt_crash "no prompt (bm_boot $r)"; }
bm_rec "t boot $BM_KIND $BM_OS 1 256 $BM_PROMPT_MS prompt -"
# settle at the boot target first (a PoD boot gives back maxmem - memory)
bm_now; bm_follow $BM_NOW 256
bm_rec "t settle $BM_KIND $BM_OS 1 256 $BM_REACH $BM_HOW $BM_FINAL"
bm_counters memset $BM_KIND 0 boot
bm_flush
n=0; ok=0; rep=1
while [ $rep -le $XT_BENCH_REPS ]; do
	for t in 1000 128 900 256; do
		bm_now; t0=$BM_NOW
		xl mem-set "$BM_DOM" ${t}m || { bm_flush; xt_fail "xl mem-set $t refused"; }
		bm_follow $t0 $t "memset $BM_KIND $BM_OS $rep $t"
		bm_rec "t memset $BM_KIND $BM_OS $rep $t $BM_REACH $BM_HOW $BM_FINAL"
		n=$((n + 1)); [ $BM_HOW = reached ] && ok=$((ok + 1))
		[ $BM_HOW = died ] && { bm_flush; xt_crash "domain died going to $t MiB"; }
		bm_counters memset $BM_KIND $rep $t
	done
	bm_flush
	rep=$((rep + 1))
done
bm_end
xt_pass "$ok of $n mem-set steps reached the target"
