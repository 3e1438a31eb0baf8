# ballast: one freestanding x86_64 kernel image, bare or under Xen.
#
#   make            build/ballast.elf
#   make iso        build/ballast.iso (GRUB, multiboot2)
#   make run        boot the ISO in QEMU, serial console and monitor on this terminal
#   make check      host unit tests (ASan/UBSan)
#   make test-qemu  boot tests under QEMU, driven over the serial line
#   make test       every suite, one summary
#   make bench      callgrind figures for the allocator and hotplug
#
# Every target that needs tools installs what is missing (tests/deps.sh).

MEM ?= 512M
SMP ?= 1
CMDLINE ?=
ACCEL ?= tcg
SECTION_SIZE_MB ?= 128
DEBUG ?= 1
BALLOON ?= 1
# make run: a virtio-mem device of VIRTIO_MEM_SIZE, nothing plugged (VIRTIO_MEM=0: none)
VIRTIO_MEM ?= 1
VIRTIO_MEM_SIZE ?= 4G

BUILD := build
HOSTBUILD := $(BUILD)/host
CC := gcc
HOSTCC ?= gcc
LD := ld
PYTHON ?= python3

BUILD_ID := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)$(shell git diff --quiet HEAD 2>/dev/null || echo -dirty)

COMMON_DEFS := -DSECTION_SIZE_MB=$(SECTION_SIZE_MB) -DBALLAST_DEBUG=$(DEBUG)
KCFLAGS := -std=gnu11 -O2 -g -ffreestanding -fno-builtin -fno-stack-protector \
	-fno-pic -fno-pie -mcmodel=kernel -mno-red-zone -mno-mmx -mno-sse -mno-sse2 \
	-mno-80387 -mno-3dnow -fno-omit-frame-pointer -fno-asynchronous-unwind-tables \
	-fno-strict-aliasing -Wall -Wextra -Werror -Wno-unused-parameter \
	-Iinclude -Iarch/x86/include $(COMMON_DEFS) -MMD -MP
KASFLAGS := $(filter-out -std=gnu11,$(KCFLAGS)) -D__ASSEMBLY__
KLDFLAGS := -nostdlib -z max-page-size=0x1000 -z noexecstack -T linker.ld

# Host-testable code, compiled unchanged into the unit tests: each folder
# says which of its files in a host.mk beside them (mm/host.mk, ...).
HOST_LIB_SRCS :=
include $(wildcard */host.mk */*/host.mk)
HOST_LIB_SRCS += $(EXTRA_HOST_SRCS)
UNIT_SRCS := $(wildcard tests/unit/*.c)
HOSTCFLAGS := -std=gnu11 -O1 -g -fsanitize=address,undefined \
	-fno-sanitize-recover=undefined -fno-omit-frame-pointer \
	-Wall -Wextra -Werror -Wno-unused-parameter -DBALLAST_HOST \
	-Iinclude $(COMMON_DEFS) -MMD -MP

KSRCS := $(wildcard arch/x86/*.c arch/x86/*.S arch/x86/*/*.c arch/x86/*/*.S \
	kernel/*.c mm/*.c drivers/*.c drivers/*/*.c)
KOBJS := $(patsubst %,$(BUILD)/k/%.o,$(KSRCS))

.PHONY: all iso run check lint test test-qemu bench deps clean print-test-suites
all: $(BUILD)/ballast.elf

deps:
	@tests/deps.sh

# Objects depend on the flags they were built with: the stamp changes only
# when SECTION_SIZE_MB, DEBUG or the flags themselves change on the command line.
FLAGS_STAMP := $(BUILD)/flags.stamp
FLAGS_NOW := $(KCFLAGS) | $(HOSTCFLAGS)
$(shell mkdir -p $(BUILD) && { [ "$$(cat $(FLAGS_STAMP) 2>/dev/null)" = '$(FLAGS_NOW)' ] || printf '%s\n' '$(FLAGS_NOW)' > $(FLAGS_STAMP); })
# Likewise the lists of sources: a file deleted or renamed relinks.
SRCS_STAMP := $(BUILD)/srcs.stamp
SRCS_NOW := $(sort $(KSRCS)) | $(sort $(HOST_LIB_SRCS) $(UNIT_SRCS))
$(shell mkdir -p $(BUILD) && { [ "$$(cat $(SRCS_STAMP) 2>/dev/null)" = '$(SRCS_NOW)' ] || printf '%s\n' '$(SRCS_NOW)' > $(SRCS_STAMP); })

$(BUILD)/k/%.c.o: %.c Makefile $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(KCFLAGS) -c $< -o $@

$(BUILD)/k/%.S.o: %.S Makefile $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	@$(CC) $(KASFLAGS) -c $< -o $@

$(BUILD)/k/version.o: $(KOBJS) Makefile $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	@printf 'const char ballast_build_id[] = "%s";\nconst char ballast_compiler[] = "%s";\n' \
		'$(BUILD_ID)' '$(shell $(CC) --version | head -1)' > $(BUILD)/k/version.c
	@$(CC) $(KCFLAGS) -c $(BUILD)/k/version.c -o $@

# Two passes: the second adds the symbol table (kernel/ksyms.sh) for
# backtraces; it goes after all code, so no function moves between passes.
$(BUILD)/ballast.elf: $(KOBJS) $(BUILD)/k/version.o linker.ld kernel/ksyms.sh $(SRCS_STAMP)
	@$(LD) $(KLDFLAGS) -o $@.pass1 $(KOBJS) $(BUILD)/k/version.o
	@kernel/ksyms.sh $@.pass1 > $(BUILD)/k/ksyms.S
	@$(CC) $(KASFLAGS) -c $(BUILD)/k/ksyms.S -o $(BUILD)/k/ksyms.o
	@$(LD) $(KLDFLAGS) -o $@ $(KOBJS) $(BUILD)/k/version.o $(BUILD)/k/ksyms.o
	@echo "  LD      $@"

# The ISO carries the command line in grub.cfg; boot/mkiso.sh rebuilds it
# only when the kernel or CMDLINE changed.
iso: deps $(BUILD)/ballast.elf
	@boot/mkiso.sh $(BUILD)/ballast.elf '$(CMDLINE)' $(BUILD)/ballast.iso

run: iso
	@boot/qemu.sh $(BUILD)/ballast.iso '$(MEM)' '$(SMP)' '$(ACCEL)' '$(BALLOON)' '$(VIRTIO_MEM)' '$(VIRTIO_MEM_SIZE)'

# ---- tests ---------------------------------------------------------------
HOST_OBJS := $(patsubst %.c,$(HOSTBUILD)/%.o,$(HOST_LIB_SRCS) $(UNIT_SRCS))

$(HOSTBUILD)/%.o: %.c Makefile $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $<"
	@$(HOSTCC) $(HOSTCFLAGS) -c $< -o $@

$(HOSTBUILD)/unit_tests: $(HOST_OBJS) $(SRCS_STAMP)
	$(HOSTCC) $(HOSTCFLAGS) -o $@ $(HOST_OBJS)

check: deps $(HOSTBUILD)/unit_tests lint
	$(HOSTBUILD)/unit_tests

# The layering rules (tests/lint/layering.py): generic code includes no arch
# or Xen header, arch names no driver, no declarations in .c files.
lint: $(BUILD)/ballast.elf
	@$(PYTHON) tests/lint/layering.py $(BUILD)/k

test-qemu: iso
	$(PYTHON) tests/qemu/runner.py --elf $(BUILD)/ballast.elf

test: deps
	@tests/run_all.sh

# Suites beyond check and test-qemu (tests/*/*.mk add to TEST_SUITES).
TEST_SUITES ?=
print-test-suites:
	@echo $(TEST_SUITES)

bench: deps
	@tests/bench/bench.sh

clean:
	rm -rf $(BUILD)

# Suites added by later work plug in here (tests/xen/xen.mk, ...).
-include $(wildcard tests/*/*.mk)
-include $(shell find $(BUILD)/k $(HOSTBUILD) -name '*.d' -type f 2>/dev/null)
