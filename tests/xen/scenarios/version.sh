# `version` names the boot mode (pv, pvh or hvm) as a word.
xt_guest
xt_cmd version || xt_crash "no prompt after version"
[ -s $XT_OUT ] || xt_fail "version printed nothing"
xt_expect "(^|[^a-z0-9_])$XT_TYPE([^a-z0-9_]|\$)" || xt_fail "version output does not contain the word '$XT_TYPE'"
xt_pass "$(grep -iE "(^|[^a-z0-9_])$XT_TYPE([^a-z0-9_]|\$)" $XT_OUT | head -1)"
