# make fuzz-shell: random mm shell commands against the block model
# (tests/qemu/mm_model.py), one QEMU guest (MEM=1G, mem=256M) per seed, one
# at a time; not part of make test (t_fuzz.py runs a short seed and the
# regression seeds there). About 12 ms per command under TCG.
#   FUZZ_SEEDS=1-50 (ranges and lists: 1-10,42)  FUZZ_CMDS=2000 per seed
#   FUZZ_UNDO=400 (undo everything, free back at boot value, every N)
.PHONY: fuzz-shell
FUZZ_SEEDS ?= 1-10
FUZZ_CMDS ?= 2000
FUZZ_UNDO ?= 400

fuzz-shell: $(BUILD)/ballast.elf deps
	$(PYTHON) tests/qemu/fuzz_shell.py --elf $(BUILD)/ballast.elf --seeds '$(FUZZ_SEEDS)' \
		--cmds $(FUZZ_CMDS) --undo-every $(FUZZ_UNDO)
