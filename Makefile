# SPDX-License-Identifier: MIT
# iommusim build.  Every .c under lib/ hw/ kernel/ vmm/ goes into one static
# library; each tests/NAME.c, bench/NAME.c and tools/NAME.c is a program
# linked against it.  Adding a file needs no edit here.
#
#   make            build the library, the iommusim command and the
#                   LD_PRELOAD shim (build/release)
#   make run        the main job: the default end-to-end scenario
#   make test       every test, plain and under ASan+UBSan (+ a clang -Werror build when clang exists)
#   make bench      every benchmark (BENCH="iova smmuv3": some), JSON lines
#                   on stdout, a metadata line first; bench/compare A B
#   make tsan       every test under ThreadSanitizer (a data race fails it)
#   make fuzz       every fuzz/NAME.c harness for FUZZ_SECONDS (clang, libFuzzer)
#   make install    the libraries, the public headers and iommusim.pc under
#                   PREFIX (/usr/local), for embedders (docs/embedding.md);
#                   make uninstall removes them
#   make clean
#
# VARIANT=release|san|tsan|clang selects flags and the build/ subfolder.

SHELL   := /bin/bash
VARIANT ?= release
BUILD   := build/$(VARIANT)
JOBS    ?= $(shell nproc 2>/dev/null || echo 2)

ifneq ($(filter clang fuzz,$(VARIANT)),)
CC := clang
endif
# gcc's TSan refuses atomic_thread_fence (the SMMU model's seqlocks use it):
# clang's when there is one.
ifeq ($(VARIANT),tsan)
CC := $(if $(shell command -v clang 2>/dev/null),clang,$(CC))
endif

CFLAGS_release := -O2 -g
CFLAGS_clang   := -O2 -g
CFLAGS_san     := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
		  -fno-sanitize-recover=all -DIOMMUSIM_LOCKDEP
CFLAGS_tsan    := -O1 -g -fsanitize=thread -DIOMMUSIM_LOCKDEP
CFLAGS_fuzz    := -O1 -g -fsanitize=fuzzer-no-link,address,undefined -DIOMMUSIM_LOCKDEP \
		  -fno-sanitize-recover=all

CPPFLAGS += -I. -D_GNU_SOURCE -MMD -MP
# -fPIC everywhere: the LD_PRELOAD shim links the same library objects.
ALL_CFLAGS := -std=gnu11 -Wall -Wextra $(WERROR) -pthread -fPIC $(CFLAGS_$(VARIANT)) $(CFLAGS)
LDLIBS  += -pthread -lm

LIB_SRCS := $(wildcard lib/*.c hw/*.c hw/*/*.c kernel/*.c kernel/*/*.c kernel/*/*/*.c vmm/*.c)
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
LIB      := $(BUILD)/libiommusim.a
# The shared library: its soname carries the major version of
# include/iommusim/version.h.
VERSION  := $(shell sed -n 's/^\#define IOMMUSIM_VERSION_STRING[^"]*"\(.*\)"/\1/p' include/iommusim/version.h)
SOMAJOR  := $(firstword $(subst ., ,$(VERSION)))
SONAME   := libiommusim.so.$(SOMAJOR)
SHLIB    := $(BUILD)/libiommusim.so.$(VERSION)
TESTS    := $(patsubst %.c,$(BUILD)/%,$(wildcard tests/*.c))
BENCHES  := $(patsubst %.c,$(BUILD)/%,$(wildcard bench/*.c))
TOOL_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard tools/iommusim/*.c)) \
	     $(BUILD)/obj/gen/default-scenario.o
TOOLS    := $(BUILD)/iommusim
FUZZERS  := $(patsubst %.c,$(BUILD)/%,$(wildcard fuzz/*.c))
# The LD_PRELOAD shim, and the plain-libc client programs run under it.
PRELOAD_SRCS := $(wildcard preload/*.c)
PRELOAD  := $(BUILD)/libiommusim-preload.so
PRELOAD_CLIENTS := $(patsubst tests/preload/%.c,$(BUILD)/preload-tests/%,$(wildcard tests/preload/*.c))
FUZZ_SECONDS ?= 30

.PHONY: all run test check build-all bench fuzz fuzzers tsan install uninstall clean
.SECONDARY:

all: $(LIB) $(TOOLS) $(PRELOAD)

build-all: $(LIB) $(SHLIB) $(TOOLS) $(TESTS) $(BENCHES) $(PRELOAD) $(PRELOAD_CLIENTS)

run: all
	$(BUILD)/iommusim

# Objects depend on the compiler and flags they were built with, so changing
# either (here or on the command line) rebuilds instead of mixing objects
# (-Werror aside: it changes no code).
FLAGS_FILE := $(BUILD)/.flags
FLAGS_NOW  := $(CC) $(CPPFLAGS) $(filter-out -Werror,$(ALL_CFLAGS))
ifneq ($(FLAGS_NOW),$(shell cat $(FLAGS_FILE) 2>/dev/null))
$(shell mkdir -p $(BUILD) && echo '$(FLAGS_NOW)' > $(FLAGS_FILE))
endif

$(BUILD)/obj/%.o: %.c $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

$(SHLIB): $(LIB_OBJS)
	$(CC) $(ALL_CFLAGS) -shared -Wl,-soname,$(SONAME) $^ $(LDLIBS) -o $@

$(BUILD)/tests/%: $(BUILD)/obj/tests/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $< $(LIB) $(LDLIBS) -o $@

$(BUILD)/bench/%: $(BUILD)/obj/bench/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $< $(LIB) $(LDLIBS) -o $@

$(BUILD)/iommusim: $(TOOL_OBJS) $(LIB)
	$(CC) $(ALL_CFLAGS) $(TOOL_OBJS) $(LIB) $(LDLIBS) -o $@

$(PRELOAD): $(PRELOAD_SRCS:%.c=$(BUILD)/obj/%.o) $(LIB) preload/preload.map
	$(CC) $(ALL_CFLAGS) -shared -Wl,--version-script=preload/preload.map \
		$(filter %.o,$^) $(LIB) $(LDLIBS) -ldl -o $@

# Clients know only libc and the uAPI headers: no sanitizer, no library.
$(BUILD)/preload-tests/%: tests/preload/%.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -Wall -Wextra $(WERROR) -O2 -g -D_GNU_SOURCE -MMD -MP -Iinclude/uapi -I. $< -o $@

# The default scenario is examples/default.scn, embedded as a C string.
$(BUILD)/gen/default-scenario.c: examples/default.scn
	@mkdir -p $(dir $@)
	awk 'BEGIN { print "const char default_scenario[] =" } \
	     { gsub(/\\/, "\\\\"); gsub(/"/, "\\\""); print "\t\"" $$0 "\\n\"" } \
	     END { print "\t\"\";" }' $< > $@

$(BUILD)/obj/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c $< -o $@

# Fuzz harnesses link the scenario engine (every tool object but main).
$(BUILD)/fuzz/%: $(BUILD)/obj/fuzz/%.o $(filter-out %/main.o,$(TOOL_OBJS)) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer $^ $(LDLIBS) -o $@

# The shim's harness and its replay test link the shim's objects: their
# open, ioctl, read, close... are the shim's entry points, in-process.
PRELOAD_OBJS := $(PRELOAD_SRCS:%.c=$(BUILD)/obj/%.o)
$(BUILD)/fuzz/preload: $(PRELOAD_OBJS)
$(BUILD)/tests/fuzz-preload: $(BUILD)/obj/tests/fuzz-preload.o $(PRELOAD_OBJS) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(filter %.o,$^) $(LIB) $(LDLIBS) -ldl -o $@
# The stress client (tests/preload/stress.c), in-process: its uAPI headers.
$(BUILD)/obj/tests/preload_stress.o: CPPFLAGS += -Iinclude/uapi
$(BUILD)/tests/preload_stress: $(BUILD)/obj/tests/preload_stress.o $(PRELOAD_OBJS) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(filter %.o,$^) $(LIB) $(LDLIBS) -ldl -o $@

# The scenario harness's replay test links the scenario engine, as the harness.
$(BUILD)/tests/fuzz-scenario: $(BUILD)/obj/tests/fuzz-scenario.o $(filter-out %/main.o,$(TOOL_OBJS)) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(filter %.o,$^) $(LIB) $(LDLIBS) -o $@

fuzzers: $(FUZZERS)

# Each harness for FUZZ_SECONDS, new inputs kept in build/fuzz-corpus/NAME,
# seeded from fuzz/corpus/NAME.
fuzz:
	$(MAKE) -j$(JOBS) VARIANT=fuzz WERROR=-Werror fuzzers
	@set -e; for f in $(patsubst %.c,build/fuzz/%,$(wildcard fuzz/*.c)); do \
		n=$$(basename $$f); mkdir -p build/fuzz-corpus/$$n; \
		echo "fuzz: $$n for $(FUZZ_SECONDS) s"; \
		$$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
		    build/fuzz-corpus/$$n fuzz/corpus/$$n 2>&1 | \
		    grep -E '^(stat::number_of_executed_units|stat::average_exec_per_sec|==|SUMMARY|Done)' || true; \
		test $${PIPESTATUS[0]} -eq 0; \
	done

# One variant's tests.
check: build-all
	tests/run.sh $(BUILD)

# The README's test command: every test in the plain and sanitizer builds.
test:
	$(MAKE) -j$(JOBS) VARIANT=release WERROR=-Werror build-all
	$(MAKE) -j$(JOBS) VARIANT=san WERROR=-Werror build-all
	@if command -v clang >/dev/null 2>&1; then \
		$(MAKE) -j$(JOBS) VARIANT=clang WERROR=-Werror build-all; \
	else echo "clang not installed: clang -Werror build skipped"; fi
	tests/run.sh build/release build/san

# Every test under ThreadSanitizer: the threaded ones are the point, the
# rest cost little.  TSan exits non-zero after any report.  Without the
# coherency checker, which would close the SMMU's lock-free fast path.
tsan:
	$(MAKE) -j$(JOBS) VARIANT=tsan WERROR=-Werror build-all
	IOMMUSIM_COHERENCY=$${IOMMUSIM_COHERENCY-off} tests/run.sh build/tsan

# JSON lines only on stdout (bench/run.sh): the build talks on stderr.
bench:
	@$(MAKE) -s -j$(JOBS) VARIANT=release build-all >&2
	@bench/run.sh build/release $(BENCH)

# What an emulator needs to embed the SMMUv3 model: the static and the
# shared library, the public headers under $(INCLUDEDIR)/iommusim/ (their
# own includes made <iommusim/...>, so the embedder adds only
# -I$(INCLUDEDIR)) and a pkg-config file whose paths follow ${prefix}.
# DESTDIR prefixes every path but is not written into the .pc.
# tests/embed.sh installs into a temporary PREFIX, builds examples/embed
# against it, and uninstalls.
PREFIX     ?= /usr/local
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
# Source path -> installed path under $(INCLUDEDIR)/iommusim/.
PUBLIC_HEADERS := hw/smmuv3/smmuv3.h:hw/smmuv3/smmuv3.h hw/memory.h:hw/memory.h \
		  hw/endpoint-regs.h:hw/endpoint-regs.h hw/trace.h:hw/trace.h \
		  include/iommusim/version.h:version.h
PC_LIBDIR  := $(patsubst $(PREFIX)/%,$${prefix}/%,$(LIBDIR))
PC_INCDIR  := $(patsubst $(PREFIX)/%,$${prefix}/%,$(INCLUDEDIR))

install: $(LIB) $(SHLIB)
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig
	install -m 644 $(LIB) $(DESTDIR)$(LIBDIR)/libiommusim.a
	install -m 755 $(SHLIB) $(DESTDIR)$(LIBDIR)/libiommusim.so.$(VERSION)
	ln -sf libiommusim.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libiommusim.so
	@set -e; for pair in $(PUBLIC_HEADERS); do \
		src=$${pair%%:*}; d=$(DESTDIR)$(INCLUDEDIR)/iommusim/$${pair#*:}; \
		install -d $$(dirname $$d); \
		sed -e 's|^#include "include/iommusim/\([^"]*\)"|#include <iommusim/\1>|' \
		    -e 's|^#include "\([^"]*\)"|#include <iommusim/\1>|' $$src > $$d; \
		chmod 644 $$d; echo "installed $$d"; \
	done
	printf '%s\n' 'prefix=$(PREFIX)' 'libdir=$(PC_LIBDIR)' 'includedir=$(PC_INCDIR)' '' \
		'Name: iommusim' \
		'Description: Arm SMMUv3 model (iommusim) for embedding in an emulator' \
		'Version: $(VERSION)' \
		'Cflags: -I$${includedir}' \
		'Libs: -L$${libdir} -liommusim' \
		'Libs.private: -pthread -lm' \
		> $(DESTDIR)$(LIBDIR)/pkgconfig/iommusim.pc

# Removes what install put there, and the folders it made if now empty.
uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/libiommusim.a $(DESTDIR)$(LIBDIR)/libiommusim.so \
	      $(DESTDIR)$(LIBDIR)/$(SONAME) $(DESTDIR)$(LIBDIR)/libiommusim.so.$(VERSION) \
	      $(DESTDIR)$(LIBDIR)/pkgconfig/iommusim.pc
	rm -rf $(DESTDIR)$(INCLUDEDIR)/iommusim
	-rmdir $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) \
	       $(DESTDIR)$(PREFIX) 2>/dev/null || true

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
