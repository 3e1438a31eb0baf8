# `xl reboot` (xenstore control/shutdown = reboot) ends the domain with
# shutdown reason reboot (the rig's configs say on_reboot = "destroy").
xt_guest
xl reboot "$(xt_domname)" > $XT_OUT 2>&1 || xt_fail "xl reboot failed"
how=$(xt_wait_gone $(xt_cmd_timeout))
case "$how" in
reboot) xt_pass "domain ended: $how";;
crash) xt_crash "domain crashed after xl reboot";;
timeout*) XT_OUT=/dev/null; xt_crash "domain still there $(xt_cmd_timeout)s after xl reboot ($how)";;
*) xt_fail "domain ended by $how, not reboot";;
esac
