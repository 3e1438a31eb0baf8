# `poweroff` typed into the guest shell ends the domain cleanly.
xt_guest
xt_mark
xt_type poweroff || xt_crash "cannot type"
xt_ended_by poweroff "poweroff in the shell"
