# Helpers for the scenarios in tests/xen/scenarios/, sourced inside dom0
# (busybox sh). A scenario runs in its own subshell with
#   XT_TYPE   pv | pvh | hvm       XT_NAME   e.g. pv/help
# and must end with xt_pass, xt_fail, xt_crash or xt_skip.
#
#   xt_guest            the guest of XT_TYPE, booted to its prompt (reused
#                       from the previous scenario when still alive)
#   xt_create TYPE      destroy any old one, xl create the config, start logs
#   xt_cmd LINE [T]     type LINE into the guest console, wait up to T s for
#                       the prompt after its echo (never typed twice); output
#                       (without echo, prompt) in $XT_OUT
#   xt_type LINE        just type LINE (and \r)
#   xt_wait RE [T]      wait for extended regex RE in the console output that
#                       appeared since the last xt_mark (or xt_cmd)
#   xt_mark             remember the current end of the console log
#   xt_wait_gone [T]    wait until the domain has gone; echoes how it ended
#   xt_ended_by HOW W   wait for it to go after W; pass if it ended by HOW
#   xt_cfgval KEY       a value from the guest's xl config
#   xt_xs PATH          xenstore-read /local/domain/DOMID/PATH from dom0
#   xt_cputime          the guest's CPU seconds as `xl list` shows them
#   xt_xl_mem           the guest's memory as `xl list` shows it (MiB)
#   xt_balloon_tol      how far `xl list` may be from a target (MiB)
#   xt_reach T TO TOL   wait up to TO s for `xl list` to show T MiB (TOL)
#   xt_mm_check [WHERE] `meminfo -c` in the guest; FAIL unless consistent
#   xt_free [WHERE]     `free`: XT_MEM_TOTAL, XT_MEM_FREE (KiB)
#   xt_memtest SIZE T [WHERE]  memtest SIZE; FAIL unless it passes
#   xt_poweroff         `poweroff` in the shell; PASS when the domain ends so
#
# Results: one line `RESULT name PASS|FAIL|CRASH|SKIP detail` on stdout,
# optionally followed by detail lines starting with "  | ".

XT_LOG=/run/xt/log
XT_STATE=/run/xt/state
mkdir -p $XT_LOG $XT_STATE
: ${XT_TYPE:=pv}
: ${XT_NAME:=$XT_TYPE/adhoc}
XT_PROMPT=${XT_PROMPT:-'ballast> '}
XT_OUT=/run/xt/out
# guests run on pCPU 1, dom0 alone on pCPU 0 (run.py's Xen command line;
# XT_GUEST_CPUS= (empty) lets them share)
XT_GUEST_CPUS=${XT_GUEST_CPUS-1}
: > $XT_OUT

# time limits, seconds; HVM runs nested under software emulation and is slow
xt_boot_timeout() {
	case "$(xt_kind $1)" in hvm) echo ${XT_BOOT_TIMEOUT_HVM:-420};; *) echo ${XT_BOOT_TIMEOUT:-90};; esac
}
xt_cmd_timeout() {
	case "$(xt_kind)" in hvm) echo ${XT_CMD_TIMEOUT_HVM:-90};; *) echo ${XT_CMD_TIMEOUT:-20};; esac
}

xt_now() { read t _ < /proc/uptime; echo "${t%.*}"; }
# dom0 uptime in ms (/proc/uptime has 10 ms steps; busybox date has no %N)
xt_now_ms() {
	read _u _ < /proc/uptime
	_u=${_u%.*}${_u#*.}
	while [ ${#_u} -gt 1 ] && [ "${_u#0}" != "$_u" ]; do _u=${_u#0}; done
	echo $((_u * 10))
}
xt_info() { echo "xt: [$XT_NAME] $*"; }

xt_cfg() { echo /xt/cfg/$1.cfg; }
# xt_cfgval KEY [TYPE]: value of KEY = ... in the config, quotes removed
xt_cfgval() {
	sed -n "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*\"\{0,1\}\([^\"]*\)\"\{0,1\}[[:space:]]*\$/\1/p" \
		"$(xt_cfg ${2:-$XT_TYPE})" | head -1
}
# Process creation is slow in a PV dom0 under emulation (tens of ms for
# busybox, much more for xl and the dynamically linked xenstore tools), so
# names, domids and ttys are looked up once and kept.
for _c in /xt/cfg/*.cfg; do
	[ -f "$_c" ] || continue
	_ty=${_c##*/}; _ty=${_ty%.cfg}
	eval "XT_DN_$_ty=\$(xt_cfgval name $_ty)"
	eval "XT_KIND_$_ty=\$(xt_cfgval type $_ty)"
done
xt_domname() { eval "echo \$XT_DN_${1:-$XT_TYPE}"; }
# xt_kind [TYPE]: the guest type of a config (pv, pvh, hvm): config names
# like pvbal or hvmpodbal are scenarios' guests of those types
xt_kind() { eval "echo \$XT_KIND_${1:-$XT_TYPE}"; }
xt_domid() {
	if [ -s $XT_STATE/${1:-$XT_TYPE}.domid ]; then cat $XT_STATE/${1:-$XT_TYPE}.domid
	else xl domid "$(xt_domname "${1:-$XT_TYPE}")" 2>/dev/null; fi
}

# console log of the guest: its PV console (xenconsoled) or, for HVM until
# xt_pvcons moved it, the emulated serial port that the device model
# exposes as a pty
xt_conslog() {
	case "$(xt_kind ${1:-$XT_TYPE})" in
	hvm) if [ -f $XT_STATE/${1:-$XT_TYPE}.pvcons ]; then
		echo $XT_LOG/guest-$(xt_domname ${1:-$XT_TYPE}).log
	     else
		echo $XT_LOG/serial-$(xt_domname ${1:-$XT_TYPE}).log
	     fi;;
	*) echo $XT_LOG/guest-$(xt_domname ${1:-$XT_TYPE}).log;;
	esac
}
xt_size() { if [ -f "$1" ]; then wc -c < "$1"; else echo 0; fi; }

# state letters of `xl list`: r b p s c d; prints "gone" when not there.
# xl can fail transiently (e.g. while the device model starts): ask twice.
xt_state1() {
	xl list > /run/xt/xl-list.$$ 2>/dev/null || { echo "?"; return; }
	awk -v n="$1" '
		$1 == n { s = $5; gsub(/-/, "", s); print (s == "" ? "-" : s); f = 1 }
		END { if (!f) print "gone" }' /run/xt/xl-list.$$
}
xt_state() {
	_n=$(xt_domname "${1:-$XT_TYPE}")
	_s=$(xt_state1 "$_n")
	[ "$_s" = gone ] && { sleep 1; _s=$(xt_state1 "$_n"); }
	echo "$_s"
}
xt_alive() {
	case "$(xt_state "$@")" in gone|*c*|*s*|*d*) return 1;; esac
	return 0
}

# ---- results ------------------------------------------------------------
xt_result() {
	_k=$1; shift
	echo "RESULT $XT_NAME $_k $*"
	echo "$_k" > /run/xt/result
}
xt_detail() { awk '{ gsub(/\r/, ""); print "  | " $0 }'; }
xt_pass() { xt_result PASS "$*"; exit 0; }
xt_fail() { xt_result FAIL "$*"; [ -s "$XT_OUT" ] && xt_detail < "$XT_OUT" | tail -${XT_FAIL_LINES:-15}; exit 0; }
xt_skip() { xt_result SKIP "$*"; exit 0; }
# CRASH: the guest never answered; show the end of its console and of Xen's log
xt_crash() {
	xt_result CRASH "$*"
	_l=$(xt_conslog)
	echo "  | --- console ($_l), last lines:"
	if [ -s "$_l" ]; then tail -c 3000 "$_l" | tr -d '\000' | tail -20 | xt_detail
	else echo "  | (empty)"; fi
	if [ "$(xt_kind)" = hvm ] && [ -s $XT_LOG/guest-$(xt_domname).log ]; then
		echo "  | --- PV console:"; tail -10 $XT_LOG/guest-$(xt_domname).log | xt_detail
	fi
	echo "  | --- xl list: $(xl list 2>&1 | tail -n +2 | tr -s ' ' | tr '\n' ';')"
	echo "  | --- xl dmesg, last lines:"
	xl dmesg 2>&1 | tail -15 | xt_detail
	_x=/var/log/xen/xl-$(xt_domname).log
	[ -s "$_x" ] && { echo "  | --- $_x:"; tail -5 "$_x" | xt_detail; }
	_q=/var/log/xen/qemu-dm-$(xt_domname).log
	[ "$(xt_kind)" = hvm ] && [ -s "$_q" ] && { echo "  | --- $_q:"; tail -5 "$_q" | xt_detail; }
	exit 0
}

# ---- guest lifecycle ------------------------------------------------------
xt_destroy() {
	_n=$(xt_domname "${1:-$XT_TYPE}")
	xl destroy "$_n" >/dev/null 2>&1
	rm -f $XT_STATE/${1:-$XT_TYPE}.up $XT_STATE/${1:-$XT_TYPE}.domid $XT_STATE/${1:-$XT_TYPE}.tty
}

xt_create() {
	_t=${1:-$XT_TYPE}
	_n=$(xt_domname $_t)
	xt_destroy $_t
	[ -f /xt/cfg/$_t.cfg ] || { echo "xt: no config for $_t"; return 1; }
	case $(xt_kind $_t) in
	hvm) [ -s /xt/guest/ballast.iso ] || { echo "xt: no /xt/guest/ballast.iso (make iso)"; return 1; };;
	*) [ -s /xt/guest/ballast.elf ] || { echo "xt: no /xt/guest/ballast.elf"; return 1; };;
	esac
	# start every guest with empty logs so offsets and tails are its own
	[ -f $XT_STATE/$_t.serialpid ] && kill $(cat $XT_STATE/$_t.serialpid) 2>/dev/null
	rm -f $XT_STATE/$_t.serialpid $XT_STATE/$_t.pvcons
	: > $XT_LOG/guest-$_n.log
	: > $XT_LOG/serial-$_n.log
	: > /var/log/xen/xl-$_n.log
	_t0=$(xt_now_ms)
	# XT_GUEST_ARGS: more kernel arguments for a pv or pvh guest (an hvm
	# guest's are in the ISO it boots: make test-xen-stall builds one)
	_x=
	if [ -n "$XT_GUEST_ARGS" ] && [ "$(xt_cfgval type $_t)" != hvm ]; then
		_x="extra=\"$(xt_cfgval extra $_t) $XT_GUEST_ARGS\""
	fi
	# xl died of a segfault now and then while dom0 shared its pCPUs with
	# a busy guest (README: dom0 now has a pCPU of its own): should it
	# happen again, try once more, and say so
	xl create "$(xt_cfg $_t)" ${XT_GUEST_CPUS:+"cpus=\"$XT_GUEST_CPUS\""} \
		${_x:+"$_x"} > $XT_LOG/create-$_n.log 2>&1; _rc=$?
	if [ $_rc != 0 ] && grep -q "Segmentation fault" $XT_LOG/create-$_n.log; then
		echo "xt: xl create $_t: xl crashed (Segmentation fault); retrying once"
		xt_destroy $_t
		_t0=$(xt_now_ms)
		xl create "$(xt_cfg $_t)" ${XT_GUEST_CPUS:+"cpus=\"$XT_GUEST_CPUS\""} \
			${_x:+"$_x"} > $XT_LOG/create-$_n.log 2>&1; _rc=$?
	fi
	if [ $_rc != 0 ]; then
		echo "xt: xl create $_t failed:"; sed 's/^/xt:   /' $XT_LOG/create-$_n.log | tail -15
		return 1
	fi
	_id=$(xl domid "$_n" 2>/dev/null)
	echo "$_id" > $XT_STATE/$_t.domid
	echo "xt: created $_n as domain $_id in $(( $(xt_now_ms) - _t0 )) ms"
	xt_attach $_t $_id
}

# xt_attach TYPE DOMID: find the console pty (xenconsoled's for the PV
# console, the device model's for an HVM guest's serial port; up to 20 s)
# and keep it in the state; for HVM start the reader of the serial port
xt_attach() {
	_key=console/tty; [ "$(xt_kind $1)" = hvm ] && _key=serial/0/tty
	_i=0
	while :; do
		_pty=$(xenstore-read /local/domain/$2/$_key 2>/dev/null) && [ -n "$_pty" ] && break
		_i=$((_i + 1))
		[ $_i -lt 200 ] || { echo "xt: no $_key for domain $2 in xenstore"; return 1; }
		sleep 0.1
	done
	echo "$_pty" > $XT_STATE/$1.tty
	if [ "$(xt_kind $1)" = hvm ]; then
		stty -F "$_pty" raw -echo 2>/dev/null
		# the reader keeps the slave open; writers use the same path
		cat "$_pty" >> $XT_LOG/serial-$(xt_domname $1).log 2>/dev/null &
		echo $! > $XT_STATE/$1.serialpid
	fi
	return 0
}

# the pty that carries the guest's console input
xt_tty() { cat $XT_STATE/$XT_TYPE.tty 2>/dev/null; }

XT_CONSLOG=$(xt_conslog)
xt_mark() { XT_MARK=$(xt_size "$XT_CONSLOG"); }
XT_MARK=0

# xt_since: console output after the mark, NULs and CRs removed
xt_since() { tail -c +$((XT_MARK + 1)) "$XT_CONSLOG" 2>/dev/null | tr -d '\000\r'; }

# xt_seen RE [LINE]: RE on a line of the console output since the mark;
# with LINE, on a line after the echo of LINE typed at the prompt (the
# first line, whose prompt is before the mark, or a prompt and LINE)
# (awk only once grep saw RE: it costs twice as much here)
xt_seen() {
	if [ -z "$2" ]; then
		xt_since | grep -qE -- "$1"
		return
	fi
	xt_since > /run/xt/seen
	grep -qE -- "$1" /run/xt/seen || return 1
	awk -v re="$1" -v l="$2" -v pl="$XT_PROMPT$2" '
		seen && $0 ~ re { ok = 1; exit }
		$0 == pl || (NR == 1 && $0 == l) { seen = 1 }
		END { exit !ok }' /run/xt/seen
}

# xt_wait RE [TIMEOUT [POLL [LINE]]]: 0 when RE appeared after the mark (and
# after the echo of LINE: xt_seen), 1 on timeout, 2 when the domain crashed
# or went away first; the log is looked at every POLL seconds (0.25)
xt_wait() {
	_re=$1; _to=${2:-$(xt_cmd_timeout)}; _poll=${3:-0.25}
	_end=$(( $(xt_now) + _to )); _k=0
	while :; do
		xt_seen "$_re" "$4" && return 0
		[ $(xt_now) -lt $_end ] || return 1
		_k=$((_k + 1))
		if [ $((_k % 20)) = 0 ] && ! xt_alive; then
			sleep 1; xt_seen "$_re" "$4" && return 0
			return 2
		fi
		sleep $_poll
	done
}

xt_type() {
	_tty=$(xt_tty)
	[ -n "$_tty" ] && [ -c "$_tty" ] || { echo "xt: no console tty for $XT_TYPE"; return 1; }
	printf '%s\r' "$1" > "$_tty"
}

# prompt at the end of a line, not in an echoed command
XT_PROMPT_RE=$(printf '%s' "$XT_PROMPT" | sed 's/[].[*^$()+?{}|\\]/\\&/g')

# xt_cmd LINE [TIMEOUT]: type LINE, wait for the prompt after its output.
# $XT_OUT gets the output lines (the echoed command line and the new prompt
# removed). Returns as xt_wait does.
xt_cmd() {
	xt_mark
	: > $XT_OUT
	xt_type "$1" || return 1
	# the echo of the line, then output, then a new prompt; a kernel
	# message printed before the guest read the line ends with the shell's
	# prompt shown again, which is not the answer
	xt_wait "^$XT_PROMPT_RE" "${2:-$(xt_cmd_timeout)}" 0.25 "$1"
	_r=$?
	# No prompt and no echo in time: the guest has not read the line yet
	# (busy), it has not lost it: scenarios/console-stress typed 10,000
	# lines into each guest type under balloon load and all arrived (an
	# echo split by a kernel message looked like a lost line; the shell
	# now redraws the line after one). Typing it again would run it twice:
	# wait as long once more instead.
	if [ $_r = 1 ] && ! xt_since | grep -qF -- "$1"; then
		echo "xt: [$XT_NAME] '$1' not echoed yet: waiting once more (not typing it again)"
		xt_wait "^$XT_PROMPT_RE" "${2:-$(xt_cmd_timeout)}" 0.25 "$1"
		_r=$?
	fi
	# (a dom0 helper that died of a signal leaves a cut-off copy: see
	# "dom0 dmesg" at the end of a run; take it again)
	_k=0
	while xt_since > $XT_OUT.raw; [ $_r = 0 ] && [ $_k -lt 3 ] &&
		! grep -q -- "^$XT_PROMPT_RE" $XT_OUT.raw; do
		_k=$((_k + 1))
	done
	# the lines between the echo and the next prompt
	awk -v p="$XT_PROMPT" -v l="$1" -v pl="$XT_PROMPT$1" '
		on && index($0, p) == 1 { exit }
		on { print }
		!on && ($0 == pl || (NR == 1 && $0 == l)) { on = 1 }' \
		$XT_OUT.raw > $XT_OUT
	return $_r
}

# xt_expect RE: did the last xt_cmd print a line matching RE (case-insensitive)?
xt_expect() { grep -qiE -- "$1" $XT_OUT; }

# xt_balloon_done WHAT: `balloon` until it says done, at most 60 s (xl list
# can be within tolerance while the guest still works on its last pages;
# adding a block under nested HVM takes seconds); else fail naming WHAT.
xt_balloon_done() {
	_bd=$(( $(xt_now) + 60 ))
	while :; do
		xt_cmd "balloon" || xt_crash "no prompt after balloon"
		if xt_expect "state: *done"; then
			# the one safety net left (drivers/balloon/sched.c)
			# must never have been needed: each count is a lost
			# wakeup
			! xt_expect "^rearmed:" && return 0
			xt_fail "at $1 the balloon's call was found missing: $(grep '^rearmed:' $XT_OUT)"
		fi
		[ $(xt_now) -lt $_bd ] || xt_fail "balloon not done at $1"
		sleep 2
	done
}

# xt_guest: make sure the guest of XT_TYPE is up at its prompt, reusing the
# one a previous scenario left running. A guest that does not come up is a
# CRASH of this scenario; later scenarios of the type then fail fast.
xt_guest() {
	if [ -f $XT_STATE/$XT_TYPE.up ] && xt_alive; then
		XT_DOMID=$(xt_domid); return 0
	fi
	if [ -f $XT_STATE/$XT_TYPE.dead ]; then
		xt_result CRASH "no guest: $(cat $XT_STATE/$XT_TYPE.dead)"; exit 0
	fi
	xt_info "booting a $XT_TYPE guest"
	XT_MARK=0
	_t0=$(xt_now_ms)
	if ! xt_create $XT_TYPE > $XT_LOG/xt-create.out 2>&1; then
		cat $XT_LOG/xt-create.out
		echo "xl create failed in $XT_NAME" > $XT_STATE/$XT_TYPE.dead
		XT_OUT=$XT_LOG/xt-create.out xt_fail "xl create failed"
	fi
	cat $XT_LOG/xt-create.out
	XT_DOMID=$(xt_domid)
	_to=$(xt_boot_timeout $XT_TYPE)
	# boot-to-prompt time in ms: from before xl create to the prompt in
	# the console log, which is looked at every 50 ms
	xt_wait "$XT_PROMPT_RE" $_to 0.05
	case $? in
	0)	touch $XT_STATE/$XT_TYPE.up
		echo $(( $(xt_now_ms) - _t0 )) > $XT_STATE/$XT_TYPE.boottime
		xt_info "prompt after $(cat $XT_STATE/$XT_TYPE.boottime) ms"
		[ "$(xt_kind)" = hvm ] && [ "${XT_HVM_SERIAL:-0}" != 1 ] && xt_pvcons
		return 0;;
	1)	echo "did not reach the prompt in ${_to}s ($XT_NAME)" > $XT_STATE/$XT_TYPE.dead
		# a guest blocked at boot (seen once: pvhpod, no output, 0.0 s
		# CPU, on pCPU 1): Xen's view of its vcpu and the timer queues
		xt_xen_dump | sed 's/^/xt:   boot stall: /'
		xt_crash "no prompt within ${_to}s (state $(xt_state))";;
	*)	echo "died while booting ($XT_NAME)" > $XT_STATE/$XT_TYPE.dead
		xt_crash "domain died while booting (state $(xt_state))";;
	esac
}

# xt_pvcons: an HVM guest's shell moves from the emulated serial port to
# its PV console. Under nested emulation every byte to the UART is a trip
# to the device model, ~10 ms: `meminfo` took 7.5 s on ttyS0 and 0.25 s on
# hvc0. `console mute ttyS0` is typed on the serial port (its input stays
# tested) and answered on hvc0 only; from then on commands go to and come
# from the PV console (xenconsoled's pty and log). XT_HVM_SERIAL=1 keeps
# the serial port.
xt_pvcons() {
	_pty=$(xenstore-read /local/domain/$XT_DOMID/console/tty 2>/dev/null)
	if [ -z "$_pty" ] || [ ! -c "$_pty" ]; then
		xt_info "no PV console in xenstore: the shell stays on the serial port"
		return 0
	fi
	XT_CONSLOG=$XT_LOG/guest-$(xt_domname).log
	xt_mark
	xt_type "console mute ttyS0" || return 0
	if ! xt_wait "console: ttyS0 muted" 60 || ! xt_wait "^$XT_PROMPT_RE" 10; then
		xt_info "no answer to 'console mute ttyS0' on hvc0: the shell stays on the serial port"
		XT_CONSLOG=$(xt_conslog)
		return 0
	fi
	echo "$_pty" > $XT_STATE/$XT_TYPE.tty
	touch $XT_STATE/$XT_TYPE.pvcons
	xt_info "shell moved to the PV console (ttyS0 muted)"
}

# after a scenario ends the guest on purpose, the next one boots a new one
xt_forget() { rm -f $XT_STATE/$XT_TYPE.up; }

# xt_wait_gone [TIMEOUT]: wait for the domain to end; prints how:
# poweroff, reboot, suspend, crash (xl's shutdown reason) or timeout
xt_wait_gone() {
	_to=${1:-$(xt_cmd_timeout)}
	_end=$(( $(xt_now) + _to ))
	_n=$(xt_domname)
	_sd=0; _rc=
	while :; do
		_s=$(xt_state)
		case "$_s" in
		gone) break;;
		*c*) echo crash; return;;
		# Shut down and still there: xl's daemon destroys it at once
		# (on_poweroff), unless it is gone: it exits when the domain
		# suspends, so after `xl save -c` (or a save that failed and
		# resumed the guest) no one is left to. Then the reason is
		# Xen's (xl list -v) and the rig destroys the domain.
		*s*) _sd=$((_sd + 1))
			if [ $_sd -ge 10 ]; then
				_rc=$(xl list -v "$_n" 2>/dev/null | awk 'NR == 2 { print $8 }')
				echo "xt: [$XT_NAME] $_n shut down (reason code $_rc) and left there: xl's daemon for it had exited (it does at a suspend); xl destroy" >&2
				xl destroy "$_n" >/dev/null 2>&1
			fi;;
		esac
		[ $(xt_now) -lt $_end ] || { echo "timeout($_s)"; return; }
		sleep 0.5
	done
	xt_forget
	rm -f $XT_STATE/$XT_TYPE.domid $XT_STATE/$XT_TYPE.tty $XT_STATE/$XT_TYPE.pvcons
	# xl's daemon (one per domain) logs "Domain N has shut down, reason code R"
	sleep 0.5
	[ -n "$_rc" ] || _rc=$(sed -n 's/.*shut down, reason code \([0-9]*\).*/\1/p' /var/log/xen/xl-$_n.log | tail -1)
	case "$_rc" in
	0) echo poweroff;; 1) echo reboot;; 2) echo suspend;; 3) echo crash;; 4) echo watchdog;;
	*) echo "gone(reason '$_rc')";;
	esac
}

# xt_ended_by HOW WHAT: wait for the domain to go after WHAT was done to it;
# pass when it ended by HOW (poweroff, reboot), else FAIL/CRASH saying how.
xt_ended_by() {
	_how=$(xt_wait_gone $(xt_cmd_timeout))
	case "$_how" in
	"$1") xt_pass "domain ended: $_how";;
	crash) xt_crash "domain crashed after $2";;
	timeout*) XT_OUT=/dev/null; xt_crash "domain still there $(xt_cmd_timeout)s after $2 ($_how)";;
	*) xt_fail "domain ended by $_how after $2, not $1";;
	esac
}

xt_xs() { xenstore-read "/local/domain/$(xt_domid)/$1" 2>/dev/null; }

xt_cputime() { xl list "$(xt_domname)" 2>/dev/null | awk 'NR == 2 { print $6 }'; }

xt_poweroff() {
	xt_mark
	xt_type poweroff || xt_crash "cannot type"
	xt_ended_by poweroff "poweroff in the shell"
}

# ---- memory ----------------------------------------------------------------
xt_xl_mem() { xl list "$(xt_domname)" 2>/dev/null | awk 'NR == 2 { print $3 }'; }

# `xl list` of a PV guest counts its RAM (1 MiB steps); of PVH/HVM as the
# toolstack counts them, video RAM and slack included (XT_BALLOON_TOL)
xt_balloon_tol() {
	if [ "$(xt_kind)" = pv ]; then echo 1; else echo ${XT_BALLOON_TOL:-12}; fi
}

# xt_xen_dump: Xen's view of the vcpus, event channels and timer queues
# (debug keys q, e, a) and xl vcpu-list, for a guest that seems stuck; take
# it before typing to the guest (input wakes it). The last pCPU's queue
# was missing once: the dump may still be printing when xl returns, so it
# waits 2 s and takes more.
xt_xen_dump() {
	xl dmesg | tail -20 | sed 's/^/xen (before): /'
	xl debug-keys q; xl debug-keys e; xl debug-keys a; sleep 2
	xl dmesg | tail -250 | sed 's/^/xen: /'
	xl vcpu-list | sed 's/^/xen: vcpu-list: /'
}

# xt_reach TARGET TIMEOUT TOL: poll `xl list` every second until it shows
# TARGET MiB within TOL either way (+N: at most TARGET+N, for a guest that
# cannot go below what it was asked; -N: at least TARGET-N, growing), then
# XT_GOT is what it showed. After TIMEOUT s a FAIL (with `xen` and `balloon`); a
# domain that dies meanwhile a CRASH. The scenarios' limits differ by what
# the step does under nested emulation: 180 s for mem-set within maxmem
# (balloon, balloon-figures), 240 s for a PoD guest grown from 128 to 1024
# MiB (pod-grow), 300 s for hot-adding 1280 MiB of blocks (hotplug), 90 s
# to finish going down once memhold let go (balloon-limits);
# XT_BALLOON_TIMEOUT overrides the first three. balloon-figures allows
# every type the PVH/HVM tolerance: it measures the guest's own times, and
# balloon is the check of `xl list` to the MiB.
xt_reach() {
	_rend=$(( $(xt_now) + $2 ))
	while :; do
		XT_GOT=$(xt_xl_mem)
		if [ -n "$XT_GOT" ]; then
			_rd=$((XT_GOT - $1))
			case $3 in
			+*) [ $_rd -le ${3#+} ] && return 0;;
			-*) [ $_rd -ge $3 ] && return 0;;
			*) [ $_rd -lt 0 ] && _rd=$((-_rd)); [ $_rd -le $3 ] && return 0;;
			esac
		fi
		if [ $(xt_now) -ge $_rend ]; then
			# Xen's view of the vcpu and its events first (typing to the
			# guest wakes it), then what the guest says of its clock and
			# timers, then its balloon, then its log
			# (q: vcpus, blocked or not; e: event channels, pending;
			# a: each pCPU's timer queue, with the guest's one-shot
			# and when it is due: a deadline long past there is a
			# timer interrupt Xen lost, not a guest that forgot)
			xt_xen_dump > $XT_OUT.xen
			# the guest's log: with trace=wake its last steps before
			# this (typing each line adds a few)
			xt_cmd dmesg; tail -150 $XT_OUT | sed 's/^/dmesg: /' > $XT_OUT.dmesg
			xt_cmd xen; cat $XT_OUT.xen $XT_OUT > $XT_OUT.reach
			xt_cmd balloon; cat $XT_OUT $XT_OUT.dmesg >> $XT_OUT.reach
			XT_OUT=$XT_OUT.reach XT_FAIL_LINES=420 \
				xt_fail "xl list shows $XT_GOT MiB, not $1 (tolerance $3) after ${2}s"
		fi
		xt_alive || xt_crash "domain died going to $1 MiB"
		sleep 1
	done
}

# xt_mm_check [WHERE [T]]: `meminfo -c`, FAIL unless the guest's mm is
# consistent. It looks for the closing "Consistency check: ok", not for a
# FAIL anywhere: meminfo's reporting lines count failed reclaims.
xt_mm_check() {
	xt_cmd "meminfo -c" $2 || xt_crash "no prompt after meminfo -c${1:+ ($1)}"
	xt_expect "^Consistency check: ok" || xt_fail "mm consistency check failed${1:+ ($1)}"
}

xt_free() {
	xt_cmd "free" || xt_crash "no prompt after free${1:+ ($1)}"
	XT_MEM_TOTAL=$(awk '/^Mem:/ { print $2 }' $XT_OUT)
	XT_MEM_FREE=$(awk '/^Mem:/ { print $4 }' $XT_OUT)
	[ -n "$XT_MEM_FREE" ] || xt_fail "free printed no Mem: line${1:+ ($1)}"
}

xt_memtest() {
	xt_cmd "memtest $1" $2 || xt_crash "no prompt after memtest $1${3:+ ($3)}"
	xt_expect "ok \(0 bad words\)" || xt_fail "memtest $1 did not pass${3:+ ($3)}"
}

# ---- save, restore, migrate --------------------------------------------------
# (docs/xen.md, "Save, restore and migrate"; facts doc section 8)
#
#   xt_save_prepare     once per guest: balloon to XT_SAVE_MIB (200) and
#                       `memhold 64M --pattern`
#   xt_reattach         after xl restore / xl migrate: the new domain's id,
#                       console pty and log
#   xt_save_after WHAT  memhold check (0 mismatches), the console answers,
#                       xl mem-set up and back reaches its target, memtest,
#                       meminfo -c, PV: xen p2m, idle CPU; XT_SAVE_SUMMARY says what it saw
XT_SAVE_MIB=${XT_SAVE_MIB:-200}
# where a failed save ran out of room: /tmp and dom0's memory
xt_space() { df -k /tmp | tail -1; grep -E "^(MemTotal|MemFree|MemAvailable):" /proc/meminfo | tr -s ' ' | tr '\n' ';'; echo; }
xt_save_prepare() {
	[ -f $XT_STATE/$XT_TYPE.saveprep ] && return 0
	xl mem-set "$(xt_domname)" ${XT_SAVE_MIB}m || xt_fail "xl mem-set $XT_SAVE_MIB refused"
	xt_reach $XT_SAVE_MIB ${XT_BALLOON_TIMEOUT:-180} $(xt_balloon_tol)
	xt_balloon_done "$XT_SAVE_MIB MiB"
	xt_cmd "memhold 64M --pattern" 120 || xt_crash "no prompt after memhold 64M --pattern"
	xt_expect "memhold: holding 16384 more" || xt_fail "memhold 64M --pattern held less"
	xt_cmd "memhold check" 120 || xt_crash "no prompt after memhold check"
	xt_expect "16384 pages checked, 0 mismatches" || xt_fail "memhold check before any save"
	touch $XT_STATE/$XT_TYPE.saveprep
}

xt_reattach() {
	_n=$(xt_domname)
	_id=$(xl domid "$_n" 2>/dev/null) || xt_crash "no domain $_n after $1"
	echo "$_id" > $XT_STATE/$XT_TYPE.domid
	XT_DOMID=$_id
	# the receiver of a migration was created as NAME--incoming, and
	# xenconsoled named its log so: the log of the guest from now on
	_in=$XT_LOG/guest-$_n--incoming.log
	[ -f "$_in" ] && mv -f "$_in" $XT_LOG/guest-$_n.log
	# so did the receiver's xl daemon, which logs how the domain ends
	# (xt_wait_gone); the sender's log ends with its suspend
	# (xl restore's daemon started a new xl-NAME.log, the old one is
	# xl-NAME.log.1: never rewrite it in place, the daemon writes to it)
	_in=/var/log/xen/xl-$_n--incoming.log
	[ -f "$_in" ] && mv -f "$_in" /var/log/xen/xl-$_n.log
	_key=console/tty
	[ "$(xt_kind)" = hvm ] && [ ! -f $XT_STATE/$XT_TYPE.pvcons ] && _key=serial/0/tty
	_i=0
	while :; do
		_pty=$(xenstore-read /local/domain/$_id/$_key 2>/dev/null) && [ -n "$_pty" ] && break
		_i=$((_i + 1))
		[ $_i -lt 200 ] || xt_crash "no $_key for domain $_id after $1"
		sleep 0.1
	done
	echo "$_pty" > $XT_STATE/$XT_TYPE.tty
	XT_MARK=0
}

xt_save_after() {
	dom=$(xt_domname)
	xt_cmd "memhold check" 120 || xt_crash "no prompt after memhold check ($1)"
	xt_expect "16384 pages checked, 0 mismatches" || xt_fail "memhold check after $1"
	xt_cmd "xen" || xt_crash "no prompt after xen ($1)"
	_sus=$(grep "^suspend:" $XT_OUT)
	_up=$((XT_SAVE_MIB + ${XT_SAVE_UP:-100}))
	for _t in $_up $XT_SAVE_MIB; do
		xl mem-set "$dom" ${_t}m || xt_fail "xl mem-set $_t refused after $1"
		xt_reach $_t ${XT_BALLOON_TIMEOUT:-180} $(xt_balloon_tol)
		xt_balloon_done "$_t MiB after $1"
	done
	xt_free "after $1"
	_mt=$((XT_MEM_FREE * 3 / 4))
	[ -n "$XT_SAVE_MEMTEST_MAX" ] && [ $_mt -gt $XT_SAVE_MEMTEST_MAX ] && _mt=$XT_SAVE_MEMTEST_MAX
	xt_memtest ${_mt}K 600 "after $1"
	xt_mm_check "after $1"
	if [ "$(xt_kind)" = pv ]; then
		xt_cmd "xen p2m" 60 || xt_crash "no prompt after xen p2m ($1)"
		xt_expect "the M2P agrees" || xt_fail "P2M and M2P disagree after $1"
	fi
	xt_cmd "memhold check" 120 || xt_crash "no prompt after memhold check ($1, ballooned)"
	xt_expect "16384 pages checked, 0 mismatches" || xt_fail "memhold check after $1 and ballooning"
	# idle: no periodic tick came back, no busy loop; the limits of
	# idle.sh (0.1 s in 10 s, HVM 1 s: nested under emulation), in 8 s
	# and one step of xl list's 0.1 s resolution more
	_lim=0.2; [ "$(xt_kind)" = hvm ] && _lim=0.8
	_c0=$(xt_cputime); sleep 8; _c1=$(xt_cputime)
	_cpu=$(awk -v a="$_c0" -v b="$_c1" 'BEGIN { printf "%.1f", b - a }')
	awk -v u="$_cpu" -v l="$_lim" 'BEGIN { exit !(u <= l) }' || xt_fail "busy when idle after $1: ${_cpu}s CPU in 8s (limit ${_lim}s)"
	XT_SAVE_SUMMARY="mem-set $_up/$XT_SAVE_MIB reached, memtest ok, 16384 patterned pages 0 mismatches, idle ${_cpu}s CPU in 8s; $_sus"
}
