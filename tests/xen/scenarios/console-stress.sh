# Lost console input: is a typed line ever lost, and by whom? While
# `xl mem-set` moves the balloon between memory/2 and 2*memory (at most
# maxmem) every XT_CONS_PERIOD (3) s:
#  1. XT_CONS_LINES (2000) numbered lines `echo cN` are written to the
#     console's pty in one go (the pty, xenconsoled and the PV ring pace
#     them; nothing waits for an echo);
#  2. XT_CONS_CMDS (20) lines `echo dN` are typed with xt_cmd, one at a
#     time as every scenario does, counting the ones not echoed in time;
#  3. hvm only: XT_CONS_SERIAL_LINES (20) lines `echo sN` written to the
#     emulated COM1's pty while the shell answers on hvc0 (ttyS0 muted:
#     output over the UART costs ~10 ms a byte), for the 16550 path.
# Then the three counts of each phase must agree: lines the rig wrote,
# lines the guest read (`console`: lines read, bytes in, overruns, output
# dropped) and lines echoed and run as the console log shows them.
xt_guest
dom=$(xt_domname)
tty=$(xt_tty)
mem=$(xt_cfgval memory); max=$(xt_cfgval maxmem)
lo=$((mem / 2)); hi=$((mem * 2)); [ $hi -gt $max ] && hi=$max
in=/run/xt/cons-in
stop=/run/xt/cons-stop
summary=""

# console_counts: `console` in the guest: XT_LINES, and XT_IN XT_OVR XT_DROP
# of the console input is written to (hvc0 or ttyS0), XT_DROPALL of all
console_counts() {
	xt_cmd console || xt_crash "no prompt after console ($1)"
	XT_LINES=$(awk '/^lines read:/ { print $3 }' $XT_OUT)
	set -- $(awk -v c="$2:" '$1 == c { print $3, $5, $8 }' $XT_OUT)
	XT_IN=$1 XT_OVR=$2 XT_DROP=$3
	XT_DROPALL=$(awk '/bytes dropped/ { s += $8 } END { print s + 0 }' $XT_OUT)
	[ -n "$XT_LINES" ] && [ -n "$XT_DROP" ] || xt_fail "console shows no counters"
}

load_start() {
	rm -f $stop
	trap "touch $stop" EXIT
	(
		while [ ! -f $stop ]; do
			xl mem-set "$dom" ${lo}m; sleep ${XT_CONS_PERIOD:-3}
			[ -f $stop ] && break
			xl mem-set "$dom" ${hi}m; sleep ${XT_CONS_PERIOD:-3}
		done
	) > /dev/null 2>&1 &
	loadpid=$!
}
load_stop() {
	touch $stop; wait $loadpid
	xl mem-set "$dom" ${mem}m
}

# count_log P N: of lines P1..PN, how many the console log shows echoed
# (`echo PK`) and run (`PK`): XT_ECHOED XT_RAN, the first missing
# XT_MISSING, and how many ran more than once XT_DUP (an echo may show twice:
# a message before Enter redraws the line)
count_log() {
	xt_since | awk -v p="$1" -v n="$2" '
		{ sub(/^ballast> /, "") }
		$1 == "echo" && $2 ~ "^" p "[0-9]+$" && NF == 2 { e[substr($2, 2) + 0]++ }
		$0 ~ "^" p "[0-9]+$" { r[substr($0, 2) + 0]++ }
		END {
			for (i = 1; i <= n; i++) {
				ne += (i in e); nr += (i in r)
				if (!(i in e) && m == "") m = i
				if (r[i] > 1) dup++
			}
			print ne + 0, nr + 0, (m == "" ? "-" : m), dup + 0
		}' > $XT_OUT.count
	read XT_ECHOED XT_RAN XT_MISSING XT_DUP < $XT_OUT.count
}

# stream P N TTY CON TIMEOUT: phase 1 or 3, written to TTY, read from CON
stream() {
	awk -v p="$1" -v n="$2" 'BEGIN { for (i = 1; i <= n; i++) printf "echo %s%d\r", p, i }' > $in
	bytes=$(wc -c < $in)
	console_counts "before $1" $4
	l0=$XT_LINES i0=$XT_IN o0=$XT_OVR d0=$XT_DROPALL
	xt_mark; mark0=$XT_MARK
	t0=$(xt_now_ms)
	cat $in > "$3" || xt_fail "cannot write to $3"
	t1=$(xt_now_ms)
	xt_wait "^$1$2\$" $5
	r=$?
	t2=$(xt_now_ms)
	count_log $1 $2
	[ $r = 2 ] && xt_crash "domain died during $1 lines"
	# not all answered yet: a prompt in the log may be one of theirs
	[ $r = 0 ] || xt_fail "$1: wrote $2 lines to $4; after ${5}s the log shows $XT_ECHOED echoed, $XT_RAN run"
	console_counts "after $1" $4
	# the second `console` is a line too, and its bytes are counted when
	# it is typed to the console under test
	lines=$((XT_LINES - l0 - 1)); got=$((XT_IN - i0))
	[ "$3" = "$tty" ] && got=$((got - 8))
	ovr=$((XT_OVR - o0)); drop=$((XT_DROPALL - d0))
	res="$1: wrote $2 lines ($bytes bytes) to $4 in $((t1 - t0)) ms, last answered after $((t2 - t0)) ms;"
	res="$res guest read $lines lines ($got bytes, $ovr overruns, $drop output bytes dropped);"
	res="$res log: $XT_ECHOED echoed, $XT_RAN run, first missing $XT_MISSING, $XT_DUP run twice"
	xt_info "$res"
	summary="$summary; $res"
	ok=1
	[ $lines = $2 ] && [ $got = $bytes ] && [ $ovr = 0 ] && [ $drop = 0 ] || ok=0
	[ $XT_ECHOED = $2 ] && [ $XT_RAN = $2 ] && [ $XT_DUP = 0 ] || ok=0
	[ $ok = 1 ] && return
	# what the log shows where the first missing line should be
	XT_MARK=$mark0
	xt_since | grep -n -B3 -A3 -E "(^|[^0-9])$1$XT_MISSING\$" > $XT_OUT.miss
	XT_OUT=$XT_OUT.miss XT_FAIL_LINES=40 xt_fail "$res"
}

case "$(xt_kind)" in hvm) [ -f $XT_STATE/$XT_TYPE.pvcons ] && con=hvc0 || con=ttyS0;; *) con=hvc0;; esac
n=${XT_CONS_LINES:-2000}
load_start
stream c $n "$tty" $con ${XT_CONS_TIMEOUT:-$((n / 5 + 60))}

# phase 2: as scenarios type, one line at a time, waiting for its prompt
k=${XT_CONS_CMDS:-20}
console_counts "before d" $con
l0=$XT_LINES d0=$XT_DROPALL
xt_mark; mark0=$XT_MARK
late=0; i=1; t0=$(xt_now_ms)
while [ $i -le $k ]; do
	xt_cmd "echo d$i" > $XT_OUT.cmd || xt_crash "no prompt after echo d$i"
	grep -q "not echoed" $XT_OUT.cmd && late=$((late + 1))
	grep -qx "d$i" $XT_OUT || xt_fail "echo d$i printed no d$i"
	i=$((i + 1))
done
t1=$(xt_now_ms)
XT_MARK=$mark0; count_log d $k
console_counts "after d" $con
res="d: xt_cmd typed $k lines in $((t1 - t0)) ms, $late not echoed within the timeout; guest read $((XT_LINES - l0 - 1)) lines ($((XT_DROPALL - d0)) output bytes dropped); log: $XT_ECHOED echoed, $XT_RAN run"
xt_info "$res"
summary="$summary; $res"
[ $late = 0 ] && [ $((XT_LINES - l0 - 1)) = $k ] || xt_fail "$res"

if [ "$con" = hvc0 ] && [ "$(xt_kind)" = hvm ]; then
	stty=$(xt_xs serial/0/tty)
	[ -c "$stty" ] || xt_fail "no serial pty in xenstore"
	s=${XT_CONS_SERIAL_LINES:-20}
	stream s $s "$stty" ttyS0 ${XT_CONS_SERIAL_TIMEOUT:-$((s * 4 + 60))}
fi
load_stop
xt_reach $mem ${XT_BALLOON_TIMEOUT:-180} $(xt_balloon_tol)
xt_pass "balloon ${lo}<->${hi} MiB every ${XT_CONS_PERIOD:-3}s${summary}"
