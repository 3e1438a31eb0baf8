# `xl shutdown` (xenstore control/shutdown = poweroff) ends the domain
# cleanly: it goes away with shutdown reason poweroff, not crash.
xt_guest
xl shutdown "$(xt_domname)" > $XT_OUT 2>&1 || xt_fail "xl shutdown failed"
how=$(xt_wait_gone $(xt_cmd_timeout))
case "$how" in
poweroff) xt_pass "domain ended: $how";;
crash) xt_crash "domain crashed after xl shutdown";;
timeout*) XT_OUT=/dev/null; xt_crash "domain still there $(xt_cmd_timeout)s after xl shutdown ($how)";;
*) xt_fail "domain ended by $how, not poweroff";;
esac
