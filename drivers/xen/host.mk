# Which files of drivers/xen/ also build into the host unit tests: the
# xenstore client runs against a simulated xenstored (tests/unit/sim_xenstore.c),
# free page reporting against the simulated hypervisor's reservation
# (tests/unit/sim_xen_reservation.c), the one-shot timer against a simulated
# vcpu (tests/unit/test_xen_timer.c).
HOST_LIB_SRCS += drivers/xen/xenstore.c drivers/xen/page_reporting.c drivers/xen/timer.c
