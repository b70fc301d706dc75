/*
 * replay.c - run every saved fuzz input through the fuzz targets, without
 * libFuzzer: the crashes ever found (tests/fuzz/regressions) and the seed
 * corpus of real gdb sessions (tests/fuzz/corpus).  A cmocka program, one
 * test per file, so make test counts and names them; built with the
 * ordinary compiler, so it runs where clang is missing, and under
 * SANITIZE=1 and valgrind like the unit tests.
 *
 *   replay [FILE|DIR...]     default: tests/fuzz/regressions tests/fuzz/corpus
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "fuzz.h"

/* Saved inputs are small; a bigger file is a mistake, not a test. */
#define REPLAY_MAX_INPUT	(4 * 1024 * 1024)

struct inputs {
	struct CMUnitTest *tests;
	size_t n, cap;
};

static void replay_one(void **state)
{
	const char *path = *state;
	uint8_t *buf;
	FILE *f = fopen(path, "rb");
	long size;

	if (!f)
		fail_msg("%s: %s", path, strerror(errno));
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	size = ftell(f);
	assert_true(size >= 0 && size <= REPLAY_MAX_INPUT);
	rewind(f);
	buf = malloc(size ? (size_t)size : 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	fuzz_session__one(buf, (size_t)size);
	fuzz_rsp__one(buf, (size_t)size);
	free(buf);
}

static int add(struct inputs *in, const char *path)
{
	char *name;

	if (in->n == in->cap) {
		size_t cap = in->cap ? 2 * in->cap : 64;
		struct CMUnitTest *t = realloc(in->tests, cap * sizeof(*t));

		if (!t)
			return -ENOMEM;
		in->tests = t;
		in->cap = cap;
	}
	name = strdup(path);
	if (!name)
		return -ENOMEM;
	in->tests[in->n++] = (struct CMUnitTest){ .name = name, .test_func = replay_one,
						   .initial_state = name };
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A file, or every regular file in a directory (sorted, dotfiles and
 * README skipped). */
static int collect(struct inputs *in, const char *path)
{
	struct dirent *e;
	struct stat st;
	char **names = NULL, full[4096];
	size_t n = 0, cap = 0, i;
	DIR *d;
	int ret = 0;

	if (stat(path, &st) < 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -errno;
	}
	if (!S_ISDIR(st.st_mode))
		return add(in, path);
	d = opendir(path);
	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || strncmp(e->d_name, "README", 6) == 0)
			continue;
		if (n == cap) {
			char **nn = realloc(names, (cap = cap ? 2 * cap : 64) * sizeof(*nn));

			if (!nn) {
				ret = -ENOMEM;
				break;
			}
			names = nn;
		}
		names[n] = strdup(e->d_name);
		if (!names[n]) {
			ret = -ENOMEM;
			break;
		}
		n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp_names);
	for (i = 0; i < n; i++) {
		if (!ret && (size_t)snprintf(full, sizeof(full), "%s/%s", path, names[i]) < sizeof(full) &&
		    stat(full, &st) == 0 && S_ISREG(st.st_mode))
			ret = add(in, full);
		free(names[i]);
	}
	free(names);
	return ret;
}

int main(int argc, char **argv)
{
	static const char *const defaults[] = { "tests/fuzz/regressions", "tests/fuzz/corpus" };
	struct inputs in = { 0 };
	size_t i;
	int ret = 0, failed;

	if (argc > 1) {
		for (i = 1; i < (size_t)argc && !ret; i++)
			ret = collect(&in, argv[i]);
	} else {
		for (i = 0; i < 2 && !ret; i++)
			ret = collect(&in, defaults[i]);
	}
	if (ret || in.n == 0) {
		fprintf(stderr, "replay: no inputs (run from the top of the source tree)\n");
		return 1;
	}
	failed = _cmocka_run_group_tests("fuzz_replay", in.tests, in.n, NULL, NULL);
	for (i = 0; i < in.n; i++)
		free((void *)in.tests[i].name);
	free(in.tests);
	return failed ? 1 : 0;
}
