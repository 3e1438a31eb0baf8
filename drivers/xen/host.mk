# Which files of drivers/xen/ also build into the host unit tests: the
# xenstore client runs against a simulated xenstored (tests/unit/sim_xenstore.c).
HOST_LIB_SRCS += drivers/xen/xenstore.c
