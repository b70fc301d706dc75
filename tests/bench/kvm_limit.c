/*
 * kvm_limit.c - what KVM itself allows on this machine, with no protocol:
 * the benchmark's yardstick (make bench).
 *
 * A measuring tool, not part of the daemon: it sets up a bare machine the
 * way kvmstub does (RAM at 0, the image as firmware ending at 4 GiB with
 * its last 128 KiB also below 1 MiB, the vCPU at the reset vector
 * f000:fff0) and drives /dev/kvm in-process with its own ioctl() calls,
 * so that every figure of the benchmark can be read as a fraction of what
 * the machine can do.
 *
 *   kvm_limit [--start ADDR] step N IMAGE       N single-step exits
 *   kvm_limit [--start ADDR] step-regs N IMAGE  ... each followed by
 *                                               KVM_GET_REGS + KVM_GET_SREGS
 *   kvm_limit run IMAGE                         run to the guest's exit
 *                                               (port 0xf4) without debugging
 *   kvm_limit run-dr ADDR IMAGE                 the same with an execute
 *                                               breakpoint armed in DR0 at
 *                                               ADDR, to the exit or to ADDR
 *   kvm_limit --start ADDR bp-over N IMAGE      N hits of a DR0 breakpoint
 *                                               at ADDR (a loop), each
 *                                               stepped over: what a false
 *                                               condition costs at least
 *   kvm_limit [--start ADDR] kick N IMAGE       N kicks of the running
 *                                               vCPU as kvmstub kicks it
 *                                               (immediate_exit, SIGUSR1
 *                                               from another thread): the
 *                                               time until KVM_RUN returns
 *
 * --start ADDR first runs to linear ADDR (a debug register breakpoint, not
 * counted), e.g. to step in protected mode.  Output is one line:
 *   step: 20000 exits in 0.1321 s: 151400 exits/s
 *   run: exit status 0 after 3.1042 s, 3.0990 s CPU (12 exits)
 *   run-dr: reached 0xf0053 after 3.1042 s, 3.0990 s CPU (12 exits)
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <linux/kvm.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define RAM_SIZE	(16ull << 20)
#define FW_SIZE		(128ull << 10)		/* the window, like kvmstub's smallest */
#define FW_TOP		0x100000000ull
#define ALIAS_BASE	0xE0000ull		/* the last 128 KiB below 1 MiB */
#define EXIT_PORT	0xF4
#define COM1_LSR	0x3FD
#define DR7_FIXED	0x400ull

struct box {
	int kvm, vm, cpu;
	struct kvm_run *run;
	uint8_t *ram, *fw;
	uint64_t exits;
	bool exited;
	int status;
};

static int fail(const char *what)
{
	fprintf(stderr, "kvm_limit: %s: %s\n", what, strerror(errno));
	return -1;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int add_slot(struct box *b, uint32_t slot, uint64_t gpa, uint64_t size, void *host)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot, .guest_phys_addr = gpa, .memory_size = size,
		.userspace_addr = (uint64_t)(uintptr_t)host,
	};

	return ioctl(b->vm, KVM_SET_USER_MEMORY_REGION, &r) < 0 ? fail("KVM_SET_USER_MEMORY_REGION")
								 : 0;
}

static int load_image(struct box *b, const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = malloc(FW_SIZE + 1);
	size_t n;

	if (!f || !buf) {
		free(buf);
		if (f)
			fclose(f);
		return fail(path);
	}
	n = fread(buf, 1, FW_SIZE + 1, f);
	fclose(f);
	if (n == 0 || n > FW_SIZE) {
		free(buf);
		fprintf(stderr, "kvm_limit: %s: empty or larger than %llu KiB\n", path,
			(unsigned long long)(FW_SIZE >> 10));
		return -1;
	}
	/* The image ends at the top of the window, as firmware does. */
	memcpy(b->fw + FW_SIZE - n, buf, n);
	free(buf);
	return 0;
}

/* Real mode at the legacy reset vector: CS f000 (base f0000), IP fff0. */
static int reset_cpu(struct box *b)
{
	struct kvm_sregs s;
	struct kvm_regs r;

	if (ioctl(b->cpu, KVM_GET_SREGS, &s) < 0)
		return fail("KVM_GET_SREGS");
	s.cs.selector = 0xF000;
	s.cs.base = 0xF0000;
	if (ioctl(b->cpu, KVM_SET_SREGS, &s) < 0)
		return fail("KVM_SET_SREGS");
	memset(&r, 0, sizeof(r));
	r.rip = 0xFFF0;
	r.rflags = 2;
	r.rdx = 0x600;
	if (ioctl(b->cpu, KVM_SET_REGS, &r) < 0)
		return fail("KVM_SET_REGS");
	return 0;
}

static int set_cpuid(struct box *b)
{
	int nent = 256;
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + nent * sizeof(c->entries[0]));
	int r;

	if (!c)
		return -1;
	c->nent = (uint32_t)nent;
	r = ioctl(b->kvm, KVM_GET_SUPPORTED_CPUID, c);
	if (r == 0)
		r = ioctl(b->cpu, KVM_SET_CPUID2, c);
	free(c);
	return r < 0 ? fail("KVM_SET_CPUID2") : 0;
}

static int setup(struct box *b, const char *image)
{
	int mmap_size;

	memset(b, 0, sizeof(*b));
	b->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (b->kvm < 0)
		return fail("/dev/kvm");
	b->vm = ioctl(b->kvm, KVM_CREATE_VM, 0);
	if (b->vm < 0)
		return fail("KVM_CREATE_VM");
	if (ioctl(b->vm, KVM_SET_TSS_ADDR, 0xfffbd000ul) < 0)
		return fail("KVM_SET_TSS_ADDR");
	b->ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	b->fw = mmap(NULL, FW_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (b->ram == MAP_FAILED || b->fw == MAP_FAILED)
		return fail("mmap");
	if (load_image(b, image) < 0)
		return -1;
	if (add_slot(b, 0, 0, ALIAS_BASE, b->ram) < 0 ||
	    add_slot(b, 1, ALIAS_BASE, FW_SIZE, b->fw) < 0 ||
	    add_slot(b, 2, ALIAS_BASE + FW_SIZE, RAM_SIZE - ALIAS_BASE - FW_SIZE,
		     b->ram + ALIAS_BASE + FW_SIZE) < 0 ||
	    add_slot(b, 3, FW_TOP - FW_SIZE, FW_SIZE, b->fw) < 0)
		return -1;
	b->cpu = ioctl(b->vm, KVM_CREATE_VCPU, 0);
	if (b->cpu < 0)
		return fail("KVM_CREATE_VCPU");
	mmap_size = ioctl(b->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (mmap_size <= 0)
		return fail("KVM_GET_VCPU_MMAP_SIZE");
	b->run = mmap(NULL, (size_t)mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, b->cpu, 0);
	if (b->run == MAP_FAILED)
		return fail("mmap kvm_run");
	if (set_cpuid(b) < 0)
		return -1;
	return reset_cpu(b);
}

static int set_debug(struct box *b, uint32_t control, uint64_t dr0)
{
	struct kvm_guest_debug d;

	memset(&d, 0, sizeof(d));
	d.control = control;
	if (control & KVM_GUESTDBG_USE_HW_BP) {
		d.arch.debugreg[0] = dr0;
		d.arch.debugreg[7] = DR7_FIXED | 1;	/* L0, execute, 1 byte */
	}
	return ioctl(b->cpu, KVM_SET_GUEST_DEBUG, &d) < 0 ? fail("KVM_SET_GUEST_DEBUG") : 0;
}

/* Port I/O as kvmstub serves it: the UART always ready, 0xf4 ends the guest. */
static void port_io(struct box *b)
{
	struct kvm_run *r = b->run;
	uint8_t *data = (uint8_t *)r + r->io.data_offset;

	if (r->io.direction == KVM_EXIT_IO_IN) {
		memset(data, r->io.port == COM1_LSR ? 0x60 : 0xFF, r->io.size * r->io.count);
		return;
	}
	if (r->io.port == EXIT_PORT) {
		b->exited = true;
		b->status = data[0];
	}
}

/* One KVM_RUN with I/O served in place; the exit reason that stops, or -1. */
static int run_once(struct box *b)
{
	for (;;) {
		if (ioctl(b->cpu, KVM_RUN, 0) < 0) {
			if (errno == EINTR)
				continue;
			return fail("KVM_RUN");
		}
		b->exits++;
		if (b->run->exit_reason == KVM_EXIT_IO) {
			port_io(b);
			if (b->exited)
				return KVM_EXIT_IO;
			continue;
		}
		if (b->run->exit_reason == KVM_EXIT_MMIO)
			continue;		/* reads of nothing, writes dropped */
		return (int)b->run->exit_reason;
	}
}

static int run_to(struct box *b, uint64_t addr)
{
	int r;

	if (set_debug(b, KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_HW_BP, addr) < 0)
		return -1;
	r = run_once(b);
	if (r != KVM_EXIT_DEBUG || b->run->debug.arch.pc != addr) {
		fprintf(stderr, "kvm_limit: did not reach 0x%llx (exit %d)\n",
			(unsigned long long)addr, r);
		return -1;
	}
	return 0;
}

static int do_step(struct box *b, long n, bool regs)
{
	struct kvm_regs kr;
	struct kvm_sregs ks;
	double t0, t;

	if (set_debug(b, KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP, 0) < 0)
		return 1;
	t0 = now();
	for (long i = 0; i < n; i++) {
		int r = run_once(b);

		if (r != KVM_EXIT_DEBUG) {
			fprintf(stderr, "kvm_limit: step %ld: exit reason %d, not a debug exit\n",
				i, r);
			return 1;
		}
		if (regs && (ioctl(b->cpu, KVM_GET_REGS, &kr) < 0 ||
			     ioctl(b->cpu, KVM_GET_SREGS, &ks) < 0)) {
			fail("KVM_GET_REGS/SREGS");
			return 1;
		}
	}
	t = now() - t0;
	printf("%s: %ld exits in %.4f s: %.0f exits/s\n", regs ? "step-regs" : "step", n, t,
	       (double)n / t);
	return 0;
}

/* A debug register breakpoint at addr (the pc now), hit n times and each
 * time stepped over with the breakpoint left out: what kvmstub does for a
 * false condition, without reading a register. */
static int do_bp_over(struct box *b, long n, uint64_t addr)
{
	double t0, t;

	t0 = now();
	for (long i = 0; i < n; i++) {
		if (set_debug(b, KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP, 0) < 0 ||
		    run_once(b) != KVM_EXIT_DEBUG)
			return 1;
		if (run_to(b, addr) < 0)
			return 1;
	}
	t = now() - t0;
	printf("bp-over: %ld hits in %.4f s: %.0f hits/s\n", n, t, (double)n / t);
	return 0;
}

static double cpu_time(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static int do_run(struct box *b, bool dr, uint64_t addr)
{
	double t0, t, c0, c;
	int r;

	if (dr && set_debug(b, KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_HW_BP, addr) < 0)
		return 1;
	c0 = cpu_time();
	t0 = now();
	r = run_once(b);
	t = now() - t0;
	c = cpu_time() - c0;
	if (dr && r == KVM_EXIT_DEBUG && b->run->debug.arch.pc == addr) {
		printf("run-dr: reached 0x%llx after %.4f s, %.4f s CPU (%llu exits)\n",
		       (unsigned long long)addr, t, c, (unsigned long long)b->exits);
		return 0;
	}
	if (!b->exited) {
		fprintf(stderr, "kvm_limit: the guest stopped with exit reason %d, not at port 0x%x\n",
			r, EXIT_PORT);
		return 1;
	}
	printf("%s: exit status %d after %.4f s, %.4f s CPU (%llu exits)\n",
	       dr ? "run-dr" : "run", b->status, t, c, (unsigned long long)b->exits);
	return 0;
}

/* The kicker: a few ms apart, the kick kvmstub gives (allstop__interrupt,
 * vcpu__kick): immediate_exit, then the signal to the vCPU's thread. */
struct kicker {
	struct box *b;
	pthread_t vcpu_thread;
	long n;
	double *sent;
	long sent_n;			/* kicks sent so far */
	long done;			/* ... and seen by the vCPU thread */
};

static void on_usr1(int sig)
{
	(void)sig;
}

static void *kick_thread(void *arg)
{
	struct kicker *k = arg;

	for (long i = 0; i < k->n; i++) {
		struct timespec ts = { 0, (2 + i % 3) * 1000000L };

		nanosleep(&ts, NULL);
		while (__atomic_load_n(&k->done, __ATOMIC_ACQUIRE) < i)
			nanosleep(&(struct timespec){ 0, 100000 }, NULL);
		k->sent[i] = now();
		__atomic_store_n(&k->sent_n, i + 1, __ATOMIC_RELEASE);
		k->b->run->immediate_exit = 1;
		pthread_kill(k->vcpu_thread, SIGUSR1);
	}
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int do_kick(struct box *b, long n)
{
	struct kicker k = { .b = b, .vcpu_thread = pthread_self(), .n = n };
	struct sigaction sa;
	double *lat = calloc((size_t)n, sizeof(double));
	pthread_t t;
	long slow = 0;

	k.sent = calloc((size_t)n, sizeof(double));
	if (!lat || !k.sent)
		return fail("calloc");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	if (pthread_create(&t, NULL, kick_thread, &k))
		return fail("pthread_create");
	for (long i = 0; i < n; i++) {
		int r;

		/* KVM_RUN until it returns for this kick (an exit, or an EINTR
		 * from before it was sent, goes on). */
		for (;;) {
			r = ioctl(b->cpu, KVM_RUN, 0);
			if (r == 0 && b->run->exit_reason == KVM_EXIT_IO)
				port_io(b);
			if (r < 0 && errno == EINTR &&
			    __atomic_load_n(&k.sent_n, __ATOMIC_ACQUIRE) > i)
				break;
		}
		lat[i] = (now() - k.sent[i]) * 1e6;
		b->run->immediate_exit = 0;
		__atomic_store_n(&k.done, i + 1, __ATOMIC_RELEASE);
	}
	pthread_join(t, NULL);
	for (long i = 0; i < n; i++)
		slow += lat[i] > 2000;
	qsort(lat, (size_t)n, sizeof(double), cmp_double);
	printf("kick: %ld kicks, until KVM_RUN returned: min %.0f us, median %.0f us, max %.0f us, "
	       "%ld over 2 ms\n", n, lat[0], lat[n / 2], lat[n - 1], slow);
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: kvm_limit [--start ADDR] step|step-regs N IMAGE\n"
			"       kvm_limit --start ADDR bp-over N IMAGE\n"
			"       kvm_limit run IMAGE\n"
			"       kvm_limit run-dr ADDR IMAGE\n"
			"       kvm_limit [--start ADDR] kick N IMAGE\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct box b;
	uint64_t start = 0, addr = 0;
	bool have_start = false;
	const char *mode;
	long n = 0;
	int i = 1;

	if (argc > 2 && !strcmp(argv[1], "--start")) {
		start = strtoull(argv[2], NULL, 0);
		have_start = true;
		i = 3;
	}
	if (i >= argc)
		return usage();
	mode = argv[i++];
	if (!strcmp(mode, "step") || !strcmp(mode, "step-regs") || !strcmp(mode, "run-dr") ||
	    !strcmp(mode, "bp-over") || !strcmp(mode, "kick")) {
		if (i + 2 != argc)
			return usage();
		if (!strcmp(mode, "run-dr"))
			addr = strtoull(argv[i], NULL, 0);
		else
			n = strtol(argv[i], NULL, 0);
		i++;
	} else if (strcmp(mode, "run") || i + 1 != argc) {
		return usage();
	}
	if (setup(&b, argv[i]) < 0)
		return 1;
	if (have_start && run_to(&b, start) < 0)
		return 1;
	if (!strcmp(mode, "run"))
		return do_run(&b, false, 0);
	if (!strcmp(mode, "run-dr"))
		return do_run(&b, true, addr);
	if (n <= 0)
		return usage();
	if (!strcmp(mode, "bp-over"))
		return have_start ? do_bp_over(&b, n, start) : usage();
	if (!strcmp(mode, "kick"))
		return do_kick(&b, n);
	return do_step(&b, n, !strcmp(mode, "step-regs"));
}
