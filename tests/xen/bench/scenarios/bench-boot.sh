# make bench-xen: `xl create` to the prompt (ballast) or to init (the Linux
# stand-in's init prints the same prompt), XT_BENCH_REPS times. For *pod
# configs maxmem is XT_BENCH_PODMAX MiB (populate-on-demand: costs no host
# memory); for ballast also the time until its balloon has given the PoD
# memory back (Linux's init starts only after that: balloon_wait_finish).
. /xt/scenarios/benchlib.sh
fig=boot; ov=
case $XT_TYPE in
*pod) fig=pod; ov="maxmem=${XT_BENCH_PODMAX:-4096}";;
*full) fig=full;;
*min) fig=min;;
esac
mem=$(xt_cfgval memory)
BM_BOOT_TIMEOUT_MS=$(( ${XT_BENCH_BOOT_TIMEOUT:-400} * 1000 ))
n=0; ok=0; rep=1; out=
while [ $rep -le $XT_BENCH_REPS ]; do
	bm_boot $ov; r=$?
	n=$((n + 1))
	if [ $r = 0 ]; then
		ok=$((ok + 1))
		bm_rec "t $fig $BM_KIND $BM_OS $rep $mem $BM_PROMPT_MS prompt create=$BM_CREATE_MS"
		out="$out ${BM_PROMPT_MS}ms"
		if [ $fig = pod ] && [ $BM_OS = bl ]; then
			bm_now; b0=$BM_NOW
			i=0
			while xt_cmd balloon && ! xt_expect "state: *done" && [ $i -lt 240 ]; do
				i=$((i + 1)); sleep 0.25
			done
			bm_counters pod $BM_KIND $rep $mem
			bm_rec "t poddone $BM_KIND $BM_OS $rep $mem $(awk '/^last target: reached in/ { print $5 }' $XT_OUT) guest -"
		fi
	else
		bm_rec "t $fig $BM_KIND $BM_OS $rep $mem - failed$r -"
		out="$out failed($r)"
		# one that did not come up in time will not the next time either
		[ $r = 1 ] && rep=$XT_BENCH_REPS
	fi
	bm_end
	rep=$((rep + 1))
done
[ $ok = $n ] || xt_fail "booted $ok of $n:$out"
xt_pass "create to prompt:$out"
