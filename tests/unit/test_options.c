/* test_options.c - the command line: every option, every bad value. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../../stub/options.h"

static int parse(struct options *o, char *err, size_t errlen, ...)
{
	char *argv[32] = { "kvmstub" };
	int argc = 1;
	va_list ap;
	char *a;

	va_start(ap, errlen);
	while ((a = va_arg(ap, char *)) != NULL && argc < 31)
		argv[argc++] = a;
	va_end(ap);
	err[0] = '\0';
	return options__parse(argc, argv, o, err, errlen);
}

#define PARSE(o, err, ...) parse(o, err, sizeof(err), __VA_ARGS__, (char *)NULL)

static void test_defaults(void **state)
{
	struct options o;
	char err[256];

	(void)state;
	assert_int_equal(PARSE(&o, err, "img.bin"), 0);
	assert_string_equal(o.image, "img.bin");
	assert_int_equal(o.mem_size, 16u << 20);
	assert_int_equal(o.smp, 1);
	assert_false(o.load_set);
	assert_false(o.reset_architectural);
	assert_int_equal(o.serial, SERIAL_STDOUT);
	assert_int_equal(o.listen.kind, LISTEN_TCP);
	assert_string_equal(o.listen.host, "127.0.0.1");
	assert_int_equal(o.listen.port, 1234);
	assert_false(o.no_gdb || o.once || o.verbose || o.probe || o.allow_remote);
	assert_int_equal(o.arch, REGS_ARCH_I386);
	assert_true(o.arch_auto);		/* --arch auto is the default */
}

/* Issue 15: the boot protocols' and drives' options. */
static void test_boot_options(void **state)
{
	struct options o;
	char err[256];

	(void)state;
	assert_int_equal(PARSE(&o, err, "--append", "a b", "--module", "m1,x y,z",
			       "--module", "m2", "k.elf"), 0);
	assert_string_equal(o.append, "a b");
	assert_int_equal(o.nr_modules, 2);
	assert_string_equal(o.modules[0].path, "m1");
	assert_string_equal(o.modules[0].args, "x y,z");	/* after the first comma */
	assert_string_equal(o.modules[1].path, "m2");
	assert_string_equal(o.modules[1].args, "");
	assert_int_equal(PARSE(&o, err, "--module", ",x", "k.elf"), -EINVAL);
	assert_non_null(strstr(err, "no file name before the comma"));
	/* A disk or a floppy instead of an image. */
	assert_int_equal(PARSE(&o, err, "--disk", "d.img,rw"), 0);
	assert_null(o.image);
	assert_string_equal(o.disk, "d.img");
	assert_true(o.disk_rw);
	assert_int_equal(PARSE(&o, err, "--disk", "d.img", "--floppy", "f.img", "--bios", "b.bin",
			       "--screen", "stdout", "--serial-in", "in.txt"), 0);
	assert_false(o.disk_rw);
	assert_string_equal(o.floppy, "f.img");
	assert_string_equal(o.bios, "b.bin");
	assert_int_equal(o.screen, SCREEN_STDOUT);
	assert_string_equal(o.serial_in, "in.txt");
	assert_int_equal(PARSE(&o, err, "--screen", "s.txt", "--floppy", "f.img"), 0);
	assert_int_equal(o.screen, SCREEN_FILE);
	assert_string_equal(o.screen_path, "s.txt");
	assert_int_equal(PARSE(&o, err, "--screen", "s.txt"), -EINVAL);
	assert_non_null(strstr(err, "no image given (or --disk FILE / --floppy FILE to boot)"));
	assert_int_equal(PARSE(&o, err, "--disk", ",rw"), -EINVAL);
	assert_int_equal(PARSE(&o, err, "--floppy", ""), -EINVAL);
}

static void test_smp(void **state)
{
	struct options o;
	char err[256];

	(void)state;
	assert_int_equal(PARSE(&o, err, "--smp", "4", "x.bin"), 0);
	assert_int_equal(o.smp, 4);
	assert_int_equal(PARSE(&o, err, "--smp=8", "x.bin"), 0);
	assert_int_equal(o.smp, 8);
	assert_int_equal(PARSE(&o, err, "--smp", "1", "x.bin"), 0);
	assert_int_equal(o.smp, 1);
	assert_int_equal(PARSE(&o, err, "--smp", "64", "x.bin"), 0);
	assert_int_equal(o.smp, 64);
	assert_int_equal(PARSE(&o, err, "--smp"), -EINVAL);
	assert_non_null(strstr(err, "needs a value"));
}

static void test_arch(void **state)
{
	struct options o;
	char err[256];

	(void)state;
	assert_int_equal(PARSE(&o, err, "--arch", "x86-64", "x.bin"), 0);
	assert_int_equal(o.arch, REGS_ARCH_X86_64);
	assert_false(o.arch_auto);
	assert_int_equal(PARSE(&o, err, "--arch=i386", "x.bin"), 0);
	assert_int_equal(o.arch, REGS_ARCH_I386);
	assert_false(o.arch_auto);
	assert_int_equal(PARSE(&o, err, "--arch=auto", "x.bin"), 0);
	assert_true(o.arch_auto);
	assert_int_equal(o.arch, REGS_ARCH_I386);
	assert_int_equal(PARSE(&o, err, "--arch", "arm", "x.bin"), -EINVAL);
	assert_non_null(strstr(err, "--arch: unknown register layout 'arm'"));
	assert_int_equal(PARSE(&o, err, "--arch=", "x.bin"), -EINVAL);
	assert_int_equal(PARSE(&o, err, "x.bin", "--arch"), -EINVAL);
}

static void test_all_options(void **state)
{
	struct options o;
	char err[256];

	(void)state;
	assert_int_equal(PARSE(&o, err, "--memory", "64M", "--load=0x7c00", "--serial", "out.txt",
			       "--listen", "0.0.0.0:4321", "--allow-remote", "--once", "--verbose",
			       "x.bin"), 0);
	assert_int_equal(o.mem_size, 64u << 20);
	assert_true(o.load_set);
	assert_int_equal(o.load_addr, 0x7c00);
	assert_int_equal(o.serial, SERIAL_FILE);
	assert_string_equal(o.serial_path, "out.txt");
	assert_string_equal(o.listen.host, "0.0.0.0");
	assert_int_equal(o.listen.port, 4321);
	assert_true(o.allow_remote && o.once && o.verbose);
	assert_int_equal(PARSE(&o, err, "--reset", "architectural", "--no-gdb", "--serial=none",
			       "x.bin"), 0);
	assert_true(o.reset_architectural && o.no_gdb);
	assert_int_equal(o.serial, SERIAL_NONE);
	assert_int_equal(PARSE(&o, err, "-v", "-h"), 0);
	assert_true(o.verbose && o.help);
	assert_int_equal(PARSE(&o, err, "--probe"), 0);
	assert_true(o.probe);
	assert_int_equal(PARSE(&o, err, "--", "-odd-name.bin"), 0);
	assert_string_equal(o.image, "-odd-name.bin");
}

static void test_sizes(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(options__parse_size("16M", &v), 0);
	assert_int_equal(v, 16u << 20);
	assert_int_equal(options__parse_size("512k", &v), 0);
	assert_int_equal(v, 512u << 10);
	assert_int_equal(options__parse_size("1GiB", &v), 0);
	assert_int_equal(v, 1u << 30);
	assert_int_equal(options__parse_size("0x100000", &v), 0);
	assert_int_equal(v, 0x100000);
	assert_int_equal(options__parse_size("1048576", &v), 0);
	assert_int_equal(v, 1048576);
	assert_int_not_equal(options__parse_size("", &v), 0);
	assert_int_not_equal(options__parse_size("M", &v), 0);
	assert_int_not_equal(options__parse_size("16X", &v), 0);
	assert_int_not_equal(options__parse_size("-1M", &v), 0);
	assert_int_not_equal(options__parse_size("16M ", &v), 0);
	assert_int_not_equal(options__parse_size("0x", &v), 0);
	assert_int_not_equal(options__parse_size("99999999999999999999", &v), 0);
	assert_int_not_equal(options__parse_size("17179869184G", &v), 0);	/* 2^34 G overflows */
	assert_int_equal(options__parse_u64("18446744073709551615", &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(options__parse_u64("18446744073709551616", &v), -ERANGE);
	assert_int_equal(options__parse_u64("0xffffffffffffffff", &v), 0);
	assert_int_equal(options__parse_u64("0x10000000000000000", &v), -ERANGE);
}

static void test_bad_values(void **state)
{
	static const struct { const char *a, *b, *msg; } cases[] = {
		{ "--memory", "512K", "too small" },
		{ "--memory", "4G", "too large" },
		{ "--memory", "lots", "bad size" },
		{ "--memory", "2000001", "multiple of 4 KiB" },
		{ "--smp", "0", "bad number of vCPUs" },
		{ "--smp", "-1", "bad number of vCPUs" },
		{ "--smp", "4x", "bad number of vCPUs" },
		{ "--smp", "", "bad number of vCPUs" },
		{ "--smp", "65", "at most 64 vCPUs" },
		{ "--smp", "99999999999999999999", "bad number of vCPUs" },
		{ "--load", "0x100000", "below 1 MiB" },
		{ "--load", "zz", "bad address" },
		{ "--reset", "warm", "unknown style" },
		{ "--serial", "", "empty destination" },
		{ "--listen", "localhost:99999", "bad port" },
		{ "--listen", "localhost:", "bad port" },
		{ "--listen", "unix:", "path is empty" },
		{ "--listen", "", "empty address" },
		{ "--listen", "[::1:12", "malformed IPv6" },
		{ "--bogus", "x.bin", "unknown option '--bogus'" },
	};
	struct options o;
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(PARSE(&o, err, cases[i].a, cases[i].b, "x.bin"), -EINVAL);
		if (!strstr(err, cases[i].msg))
			fail_msg("%s %s: got '%s', want '%s'", cases[i].a, cases[i].b, err, cases[i].msg);
	}
	assert_int_equal(PARSE(&o, err, "--memory"), -EINVAL);
	assert_non_null(strstr(err, "needs a value"));
	assert_int_equal(PARSE(&o, err, "--once=yes", "x"), -EINVAL);
	assert_non_null(strstr(err, "takes no value"));
	assert_int_equal(PARSE(&o, err, "a.bin", "b.bin"), -EINVAL);
	assert_non_null(strstr(err, "more than one image"));
	assert_int_equal(PARSE(&o, err, "--once"), -EINVAL);
	assert_non_null(strstr(err, "no image"));
	assert_int_equal(PARSE(&o, err, "--no-gdb", "--once", "x"), -EINVAL);
	assert_int_equal(PARSE(&o, err, "--load", "0x7c00", "--reset", "architectural", "x"), -EINVAL);
}

static void test_listen_forms(void **state)
{
	struct listen_addr l;
	char err[256];

	(void)state;
	assert_int_equal(options__parse_listen("4000", &l, err, sizeof(err)), 0);
	assert_string_equal(l.host, "127.0.0.1");
	assert_int_equal(l.port, 4000);
	assert_int_equal(options__parse_listen(":0", &l, err, sizeof(err)), 0);
	assert_string_equal(l.host, "127.0.0.1");
	assert_int_equal(l.port, 0);
	assert_int_equal(options__parse_listen("localhost:1", &l, err, sizeof(err)), 0);
	assert_string_equal(l.host, "localhost");
	assert_int_equal(options__parse_listen("[::1]:1234", &l, err, sizeof(err)), 0);
	assert_string_equal(l.host, "::1");
	assert_int_equal(l.port, 1234);
	assert_int_equal(options__parse_listen("unix:/tmp/k.sock", &l, err, sizeof(err)), 0);
	assert_int_equal(l.kind, LISTEN_UNIX);
	assert_string_equal(l.path, "/tmp/k.sock");
	char longpath[300];
	memset(longpath, 'a', sizeof(longpath));
	memcpy(longpath, "unix:", 5);
	longpath[sizeof(longpath) - 1] = '\0';
	assert_int_equal(options__parse_listen(longpath, &l, err, sizeof(err)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_all_options),
		cmocka_unit_test(test_arch),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_smp),
		cmocka_unit_test(test_listen_forms),
		cmocka_unit_test(test_boot_options),
	};

	return cmocka_run_group_tests_name("options", tests, NULL, NULL);
}
