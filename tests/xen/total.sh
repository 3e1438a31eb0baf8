#!/bin/sh
# make test-xen runs three plans (tests/xen/plan on Debian's Xen, the PV
# live migrations on the Xen with shadow paging, the 1400 MiB saves on a
# bigger rig): the sum of their closing lines, as one. A run that printed
# none counts as one failure.
set -u
p=0 f=0
for out in "$@"; do
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" 2>/dev/null | tail -1)
	if [ -z "$line" ]; then
		echo "test-xen: no result line in $out"
		f=$((f + 1))
		continue
	fi
	p=$((p + $(echo "$line" | cut -d' ' -f1)))
	f=$((f + $(echo "$line" | cut -d' ' -f3)))
done
echo "$p passed, $f failed"
[ "$f" = 0 ]
