# memory < maxmem: RAM the domain has no frames for (PV: pfns past nr_pages;
# PVH/HVM: populate-on-demand beyond the reservation) comes up offline:
# `e820` lists it, `free` counts it as PageOffline, never as memory, and the
# guest works with what it has. PV: the P2M was grown to cover maxmem.
# pod.sh runs these checks with its own e820 line and no offline count.
xt_guest
target=$(xt_xs memory/target)
xt_cmd e820 || xt_crash "no prompt after e820"
xt_expect "${e820_re:-^ *offline }" || xt_fail "e820 ${e820_says:-lists no offline RAM}"
xt_free
total=$XT_MEM_TOTAL
offline=$(awk '/^Offline:/ {print $2}' $XT_OUT)
[ "$total" -lt "$target" ] || xt_fail "free shows $total KiB managed, target is $target KiB"
[ "${want_offline:-1}" = 0 ] || [ "${offline:-0}" -gt 0 ] || xt_fail "free shows no offline memory"
xt_memtest 40M 60 "${memtest_why:-}"
xt_mm_check
xt_info "target $target KiB, managed $total KiB, offline ${offline:-0} KiB, memtest 40M ok"
xt_poweroff
