# kvmstub - plain GNU make.
#
#   make            build ./kvmstub and every guest
#   make run        build, then start the daemon on the default guest
#   make test       unit tests (cmocka) and end-to-end tests (real KVM, real gdb)
#   make demo       a gdb walk-through of the seed lessons
#   make install    PREFIX=/usr/local
#
# make run and make test install the Debian packages they need when run as
# root (or print the apt-get line to run).  WERROR=0 turns -Werror off;
# SANITIZE=1 builds with AddressSanitizer and UndefinedBehaviorSanitizer.

CC      ?= cc
PREFIX  ?= /usr/local
WERROR  ?= 1
SANITIZE ?= 0
BUILD   := build

CFLAGS  := -std=gnu11 -O2 -g -Wall -Wextra -Wformat=2 -Wshadow \
	   -Wmissing-prototypes -Wstrict-prototypes -D_GNU_SOURCE -MMD -MP
ifeq ($(WERROR),1)
CFLAGS  += -Werror
endif
LDLIBS  := -lpthread
ifeq ($(SANITIZE),1)
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined
BUILD   := build-san
endif

# Debian packages the build and the tests need.
DEPS_PKGS := gcc make binutils gdb libcmocka-dev

STUB_SRCS := $(sort $(wildcard stub/*.c))
KVM_SRCS  := $(sort $(wildcard kvm/*.c))
LIB_OBJS  := $(patsubst %.c,$(BUILD)/%.o,$(filter-out stub/main.c,$(STUB_SRCS)) $(KVM_SRCS))
MAIN_OBJ  := $(BUILD)/stub/main.o

UNIT_SRCS  := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS  := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
UNIT_HELPERS := $(patsubst %.c,$(BUILD)/%.o,$(filter-out $(UNIT_SRCS),$(wildcard tests/unit/*.c)))

GUEST_SRCS := $(sort $(wildcard guests/*.S))
GUEST_BINS := $(GUEST_SRCS:.S=.bin) $(GUEST_SRCS:.S=.elf)

KVMSTUB := ./kvmstub
RUN_IMAGE ?= guests/kernel1.bin

.PHONY: all build guests run test unit e2e demo install deps clean
.DELETE_ON_ERROR:

all: build

build: $(KVMSTUB) guests

$(KVMSTUB): $(MAIN_OBJ) $(BUILD)/libkvmstub.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/libkvmstub.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

# Unit tests link the library (no main) with the fake target and cmocka.
$(BUILD)/tests/test_%: $(BUILD)/tests/unit/test_%.o $(UNIT_HELPERS) $(BUILD)/libkvmstub.a
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka $(LDLIBS)

# Guests: 16/32-bit assembler linked at fixed addresses, then flattened.
guests: $(GUEST_BINS)

guests/%.o: guests/%.S
	$(CC) -m32 -c -o $@ $<

# A guest links with guests/NAME.lds when it has one, else with the 64 KiB
# firmware layout (reset vector at 0xFFFF0) that the lessons share.
guest_lds = $(if $(wildcard guests/$(1).lds),guests/$(1).lds,guests/firmware.lds)

.SECONDEXPANSION:
guests/%.elf: guests/%.o $$(call guest_lds,$$*)
	ld -m elf_i386 -nostdlib -T $(call guest_lds,$*) -o $@ $<

guests/%.bin: guests/%.elf
	objcopy -O binary $< $@

# Installs what is missing when root, or says what to run.
deps:
	@missing=""; for p in $(DEPS_PKGS) $(EXTRA_PKGS); do \
	    dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	    if [ "$$(id -u)" = 0 ]; then \
		echo "make: installing Debian packages:$$missing"; \
		DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null || exit 1; \
	    else \
		echo "make: missing Debian packages; run:"; \
		echo "    sudo apt-get install -y$$missing"; exit 1; \
	    fi; \
	fi

run: deps
	$(MAKE) --no-print-directory build
	$(KVMSTUB) $(RUN_IMAGE)

test: deps
	$(MAKE) --no-print-directory build $(UNIT_BINS)
	@tests/run-tests.sh $(BUILD) $(UNIT_BINS)

unit: build $(UNIT_BINS)
	@tests/run-tests.sh --unit-only $(BUILD) $(UNIT_BINS)

e2e: build
	@tests/run-tests.sh --e2e-only $(BUILD)

demo: deps
	$(MAKE) --no-print-directory build
	@tests/demo.sh

install: build
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/kvmstub/guests \
		$(DESTDIR)$(PREFIX)/share/kvmstub/gdbscripts
	install -m 755 $(KVMSTUB) $(DESTDIR)$(PREFIX)/bin/kvmstub
	install -m 644 $(GUEST_BINS) $(DESTDIR)$(PREFIX)/share/kvmstub/guests/
	install -m 644 gdbscripts/* $(DESTDIR)$(PREFIX)/share/kvmstub/gdbscripts/

clean:
	rm -rf build build-san $(KVMSTUB) guests/*.o guests/*.elf guests/*.bin

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
