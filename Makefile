# ictwatch build.
#
#   make            build build/bin/ictwatch-sensor and build/bin/ictwatch-collector
#   make deps       install the Debian packages the build and the tests need (apt-get)
#   make test       unit + integration tests; ends with "N passed, M failed"
#   make test-asan  the same suite built with -fsanitize=address,undefined
#   make demo       build, then replay the bundled example captures and show the result
#   make bench      throughput benchmark against ndpiReader and a bare libpcap read
#   make install    PREFIX=/usr/local DESTDIR= honoured
#   make docs       regenerate docs/ruleset.md from the rule files
#
# Sources are found by directory: every sensor/**/*.c goes into the sensor, every
# collector/*.c into the collector, every common/*.c into both. A unit test is a file
# tests/unit/test_*.c and links against the objects of both programs (minus their main).

PREFIX  ?= /usr/local
DESTDIR ?=
BUILD   ?= build
PYTHON  ?= /usr/bin/python3
ifeq ($(origin CC),default)
CC := gcc
endif

PKGS      := libpcap libndpi hiredis jansson libpcre2-8
TEST_PKGS := cmocka

# pkg-config's -I become -isystem so that warnings in library headers do not trip -Werror.
PKG_CFLAGS := $(patsubst -I%,-isystem %,$(shell pkg-config --cflags $(PKGS) 2>/dev/null))
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
TEST_LIBS  := $(shell pkg-config --libs $(TEST_PKGS) 2>/dev/null)

OPT     ?= -O2
SANFLAGS :=
ifeq ($(SAN),1)
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
OPT      := -O1
endif

CFLAGS_ALL := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror $(OPT) -g $(SANFLAGS) \
              -Iinclude -Isensor -Icollector $(PKG_CFLAGS) $(CFLAGS)
LDFLAGS_ALL := $(SANFLAGS) $(LDFLAGS)
LIBS := $(PKG_LIBS) -lpthread -lm

COMMON_SRC    := $(sort $(wildcard common/*.c))
SENSOR_SRC    := $(sort $(shell find sensor -name '*.c' ! -path sensor/main.c 2>/dev/null))
COLLECTOR_SRC := $(sort $(filter-out collector/main.c,$(wildcard collector/*.c)))
UNIT_SRC      := $(sort $(wildcard tests/unit/test_*.c))
FUZZ_SRC      := $(sort $(wildcard tests/fuzz/fuzz_*.c))

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))
COMMON_OBJ    := $(call obj,$(COMMON_SRC))
SENSOR_OBJ    := $(call obj,$(SENSOR_SRC))
COLLECTOR_OBJ := $(call obj,$(COLLECTOR_SRC))

SENSOR_BIN    := $(BUILD)/bin/ictwatch-sensor
COLLECTOR_BIN := $(BUILD)/bin/ictwatch-collector
BINS := $(SENSOR_BIN)
ifneq ($(wildcard collector/main.c),)
BINS += $(COLLECTOR_BIN)
endif
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))

.PHONY: all deps check-deps test test-run test-asan demo bench install uninstall clean docs unit fuzz
all: $(BINS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

$(BUILD)/lib/libictw-sensor.a: $(SENSOR_OBJ) $(COMMON_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/lib/libictw-collector.a: $(COLLECTOR_OBJ) $(COMMON_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(SENSOR_BIN): $(BUILD)/obj/sensor/main.o $(BUILD)/lib/libictw-sensor.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LIBS)

$(COLLECTOR_BIN): $(BUILD)/obj/collector/main.o $(BUILD)/lib/libictw-collector.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LIBS)

# Unit tests link the sensor and collector libraries; the linker takes only what a test uses.
$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/lib/libictw-sensor.a $(BUILD)/lib/libictw-collector.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Itests/unit -o $@ $< $(BUILD)/lib/libictw-sensor.a \
	      $(BUILD)/lib/libictw-collector.a $(LDFLAGS_ALL) $(LIBS) $(TEST_LIBS)

unit: $(UNIT_BINS)

# Installs the Debian packages that are missing (needs root, as on a fresh Debian 12 machine).
deps:
	@sh tools/deps.sh

# Runs `make deps` only when pkg-config cannot find a library or a test tool is missing.
check-deps:
	@pkg-config --exists $(PKGS) $(TEST_PKGS) && sh tools/deps.sh --check >/dev/null 2>&1 \
	  || $(MAKE) --no-print-directory deps

test: check-deps
	@$(MAKE) --no-print-directory test-run

test-run: all unit
	@BUILD=$(BUILD) PYTHON=$(PYTHON) sh tests/run.sh

test-asan: check-deps
	@$(MAKE) --no-print-directory BUILD=build-asan SAN=1 test-run

demo: check-deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) PYTHON=$(PYTHON) sh tools/demo.sh

bench: check-deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) sh tools/bench.sh

# docs/ruleset.md: the catalogue of the shipped rules, generated from rules/*.rules
# and docs/ruleset.md.in (tests check that it is current).
docs:
	@$(PYTHON) tools/gen-ruleset-doc.py

fuzz:
	@$(MAKE) --no-print-directory BUILD=build-fuzz CC=clang SAN=1 CFLAGS="$(CFLAGS) -fsanitize=fuzzer-no-link" all
	@for f in $(FUZZ_SRC); do n=$$(basename $$f .c); \
	  clang -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -Isensor \
	    -Icollector $(PKG_CFLAGS) -o build-fuzz/$$n $$f build-fuzz/lib/libictw-sensor.a \
	    $(LIBS) || exit 1; echo "built build-fuzz/$$n"; done

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/ictwatch/rules \
	           $(DESTDIR)$(PREFIX)/share/ictwatch/rules/lists $(DESTDIR)$(PREFIX)/share/doc/ictwatch
	install -m 0755 $(BINS) $(DESTDIR)$(PREFIX)/bin/
	for f in rules/*; do [ -f "$$f" ] && install -m 0644 "$$f" $(DESTDIR)$(PREFIX)/share/ictwatch/rules/; done; true
	for f in rules/lists/*; do [ -f "$$f" ] && install -m 0644 "$$f" $(DESTDIR)$(PREFIX)/share/ictwatch/rules/lists/; done; true
	install -m 0644 README.md LICENSE docs/*.md $(DESTDIR)$(PREFIX)/share/doc/ictwatch/

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/ictwatch-sensor $(DESTDIR)$(PREFIX)/bin/ictwatch-collector
	rm -rf $(DESTDIR)$(PREFIX)/share/ictwatch $(DESTDIR)$(PREFIX)/share/doc/ictwatch

clean:
	rm -rf build build-asan build-fuzz

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
