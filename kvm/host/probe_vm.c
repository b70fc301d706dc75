/*
 * probe_vm.c - the probe's scratch VM: guest memory laid out so that every
 * program ends in an I/O exit, a hlt exit or a shutdown whatever happens
 * (all unused bytes are hlt, every IVT/IDT vector leads to a handler that
 * does "out %al,$0xe1; hlt"; no in-kernel irqchip, so hlt exits), vCPUs
 * put into real, protected or long mode with KVM_SET_SREGS, and KVM_RUN
 * bounded by a per-thread timer as the last resort.
 *
 * The guest memory map is the P_* list below; the page tables identity-map
 * all 64 KiB for long mode and for 32-bit paging.
 */
#include "probe_priv.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ioctl.h"

#define P_MEM		0x10000		/* the whole guest: 64 KiB */
#define P_IVT		0x0000		/* real-mode IVT, 256 x seg:off */
#define P_GDT		0x0800		/* null, code32 (0x08), data (0x10), code64 (0x18) */
#define P_IDT32		0x1000		/* 256 x 8-byte gates */
#define P_IDT64		0x2000		/* 256 x 16-byte gates */
#define P_PML4		0x3000
#define P_PDPT		0x4000
#define P_PD		0x5000
#define P_PT		0x6000
#define P_PD32		0x7000		/* 32-bit (non-PAE) paging */
#define P_PT32		0x8000
/* P_CODE (0x9000, the program) and P_DATA (0xb000): see probe_priv.h */
#define P_HANDLER	0xa000		/* every vector lands here */
#define P_STACK		0xf000

#define PORT_DONE	0xe0		/* the program ran to its end */
#define PORT_VECTOR	0xe1		/* an exception or int3 reached the guest */

#define SEL_CODE32	0x08
#define SEL_DATA	0x10
#define SEL_CODE64	0x18

#define RUN_TIMEOUT_NS	(100 * 1000 * 1000)	/* per KVM_RUN; normal runs take microseconds */

#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid
#endif

/*
 * The programs: nop; nop; mov %al,(P_DATA); nop; out %al,$PORT_DONE; hlt.
 * The hardware breakpoint goes on the second nop, the watchpoint on
 * P_DATA, and the int3 case replaces the last nop ("slot") with 0xcc.
 */
static const uint8_t code16[] = {
	0x90, 0x90, 0xa2, 0x00, 0xb0, 0x90, 0xe6, PORT_DONE, 0xf4,
};
static const uint8_t code32[] = {
	0x90, 0x90, 0xa2, 0x00, 0xb0, 0x00, 0x00, 0x90, 0xe6, PORT_DONE, 0xf4,
};
static const uint8_t code64[] = {	/* mov %al,0xb000 is 88 04 25 disp32 here */
	0x90, 0x90, 0x88, 0x04, 0x25, 0x00, 0xb0, 0x00, 0x00, 0x90, 0xe6, PORT_DONE, 0xf4,
};
/* Same bytes in 16, 32 and 64-bit code: out %al,$PORT_VECTOR; hlt. */
static const uint8_t handler[] = { 0xe6, PORT_VECTOR, 0xf4 };

struct prog {
	const uint8_t *code;
	size_t len;
};

static const struct prog progs[PROBE_NR_MODES] = {
	[PROBE_REAL]		= { code16, sizeof(code16) },
	[PROBE_PROTECTED]	= { code32, sizeof(code32) },
	[PROBE_LONG]		= { code64, sizeof(code64) },
};

int probe_vm__fail(struct probe *p, const char *name, int ret)
{
	kvm__ioctl_error(p->err, p->errlen, name, ret);
	return ret;
}

/* A no-op: its only job is to make KVM_RUN return -EINTR. */
static void on_timer(int sig)
{
	(void)sig;
}

static void timer_arm(struct probe *p, long ns)
{
	struct itimerspec its = { .it_value = { .tv_sec = 0, .tv_nsec = ns } };

	if (p->have_timer)
		timer_settime(p->timer, 0, &its, NULL);
}

/* ---- guest memory ---- */

static void put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, sizeof(v));
}

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, sizeof(v));
}

static void gate32(uint8_t *g, uint16_t sel, uint32_t off)
{
	/* offset 15:0, selector, 0, P=1 DPL=0 32-bit interrupt gate, offset 31:16 */
	put64(g, (off & 0xffffull) | (uint64_t)sel << 16 | 0x8eull << 40 |
		 (uint64_t)(off >> 16) << 48);
}

static void build_memory(uint8_t *mem)
{
	int i;

	memset(mem, 0, P_CODE);
	memset(mem + P_CODE, 0xf4, P_MEM - P_CODE);
	memcpy(mem + P_HANDLER, handler, sizeof(handler));

	for (i = 0; i < 256; i++) {
		put16(mem + P_IVT + 4 * i, P_HANDLER);		/* offset */
		put16(mem + P_IVT + 4 * i + 2, 0);		/* segment */
		gate32(mem + P_IDT32 + 8 * i, SEL_CODE32, P_HANDLER);
		gate32(mem + P_IDT64 + 16 * i, SEL_CODE64, P_HANDLER);	/* upper 8 bytes: 0 */
	}
	put64(mem + P_GDT + 0x08, 0x00cf9b000000ffffull);	/* code32, 4 GiB */
	put64(mem + P_GDT + 0x10, 0x00cf93000000ffffull);	/* data, 4 GiB */
	put64(mem + P_GDT + 0x18, 0x00af9b000000ffffull);	/* code64 */

	put64(mem + P_PML4, P_PDPT | 3);
	put64(mem + P_PDPT, P_PD | 3);
	put64(mem + P_PD, P_PT | 3);
	for (i = 0; i < P_MEM / 4096; i++)
		put64(mem + P_PT + 8 * i, (uint64_t)i << 12 | 3);
	put64(mem + P_PD32, P_PT32 | 3);	/* only the low 4 bytes count */
	for (i = 0; i < P_MEM / 4096; i++) {
		uint32_t pte = (uint32_t)i << 12 | 3;

		memcpy(mem + P_PT32 + 4 * i, &pte, sizeof(pte));
	}
}

void probe_vm__load(struct probe *p, enum probe_mode m, bool int3)
{
	const struct prog *pg = &progs[m];

	memset(p->mem + P_CODE, 0xf4, 0x100);
	memcpy(p->mem + P_CODE, pg->code, pg->len);
	if (int3)
		p->mem[P_CODE + pg->len - 4] = 0xcc;	/* the nop before the out */
}

uint64_t probe_vm__int3_addr(enum probe_mode m)
{
	return P_CODE + progs[m].len - 4;
}

/* ---- vCPU state ---- */

static void seg_flat(struct kvm_segment *s, uint16_t sel, bool code, bool l)
{
	memset(s, 0, sizeof(*s));
	s->limit = 0xffffffff;
	s->selector = sel;
	s->type = code ? 11 : 3;	/* exec/read, accessed : read/write, accessed */
	s->present = 1;
	s->s = 1;
	s->g = 1;
	s->db = code && l ? 0 : 1;
	s->l = l;
}

int probe_vm__set_mode(struct probe *p, struct vcpu *v, enum pmode pm)
{
	struct kvm_sregs s;
	struct kvm_regs r;
	int ret;

	ret = KVM_IOCTL(v->fd, KVM_GET_SREGS, &s);
	if (ret < 0)
		return probe_vm__fail(p, "KVM_GET_SREGS", ret);
	if (pm == PM_REAL) {
		s.cs.selector = 0;
		s.cs.base = 0;
		s.idt.base = P_IVT;
		s.idt.limit = 0x3ff;
	} else {
		seg_flat(&s.cs, pm == PM_LONG ? SEL_CODE64 : SEL_CODE32, true, pm == PM_LONG);
		seg_flat(&s.ds, SEL_DATA, false, false);
		s.es = s.fs = s.gs = s.ss = s.ds;
		s.gdt.base = P_GDT;
		s.gdt.limit = 0x1f;
		s.idt.base = pm == PM_LONG ? P_IDT64 : P_IDT32;
		s.idt.limit = pm == PM_LONG ? 0xfff : 0x7ff;
		s.cr0 = 0x11;				/* PE ET */
		s.cr4 = 0;
		s.efer = 0;
		if (pm == PM_LONG) {
			s.cr3 = P_PML4;
			s.cr4 = 0x20;			/* PAE */
			s.efer = 0x500;			/* LME LMA */
			s.cr0 |= 0x80000000u;		/* PG */
		} else if (pm == PM_PAGING32) {
			s.cr3 = P_PD32;
			s.cr0 |= 0x80000000u;
		}
	}
	ret = KVM_IOCTL(v->fd, KVM_SET_SREGS, &s);
	if (ret < 0)
		return probe_vm__fail(p, "KVM_SET_SREGS", ret);

	memset(&r, 0, sizeof(r));
	r.rip = P_CODE;
	r.rsp = P_STACK;
	r.rflags = 2;
	ret = KVM_IOCTL(v->fd, KVM_SET_REGS, &r);
	if (ret < 0)
		return probe_vm__fail(p, "KVM_SET_REGS", ret);
	return 0;
}

int probe_vm__set_debug(struct vcpu *v, uint32_t control, uint64_t dr0, uint64_t dr7)
{
	struct kvm_guest_debug d;

	memset(&d, 0, sizeof(d));
	d.control = control;
	d.arch.debugreg[0] = dr0;
	d.arch.debugreg[7] = dr7;
	return KVM_IOCTL(v->fd, KVM_SET_GUEST_DEBUG, &d);
}

void probe_vm__vcpu_close(struct probe *p, struct vcpu *v)
{
	if (v->run && v->run != MAP_FAILED)
		munmap(v->run, p->run_size);
	if (v->fd >= 0)
		close(v->fd);
	v->fd = -1;
	v->run = NULL;
}

int probe_vm__vcpu_open(struct probe *p, struct vcpu *v, enum pmode pm)
{
	int ret;

	v->fd = -1;
	v->run = NULL;
	/* vCPU ids are never reused in a VM; stop well before the limit. */
	if (p->next_vcpu_id >= p->max_vcpu_id)
		return probe_vm__fail(p, "KVM_CREATE_VCPU", -ENOSPC);
	ret = KVM_IOCTL(p->vm_fd, KVM_CREATE_VCPU, p->next_vcpu_id++);
	if (ret < 0)
		return probe_vm__fail(p, "KVM_CREATE_VCPU", ret);
	v->fd = ret;
	v->run = mmap(NULL, p->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED) {
		ret = -errno;
		v->run = NULL;
		probe_vm__fail(p, "mmap of the vCPU run area", ret);
		goto err;
	}
	/* Without a CPUID, a VT-x/SVM host may refuse EFER.LME or CR4.PAE. */
	ret = KVM_IOCTL(v->fd, KVM_SET_CPUID2, p->cpuid);
	if (ret < 0) {
		probe_vm__fail(p, "KVM_SET_CPUID2", ret);
		goto err;
	}
	ret = probe_vm__set_mode(p, v, pm);
	if (ret < 0)
		goto err;
	return 0;
err:
	probe_vm__vcpu_close(p, v);
	return ret;
}

int probe_vm__run(struct probe *p, struct vcpu *v, struct result *res)
{
	struct kvm_run *run = v->run;
	struct kvm_regs r;
	int ret;

	memset(res, 0, sizeof(*res));
	timer_arm(p, RUN_TIMEOUT_NS);
	ret = KVM_IOCTL(v->fd, KVM_RUN, 0);
	timer_arm(p, 0);
	if (ret == -EINTR) {
		res->what = OUT_TIMEOUT;
		return 0;
	}
	if (ret < 0)
		return probe_vm__fail(p, "KVM_RUN", ret);

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		if (run->io.direction == KVM_EXIT_IO_OUT && run->io.port == PORT_DONE)
			res->what = OUT_DONE;
		else if (run->io.direction == KVM_EXIT_IO_OUT && run->io.port == PORT_VECTOR)
			res->what = OUT_VECTOR;
		else
			res->what = OUT_OTHER;
		break;
	case KVM_EXIT_DEBUG:
		res->what = OUT_DEBUG;
		res->exception = run->debug.arch.exception;
		res->pc = run->debug.arch.pc;
		res->dr6 = run->debug.arch.dr6;
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		res->what = OUT_INTERNAL;
		if (KVM_IOCTL(v->fd, KVM_GET_REGS, &r) == 0)
			res->rip = r.rip;
		else
			res->rip = UINT64_MAX;
		break;
	case KVM_EXIT_SHUTDOWN:
		res->what = OUT_SHUTDOWN;
		break;
	default:
		res->what = OUT_OTHER;	/* hlt, fail entry, ... */
		break;
	}
	return 0;
}

static int get_cpuid(struct probe *p)
{
	unsigned int nent = 128;
	int ret;

	for (;;) {
		p->cpuid = calloc(1, sizeof(*p->cpuid) + nent * sizeof(p->cpuid->entries[0]));
		if (!p->cpuid)
			return probe_vm__fail(p, "KVM_GET_SUPPORTED_CPUID", -ENOMEM);
		p->cpuid->nent = nent;
		ret = KVM_IOCTL(p->kvm_fd, KVM_GET_SUPPORTED_CPUID, p->cpuid);
		if (ret == -E2BIG && nent < 4096) {
			free(p->cpuid);
			p->cpuid = NULL;
			nent *= 4;
			continue;
		}
		if (ret < 0)
			return probe_vm__fail(p, "KVM_GET_SUPPORTED_CPUID", ret);
		return 0;
	}
}

int probe_vm__setup(struct probe *p)
{
	struct kvm_userspace_memory_region region;
	struct sigaction sa;
	struct sigevent sev;
	sigset_t alrm;
	int ret;

	/* No SA_RESTART: the signal must end KVM_RUN with -EINTR. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_timer;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, &p->old_sa);
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	pthread_sigmask(SIG_UNBLOCK, &alrm, &p->old_mask);

	ret = KVM_IOCTL(p->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (ret < 0)
		return probe_vm__fail(p, "KVM_GET_VCPU_MMAP_SIZE", ret);
	p->run_size = (size_t)ret;
	ret = get_cpuid(p);
	if (ret < 0)
		return ret;

	p->mem = mmap(NULL, P_MEM, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p->mem == MAP_FAILED) {
		p->mem = NULL;
		return probe_vm__fail(p, "mmap of the probe's guest memory", -errno);
	}
	build_memory(p->mem);

	ret = KVM_IOCTL(p->kvm_fd, KVM_CREATE_VM, 0);
	if (ret < 0)
		return probe_vm__fail(p, "KVM_CREATE_VM", ret);
	p->vm_fd = ret;
	memset(&region, 0, sizeof(region));
	region.memory_size = P_MEM;
	region.userspace_addr = (uintptr_t)p->mem;
	ret = KVM_IOCTL(p->vm_fd, KVM_SET_USER_MEMORY_REGION, &region);
	if (ret < 0)
		return probe_vm__fail(p, "KVM_SET_USER_MEMORY_REGION", ret);

	/* The watchdog: SIGALRM to this thread only (see on_timer). */
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = SIGALRM;
	sev.sigev_notify_thread_id = gettid();
	p->have_timer = timer_create(CLOCK_MONOTONIC, &sev, &p->timer) == 0;
	return 0;
}

void probe_vm__teardown(struct probe *p)
{
	if (p->have_timer)
		timer_delete(p->timer);
	if (p->vm_fd >= 0)
		close(p->vm_fd);
	if (p->mem)
		munmap(p->mem, P_MEM);
	free(p->cpuid);
	pthread_sigmask(SIG_SETMASK, &p->old_mask, NULL);
	sigaction(SIGALRM, &p->old_sa, NULL);
}
