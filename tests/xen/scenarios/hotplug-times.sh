# Where a hot-add's time goes (a diagnostic, not in tests/xen/plan; run it
# with tests/xen/times-plan): 256 -> 1536 -> 256 MiB, and after each step
# mm's time by stage (`memhotplug times`), the balloon's split of the last
# target (`balloon`: last split/host/own) and the hypercall counts and the
# cost of one rdtsc (`xen`), printed as xt lines of the serial log.
xt_guest
dom=$(xt_domname)
show() {
	for c in "memhotplug times" "balloon" "xen"; do
		xt_cmd "$c" || xt_crash "no prompt after $c"
		grep -E "memhotplug|add:|online|offline|remove|^last|^time|^hypercall: |^rdtsc|^blocks" $XT_OUT |
			sed "s#^#xt: [$XT_NAME] $1 | #"
	done
}
xl mem-max "$dom" 1536m && xl mem-set "$dom" 1536m || xt_fail "xl mem-max/mem-set 1536 refused"
xt_balloon_done "1536 MiB"
show up
xl mem-set "$dom" 256m || xt_fail "xl mem-set 256 refused"
xt_balloon_done "256 MiB"
show down
xt_pass "times shown (xt lines of the serial log)"
