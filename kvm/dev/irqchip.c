/*
 * irqchip.c - KVM's in-kernel interrupt controller and timer, as a device
 * (device.h) whose ports KVM itself serves.
 *
 * The devices: when the host has KVM_CAP_IRQCHIP, KVM_CREATE_IRQCHIP gives
 * the VM two 8259 PICs (ports 0x20/0x21, 0xA0/0xA1), an I/O APIC and a
 * local APIC per vCPU; KVM_CREATE_PIT2 adds the 8254 timer (ports 0x40-0x43,
 * and port 0x61's timer bits with KVM_PIT_SPEAKER_DUMMY).  All of them must
 * exist before the first vCPU.  The PIT's IRQ0 reaches the CPU through the
 * PIC and the BSP's LINT0 (KVM leaves it in ExtINT mode after reset), so a
 * guest programs them as on a PC, in real and in protected mode.
 *
 * Lost ticks are not replayed (KVM_REINJECT_CONTROL, pit_reinject = 0): a
 * guest that sat at a breakpoint for a minute would otherwise take six
 * thousand back-to-back timer interrupts on the next continue, which no
 * real PC does and which makes every walk-through confusing.  That ioctl
 * waits in the kernel for two SRCU grace periods (it unregisters the PIT's
 * interrupt notifiers): 13-22 ms on the development host, most of the
 * daemon's start-up.  Nothing needs it before the guest first runs, so a
 * helper thread does it while the daemon starts listening and gdb
 * connects; the device's settle joins it before the first KVM_RUN.
 *
 * Reset (monitor reset, machine__power_on): the PICs, the I/O APIC and the
 * PIT are put back to what KVM gave at creation (each vCPU's local APIC and
 * MP state are its own: cpu/power_on.c).  Save and load are KVM's
 * KVM_GET/SET_IRQCHIP and KVM_GET/SET_PIT2.
 *
 */
#include "irqchip.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include "../host/helper.h"
#include "../host/ioctl.h"
#include "../host/log.h"

#define NR_CHIPS		3	/* KVM_IRQCHIP_PIC_MASTER, _PIC_SLAVE, _IOAPIC */

struct irqchip {
	bool on;			/* KVM_CREATE_IRQCHIP: PIC, I/O APIC, local APICs */
	bool pit;			/* KVM_CREATE_PIT2 */
	bool pit_reset_ok;
	struct kvm_irqchip chips[NR_CHIPS];	/* reset state: PIC master, slave, I/O APIC */
	struct kvm_pit_state2 pit_reset;
	/* KVM_REINJECT_CONTROL, done by a helper thread */
	pthread_t reinject_thread;
	bool reinject_pending;		/* ... not joined yet */
	int reinject_err;
	int kvm_fd, vm_fd;
	FILE *log;
};

/* The state saved by a snapshot: the three chips and the PIT. */
struct irqchip_saved {
	struct kvm_irqchip chips[NR_CHIPS];
	struct kvm_pit_state2 pit;
};

static int check_ext(int kvm_fd, int cap)
{
	int r = KVM_IOCTL(kvm_fd, KVM_CHECK_EXTENSION, cap);

	return r > 0 ? r : 0;
}

static void *reinject_off(void *arg)
{
	struct irqchip *ic = arg;
	struct kvm_reinject_control rc;

	memset(&rc, 0, sizeof(rc));
	rc.pit_reinject = 0;
	ic->reinject_err = KVM_IOCTL(ic->vm_fd, KVM_REINJECT_CONTROL, &rc);
	return NULL;
}

static void irqchip_settle(void *st)
{
	struct irqchip *ic = st;

	if (ic->reinject_pending) {
		pthread_join(ic->reinject_thread, NULL);
		ic->reinject_pending = false;
		if (ic->reinject_err < 0)
			log__say(ic->log, "KVM_REINJECT_CONTROL failed: %s (lost timer ticks "
				 "will be replayed)", strerror(-ic->reinject_err));
	}
}

static int create_pit(struct irqchip *ic, char *err, size_t errlen)
{
	struct kvm_pit_config pit;
	int r;

	memset(&pit, 0, sizeof(pit));
	pit.flags = KVM_PIT_SPEAKER_DUMMY;
	r = KVM_IOCTL(ic->vm_fd, KVM_CREATE_PIT2, &pit);
	if (r == -EINVAL) {
		pit.flags = 0;		/* an old kernel without the port 0x61 model */
		r = KVM_IOCTL(ic->vm_fd, KVM_CREATE_PIT2, &pit);
	}
	if (r < 0) {
		kvm__ioctl_error(err, errlen, "KVM_CREATE_PIT2", r);
		return r;
	}
	ic->pit = true;
	ic->pit_reset_ok = KVM_IOCTL(ic->vm_fd, KVM_GET_PIT2, &ic->pit_reset) >= 0;
	if (check_ext(ic->kvm_fd, KVM_CAP_REINJECT_CONTROL))
		ic->reinject_pending = helper__start(&ic->reinject_thread, reinject_off, ic);
	return 0;
}

static int irqchip_create(void *st, const struct dev_env *env, char *err, size_t errlen)
{
	struct irqchip *ic = st;
	int r;

	ic->kvm_fd = env->kvm_fd;
	ic->vm_fd = env->vm_fd;
	ic->log = env->log;
	if (!env->caps->irqchip) {
		log__say(ic->log, "no in-kernel interrupt controller (KVM_CAP_IRQCHIP): "
			 "hlt exits to kvmstub, guests get no PIC, PIT or APIC");
		return 0;
	}
	r = KVM_IOCTL(ic->vm_fd, KVM_CREATE_IRQCHIP, 0);
	if (r < 0) {
		kvm__ioctl_error(err, errlen, "KVM_CREATE_IRQCHIP", r);
		return r;
	}
	ic->on = true;
	for (int i = 0; i < NR_CHIPS; i++) {
		ic->chips[i].chip_id = (uint32_t)i;
		r = KVM_IOCTL(ic->vm_fd, KVM_GET_IRQCHIP, &ic->chips[i]);
		if (r < 0) {
			kvm__ioctl_error(err, errlen, "KVM_GET_IRQCHIP", r);
			return r;
		}
	}
	if (check_ext(ic->kvm_fd, KVM_CAP_PIT2)) {
		r = create_pit(ic, err, errlen);
		if (r < 0)
			return r;
	} else {
		log__say(ic->log, "no in-kernel timer (KVM_CAP_PIT2): guests get no 8254 PIT");
	}
	log__say(ic->log, "interrupt controller: in-kernel PIC, I/O APIC, local APICs%s",
		 ic->pit ? ", PIT" : "");
	return 0;
}

static void irqchip_destroy(void *st)
{
	irqchip_settle(st);	/* the helper thread, before the VM goes */
}

static int set_chips(struct irqchip *ic, const struct kvm_irqchip *chips,
		     const struct kvm_pit_state2 *pit, char *err, size_t errlen)
{
	int r;

	for (int i = 0; i < NR_CHIPS; i++) {
		r = KVM_IOCTL(ic->vm_fd, KVM_SET_IRQCHIP, &chips[i]);
		if (r < 0) {
			kvm__ioctl_error(err, errlen, "KVM_SET_IRQCHIP", r);
			return r;
		}
	}
	/* With the reinject set-up still pending the guest has not run: the
	 * PIT is as created, and KVM_SET_PIT2 would wait for that ioctl. */
	if (pit && ic->pit && !ic->reinject_pending) {
		r = KVM_IOCTL(ic->vm_fd, KVM_SET_PIT2, pit);
		if (r < 0) {
			kvm__ioctl_error(err, errlen, "KVM_SET_PIT2", r);
			return r;
		}
	}
	return 0;
}

static int irqchip_reset(void *st, char *err, size_t errlen)
{
	struct irqchip *ic = st;

	if (!ic->on)
		return 0;
	return set_chips(ic, ic->chips, ic->pit_reset_ok ? &ic->pit_reset : NULL, err, errlen);
}

static ssize_t irqchip_save(void *st, void *buf, size_t len)
{
	struct irqchip *ic = st;
	struct irqchip_saved *s = buf;
	int r;

	if (!ic->on)
		return 0;
	if (!buf || len < sizeof(*s))
		return (ssize_t)sizeof(*s);
	memset(s, 0, sizeof(*s));
	for (int i = 0; i < NR_CHIPS; i++) {
		s->chips[i].chip_id = (uint32_t)i;
		r = KVM_IOCTL(ic->vm_fd, KVM_GET_IRQCHIP, &s->chips[i]);
		if (r < 0)
			return r;
	}
	if (ic->pit) {
		irqchip_settle(ic);
		r = KVM_IOCTL(ic->vm_fd, KVM_GET_PIT2, &s->pit);
		if (r < 0)
			return r;
	}
	return (ssize_t)sizeof(*s);
}

/*
 * Only the chips that differ from KVM's are set: setting the PIT starts
 * its count again from now, which the recorder's moves in the past (a PIC
 * put back as it was) must not do to a PIT they did not change.
 */
static int irqchip_load(void *st, const void *buf, size_t len)
{
	struct irqchip *ic = st;
	const struct irqchip_saved *s = buf;
	struct kvm_irqchip now;
	struct kvm_pit_state2 pit;
	int r;

	if (!ic->on)
		return len == 0 ? 0 : -EINVAL;
	if (len != sizeof(*s))
		return -EINVAL;
	irqchip_settle(ic);
	for (int i = 0; i < NR_CHIPS; i++) {
		memset(&now, 0, sizeof(now));
		now.chip_id = (uint32_t)i;
		if (KVM_IOCTL(ic->vm_fd, KVM_GET_IRQCHIP, &now) == 0 &&
		    !memcmp(&now, &s->chips[i], sizeof(now)))
			continue;
		r = KVM_IOCTL(ic->vm_fd, KVM_SET_IRQCHIP, &s->chips[i]);
		if (r < 0)
			return r;
	}
	if (!ic->pit || (KVM_IOCTL(ic->vm_fd, KVM_GET_PIT2, &pit) == 0 &&
			 !memcmp(&pit, &s->pit, sizeof(pit))))
		return 0;
	return KVM_IOCTL(ic->vm_fd, KVM_SET_PIT2, &s->pit);
}

/* ---- what monitor pic and monitor pit show ---- */

static void pic_to_target(const struct kvm_pic_state *k, struct target_pic *p)
{
	p->irr = k->irr;
	p->isr = k->isr;
	p->imr = k->imr;
	p->vector_base = k->irq_base;
	p->elcr = k->elcr;
	/* priority_add is the IRQ of highest priority; the lowest is the
	 * one before it (7 after reset). */
	p->lowest = (uint8_t)((k->priority_add + 7) & 7);
	p->init_state = k->init_state;
	p->auto_eoi = k->auto_eoi;
	p->special_mask = k->special_mask;
	p->poll = k->poll;
	p->read_isr = k->read_reg_select;
	p->special_fully_nested = k->special_fully_nested_mode;
	p->init4 = k->init4;
}

int irqchip__pic(const struct devices *d, struct target_pic pic[2])
{
	struct irqchip *ic = devices__state(d, &irqchip_device);
	struct kvm_irqchip chip;
	int r;

	if (!ic || !ic->on)
		return -ENODEV;
	for (int i = 0; i < 2; i++) {
		memset(&chip, 0, sizeof(chip));
		chip.chip_id = (uint32_t)(i == 0 ? KVM_IRQCHIP_PIC_MASTER : KVM_IRQCHIP_PIC_SLAVE);
		r = KVM_IOCTL(ic->vm_fd, KVM_GET_IRQCHIP, &chip);
		if (r < 0)
			return r;
		pic_to_target(&chip.chip.pic, &pic[i]);
	}
	return 0;
}

#define PIT_HZ		1193182ull	/* the 8254's input clock */

/*
 * The count now, of channels 1 and 2.  KVM keeps the time their count was
 * loaded (count_load_time, CLOCK_MONOTONIC) and a latch computes the count
 * from the time since: one decrement per clock, the reload value again at
 * zero in the periodic modes 2 and 3 (mode 3 counts by two); in modes 0,
 * 1, 4 and 5 the counter runs on through zero.  Channel 0 is timed by the
 * host timer behind IRQ 0 instead, whose phase KVM_GET_PIT2 does not
 * give: its count_load_time is not when its count was loaded (measured:
 * 0.1 to 18 ms off), so its count now is not known here.
 */
static uint16_t pit_now(const struct kvm_pit_channel_state *c, int64_t now_ns)
{
	uint64_t count = c->count ? c->count : 0x10000;
	uint64_t elapsed = now_ns > c->count_load_time ? (uint64_t)(now_ns - c->count_load_time) : 0;
	uint64_t ticks = elapsed / 1000000000ull * PIT_HZ +
			 elapsed % 1000000000ull * PIT_HZ / 1000000000ull;

	switch (c->mode) {
	case 2:
		return (uint16_t)(count - ticks % count);
	case 3:
		return (uint16_t)(count - (2 * ticks) % count);
	default:
		return (uint16_t)((count - ticks) & 0xffff);
	}
}

int irqchip__pit(struct devices *d, struct target_pit *pit)
{
	struct irqchip *ic = devices__state(d, &irqchip_device);
	struct kvm_pit_state2 k;
	struct timespec ts;
	int64_t now;
	int r;

	if (!ic || !ic->pit)
		return -ENODEV;
	irqchip_settle(ic);	/* KVM_GET_PIT2 would wait for the reinject set-up */
	r = KVM_IOCTL(ic->vm_fd, KVM_GET_PIT2, &k);
	if (r < 0)
		return r;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
	memset(pit, 0, sizeof(*pit));
	for (int i = 0; i < 3; i++) {
		const struct kvm_pit_channel_state *c = &k.channels[i];
		struct target_pit_channel *t = &pit->ch[i];

		t->count = c->count ? c->count : 0x10000;
		t->now_known = i != 0;
		t->now = t->now_known ? pit_now(c, now) : 0;
		t->latched_count = c->latched_count;
		t->count_latched = c->count_latched;
		t->status = c->status;
		t->status_latched = c->status_latched;
		t->mode = c->mode;
		t->rw_mode = c->rw_mode;
		t->bcd = c->bcd;
		t->gate = c->gate;
	}
	pit->hpet_legacy = k.flags & KVM_PIT_FLAGS_HPET_LEGACY;
	pit->speaker_data = k.flags & KVM_PIT_FLAGS_SPEAKER_DATA_ON;
	return 0;
}

void irqchip__line(int vm_fd, unsigned int irq, bool level)
{
	struct kvm_irq_level l = { .irq = irq, .level = level };

	if (vm_fd >= 0)
		KVM_IOCTL(vm_fd, KVM_IRQ_LINE, &l);
}

/* One PIC's unmasked lines as vectors, those requested first. */
static int pic_vectors(const struct kvm_pic_state *p, uint8_t skip, int *vecs, int n, int max)
{
	for (int pass = 0; pass < 2; pass++) {
		for (int irq = 0; irq < 8 && n < max; irq++) {
			uint8_t bit = (uint8_t)(1u << irq);
			bool req = p->irr & bit;

			if ((p->imr & bit) || (skip & bit) || req != (pass == 0))
				continue;
			vecs[n++] = (p->irq_base + irq) & 0xFF;
		}
	}
	return n;
}

int irqchip__pic_vectors(int vm_fd, int *vecs, int max)
{
	struct kvm_irqchip m = { .chip_id = KVM_IRQCHIP_PIC_MASTER };
	struct kvm_irqchip sl = { .chip_id = KVM_IRQCHIP_PIC_SLAVE };
	int n;

	if (vm_fd < 0 || KVM_IOCTL(vm_fd, KVM_GET_IRQCHIP, &m) < 0)
		return 0;
	/* IRQ 2 is the slave's cascade: its lines instead. */
	n = pic_vectors(&m.chip.pic, 0x04, vecs, 0, max);
	if (!(m.chip.pic.imr & 0x04) && KVM_IOCTL(vm_fd, KVM_GET_IRQCHIP, &sl) == 0)
		n = pic_vectors(&sl.chip.pic, 0, vecs, n, max);
	return n;
}

/* The local APIC's registers in its page (KVM_GET_LAPIC's regs[]). */
#define APIC_TPR		0x080
#define APIC_PPR		0x0A0
#define APIC_ISR		0x100
#define APIC_IRR		0x200
#define APIC_LVT_TIMER		0x320
#define APIC_LVT_PERF		0x340
#define APIC_LVT_LINT0		0x350
#define APIC_LVT_LINT1		0x360
#define APIC_LVT_ERROR		0x370
#define LVT_MASKED		(1u << 16)
#define LVT_MODE(l)		(((l) >> 8) & 7)	/* delivery mode */
#define MODE_FIXED		0
#define MODE_LOWEST		1
#define MODE_NMI		4
#define VEC_NMI			2

static uint32_t apic_reg(const uint8_t *page, unsigned int off)
{
	uint32_t v;

	memcpy(&v, page + off, sizeof(v));
	return v;
}

/* Vector vec, unless the list has it already or is full. */
static int add_vec(int *vecs, int n, int max, int vec)
{
	for (int i = 0; i < n; i++)
		if (vecs[i] == vec)
			return n;
	if (n < max)
		vecs[n++] = vec;
	return n;
}

/* The vector an LVT entry or a redirection entry delivers with, or -1:
 * masked, or a mode with no vector of its own (ExtINT: the PIC's, which
 * irqchip__pic_vectors gives; SMI, INIT). */
static int entry_vec(uint64_t e, bool has_mode)
{
	if (e & LVT_MASKED)
		return -1;
	if (!has_mode)
		return (int)(e & 0xFF);
	switch (LVT_MODE(e)) {
	case MODE_FIXED:
	case MODE_LOWEST:
		return (int)(e & 0xFF);
	case MODE_NMI:
		return VEC_NMI;
	default:
		return -1;
	}
}

/*
 * The requested vectors of the LAPIC's IRR, highest first: those above
 * the priority class (above_ppr), or the others, which an EOI or a TPR
 * write by the very instruction being stepped lets in.
 */
static int irr_vectors(const uint8_t *lapic, bool above_ppr, int *vecs, int n, int max)
{
	unsigned int ppr = apic_reg(lapic, APIC_PPR) & 0xF0, tpr = apic_reg(lapic, APIC_TPR) & 0xF0;

	/* PPR is TPR or the highest vector in service, by class: take it
	 * from both, whatever KVM last wrote into the page. */
	if (tpr > ppr)
		ppr = tpr;
	for (int vec = 255; vec >= 0; vec--) {
		if ((apic_reg(lapic, APIC_ISR + (vec / 32) * 16) >> (vec % 32)) & 1) {
			if ((unsigned int)(vec & 0xF0) > ppr)
				ppr = (unsigned int)vec & 0xF0;
			break;
		}
	}
	for (int vec = 255; vec >= 16; vec--) {
		if (!((apic_reg(lapic, APIC_IRR + (vec / 32) * 16) >> (vec % 32)) & 1))
			continue;
		if (((unsigned int)(vec & 0xF0) > ppr) == above_ppr)
			n = add_vec(vecs, n, max, vec);
	}
	return n;
}

/* The I/O APIC's unmasked redirection entries, those whose pin is raised
 * (pending) or the others. */
static int ioapic_vectors(const struct kvm_ioapic_state *io, bool pending, int *vecs, int n,
			  int max)
{
	for (int pin = 0; pin < KVM_IOAPIC_NUM_PINS; pin++) {
		int vec = entry_vec(io->redirtbl[pin].bits, true);

		if (vec >= 0 && ((io->irr >> pin) & 1) == pending)
			n = add_vec(vecs, n, max, vec);
	}
	return n;
}

int irqchip__apic_order(const uint8_t *lapic, const struct kvm_ioapic_state *io, int *vecs,
			int max)
{
	static const struct { unsigned int off; bool has_mode; } lvt[] = {
		{ APIC_LVT_TIMER, false }, { APIC_LVT_LINT0, true }, { APIC_LVT_LINT1, true },
		{ APIC_LVT_ERROR, false }, { APIC_LVT_PERF, true },
	};
	int n = irr_vectors(lapic, true, vecs, 0, max);

	if (io)
		n = ioapic_vectors(io, true, vecs, n, max);
	for (size_t i = 0; i < sizeof(lvt) / sizeof(lvt[0]); i++) {
		int vec = entry_vec(apic_reg(lapic, lvt[i].off), lvt[i].has_mode);

		if (vec >= 0)
			n = add_vec(vecs, n, max, vec);
	}
	if (io)
		n = ioapic_vectors(io, false, vecs, n, max);
	return irr_vectors(lapic, false, vecs, n, max);
}

int irqchip__apic_vectors(int vm_fd, const uint8_t *lapic, int *vecs, int max)
{
	struct kvm_irqchip io = { .chip_id = KVM_IRQCHIP_IOAPIC };
	bool have_io = vm_fd >= 0 && KVM_IOCTL(vm_fd, KVM_GET_IRQCHIP, &io) == 0;

	return irqchip__apic_order(lapic, have_io ? &io.chip.ioapic : NULL, vecs, max);
}

bool irqchip__on(const struct devices *d)
{
	const struct irqchip *ic = devices__state(d, &irqchip_device);

	return ic && ic->on;
}

const struct device irqchip_device = {
	.name = "in-kernel irqchip (8259 PICs, I/O APIC, local APICs, 8254 PIT)",
	.state_size = sizeof(struct irqchip),
	.create = irqchip_create,
	.destroy = irqchip_destroy,
	.settle = irqchip_settle,
	.reset = irqchip_reset,
	.save = irqchip_save,
	.load = irqchip_load,
};
