# `xl reboot` (xenstore control/shutdown = reboot) ends the domain with
# shutdown reason reboot (the rig's configs say on_reboot = "destroy").
xt_guest
xl reboot "$(xt_domname)" > $XT_OUT 2>&1 || xt_fail "xl reboot failed"
xt_ended_by reboot "xl reboot"
