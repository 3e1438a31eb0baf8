# Which files of drivers/xen/ also build into the host unit tests: the
# xenstore client runs against a simulated xenstored (tests/unit/sim_xenstore.c),
# free page reporting against the simulated hypervisor's reservation
# (tests/unit/sim_xen_reservation.c).
HOST_LIB_SRCS += drivers/xen/xenstore.c drivers/xen/page_reporting.c
