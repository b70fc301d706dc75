# kvmstub - plain GNU make.
#
#   make            build ./kvmstub and every guest
#   make run        build, then start the daemon on the default guest
#   make test       unit tests (cmocka) and end-to-end tests (real KVM, real gdb)
#   make demo       every lesson of the README, walked through with gdb
#   make lockstep   kvmstub checked against QEMU's software CPU, instruction by
#                   instruction: [IMAGE=path] [STEPS=N] (tests/lockstep)
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
# ... and the other clients and tools the end-to-end tests drive.
DEPS_PKGS += gdb-multiarch lldb man-db python3 procps
# ... and the real firmware they boot (tests/e2e/firmware_ovmf.sh), and the
# lockstep test's reference CPU and the firmware it runs.
DEPS_PKGS += qemu-system-x86 seabios bochsbios ovmf
# ... and the references the boot protocols and the BIOS are checked
# against: QEMU's -kernel and SeaBIOS (multiboot_vs_qemu.sh,
# bios_vs_seabios.sh), the Multiboot specification's example kernel
# (multiboot_grub.sh).
DEPS_PKGS += multiboot
# ... and strace, which counts the daemon's KVM ioctls (tests/e2e/fpu_regs.sh).
DEPS_PKGS += strace

STUB_SRCS := $(sort $(wildcard stub/*.c))
KVM_SRCS  := $(sort $(wildcard kvm/*.c kvm/*/*.c))
# kvmstub's own BIOS (guests/bios/), assembled into the daemon.
BIOS_BIN  := guests/bios/bios.bin
BIOS_BLOB := $(BUILD)/kvm/boot/bios_blob.o
LIB_OBJS  := $(patsubst %.c,$(BUILD)/%.o,$(filter-out stub/main.c,$(STUB_SRCS)) $(KVM_SRCS)) \
	     $(BIOS_BLOB)
MAIN_OBJ  := $(BUILD)/stub/main.o

UNIT_SRCS  := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS  := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
UNIT_HELPERS := $(patsubst %.c,$(BUILD)/%.o,$(filter-out $(UNIT_SRCS),$(wildcard tests/unit/*.c)))

# guests/NAME_boot.S is the boot stub of a C guest, not a guest of its own.
GUEST_SRCS := $(filter-out %_boot.S,$(sort $(wildcard guests/*.S)))
GUEST_BINS := $(GUEST_SRCS:.S=.bin) $(GUEST_SRCS:.S=.elf)
C_GUESTS   := guests/cloop
GUEST_BINS += $(C_GUESTS:=.bin) $(C_GUESTS:=.elf)
# Multiboot kernels: C with an assembly stub, linked at 1 MiB by
# guests/multiboot.lds; the ELF file is what kvmstub boots.  Listed before
# the guests rule: make reads a rule's prerequisites where it stands.
MB_KERNELS := guests/hello.elf guests/mbinfo1.elf guests/mbinfo2.elf guests/atatest.elf
GUEST_BINS += $(MB_KERNELS)

KVMSTUB := ./kvmstub
# make test SANITIZE=1 builds a sanitized daemon of its own, build-san/kvmstub,
# and the end-to-end tests run it (tests/e2e/lib.sh takes $$KVMSTUB).
ifeq ($(SANITIZE),1)
KVMSTUB := $(BUILD)/kvmstub
endif

# The saved fuzz inputs (tests/fuzz/regressions, tests/fuzz/corpus) are
# replayed through the fuzz targets without libFuzzer, as a unit test.
E2E_BINS    := $(patsubst tests/e2e/%.c,$(BUILD)/tests/%,$(wildcard tests/e2e/*.c))
FUZZ_REPLAY := $(BUILD)/tests/fuzz_replay
UNIT_BINS   += $(FUZZ_REPLAY)
RUN_IMAGE ?= guests/kernel1.bin

.PHONY: all build guests run test unit e2e demo bench install deps clean fuzz valgrind lockstep
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

$(FUZZ_REPLAY): $(BUILD)/tests/fuzz/replay.o $(BUILD)/tests/fuzz/fuzz_session.o \
		$(BUILD)/tests/fuzz/fuzz_rsp.o $(UNIT_HELPERS) $(BUILD)/libkvmstub.a
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka $(LDLIBS)

# Programs the end-to-end tests run: tests/e2e/NAME.c with the library.
$(E2E_BINS): $(BUILD)/tests/%: $(BUILD)/tests/e2e/%.o $(BUILD)/libkvmstub.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The BIOS: 16-bit assembler in guests/bios/, linked as 64 KiB of firmware
# at 0xF0000 (guests/bios/bios.lds), its ELF file kept for gdb's symbols.
$(BIOS_BLOB): kvm/boot/bios_blob.S $(BIOS_BIN)
	@mkdir -p $(dir $@)
	$(CC) -c -DKVMSTUB_BIOS='"$(BIOS_BIN)"' -o $@ $<

guests/bios/bios.o: guests/bios/bios.S $(wildcard guests/bios/*.inc)
	$(CC) -m32 -c -o $@ $<

guests/bios/bios.elf: guests/bios/bios.o guests/bios/bios.lds
	ld -m elf_i386 -nostdlib -T guests/bios/bios.lds -o $@ $<

guests/bios/bios.bin: guests/bios/bios.elf
	objcopy -O binary $< $@

# Guests: 16/32-bit assembler linked at fixed addresses, then flattened.
guests: $(GUEST_BINS) $(BIOS_BIN)

# A guest includes the shared plumbing in guests/*.inc.
guests/%.o: guests/%.S $(wildcard guests/*.inc)
	$(CC) -m32 -c -o $@ $<

# A guest links with guests/NAME.lds when it has one, else with the 64 KiB
# firmware layout (reset vector at 0xFFFF0) that the lessons share.
guest_lds = $(if $(wildcard guests/$(1).lds),guests/$(1).lds,guests/firmware.lds)

.SECONDEXPANSION:
guests/%.elf: guests/%.o $$(call guest_lds,$$*)
	ld -m elf_i386 -nostdlib -T $(call guest_lds,$*) -o $@ $<

guests/%.bin: guests/%.elf
	objcopy -O binary $< $@

# A C guest: freestanding 32-bit C with DWARF line info (for source-level
# stepping), called by its 16-bit boot stub guests/NAME_boot.S, linked
# with guests/NAME.lds.
GUEST_CFLAGS := -m32 -ffreestanding -fno-pic -fno-stack-protector -nostdlib -O1 -g \
		-fno-asynchronous-unwind-tables -Wall -Wextra -Werror

$(C_GUESTS:=.o): guests/%.o: guests/%.c
	$(CC) $(GUEST_CFLAGS) -c -o $@ $<

$(C_GUESTS:=.elf): guests/%.elf: guests/%_boot.o guests/%.o guests/%.lds
	ld -m elf_i386 -nostdlib -T guests/$*.lds -o $@ guests/$*_boot.o guests/$*.o

# Multiboot kernels (their rules below).
guests/hello.o guests/mbinfo.o guests/atatest.o: guests/%.o: guests/%.c
	$(CC) $(GUEST_CFLAGS) -c -o $@ $<

guests/mbinfo2_boot.o: guests/mbinfo1_boot.S
	$(CC) -m32 -DMULTIBOOT2 -c -o $@ $<

guests/hello.elf: guests/hello_boot.o guests/hello.o guests/multiboot.lds
	ld -m elf_i386 -nostdlib -T guests/multiboot.lds -o $@ guests/hello_boot.o guests/hello.o

guests/mbinfo1.elf guests/mbinfo2.elf: guests/%.elf: guests/%_boot.o guests/mbinfo.o \
		guests/multiboot.lds
	ld -m elf_i386 -nostdlib -T guests/multiboot.lds -o $@ guests/$*_boot.o guests/mbinfo.o

guests/atatest.elf: guests/mbinfo1_boot.o guests/atatest.o guests/multiboot.lds
	ld -m elf_i386 -nostdlib -T guests/multiboot.lds -o $@ guests/mbinfo1_boot.o guests/atatest.o

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
	$(MAKE) --no-print-directory build $(UNIT_BINS) $(E2E_BINS)
	@KVMSTUB=$(KVMSTUB) tests/run-tests.sh $(BUILD) $(UNIT_BINS)

unit: build $(UNIT_BINS)
	@tests/run-tests.sh --unit-only $(BUILD) $(UNIT_BINS)

e2e: build $(E2E_BINS)
	@KVMSTUB=$(KVMSTUB) tests/run-tests.sh --e2e-only $(BUILD)

# make lockstep [IMAGE=path] [STEPS=N] [JOBS=N]: step kvmstub and QEMU's
# software CPU side by side from the reset vector and compare after every
# instruction, then compare breakpoint and watchpoint stops (tests/lockstep).
# Without IMAGE, every image make test checks; STEPS bounds each (default
# 100000, make test uses 20000).
STEPS ?= 100000
JOBS  ?= 2
lockstep: deps
	$(MAKE) --no-print-directory build
	tests/lockstep/lockstep.py --kvmstub $(KVMSTUB) --steps $(STEPS) --jobs $(JOBS) \
		--log-dir $(BUILD)/lockstep $(IMAGE)

# The benchmark (not a test: it never fails on a number).  QEMU, the peer it
# compares with, is installed when root; without it the QEMU column is empty.
BENCH_PKGS  := qemu-system-x86
BENCH_LIMIT := $(BUILD)/bench/kvm_limit

$(BENCH_LIMIT): tests/bench/kvm_limit.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LDLIBS)

bench:
	@$(MAKE) --no-print-directory deps EXTRA_PKGS="$(BENCH_PKGS)" || \
		echo "make bench: going on without the missing packages"
	$(MAKE) --no-print-directory build $(BENCH_LIMIT)
	@tests/bench/bench.sh $(BENCH_LIMIT)

demo: deps
	$(MAKE) --no-print-directory build
	@tests/demo.sh

install: build
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/kvmstub/guests \
		$(DESTDIR)$(PREFIX)/share/kvmstub/gdbscripts
	install -m 755 $(KVMSTUB) $(DESTDIR)$(PREFIX)/bin/kvmstub
	install -m 644 $(GUEST_BINS) $(DESTDIR)$(PREFIX)/share/kvmstub/guests/
	install -d $(DESTDIR)$(PREFIX)/share/kvmstub/guests/bios
	install -m 644 guests/bios/bios.elf $(DESTDIR)$(PREFIX)/share/kvmstub/guests/bios/
	install -m 644 gdbscripts/* $(DESTDIR)$(PREFIX)/share/kvmstub/gdbscripts/
	install -d $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 644 stub/kvmstub.1 $(DESTDIR)$(PREFIX)/share/man/man1/kvmstub.1

# make fuzz [FUZZ_SECONDS=N]: libFuzzer (clang) on the whole session against
# the fake target for N seconds, then on the decoder alone for N/4; new
# inputs go to build-fuzz/corpus, a crash to build-fuzz/artifacts (copy it
# into tests/fuzz/regressions).  Exit status 1 when a target crashed.
FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
FUZZ_PKGS    ?= clang libclang-rt-14-dev
FUZZ_BUILD   := build-fuzz
FUZZ_CFLAGS  := $(filter-out -Werror,$(CFLAGS)) -O1 -DKVMSTUB_LIBFUZZER \
		-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all \
		-fno-omit-frame-pointer
FUZZ_OBJS    := $(patsubst %.c,$(FUZZ_BUILD)/%.o,$(filter-out stub/main.c,$(STUB_SRCS)) \
		tests/unit/fake_target.c)
FUZZ_RUN     := -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix=$(FUZZ_BUILD)/artifacts/ \
		-dict=tests/fuzz/rsp.dict

fuzz: EXTRA_PKGS += $(FUZZ_PKGS)
fuzz: deps
	$(MAKE) --no-print-directory $(FUZZ_BUILD)/fuzz_session $(FUZZ_BUILD)/fuzz_rsp
	@mkdir -p $(FUZZ_BUILD)/corpus $(FUZZ_BUILD)/corpus-rsp $(FUZZ_BUILD)/artifacts
	$(FUZZ_BUILD)/fuzz_session $(FUZZ_RUN) $(FUZZ_BUILD)/corpus tests/fuzz/corpus \
		tests/fuzz/regressions
	$(FUZZ_BUILD)/fuzz_rsp $(FUZZ_RUN) -max_total_time=$$(( ($(FUZZ_SECONDS) + 3) / 4 )) \
		$(FUZZ_BUILD)/corpus-rsp tests/fuzz/corpus tests/fuzz/regressions

$(FUZZ_BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ_BUILD)/fuzz_%: $(FUZZ_BUILD)/tests/fuzz/fuzz_%.o $(FUZZ_OBJS)
	$(FUZZ_CC) -fsanitize=fuzzer,address,undefined -o $@ $^ $(LDLIBS)

# make valgrind: the unit tests (and the fuzz replay) under memcheck; any
# error or leak fails.
valgrind: EXTRA_PKGS += valgrind
valgrind: deps
	@[ "$(SANITIZE)" != 1 ] || { echo "make valgrind: not with SANITIZE=1"; exit 1; }
	$(MAKE) --no-print-directory $(UNIT_BINS)
	@for t in $(UNIT_BINS); do \
		echo "valgrind $$t"; \
		valgrind -q --error-exitcode=1 --leak-check=full --show-leak-kinds=all \
			--errors-for-leak-kinds=definite,indirect,possible $$t >$$t.valgrind 2>&1 || \
			{ cat $$t.valgrind; echo "make valgrind: $$t failed under memcheck"; exit 1; }; \
	done; echo "valgrind: $(words $(UNIT_BINS)) programs, no errors, no leaks"

clean:
	rm -rf build build-san build-fuzz ./kvmstub guests/*.o guests/*.elf guests/*.bin \
		guests/*.img guests/bios/*.o guests/bios/*.elf guests/bios/*.bin

-include $(shell find $(BUILD) $(FUZZ_BUILD) -name '*.d' 2>/dev/null)
