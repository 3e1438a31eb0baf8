# Nested Xen rig (tests/xen): Xen 4.17 + Debian dom0 under QEMU/TCG, ballast
# as a PV, PVH and HVM guest. See tests/xen/README.md.
#
#   make test-xen [XEN_ONLY=regex] [XEN_TYPES=pv,pvh] [XEN_TIMEOUT=3600] [XEN_V=1]
#                                      tests/xen/plan, shadow-plan and bigsave-plan
#   make run-xen [TYPE=pv|pvh|hvm|pvhbal|...]  guest TYPE of tests/xen/cfg/guests.tab on this terminal
#   make xen-rig                       just build/refresh build/xen-rig
#   make xen-shell                     Xen + dom0, a dom0 shell
#   make test-xen-standin              rig self-test with a Linux stand-in guest
#   make soak-xen [SOAK_STEPS=100] [SOAK_SEED=n] [SOAK_TYPES=pv,pvh,hvm]
#                                      the balloon soak (tests/xen/soak-plan)
#   make test-soak-xen                 the same with 20 steps (part of make test)
#   make test-xen-console [CONS_LINES=10000]  the console stress alone
#   make test-xen-stall [STALL_CYCLES=10]     hotplug cycles, safety nets off, wakeups traced
#   make test-xen-wake [WAKE_RUNS=20] [WAKE_ARGS=...]  the lost-wakeup reproducer (wakestress)
#   make test-xen-shadow               PV live migration, on the Xen with shadow paging
#   make test-xen-bigsave              save-hotplug at xl mem-max 1536, mem-set 1400 (bigger rig)

TYPE ?= pvh
# 1800 s was the limit for the 62 scenarios before save/restore/migrate
# (12 min); those 20 add about 25 min here (two more HVM boots of ~5 min)
XEN_TIMEOUT ?= 3600
XEN_RUN := $(PYTHON) tests/xen/run.py --elf $(BUILD)/ballast.elf --iso $(BUILD)/ballast.iso \
	--rig $(BUILD)/xen-rig
XEN_TEST_ARGS := --timeout $(XEN_TIMEOUT) $(if $(XEN_ONLY),--only '$(XEN_ONLY)') \
	$(if $(XEN_TYPES),--types $(XEN_TYPES)) $(if $(XEN_V),-v)

.PHONY: test-xen run-xen xen-rig xen-shell test-xen-standin xen-iso soak-xen test-soak-xen \
	test-xen-cycles test-xen-stall test-xen-wake test-xen-console test-xen-shadow test-xen-bigsave

xen-rig:
	@tests/xen/build-rig.sh

# hvm boots build/ballast.iso; without it the hvm scenarios fail, loudly
xen-iso: $(BUILD)/ballast.elf
	@$(MAKE) --no-print-directory iso || echo "xen: warning: 'make iso' failed, hvm scenarios will fail" >&2

# all of it: tests/xen/plan, then the PV live migrations (test-xen-shadow)
# and the 1400 MiB saves (test-xen-bigsave), one closing line for the three
XEN_OUT := $(BUILD)/xen-rig/out
test-xen: $(BUILD)/ballast.elf xen-iso xen-rig
	@mkdir -p $(XEN_OUT)
	-$(XEN_RUN) --no-build $(XEN_TEST_ARGS) 2>&1 | tee $(XEN_OUT)/plan.out
	-$(MAKE) --no-print-directory test-xen-shadow 2>&1 | tee $(XEN_OUT)/shadow.out
	-$(MAKE) --no-print-directory test-xen-bigsave 2>&1 | tee $(XEN_OUT)/bigsave.out
	@tests/xen/total.sh $(XEN_OUT)/plan.out $(XEN_OUT)/shadow.out $(XEN_OUT)/bigsave.out

# PV live migration needs shadow paging (log-dirty for PV), which Debian's
# current Xen is built without: a second boot of the rig on the one that
# has it (build/xen-rig/xen-shadow, build-rig.sh), tests/xen/shadow-plan.
test-xen-shadow: $(BUILD)/ballast.elf xen-rig
	$(XEN_RUN) --no-build --xen xen-shadow --plan tests/xen/shadow-plan \
		--log $(BUILD)/xen-rig/shadow-run.log $(XEN_TEST_ARGS) --timeout 1800

# save-hotplug at 1536/1400 MiB (tests/xen/bigsave-plan), on a rig with
# room for a 1.4 GiB save file in dom0 and two copies of the guest
test-xen-bigsave: $(BUILD)/ballast.elf xen-iso xen-rig
	XT_HOT_MAX=1536 XT_HOT_MIB=1400 XT_SAVE_MEMTEST_MAX=262144 XT_SCENARIO_TIMEOUT=1800 \
	$(XEN_RUN) --no-build --plan tests/xen/bigsave-plan --mem 8192 --dom0-mem 3072M \
		--log $(BUILD)/xen-rig/bigsave-run.log $(XEN_TEST_ARGS) --timeout 3600

# only the console stress, CONS_LINES lines a guest type (tests/xen/console-plan)
CONS_LINES ?= 10000
CONS_SERIAL_LINES ?= 50
test-xen-console: $(BUILD)/ballast.elf xen-iso xen-rig
	XT_CONS_LINES=$(CONS_LINES) XT_CONS_CMDS=50 XT_CONS_SERIAL_LINES=$(CONS_SERIAL_LINES) \
	XT_SCENARIO_TIMEOUT=3000 \
		$(XEN_RUN) --no-build --plan tests/xen/console-plan $(XEN_TEST_ARGS) --timeout 9000

# only the hotplug-cycles scenarios (they are in make test-xen too)
test-xen-cycles: $(BUILD)/ballast.elf xen-iso xen-rig
	$(XEN_RUN) --no-build --plan tests/xen/hotplug-cycles-plan $(XEN_TEST_ARGS)

# The lost-wakeup stress (issue 23): the hotplug cycles with the safety
# nets off (no idle cap, no balloon re-arm) and the wakeup path traced into
# the guest's log, which a failing reach prints. The same kernel: pv and
# pvh get the arguments from xl (XT_GUEST_ARGS), hvm from an ISO of its own.
STALL_ARGS ?= safety_nets=off trace=wake
STALL_PLAN ?= tests/xen/hotplug-cycles-plan
STALL_CYCLES ?= 10
test-xen-stall: $(BUILD)/ballast.elf xen-rig
	@boot/mkiso.sh $(BUILD)/ballast.elf '$(STALL_ARGS)' $(BUILD)/ballast-stall.iso
	XT_GUEST_ARGS='$(STALL_ARGS)' XT_CYCLES=$(STALL_CYCLES) XT_BALLOON_TIMEOUT=$${XT_BALLOON_TIMEOUT:-120} \
		XT_SCENARIO_TIMEOUT=$${XT_SCENARIO_TIMEOUT:-3600} \
		$(PYTHON) tests/xen/run.py --elf $(BUILD)/ballast.elf --iso $(BUILD)/ballast-stall.iso \
		--rig $(BUILD)/xen-rig --no-build --plan $(STALL_PLAN) --timeout $${XEN_TIMEOUT:-5400} \
		--log $(BUILD)/xen-rig/stall.log $(if $(XEN_ONLY),--only '$(XEN_ONLY)') $(if $(XEN_V),-v)

# The lost-wakeup reproducer (issue 23): WAKE_RUNS runs in a row of
# `wakestress WAKE_ROUNDS` per guest of tests/xen/wake-plan, safety nets
# off; WAKE_ARGS='safety_nets=off trace=wake xen_idle=plain' shows the
# wakeup lost without the fix (docs/incidents.md).
WAKE_ARGS ?= safety_nets=off trace=wake
WAKE_RUNS ?= 20
WAKE_ROUNDS ?= 20000
test-xen-wake: $(BUILD)/ballast.elf xen-rig
	@$(MAKE) --no-print-directory test-xen-stall STALL_PLAN=tests/xen/wake-plan STALL_ARGS='$(WAKE_ARGS)' \
		XT_WAKE_RUNS=$(WAKE_RUNS) XT_WAKE_ROUNDS=$(WAKE_ROUNDS)

run-xen: $(BUILD)/ballast.elf xen-rig
	@case "$(TYPE)" in hvm*) $(MAKE) --no-print-directory xen-iso;; esac
	$(XEN_RUN) --no-build --console $(TYPE)

xen-shell: xen-rig
	$(XEN_RUN) --no-build --shell

test-xen-standin: xen-rig
	$(PYTHON) tests/xen/run.py --rig $(BUILD)/xen-rig --no-build --standin \
		$(if $(XEN_TYPES),,--types pv,pvh) $(XEN_TEST_ARGS)

# The balloon soak: random targets, hot-add, guest allocations, checked
# after every step (tests/xen/scenarios/soak.sh). Seeded: the seed is
# printed; SOAK_SEED=n repeats a run's choices.
SOAK_STEPS ?= 100
SOAK_SEED ?= $(shell od -An -N3 -tu4 /dev/urandom | tr -d ' ')
SOAK_TIMEOUT ?= 5400
comma := ,
SOAK_RUN = XT_SOAK_STEPS=$(1) XT_SOAK_SEED=$(or $(5),$(SOAK_SEED)) XT_SCENARIO_TIMEOUT=$(2) \
	$(XEN_RUN) --no-build --plan tests/xen/soak-plan --timeout $(3) --log $(BUILD)/xen-rig/$(4).log \
	$(if $(SOAK_TYPES),--only '^($(subst $(comma),|,$(SOAK_TYPES)))soak/') $(if $(XEN_V),-v)

soak-xen: $(BUILD)/ballast.elf xen-iso xen-rig
	$(call SOAK_RUN,$(SOAK_STEPS),3600,$(SOAK_TIMEOUT),soak-xen)

# In make test the seed is fixed (TEST_SOAK_SEED): a red run is repeatable,
# and the random seeds are make soak-xen's.
TEST_SOAK_SEED ?= 777
test-soak-xen: $(BUILD)/ballast.elf xen-iso xen-rig
	$(call SOAK_RUN,20,1200,2700,test-soak-xen,$(TEST_SOAK_SEED))

# make test runs these suites too (tests/run_all.sh).
TEST_SUITES += test-xen test-soak-xen
