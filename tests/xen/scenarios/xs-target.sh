# `xs read memory/target` in the guest agrees with xenstore as dom0 sees it,
# and with the config (memory = MiB; memory/target is in KiB).
xt_guest
want=$(xt_xs memory/target)
[ -n "$want" ] || xt_fail "dom0 cannot read memory/target of domain $XT_DOMID"
mem=$(xt_cfgval memory)
# libxl subtracts video RAM (none here) and, for HVM with maxmem > memory, 1 MiB
[ "$want" = $((mem * 1024)) ] || xt_info "note: target $want KiB, config memory ${mem} MiB"
xt_cmd "xs read memory/target" || xt_crash "no prompt after xs read"
grep -qE "(^|[^0-9])$want([^0-9]|\$)" $XT_OUT || xt_fail "guest did not print $want"
xt_expect 'error' && xt_fail "guest printed an error"
xt_pass "memory/target = $want KiB (config memory = $mem MiB)"
