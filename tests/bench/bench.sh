#!/bin/sh
# make bench: build the mm benchmark (-O2, no sanitizers, no page poisoning)
# and run it under callgrind; prints instructions per operation.
set -e
cd "$(dirname "$0")/../.."
OUT=build/bench
mkdir -p "$OUT"
SECTION_SIZE_MB=${SECTION_SIZE_MB:-128}

if ! command -v valgrind >/dev/null 2>&1 || [ ! -f /usr/include/valgrind/callgrind.h ]; then
	echo "bench: installing valgrind"
	apt-get install -y valgrind >/dev/null
fi

SRCS="tests/bench/bench.c tests/unit/sim_mm.c tests/unit/sim_platform.c $(ls mm/*.c) \
	kernel/vsprintf.c kernel/string.c kernel/errno.c kernel/parse.c kernel/notifier.c \
	kernel/timer.c kernel/cmdline.c kernel/trace.c"
${HOSTCC:-gcc} -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter \
	-DBALLAST_HOST -DBALLAST_DEBUG=0 -DSECTION_SIZE_MB=$SECTION_SIZE_MB \
	-Iinclude -o "$OUT/mm_bench" $SRCS

echo "== native run"
"$OUT/mm_bench"

echo "== callgrind"
rm -f "$OUT"/callgrind.out*
valgrind --tool=callgrind --collect-atstart=no \
	--callgrind-out-file="$OUT/callgrind.out" "$OUT/mm_bench" >"$OUT/bench.log" 2>&1 || {
	cat "$OUT/bench.log"; exit 1; }

# Each dump file says which client request made it and its total Ir.
ir() {
	for f in "$OUT"/callgrind.out*; do
		if grep -q "Client Request: $1\$" "$f"; then
			sed -n 's/^totals: *\([0-9]*\).*/\1/p; s/^summary: *\([0-9]*\).*/\1/p' "$f" | head -1
			return
		fi
	done
	echo 0
}
N0=$(sed -n 's/.*N0=\([0-9]*\).*/\1/p' "$OUT/bench.log")
N9=$(sed -n 's/.*N9=\([0-9]*\).*/\1/p' "$OUT/bench.log")
NSEC=$(sed -n 's/.*NSEC=\([0-9]*\).*/\1/p' "$OUT/bench.log")
PPS=$(sed -n 's/.*PAGES_PER_SECTION=\([0-9]*\).*/\1/p' "$OUT/bench.log")
I0=$(ir order0_pairs); I9=$(ir order9_pairs)
R0=$(ir order0_pairs_rep); R9=$(ir order9_pairs_rep)
D0=$(ir order0_pairs_reported); D9=$(ir order9_pairs_reported)
RA=$(ir report_all); RP=$(sed -n 's/^REPORTED=\([0-9]*\).*/\1/p' "$OUT/bench.log")
IA=$(ir add_online); IM=$(ir add_online_mom)
echo "mm bench (callgrind instructions, -O2, page poisoning off, ${SECTION_SIZE_MB} MiB sections):"
awk -v i0="$I0" -v n0="$N0" -v i9="$I9" -v n9="$N9" -v ia="$IA" -v im="$IM" \
    -v ns="$NSEC" -v pps="$PPS" 'BEGIN {
	printf "  order-0 alloc+free pair:               %8.1f instructions\n", i0 / n0
	printf "  order-9 alloc+free pair:               %8.1f instructions\n", i9 / n9
	printf "  add+online one section, per page:      %8.2f instructions\n", ia / (ns * pps)
	printf "  ... with memmap on memory, per page:   %8.2f instructions\n", im / (ns * pps)
}'
awk -v i0="$I0" -v n0="$N0" -v i9="$I9" -v n9="$N9" -v r0="$R0" -v r9="$R9" \
    -v d0="$D0" -v d9="$D9" -v ra="$RA" -v rp="${RP:-0}" 'BEGIN {
	printf "free page reporting (a device registered: nothing reported yet / all reported):\n"
	printf "  order-0 alloc+free pair:               %8.1f / %.1f instructions (%+.1f%% / %+.1f%%)\n",
		r0 / n0, d0 / n0, (r0 / i0 - 1) * 100, (d0 / i0 - 1) * 100
	printf "  order-9 alloc+free pair:               %8.1f / %.1f instructions (%+.1f%% / %+.1f%%)\n",
		r9 / n9, d9 / n9, (r9 / i9 - 1) * 100, (d9 / i9 - 1) * 100
	if (rp > 0)
		printf "  reporting, per reported MiB:           %8.1f instructions (%d MiB)\n",
			ra / (rp / 256), rp / 256
}'
sed -n 's/^memmap bytes per page/  memmap bytes per page/p' "$OUT/bench.log"

# ---- the balloon core against the simulated hypervisor ---------------------
# tests/bench/balloon_bench.c, built for a 1 GiB guest and for a 1 TiB one
# (6 GiB backed, the rest adopted as ballooned: sim_mm's direct map covers
# only the first 8 GiB, SIM_MM_DIRECT_MAX). The same 256 MiB goes down and
# up in each; the sim's own instructions (sim_populate, sim_decrease: the
# hypervisor's side, with its scrub check) are taken out.
BSRCS="tests/bench/balloon_bench.c tests/unit/sim_mm.c tests/unit/sim_hypervisor.c \
	$(ls mm/*.c) $(ls drivers/balloon/*.c | grep -v /sched.c) kernel/vsprintf.c \
	kernel/string.c kernel/errno.c kernel/parse.c kernel/notifier.c"
bb_build() { # NAME extra-cflags...
	n=$1; shift
	${HOSTCC:-gcc} -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter \
		-DBALLAST_HOST -DBALLAST_DEBUG=0 -DSECTION_SIZE_MB=$SECTION_SIZE_MB \
		-Iinclude "$@" -o "$OUT/balloon_bench_$n" $BSRCS
}
bb_build 1g -DBB_GUEST_GIB=1ULL
bb_build 1t -DBB_GUEST_GIB=1024ULL -DBB_BACKED_GIB=6ULL \
	'-DSIM_MM_MAX_PHYS=(1ULL<<40)' '-DSIM_MM_DIRECT_MAX=(8ULL<<30)'
bb_pass=0; bb_fail=0
for n in 1g 1t; do
	rm -f "$OUT"/bcg-$n.out*
	if valgrind --tool=callgrind --collect-atstart=no --instr-atstart=no \
		--callgrind-out-file="$OUT/bcg-$n.out" "$OUT/balloon_bench_$n" \
		>"$OUT/balloon-$n.log" 2>&1; then
		bb_pass=$((bb_pass + 1))
	else
		bb_fail=$((bb_fail + 1)); echo "balloon bench $n failed:"; tail -5 "$OUT/balloon-$n.log"
	fi
done
# bb_ir SIZE STEP: "total sim memset" instructions of that step's dump:
# all, the sim's (inclusive), memset's (inclusive: on the way down only the
# balloon's scrub calls it, on the way up only the sim's "host garbage")
bb_ir() {
	for f in "$OUT"/bcg-$1.out*; do
		grep -q "Client Request: $2\$" "$f" || continue
		tot=$(sed -n 's/^totals: *\([0-9]*\).*/\1/p; s/^summary: *\([0-9]*\).*/\1/p' "$f" | head -1)
		callgrind_annotate --inclusive=yes --auto=no --threshold=100 "$f" 2>/dev/null | awk -v t="$tot" '
			# a function can be listed twice (by full and relative path):
			# the largest figure per function name
			$3 ~ /:sim_(populate|decrease)$/ || $3 ~ /memset/ {
				gsub(/,/, "", $1); fn = $3; sub(/.*:/, "", fn)
				if ($1 + 0 > v[fn]) v[fn] = $1 + 0
			}
			END {
				for (fn in v)
					if (fn ~ /^sim_/) s += v[fn]; else m += v[fn]
				print t, s + 0, m + 0
			}'
		return
	done
	echo "0 0 0"
}
MOVE=$(sed -n 's/^MOVE=\([0-9]*\).*/\1/p' "$OUT/balloon-1g.log")
echo "balloon core (callgrind instructions per page, the guest's side: the simulated"
echo "hypervisor's own work taken out; ${MOVE:-?} pages down, then up again; scrub ="
echo "zeroing a page before it goes, glibc memset here, 4096 counted per page):"
printf '  %-22s %18s %18s\n' "" "1 GiB guest" "1 TiB guest"
printf '  %-22s %9s %8s %9s %8s\n' "" "all" "-scrub" "all" "-scrub"
for st in down_huge up_huge down_small up_small; do
	case $st in
	down_huge) what="down, 2 MiB extents";; up_huge) what="up, 2 MiB extents";;
	down_small) what="down, 4 KiB pages";; up_small) what="up, 4 KiB pages";;
	esac
	set -- $(bb_ir 1g $st) $(bb_ir 1t $st)
	awk -v w="$what" -v st="$st" -v a="$1" -v b="$2" -v c="$3" -v d="$4" -v e="$5" -v f="$6" \
	    -v n="${MOVE:-1}" 'BEGIN {
		down = st ~ /^down/
		printf "  %-22s %9.1f %8.1f %9.1f %8.1f\n", w, (a - b) / n, (a - b - (down ? c : 0)) / n,
			(d - e) / n, (d - e - (down ? f : 0)) / n }'
done
BLOCKS=$(sed -n 's/.*BLOCKS=\([0-9]*\).*/\1/p' "$OUT/balloon-1g.log")
echo "balloon memory blocks (callgrind instructions per ${SECTION_SIZE_MB} MiB block, ${BLOCKS:-?} blocks"
echo "added for a target past what the guest has, then removed on the way back;"
echo "a block's pages populated (added) or scrubbed and released (removed) counted in):"
printf '  %-22s %18s %18s\n' "" "1 GiB guest" "1 TiB guest"
printf '  %-22s %9s %8s %9s %8s\n' "" "all" "-scrub" "all" "-scrub"
for st in hotadd hotremove; do
	case $st in
	hotadd) what="added and onlined";; hotremove) what="offlined and removed";;
	esac
	set -- $(bb_ir 1g $st) $(bb_ir 1t $st)
	awk -v w="$what" -v st="$st" -v a="$1" -v b="$2" -v c="$3" -v d="$4" -v e="$5" -v f="$6" \
	    -v n="${BLOCKS:-1}" 'BEGIN {
		down = st == "hotremove"
		printf "  %-22s %9.0f %8.0f %9.0f %8.0f\n", w, (a - b) / n, (a - b - (down ? c : 0)) / n,
			(d - e) / n, (d - e - (down ? f : 0)) / n }'
done
echo "$bb_pass passed, $bb_fail failed"
