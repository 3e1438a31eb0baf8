# `xl shutdown` (xenstore control/shutdown = poweroff) ends the domain
# cleanly: it goes away with shutdown reason poweroff, not crash.
xt_guest
xl shutdown "$(xt_domname)" > $XT_OUT 2>&1 || xt_fail "xl shutdown failed"
xt_ended_by poweroff "xl shutdown"
