# Bad xenstore paths and bad `xs` arguments give errors (a line containing
# "error"), and the shell keeps working.
xt_guest
for line in "xs read /no/such/node" "xs read memory/no-such-key" "xs read" "xs" \
	"xs no-such-subcommand" "xs read /local/domain/0/../../x"; do
	xt_cmd "$line" || xt_crash "no prompt after '$line'"
	xt_expect 'error' || xt_fail "'$line' printed no error"
done
xt_cmd "xs read memory/target" || xt_crash "no prompt after a good xs read"
xt_expect '^[[:space:]]*[0-9]+' || xt_fail "xs read memory/target broken after the errors"
xt_pass "6 bad commands rejected, shell still answers"
