/*
 * fake_target.c - struct target_ops in plain memory, for unit tests of the
 * protocol layer.  Deterministic on purpose: no threads, no timers.  A
 * resume either pops a queued stop, or (step) advances rip by one byte, or
 * (continue) runs until interrupt().  The eventfd is readable exactly
 * while a stop is pending, like the real target's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>

#include "fake_target.h"

#define FAKE_MAX_CPUS	4

static struct fake_target *to_fake(struct target *t)
{
	return t->priv;
}

static int fake_nr_cpus(struct fake_target *ft)
{
	if (ft->nr_cpus < 1)
		return 1;
	if (ft->nr_cpus > FAKE_MAX_CPUS)
		return FAKE_MAX_CPUS;
	return ft->nr_cpus;
}

static bool fake_cpu_ok(struct fake_target *ft, int cpu)
{
	return cpu >= 0 && cpu < fake_nr_cpus(ft);
}

static void fake_seg(struct target_seg *s, uint16_t selector, uint64_t base, uint8_t type,
		     uint8_t is_code_data)
{
	memset(s, 0, sizeof(*s));
	s->selector = selector;
	s->base = base;
	s->limit = 0xffff;
	s->type = type;
	s->s = is_code_data;
	s->present = 1;
}

/* The x86 power-on state, as the real target's reset produces it. */
static void fake_reset_regs(struct target_regs *r)
{
	int i;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < TARGET_NR_SEGS; i++)
		fake_seg(&r->seg[i], 0, 0, 0x3, 1);	/* data, read/write, accessed */
	fake_seg(&r->seg[SEG_CS], 0xf000, 0xf0000, 0xb, 1);	/* code, exec/read, accessed */
	fake_seg(&r->seg[SEG_TR], 0, 0, 0xb, 0);	/* busy 32-bit TSS */
	fake_seg(&r->seg[SEG_LDT], 0, 0, 0x2, 0);	/* LDT */
	r->rip = 0xfff0;
	r->rflags = 0x2;
	r->gdt.limit = 0xffff;
	r->idt.limit = 0xffff;
	r->cr0 = 0x10;
}

static void fake_signal(struct fake_target *ft)
{
	uint64_t one = 1;

	/* The counter cannot overflow: it is drained by every get_stop(). */
	if (write(ft->efd, &one, sizeof(one)) != sizeof(one))
		perror("fake_target: eventfd write");
}

static void fake_drain(struct fake_target *ft)
{
	uint64_t n;

	/* EAGAIN when nothing was written: fine, it is non-blocking. */
	if (read(ft->efd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		perror("fake_target: eventfd read");
}

static void fake_make_pending(struct fake_target *ft, const struct target_stop *stop)
{
	ft->pending = *stop;
	ft->stop_pending = true;
	ft->running = false;
	fake_signal(ft);
}

static int ft_nr_cpus(struct target *t)
{
	return fake_nr_cpus(to_fake(t));
}

static int ft_get_regs(struct target *t, int cpu, struct target_regs *regs)
{
	struct fake_target *ft = to_fake(t);

	if (!fake_cpu_ok(ft, cpu))
		return -EINVAL;
	ft->nr_get_regs++;
	*regs = ft->regs[cpu];
	return 0;
}

static uint32_t ft_xfeatures(struct target *t)
{
	return to_fake(t)->xfeatures;
}

static int ft_get_fpu(struct target *t, int cpu, struct target_fpu *fpu)
{
	struct fake_target *ft = to_fake(t);

	if (!fake_cpu_ok(ft, cpu))
		return -EINVAL;
	ft->nr_get_fpu++;
	*fpu = ft->fpu[cpu];
	return 0;
}

static int ft_set_fpu(struct target *t, int cpu, const struct target_fpu *fpu)
{
	struct fake_target *ft = to_fake(t);

	if (!fake_cpu_ok(ft, cpu))
		return -EINVAL;
	ft->nr_set_fpu++;
	if (ft->set_fpu_err)
		return ft->set_fpu_err;
	ft->fpu[cpu] = *fpu;
	return 0;
}

static int ft_set_regs(struct target *t, int cpu, const struct target_regs *regs)
{
	struct fake_target *ft = to_fake(t);

	if (!fake_cpu_ok(ft, cpu))
		return -EINVAL;
	ft->regs[cpu] = *regs;
	return 0;
}

static int fake_msr_slot(struct fake_target *ft, uint32_t index)
{
	for (int i = 0; i < ft->nr_msrs; i++)
		if (ft->msrs[i].index == index)
			return i;
	return -1;
}

static int ft_get_msr(struct target *t, int cpu, uint32_t index, uint64_t *val)
{
	struct fake_target *ft = to_fake(t);
	int i = fake_msr_slot(ft, index);

	if (!fake_cpu_ok(ft, cpu))
		return -EINVAL;
	if (i < 0)
		return -ENOENT;
	*val = ft->msrs[i].val;
	return 0;
}

static int ft_set_msr(struct target *t, int cpu, uint32_t index, uint64_t val)
{
	struct fake_target *ft = to_fake(t);
	int i = fake_msr_slot(ft, index);

	if (!fake_cpu_ok(ft, cpu))
		return -EINVAL;
	if (i < 0 || index == ft->msr_read_only)
		return -ENOENT;
	ft->msrs[i].val = val;
	return 0;
}

static int ft_get_lapic(struct target *t, int cpu, uint8_t *regs)
{
	struct fake_target *ft = to_fake(t);

	if (!fake_cpu_ok(ft, cpu))
		return -EINVAL;
	if (ft->no_irqchip)
		return -ENODEV;
	memcpy(regs, ft->lapic[cpu], TARGET_LAPIC_SIZE);
	return 0;
}

static int ft_get_pic(struct target *t, struct target_pic pic[2])
{
	struct fake_target *ft = to_fake(t);

	if (ft->no_irqchip)
		return -ENODEV;
	pic[0] = ft->pic[0];
	pic[1] = ft->pic[1];
	return 0;
}

static int ft_get_pit(struct target *t, struct target_pit *pit)
{
	struct fake_target *ft = to_fake(t);

	if (ft->no_irqchip)
		return -ENODEV;
	*pit = ft->pit;
	return 0;
}

/* How many of len bytes at addr lie inside memory; never overflows. */
static size_t fake_fit(struct fake_target *ft, uint64_t addr, size_t len)
{
	if (addr >= ft->mem_size)
		return 0;
	if (len > ft->mem_size - addr)
		return ft->mem_size - addr;
	return len;
}

static ssize_t ft_read_mem(struct target *t, int cpu, enum target_space space, uint64_t addr,
			   void *buf, size_t len)
{
	struct fake_target *ft = to_fake(t);
	size_t n;

	(void)space;		/* linear == physical here */
	if (!fake_cpu_ok(ft, cpu))
		return -EINVAL;
	n = fake_fit(ft, addr, len);
	if (n)
		memcpy(buf, ft->mem + addr, n);
	return n;
}

static ssize_t ft_write_mem(struct target *t, int cpu, enum target_space space, uint64_t addr,
			    const void *buf, size_t len)
{
	struct fake_target *ft = to_fake(t);
	size_t n;

	(void)space;
	if (!fake_cpu_ok(ft, cpu))
		return -EINVAL;
	n = fake_fit(ft, addr, len);
	if (n)
		memcpy(ft->mem + addr, buf, n);
	return n;
}

static int ft_translate(struct target *t, int cpu, uint64_t linear, uint64_t *phys)
{
	struct fake_target *ft = to_fake(t);

	if (!fake_cpu_ok(ft, cpu))
		return -EINVAL;
	if (linear >= ft->mem_size)
		return -EFAULT;
	*phys = linear;
	return 0;
}

static bool fake_uses_slot(enum target_bp_kind kind)
{
	return kind != BP_SOFTWARE;
}

static int fake_find_bp(struct fake_target *ft, enum target_bp_kind kind, uint64_t addr,
			uint64_t len)
{
	int i;

	for (i = 0; i < ft->nr_bps; i++)
		if (ft->bps[i].kind == kind && ft->bps[i].addr == addr && ft->bps[i].len == len)
			return i;
	return -1;
}

static int fake_check_bp(enum target_bp_kind kind, uint64_t addr, uint64_t len)
{
	if ((unsigned int)kind >= TARGET_NR_BP_KINDS)
		return -EINVAL;
	if (len == 0 || addr + (len - 1) < addr)
		return -EINVAL;
	return 0;
}

static int ft_insert_bp(struct target *t, enum target_bp_kind kind, uint64_t addr, uint64_t len)
{
	struct fake_target *ft = to_fake(t);
	int i, used = 0, ret;

	ret = fake_check_bp(kind, addr, len);
	if (ret)
		return ret;
	/* gdb re-inserts breakpoints it believes are in; Z must answer OK. */
	if (fake_find_bp(ft, kind, addr, len) >= 0)
		return 0;
	if (fake_uses_slot(kind)) {
		for (i = 0; i < ft->nr_bps; i++)
			used += fake_uses_slot(ft->bps[i].kind);
		if (used >= ft->hw_slots)
			return -ENOSPC;
	}
	if (ft->nr_bps >= FAKE_MAX_BPS)
		return -ENOSPC;
	ft->bps[ft->nr_bps].kind = kind;
	ft->bps[ft->nr_bps].addr = addr;
	ft->bps[ft->nr_bps].len = len;
	ft->nr_bps++;
	return 0;
}

static int ft_remove_bp(struct target *t, enum target_bp_kind kind, uint64_t addr, uint64_t len)
{
	struct fake_target *ft = to_fake(t);
	int i, ret;

	ret = fake_check_bp(kind, addr, len);
	if (ret)
		return ret;
	i = fake_find_bp(ft, kind, addr, len);
	if (i < 0)
		return -ENOENT;
	memmove(&ft->bps[i], &ft->bps[i + 1], (ft->nr_bps - i - 1) * sizeof(ft->bps[0]));
	ft->nr_bps--;
	return 0;
}

static int ft_resume(struct target *t, const struct target_resume *how)
{
	struct fake_target *ft = to_fake(t);
	struct target_stop stop;
	struct target_regs *r;

	if (ft->running || ft->stop_pending)
		return -EBUSY;
	/* A continue of everyone names no vCPU; a step or a lone run does. */
	if ((how->kind != RESUME_CONTINUE || how->alone) && !fake_cpu_ok(ft, how->cpu))
		return -EINVAL;
	if (how->past_bp && (ft->no_past_bp || how->kind != RESUME_CONTINUE))
		return -EOPNOTSUPP;
	if (how->reverse && !ft->recording)
		return -EINVAL;		/* as the machine: nothing recorded to go back through */
	ft->last_resume = *how;
	ft->nr_resumes++;

	if (ft->nr_stops > 0) {
		stop = ft->stops[0];
		ft->nr_stops--;
		memmove(&ft->stops[0], &ft->stops[1], ft->nr_stops * sizeof(ft->stops[0]));
		fake_make_pending(ft, &stop);
		return 0;
	}
	if (how->kind == RESUME_STEP || how->kind == RESUME_RANGE) {
		/* A pretend one-byte instruction. */
		r = &ft->regs[how->cpu];
		r->rip += 1;
		memset(&stop, 0, sizeof(stop));
		stop.reason = STOP_STEP;
		stop.cpu = how->cpu;
		stop.addr = r->seg[SEG_CS].base + r->rip;
		fake_make_pending(ft, &stop);
		return 0;
	}
	ft->running = true;
	return 0;
}

static int ft_interrupt(struct target *t)
{
	struct fake_target *ft = to_fake(t);
	struct target_stop stop;

	ft->nr_interrupts++;
	if (!ft->running)
		return 0;	/* already stopped: nothing to do, as for the real target */
	memset(&stop, 0, sizeof(stop));
	stop.reason = STOP_INTERRUPT;
	stop.cpu = fake_cpu_ok(ft, ft->last_resume.cpu) ? ft->last_resume.cpu : 0;
	stop.addr = ft->regs[stop.cpu].seg[SEG_CS].base + ft->regs[stop.cpu].rip;
	fake_make_pending(ft, &stop);
	return 0;
}

static int ft_event_fd(struct target *t)
{
	return to_fake(t)->efd;
}

static int ft_get_stop(struct target *t, struct target_stop *stop)
{
	struct fake_target *ft = to_fake(t);

	if (!ft->stop_pending)
		return -EAGAIN;
	*stop = ft->pending;
	memset(&ft->pending, 0, sizeof(ft->pending));
	ft->stop_pending = false;
	fake_drain(ft);
	return 0;
}

static bool ft_is_running(struct target *t)
{
	return to_fake(t)->running;
}

static void fake_reset(struct fake_target *ft)
{
	int i;

	for (i = 0; i < FAKE_MAX_CPUS; i++)
		fake_reset_regs(&ft->regs[i]);
	ft->nr_bps = 0;
	ft->running = false;
	if (ft->stop_pending) {
		ft->stop_pending = false;
		memset(&ft->pending, 0, sizeof(ft->pending));
		fake_drain(ft);
	}
}

/* Queued stops survive a reset: a test queues them before driving gdb. */
static int ft_reset(struct target *t)
{
	struct fake_target *ft = to_fake(t);

	fake_reset(ft);
	ft->nr_resets++;
	return 0;
}

static int ft_remove_all_bps(struct target *t)
{
	struct fake_target *ft = to_fake(t);

	if (ft->running)
		return -EBUSY;
	ft->nr_bps = 0;
	ft->nr_remove_alls++;
	return 0;
}

static const char *fake_mode(const struct target_regs *r)
{
	if (r->efer & X86_EFER_LMA)
		return "long mode";
	if (r->cr0 & X86_CR0_PE)
		return "protected mode";
	return "real mode";
}

/* Truncates to fit; returns the characters written (without the NUL). */
static int fake_print(size_t len, int n)
{
	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= len)
		return len - 1;
	return n;
}

static int ft_describe_cpu(struct target *t, int cpu, char *buf, size_t len)
{
	struct fake_target *ft = to_fake(t);

	if (!fake_cpu_ok(ft, cpu) || len == 0)
		return -EINVAL;
	return fake_print(len, snprintf(buf, len, "vCPU %d, %s, %s", cpu,
					     fake_mode(&ft->regs[cpu]),
					     ft->running ? "running" : "stopped"));
}

static int ft_describe(struct target *t, char *buf, size_t len)
{
	(void)t;
	if (len == 0)
		return -EINVAL;
	return fake_print(len, snprintf(buf, len, "fake target\n"));
}

static int ft_set_option(struct target *t, const char *name, bool on)
{
	(void)t;
	(void)on;
	return strcmp(name, "step-irq") == 0 ? 0 : -ENOENT;
}

/* RAM is the fake's memory; a 64 KiB rom below 4 GiB, as a firmware window. */
static int ft_memory_map(struct target *t, struct target_region *regions, int max)
{
	struct fake_target *ft = t->priv;
	const struct target_region map[] = {
		{ .start = 0, .length = ft->mem_size, .rom = false },
		{ .start = 0xffff0000ull, .length = 0x10000, .rom = true },
	};
	int n = (int)(sizeof(map) / sizeof(map[0]));

	for (int i = 0; i < n && i < max; i++)
		regions[i] = map[i];
	return n;
}

/* monitor snapshot: what was asked is kept; snap_ret is the answer. */
static int ft_snapshot(struct target *t, enum target_snap_op op, const char *name,
		       const char *file, char *msg, size_t len)
{
	struct fake_target *ft = t->priv;

	ft->nr_snaps++;
	ft->snap_op = op;
	snprintf(ft->snap_name, sizeof(ft->snap_name), "%s", name ? name : "(none)");
	snprintf(ft->snap_file, sizeof(ft->snap_file), "%s", file ? file : "(none)");
	snprintf(msg, len, "fake snapshot %d %s %s", (int)op, ft->snap_name, ft->snap_file);
	return ft->snap_ret;
}

/* monitor record: on and off kept; QUERY answers it. */
static int ft_record(struct target *t, enum target_rec_op op, uint64_t arg, char *msg,
		     size_t len)
{
	struct fake_target *ft = t->priv;

	(void)arg;
	msg[0] = '\0';
	if (op == TARGET_REC_QUERY)
		return ft->recording ? 1 : 0;
	if (op == TARGET_REC_ON || op == TARGET_REC_OFF)
		ft->recording = op == TARGET_REC_ON;
	snprintf(msg, len, "fake record %d", (int)op);
	return 0;
}

static const struct target_ops fake_ops = {
	.nr_cpus	= ft_nr_cpus,
	.get_regs	= ft_get_regs,
	.set_regs	= ft_set_regs,
	.read_mem	= ft_read_mem,
	.write_mem	= ft_write_mem,
	.translate	= ft_translate,
	.xfeatures	= ft_xfeatures,
	.get_fpu	= ft_get_fpu,
	.set_fpu	= ft_set_fpu,
	.insert_bp	= ft_insert_bp,
	.remove_bp	= ft_remove_bp,
	.resume		= ft_resume,
	.interrupt	= ft_interrupt,
	.event_fd	= ft_event_fd,
	.get_stop	= ft_get_stop,
	.is_running	= ft_is_running,
	.reset		= ft_reset,
	.remove_all_bps	= ft_remove_all_bps,
	.get_msr	= ft_get_msr,
	.set_msr	= ft_set_msr,
	.get_lapic	= ft_get_lapic,
	.get_pic	= ft_get_pic,
	.get_pit	= ft_get_pit,
	.describe_cpu	= ft_describe_cpu,
	.describe	= ft_describe,
	.memory_map	= ft_memory_map,
	.set_option	= ft_set_option,
	.snapshot	= ft_snapshot,
	.record		= ft_record,
};

struct fake_target *fake_target__new(size_t mem_size)
{
	struct fake_target *ft;

	ft = calloc(1, sizeof(*ft));
	if (!ft)
		return NULL;
	ft->mem = calloc(mem_size ? mem_size : 1, 1);
	if (!ft->mem)
		goto err_free_ft;
	ft->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (ft->efd < 0)
		goto err_free_mem;
	ft->mem_size = mem_size;
	ft->nr_cpus = 1;
	ft->hw_slots = 4;
	ft->xfeatures = TARGET_XF_X87 | TARGET_XF_SSE;
	for (int i = 0; i < FAKE_MAX_CPUS; i++) {
		ft->fpu[i].fcw = 0x37f;		/* as after FNINIT */
		ft->fpu[i].ftw = 0xffff;
		ft->fpu[i].mxcsr = 0x1f80;
		ft->fpu[i].mxcsr_mask = 0xffff;
	}
	ft->target.ops = &fake_ops;
	ft->target.priv = ft;
	fake_reset(ft);
	return ft;

err_free_mem:
	free(ft->mem);
err_free_ft:
	free(ft);
	return NULL;
}

void fake_target__free(struct fake_target *ft)
{
	if (!ft)
		return;
	close(ft->efd);
	free(ft->mem);
	free(ft);
}

void fake_target__queue_stop(struct fake_target *ft, const struct target_stop *stop)
{
	/* A test that queues more than it can use is a bug in the test. */
	if (ft->nr_stops >= FAKE_MAX_STOPS) {
		fprintf(stderr, "fake_target: stop queue full (%d)\n", FAKE_MAX_STOPS);
		abort();
	}
	ft->stops[ft->nr_stops++] = *stop;
}
