/*
 * target.c - struct target_ops for the KVM machine: what the protocol
 * layer sees of it (stub/target.h).
 *
 * Every operation that touches a vCPU's state asks KVM for it and needs
 * the vCPU parked: a vCPU ioctl would otherwise wait for KVM_RUN to end.
 * The one exception is the resume's bp_filter, which runs in the vCPU's
 * own thread between two runs.  The operations that need the probe's
 * measurements wait for them first (machine__settle, machine.c).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "debug/dregs.h"
#include "dev/irqchip.h"
#include "dev/keyboard.h"
#include "dev/vga.h"
#include "exec/allstop.h"
#include "host/ioctl.h"
#include "host/log.h"
#include "machine_priv.h"

static struct machine *M(struct target *t)
{
	return t->priv;
}

static bool running(struct vcpu *v)
{
	bool r;

	pthread_mutex_lock(&v->x->lock);
	r = v->state == VCPU_RUNNING;
	pthread_mutex_unlock(&v->x->lock);
	return r;
}

/*
 * The vCPU numbered cpu, parked, or asking the resume's bp_filter in its
 * own thread (run_loop.c); NULL with *err set otherwise.
 */
static struct vcpu *parked(struct machine *m, int cpu, int *err)
{
	if (cpu < 0 || cpu >= m->x.nr_vcpus) {
		*err = -EINVAL;
		return NULL;
	}
	if (vcpu__filtering(&m->vcpus[cpu]))
		return &m->vcpus[cpu];
	if (running(&m->vcpus[cpu])) {
		*err = -EBUSY;
		return NULL;
	}
	return &m->vcpus[cpu];
}

static bool all_parked(struct machine *m)
{
	for (int i = 0; i < m->x.nr_vcpus; i++)
		if (running(&m->vcpus[i]))
			return false;
	return true;
}

static int op_nr_cpus(struct target *t)
{
	return M(t)->x.nr_vcpus;
}

static int op_get_regs(struct target *t, int cpu, struct target_regs *regs)
{
	int err;
	struct vcpu *v = parked(M(t), cpu, &err);

	return v ? cpu__get(&v->cpu, regs) : err;
}

static int op_set_regs(struct target *t, int cpu, const struct target_regs *regs)
{
	int err;
	struct vcpu *v = parked(M(t), cpu, &err);

	if (v && record__past(&M(t)->rec))
		return -EROFS;	/* the past is what the guest did: not changed */
	return v ? cpu__set(&v->cpu, regs) : err;
}

static uint32_t op_xfeatures(struct target *t)
{
	return M(t)->x.nr_vcpus > 0 ? M(t)->vcpus[0].cpu.xs.features : 0;
}

static int op_get_fpu(struct target *t, int cpu, struct target_fpu *fpu)
{
	int err;
	struct vcpu *v = parked(M(t), cpu, &err);

	return v ? cpu__fpu_get(&v->cpu, fpu) : err;
}

static int op_set_fpu(struct target *t, int cpu, const struct target_fpu *fpu)
{
	int err;
	struct vcpu *v = parked(M(t), cpu, &err);

	if (v && record__past(&M(t)->rec))
		return -EROFS;	/* as for the other registers */
	return v ? cpu__fpu_set(&v->cpu, fpu) : err;
}

static int op_get_msr(struct target *t, int cpu, uint32_t index, uint64_t *val)
{
	int err;
	struct vcpu *v = parked(M(t), cpu, &err);

	return v ? cpu__get_msr(&v->cpu, index, val) : err;
}

static int op_set_msr(struct target *t, int cpu, uint32_t index, uint64_t val)
{
	int err;
	struct vcpu *v = parked(M(t), cpu, &err);

	return v ? cpu__set_msr(&v->cpu, index, val) : err;
}

static int op_get_lapic(struct target *t, int cpu, uint8_t *regs)
{
	int err;
	struct vcpu *v = parked(M(t), cpu, &err);

	if (!v)
		return err;
	if (!irqchip__on(&M(t)->devs))
		return -ENODEV;
	return cpu__get_lapic(&v->cpu, regs, TARGET_LAPIC_SIZE);
}

static int op_get_pic(struct target *t, struct target_pic pic[2])
{
	return irqchip__pic(&M(t)->devs, pic);
}

static int op_get_pit(struct target *t, struct target_pit *pit)
{
	return irqchip__pit(&M(t)->devs, pit);
}

static ssize_t op_read_mem(struct target *t, int cpu, enum target_space space, uint64_t addr,
			   void *buf, size_t len)
{
	int err;
	struct vcpu *v = parked(M(t), cpu, &err);

	if (!v)
		return err;
	return bp__access(&M(t)->bpm, &v->cpu, &M(t)->mem, space, addr, buf, len, false);
}

/* Only with every vCPU parked: a vCPU that runs alone (vCont;c:N) uses
 * the breakpoints' saved bytes, which a write under an int3 changes. */
static ssize_t op_write_mem(struct target *t, int cpu, enum target_space space, uint64_t addr,
			    const void *buf, size_t len)
{
	int err;
	struct vcpu *v = parked(M(t), cpu, &err);

	if (!v)
		return err;
	if (!all_parked(M(t)))
		return -EBUSY;
	if (record__past(&M(t)->rec))
		return -EROFS;
	return bp__access(&M(t)->bpm, &v->cpu, &M(t)->mem, space, addr, (void *)buf, len, true);
}

static int op_translate(struct target *t, int cpu, uint64_t linear, uint64_t *phys)
{
	int err;
	struct vcpu *v = parked(M(t), cpu, &err);

	return v ? cpu__translate(&v->cpu, linear, phys) : err;
}

static int op_insert_bp(struct target *t, enum target_bp_kind kind, uint64_t addr, uint64_t len)
{
	int r = machine__settle(M(t));

	if (r < 0)
		return r;
	if (!all_parked(M(t)))
		return -EBUSY;
	if (kind == BP_SOFTWARE || kind == BP_HARDWARE)
		return bp__insert(&M(t)->bpm, &M(t)->vcpus[0].cpu, &M(t)->mem, kind, addr, len,
				  watch__nr_dr(&M(t)->wm));
	return watch__insert(&M(t)->wm, &M(t)->vcpus[0].cpu, &M(t)->mem, kind, addr, len,
			     bp__nr_dr(&M(t)->bpm));
}

static int op_remove_bp(struct target *t, enum target_bp_kind kind, uint64_t addr, uint64_t len)
{
	int r = machine__settle(M(t));

	if (r < 0)
		return r;
	if (!all_parked(M(t)))
		return -EBUSY;
	if (kind == BP_SOFTWARE || kind == BP_HARDWARE)
		return bp__remove(&M(t)->bpm, kind, addr, len);
	return watch__remove(&M(t)->wm, kind, addr, len);
}

/* All-stop: every vCPU runs, or none does (allstop.c). */
static int op_resume(struct target *t, const struct target_resume *how)
{
	int r = machine__settle(M(t));

	if (r < 0)
		return r;
	if (how->reverse && !M(t)->rec.on)
		return -EINVAL;		/* nothing recorded to go back through */
	return allstop__resume(&M(t)->x, how);
}

static int op_interrupt(struct target *t)
{
	return allstop__interrupt(&M(t)->x);
}

static int op_event_fd(struct target *t)
{
	return M(t)->x.event_fd;
}

static int op_get_stop(struct target *t, struct target_stop *stop)
{
	return allstop__get_stop(&M(t)->x, stop);
}

static bool op_is_running(struct target *t)
{
	return allstop__running(&M(t)->x) || !all_parked(M(t));
}

static int op_reset(struct target *t)
{
	struct machine *m = M(t);
	char err[256];
	int r = machine__settle(m);

	if (r < 0)
		return r;
	for (int i = 0; i < m->x.nr_vcpus; i++)
		allstop__halt_and_wait(&m->vcpus[i]);
	bp__remove_all(&m->bpm);
	watch__remove_all(&m->wm);
	r = machine__power_on(m, err, sizeof(err));
	if (r < 0)
		log__say(m->cfg.log, "reset: %s", err);
	if (r == 0 && record__rebase(&m->rec, &m->vcpus[0].cpu, err, sizeof(err)) < 0)
		log__say(m->cfg.log, "reset: recording: %s", err);
	return r;
}

static int op_remove_all_bps(struct target *t)
{
	struct machine *m = M(t);
	int r = machine__settle(m);

	if (r < 0)
		return r;
	if (!all_parked(m))
		return -EBUSY;
	bp__remove_all(&m->bpm);
	watch__remove_all(&m->wm);
	return 0;
}

static int op_describe_cpu(struct target *t, int cpu, char *buf, size_t len)
{
	struct machine *m = M(t);
	int err;
	struct vcpu *v;

	if (cpu < 0 || cpu >= m->x.nr_vcpus)
		return -EINVAL;
	v = parked(m, cpu, &err);
	if (!v) {
		snprintf(buf, len, "vCPU %d, running", cpu);
		return 0;
	}
	return vcpu__describe(v, buf, len);
}

static int op_describe(struct target *t, char *buf, size_t len)
{
	struct machine *m = M(t);
	const struct host_caps *c = &m->caps;
	bool hw_all = true;
	unsigned long long runs = 0;
	size_t n;

	if (machine__settle(m) < 0) {
		snprintf(buf, len, "probing this host's KVM failed: %s\n", m->probe.err);
		return 0;
	}
	for (int i = 0; i < PROBE_NR_MODES; i++)
		hw_all = hw_all && c->hw_exec_bp[i];
	for (int i = 0; i < m->x.nr_vcpus; i++)
		runs += __atomic_load_n(&m->vcpus[i].nr_runs, __ATOMIC_RELAXED);
	snprintf(buf, len,
		 "machine: %d vCPU, %llu KiB RAM at 0x0, firmware window %llu KiB at 0x%llx "
		 "(last 128 KiB also at 0xe0000)\n"
		 "image: %s (%s)\n"
		 "host: %s KVM\n"
		 "%s\n"
		 "hardware breakpoints: debug registers DR0-DR3 (4)%s\n"
		 "single step: KVM_GUESTDBG_SINGLESTEP%s\n"
		 "%s\n"
		 "stop-on-mode: %s\n"
		 "exits to kvmstub so far: %llu (KVM_RUN calls returned, every vCPU)\n",
		 m->x.nr_vcpus, (unsigned long long)(m->mem.ram_size >> 10),
		 (unsigned long long)(m->mem.fw_size >> 10),
		 (unsigned long long)(MEM_FW_TOP - m->mem.fw_size),
		 m->have_img ? m->img.path : "none",
		 m->have_img ? m->img.proto->name : "the CPU starts at the reset vector",
		 c->emulated ? "emulated (no VMX/SVM: nested kvm-pvm or similar)" :
			"hardware-assisted",
		 bp__describe_sw(&m->bpm),
		 hw_all ? "" : " (the probe saw them fail in some mode)",
		 m->so.blockirq ? (m->so.step_irq ? ", interrupts allowed during steps" :
				    " with KVM_GUESTDBG_BLOCKIRQ") : "",
		 watch__describe(&m->wm), m->x.stop_on_mode ? "on" : "off", runs);
	/* Each breakpoint's mechanism, as the next resume will arm it. */
	if (!all_parked(m))
		return 0;
	dregs__assign(&m->bpm, &m->wm);
	n = strlen(buf);
	if (n + 1 < len)
		bp__describe_each(&m->bpm, buf + n, len - n);
	n = strlen(buf);
	if (n + 1 < len)
		watch__describe_each(&m->wm, buf + n, len - n);
	return 0;
}

/* RAM, and the two views of the firmware as rom, in ascending order. */
static int op_memory_map(struct target *t, struct target_region *regions, int max)
{
	const struct memory *mem = &M(t)->mem;
	int n = 0;

	for (int i = 0; i < mem->nr_views; i++) {
		const struct mem_slot *v = &mem->views[i];

		if (n < max)
			regions[n] = (struct target_region){
				.start = v->gpa, .length = v->size,
				.rom = !memory__is_ram(mem, v->host),
			};
		n++;
	}
	return n;
}

static int op_set_option(struct target *t, const char *name, bool on)
{
	struct machine *m = M(t);
	int r = machine__settle(m);

	if (r < 0)
		return r;
	if (!strcmp(name, "step-irq")) {
		if (!all_parked(m))
			return -EBUSY;
		m->so.step_irq = on;
		return 0;
	}
	if (!strcmp(name, "step-rep-whole")) {
		if (!all_parked(m))
			return -EBUSY;
		m->so.rep_whole = on;
		return 0;
	}
	if (!strcmp(name, "stop-on-mode")) {
		if (!all_parked(m))
			return -EBUSY;
		m->x.stop_on_mode = on;
		return 0;
	}
	/* monitor sw-break: on forces a mechanism, off (either) is the probe's choice. */
	if (!strcmp(name, "sw-break-int3") || !strcmp(name, "sw-break-dr")) {
		if (!all_parked(m))
			return -EBUSY;
		if (!on)
			return bp__set_sw_mech(&m->bpm, BP_SW_AUTO);
		return bp__set_sw_mech(&m->bpm, !strcmp(name, "sw-break-int3") ? BP_SW_INT3 :
				       BP_SW_DR);
	}
	return -ENOENT;
}

static int op_screen(struct target *t, bool ansi, char *buf, size_t len)
{
	struct vga *v = devices__state(&M(t)->devs, &vga_device);

	if (!v)
		return -EOPNOTSUPP;
	vga__screen(v, ansi, true, buf, len);
	return 0;
}

static int op_send_keys(struct target *t, const char *keys, size_t len, bool named, char *err,
			size_t errlen)
{
	struct keyboard *k = devices__state(&M(t)->devs, &keyboard_device);

	if (!k)
		return -EOPNOTSUPP;
	return named ? keyboard__sendkey(k, keys, err, errlen) :
		       keyboard__type(k, keys, len, err, errlen);
}

static int op_snapshot(struct target *t, enum target_snap_op op, const char *name,
		       const char *file, char *msg, size_t len)
{
	struct machine *m = M(t);
	int r = machine__settle(m);

	if (r < 0)
		return r;
	if (!all_parked(m)) {
		snprintf(msg, len, "the guest runs: stop it first");
		return -EBUSY;
	}
	return machine__snapshot(m, op, name, file, msg, len);
}

static int op_record(struct target *t, enum target_rec_op op, uint64_t arg, char *msg,
		     size_t len)
{
	struct machine *m = M(t);
	int r = machine__settle(m);

	if (r < 0)
		return r;
	if (op != TARGET_REC_QUERY && !all_parked(m)) {
		snprintf(msg, len, "the guest runs: stop it first");
		return -EBUSY;
	}
	return machine__record(m, op, arg, msg, len);
}

const struct target_ops machine_target_ops = {
	.nr_cpus = op_nr_cpus,
	.get_regs = op_get_regs,
	.set_regs = op_set_regs,
	.read_mem = op_read_mem,
	.write_mem = op_write_mem,
	.translate = op_translate,
	.xfeatures = op_xfeatures,
	.get_fpu = op_get_fpu,
	.set_fpu = op_set_fpu,
	.insert_bp = op_insert_bp,
	.remove_bp = op_remove_bp,
	.resume = op_resume,
	.interrupt = op_interrupt,
	.event_fd = op_event_fd,
	.get_stop = op_get_stop,
	.is_running = op_is_running,
	.reset = op_reset,
	.remove_all_bps = op_remove_all_bps,
	.get_msr = op_get_msr,
	.set_msr = op_set_msr,
	.get_lapic = op_get_lapic,
	.get_pic = op_get_pic,
	.get_pit = op_get_pit,
	.describe_cpu = op_describe_cpu,
	.describe = op_describe,
	.memory_map = op_memory_map,
	.set_option = op_set_option,
	.screen = op_screen,
	.send_keys = op_send_keys,
	.snapshot = op_snapshot,
	.record = op_record,
};
