# `poweroff` typed into the guest shell ends the domain cleanly.
xt_guest
xt_poweroff
