# Which files of mm/ also build into the host unit tests (make check):
# all of them; generic mm includes no arch or Xen header.
HOST_LIB_SRCS += $(wildcard mm/*.c)
