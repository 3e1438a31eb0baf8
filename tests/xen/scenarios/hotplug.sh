# Sections come and go (issue 9): booted at memory=256 maxmem=256, the guest
# is grown past its boot maximum (`xl mem-max 1536; xl mem-set 1536`): the
# balloon hot-adds memory blocks (memmap on the new memory), `lsmem` shows
# them and a memtest of 1200M passes; back at 256 the added blocks are gone
# and `xl list`, `lsmem`, `free` and `meminfo` are back at their boot values.
# XT_CYCLES grow/shrink cycles (default 1), each checked the same way;
# XT_MEMTEST=0 skips the memtest.
xt_guest
dom=$(xt_domname)
high=${XT_HIGH:-1536}; low=256
tol=$(xt_balloon_tol)
# The values that must come back: lsmem's table, free's Mem: line, the
# meminfo lines that do not depend on time, xl list's memory.
snapshot() {
	xt_balloon_done "$1 MiB"
	xt_cmd "lsmem" || xt_crash "no prompt after lsmem"
	grep -E "^0x|^Total|^Memory block" $XT_OUT > $XT_LOG/snap.$1
	xt_cmd "free" || xt_crash "no prompt after free"
	grep "^Mem:" $XT_OUT >> $XT_LOG/snap.$1
	xt_cmd "meminfo" || xt_crash "no prompt after meminfo"
	grep -E "^(MemTotal|MemFree|MemUsed|Present|Online|Offline|PageOffline|Reserved|Memmap|PageTables|BootAllocated|Memory block)" $XT_OUT \
		>> $XT_LOG/snap.$1
	echo "xl: $(xt_xl_mem)" >> $XT_LOG/snap.$1
}
guest_ms() {
	xt_cmd "balloon" || xt_crash "no prompt after balloon"
	awk '/^last target: reached in/ { print $5 }' $XT_OUT
}
phases() { grep "^time:" $XT_OUT | sed 's/^time: *//; s/ (since boot)//'; }

xt_info "xl info free_memory: $(xl info 2>/dev/null | awk '/^free_memory/ { print $3 }') MiB"
# hotplug-cycles, in the same guest after hotplug, compares with the boot
# values hotplug took.
keep=$XT_STATE/$XT_TYPE.snapboot
if [ "${XT_CYCLES:-1}" = 1 ] || [ ! -f $keep ]; then
	snapshot boot
	cp $XT_LOG/snap.boot $keep
fi
cp $keep $XT_LOG/snap.boot.keep
cycles=${XT_CYCLES:-1}; c=0; up_ms=""; down_ms=""
xl mem-max "$dom" ${high}m || xt_fail "xl mem-max $high refused"
while [ $c -lt $cycles ]; do
	c=$((c + 1))
	xl mem-set "$dom" ${high}m || xt_fail "xl mem-set $high refused"
	xt_reach $high ${XT_BALLOON_TIMEOUT:-300} $tol
	up_ms="$up_ms $(guest_ms)"; up_phase=$(phases)
	if [ $c = 1 ]; then
		xt_cmd "lsmem" || xt_crash "no prompt after lsmem"
		xt_expect "^Hot-added blocks: +[1-9]" || xt_fail "lsmem shows no hot-added block at $high MiB"
		added=$(awk '/^Hot-added blocks:/ { print $3 }' $XT_OUT)
		if [ "${XT_MEMTEST:-1}" = 1 ]; then
			xt_memtest 1200M 900 "at $high MiB"
		fi
	fi
	xt_mm_check "at $high MiB, cycle $c"
	xl mem-set "$dom" ${low}m || xt_fail "xl mem-set $low refused"
	xt_reach $low ${XT_BALLOON_TIMEOUT:-300} $tol
	down_ms="$down_ms $(guest_ms)"; down_phase=$(phases)
	xt_mm_check "back at $low MiB, cycle $c"
	snapshot back
	if ! diff $XT_LOG/snap.boot.keep $XT_LOG/snap.back > $XT_LOG/snap.diff; then
		XT_OUT=$XT_LOG/snap.diff xt_fail "cycle $c: not back at the boot values"
	fi
done
xt_cmd "balloon" || xt_crash "no prompt after balloon"
blocks=$(grep "^blocks:" $XT_OUT | sed 's/^blocks: *//')
xt_cmd "xen" || xt_crash "no prompt after xen"
clock=$(grep "^clock:" $XT_OUT | sed 's/^clock: *//')
idle=$(grep "^idle:" $XT_OUT | sed 's/^idle: *//')
xt_pass "$cycles cycle(s) 256->$high->256, back at boot values each time; $added blocks added at $high; guest ms up:$up_ms down:$down_ms; last up: $up_phase; last down: $down_phase; $blocks; clock: $clock; idle: $idle"
