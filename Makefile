# kbench - one non-recursive Makefile.
#
#   make            build everything in build/
#   make test       unit + integration tests, then the same under ASan+UBSan
#   make bench      run all suites, console table, JSON in build/results/
#   make install PREFIX=/usr/local
#
# Quiet by default (V=1 shows commands); DEVELOPER=1 adds -Werror;
# CUDA=0 turns the CUDA parts off, CUDA=1 requires them.

.SUFFIXES:
.DELETE_ON_ERROR:
.DEFAULT_GOAL := all

B ?= build
PREFIX ?= /usr/local
SAN ?= 0

ifeq ($(V),1)
Q :=
else
Q := @
endif

CC ?= cc
ifeq ($(origin CC),default)
CC := gcc
endif

# ---- flags, composed in one place -------------------------------------------
OPT ?= -O2
CFLAGS_BASE := -std=gnu11 $(OPT) -g -fPIC -Wall -Wextra -Wno-unused-parameter \
	-pthread -MMD -MP -Iharness -Iharness/core -Ikernels
ifeq ($(DEVELOPER),1)
CFLAGS_BASE += -Werror
endif
ifeq ($(SAN),1)
CFLAGS_BASE += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS_SAN := -fsanitize=address,undefined
endif

# libkbench (the runtime) needs hwloc only; jansson is the analysis
# tools' JSON reader and never reaches a benchmark binary.
PKGS := hwloc jansson
HAVE_OPENBLAS := $(shell pkg-config --exists openblas && echo 1 || echo 0)
ifeq ($(HAVE_OPENBLAS),1)
PKGS += openblas
CFLAGS_BASE += -DKB_HAVE_OPENBLAS=1
endif
# libpq (PostgreSQL's client): kbench-history's team backend, --db=postgresql://...
# Optional: without it the history is SQLite only, and a postgresql:// --db
# says which library is missing.  Only the history objects and their
# binaries see it.
HAVE_LIBPQ := $(shell pkg-config --exists libpq && echo 1 || echo 0)
ifeq ($(HAVE_LIBPQ),1)
HISTDB_CFLAGS := -DKB_HAVE_LIBPQ=1 $(shell pkg-config --cflags libpq)
HISTDB_LIBS := -lsqlite3 $(shell pkg-config --libs libpq)
else
HISTDB_LIBS := -lsqlite3
endif
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CORE_LIBS := $(shell pkg-config --libs hwloc 2>/dev/null) -lm -lpthread -ldl
ANALYSIS_LIBS := $(shell pkg-config --libs jansson 2>/dev/null)

GIT_REV := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
GIT_DIRTY := $(shell test -n "$$(git status --porcelain --untracked-files=no 2>/dev/null)" && echo 1 || echo 0)
# What context.compiler.flags records: every flag of the C objects, the
# user's CFLAGS included (double quotes dropped, the value is a C string).
KB_CFLAGS_STR = $(subst ",,$(CFLAGS_BASE) $(CFLAGS))

ALL_CFLAGS = $(CFLAGS_BASE) $(PKG_CFLAGS) $(CFLAGS)
LIBS := $(PKG_LIBS) -lm -lpthread -ldl
ANALYSIS_INC := -Iharness/analysis
ALL_LDFLAGS = $(LDFLAGS_SAN) $(LDFLAGS)

# ---- CUDA (auto-detected) ---------------------------------------------------
# nvcc is looked for on PATH, then in $(CUDA_HOME)/bin and /usr/local/cuda/bin.
# The toolkit root is asked of nvcc itself (its --dryrun prints TOP=), because
# the nvcc on PATH may be a wrapper script outside the toolkit (a
# /usr/local/bin/nvcc that execs /usr/local/cuda-13.0/bin/nvcc).  CUDA is on
# only when the headers, libcudart and libcublas are there too; otherwise it is
# off with a warning that names what is missing (an error under CUDA=1).
ifeq ($(origin NVCC),undefined)
NVCC := $(shell command -v nvcc 2>/dev/null || \
	for d in $(CUDA_HOME) /usr/local/cuda; do test -x $$d/bin/nvcc && echo $$d/bin/nvcc && break; done)
endif
KB_MACHINE := $(shell uname -m)
CUDA_ARCH ?= -gencode arch=compute_90,code=sm_90 -gencode arch=compute_90,code=compute_90
ifneq ($(NVCC),)
ifneq ($(CUDA),0)
ifneq ($(SAN),1)
KB_NVCC_TOP := $(shell $(NVCC) --dryrun -E -x cu /dev/null 2>&1 | sed -n 's/^.* TOP=//p' | head -n 1)
CUDA_HOME ?= $(abspath $(firstword $(KB_NVCC_TOP) $(patsubst %/bin/nvcc,%,$(NVCC))))
kb_cuda_dirs = $(CUDA_HOME)/$(1) $(CUDA_HOME)/targets/$(KB_MACHINE)-linux/$(1)
CUDA_INCDIR := $(firstword $(foreach d,$(call kb_cuda_dirs,include),\
	$(if $(wildcard $(d)/cuda_runtime.h),$(d))))
CUDA_LIBDIR := $(firstword $(foreach d,$(call kb_cuda_dirs,lib64) $(call kb_cuda_dirs,lib) \
	/usr/lib/$(KB_MACHINE)-linux-gnu,\
	$(if $(and $(wildcard $(d)/libcudart.so),$(wildcard $(d)/libcublas.so)),$(d))))
KB_CUDA_MISSING := $(if $(CUDA_INCDIR),,cuda_runtime.h) $(if $(CUDA_LIBDIR),,libcudart.so+libcublas.so)
KB_CUDA_MISSING := $(strip $(KB_CUDA_MISSING))
endif
endif
endif
ifeq ($(CUDA),)
ifeq ($(NVCC),)
CUDA := 0
else ifneq ($(KB_CUDA_MISSING),)
$(warning CUDA parts off: $(NVCC) found, but not $(KB_CUDA_MISSING) under $(CUDA_HOME) (set CUDA_HOME=, or CUDA=0 to silence this))
CUDA := 0
else
CUDA := 1
endif
else ifeq ($(CUDA),1)
ifeq ($(NVCC),)
$(error CUDA=1 but nvcc was not found on PATH, in CUDA_HOME or in /usr/local/cuda/bin)
endif
ifneq ($(KB_CUDA_MISSING),)
$(error CUDA=1 but $(KB_CUDA_MISSING) not found under $(CUDA_HOME) (nvcc is $(NVCC)); set CUDA_HOME=)
endif
endif
ifeq ($(SAN),1)
CUDA := 0
endif
# kbench is relinked when CUDA is switched on or off, and the CUDA objects
# are rebuilt when the target architectures or nvcc change, so `make CUDA=0`
# then `make` never leaves a stale binary.
KB_CUDA_CONFIG := $(CUDA) $(CUDA_ARCH) $(NVCC)
KB_CUDA_ARCH_CONFIG := $(CUDA_ARCH) $(NVCC)

# ---- sources ----------------------------------------------------------------
# harness/core is libkbench, what a benchmark binary runs (installed);
# harness/analysis is the offline tools' library (libkbench-analysis.a, linked
# into the tools and tests only, never installed).  A core file cannot include
# an analysis header: only analysis, cmd and test objects see that folder.
LIB_SRC := $(sort $(wildcard harness/core/*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(B)/obj/%.o)
ANALYSIS_SRC := $(sort $(wildcard harness/analysis/*.c))
ANALYSIS_OBJ := $(ANALYSIS_SRC:%.c=$(B)/obj/%.o)
MAIN_OBJ := $(B)/kbench_main.o
TOOL_SRC := $(sort $(wildcard harness/cmd/kbench-*.c))
TOOLS := $(TOOL_SRC:harness/cmd/%.c=$(B)/%)
KERNEL_SRC := $(sort $(wildcard kernels/ref/*.c kernels/cpu/*.c))
KERNEL_OBJ := $(KERNEL_SRC:%.c=$(B)/obj/%.o)
SUITE_SRC := $(sort $(wildcard suites/*.c))
SUITE_OBJ := $(SUITE_SRC:%.c=$(B)/obj/%.o)
TEST_SRC := $(sort $(wildcard tests/unit/test_*.c))
TESTS := $(TEST_SRC:tests/unit/%.c=$(B)/tests/%)
TEST_SUPPORT_SRC := $(sort $(wildcard tests/unit/support_*.c))
TEST_SUPPORT_OBJ := $(TEST_SUPPORT_SRC:%.c=$(B)/obj/%.o)

ifeq ($(CUDA),1)
CUDA_SRC := $(sort $(wildcard kernels/cuda/*.cu suites/*_cuda.cu))
CUDA_OBJ := $(CUDA_SRC:%.cu=$(B)/obj/%.cu.o)
CUDA_LIBS := -L$(CUDA_LIBDIR) -Wl,-rpath,$(CUDA_LIBDIR) -lcublas -lcudart
CFLAGS_BASE += -DKB_HAVE_CUDA=1 -I$(CUDA_INCDIR)
# -lineinfo: source lines for Nsight Compute/Systems, no effect on the code;
# -MMD -MP: header dependencies, as for the C files.
NVCCFLAGS ?= -O2 -std=c++17 $(CUDA_ARCH) -lineinfo -MMD -MP -Xcompiler -fPIC,-Wall \
	-Iharness -Iharness/core -Ikernels -DKB_HAVE_CUDA=1
endif

$(B)/.cuda-config: FORCE
	@mkdir -p $(B)
	@echo "$(KB_CUDA_CONFIG)" | cmp -s - $@ || echo "$(KB_CUDA_CONFIG)" > $@
$(B)/.cuda-arch: FORCE
	@mkdir -p $(B)
	@echo "$(KB_CUDA_ARCH_CONFIG)" | cmp -s - $@ || echo "$(KB_CUDA_ARCH_CONFIG)" > $@

KB_LIBA := $(B)/libkbench.a
KB_LIBSO := $(B)/libkbench.so
KB_ANALYSIS_LIBA := $(B)/libkbench-analysis.a
KBENCH := $(B)/kbench
$(KBENCH): $(B)/.cuda-config

# the mains' objects are kept (not intermediates), so a relink rebuilds nothing
.SECONDARY: $(TOOL_SRC:%.c=$(B)/obj/%.o)

# ---- rules ------------------------------------------------------------------
.PHONY: all
all: $(KBENCH) $(KB_LIBA) $(KB_LIBSO) $(MAIN_OBJ) $(TOOLS) $(B)/kbench-fleet $(B)/kbench.pc

# kbench-fleet is a shell script (it drives sbatch, squeue and scontrol);
# beside the other tools in the build so it finds them and kbench
$(B)/kbench-fleet: scripts/kbench-fleet
	@mkdir -p $(B)
	$(Q)cp $< $@ && chmod +x $@

$(B)/obj/%.o: %.c $(B)/.cflags
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/obj/%.cu.o: %.cu $(B)/.cuda-arch
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  NVCC    $<")
	$(Q)$(NVCC) $(NVCCFLAGS) -c -o $@ $<

$(B)/obj/harness/analysis/%.o $(B)/obj/harness/cmd/%.o $(B)/obj/tests/%.o: ALL_CFLAGS += $(ANALYSIS_INC)

# The build facts the runner records in its context.
$(B)/obj/harness/core/context.o: ALL_CFLAGS += -DKB_GIT_REV='"$(GIT_REV)"' \
	-DKB_GIT_DIRTY=$(GIT_DIRTY) -DKB_BUILD_CFLAGS='"$(strip $(KB_CFLAGS_STR))"'
$(B)/obj/harness/core/context.o: $(B)/.git-rev
# The compiler and flags of every C object: a change (make OPT=-O3,
# CFLAGS=-march=native, CC=clang) rebuilds them, so a binary never mixes
# objects built two ways and the recorded flags are the ones used.  (:= so
# that no target-specific addition, context.o's git revision, enters it.)
KB_CFLAGS_CONFIG := $(subst ',,$(CC) $(ALL_CFLAGS))
$(B)/.cflags: FORCE
	@mkdir -p $(B)
	@echo '$(KB_CFLAGS_CONFIG)' | cmp -s - $@ || echo '$(KB_CFLAGS_CONFIG)' > $@
$(B)/.git-rev: FORCE
	@mkdir -p $(B)
	@echo "$(GIT_REV) $(GIT_DIRTY)" | cmp -s - $@ || echo "$(GIT_REV) $(GIT_DIRTY)" > $@
.PHONY: FORCE
FORCE:

$(MAIN_OBJ): harness/cmd/kbench_main.c $(B)/.cflags
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(KB_LIBA): $(LIB_OBJ)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

# -z defs: the runtime must not lean on a symbol of the analysis library.
$(KB_LIBSO): $(LIB_OBJ)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) -shared -Wl,-soname,libkbench.so.0 -Wl,-z,defs $(ALL_LDFLAGS) -o $@ $^ $(CORE_LIBS)

$(KB_ANALYSIS_LIBA): $(ANALYSIS_OBJ)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

# Suites and kernels are linked as objects, never through an archive, so no
# registration is dropped by the linker.
$(KBENCH): $(MAIN_OBJ) $(SUITE_OBJ) $(KERNEL_OBJ) $(CUDA_OBJ) $(KB_LIBA)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(MAIN_OBJ) $(SUITE_OBJ) $(KERNEL_OBJ) $(CUDA_OBJ) \
		$(KB_LIBA) $(CUDA_LIBS) $(LIBS) $(if $(CUDA_OBJ),-lstdc++)

$(B)/kbench-%: $(B)/obj/harness/cmd/kbench-%.o $(KB_ANALYSIS_LIBA) $(KB_LIBA)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $< $(KB_ANALYSIS_LIBA) $(KB_LIBA) $(LIBS) $(TOOL_LIBS)

# the history store needs SQLite (and libpq when found): only kbench-history
# and its tests link them
$(B)/obj/harness/analysis/histdb.o: ALL_CFLAGS += $(HISTDB_CFLAGS)
$(B)/obj/harness/analysis/histdb.o: $(B)/.libpq
$(B)/.libpq: FORCE
	@mkdir -p $(B)
	@echo "$(HAVE_LIBPQ)" | cmp -s - $@ || echo "$(HAVE_LIBPQ)" > $@
$(B)/kbench-history: TOOL_LIBS += $(HISTDB_LIBS)
# kbench-report --by=machine --history-db reads the history too
$(B)/kbench-report: TOOL_LIBS += $(HISTDB_LIBS)

# rewritten whenever PREFIX changes, so `make install PREFIX=...` installs the right paths
$(B)/.prefix: FORCE
	@mkdir -p $(B)
	@echo "$(PREFIX)" | cmp -s - $@ || echo "$(PREFIX)" > $@
$(B)/kbench.pc: Makefile $(B)/.prefix
	@mkdir -p $(B)
	@printf '%s\n' 'prefix=$(PREFIX)' 'libdir=$${prefix}/lib' 'includedir=$${prefix}/include' \
		'main_object=$${libdir}/kbench_main.o' \
		'static_libs=$${libdir}/libkbench.a -lhwloc -lm -lpthread -ldl' '' \
		'Name: kbench' 'Description: microbenchmark harness for compute kernels' \
		'Version: 0.1.0' 'Cflags: -I$${includedir}' \
		'Libs: -L$${libdir} -lkbench' 'Libs.private: -lhwloc -lm -lpthread -ldl' > $@

# ---- tests ------------------------------------------------------------------
$(B)/tests/%: $(B)/obj/tests/unit/%.o $(TEST_SUPPORT_OBJ) $(KERNEL_OBJ) $(KB_ANALYSIS_LIBA) $(KB_LIBA)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $< $(TEST_SUPPORT_OBJ) $(KERNEL_OBJ) $(KB_ANALYSIS_LIBA) $(KB_LIBA) $(LIBS) -lcmocka $(TEST_LIBS)

$(B)/tests/test_history $(B)/tests/test_report_machines: TEST_LIBS += $(HISTDB_LIBS)

.PHONY: deps test-deps
deps:
	@./scripts/install-deps.sh
test-deps:
	@./scripts/install-deps.sh test

.PHONY: build-tests
build-tests: all $(TESTS)

# Runs the suite in this build, then again under ASan+UBSan in build/asan
# (tests/README.md).  The three builds (normal, sanitizer, the fuzz target
# whose corpus tests/integration/test_fuzz_replay.sh replays) run side by
# side under -j.  STRICT=1 (CI) fails on a skip whose reason is not on the
# expected list in scripts/run-tests.sh.
STRICT ?= 0
.PHONY: test test-build test-build-san test-build-fuzz
test: test-build test-build-san test-build-fuzz
	@STRICT='$(STRICT)' ./scripts/run-tests.sh $(B) $(B)/asan
test-build: test-deps
	@$(MAKE) --no-print-directory build-tests
test-build-san: test-deps
	@$(MAKE) --no-print-directory B=$(B)/asan SAN=1 build-tests
# without $(FUZZ_CC) the replay test skips, naming it (a failure under STRICT=1)
test-build-fuzz: test-deps
	@if command -v $(FUZZ_CC) > /dev/null 2>&1; then \
		$(MAKE) --no-print-directory $(B)/fuzz/fuzz_json_read; fi

.PHONY: bench
bench: deps all
	@mkdir -p $(B)/results
	$(KBENCH) --out=$(B)/results/latest.json $(BENCH_FLAGS)
	@if [ "$(HISTORY)" != 0 ]; then $(B)/kbench-history --db=$(HISTORY_DB) add $(B)/results/latest.json || echo "make bench: the run was not added to the history $(HISTORY_DB)" >&2; fi

# ---- regression gate (kbench-compare, kbench-baseline; scripts/ci-gate.sh) ---
# `make baseline` measures the suites BASELINE_RUNS times (default 5: the drift
# between the runs is estimated from them with BASELINE_RUNS - 1 degrees of
# freedom, docs/gating.md), each in its own invocation, and atomically rewrites
# baselines/<fingerprint>/<suite>.json with every run's process medians and
# that drift: commit that folder.
# `make gate` measures again and compares with the committed baseline of this
# machine: scripts/ci-gate.sh exits 1 on a regression or a failed validation,
# 2 when this machine has no baseline (make itself then exits 2 and names the
# script's status: "[Makefile:N: gate] Error 1"; CI that needs the script's
# own status runs it directly); the
# Markdown summary is $(B)/gate/summary.md.  GATE_FLAGS go to kbench in both
# (same suites and sizes), COMPARE_FLAGS to kbench-compare (e.g. --threshold=8).
# METRIC=instructions does both on instruction counts (kbench
# --metric=instructions: perf_event, else callgrind; gate at 0.5 %) against
# baselines/instructions/<fingerprint>/, results in $(B)/gate/instructions/.
# ALLOW_MISMATCH=1: a machine with no baseline of its own is compared with a
# near machine's (the same cores, GPU and compiler, another CPU model) through
# kbench-compare --allow-mismatch, every threshold widened (--mismatch-widen,
# default 25 %) and said in the report.
# `make fuzz` runs the JSON reader's libFuzzer target for FUZZ_TIME seconds.
BASELINE_RUNS ?= 5
METRIC ?= time
ALLOW_MISMATCH ?= 0
GATE_FLAGS ?=
COMPARE_FLAGS ?=
FUZZ_TIME ?= 60
FUZZ_CC ?= clang
FUZZ_SRC := tests/fuzz/fuzz_json_read.c harness/analysis/json_read.c harness/core/result.c \
	harness/core/stats.c harness/core/error.c

# `make calibration-check` runs CALCHECK_RUNS (5) separate kbench invocations
# of CALCHECK_FILTER and checks each run's intervals against the others
# (kbench-calcheck): do the intervals hold on this machine?
CALCHECK_RUNS ?= 5
CALCHECK_FILTER ?=
CALCHECK_FLAGS ?=

.PHONY: baseline gate fuzz calibration-check
calibration-check: deps all
	@CALCHECK_RUNS='$(CALCHECK_RUNS)' CALCHECK_FILTER='$(CALCHECK_FILTER)' CALCHECK_FLAGS='$(CALCHECK_FLAGS)' \
		sh ./scripts/calibration-check.sh $(B)

baseline: deps all
	@BASELINE_RUNS='$(BASELINE_RUNS)' GATE_FLAGS='$(GATE_FLAGS)' METRIC='$(METRIC)' \
		sh ./scripts/make-baseline.sh $(B)

gate: deps all
	@GATE_FLAGS='$(GATE_FLAGS)' COMPARE_FLAGS='$(COMPARE_FLAGS)' METRIC='$(METRIC)' ALLOW_MISMATCH='$(ALLOW_MISMATCH)' \
		sh ./scripts/ci-gate.sh $(B)

$(B)/fuzz/fuzz_json_read: $(FUZZ_SRC) $(wildcard harness/*/*.h)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  FUZZCC  $@")
	$(Q)$(FUZZ_CC) -g -O1 -fsanitize=fuzzer,address,undefined -Iharness/core -Iharness/analysis \
		$(shell pkg-config --cflags jansson) -o $@ $(FUZZ_SRC) $(shell pkg-config --libs jansson) -lm

fuzz: $(B)/fuzz/fuzz_json_read
	@mkdir -p $(B)/fuzz/corpus
	$(B)/fuzz/fuzz_json_read -max_total_time=$(FUZZ_TIME) -max_len=65536 -dict=tests/fuzz/json.dict \
		-artifact_prefix=$(B)/fuzz/ $(B)/fuzz/corpus tests/data tests/data/bad
# ---- end of regression gate ----------------------------------------------------

# ---- report and history (kbench-report, kbench-history) ----------------------
# `make report` draws the plots and writes $(REPORT_DIR)/index.html (and
# report.md) from the latest `make bench`; REPORT_FLAGS adds options, e.g.
# REPORT_FLAGS=--compare=FILE.json for the verdicts of kbench-compare/kbench-ab.
# `make bench` stores every run in $(HISTORY_DB); HISTORY=0 turns that off.
# With a history, the report also shows each benchmark's trend and change
# points ($(REPORT_DIR)/history/trend.txt has the tables).
HISTORY ?= 1
HISTORY_DB ?= $(B)/history.db
REPORT_DIR ?= $(B)/report
REPORT_FLAGS ?=

.PHONY: report
report: $(B)/kbench-report $(B)/kbench-history
	@test -f $(B)/results/latest.json || { echo "make report: no $(B)/results/latest.json; run 'make bench' first" >&2; exit 2; }
	@rm -rf $(REPORT_DIR)/history
	@if [ "$(HISTORY)" != 0 ] && [ -f $(HISTORY_DB) ]; then mkdir -p $(REPORT_DIR)/history && \
		$(B)/kbench-history --db=$(HISTORY_DB) trend '*' --out-dir=$(REPORT_DIR)/history \
		>$(REPORT_DIR)/history/trend.txt || exit 1; fi
	$(B)/kbench-report --out-dir=$(REPORT_DIR) $(REPORT_FLAGS) \
		$$(test -d $(REPORT_DIR)/history && echo --history=$(REPORT_DIR)/history) $(B)/results/latest.json
# ---- end of report and history -------------------------------------------------

# ---- fleet: the suites on many machine types through Slurm (kbench-fleet) ----
# make fleet TARGETS="cpu-zen4 gpu:h100" [FILTER=regex] [FLEET_FLAGS="--db=postgresql://..."]
# submits one job array (a task per target) and a collection job, follows
# them and prints the cross-hardware report (docs/fleet.md).
TARGETS ?=
FLEET_FLAGS ?=
.PHONY: fleet
fleet: all
	@test -n "$(TARGETS)" || { echo "make fleet: name the targets: TARGETS=\"partition partition:feature ...\"" >&2; exit 2; }
	$(B)/kbench-fleet $(if $(FILTER),--filter='$(FILTER)') $(FLEET_FLAGS) $(TARGETS)

# ---- A/B against another revision (kbench-ab; scripts/ab.sh) -----------------
# make ab BASE=<rev> [FILTER=regex] [AB_FLAGS="--threshold=3 ..."] [AB_RUNNER_FLAGS="--quick"] [AB_CUDA=1]
# builds <rev> in a temporary git worktree and the working tree (same compiler,
# flags and CUDA setting; AB_CUDA=0 by default), runs kbench-ab OLD NEW and
# leaves $(B)/ab-report.md and $(B)/ab-report.json.  Exit 1 on a regression.
AB_CUDA ?= 0
.PHONY: ab
ab:
	@BASE="$(BASE)" FILTER="$(FILTER)" AB_FLAGS="$(AB_FLAGS)" AB_RUNNER_FLAGS="$(AB_RUNNER_FLAGS)" \
		AB_CUDA="$(AB_CUDA)" B="$(B)" \
		CC="$(CC)" OPT="$(OPT)" CFLAGS="$(CFLAGS)" LDFLAGS="$(LDFLAGS)" ./scripts/ab.sh

# ---- install ----------------------------------------------------------------
.PHONY: install
install: all
	install -d $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib/pkgconfig \
		$(DESTDIR)$(PREFIX)/bin
	install -m 644 $(KB_LIBA) $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(KB_LIBSO) $(DESTDIR)$(PREFIX)/lib/libkbench.so.0
	ln -sf libkbench.so.0 $(DESTDIR)$(PREFIX)/lib/libkbench.so
	install -m 644 $(MAIN_OBJ) $(DESTDIR)$(PREFIX)/lib/kbench_main.o
	install -m 644 harness/kbench.h $(DESTDIR)$(PREFIX)/include/
	install -m 644 $(B)/kbench.pc $(DESTDIR)$(PREFIX)/lib/pkgconfig/
	install -m 755 $(KBENCH) $(TOOLS) $(B)/kbench-fleet $(DESTDIR)$(PREFIX)/bin/
	install -d $(DESTDIR)$(PREFIX)/share/kbench
	install -m 644 scripts/*.gp $(DESTDIR)$(PREFIX)/share/kbench/

.PHONY: clean
clean:
	rm -rf $(B)

-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)
