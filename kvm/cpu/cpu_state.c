/*
 * cpu_state.c - a vCPU's architectural state: KVM's kvm_regs/kvm_sregs to
 * and from struct target_regs, the reset state, the CPU mode, linear
 * addresses and their translation.
 *
 * Called from the main thread while the vCPU is parked, and from the vCPU
 * thread between runs.  While the vCPU is parked its registers cannot
 * change but by our own writes, so one KVM_GET_REGS and one KVM_GET_SREGS
 * serve a whole stop (gdb's g, m, p packets after a step); the cache is
 * dropped on every write and is off while the vCPU thread runs the guest.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../host/ioctl.h"
#include "../machine_priv.h"

#define RESET_CS_SELECTOR	0xF000
#define RESET_IP		0xFFF0
#define RESET_CR0		0x60000010ull	/* CD, NW, ET: as after RESET */
#define RESET_RFLAGS		0x2ull
#define RESET_EDX		0x600		/* family 6: a P6-class CPU */

static void cache_forget(struct vcpu *v)
{
	v->regs_cached = false;
	v->sregs_cached = false;
}

/* A write: neither the cache nor kvm_run's copy of the last exit holds. */
void cpu_state__cache_drop(struct vcpu *v)
{
	cache_forget(v);
	v->sync_fresh = false;
}

void cpu_state__cache_off(struct vcpu *v)
{
	cache_forget(v);
	v->cache_off = true;
}

void cpu_state__cache_on(struct vcpu *v)
{
	cache_forget(v);
	v->cache_off = false;
}

/*
 * KVM_CAP_SYNC_REGS: KVM copies the registers into kvm_run at every exit,
 * so the registers of a stop cost no ioctl at all (two fewer per false
 * conditional hit, per stepi, per step of a range).  Only the copy of a
 * debug exit is used (run_loop.c sets sync_fresh): after other exits the
 * thread may run KVM again (I/O completion) before it parks.
 */
void cpu_state__sync_init(struct vcpu *v)
{
	const uint64_t want = KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS;
	int r = KVM_IOCTL(v->m->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_SYNC_REGS);

	v->sync_regs = r > 0 && ((uint64_t)r & want) == want;
	v->sync_events = v->sync_regs && ((uint64_t)r & KVM_SYNC_X86_EVENTS);
	v->sync_fresh = false;
	if (v->sync_regs)
		v->run->kvm_valid_regs = want | (v->sync_events ? KVM_SYNC_X86_EVENTS : 0);
}

int cpu_state__regs(struct vcpu *v, struct kvm_regs *r)
{
	int ret;

	if (v->regs_cached) {
		*r = v->regs_cache;
		return 0;
	}
	if (v->sync_fresh) {
		*r = v->run->s.regs.regs;
		ret = 0;
	} else {
		ret = KVM_IOCTL(v->fd, KVM_GET_REGS, r);
	}
	if (ret == 0 && !v->cache_off) {
		v->regs_cache = *r;
		v->regs_cached = true;
	}
	return ret;
}

int cpu_state__sregs(struct vcpu *v, struct kvm_sregs *s)
{
	int ret;

	if (v->sregs_cached) {
		*s = v->sregs_cache;
		return 0;
	}
	if (v->sync_fresh) {
		*s = v->run->s.regs.sregs;
		ret = 0;
	} else {
		ret = KVM_IOCTL(v->fd, KVM_GET_SREGS, s);
	}
	if (ret == 0 && !v->cache_off) {
		v->sregs_cache = *s;
		v->sregs_cached = true;
	}
	return ret;
}

int cpu_state__set_kregs(struct vcpu *v, const struct kvm_regs *r)
{
	cpu_state__cache_drop(v);
	return KVM_IOCTL(v->fd, KVM_SET_REGS, r);
}

/* Through kvm_run's copy when it is this exit's (KVM loads a dirty copy
 * at the next KVM_RUN: no ioctl), else KVM_GET_REGS and KVM_SET_REGS. */
int cpu_state__set_rf(struct vcpu *v)
{
	struct kvm_regs r;
	int ret;

	cache_forget(v);
	if (v->sync_fresh) {
		v->run->s.regs.regs.rflags |= X86_RFLAGS_RF;
		v->run->kvm_dirty_regs |= KVM_SYNC_X86_REGS;
		return 0;
	}
	ret = KVM_IOCTL(v->fd, KVM_GET_REGS, &r);
	if (ret < 0)
		return ret;
	r.rflags |= X86_RFLAGS_RF;
	return KVM_IOCTL(v->fd, KVM_SET_REGS, &r);
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

int cpu_state__reset(struct vcpu *v, char *err, size_t errlen)
{
	struct machine *m = v->m;
	struct kvm_sregs s = v->power_on.sregs;
	struct kvm_regs regs;
	uint64_t cs_base = 0xF0000;
	uint16_t cs_sel = RESET_CS_SELECTOR;
	uint64_t ip = RESET_IP;
	int r;

	if (m->cfg.load_set) {
		/* Start at the loaded image, in real mode: CS:IP with IP < 64 KiB. */
		cs_sel = (uint16_t)((m->cfg.load_addr >> 4) & 0xF000);
		cs_base = (uint64_t)cs_sel << 4;
		ip = m->cfg.load_addr - cs_base;
	} else if (m->cfg.reset == RESET_ARCHITECTURAL) {
		cs_base = 0xFFFF0000;
	}
	real_seg(&s.cs, cs_sel, cs_base, true);
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

	cpu_state__cache_drop(v);
	r = KVM_IOCTL(v->fd, KVM_SET_SREGS, &s);
	if (r < 0) {
		/* Some hosts refuse CD/NW set; a cleared cache-disable is harmless. */
		s.cr0 &= ~0x60000000ull;
		r = KVM_IOCTL(v->fd, KVM_SET_SREGS, &s);
	}
	if (r < 0) {
		kvm__ioctl_error(err, errlen, "KVM_SET_SREGS", r);
		return r;
	}
	memset(&regs, 0, sizeof(regs));
	regs.rip = ip;
	regs.rflags = RESET_RFLAGS;
	regs.rdx = RESET_EDX;
	r = KVM_IOCTL(v->fd, KVM_SET_REGS, &regs);
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

int cpu_state__get(struct vcpu *v, struct target_regs *regs)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	int ret = cpu_state__regs(v, &r);

	if (ret < 0)
		return ret;
	ret = cpu_state__sregs(v, &s);
	if (ret < 0)
		return ret;
	memset(regs, 0, sizeof(*regs));
	for (int i = 0; i < TARGET_NR_GPRS; i++)
		regs->gpr[i] = *reg_gpr(&r, i);
	regs->rip = r.rip;
	regs->rflags = r.rflags;
	/* While KVM single-steps it owns TF (and hides or shows its own):
	 * the guest's is the one kvmstub keeps (step.c). */
	if (v->dbg.control & KVM_GUESTDBG_SINGLESTEP)
		regs->rflags = (r.rflags & ~X86_RFLAGS_TF) | (v->guest_tf ? X86_RFLAGS_TF : 0);
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

int cpu_state__set(struct vcpu *v, const struct target_regs *regs)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	int ret = cpu_state__sregs(v, &s);

	if (ret < 0)
		return ret;
	cpu_state__cache_drop(v);	/* KVM may adjust what it is given */
	memset(&r, 0, sizeof(r));
	for (int i = 0; i < TARGET_NR_GPRS; i++)
		*reg_gpr(&r, i) = regs->gpr[i];
	r.rip = regs->rip;
	r.rflags = regs->rflags | 0x2;	/* bit 1 is always set */
	v->guest_tf = regs->rflags & X86_RFLAGS_TF;	/* the guest's own, from now on */
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
	ret = KVM_IOCTL(v->fd, KVM_SET_SREGS, &s);
	if (ret < 0)
		return ret;
	return KVM_IOCTL(v->fd, KVM_SET_REGS, &r);
}

int cpu_state__pc(struct vcpu *v, uint64_t *pc)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	int ret = cpu_state__regs(v, &r);

	if (ret < 0)
		return ret;
	ret = cpu_state__sregs(v, &s);
	if (ret < 0)
		return ret;
	*pc = s.cs.base + r.rip;
	if (!(s.efer & X86_EFER_LMA))
		*pc &= 0xFFFFFFFFull;
	return 0;
}

const char *cpu_state__mode_name(const struct kvm_sregs *s)
{
	if (!(s->cr0 & X86_CR0_PE))
		return "real mode";
	if (s->efer & X86_EFER_LMA)
		return s->cs.l ? "long mode" : "compatibility mode";
	return "protected mode";
}

int cpu_state__where(struct vcpu *v, int64_t pc_adjust, char *buf, size_t len)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	int ret = cpu_state__regs(v, &r);

	if (ret >= 0)
		ret = cpu_state__sregs(v, &s);
	if (ret < 0) {
		snprintf(buf, len, "at an unknown place (KVM_GET_REGS/SREGS failed)");
		return ret;
	}
	uint64_t ip = r.rip + (uint64_t)pc_adjust;
	uint64_t lin = s.cs.base + ip;
	const char *mode = cpu_state__mode_name(&s);

	if (!(s.cr0 & X86_CR0_PE))
		snprintf(buf, len, "at %04x:%04llx (linear 0x%llx, %s)", s.cs.selector,
			 (unsigned long long)(ip & 0xFFFF), (unsigned long long)(lin & 0xFFFFFFFF),
			 mode);
	else if (s.efer & X86_EFER_LMA)
		snprintf(buf, len, "at %04x:%016llx (linear 0x%llx, %s)", s.cs.selector,
			 (unsigned long long)ip, (unsigned long long)lin, mode);
	else
		snprintf(buf, len, "at %04x:%08llx (linear 0x%llx, %s)", s.cs.selector,
			 (unsigned long long)(ip & 0xFFFFFFFF),
			 (unsigned long long)(lin & 0xFFFFFFFF), mode);
	return 0;
}

int cpu_state__translate(struct vcpu *v, uint64_t linear, uint64_t *phys)
{
	struct kvm_sregs s;
	struct kvm_translation tr = { .linear_address = linear };
	int ret = cpu_state__sregs(v, &s);

	if (ret < 0)
		return ret;
	if (!(s.cr0 & X86_CR0_PG)) {
		*phys = (s.efer & X86_EFER_LMA) ? linear : (linear & 0xFFFFFFFFull);
		return 0;
	}
	if (!(s.efer & X86_EFER_LMA))
		tr.linear_address &= 0xFFFFFFFFull;
	ret = KVM_IOCTL(v->fd, KVM_TRANSLATE, &tr);
	if (ret < 0)
		return ret;
	if (!tr.valid)
		return -EFAULT;
	*phys = tr.physical_address;
	return 0;
}

/* Guest-physical access as gdb sees it: the breakpoint manager's int3s hidden. */
static size_t phys_access(struct machine *m, uint64_t gpa, uint8_t *buf, size_t len, bool write)
{
	size_t done = 0;

	while (done < len) {
		uint64_t avail;
		uint8_t *host = memory__host(&m->mem, gpa + done, &avail);
		size_t n = len - done;

		if (!host)
			break;
		if (n > avail)
			n = (size_t)avail;
		if (write) {
			bp__shadow_write(&m->bpm, host, buf + done, n);
		} else {
			memcpy(buf + done, host, n);
			bp__shadow_read(&m->bpm, host, buf + done, n);
		}
		done += n;
	}
	return done;
}

ssize_t cpu_state__access(struct machine *m, struct vcpu *v, enum target_space space,
			  uint64_t addr, void *buf, size_t len, bool write)
{
	struct kvm_sregs s;
	size_t done = 0;
	int ret;

	if (space == TARGET_PHYSICAL)
		return (ssize_t)phys_access(m, addr, buf, len, write);
	ret = cpu_state__sregs(v, &s);
	if (ret < 0)
		return ret;
	bool paging = s.cr0 & X86_CR0_PG;
	bool wide = s.efer & X86_EFER_LMA;

	while (done < len) {
		uint64_t lin = addr + done, gpa;
		uint64_t chunk = len - done, n;

		if (!wide)
			lin &= 0xFFFFFFFFull;
		if (paging) {
			uint64_t room = 0x1000 - (lin & 0xFFF);

			ret = cpu_state__translate(v, lin, &gpa);
			if (ret < 0)
				break;
			if (chunk > room)
				chunk = room;
		} else {
			gpa = lin;
			if (!wide && chunk > 0x100000000ull - lin)
				chunk = 0x100000000ull - lin;	/* wraps at 4 GiB */
		}
		n = phys_access(m, gpa, (uint8_t *)buf + done, (size_t)chunk, write);
		done += n;
		if (n < chunk)
			break;
	}
	return (ssize_t)done;
}
