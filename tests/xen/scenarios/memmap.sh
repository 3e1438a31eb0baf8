# The memmap grows with the memory the guest has, not with maxmem (issue 9):
# this guest boots with memory=256 and a large maxmem (PV: pfns past
# nr_pages; PVH: populate-on-demand) and must show the same `meminfo`
# Memmap line as the same type at memory=256 maxmem=256 (the boot values
# the hotplug scenario of XT_MEMMAP_REF, e.g. pvhot, kept). Prints both.
xt_guest
ref=$XT_STATE/${XT_MEMMAP_REF:-$(xt_kind)hot}.snapboot
xt_cmd "meminfo" || xt_crash "no prompt after meminfo"
mine=$(grep "^Memmap:" $XT_OUT | tr -s ' ')
[ -n "$mine" ] || xt_fail "meminfo printed no Memmap line"
[ -f $ref ] || xt_skip "no reference: run $(basename $ref .snapboot)/hotplug first; this guest: $mine"
theirs=$(grep "^Memmap:" $ref | tr -s ' ')
maxmem=$(xt_cfgval maxmem)
[ "$mine" = "$theirs" ] || xt_fail "memmap at maxmem=$maxmem '$mine', at maxmem=256 '$theirs'"
xt_pass "memory=256: memmap at maxmem=$maxmem '$mine' = at maxmem=256 '$theirs'"
