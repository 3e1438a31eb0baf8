# memory < maxmem (populate-on-demand): the map covers maxmem but only about
# `memory` is backed. The guest must use no more than that: it boots, leaves
# the rest out of the allocator, and can use what it has without the domain
# dying of "out of PoD memory".
xt_guest
target=$(xt_xs memory/target)
xt_cmd e820 || xt_crash "no prompt after e820"
xt_expect "populate-on-demand" || xt_fail "e820 does not say the unbacked RAM was left out"
xt_cmd "free" || xt_crash "no prompt after free"
total=$(awk '/^Mem:/ {print $2}' $XT_OUT)
[ -n "$total" ] || xt_fail "free printed no Mem: line"
[ "$total" -lt "$target" ] || xt_fail "free shows $total KiB managed, target is $target KiB"
xt_cmd "memtest 40M" 60 || xt_crash "no prompt after memtest (out of PoD memory?)"
xt_expect "ok \(0 bad words\)" || xt_fail "memtest did not pass"
xt_cmd "meminfo -c" || xt_crash "no prompt after meminfo -c"
xt_expect "FAIL" && xt_fail "mm consistency check failed"
xt_info "target $target KiB, allocator manages $total KiB, memtest 40M ok"
xt_mark
xt_type poweroff || xt_crash "cannot type"
xt_ended_by poweroff "poweroff in the shell"
