# PV: the P2M list Xen gave the guest and Xen's M2P agree on every frame,
# single lookups work, and bad pfns give errors.
xt_guest
xt_cmd "xen p2m" 60 || xt_crash "no prompt after xen p2m"
xt_expect "the M2P agrees on every one" || xt_fail "P2M and M2P disagree"
summary=$(grep "M2P agrees" $XT_OUT)
xt_cmd "xen p2m 0x100" || xt_crash "no prompt after xen p2m 0x100"
xt_expect "pfn 0x100 -> mfn 0x[0-9a-f]+ \(M2P: pfn 0x100\)" || xt_fail "lookup of pfn 0x100"
for bad in "xen p2m 0xZZ" "xen p2m 0xffffffffff" "xen p2m 1 2"; do
	xt_cmd "$bad" || xt_crash "no prompt after $bad"
	xt_expect "error|usage" || xt_fail "no error for '$bad'"
done
xt_pass "$summary"
