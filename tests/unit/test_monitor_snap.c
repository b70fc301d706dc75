/*
 * test_monitor_snap.c - monitor snapshot (stub/monitor_snap.c): its verbs
 * and arguments checked before the target is asked, what it asks the
 * target, the target's text passed on, and a restore no longer at the
 * guest's end.  The machine's side: tests/e2e/snapshot.sh.
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
#include "session_fixture.h"

static void test_verbs(void **state)
{
	struct mon_fixture *f = *state;

	assert_int_equal(mon_fixture__run(f, "snapshot save boot"), 0);
	assert_int_equal(f->ft->snap_op, TARGET_SNAP_SAVE);
	assert_string_equal(f->ft->snap_name, "boot");
	assert_string_equal(f->out, "fake snapshot 0 boot (none)\n");
	assert_int_equal(mon_fixture__run(f, "snapshot restore  boot  "), 0);
	assert_int_equal(f->ft->snap_op, TARGET_SNAP_RESTORE);
	assert_string_equal(f->ft->snap_name, "boot");
	assert_int_equal(mon_fixture__run(f, "snapshot delete x.1"), 0);
	assert_int_equal(f->ft->snap_op, TARGET_SNAP_DELETE);
	assert_int_equal(mon_fixture__run(f, "snapshot list"), 0);
	assert_int_equal(f->ft->snap_op, TARGET_SNAP_LIST);
	assert_string_equal(f->ft->snap_name, "(none)");
	assert_int_equal(mon_fixture__run(f, "snapshot write boot /tmp/b.kvmsnap"), 0);
	assert_int_equal(f->ft->snap_op, TARGET_SNAP_WRITE);
	assert_string_equal(f->ft->snap_file, "/tmp/b.kvmsnap");
	assert_int_equal(f->ft->nr_snaps, 5);
}

static void test_bad_arguments(void **state)
{
	struct mon_fixture *f = *state;
	static const char *const bad[] = {
		"snapshot", "snapshot save", "snapshot restore", "snapshot save a b",
		"snapshot list x", "snapshot write a", "snapshot write a b c", "snapshot take a",
		"snapshot delete",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(mon_fixture__run(f, bad[i]), -EINVAL);
		if (!strstr(f->out, "usage: monitor snapshot VERB [NAME]"))
			fail_msg("'%s' gave: %s", bad[i], f->out);
	}
	assert_int_equal(f->ft->nr_snaps, 0);	/* never asked */
}

static void test_failure_and_restore(void **state)
{
	struct mon_fixture *f = *state;

	/* The target's reason is what the user reads. */
	f->ft->snap_ret = -EINVAL;
	assert_int_equal(mon_fixture__run(f, "snapshot restore other"), -EINVAL);
	assert_string_equal(f->out, "fake snapshot 1 other (none)\n");
	/* A restore puts the guest back before its end: no more exit status. */
	f->ft->snap_ret = 0;
	f->s->exited = true;
	f->s->exit_status = 3;
	f->s->have_stop = true;
	assert_int_equal(mon_fixture__run(f, "snapshot restore boot"), 0);
	assert_false(f->s->exited);
	assert_false(f->s->have_stop);
	/* A save leaves it as it is. */
	f->s->exited = true;
	assert_int_equal(mon_fixture__run(f, "snapshot save late"), 0);
	assert_true(f->s->exited);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_verbs, mon_fixture__setup, mon_fixture__teardown),
		cmocka_unit_test_setup_teardown(test_bad_arguments, mon_fixture__setup, mon_fixture__teardown),
		cmocka_unit_test_setup_teardown(test_failure_and_restore, mon_fixture__setup, mon_fixture__teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
