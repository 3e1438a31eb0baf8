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

SRCS="tests/bench/bench.c tests/unit/sim_mm.c $(ls mm/*.c) kernel/vsprintf.c \
	kernel/string.c kernel/errno.c kernel/parse.c kernel/notifier.c"
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
IA=$(ir add_online); IM=$(ir add_online_mom)
echo "mm bench (callgrind instructions, -O2, page poisoning off, ${SECTION_SIZE_MB} MiB sections):"
awk -v i0="$I0" -v n0="$N0" -v i9="$I9" -v n9="$N9" -v ia="$IA" -v im="$IM" \
    -v ns="$NSEC" -v pps="$PPS" 'BEGIN {
	printf "  order-0 alloc+free pair:               %8.1f instructions\n", i0 / n0
	printf "  order-9 alloc+free pair:               %8.1f instructions\n", i9 / n9
	printf "  add+online one section, per page:      %8.2f instructions\n", ia / (ns * pps)
	printf "  ... with memmap on memory, per page:   %8.2f instructions\n", im / (ns * pps)
}'
sed -n 's/^memmap bytes per page/  memmap bytes per page/p' "$OUT/bench.log"
