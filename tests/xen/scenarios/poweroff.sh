# `poweroff` typed into the guest shell ends the domain cleanly.
xt_guest
xt_mark
xt_type poweroff || xt_crash "cannot type"
how=$(xt_wait_gone $(xt_cmd_timeout))
case "$how" in
poweroff) xt_pass "domain ended: $how";;
crash) xt_crash "domain crashed after poweroff";;
timeout*) xt_crash "domain still there $(xt_cmd_timeout)s after poweroff ($how)";;
*) xt_fail "domain ended by $how, not poweroff";;
esac
