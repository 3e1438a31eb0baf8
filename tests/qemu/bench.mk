# make bench-qemu: ballast against Linux (Debian 12's 6.1 kernel, its own
# virtio_balloon and virtio_mem modules) in the same QEMU with virtio-balloon
# or virtio-mem, driven by the
# same QMP code (tests/qemu/bench/bench_qemu.py); not part of make test.
#   QEMU_BENCH_REPS=3  QEMU_BENCH_OS=bl,lx  QEMU_BENCH_README=1 (update docs/bench-qemu.md)
#   QEMU_BENCH_FIGURES=balloon,report,mem (the QMP balloon steps; free page
#   reporting: seconds from a 1.2 GiB free to QEMU's RSS 1 GiB lower;
#   virtio-mem: ms from qom-set requested-size 1G, 0, 3G, 0 to
#   query-memory-devices showing it, Linux with its virtio_mem module)
# ballast is built with DEBUG=0 (no page poisoning, as a production Linux
# has none) into build/bench/k/; the Linux guest is assembled, not
# installed, by tests/qemu/bench/build-linux.sh into build/qemu-bench/linux/.
# Output: build/bench/qemu.{csv,md}, build/bench/qemu-balloon.png, the
# serial logs in build/bench/qemu-runs/.
.PHONY: bench-qemu bench-qemu-report bench-qemu-linux matplotlib-dep
QBENCH_K := $(BUILD)/bench/k

matplotlib-dep:
	@$(PYTHON) -c 'import matplotlib' 2>/dev/null || /usr/bin/python3 -c 'import matplotlib' 2>/dev/null || \
		{ echo "bench-qemu: installing python3-matplotlib"; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-matplotlib >/dev/null; }

bench-qemu-linux:
	@tests/qemu/bench/build-linux.sh

bench-qemu: deps bench-qemu-linux matplotlib-dep
	@$(MAKE) --no-print-directory BUILD=$(QBENCH_K) DEBUG=0 iso
	$(PYTHON) tests/qemu/bench/bench_qemu.py --iso $(QBENCH_K)/ballast.iso

# the tables, CSV and plot again from build/bench/qemu-runs/
bench-qemu-report: matplotlib-dep
	$(PYTHON) tests/qemu/bench/bench_qemu.py --iso $(QBENCH_K)/ballast.iso --report-only
