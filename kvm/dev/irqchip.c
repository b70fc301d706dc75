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

static int irqchip_load(void *st, const void *buf, size_t len)
{
	struct irqchip *ic = st;
	const struct irqchip_saved *s = buf;
	char err[128];

	if (!ic->on)
		return len == 0 ? 0 : -EINVAL;
	if (len != sizeof(*s))
		return -EINVAL;
	irqchip_settle(ic);
	return set_chips(ic, s->chips, ic->pit ? &s->pit : NULL, err, sizeof(err));
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
