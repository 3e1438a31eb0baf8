# The guest boots to its shell prompt.
xt_guest
xt_pass "prompt after $(cat $XT_STATE/$XT_TYPE.boottime 2>/dev/null) ms (domain $XT_DOMID)"
