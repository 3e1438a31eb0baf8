# Balloon soak: XT_SOAK_STEPS (20) random steps on a guest booted at
# memory=256 maxmem=1024 (pvsoak, pvhsoak, hvmsoak in cfg/guests.tab), seeded by
# XT_SOAK_SEED (printed; a new one each run when unset). A step is one of
#   mem-set   xl mem-set T, T in [64, static-max]
#   hot-add   xl mem-max M past the boot maxmem, then xl mem-set T in (maxmem, M]
#   guest     balloon target X typed in the guest (above its maximum: refused)
#   hold      memhold of a random part of the guest's free memory
#   release   memhold release
#   inflight  xl mem-set T1, then xl mem-set T2 while T1 is still in flight
#   save      xl save + xl restore, xl save -c, or xl migrate to this host
#             (XT_SOAK_SAVE=0: none); the balloon goes on towards
#             memory/target in the new domain. The save file is in dom0's
#             /tmp (tmpfs, ~240 MiB): a guest above XT_SOAK_SAVE_MAX (180)
#             MiB is migrated instead, and with too little host memory for
#             a second copy nothing is done. PV migration on a Xen without
#             shadow paging is refused by Xen, before the guest is asked:
#             the step then checks the guest is unharmed.
# After each step, once the balloon has settled (done, or waiting for a
# reason that holds now), every one of these must hold:
#   - it reached the target (the guest's count equals it, `xl list` shows
#     the host's count), or it says why not and the reason is true: no free
#     memory (guest free <= the balloon's 1 MiB reserve + 1 MiB; going up, a
#     PV guest needs some to map new frames), the host's
#     maximum (no room left under it), no ballooned pages, the host out of
#     memory (xl info free_memory below the shortfall), a target clamped to
#     the guest's RAM (asked > Present) or to the host's maximum;
#   - the host's and the guest's counts differ by the constant seen at boot;
#   - `meminfo -c` and `balloon check` are consistent;
#   - a memtest over a random part of free memory (at most
#     XT_SOAK_MEMTEST_MAX MiB, 32; hvm on its serial port
#     XT_SOAK_MEMTEST_MAX_HVM, 2) passes.
# At the end, back at the boot target (memhold released, static-max put
# back): `free`, `lsmem`, `meminfo` (its per-order free block counts are
# only shown: which pages are ballooned differs) and `xl list` equal their
# boot values. Failed steps are counted and shown; the scenario passes when
# none failed. One "xt: soak" line per step in the log.
xt_guest
dom=$(xt_domname)
kind=$(xt_kind)
steps=${XT_SOAK_STEPS:-20}
seed=${XT_SOAK_SEED:-$(( $(xt_now_ms) % 1000000 ))}
RANDOM=$seed
bootmem=$(xt_cfgval memory)
bootmax=$(xt_cfgval maxmem)
hotmax=${XT_SOAK_HOTADD_MAX:-1280}
mtmax=${XT_SOAK_MEMTEST_MAX:-32}
settle_to=${XT_SOAK_SETTLE:-120}
poll=0.5
# nested HVM: adding a block takes seconds; over the serial port (not
# the PV console, XT_HVM_SERIAL=1) every command does, a memtest of 32 MiB
# minutes (it prints a line per block)
if [ "$kind" = hvm ]; then
	settle_to=${XT_SOAK_SETTLE_HVM:-300}
	if [ ! -f $XT_STATE/$XT_TYPE.pvcons ]; then
		mtmax=${XT_SOAK_MEMTEST_MAX_HVM:-2}
		poll=2
	fi
fi
tol=$(xt_balloon_tol)
S=$XT_STATE/soak-$XT_TYPE
mkdir -p $S
xt_info "soak: $XT_TYPE, seed $seed, $steps steps"
echo "xt: soak $XT_TYPE: seed $seed (XT_SOAK_SEED=$seed repeats the choices), $steps steps"

# R = random integer in [$1, $2] (in this shell: $RANDOM in a subshell
# would not advance the seeded sequence)
rnd() { R=$(( $1 + (RANDOM * 32768 + RANDOM) % ($2 - $1 + 1) )); }

# bal: run `balloon` in the guest, set b_* from its output:
#   b_state b_target b_asked b_clamp b_cur b_host b_max b_bal b_pend
#   b_retries b_short b_reason (keywords: see the awk)
bal() {
	xt_cmd balloon 60 || xt_crash "no prompt after balloon (step $step)"
	eval "$(awk '
		function kw(s) {
			if (s ~ /no free memory/) return "nofree"
			if (s ~ /fewer frames/) return "refused"
			if (s ~ /out of memory/) return "hostoom"
			if (s ~ /maximum/) return "hostmax"
			if (s ~ /no ballooned/) return "noballooned"
			if (s ~ /RAM/) return "ram"
			if (s ~ /blocks the guest can add/) return "reach"
			if (s ~ /minimum/) return "min"
			if (s ~ /backend/) return "backend"
			gsub(/[^A-Za-z0-9]+/, "_", s); return "other:" s
		}
		/^state:/ { st = $2 }
		/^target:/ { t = $2; a = $2; c = ""
			if (match($0, /asked [0-9]+ KiB: /)) {
				split(substr($0, RSTART + 6), x, " "); a = x[1]
				r = substr($0, RSTART + RLENGTH); sub(/\)[ \t]*$/, "", r); c = kw(r) } }
		/^current:/ { cur = $2; host = $5; max = $10 }
		/^ballooned:/ { bl = $2; pend = $10 }
		/^retries:/ { rt = $2 }
		/^last short:/ { sh = $3; r = $0; sub(/^[^:]*:[^:]*: */, "", r); rs = kw(r) }
		END {
			printf "b_state=%s b_target=%s b_asked=%s b_clamp=%s b_cur=%s b_host=%s b_max=%s ", st, t, a, c, cur, host, max
			printf "b_bal=%s b_pend=%s b_retries=%s b_short=%s b_reason=%s\n", bl, pend, rt, sh, rs
		}' $XT_OUT)"
	[ -n "$b_cur" ] && [ -n "$b_host" ] || xt_crash "balloon printed no current/host line (step $step)"
}

# mi: `meminfo -c`: m_free (KiB, free + isolated), m_present, m_ok
mi() {
	xt_cmd "meminfo -c" 60 || xt_crash "no prompt after meminfo -c (step $step)"
	eval "$(awk '
		/^MemFree:/ { f = $2 } /^IsolatedFree:/ { i = $2 } /^Present:/ { p = $2 }
		/^Consistency check: ok/ { ok = 1 }
		END { printf "m_free=%d m_present=%d m_ok=%d\n", f + i, p, ok }' $XT_OUT)"
}

# is the short reason true now? (sets why)
reason_true() {
	case "$b_reason" in
	# down: nothing left to give; up (PV): no page for the tables that map new frames
	nofree) mi; why="guest free ${m_free} KiB"; [ $m_free -le 2048 ] && { [ $b_cur -gt $b_target ] || [ "$kind" = pv ]; };;
	hostmax) why="host $b_host of at most $b_max KiB"; [ $b_cur -lt $b_target ] && [ $((b_max - b_host)) -lt $((b_target - b_cur)) ];;
	noballooned) why="ballooned $b_bal KiB"; [ $b_cur -lt $b_target ] && [ "$b_bal" = 0 ];;
	hostoom) _fm=$(xl info 2>/dev/null | awk '$1 == "free_memory" { print $3 }')
		why="xl info free_memory ${_fm} MiB"; [ -n "$_fm" ] && [ $((_fm * 1024)) -lt $((b_target - b_cur + 4096)) ];;
	*) why="reason '$b_reason' is not one a settled balloon may give"; false;;
	esac
}

# is a clamp of the target true? (sets why)
clamp_true() {
	case "$b_clamp" in
	'') return 0;;
	ram) [ -n "$m_present" ] || mi; why="asked $b_asked KiB, Present $m_present KiB"; [ $b_asked -gt $m_present ] && [ $b_target -le $m_present ];;
	hostmax) why="asked $b_asked, host $b_host of at most $b_max KiB"; [ $b_asked -gt $b_target ] && [ $((b_max - b_host)) -lt $((b_asked - b_target)) ];;
	reach) why="asked $b_asked KiB, beyond every block the guest can add"; [ $b_asked -gt $b_target ];;
	*) why="clamp '$b_clamp'"; false;;
	esac
}

# settle WANT: poll the guest until its balloon has seen the request WANT
# (KiB, as the guest counts) and has settled. Sets outcome to reached,
# short (a true reason, in why) or a failure text.
settle() {
	_end=$(( $(xt_now) + settle_to ))
	while :; do
		bal; m_present=; why=
		if [ "$b_asked" = "$1" ]; then
			case "$b_state" in
			done)	if [ "$b_cur" = "$b_target" ]; then
					if clamp_true; then outcome=reached; else outcome="clamp not true: $why"; fi
					return
				fi
				# gave up after its retries: the reason must hold
				if reason_true; then outcome=short; else outcome="gave up, $b_short KiB short: $why"; fi
				return;;
			waiting) reason_true && { outcome=short; return; };;
			esac
		fi
		if [ $(xt_now) -ge $_end ]; then
			outcome="not settled after ${settle_to}s (asked $b_asked, want $1; state $b_state, $b_cur of $b_target KiB, reason $b_reason: $why)"
			return
		fi
		xt_alive || xt_crash "domain died in step $step"
		sleep $poll
	done
}

# the guest's request for an xl target: xenstore memory/target less the
# constant the guest took at its first event
xs_want() { echo $(( $(xt_xs memory/target) - off_g )); }

snapshot() {
	xt_cmd free 60 && cp $XT_OUT $S/$1.free
	xt_cmd lsmem 60 && cp $XT_OUT $S/$1.lsmem
	xt_cmd meminfo 60 && cp $XT_OUT $S/$1.meminfo
	xt_xl_mem > $S/$1.xl
}

# soak_save: one save, checkpoint or migration (sets what; save_bad on failure)
soak_save() {
	_xm=$(xt_xl_mem)
	_fm=$(xl info 2>/dev/null | awk '$1 == "free_memory" { print $3 }')
	_f=/tmp/$dom.soak
	_max=${XT_SOAK_SAVE_MAX:-180}; _pre=
	rnd 1 3; _op=$R
	# too big for a save file: first down to a size that fits
	if [ $_op != 3 ] && [ $_xm -gt $_max ]; then
		rnd 64 $_max; xlt=$R
		xl mem-set "$dom" ${xlt}m > $XT_LOG/soak-xl.out 2>&1 && settle "$(xs_want)"
		_xm=$(xt_xl_mem)
		[ "$outcome" = reached ] && [ $_xm -le $_max ] || _op=3
		_pre="xl mem-set $xlt ($outcome), "
	fi
	[ $_op = 3 ] && [ $((${_fm:-0} - _xm)) -lt 256 ] && _op=0
	_o=$XT_LOG/soak-save.out; : > $_o; rm -f $_f
	case $_op in
	1)	what="${_pre}xl save + xl restore at $_xm MiB"
		xl save "$dom" $_f >> $_o 2>&1 || { rm -f $_f; save_bad="xl save failed: $(tail -1 $_o)"; return; }
		xl restore $_f >> $_o 2>&1 || { rm -f $_f; XT_OUT=$_o xt_crash "xl restore failed (step $step)"; }
		rm -f $_f
		xt_reattach "xl restore";;
	2)	what="${_pre}xl save -c at $_xm MiB"
		xl save -c "$dom" $_f >> $_o 2>&1 || save_bad="xl save -c failed: $(tail -1 $_o)"
		rm -f $_f;;
	3)	what="${_pre}xl migrate at $_xm MiB"
		if xl migrate -s '' "$dom" "xl migrate-receive" >> $_o 2>&1; then
			xt_reattach "xl migrate"
		elif [ "$kind" = pv ] && grep -q "Failed to enable logdirty: 95" $_o; then
			what="$what (refused by Xen: no shadow paging for PV log-dirty)"
		else
			xt_alive || XT_OUT=$_o xt_crash "xl migrate failed and the domain is gone (step $step)"
			save_bad="xl migrate failed: $(tail -1 $_o)"
		fi;;
	0)	what="${_pre}save step: no room to save or migrate $_xm MiB (host free ${_fm} MiB), nothing done";;
	esac
}

# ---- at boot: settled at the boot target, the constants, the snapshots
step=0
_end=$(( $(xt_now) + settle_to ))
while :; do
	bal
	case "$b_target" in [0-9]*) [ "$b_state" = done ] && [ "$b_cur" = "$b_target" ] && break;; esac
	[ $(xt_now) -lt $_end ] || xt_fail "the balloon did not settle at boot in ${settle_to}s (state $b_state, $b_cur of $b_target KiB)"
	sleep 0.5
done
k=$((b_host - b_cur))
boot_target=$b_target
boot_bal="target $b_target, guest $b_cur, host $b_host KiB"
xs_boot=$(xt_xs memory/target)
off_g=$((xs_boot - b_asked))
snapshot boot
xt_info "soak: at boot: guest $b_cur KiB, host $b_host KiB (constant $k KiB), xenstore-to-guest $off_g KiB, xl list $(cat $S/boot.xl) MiB"

statmax=$bootmax     # static-max as raised by xl mem-max
held=0               # KiB held by memhold
xlt=$bootmem         # last xl target (MiB)
src=xl               # where the target came from: xl or guest
pass=0 fail=0 failed=""
t_start=$(xt_now)

step=1
while [ $step -le $steps ]; do
	rnd 1 100; pick=$R
	cs0=$(xt_size "$XT_CONSLOG")
	want=; what=; bad=
	# nothing held: a release is a mem-set instead
	[ $pick -gt 70 ] && [ $pick -le 85 ] && [ $held = 0 ] && pick=20
	if [ $pick -le 30 ]; then
		rnd 64 $statmax; xlt=$R
		what="xl mem-set $xlt"
		xl mem-set "$dom" ${xlt}m > $XT_LOG/soak-xl.out 2>&1 || what="$what (refused: $(tail -1 $XT_LOG/soak-xl.out))"
		want=$(xs_want); src=xl
	elif [ $pick -le 40 ]; then
		rnd $((bootmax + 1)) $hotmax; m=$R
		[ $m -lt $statmax ] && m=$statmax
		rnd $((bootmax + 1)) $m; xlt=$R
		what="xl mem-max $m, xl mem-set $xlt"
		if xl mem-max "$dom" ${m}m > $XT_LOG/soak-xl.out 2>&1; then
			statmax=$m
			xl mem-set "$dom" ${xlt}m > $XT_LOG/soak-xl.out 2>&1 || what="$what (mem-set refused: $(tail -1 $XT_LOG/soak-xl.out))"
		else
			what="$what (mem-max refused: $(tail -1 $XT_LOG/soak-xl.out))"
		fi
		want=$(xs_want); src=xl
	elif [ $pick -le 60 ]; then
		bal
		# mostly within what the guest may ask for now, now and then above
		gmax=$(( b_cur + b_max - b_host )); mi
		[ $gmax -gt $m_present ] && gmax=$m_present
		gmax=$((gmax / 1024))
		rnd 1 5
		if [ $R = 1 ] || [ $gmax -lt 64 ]; then rnd 64 $((statmax + 64)); else rnd 64 $gmax; fi
		x=$R
		what="guest: balloon target ${x}M"
		xt_cmd "balloon target ${x}M" 60 || xt_crash "no prompt after balloon target (step $step)"
		if xt_expect "above the maximum"; then
			lim=$(sed -n 's/.*above the maximum, \([0-9]*\) KiB.*/\1/p' $XT_OUT)
			what="$what (refused: above the maximum, $lim KiB)"
			if [ -z "$lim" ] || [ $((x * 1024)) -le $lim ]; then
				fail=$((fail + 1)); failed="$failed $step"
				echo "xt: soak $XT_TYPE step $step/$steps: $what: FAIL: refused below its maximum"
				step=$((step + 1)); continue
			fi
			want=$b_asked
		else
			xt_expect "^balloon: target" || xt_crash "balloon target ${x}M: $(head -1 $XT_OUT)"
			want=$((x * 1024)); src=guest
		fi
	elif [ $pick -le 70 ]; then
		mi
		rnd 10 60; h=$(( m_free * R / 100 / 4 * 4 ))
		[ $h -ge 4 ] || h=4
		what="memhold ${h}K ($R% of free)"
		xt_cmd "memhold ${h}K" 180 || xt_crash "no prompt after memhold (step $step)"
		xt_expect "memhold: holding" || what="$what (held nothing)"
		n=$(sed -n 's/.* \([0-9]*\) in all.*/\1/p' $XT_OUT | tail -1)
		[ -n "$n" ] && held=$((n * 4))
		bal; want=$b_asked
	elif [ $pick -le 85 ]; then
		what="memhold release ($held KiB)"
		xt_cmd "memhold release" 180 || xt_crash "no prompt after memhold release (step $step)"
		held=0
		bal; want=$b_asked
		# a balloon stopped short for want of free memory retries with
		# backoff and, after its last retry, waits for a new target
		# (README): give it the same target again
		if [ "$b_cur" != "$b_target" ]; then
			what="$what, same target again"
			if [ $src = xl ]; then
				xenstore-write "/local/domain/$(xt_domid)/memory/target" "$(xt_xs memory/target)"
			else
				xt_cmd "balloon target ${b_target}K" 60 || xt_crash "no prompt after balloon target (step $step)"
			fi
		fi
	elif [ $pick -gt 92 ] && [ "${XT_SOAK_SAVE:-1}" = 1 ]; then
		soak_save
		want=$(xs_want); src=xl
	else
		rnd 64 $statmax; t1=$R
		rnd 64 $statmax; xlt=$R
		rnd 0 9; d=$R
		what="xl mem-set $t1, after 0.${d}s xl mem-set $xlt"
		xl mem-set "$dom" ${t1}m > $XT_LOG/soak-xl.out 2>&1
		sleep 0.$d
		xl mem-set "$dom" ${xlt}m > $XT_LOG/soak-xl.out 2>&1 || what="$what (refused: $(tail -1 $XT_LOG/soak-xl.out))"
		want=$(xs_want); src=xl
	fi

	t0=$(xt_now_ms)
	[ -n "$save_bad" ] && { bad="$save_bad"; save_bad=; }
	settle "$want"
	took=$(( $(xt_now_ms) - t0 ))
	case "$outcome" in
	reached|short) ;;
	*) bad="${bad:+$bad; }$outcome";;
	esac
	res="$outcome in ${took} ms"
	[ "$outcome" = short ] && res="$res ($b_reason, $b_short KiB: $why)"
	[ -n "$b_clamp" ] && res="$res, clamped ($b_clamp: $why)"
	[ $((b_host - b_cur)) = $k ] || bad="$bad; host - guest = $((b_host - b_cur)) KiB, at boot $k"
	xm=$(xt_xl_mem)
	if [ "$outcome" = reached ]; then
		[ "$xm" = $((b_host / 1024)) ] || bad="$bad; xl list $xm MiB, host count $b_host KiB"
		if [ $src = xl ] && [ -z "$b_clamp" ]; then
			dd=$((xm - xlt)); [ $dd -lt 0 ] && dd=$((-dd))
			[ $dd -le $tol ] || bad="$bad; xl list $xm MiB, xl target $xlt"
		fi
	fi
	mi
	[ $m_ok = 1 ] || bad="$bad; meminfo -c: $(grep -i -m1 fail $XT_OUT)"
	rnd 1 50; mt=$(( m_free * R / 100 / 4 * 4 ))
	[ $mt -gt $((mtmax * 1024)) ] && mt=$((mtmax * 1024))
	if [ $mt -ge 4 ]; then
		xt_cmd "memtest ${mt}K" 300 || xt_crash "no prompt after memtest ${mt}K (step $step)"
		xt_expect "ok \(0 bad words\)" || bad="$bad; memtest ${mt}K: $(head -1 $XT_OUT)"
	fi
	xt_cmd "balloon check" 60 || xt_crash "no prompt after balloon check (step $step)"
	xt_expect "balloon check: ok" || bad="$bad; balloon check: $(grep -v '^$' $XT_OUT | head -2 | tr '\n' ' ')"
	if [ -z "$bad" ]; then
		pass=$((pass + 1))
		echo "xt: soak $XT_TYPE step $step/$steps: $what: $res; xl list $xm MiB; memtest ${mt}K ok"
	else
		fail=$((fail + 1)); failed="$failed $step"
		echo "xt: soak $XT_TYPE step $step/$steps: $what: FAIL: ${bad#; } ($res; xl list $xm MiB; guest $b_cur of $b_target KiB, host $b_host of $b_max)"
		# the first failures: what the guest's kernel said during the step
		if [ $fail -le 3 ]; then
			tail -c +$((cs0 + 1)) "$XT_CONSLOG" | tr -d '\r\000' |
				grep -aiE '^[a-z0-9]+: .*(error|fail|lost|not |refused|short|cannot)|^(balloon|xen|pv|mm):' |
				grep -v '^balloon: target' | head -12 | xt_detail
		fi
	fi
	step=$((step + 1))
done

# ---- back at the boot target: everything as at boot
step=end
[ $held = 0 ] || xt_cmd "memhold release" 180 || xt_crash "no prompt after memhold release (end)"
# the boot target as libxl wrote it (for PVH/HVM with maxmem > memory it
# is 1 MiB below memory; xl mem-set ${bootmem}m would not be)
xl mem-set "$dom" ${xs_boot}k || xt_fail "xl mem-set ${xs_boot}k refused at the end"
settle "$(xs_want)"
endbad=
[ "$outcome" = reached ] || endbad="; back at $xs_boot KiB: $outcome"
# At creation libxl leaves the domain's maximum below what xl mem-set gives
# the same target: a PVH/HVM guest booted with memory < maxmem has its boot
# target clamped by the host's maximum (1 MiB below memory/target for pvh,
# 1656 KiB for hvm here), and after xl mem-set it is not. Back to the
# guest's boot target from its shell, then.
if [ "$b_target" != "$boot_target" ]; then
	echo "xt: soak $XT_TYPE: guest target $b_target KiB after xl mem-set, $boot_target at boot (asked $b_asked): balloon target ${boot_target}K"
	xt_cmd "balloon target ${boot_target}K" 60 || xt_crash "no prompt after balloon target (end)"
	settle $boot_target
	[ "$outcome" = reached ] || endbad="$endbad; back at the guest's boot target $boot_target KiB: $outcome"
fi
if [ $statmax != $bootmax ]; then
	xl mem-max "$dom" ${bootmax}m > $XT_LOG/soak-xl.out 2>&1 || endbad="$endbad; xl mem-max $bootmax: $(tail -1 $XT_LOG/soak-xl.out)"
fi
[ $((b_host - b_cur)) = $k ] || endbad="$endbad; host - guest = $((b_host - b_cur)) KiB, at boot $k"
echo "xt: soak $XT_TYPE: memory/target at boot $xs_boot, now $(xt_xs memory/target) KiB; balloon at boot: $boot_bal; now: target $b_target, guest $b_cur, host $b_host KiB"
snapshot end
for f in free lsmem xl; do
	cmp -s $S/boot.$f $S/end.$f || endbad="$endbad; $f differs: boot '$(tr -s ' \n' ' ' < $S/boot.$f)' end '$(tr -s ' \n' ' ' < $S/end.$f)'"
done
grep -v "^Free blocks per order" $S/boot.meminfo > $S/boot.mi
grep -v "^Free blocks per order" $S/end.meminfo > $S/end.mi
cmp -s $S/boot.mi $S/end.mi ||
	endbad="$endbad; meminfo differs: $(diff $S/boot.mi $S/end.mi | grep '^[-+][^-+]' | tr -s ' \n' ' ')"
echo "xt: soak $XT_TYPE: free blocks per order at boot: $(sed -n 's/^Free blocks per order: *//p' $S/boot.meminfo), at the end: $(sed -n 's/^Free blocks per order: *//p' $S/end.meminfo)"
if [ -n "$endbad" ]; then
	fail=$((fail + 1)); failed="$failed end"
	echo "xt: soak $XT_TYPE end: FAIL: ${endbad#; }"
else
	pass=$((pass + 1))
	echo "xt: soak $XT_TYPE end: free, lsmem, meminfo, xl list ($(cat $S/end.xl) MiB) as at boot"
fi
took=$(( $(xt_now) - t_start ))
echo "xt: soak $XT_TYPE: $steps steps + end check in ${took}s, seed $seed: $pass passed, $fail failed"
[ $fail = 0 ] || xt_fail "seed $seed, $steps steps: $pass passed, $fail failed (failed:$failed)"
xt_pass "seed $seed, $steps steps in ${took}s: $pass passed, $fail failed"
