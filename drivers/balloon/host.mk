# Which files of drivers/balloon/ also build into the host unit tests (for the
# per-folder host.mk layout): the core and the balloon command; sched.c is
# kernel glue over deferred calls.
HOST_LIB_SRCS += $(filter-out drivers/balloon/sched.c, \
	$(wildcard drivers/balloon/*.c))
