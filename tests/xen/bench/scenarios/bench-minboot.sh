# make bench-xen: `xl create` to init for the Linux stand-in at the smallest
# memory it boots with: tried from 64 MiB down (XT_BENCH_LXMIN), up from 64
# when 64 fails; then XT_BENCH_REPS timed boots there. (ballast's memory=64
# boots are bench-boot on bl*min.)
. /xt/scenarios/benchlib.sh
BM_BOOT_TIMEOUT_MS=${XT_BENCH_PROBE_MS:-240000}
best=
for m in ${XT_BENCH_LXMIN:-64 48 40 32}; do
	bm_boot memory=$m maxmem=$m; r=$?
	bm_rec "t probe $BM_KIND $BM_OS 1 $m ${BM_PROMPT_MS:--} $([ $r = 0 ] && echo booted || echo failed$r) -"
	bm_end
	[ $r = 0 ] || break
	best=$m
done
if [ -z "$best" ]; then
	for m in 96 128 192 256; do
		bm_boot memory=$m maxmem=$m; r=$?
		bm_rec "t probe $BM_KIND $BM_OS 1 $m ${BM_PROMPT_MS:--} $([ $r = 0 ] && echo booted || echo failed$r) -"
		bm_end
		[ $r = 0 ] && { best=$m; break; }
	done
fi
[ -n "$best" ] || xt_fail "did not boot at any size tried"
out=; rep=1
while [ $rep -le $XT_BENCH_REPS ]; do
	bm_boot memory=$best maxmem=$best; r=$?
	if [ $r = 0 ]; then
		bm_rec "t min $BM_KIND $BM_OS $rep $best $BM_PROMPT_MS prompt create=$BM_CREATE_MS"
		out="$out ${BM_PROMPT_MS}ms"
	else
		bm_rec "t min $BM_KIND $BM_OS $rep $best - failed$r -"
		out="$out failed($r)"
	fi
	bm_end
	rep=$((rep + 1))
done
xt_pass "smallest memory that boots: $best MiB; create to init:$out"
