# memory < maxmem (populate-on-demand): the map covers maxmem but only about
# `memory` is backed. The guest must use no more than that: it boots, leaves
# the rest out of the allocator (e820 says so), and can use what it has
# without the domain dying of "out of PoD memory". The checks are offline.sh's.
# shellcheck disable=SC2034 # read by offline.sh
e820_re="populate-on-demand"
e820_says="does not say the unbacked RAM was left out"
want_offline=0
memtest_why="out of PoD memory?"
. /xt/scenarios/offline.sh
