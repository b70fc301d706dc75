/*
 * test_monitor_chips.c - monitor msr, lapic, pic and pit on the fake
 * target: names and addresses, the bits spelled out, refusals that say
 * why, and register pages, PICs and PIT channels decoded field by field.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../stub/monitor.h"
#include "../../stub/session.h"
#include "../../stub/sysview.h"
#include "session_fixture.h"

#define assert_contains fixture__assert_contains

static void add_msr(struct fake_target *ft, uint32_t index, uint64_t val)
{
	ft->msrs[ft->nr_msrs].index = index;
	ft->msrs[ft->nr_msrs].val = val;
	ft->nr_msrs++;
}

static void test_msr_parse(void **state)
{
	uint32_t i;

	(void)state;
	assert_int_equal(sysview__msr_parse("IA32_EFER", &i), 0);
	assert_int_equal(i, 0xc0000080);
	assert_int_equal(sysview__msr_parse("efer", &i), 0);
	assert_int_equal(i, 0xc0000080);
	assert_int_equal(sysview__msr_parse("ia32_kernel_gs_base", &i), 0);
	assert_int_equal(i, 0xc0000102);
	assert_int_equal(sysview__msr_parse("fmask", &i), 0);
	assert_int_equal(i, 0xc0000084);
	assert_int_equal(sysview__msr_parse("mtrr_physmask7", &i), 0);
	assert_int_equal(i, 0x20f);
	assert_int_equal(sysview__msr_parse("0x1b", &i), 0);
	assert_int_equal(i, 0x1b);
	assert_int_equal(sysview__msr_parse("c0000082", &i), 0);
	assert_int_equal(i, 0xc0000082);
	assert_int_equal(sysview__msr_parse("100000000", &i), -EINVAL);
	assert_int_equal(sysview__msr_parse("-1", &i), -EINVAL);
	assert_int_equal(sysview__msr_parse("", &i), -EINVAL);
	assert_int_equal(sysview__msr_parse("0x1bz", &i), -EINVAL);
	assert_int_equal(sysview__msr_parse("IA32_", &i), -EINVAL);
	assert_int_equal(sysview__msr_parse("nosuch", &i), -EINVAL);
}

static void test_msr_read_write(void **state)
{
	struct mon_fixture *f = *state;

	add_msr(f->ft, 0xc0000080, 0xd01);
	add_msr(f->ft, 0x1b, 0xfee00d00);
	add_msr(f->ft, 0x277, 0x0007040600070406ull);
	add_msr(f->ft, 0xc0000082, 0);
	add_msr(f->ft, 0xfe, 0x508);
	add_msr(f->ft, 0xc0000081, 0x0023001000000000ull);
	f->ft->msr_read_only = 0xfe;

	assert_int_equal(mon_fixture__run(f, "msr read efer"), 0);
	assert_string_equal(f->out, "IA32_EFER (0xc0000080) = 0x0000000000000d01: SCE LME LMA NXE\n");
	assert_int_equal(mon_fixture__run(f, "msr read 1b"), 0);
	assert_string_equal(f->out, "IA32_APIC_BASE (0x1b) = 0x00000000fee00d00: base 0xfee00000, "
			    "enabled, x2APIC mode, BSP\n");
	assert_int_equal(mon_fixture__run(f, "msr read IA32_PAT"), 0);
	assert_contains(f->out, ": PAT0=WB PAT1=WT PAT2=UC- PAT3=UC PAT4=WB PAT5=WT PAT6=UC- PAT7=UC\n");
	assert_int_equal(mon_fixture__run(f, "msr read star"), 0);
	assert_contains(f->out, "syscall CS 0x0010 SS 0x0018, sysret CS base 0x0020");
	assert_int_equal(mon_fixture__run(f, "msr read mtrrcap"), 0);
	assert_contains(f->out, ": 8 variable ranges, fixed ranges, WC\n");

	/* Written, read back, the old value shown. */
	assert_int_equal(mon_fixture__run(f, "msr write lstar 0xffffffff81000000"), 0);
	assert_string_equal(f->out, "IA32_LSTAR (0xc0000082) = 0xffffffff81000000 (was 0x0)\n");
	assert_int_equal(f->ft->msrs[3].val, 0xffffffff81000000ull);
	/* EFER and the bases are registers gdb caches. */
	assert_int_equal(mon_fixture__run(f, "msr write efer 500"), 0);
	assert_contains(f->out, "= 0x0000000000000500: LME LMA (was 0xd01)\n");
	assert_contains(f->out, "maint flush register-cache");

	/* What KVM refuses, said. */
	assert_int_equal(mon_fixture__run(f, "msr read 0x12345"), -ENOENT);
	assert_string_equal(f->out, "KVM refuses to read MSR 0x12345: vCPU 0 has no such MSR\n");
	assert_int_equal(mon_fixture__run(f, "msr write mtrrcap 0"), -ENOENT);
	assert_contains(f->out, "KVM refuses to write 0x0 to IA32_MTRRCAP (0xfe): vCPU 0 has no "
			"such MSR, or the MSR does not take that value\n");
	assert_int_equal(f->ft->msrs[4].val, 0x508);

	/* Malformed: what is wrong, then the usage. */
	assert_int_equal(mon_fixture__run(f, "msr read nosuch"), -EINVAL);
	assert_contains(f->out, "'nosuch' is neither an MSR name");
	assert_contains(f->out, "usage: monitor msr read|write|list\n");
	assert_int_equal(mon_fixture__run(f, "msr write efer 0x1g"), -EINVAL);
	assert_contains(f->out, "'0x1g' is not a hex value");
	assert_int_equal(mon_fixture__run(f, "msr write efer 10000000000000000"), -EINVAL);
	assert_int_equal(mon_fixture__run(f, "msr"), -EINVAL);
	assert_int_equal(mon_fixture__run(f, "msr read"), -EINVAL);
	assert_int_equal(mon_fixture__run(f, "msr read efer extra"), -EINVAL);
	assert_int_equal(mon_fixture__run(f, "msr list extra"), -EINVAL);
	assert_int_equal(mon_fixture__run(f, "msr frob efer"), -EINVAL);
}

static void test_msr_list(void **state)
{
	struct mon_fixture *f = *state;

	add_msr(f->ft, 0xc0000080, 0x500);
	assert_int_equal(mon_fixture__run(f, "msr list"), 0);
	assert_contains(f->out, "MSRs by name (monitor msr read|write NAME), vCPU 0:\n");
	assert_contains(f->out, "  IA32_EFER               0xc0000080  0x0000000000000500  ");
	assert_contains(f->out, "  IA32_LSTAR              0xc0000082  (KVM refuses it)    ");
	/* Every name the issue asks for. */
	static const char *const names[] = {
		"IA32_APIC_BASE", "IA32_EFER", "IA32_STAR", "IA32_LSTAR", "IA32_CSTAR",
		"IA32_FMASK", "IA32_FS_BASE", "IA32_GS_BASE", "IA32_KERNEL_GS_BASE",
		"IA32_SYSENTER_CS", "IA32_SYSENTER_ESP", "IA32_SYSENTER_EIP", "IA32_PAT",
		"IA32_TSC ", "IA32_MTRRCAP", "IA32_MTRR_DEF_TYPE", "IA32_MTRR_PHYSBASE0",
		"IA32_MTRR_FIX64K_00000",
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		assert_contains(f->out, names[i]);
}

static void put32(uint8_t *page, unsigned int off, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		page[off + i] = (uint8_t)(v >> (8 * i));
}

static void test_lapic(void **state)
{
	struct mon_fixture *f = *state;
	uint8_t *p = f->ft->lapic[0];

	add_msr(f->ft, 0x1b, 0xfee00900);
	put32(p, 0x20, 0x01000000);		/* ID 1 */
	put32(p, 0x30, 0x00050014);		/* version 0x14, max LVT 5 */
	put32(p, 0x80, 0x20);			/* TPR */
	put32(p, 0xa0, 0x30);			/* PPR */
	put32(p, 0xe0, 0xffffffff);		/* DFR: flat */
	put32(p, 0xf0, 0x1ff);			/* SVR: enabled, vector 0xff */
	put32(p, 0x100 + 0x10, 1u << 0);	/* ISR: vector 0x20 */
	put32(p, 0x200 + 0x10, 1u << 1);	/* IRR: vector 0x21 */
	put32(p, 0x200 + 0x70, 1u << 31);	/* IRR: vector 0xff */
	put32(p, 0x320, 0x000200ef);		/* timer: periodic, vector 0xef */
	put32(p, 0x350, 0x00000700);		/* LINT0: ExtINT */
	put32(p, 0x360, 0x0001c400);		/* LINT1: NMI, level, remote IRR, masked */
	put32(p, 0x370, 0x000100fe);		/* error: masked */
	put32(p, 0x380, 0x1000);
	put32(p, 0x390, 0x0800);
	put32(p, 0x3e0, 0xb);			/* divide by 1 */
	put32(p, 0x300, 0x000c4500);		/* ICR: INIT, all but self, level assert */
	put32(p, 0x310, 0x02000000);
	assert_int_equal(mon_fixture__run(f, "lapic"), 0);
	assert_contains(f->out, "vCPU 0: local APIC at 0xfee00000 (IA32_APIC_BASE 0xfee00900: "
			"enabled, xAPIC mode, BSP)\n");
	assert_contains(f->out, "  ID 0x01  version 0x14 (LVT entries 0-5)  spurious vector 0xff, "
			"APIC software-enabled\n");
	assert_contains(f->out, "  TPR 0x20  PPR 0x30  APR 0x00  LDR 0x00  DFR 0xffffffff (flat)");
	assert_contains(f->out, "  ISR (in service): 0x20\n");
	assert_contains(f->out, "  IRR (requested): 0x21 0xff\n");
	assert_contains(f->out, "  TMR (level-triggered): none\n");
	assert_contains(f->out, "  LVT timer    0x000200ef: vector 0xef, periodic, not masked\n");
	assert_contains(f->out, "  LVT LINT0    0x00000700: vector 0x00, ExtINT, edge-triggered, "
			"active high, not masked\n");
	assert_contains(f->out, "  LVT LINT1    0x0001c400: vector 0x00, NMI, level-triggered, "
			"active high, remote IRR set, masked\n");
	assert_contains(f->out, "  LVT error    0x000100fe: vector 0xfe, masked\n");
	assert_contains(f->out, "  LVT thermal  ");
	assert_null(strstr(f->out, "CMCI"));		/* max LVT 5 */
	assert_contains(f->out, "  timer: initial count 0x00001000, current count 0x00000800, "
			"divide by 1\n");
	assert_contains(f->out, "  ICR 0x02000000:000c4500: vector 0x00, INIT, physical destination "
			"0x02, to all excluding self, idle\n");

	/* Each vCPU; divide configurations 0 (2) and 0xa (128). */
	f->ft->nr_cpus = 2;
	put32(p, 0x3e0, 0);
	put32(f->ft->lapic[1], 0x3e0, 0xa);
	assert_int_equal(mon_fixture__run(f, "lapic"), 0);
	assert_contains(f->out, "divide by 2\n");
	assert_contains(f->out, "vCPU 1:");
	assert_contains(f->out, "divide by 128\n");

	f->ft->no_irqchip = true;
	assert_int_equal(mon_fixture__run(f, "lapic"), -ENODEV);
	assert_contains(f->out, "no local APIC: this host's KVM has no in-kernel interrupt controller");
	assert_int_equal(mon_fixture__run(f, "lapic 0"), -EINVAL);
}

static void test_pic(void **state)
{
	struct mon_fixture *f = *state;

	f->ft->pic[0] = (struct target_pic){ .irr = 0x03, .isr = 0x01, .imr = 0xfc,
					     .vector_base = 0x20, .lowest = 7 };
	f->ft->pic[1] = (struct target_pic){ .imr = 0xff, .vector_base = 0x28, .elcr = 0x0c,
					     .lowest = 7, .init_state = 2, .auto_eoi = true };
	assert_int_equal(mon_fixture__run(f, "pic"), 0);
	assert_contains(f->out, "master 8259 (ports 0x20-0x21): IRQ 0-7 arrive as vectors 0x20-0x27\n");
	assert_contains(f->out, "IRR (requested): 0 1;  ISR (in service): 0;  IMR (masked): 2 3 4 5 6 7;");
	assert_contains(f->out, "slave 8259 (ports 0xa0-0xa1), on the master's IRQ 2: IRQ 8-15 "
			"arrive as vectors 0x28-0x2f\n");
	assert_contains(f->out, "level-triggered (ELCR): 10 11; lowest priority IRQ 15; EOI automatic\n");
	assert_contains(f->out, "  being initialised: waiting for ICW3\n");
	assert_contains(f->out, "  a read of port 0x20 gives the IRR\n");
	f->ft->no_irqchip = true;
	assert_int_equal(mon_fixture__run(f, "pic"), -ENODEV);
	assert_contains(f->out, "no 8259 PICs");
}

static void test_pit(void **state)
{
	struct mon_fixture *f = *state;

	f->ft->pit.ch[0] = (struct target_pit_channel){ .count = 11932, .mode = 2, .rw_mode = 3,
							.gate = true };
	f->ft->pit.ch[1] = (struct target_pit_channel){ .count = 65536, .mode = 0xff, .gate = true };
	f->ft->pit.ch[2] = (struct target_pit_channel){ .count = 1193, .now = 7, .now_known = true,
							.mode = 3,
							.rw_mode = 1, .bcd = true, .count_latched = true,
							.latched_count = 42 };
	f->ft->pit.speaker_data = true;
	assert_int_equal(mon_fixture__run(f, "pit"), 0);
	assert_contains(f->out, "  channel 0 (IRQ 0): mode 2 (rate generator), reload 11932 "
			"(100.0 Hz), count now not known, gate high, low byte, then high byte, "
			"binary\n");
	assert_contains(f->out, "  channel 1 (DRAM refresh): not programmed since reset, gate high\n");
	assert_contains(f->out, "  channel 2 (the speaker, port 0x61): mode 3 (square wave), reload "
			"1193 (1000.2 Hz), now 7, gate low, low byte only, BCD\n");
	assert_contains(f->out, "    latched count 42, not read yet\n");
	assert_contains(f->out, "  the speaker is on");
	f->ft->no_irqchip = true;
	assert_int_equal(mon_fixture__run(f, "pit"), -ENODEV);
	assert_contains(f->out, "no 8254 PIT");
}

/* A target without these ops says so. */
static void test_absent(void **state)
{
	struct mon_fixture *f = *state;
	struct target_ops ops = *f->ft->target.ops;

	ops.get_msr = NULL;
	ops.set_msr = NULL;
	ops.get_lapic = NULL;
	ops.get_pic = NULL;
	ops.get_pit = NULL;
	f->ft->target.ops = &ops;
	assert_int_equal(mon_fixture__run(f, "msr read efer"), -EOPNOTSUPP);
	assert_contains(f->out, "this target has no MSRs to show");
	assert_int_equal(mon_fixture__run(f, "msr list"), -EOPNOTSUPP);
	assert_int_equal(mon_fixture__run(f, "lapic"), -EOPNOTSUPP);
	assert_int_equal(mon_fixture__run(f, "pic"), -ENODEV);
	assert_int_equal(mon_fixture__run(f, "pit"), -ENODEV);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_msr_parse),
		cmocka_unit_test_setup_teardown(test_msr_read_write, mon_fixture__setup, mon_fixture__teardown),
		cmocka_unit_test_setup_teardown(test_msr_list, mon_fixture__setup, mon_fixture__teardown),
		cmocka_unit_test_setup_teardown(test_lapic, mon_fixture__setup, mon_fixture__teardown),
		cmocka_unit_test_setup_teardown(test_pic, mon_fixture__setup, mon_fixture__teardown),
		cmocka_unit_test_setup_teardown(test_pit, mon_fixture__setup, mon_fixture__teardown),
		cmocka_unit_test_setup_teardown(test_absent, mon_fixture__setup, mon_fixture__teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
