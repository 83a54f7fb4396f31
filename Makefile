# sipladder - GNU make, one non-recursive Makefile.
#
#   make            build ./sipladder
#   make demo       install missing -dev packages, build, render samples/ into out/
#   make test       install test tools, build, run unit + golden + integration tests
#   make san        ASan+UBSan build, then the whole test suite with it
#   make install    PREFIX=/usr/local DESTDIR= : binary + man page
#   make golden-update   rewrite tests/golden expectations (review with git diff)
#   make fuzz / fuzz-smoke   libFuzzer targets (clang)
#   make soak       minutes-long memory soak of `sipladder live` (root)
#   make check-deps      enforce the layer rule (base <- dissect <- capture <- correlation <- render <- main)

PKGS    := libpcap libxml-2.0 cairo jansson
CC      ?= cc
PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man
V       ?= 0
WERROR  ?= 1

ifeq ($(filter clean deps,$(MAKECMDGOALS)),)
PKG_OK := $(shell pkg-config --exists $(PKGS) 2>/dev/null && echo yes)
endif

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

CFLAGS  ?= -O2 -g
WARN    := -Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes \
           -Wvla -Wundef -Wno-format-nonliteral
ifeq ($(WERROR),1)
WARN    += -Werror
endif
ALL_CFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -I. $(PKG_CFLAGS) $(WARN) $(CFLAGS) -MMD -MP
LDLIBS  := $(PKG_LIBS) -lm

SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

BASE_SRC    := $(wildcard src/base/*.c)
DISSECT_SRC := $(wildcard dissect/*.c)
CORE_SRC    := $(filter-out src/main.c,$(wildcard src/*.c))
RENDER_SRC  := $(wildcard render/*.c)
LIB_SRC     := $(BASE_SRC) $(DISSECT_SRC) $(CORE_SRC) $(RENDER_SRC)
UNIT_SRC    := $(wildcard tests/unit/test_*.c)

B ?= build
LIB_OBJ  = $(LIB_SRC:%.c=$(B)/%.o)
MAIN_OBJ = $(B)/src/main.o
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)

ifeq ($(V),1)
Q :=
else
Q := @
endif

.PHONY: all demo test san install clean deps deps-test golden golden-update unit integration \
        check-deps fuzz fuzz-smoke bench soak check-pkgs

all: check-pkgs sipladder

check-pkgs:
ifneq ($(PKG_OK),yes)
	@echo "sipladder: missing development packages ($(PKGS))." >&2
	@echo "  run: scripts/deps.sh build   (or: apt-get install libpcap-dev libxml2-dev libcairo2-dev libjansson-dev pkg-config)" >&2
	@exit 1
endif

sipladder: $(B)/sipladder
	$(Q)cp $< $@

$(B)/sipladder: $(LIB_OBJ) $(MAIN_OBJ)
	@echo "  LD    $@"
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDFLAGS) $(LDLIBS)

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC    $<"
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/tests/%: tests/unit/%.c $(LIB_OBJ)
	@mkdir -p $(dir $@)
	@echo "  LD    $@"
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB_OBJ) $(LDFLAGS) $(LDLIBS)

deps:
	$(Q)scripts/deps.sh build

deps-test:
	$(Q)scripts/deps.sh test

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)scripts/demo.sh

unit: $(UNIT_BIN)
	$(Q)tests/run-unit.sh $(UNIT_BIN)

golden: $(B)/sipladder
	$(Q)SIPLADDER=$(B)/sipladder tests/run-golden.sh

golden-update: $(B)/sipladder
	$(Q)SIPLADDER=$(B)/sipladder tests/run-golden.sh --update

integration: $(B)/sipladder
	$(Q)SIPLADDER=$(B)/sipladder tests/run-integration.sh

# The whole suite; `make test` first installs what it needs.
test: deps-test
	$(Q)$(MAKE) --no-print-directory check-pkgs
	$(Q)$(MAKE) --no-print-directory sipladder
	$(Q)$(MAKE) --no-print-directory check-deps
	$(Q)$(MAKE) --no-print-directory unit golden integration

san: deps-test
	$(Q)$(MAKE) --no-print-directory B=build/san CFLAGS="-O1 -g $(SAN_FLAGS)" LDFLAGS="$(SAN_FLAGS)" \
	    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	    LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
	    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	    SIPLADDER_SAN=1 unit golden integration

check-deps:
	$(Q)scripts/check-deps.sh

install: sipladder
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 755 sipladder $(DESTDIR)$(BINDIR)/sipladder
	install -m 644 doc/sipladder.1 $(DESTDIR)$(MANDIR)/man1/sipladder.1

FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_CFLAGS := -O1 -g -fsanitize=fuzzer-no-link,address,undefined
fuzz:
	$(Q)$(MAKE) --no-print-directory CC=clang B=build/fuzz CFLAGS="$(FUZZ_CFLAGS)" fuzz-bins

fuzz-bins: $(FUZZ_SRC:tests/fuzz/%.c=$(B)/fuzz/%)

$(B)/fuzz/%: tests/fuzz/%.c $(LIB_OBJ)
	@mkdir -p $(dir $@)
	@echo "  FUZZ  $@"
	$(Q)$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer,address,undefined -o $@ $< $(LIB_OBJ) $(LDLIBS)

fuzz-smoke: fuzz
	$(Q)tests/fuzz/smoke.sh build/fuzz/fuzz

bench: all
	$(Q)bench/run.sh

# Minutes-long memory soak of `sipladder live` on lo (root): not part of `make test`.
soak: deps-test
	$(Q)$(MAKE) --no-print-directory sipladder
	$(Q)SIPLADDER=$(B)/sipladder tests/soak.sh

clean:
	rm -rf build sipladder out

-include $(shell find build -name '*.d' 2>/dev/null)
