# memory < maxmem: RAM the domain has no frames for (PV: pfns past nr_pages;
# PVH/HVM: populate-on-demand beyond the reservation) comes up offline:
# `e820` lists it, `free` counts it as PageOffline, never as memory, and the
# guest works with what it has. PV: the P2M was grown to cover maxmem.
xt_guest
target=$(xt_xs memory/target)
xt_cmd e820 || xt_crash "no prompt after e820"
xt_expect "^ *offline " || xt_fail "e820 lists no offline RAM"
xt_cmd "free" || xt_crash "no prompt after free"
total=$(awk '/^Mem:/ {print $2}' $XT_OUT)
offline=$(awk '/^Offline:/ {print $2}' $XT_OUT)
[ -n "$total" ] || xt_fail "free printed no Mem: line"
[ "$total" -lt "$target" ] || xt_fail "free shows $total KiB managed, target is $target KiB"
[ "${offline:-0}" -gt 0 ] || xt_fail "free shows no offline memory"
xt_cmd "memtest 40M" 60 || xt_crash "no prompt after memtest"
xt_expect "ok \(0 bad words\)" || xt_fail "memtest did not pass"
xt_cmd "meminfo -c" || xt_crash "no prompt after meminfo -c"
xt_expect "FAIL" && xt_fail "mm consistency check failed"
xt_info "target $target KiB, managed $total KiB, offline $offline KiB"
xt_mark
xt_type poweroff || xt_crash "cannot type"
xt_ended_by poweroff "poweroff in the shell"
