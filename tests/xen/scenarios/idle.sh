# An idle guest at its prompt uses (almost) no CPU: over 10 s of wall time,
# less than 0.1 s for pv and pvh (1 s for hvm, nested under emulation).
xt_guest
case $XT_TYPE in hvm) limit=1.0;; *) limit=0.1;; esac
sleep 2
t0=$(xt_cputime)
# xentop's CPU(%) over a 10 s interval resolves 0.01 s; xl list 0.1 s
# (xentop cuts names to 10 characters)
pct=$(xentop -b -d 10 -i 2 2>/dev/null | awk -v n="$(xt_domname)" '$1 == substr(n, 1, 10) { p = $4 } END { print p }')
t1=$(xt_cputime)
xt_alive || xt_crash "guest died while idle"
xl_delta=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
if [ -n "$pct" ] && [ "$pct" != "n/a" ]; then
	used=$(awk -v p="$pct" 'BEGIN { printf "%.2f", p / 10 }')
else
	used=$xl_delta
fi
awk -v u="$used" -v l="$limit" 'BEGIN { exit !(u < l) }' ||
	xt_fail "busy while idle: ${used}s CPU in 10s (xl list: $t0 -> $t1), limit ${limit}s"
xt_pass "${used}s CPU in 10s (xl list: $t0 -> $t1 s; xentop ${pct:-?}%)"
