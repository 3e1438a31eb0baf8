# `help` lists the shell's commands, among them help and version.
xt_guest
xt_cmd help || xt_crash "no prompt after help"
xt_expect '(^|[^a-z])help([^a-z]|$)' || xt_fail "help does not list help"
xt_expect '(^|[^a-z])version([^a-z]|$)' || xt_fail "help does not list version"
xt_pass "$(wc -l < $XT_OUT) lines"
