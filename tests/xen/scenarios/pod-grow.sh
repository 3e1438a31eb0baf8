# Populate-on-demand boot (memory=128 maxmem=1024): the guest gives the
# unbacked RAM back at boot, `xl list` shows 128, and `xl mem-set 1024`
# then brings it up to maxmem, with an 800M memtest passing.
xt_guest
dom=$(xt_domname)
got=$(xt_xl_mem)
[ -n "$got" ] && [ "$got" -le 130 ] || xt_fail "xl list shows $got MiB after a PoD boot at 128"
t0=$(xt_now)
xl mem-set "$dom" 1024m || xt_fail "xl mem-set 1024 refused"
xt_reach 1024 ${XT_BALLOON_TIMEOUT:-240} -${XT_BALLOON_TOL:-12}
took=$(( $(xt_now) - t0 ))
xt_memtest 800M 900
xt_mm_check
xt_pass "PoD boot at 128 MiB, xl list ${XT_GOT} MiB ${took}s after mem-set 1024, memtest 800M ok"
