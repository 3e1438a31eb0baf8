#!/bin/sh
# make test: every suite there is, then one summary. A suite is a make
# target whose output ends with "N passed, N failed"; suites from later work
# register by adding their target name to TEST_SUITES in a tests/*/*.mk file.
set -u
cd "$(dirname "$0")/.."
suites="check test-qemu $(make -s --no-print-directory print-test-suites 2>/dev/null)"
total_p=0 total_f=0 bad=""
mkdir -p build
for s in $suites; do
	echo "=== make $s"
	log=build/test-$s.log
	make --no-print-directory "$s" 2>&1 | tee "$log"
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
	if [ -z "$line" ]; then
		echo "=== $s: no result line"
		bad="$bad $s"
		total_f=$((total_f + 1))
		continue
	fi
	p=$(echo "$line" | cut -d' ' -f1)
	f=$(echo "$line" | cut -d' ' -f3)
	total_p=$((total_p + p))
	total_f=$((total_f + f))
	[ "$f" = 0 ] || bad="$bad $s"
done
echo "=== summary: suites:$suites${bad:+; failing:$bad}"
echo "$total_p passed, $total_f failed"
[ "$total_f" = 0 ]
