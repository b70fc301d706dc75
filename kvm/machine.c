/*
 * machine.c - create and destroy the KVM machine: /dev/kvm, the probe, the
 * VM, its memory and image, the vCPUs and their threads.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "machine_priv.h"

#include "cpu/power_on.h"
#include "dev/irqchip.h"
#include "exec/allstop.h"
#include "exec/thread.h"
#include "host/helper.h"
#include "host/log.h"
#include "host/vm.h"
#include "snap/crc32.h"

_Static_assert(MACHINE_MEM_MAX == MEM_RAM_MAX, "machine.h and the memory map disagree");
_Static_assert(MACHINE_IMAGE_MAX == MEM_FW_MAX, "machine.h and the memory map disagree");
_Static_assert(MACHINE_MAX_VCPUS <= SNAP_MAX_CPUS, "a snapshot holds fewer vCPUs than --smp makes");

#define REAL_MODE_TOP	0x100000ull

/*
 * Start-up work that gdb does not wait for.
 *
 * The probe's measurements (probe.c: a scratch VM, a few programs in each
 * CPU mode, about 4 ms here) decide how breakpoints, watchpoints and steps
 * work, and nothing else: the machine is built, the daemon listens and
 * gdb connects, reads target.xml, the registers and memory while a helper
 * thread measures.  machine__settle() joins it where its answers are
 * needed (breakpoints, watchpoints, resuming, monitor info, options,
 * reset: the target operations that call it, target.c), then sets up the
 * breakpoint and watchpoint managers.  Until then m->caps holds only what
 * KVM_CHECK_EXTENSION said.  The PIT's reinject set-up (irqchip.c) is
 * joined at the same point (the devices' settle).
 */
static void *measure(void *arg)
{
	struct machine *m = arg;

	m->probe.ret = probe__measure(m->kvm_fd, &m->probe.caps, m->probe.err,
				      sizeof(m->probe.err));
	return NULL;
}

static void start_probe(struct machine *m)
{
	m->probe.caps = m->caps;	/* KVM_CHECK_EXTENSION's part, measured on top */
	m->probe.pending = helper__start(&m->probe.thread, measure, m);
	m->probe.started = true;
}

int machine__settle(struct machine *m)
{
	if (m->settled)
		return m->settle_err;
	devices__settle(&m->devs);
	if (!m->probe.started)
		return 0;	/* machine__create failed before the probe */
	if (m->probe.pending) {
		pthread_join(m->probe.thread, NULL);
		m->probe.pending = false;
	}
	m->settled = true;
	m->caps = m->probe.caps;
	bp__init(&m->bpm, &m->caps, m->cfg.log);
	watch__init(&m->wm, &m->caps, m->cfg.log);
	m->so.blockirq = m->caps.blockirq;
	if (m->probe.ret < 0) {
		m->settle_err = m->probe.ret;
		fprintf(stderr, "kvmstub: probing this host's KVM failed: %s; breakpoints, "
			"watchpoints and running the guest are refused\n", m->probe.err);
	}
	return m->settle_err;
}

/* SIGUSR1 only needs to interrupt KVM_RUN (EINTR); the handler does nothing. */
static void kick_handler(int sig)
{
	(void)sig;
}

static int install_kick_signal(char *err, size_t errlen)
{
	struct sigaction sa;
	sigset_t usr1;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = kick_handler;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;		/* no SA_RESTART: KVM_RUN must return EINTR */
	if (sigaction(SIGUSR1, &sa, NULL) < 0) {
		snprintf(err, errlen, "sigaction(SIGUSR1) failed: %s", strerror(errno));
		return -errno;
	}
	/* Only vCPU threads take SIGUSR1. */
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &usr1, NULL);
	return 0;
}

static void initial_stop(struct vcpu *v)
{
	uint64_t pc = 0;

	cpu__pc(&v->cpu, &pc);
	memset(&v->stop, 0, sizeof(v->stop));
	v->stop.reason = STOP_STEP;
	v->stop.cpu = v->id;
	v->stop.addr = pc;
	v->stop_pending = false;
}

/* What the command line says about starting the image (boot/). */
static struct boot_options boot_options(const struct machine *m)
{
	const struct machine_config *cfg = &m->cfg;

	return (struct boot_options){
		.load_set = cfg->load_set,
		.load_addr = cfg->load_addr,
		.reset_arch = cfg->reset == RESET_ARCHITECTURAL,
		.mem_size = cfg->mem_size,
		.append = cfg->append,
		.modules = m->modules,
		.nr_modules = cfg->nr_modules,
		.boot_drive_path = cfg->floppy_path ? cfg->floppy_path : cfg->disk_path,
		.boot_floppy = cfg->floppy_path != NULL,
	};
}

int machine__power_on(struct machine *m, char *err, size_t errlen)
{
	struct cpu_entry entry = { 0 };
	int r;

	const struct boot_options o = boot_options(m);

	boot__entry(m->have_img ? &m->img : NULL, &o, &entry);
	memory__clear(&m->mem);
	if (m->have_img) {
		r = boot__load(&m->img, &m->mem, err, errlen);
		if (r < 0)
			return r;
	}
	r = devices__reset(&m->devs, err, errlen);
	if (r < 0)
		return r;
	for (int i = 0; i < m->x.nr_vcpus; i++) {
		struct vcpu *v = &m->vcpus[i];

		r = vcpu__reset_debug(v, err, errlen);
		if (r < 0)
			return r;
		r = cpu_state__restore(&v->power_on, v->cpu.fd, CPU_STATE_ALL, err, errlen);
		if (r < 0)
			return r;
		r = cpu__reset(&v->cpu, &v->power_on.sregs, &entry, err, errlen);
		if (r < 0)
			return r;
		initial_stop(v);
	}
	allstop__clear(&m->x);
	return 0;
}

/* What a snapshot takes from and puts back to. */
static void snap_machine(struct machine *m, struct snap_machine *sm)
{
	memset(sm, 0, sizeof(*sm));
	sm->kvm_fd = m->kvm_fd;
	sm->nr_cpus = m->x.nr_vcpus;
	for (int i = 0; i < m->x.nr_vcpus; i++) {
		sm->cpus[i] = &m->vcpus[i].cpu;
		sm->owed[i] = &m->vcpus[i].owed;
	}
	sm->irqchip = irqchip__on(&m->devs);
	sm->mem = &m->mem;
	sm->devs = &m->devs;
	sm->bpm = &m->bpm;
	sm->id = m->snap_id;
}

/* What this machine's snapshots belong to: its image (by name, size and
 * CRC-32), memory sizes, vCPUs. */
static void snap_identity(struct machine *m)
{
	struct snap_id *id = &m->snap_id;
	const char *base;

	memset(id, 0, sizeof(*id));
	id->ram_size = m->mem.ram_size;
	id->fw_size = m->mem.fw_size;
	id->nr_cpus = (uint32_t)m->x.nr_vcpus;
	if (!m->have_img)
		return;
	base = strrchr(m->img.path, '/');
	snprintf(id->image, sizeof(id->image), "%s", base ? base + 1 : m->img.path);
	id->image_size = m->img.size;
	id->image_crc = crc32__update(0, m->img.data, m->img.size);
}

int machine__snapshot(struct machine *m, enum target_snap_op op, const char *name,
		      const char *file, char *msg, size_t len)
{
	struct snap_machine sm;
	char err[256];
	int r;

	msg[0] = '\0';
	snap_machine(m, &sm);
	switch (op) {
	case TARGET_SNAP_SAVE:
		if (record__past(&m->rec)) {
			/* Registers and memory are the past's, the devices the end's. */
			snprintf(msg, len, "the machine is in the past of the record log: its "
				 "devices are as at the end of the log; go forward to the end "
				 "(continue) or monitor record off first");
			return -EBUSY;
		}
		return snap__save(&m->snaps, &sm, name, msg, len);
	case TARGET_SNAP_DELETE:
		return snap__delete(&m->snaps, name, msg, len);
	case TARGET_SNAP_LIST:
		return snap__list(&m->snaps, msg, len);
	case TARGET_SNAP_WRITE:
		return snap__write(&m->snaps, name, file, msg, len);
	case TARGET_SNAP_RESTORE:
	case TARGET_SNAP_LOAD:
		break;
	default:
		return -EINVAL;
	}
	/* Guest debugging off and nothing owed, as at power-on; the snapshot
	 * then says what the guest's own TF and owed events were. */
	for (int i = 0; i < m->x.nr_vcpus; i++) {
		r = vcpu__reset_debug(&m->vcpus[i], err, sizeof(err));
		if (r < 0) {
			snprintf(msg, len, "%s", err);
			return r;
		}
	}
	r = op == TARGET_SNAP_LOAD ? snap__load(&m->snaps, &sm, file, msg, len) :
	     snap__restore(&m->snaps, &sm, name, msg, len);
	for (int i = 0; i < m->x.nr_vcpus; i++)
		initial_stop(&m->vcpus[i]);
	allstop__clear(&m->x);
	if (r == 0 && m->rec.on) {
		/* The log was of another past: it starts again here. */
		size_t n = strlen(msg);

		record__rebase(&m->rec, &m->vcpus[0].cpu, err, sizeof(err));
		snprintf(msg + n, len - n, "the record log starts again here\n");
	}
	return r;
}

int machine__record(struct machine *m, enum target_rec_op op, uint64_t arg, char *msg,
		    size_t len)
{
	struct recorder *rec = &m->rec;

	msg[0] = '\0';
	switch (op) {
	case TARGET_REC_QUERY:
		return rec->on ? 1 : 0;
	case TARGET_REC_ON:
		if (m->x.nr_vcpus > 1) {
			snprintf(msg, len, "recording needs a machine of one vCPU; this one has %d "
				 "(--smp): the order in which several vCPUs touch memory is not "
				 "recorded", m->x.nr_vcpus);
			return -EOPNOTSUPP;
		}
		return record__start(rec, &m->vcpus[0].cpu, msg, len);
	case TARGET_REC_OFF:
		snprintf(msg, len, rec->on ? "recording: off (the log is dropped%s)" :
			 "recording was off%s", record__past(rec) ?
			 "; the guest goes on from here, in the past, its devices as they were "
			 "here" : "");
		record__stop(rec, &m->vcpus[0].cpu);
		return 0;
	case TARGET_REC_STATUS:
		record__status(rec, msg, len);
		return 0;
	case TARGET_REC_LIMIT:
	case TARGET_REC_LIMIT_BYTES:
		return record__limit(rec, arg, op == TARGET_REC_LIMIT_BYTES, msg, len);
	}
	return -EINVAL;
}

/*
 * --smp N: KVM's own ceiling (KVM_CAP_MAX_VCPUS) and ours; more than the
 * recommended KVM_CAP_NR_VCPUS works but may be slow, so it is only logged.
 * The APs need the in-kernel local APICs to be started by INIT and SIPI.
 */
static int check_smp(struct machine *m, int n, char *err, size_t errlen)
{
	int max = m->caps.max_vcpus > 0 ? m->caps.max_vcpus : 1;

	if (n < 1 || n > MACHINE_MAX_VCPUS) {
		snprintf(err, errlen, "--smp %d: kvmstub runs 1 to %d vCPUs", n, MACHINE_MAX_VCPUS);
		return -EINVAL;
	}
	if (n > max) {
		snprintf(err, errlen, "--smp %d: this host's KVM allows at most %d vCPUs per VM "
			 "(KVM_CAP_MAX_VCPUS)", n, max);
		return -EINVAL;
	}
	if (n > 1 && !m->caps.irqchip) {
		snprintf(err, errlen, "--smp %d: this host's KVM has no in-kernel interrupt "
			 "controller (KVM_CAP_IRQCHIP), which starts the other vCPUs", n);
		return -EOPNOTSUPP;
	}
	if (m->caps.nr_vcpus > 0 && n > m->caps.nr_vcpus)
		log__say(m->cfg.log, "--smp %d: more vCPUs than KVM recommends on this host (%d, "
			     "KVM_CAP_NR_VCPUS); they work, maybe slowly", n, m->caps.nr_vcpus);
	return 0;
}

static int load_image(struct machine *m, char *err, size_t errlen)
{
	const struct machine_config *cfg = &m->cfg;
	const struct boot_options o = boot_options(m);
	int r;

	if (cfg->load_set && cfg->load_addr >= REAL_MODE_TOP) {
		snprintf(err, errlen,
			 "--load address must be below 1 MiB (the vCPU starts there in real mode): "
			 "0x%llx", (unsigned long long)cfg->load_addr);
		return -EINVAL;
	}
	for (int i = 0; i < cfg->nr_modules && i < BOOT_MAX_MODULES; i++)
		m->modules[i] = (struct boot_module){ cfg->modules[i].path, cfg->modules[i].args };
	if (m->image_path) {
		if (cfg->bios_path) {
			snprintf(err, errlen, "--bios boots a disk, with no image: give --disk FILE "
				 "or --floppy FILE instead of %s (raw firmware is given as the image)",
				 m->image_path);
			return -EINVAL;
		}
		r = boot__open(m->image_path, &m->img, err, errlen);
	} else if (cfg->disk_path || cfg->floppy_path) {
		r = boot__open_bios(cfg->bios_path, &m->img, err, errlen);
	} else {
		return 0;
	}
	if (r < 0)
		return r;
	m->have_img = true;
	if ((cfg->append || cfg->nr_modules) && m->img.proto != &multiboot1_protocol &&
	    m->img.proto != &multiboot2_protocol) {
		snprintf(err, errlen, "%s for a multiboot kernel; %s is %s",
			 !cfg->nr_modules ? "--append is" : cfg->append ?
			 "--append and --module are" : "--module is", m->img.path,
			 m->img.proto->name);
		return -EINVAL;
	}
	return boot__plan(&m->img, &o, err, errlen);
}

int machine__create(const struct machine_config *cfg, struct machine **out,
		    char *err, size_t errlen)
{
	struct machine *m = calloc(1, sizeof(*m));
	uint64_t fw_size = MEM_FW_MIN;
	int r;

	*out = NULL;
	if (!m) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	m->cfg = *cfg;
	m->kvm_fd = m->vm_fd = m->x.event_fd = -1;
	pthread_mutex_init(&m->x.lock, NULL);
	m->x.lock_init = true;
	if (m->cfg.nr_cpus < 1)
		m->cfg.nr_cpus = 1;
	if (cfg->image_path) {
		m->image_path = strdup(cfg->image_path);
		if (!m->image_path) {
			snprintf(err, errlen, "out of memory");
			r = -ENOMEM;
			goto fail;
		}
		m->cfg.image_path = m->image_path;
	}
	r = load_image(m, err, errlen);
	if (r < 0)
		goto fail;
	if (m->have_img && !cfg->load_set)
		fw_size = boot__fw_size(&m->img);

	r = vm__open_kvm(&m->kvm_fd, err, errlen);
	if (r < 0)
		goto fail;
	probe__caps(m->kvm_fd, &m->caps);
	start_probe(m);		/* measured meanwhile */
	r = check_smp(m, m->cfg.nr_cpus, err, errlen);
	if (r < 0)
		goto fail;
	r = vm__create(m->kvm_fd, MEM_VMX_TSS, MEM_VMX_IDMAP, &m->vm_fd, &m->run_size, err, errlen);
	if (r < 0)
		goto fail;
	/* Memory before the interrupt controller: on the development host
	 * the first memory slot of a VM that has one took 6 ms, of one that
	 * has none 0.05 ms.  The controller must come before the vCPUs. */
	r = memory__init(&m->mem, m->vm_fd, cfg->mem_size, fw_size, err, errlen);
	if (r < 0)
		goto fail;
	r = devices__create(&m->devs, &(struct dev_env){
		.kvm_fd = m->kvm_fd, .vm_fd = m->vm_fd, .caps = &m->caps,
		.out_fd = cfg->serial_fd, .log = cfg->log, .mem = &m->mem, .devs = &m->devs,
		.disk_path = cfg->disk_path, .disk_rw = cfg->disk_rw,
		.floppy_path = cfg->floppy_path, .screen_fd = cfg->screen_fd,
		.screen_rewrite = cfg->screen_rewrite, .console_fd = cfg->console_fd,
		.serial_in_fd = cfg->serial_in_fd,
	}, err, errlen);
	if (r < 0)
		goto fail;
	m->x.event_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (m->x.event_fd < 0) {
		r = -errno;
		snprintf(err, errlen, "eventfd failed: %s", strerror(errno));
		goto fail;
	}
	r = install_kick_signal(err, errlen);
	if (r < 0)
		goto fail;
	/* What the vCPU threads share, and the layers below them. */
	m->x.vcpus = m->vcpus;
	m->x.kvm_fd = m->kvm_fd;
	m->x.vm_fd = m->vm_fd;
	m->x.run_size = m->run_size;
	m->x.nr_cpus = m->cfg.nr_cpus;
	m->x.caps = &m->caps;
	m->x.mem = &m->mem;
	m->x.devs = &m->devs;
	m->x.bpm = &m->bpm;
	m->x.wm = &m->wm;
	m->x.so = &m->so;
	m->x.rec = &m->rec;
	record__init(&m->rec, &m->mem, &m->bpm, &m->wm, &m->devs, m->kvm_fd, cfg->log);
	m->x.log = cfg->log;
	/* vCPU 0 is the bootstrap processor; KVM starts the others (APs)
	 * waiting for INIT and SIPI. */
	for (int i = 0; i < m->cfg.nr_cpus; i++) {
		r = vcpu__init(&m->x, &m->vcpus[i], i, err, errlen);
		m->x.nr_vcpus = i + 1;
		if (r < 0)
			goto fail;
	}
	r = machine__power_on(m, err, errlen);
	if (r < 0)
		goto fail;
	snap__init(&m->snaps, cfg->snapshot_dir, cfg->log);
	snap_identity(m);
	for (int i = 0; i < m->x.nr_vcpus; i++) {
		r = thread__start(&m->vcpus[i], err, errlen);
		if (r < 0)
			goto fail;
	}
	m->target.ops = &machine_target_ops;
	m->target.priv = m;
	/* How the image starts, once everything it needs is there. */
	if (m->have_img && m->img.report[0])
		fprintf(stderr, "kvmstub: %s\n", m->img.report);
	log__say(m->cfg.log, "machine: %d vCPU%s, %llu KiB RAM, firmware window %llu KiB, %s",
		     m->x.nr_vcpus, m->x.nr_vcpus > 1 ? "s" : "",
		     (unsigned long long)(cfg->mem_size >> 10),
		     (unsigned long long)(fw_size >> 10), bp__describe_sw(&m->bpm));
	*out = m;
	return 0;
fail:
	machine__destroy(m);
	return r;
}

struct target *machine__target(struct machine *m)
{
	return &m->target;
}

void machine__destroy(struct machine *m)
{
	if (!m)
		return;
	machine__settle(m);	/* the helper threads, before the fds go */
	for (int i = 0; i < m->x.nr_vcpus; i++)
		thread__stop(&m->vcpus[i]);
	for (int i = 0; i < m->x.nr_vcpus; i++)
		vcpu__destroy(&m->vcpus[i]);
	snap__free(&m->snaps);
	record__free(&m->rec);
	devices__destroy(&m->devs);
	memory__free(&m->mem);
	if (m->x.event_fd >= 0)
		close(m->x.event_fd);
	if (m->vm_fd >= 0)
		close(m->vm_fd);
	if (m->kvm_fd >= 0)
		close(m->kvm_fd);
	if (m->have_img)
		boot__close(&m->img);
	if (m->x.lock_init)
		pthread_mutex_destroy(&m->x.lock);
	free(m->image_path);
	free(m);
}

int machine__probe(FILE *out, char *err, size_t errlen)
{
	struct host_caps caps;
	int kvm_fd, r;

	r = vm__open_kvm(&kvm_fd, err, errlen);
	if (r < 0)
		return r;
	memset(&caps, 0, sizeof(caps));
	r = probe__run(kvm_fd, &caps, err, errlen);
	close(kvm_fd);
	if (r < 0)
		return r;
	probe__print(&caps, out);
	return 0;
}
