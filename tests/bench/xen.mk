# make bench-xen: ballast against the Linux stand-in in one boot of the
# nested Xen rig (tests/xen/bench/bench_xen.py); not part of make test.
#   XEN_BENCH_TYPES=pv,pvh[,hvm]  XEN_BENCH_REPS=3  XEN_BENCH_PODMAX=4096
#   XEN_BENCH_MEM=2560 (the rig's QEMU -m)  XEN_BENCH_ONLY=regex (partial run)
#   XEN_BENCH_README=1 (put the tables into docs/bench-xen.md)
#   XEN_BENCH_XEN=xen-shadow (boot the Xen with shadow paging: PV migrate)
#   XEN_BENCH_DOM0=1024M (dom0's memory: HVM save rows need more than 512M)
# ballast is built with DEBUG=0 (no page poisoning, as a production Linux
# has none) into build/bench/k/. Output: build/bench/xen.{csv,md},
# build/bench/xen-balloon.png; the serial log build/bench/xen-run.log.
.PHONY: bench-xen bench-xen-report gnuplot-dep
BENCH_K := $(BUILD)/bench/k

gnuplot-dep:
	@command -v gnuplot >/dev/null 2>&1 || { echo "bench-xen: installing gnuplot-nox"; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends gnuplot-nox >/dev/null; }

bench-xen: deps xen-rig gnuplot-dep
	@$(MAKE) --no-print-directory BUILD=$(BENCH_K) DEBUG=0 $(BENCH_K)/ballast.elf
	@case ",$(XEN_BENCH_TYPES)," in *,hvm,*) $(MAKE) --no-print-directory BUILD=$(BENCH_K) DEBUG=0 iso;; esac
	$(PYTHON) tests/xen/bench/bench_xen.py --elf $(BENCH_K)/ballast.elf --iso $(BENCH_K)/ballast.iso

# the tables, CSV and plot again from build/bench/xen-run.log
bench-xen-report: gnuplot-dep
	$(PYTHON) tests/xen/bench/bench_xen.py --elf $(BENCH_K)/ballast.elf --report-only
