# tickwire: every CI job is a target here. `make test` is what CI runs (.ci/run).
SHELL := /bin/bash
CARGO ?= cargo
export CARGO_TERM_COLOR ?= never

.PHONY: py-test py-bench test test-rust test-loom lint fmt bench bench-quick bench-smoke replay-demo prerequisites clean \
	fuzz fuzz-smoke fuzz-install fuzz-check

## test: every test of the workspace (installs what it needs first); ends with one total line
test: prerequisites
	@mkdir -p target
	@set -o pipefail; { $(MAKE) --no-print-directory test-loom && $(MAKE) --no-print-directory c-test && $(MAKE) --no-print-directory py-test && $(MAKE) --no-print-directory bench-smoke && $(MAKE) --no-print-directory fuzz-check && $(MAKE) --no-print-directory test-rust; } 2>&1 | tee target/test.log; \
	status=$$?; \
	awk '/^test result:/ { p += $$4; f += $$6 } /^c: [0-9]+ passed/ { p += $$2; f += $$4 } /[0-9]+ passed in [0-9.]+s/ { for (i = 1; i < NF; i++) { if ($$(i+1) ~ /^passed/) p += $$i; if ($$(i+1) ~ /^failed/) f += $$i } } END { printf "total: %d passed, %d failed\n", p, f }' target/test.log; \
	exit $$status

prerequisites:
	@command -v $(CARGO) >/dev/null || { echo "cargo not found: install Rust (rustup) first"; exit 1; }
	@missing=""; for t in python3 gcc g++ valgrind pkg-config; do command -v $$t >/dev/null || missing="$$missing $$t"; done; \
	if [ -n "$$missing" ]; then echo "installing:$$missing"; apt-get update -qq && apt-get install -y -qq \
	  $$(echo "$$missing" | sed 's/python3/python3 python3-pip python3-venv/; s/g++/g++/') >/dev/null; fi
	@python3 -c "import websockets" 2>/dev/null || python3 -m pip install -q --disable-pip-version-check websockets

## test-loom: loom models of the SPSC ring (own target dir: --cfg loom rebuilds the crate)
test-loom:
	RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom $(CARGO) test --release -p tickwire --test ring_loom

## test-rust: unit, integration, corpus and doc tests of every crate (last: its summary ends the log)
test-rust:
	$(CARGO) build --workspace --all-targets
	$(CARGO) test --workspace

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

fmt:
	$(CARGO) fmt --all

## ---- benchmarks: `make bench` (full), `make bench-quick` (brief), `make bench-smoke` (CI) ----
## Each runs criterion, the live and memory harnesses and the Python bench (peers included) into
## one results directory, then bench/report.py writes report.md (targets T1-T10 met/missed, every
## criterion id, peers, plots) there. A stage that fails is reported "not measured" by the report
## and fails the target after the report is written. (Each recipe calls $(MAKE) py-bench, so
## `make -n bench` would run it for real: GNU make executes lines that mention $(MAKE) under -n.)
BENCH_DATE := $(shell date -u +%F)
OUT ?= bench/results/$(BENCH_DATE)
LATEST ?= bench/results/latest.md
## absolute: criterion resolves CARGO_TARGET_DIR against the bench crate's directory, not this one
NATIVE_TARGET ?= $(abspath $(if $(CARGO_TARGET_DIR),$(CARGO_TARGET_DIR)/native,target/native))
NATIVE := RUSTFLAGS="-C target-cpu=native" CARGO_TARGET_DIR=$(NATIVE_TARGET)
QUICK_TARGET := $(abspath $(or $(CARGO_TARGET_DIR),target))
SMOKE_OUT := $(QUICK_TARGET)/bench-smoke
REPORT_PY = $$(test -x $(PY_VENV)/bin/python && echo $(PY_VENV)/bin/python || echo python3)

## bench: everything, built for this CPU (benchmarks only; shipped builds are baseline x86-64)
bench:
	@mkdir -p $(OUT) $(NATIVE_TARGET) && touch $(NATIVE_TARGET)/bench-started.stamp
	@fail=""; \
	$(NATIVE) $(CARGO) bench -p tickwire-bench --bench '*' || fail="$$fail criterion"; \
	$(NATIVE) $(CARGO) run --release -p tickwire-bench --bin live -- --out $(OUT) || fail="$$fail live"; \
	$(NATIVE) $(CARGO) run --release -p tickwire-bench --bin memory -- --out $(OUT) || fail="$$fail memory"; \
	TW_BENCH_OUT=$(abspath $(OUT)) $(MAKE) --no-print-directory py-bench || fail="$$fail python"; \
	$(REPORT_PY) bench/report.py --criterion $(NATIVE_TARGET)/criterion --since-file $(NATIVE_TARGET)/bench-started.stamp \
		--results $(OUT) --latest $(LATEST) || fail="$$fail report"; \
	test -z "$$fail" || { echo "bench: failed:$$fail (see $(OUT)/report.md)"; exit 1; }

## bench-quick: the same, briefly (figures not quotable); writes the report too
bench-quick:
	@mkdir -p $(OUT) $(QUICK_TARGET) && touch $(QUICK_TARGET)/bench-started.stamp
	@fail=""; \
	TW_BENCH_QUICK=1 $(CARGO) bench -p tickwire-bench --bench '*' -- --warm-up-time 0.2 --measurement-time 0.5 || fail="$$fail criterion"; \
	$(CARGO) run --release -p tickwire-bench --bin live -- --quick --out $(OUT) || fail="$$fail live"; \
	$(CARGO) run --release -p tickwire-bench --bin memory -- --quick --out $(OUT) || fail="$$fail memory"; \
	TW_BENCH_QUICK=1 TW_BENCH_OUT=$(abspath $(OUT)) $(MAKE) --no-print-directory py-bench || fail="$$fail python"; \
	$(REPORT_PY) bench/report.py --criterion $(QUICK_TARGET)/criterion --since-file $(QUICK_TARGET)/bench-started.stamp \
		--results $(OUT) --latest $(LATEST) || fail="$$fail report"; \
	test -z "$$fail" || { echo "bench-quick: failed:$$fail (see $(OUT)/report.md)"; exit 1; }

## bench-smoke: CI check that every bench, harness and the report generator run (no timing claims):
## criterion runs each benchmark once (--test), live/memory --quick, report into target/bench-smoke
bench-smoke:
	@rm -rf $(SMOKE_OUT) && mkdir -p $(SMOKE_OUT) && touch $(SMOKE_OUT)/started.stamp
	@fail=""; \
	$(CARGO) bench -p tickwire-bench --bench '*' -- --test || fail="$$fail criterion"; \
	$(CARGO) run --release -p tickwire-bench --bin live -- --quick --out $(SMOKE_OUT) || fail="$$fail live"; \
	$(CARGO) run --release -p tickwire-bench --bin memory -- --quick --out $(SMOKE_OUT) || fail="$$fail memory"; \
	$(REPORT_PY) bench/report.py --criterion-skipped "smoke run: criterion ran each benchmark once (--test), no timings" \
		--results $(SMOKE_OUT) --no-latest || fail="$$fail report"; \
	test -z "$$fail" || { echo "bench-smoke: failed:$$fail (see $(SMOKE_OUT)/report.md)"; exit 1; }; \
	echo "bench-smoke: ok ($(SMOKE_OUT)/report.md)"

## ---- fuzzing: `make fuzz` (FUZZ_SECONDS per target, default 120), `make fuzz-smoke` (10 s each) ----
## cargo-fuzz (libFuzzer) under AddressSanitizer, with debug assertions and overflow checks; the
## nightly-only flags run on stable through RUSTC_BOOTSTRAP=1. fuzz/ is its own workspace, not
## built by `make test`. Seeds come from the fixture captures (fuzz/seeds.py writes fuzz/seeds/);
## each target's corpus grows in fuzz/corpus/<target>; a crashing input is kept in
## fuzz/artifacts/<target> and fails the run (add it to core/tests/fuzz_regressions.rs once
## fixed). FUZZ_TARGETS=frames picks targets; logs in $(FUZZ_TARGET_DIR)/logs. Ends with one
## line per target: runs, seconds, exec/s.
FUZZ_TARGETS ?= frames http record decimal spec
FUZZ_SECONDS ?= 120
CARGO_FUZZ_VERSION ?= 0.13.2
FUZZ_TARGET_DIR ?= $(abspath $(or $(CARGO_TARGET_DIR),target))/fuzz
FUZZ := RUSTC_BOOTSTRAP=1 $(CARGO) fuzz
FUZZ_FLAGS := --sanitizer address --target-dir $(FUZZ_TARGET_DIR)

## fuzz-install: cargo-fuzz from crates.io, when missing (a few minutes)
fuzz-install:
	@$(CARGO) fuzz --version >/dev/null 2>&1 || $(CARGO) install cargo-fuzz --locked --version $(CARGO_FUZZ_VERSION)

fuzz: fuzz-install
	@python3 fuzz/seeds.py
	cd fuzz && $(FUZZ) build $(FUZZ_FLAGS)
	@mkdir -p $(FUZZ_TARGET_DIR)/logs; fail=""; summary=""; \
	for t in $(FUZZ_TARGETS); do \
	  mkdir -p fuzz/corpus/$$t; log=$(FUZZ_TARGET_DIR)/logs/$$t.log; \
	  echo "fuzz: $$t for $(FUZZ_SECONDS) s"; \
	  (cd fuzz && $(FUZZ) run $(FUZZ_FLAGS) $$t corpus/$$t seeds/$$t -- \
	    -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -timeout=20 -print_final_stats=1) > $$log 2>&1 \
	    || { fail="$$fail $$t"; grep -E -A12 'panicked|ERROR|SUMMARY' $$log | head -40; }; \
	  summary="$$summary$$(awk -v t=$$t '/^stat::number_of_executed_units:/ { r = $$2 } /^stat::average_exec_per_sec:/ { e = $$2 } \
	    END { printf "fuzz: %-8s %d runs, %d exec/s", t, r, e }' $$log)\n"; \
	done; printf "$$summary"; \
	test -z "$$fail" || { echo "fuzz: crashed:$$fail (inputs in fuzz/artifacts/, logs in $(FUZZ_TARGET_DIR)/logs)"; exit 1; }

## fuzz-check (part of `make test`): the fuzz targets still compile against today's API (plain
## `cargo check`, no sanitizer, no cargo-fuzz: ~35 s); the crashes they found run as
## core/tests/fuzz_regressions.rs
fuzz-check:
	CARGO_TARGET_DIR=$(FUZZ_TARGET_DIR)-check $(CARGO) check --manifest-path fuzz/Cargo.toml --bins

## fuzz-smoke: every target briefly (10 s each; not part of `make test`). On the 2-core machine
## about 10 min from a clean target dir, nearly all of it the ASan build (+35 s to install cargo-fuzz)
fuzz-smoke:
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=10

## replay-demo: replay a real capture and print book tops
replay-demo:
	$(CARGO) run --release --bin tickwire -- replay --venue binance --book-tops --summary core/tests/fixtures/binance/hftbacktest_btcusdt_20240808_first2500.tsv | tail -5

clean:
	$(CARGO) clean

## ---- C library (ffi-c): `make c-test`, `make c-header`, `make install PREFIX=...` ----
.PHONY: c-lib c-test c-header install
C_TARGET_DIR = $(or $(CARGO_TARGET_DIR),$(CURDIR)/target)
PREFIX ?= /usr/local
TW_VERSION = $(shell sed -n 's/^\#define TW_VERSION "\(.*\)"/\1/p' ffi-c/include/tickwire.h)

## c-lib: libtickwire.a and libtickwire.so (release)
c-lib:
	CARGO_TARGET_DIR=$(C_TARGET_DIR) $(CARGO) build --release -p tickwire-c

## c-test: header checks, C tests under ASan and valgrind, replay diff, bot vs simulator, install; ends "c: N passed, M failed"
c-test:
	CARGO_TARGET_DIR=$(C_TARGET_DIR) bash ffi-c/tests/run.sh

## c-header: regenerate the committed ffi-c/include/tickwire.h (cbindgen)
c-header:
	CARGO_TARGET_DIR=$(C_TARGET_DIR) TICKWIRE_BLESS_HEADER=1 $(CARGO) test --release -p tickwire-c --lib header_is_current

## install: libraries, header and tickwire.pc under $(PREFIX) (honours DESTDIR)
install: c-lib
	install -d $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include
	install -m 644 $(C_TARGET_DIR)/release/libtickwire.a $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(C_TARGET_DIR)/release/libtickwire.so $(DESTDIR)$(PREFIX)/lib/
	install -m 644 ffi-c/include/tickwire.h $(DESTDIR)$(PREFIX)/include/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(TW_VERSION)|' ffi-c/tickwire.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/tickwire.pc

## py-test: build the Python wheel, install it in a fresh venv, run the example and pytest against
## the installed package (pytest's summary line ends the output)
PY_TARGET := $(or $(CARGO_TARGET_DIR),target)
PY_VENV := $(PY_TARGET)/pyvenv
PY_WHEELS := $(PY_TARGET)/py-wheels
PY_RUN := $(PY_TARGET)/py-run
py-test:
	python3 -m venv --clear $(PY_VENV)
	$(PY_VENV)/bin/python -m pip install -q maturin numpy pandas pytest mypy matplotlib pyarrow
	$(CARGO) build --release --bin tickwire
	rm -rf $(PY_WHEELS) && $(PY_VENV)/bin/maturin build --release --quiet -o $(PY_WHEELS)
	$(PY_VENV)/bin/python -m pip install -q $(PY_WHEELS)/tickwire-*.whl
	mkdir -p $(PY_RUN)
	cd $(PY_RUN) && $(abspath $(PY_VENV))/bin/python $(CURDIR)/examples/python/quickstart.py > quickstart.log && tail -1 quickstart.log
	cd $(PY_RUN) && TICKWIRE_ROOT=$(CURDIR) TICKWIRE_CLI=$(abspath $(PY_TARGET))/release/tickwire \
		$(abspath $(PY_VENV))/bin/python -m pytest -q -p no:cacheprovider $(CURDIR)/ffi-python/tests $(CURDIR)/bench/tests

## py-bench: events/s into numpy batches and as Python objects (brief), then the peer tables:
## cryptofeed's Binance and OKX handlers vs tickwire on the same frames (cryptofeed in its own
## venv), and both end to end from `tickwire sim` over loopback TLS. TW_BENCH_OUT=DIR also
## writes DIR/python.json; TW_BENCH_QUICK=1 shortens it.
CF_VENV := $(PY_TARGET)/cfvenv
py-bench:
	@test -x $(PY_VENV)/bin/python || $(MAKE) --no-print-directory py-test
	@test -x $(CF_VENV)/bin/python || { python3 -m venv $(CF_VENV) && \
		$(CF_VENV)/bin/python -m pip install -q --disable-pip-version-check -r bench/peers/requirements-cryptofeed.txt; } \
		|| echo "cryptofeed venv could not be created: the peer table will be skipped"
	$(CARGO) build --release --bin tickwire
	@# the package as it is in this tree, not whatever wheel the venv last got
	rm -rf $(PY_WHEELS) && $(PY_VENV)/bin/maturin build --release --quiet -o $(PY_WHEELS)
	$(PY_VENV)/bin/python -m pip install -q --force-reinstall --no-deps $(PY_WHEELS)/tickwire-*.whl
	mkdir -p $(PY_RUN)
	cd $(PY_RUN) && TICKWIRE_ROOT=$(CURDIR) CF_PYTHON=$(abspath $(CF_VENV))/bin/python \
		TICKWIRE_CLI=$(abspath $(PY_TARGET))/release/tickwire \
		$(abspath $(PY_VENV))/bin/python $(CURDIR)/examples/python/bench.py
