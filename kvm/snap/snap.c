/*
 * snap.c - snapshots of the whole machine, in the daemon's memory (snap.h).
 *
 * A save takes, with every vCPU parked: each vCPU's state (power_on.c,
 * with the registers, TF as the guest has it), each device's save (the
 * in-kernel PICs, I/O APIC and PIT are the irqchip device's), and memory:
 * the pages written since the last save or restore (KVM's dirty log of all
 * of memory, memory__log_all, and the daemon's own writes) are compared
 * with the store's image of memory and copied when they differ; every
 * other page is shared with the snapshots before (pages.c).  The first
 * save compares every page.
 *
 * A restore puts the devices back first, then the vCPUs, then memory:
 * only the pages whose copy differs from the store's image of memory now
 * (after taking the log), which are few between two close snapshots.
 * Breakpoints and watchpoints stay as gdb has them: memory goes back under
 * our int3s, which stay in place.
 */
#include "snap.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../host/log.h"

static long long elapsed_ns(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (long long)(t1.tv_sec - t0->tv_sec) * 1000000000ll + (t1.tv_nsec - t0->tv_nsec);
}

bool snap__name_ok(const char *name, char *msg, size_t len)
{
	size_t n = strlen(name);

	if (n == 0 || n >= SNAP_NAME_MAX || name[0] == '.') {
		snprintf(msg, len, "a snapshot name is 1 to %d characters, not starting with a dot",
			 SNAP_NAME_MAX - 1);
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-')) {
			snprintf(msg, len, "a snapshot name has letters, digits, '.', '_' and '-' "
				 "only (it names a file): '%s'", name);
			return false;
		}
	}
	return true;
}

void snap__init(struct snap_store *st, const char *dir, FILE *log)
{
	memset(st, 0, sizeof(*st));
	st->dir = dir;
	st->log = log;
}

void snap__free(struct snap_store *st)
{
	for (int i = 0; i < st->nr; i++)
		snap__destroy(st->list[i]);
	st->nr = 0;
	mem_image__free(&st->now);
	free(st->dirty);
	st->dirty = NULL;
}

static int find(const struct snap_store *st, const char *name)
{
	for (int i = 0; i < st->nr; i++)
		if (!strcmp(st->list[i]->name, name))
			return i;
	return -1;
}

/* The store's image of memory made true: the log taken (turned on the
 * first time: every page compared), the written pages compared. */
static int sync_now(struct snap_store *st, const struct snap_machine *m, uint64_t *copied,
		    char *msg, size_t len)
{
	char err[160];
	int r;

	*copied = 0;
	if (!st->tracking) {
		mem_image__free(&st->now);
		free(st->dirty);
		st->dirty = calloc((m->mem->nr_pages + 63) / 64, sizeof(uint64_t));
		r = st->dirty ? mem_image__init(&st->now, m->mem->nr_pages) : -ENOMEM;
		if (r == 0)
			r = memory__log_all(m->mem, MEM_DIRTY_SNAP, true, err, sizeof(err));
		else
			snprintf(err, sizeof(err), "out of memory");
		if (r < 0) {
			snprintf(msg, len, "cannot follow the guest's writes to memory: %s", err);
			return r;
		}
		st->tracking = true;
	}
	r = memory__take_dirty(m->mem, MEM_DIRTY_SNAP, st->dirty);
	if (r < 0) {
		snprintf(msg, len, "KVM_GET_DIRTY_LOG failed: %s", strerror(-r));
		st->tracking = false;	/* compare everything next time */
		memory__log_all(m->mem, MEM_DIRTY_SNAP, false, err, sizeof(err));
		return r;
	}
	r = mem_image__sync(&st->now, st->dirty, m->mem, m->bpm, copied);
	if (r < 0) {
		snprintf(msg, len, "out of memory for the copies of the guest's pages");
		snap__forget_memory(st);
		return r;
	}
	return 0;
}

void snap__forget_memory(struct snap_store *st)
{
	/* Everything is compared at the next save: the pages that still hold
	 * the same bytes stay shared. */
	if (st->tracking && st->dirty)
		memset(st->dirty, 0xFF, (st->now.nr + 63) / 64 * sizeof(uint64_t));
}

static int take_cpus(struct snapshot *s, const struct snap_machine *m, char *msg, size_t len)
{
	s->cpus = calloc((size_t)m->nr_cpus, sizeof(s->cpus[0]));
	if (!s->cpus) {
		snprintf(msg, len, "out of memory");
		return -ENOMEM;
	}
	s->nr_cpus = (uint32_t)m->nr_cpus;
	for (int i = 0; i < m->nr_cpus; i++) {
		struct snap_cpu *c = &s->cpus[i];
		char err[160];
		int r = cpu_state__save(&c->st, m->kvm_fd, m->cpus[i]->fd, m->irqchip, true, err,
					sizeof(err));

		if (r < 0) {
			snprintf(msg, len, "vCPU %d: %s", i, err);
			return r;
		}
		/* While KVM single-steps the vCPU, TF is KVM's: the guest's own
		 * is the one kvmstub keeps. */
		c->guest_tf = m->cpus[i]->guest_tf;
		if (m->cpus[i]->kvm_steps)
			c->st.regs.rflags = (c->st.regs.rflags & ~X86_RFLAGS_TF) |
					    (c->guest_tf ? X86_RFLAGS_TF : 0);
		c->owed = *m->owed[i];
	}
	return 0;
}

static int take_devices(struct snapshot *s, const struct snap_machine *m, char *msg, size_t len)
{
	s->devs = calloc((size_t)m->devs->nr, sizeof(s->devs[0]));
	if (!s->devs) {
		snprintf(msg, len, "out of memory");
		return -ENOMEM;
	}
	for (int i = 0; i < m->devs->nr; i++) {
		struct snap_dev *d = &s->devs[i];
		ssize_t n = devices__save(m->devs, i, NULL, 0);

		snprintf(d->name, sizeof(d->name), "%s", devices__name(m->devs, i));
		s->nr_devs = i + 1;
		if (n > 0) {
			d->data = malloc((size_t)n);
			if (!d->data) {
				snprintf(msg, len, "out of memory");
				return -ENOMEM;
			}
			n = devices__save(m->devs, i, d->data, (size_t)n);
		}
		if (n < 0) {
			snprintf(msg, len, "%s: cannot save its state: %s", d->name, strerror((int)-n));
			return (int)n;
		}
		d->len = (size_t)n;
	}
	return 0;
}

/* Replace or add s in the store. */
static int keep(struct snap_store *st, struct snapshot *s, char *msg, size_t len)
{
	int i = find(st, s->name);

	if (i >= 0) {
		snap__destroy(st->list[i]);
		st->list[i] = s;
		return 0;
	}
	if (st->nr >= SNAP_MAX) {
		snprintf(msg, len, "%d snapshots are held already: delete one first (monitor "
			 "snapshot delete NAME)", SNAP_MAX);
		return -ENOSPC;
	}
	st->list[st->nr++] = s;
	return 0;
}

static void file_path(const struct snap_store *st, const char *name, char *path, size_t len)
{
	snprintf(path, len, "%s/%s%s", st->dir, name, SNAP_FILE_EXT);
}

int snap__save(struct snap_store *st, const struct snap_machine *m, const char *name,
	       char *msg, size_t len)
{
	struct snapshot *s;
	struct timespec t0;
	uint64_t own, nonzero;
	int r;

	if (!snap__name_ok(name, msg, len))
		return -EINVAL;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(msg, len, "out of memory");
		return -ENOMEM;
	}
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->id = m->id;
	s->when = time(NULL);
	r = sync_now(st, m, &s->copied, msg, len);
	if (r == 0)
		r = mem_image__clone(&s->mem, &st->now);
	if (r == 0)
		r = take_cpus(s, m, msg, len);
	if (r == 0)
		r = take_devices(s, m, msg, len);
	if (r == -ENOMEM && !msg[0])
		snprintf(msg, len, "out of memory");
	if (r == 0)
		r = keep(st, s, msg, len);
	if (r < 0) {
		snap__destroy(s);
		return r;
	}
	s->ns = elapsed_ns(&t0);
	mem_image__count(&s->mem, NULL, &own, &nonzero);
	snprintf(msg, len, "snapshot %s saved: %llu pages of memory in use, %llu copied (%llu KiB), "
		 "the rest shared with earlier snapshots; %.2f ms\n", name,
		 (unsigned long long)nonzero, (unsigned long long)s->copied,
		 (unsigned long long)(s->copied * MEM_PAGE >> 10), (double)s->ns / 1e6);
	if (st->dir) {
		char path[4096];
		size_t n = strlen(msg);

		file_path(st, name, path, sizeof(path));
		r = snap__file_write(s, path, msg + n, len - n);
		if (r == 0 && n < len)
			snprintf(msg + n, len - n, "written to %s\n", path);
	}
	return r;
}

/* Put snapshot s back into the machine. */
static int put_back(struct snap_store *st, const struct snap_machine *m, struct snapshot *s,
		    uint64_t *written, char *msg, size_t len)
{
	uint64_t copied;
	char err[160];
	int r;

	*written = 0;
	if (s->nr_cpus != (uint32_t)m->nr_cpus || s->mem.nr != m->mem->nr_pages) {
		snprintf(msg, len, "snapshot %s is of a machine with %u vCPUs and %llu pages of "
			 "memory; this one has %d and %llu", s->name, s->nr_cpus,
			 (unsigned long long)s->mem.nr, m->nr_cpus,
			 (unsigned long long)m->mem->nr_pages);
		return -EINVAL;
	}
	/* Every device first: the in-kernel irqchip before the local APICs. */
	for (int i = 0; i < m->devs->nr; i++) {
		const char *name = devices__name(m->devs, i);
		int k;

		for (k = 0; k < s->nr_devs && strcmp(s->devs[k].name, name); k++)
			;
		if (k == s->nr_devs) {
			snprintf(msg, len, "snapshot %s has no state for the device '%s'", s->name, name);
			return -EINVAL;
		}
		r = devices__load(m->devs, i, s->devs[k].data, s->devs[k].len);
		if (r < 0) {
			snprintf(msg, len, "%s: cannot load its state from snapshot %s: %s", name,
				 s->name, strerror(-r));
			return r;
		}
	}
	for (int i = 0; i < m->nr_cpus; i++) {
		const struct snap_cpu *c = &s->cpus[i];

		cpu__cache_drop(m->cpus[i]);
		r = cpu_state__restore(&c->st, m->cpus[i]->fd, CPU_STATE_ALL, err, sizeof(err));
		if (r < 0) {
			snprintf(msg, len, "vCPU %d: %s", i, err);
			return r;
		}
		m->cpus[i]->guest_tf = c->guest_tf;
		*m->owed[i] = c->owed;
	}
	/* Memory: the pages that differ from what memory holds now. */
	r = sync_now(st, m, &copied, msg, len);
	if (r < 0)
		return r;
	for (uint64_t i = 0; i < s->mem.nr; i++) {
		if (s->mem.pg[i] == st->now.pg[i])
			continue;
		mem_image__put(&s->mem, i, m->mem, m->bpm);
		mem_image__share(&st->now, i, s->mem.pg[i]);
		(*written)++;
	}
	/* Those writes are the daemon's: the store's image is true already. */
	memory__take_dirty(m->mem, MEM_DIRTY_SNAP, st->dirty);
	memset(st->dirty, 0, (st->now.nr + 63) / 64 * sizeof(uint64_t));
	return 0;
}

int snap__restore(struct snap_store *st, const struct snap_machine *m, const char *name,
		  char *msg, size_t len)
{
	struct timespec t0;
	uint64_t written;
	int i, r;

	if (!snap__name_ok(name, msg, len))
		return -EINVAL;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	i = find(st, name);
	if (i < 0 && st->dir) {
		char path[4096];

		file_path(st, name, path, sizeof(path));
		if (access(path, F_OK) == 0)
			return snap__load(st, m, path, msg, len);
	}
	if (i < 0) {
		snprintf(msg, len, "no snapshot named %s%s%s (monitor snapshot list)", name,
			 st->dir ? " in memory or in " : "", st->dir ? st->dir : "");
		return -ENOENT;
	}
	r = put_back(st, m, st->list[i], &written, msg, len);
	if (r < 0)
		return r;
	snprintf(msg, len, "snapshot %s restored: %llu pages of memory written back; %.2f ms\n",
		 name, (unsigned long long)written, (double)elapsed_ns(&t0) / 1e6);
	return 0;
}

int snap__delete(struct snap_store *st, const char *name, char *msg, size_t len)
{
	int i;
	bool file = false;

	if (!snap__name_ok(name, msg, len))
		return -EINVAL;
	i = find(st, name);
	if (st->dir) {
		char path[4096];

		file_path(st, name, path, sizeof(path));
		file = unlink(path) == 0;
	}
	if (i < 0 && !file) {
		snprintf(msg, len, "no snapshot named %s", name);
		return -ENOENT;
	}
	if (i >= 0) {
		snap__destroy(st->list[i]);
		st->list[i] = st->list[--st->nr];
	}
	snprintf(msg, len, "snapshot %s deleted%s\n", name, file ? " (and its file)" : "");
	return 0;
}

static void say(char *msg, size_t len, size_t *at, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void say(char *msg, size_t len, size_t *at, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*at + 1 >= len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(msg + *at, len - *at, fmt, ap);
	va_end(ap);
	if (n > 0)
		*at += (size_t)n < len - *at ? (size_t)n : len - *at - 1;
}

int snap__list(struct snap_store *st, char *msg, size_t len)
{
	struct mem_image *ims[SNAP_MAX];
	size_t at = 0;
	int shown = 0;

	msg[0] = '\0';
	for (int i = 0; i < st->nr; i++) {
		const struct snapshot *s = st->list[i];
		uint64_t own, nonzero;
		struct tm tm;
		char when[32];

		mem_image__count(&s->mem, &st->now, &own, &nonzero);
		ims[i] = &st->list[i]->mem;
		localtime_r(&s->when, &tm);
		strftime(when, sizeof(when), "%H:%M:%S", &tm);
		say(msg, len, &at, "%-20s taken %s, rip 0x%llx, %llu pages (%llu its own)\n",
		    s->name, when, (unsigned long long)s->cpus[0].st.regs.rip,
		    (unsigned long long)nonzero, (unsigned long long)own);
		shown++;
	}
	if (st->dir) {
		DIR *d = opendir(st->dir);
		struct dirent *e;

		while (d && (e = readdir(d))) {
			size_t n = strlen(e->d_name), x = strlen(SNAP_FILE_EXT);
			char name[SNAP_NAME_MAX];

			if (n <= x || n - x >= sizeof(name) || strcmp(e->d_name + n - x, SNAP_FILE_EXT))
				continue;
			memcpy(name, e->d_name, n - x);
			name[n - x] = '\0';
			if (find(st, name) >= 0)
				continue;
			say(msg, len, &at, "%-20s in %s/%s (not loaded)\n", name, st->dir, e->d_name);
			shown++;
		}
		if (d)
			closedir(d);
		else
			say(msg, len, &at, "cannot read --snapshot-dir %s: %s\n", st->dir,
			    strerror(errno));
	}
	if (!shown)
		say(msg, len, &at, "no snapshots (monitor snapshot save NAME)\n");
	else
		say(msg, len, &at, "memory held by snapshots: %llu KiB (pages shared between "
		    "them counted once)\n",
		    (unsigned long long)(mem_image__distinct(ims, st->nr) * MEM_PAGE >> 10));
	return 0;
}

int snap__write(struct snap_store *st, const char *name, const char *path, char *msg,
		size_t len)
{
	int i, r;

	if (!snap__name_ok(name, msg, len))
		return -EINVAL;
	i = find(st, name);
	if (i < 0) {
		snprintf(msg, len, "no snapshot named %s in memory (monitor snapshot list)", name);
		return -ENOENT;
	}
	r = snap__file_write(st->list[i], path, msg, len);
	if (r == 0)
		snprintf(msg, len, "snapshot %s written to %s\n", name, path);
	return r;
}

int snap__load(struct snap_store *st, const struct snap_machine *m, const char *path,
	       char *msg, size_t len)
{
	struct snapshot *s;
	struct timespec t0;
	uint64_t written;
	int r;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = snap__file_read(path, &m->id, &s, msg, len);
	if (r < 0)
		return r;
	r = keep(st, s, msg, len);
	if (r < 0) {
		snap__destroy(s);
		return r;
	}
	r = put_back(st, m, s, &written, msg, len);
	if (r < 0)
		return r;
	snprintf(msg, len, "snapshot %s restored from %s: %llu pages of memory written back; "
		 "%.2f ms\n", s->name, path, (unsigned long long)written,
		 (double)elapsed_ns(&t0) / 1e6);
	return 0;
}
