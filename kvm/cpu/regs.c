/*
 * regs.c - a vCPU's registers (cpu.h): its fd and kvm_run area, KVM's
 * kvm_regs/kvm_sregs through the per-stop cache and kvm_run's synced
 * copy, to and from struct target_regs, and the power-on state.  The
 * x87/SSE/AVX image of fpu.c is cached and dropped with them.
 */
#include "cpu.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../host/ioctl.h"

#define RESET_CR0		0x60000010ull	/* CD, NW, ET: as after RESET */
#define RESET_RFLAGS		0x2ull
#define RESET_EDX		0x600		/* family 6: a P6-class CPU */

static void cache_forget(struct cpu *c)
{
	c->regs_cached = false;
	c->sregs_cached = false;
	c->xs.cached = false;		/* the x87/SSE/AVX image (fpu.c) */
}

/* A write: neither the cache nor kvm_run's copy of the last exit holds. */
void cpu__cache_drop(struct cpu *c)
{
	cache_forget(c);
	c->sync_fresh = false;
}

void cpu__cache_off(struct cpu *c)
{
	cache_forget(c);
	c->cache_off = true;
}

void cpu__cache_on(struct cpu *c)
{
	cache_forget(c);
	c->cache_off = false;
}

/*
 * KVM_CAP_SYNC_REGS: KVM copies the registers into kvm_run at every exit,
 * so the registers of a stop cost no ioctl at all (two fewer per false
 * conditional hit, per stepi, per step of a range).  Only the copy of a
 * debug exit is used (run_loop.c sets sync_fresh): after other exits the
 * thread may run KVM again (I/O completion) before it parks.
 */
static void sync_init(struct cpu *c, int kvm_fd)
{
	const uint64_t want = KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS;
	int r = KVM_IOCTL(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_SYNC_REGS);

	c->sync_regs = r > 0 && ((uint64_t)r & want) == want;
	c->sync_events = c->sync_regs && ((uint64_t)r & KVM_SYNC_X86_EVENTS);
	c->sync_fresh = false;
	if (c->sync_regs)
		c->run->kvm_valid_regs = want | (c->sync_events ? KVM_SYNC_X86_EVENTS : 0);
}

int cpu__open(struct cpu *c, int kvm_fd, int vm_fd, int id, size_t run_size,
	      char *err, size_t errlen)
{
	int r;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	r = KVM_IOCTL(vm_fd, KVM_CREATE_VCPU, id);
	if (r < 0) {
		kvm__ioctl_error(err, errlen, "KVM_CREATE_VCPU", r);
		return r;
	}
	c->fd = r;
	c->run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, c->fd, 0);
	if (c->run == MAP_FAILED) {
		r = -errno;
		c->run = NULL;
		snprintf(err, errlen, "cannot map the vCPU's kvm_run area: %s", strerror(-r));
		return r;
	}
	c->run_size = run_size;
	sync_init(c, kvm_fd);
	r = cpu__fpu_open(c, kvm_fd, vm_fd);
	if (r < 0)
		snprintf(err, errlen, "cannot allocate the vCPU's XSAVE image: %s", strerror(-r));
	return r;
}

void cpu__close(struct cpu *c)
{
	cpu__fpu_close(c);
	if (c->run)
		munmap(c->run, c->run_size);
	c->run = NULL;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

int cpu__regs(struct cpu *c, struct kvm_regs *r)
{
	int ret;

	if (c->regs_cached) {
		*r = c->regs_cache;
		return 0;
	}
	if (c->sync_fresh) {
		*r = c->run->s.regs.regs;
		ret = 0;
	} else {
		ret = KVM_IOCTL(c->fd, KVM_GET_REGS, r);
	}
	if (ret == 0 && !c->cache_off) {
		c->regs_cache = *r;
		c->regs_cached = true;
	}
	return ret;
}

int cpu__sregs(struct cpu *c, struct kvm_sregs *s)
{
	int ret;

	if (c->sregs_cached) {
		*s = c->sregs_cache;
		return 0;
	}
	if (c->sync_fresh) {
		*s = c->run->s.regs.sregs;
		ret = 0;
	} else {
		ret = KVM_IOCTL(c->fd, KVM_GET_SREGS, s);
	}
	if (ret == 0 && !c->cache_off) {
		c->sregs_cache = *s;
		c->sregs_cached = true;
	}
	return ret;
}

int cpu__set_kregs(struct cpu *c, const struct kvm_regs *r)
{
	cpu__cache_drop(c);
	return KVM_IOCTL(c->fd, KVM_SET_REGS, r);
}

/* Through kvm_run's copy when it is this exit's (KVM loads a dirty copy
 * at the next KVM_RUN: no ioctl), else KVM_GET_REGS and KVM_SET_REGS. */
int cpu__set_rf(struct cpu *c)
{
	struct kvm_regs r;
	int ret;

	cache_forget(c);
	if (c->sync_fresh) {
		c->run->s.regs.regs.rflags |= X86_RFLAGS_RF;
		c->run->kvm_dirty_regs |= KVM_SYNC_X86_REGS;
		return 0;
	}
	ret = KVM_IOCTL(c->fd, KVM_GET_REGS, &r);
	if (ret < 0)
		return ret;
	r.rflags |= X86_RFLAGS_RF;
	return KVM_IOCTL(c->fd, KVM_SET_REGS, &r);
}

static void real_seg(struct kvm_segment *s, uint16_t selector, uint64_t base, bool code)
{
	s->selector = selector;
	s->base = base;
	s->limit = 0xFFFF;
	s->type = code ? 0xB : 0x3;	/* execute/read accessed, read/write accessed */
	s->present = 1;
	s->dpl = 0;
	s->db = 0;
	s->s = 1;
	s->l = 0;
	s->g = 0;
	s->avl = 0;
	s->unusable = 0;
}

/* A flat 32-bit segment: base 0, limit 4 GiB, as the GDT descriptor
 * 0x00cf9a000000ffff (code) or 0x00cf92000000ffff (data) loads it. */
static void flat_seg(struct kvm_segment *s, uint16_t selector, bool code)
{
	real_seg(s, selector, 0, code);
	s->limit = 0xFFFFFFFF;
	s->db = 1;
	s->g = 1;
}

/* A boot loader's hand-over: paging off, CR0.PE, flat segments. */
static void pm32_sregs(struct kvm_sregs *s, const struct cpu_entry *e)
{
	flat_seg(&s->cs, e->cs_sel, true);
	flat_seg(&s->ds, e->ds_sel, false);
	flat_seg(&s->es, e->ds_sel, false);
	flat_seg(&s->fs, e->ds_sel, false);
	flat_seg(&s->gs, e->ds_sel, false);
	flat_seg(&s->ss, e->ds_sel, false);
	s->gdt.base = e->gdt_base;
	s->gdt.limit = e->gdt_limit;
	s->idt.base = 0;
	s->idt.limit = 0;		/* the kernel sets up its own */
	s->cr0 = 0x11;			/* PE, ET */
}

int cpu__reset(struct cpu *c, const struct kvm_sregs *defaults, const struct cpu_entry *e,
	       char *err, size_t errlen)
{
	struct kvm_sregs s = *defaults;
	struct kvm_regs regs;
	int r;

	real_seg(&s.cs, e->cs_sel, e->cs_base, true);
	real_seg(&s.ds, 0, 0, false);
	real_seg(&s.es, 0, 0, false);
	real_seg(&s.fs, 0, 0, false);
	real_seg(&s.gs, 0, 0, false);
	real_seg(&s.ss, 0, 0, false);
	s.tr.selector = 0;
	s.tr.base = 0;
	s.tr.limit = 0xFFFF;
	s.tr.type = 0xB;		/* busy 32-bit TSS, as KVM and VMX want */
	s.tr.present = 1;
	s.tr.s = 0;
	s.ldt.selector = 0;
	s.ldt.base = 0;
	s.ldt.limit = 0xFFFF;
	s.ldt.type = 0x2;
	s.ldt.present = 1;
	s.ldt.s = 0;
	s.gdt.base = 0;
	s.gdt.limit = 0xFFFF;
	s.idt.base = 0;
	s.idt.limit = 0xFFFF;
	s.cr0 = RESET_CR0;
	s.cr2 = s.cr3 = s.cr4 = 0;
	s.cr8 = 0;
	s.efer = 0;
	memset(s.interrupt_bitmap, 0, sizeof(s.interrupt_bitmap));
	if (e->pm32)
		pm32_sregs(&s, e);

	cpu__cache_drop(c);
	c->guest_tf = false;
	r = KVM_IOCTL(c->fd, KVM_SET_SREGS, &s);
	if (r < 0) {
		/* Some hosts refuse CD/NW set; a cleared cache-disable is harmless. */
		s.cr0 &= ~0x60000000ull;
		r = KVM_IOCTL(c->fd, KVM_SET_SREGS, &s);
	}
	if (r < 0) {
		kvm__ioctl_error(err, errlen, "KVM_SET_SREGS", r);
		return r;
	}
	memset(&regs, 0, sizeof(regs));
	regs.rip = e->ip;
	regs.rflags = RESET_RFLAGS;
	regs.rdx = RESET_EDX;
	if (e->pm32) {
		regs.rax = e->eax;
		regs.rbx = e->ebx;
	}
	r = KVM_IOCTL(c->fd, KVM_SET_REGS, &regs);
	if (r < 0) {
		kvm__ioctl_error(err, errlen, "KVM_SET_REGS", r);
		return r;
	}
	return 0;
}

static void seg_to_target(const struct kvm_segment *k, struct target_seg *t)
{
	t->base = k->base;
	t->limit = k->limit;
	t->selector = k->selector;
	t->type = k->type;
	t->s = k->s;
	t->dpl = k->dpl;
	t->present = k->present;
	t->db = k->db;
	t->l = k->l;
	t->g = k->g;
	t->avl = k->avl;
	t->unusable = k->unusable;
}

static void seg_from_target(const struct target_seg *t, struct kvm_segment *k)
{
	k->base = t->base;
	k->limit = t->limit;
	k->selector = t->selector;
	k->type = t->type & 0xF;
	k->s = t->s;
	k->dpl = t->dpl & 3;
	k->present = t->present;
	k->db = t->db;
	k->l = t->l;
	k->g = t->g;
	k->avl = t->avl;
	k->unusable = t->unusable;
}

static struct kvm_segment *sreg_seg(struct kvm_sregs *s, int i)
{
	switch (i) {
	case SEG_CS: return &s->cs;
	case SEG_SS: return &s->ss;
	case SEG_DS: return &s->ds;
	case SEG_ES: return &s->es;
	case SEG_FS: return &s->fs;
	case SEG_GS: return &s->gs;
	case SEG_TR: return &s->tr;
	default: return &s->ldt;
	}
}

/* kvm_regs in encoding order: rax rcx rdx rbx rsp rbp rsi rdi r8..r15 */
static __u64 *reg_gpr(struct kvm_regs *r, int i)
{
	__u64 *const map[TARGET_NR_GPRS] = {
		&r->rax, &r->rcx, &r->rdx, &r->rbx, &r->rsp, &r->rbp, &r->rsi, &r->rdi,
		&r->r8, &r->r9, &r->r10, &r->r11, &r->r12, &r->r13, &r->r14, &r->r15,
	};

	return map[i];
}

int cpu__get(struct cpu *c, struct target_regs *regs)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	int ret = cpu__regs(c, &r);

	if (ret < 0)
		return ret;
	ret = cpu__sregs(c, &s);
	if (ret < 0)
		return ret;
	memset(regs, 0, sizeof(*regs));
	for (int i = 0; i < TARGET_NR_GPRS; i++)
		regs->gpr[i] = *reg_gpr(&r, i);
	regs->rip = r.rip;
	regs->rflags = r.rflags;
	/* While KVM single-steps it owns TF (and hides or shows its own):
	 * the guest's is the one kvmstub keeps (step.c). */
	if (c->kvm_steps)
		regs->rflags = (r.rflags & ~X86_RFLAGS_TF) | (c->guest_tf ? X86_RFLAGS_TF : 0);
	for (int i = 0; i < TARGET_NR_SEGS; i++)
		seg_to_target(sreg_seg(&s, i), &regs->seg[i]);
	regs->gdt.base = s.gdt.base;
	regs->gdt.limit = s.gdt.limit;
	regs->idt.base = s.idt.base;
	regs->idt.limit = s.idt.limit;
	regs->cr0 = s.cr0;
	regs->cr2 = s.cr2;
	regs->cr3 = s.cr3;
	regs->cr4 = s.cr4;
	regs->cr8 = s.cr8;
	regs->efer = s.efer;
	return 0;
}

int cpu__set(struct cpu *c, const struct target_regs *regs)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	int ret = cpu__sregs(c, &s);

	if (ret < 0)
		return ret;
	cpu__cache_drop(c);	/* KVM may adjust what it is given */
	memset(&r, 0, sizeof(r));
	for (int i = 0; i < TARGET_NR_GPRS; i++)
		*reg_gpr(&r, i) = regs->gpr[i];
	r.rip = regs->rip;
	r.rflags = regs->rflags | 0x2;	/* bit 1 is always set */
	c->guest_tf = regs->rflags & X86_RFLAGS_TF;	/* the guest's own, from now on */
	for (int i = 0; i < TARGET_NR_SEGS; i++)
		seg_from_target(&regs->seg[i], sreg_seg(&s, i));
	s.gdt.base = regs->gdt.base;
	s.gdt.limit = regs->gdt.limit;
	s.idt.base = regs->idt.base;
	s.idt.limit = regs->idt.limit;
	s.cr0 = regs->cr0;
	s.cr2 = regs->cr2;
	s.cr3 = regs->cr3;
	s.cr4 = regs->cr4;
	s.cr8 = regs->cr8;
	s.efer = regs->efer;
	ret = KVM_IOCTL(c->fd, KVM_SET_SREGS, &s);
	if (ret < 0)
		return ret;
	return KVM_IOCTL(c->fd, KVM_SET_REGS, &r);
}

