# Which files of kernel/ also build into the host unit tests (make check).
# Everything but boot glue and what talks to a real console or the linker's
# tables; a new generic file here is unit-testable without editing a list.
HOST_LIB_SRCS += $(filter-out kernel/main.c kernel/printk.c kernel/console.c \
	kernel/ksyms.c kernel/shell_loop.c kernel/cmd_system.c kernel/cmd_console.c, \
	$(wildcard kernel/*.c))
