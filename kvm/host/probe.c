/*
 * probe.c - measure what this host's KVM does with guest debugging: for
 * each CPU mode (real, flat 32-bit protected, 64-bit long mode) a tiny
 * program runs in a scratch VM (probe_vm.c) under one debug setting at a
 * time, and the exit it produces is the answer.  About 4 ms here.
 *
 * The probe never hangs and leaves nothing behind: the programs cannot
 * loop (see probe_vm.c), each KVM_RUN is bounded by a timer, and every fd
 * and mapping is released on every path.
 */
#include "probe_priv.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "ioctl.h"

/*
 * One case: the mode's vCPU put back into the mode's start state (a fresh
 * vCPU per case is as reliable but costs a KVM_CREATE_VCPU, an mmap and a
 * KVM_SET_CPUID2 each: 6 ms instead of 4 here), one debug setting, one
 * KVM_RUN.
 */
static int run_case(struct probe *p, struct vcpu *v, enum pmode pm, uint32_t dbg, uint64_t dr0,
		    uint64_t dr7, struct result *res)
{
	int ret;

	memset(res, 0, sizeof(*res));
	ret = probe_vm__set_debug(v, 0, 0, 0);
	if (ret < 0)
		return probe_vm__fail(p, "KVM_SET_GUEST_DEBUG", ret);
	ret = probe_vm__set_mode(p, v, pm);
	if (ret < 0)
		return ret;
	if (dbg && probe_vm__set_debug(v, dbg, dr0, dr7) < 0) {
		/* A debug mode this host refuses: "no", not a probe failure. */
		res->what = OUT_OTHER;
		return 0;
	}
	return probe_vm__run(p, v, res);
}

/*
 * The vCPU stopped at a debug register breakpoint: set RFLAGS.RF, which
 * tells the CPU to skip instruction breakpoints for one instruction, and
 * run on.  Where KVM keeps it, the program runs to its end.
 */
static int run_with_rf(struct probe *p, struct vcpu *v, struct result *res)
{
	struct kvm_regs r;
	int ret = KVM_IOCTL(v->fd, KVM_GET_REGS, &r);

	if (ret < 0)
		return probe_vm__fail(p, "KVM_GET_REGS", ret);
	r.rflags |= RFLAGS_RF;
	ret = KVM_IOCTL(v->fd, KVM_SET_REGS, &r);
	if (ret < 0)
		return probe_vm__fail(p, "KVM_SET_REGS", ret);
	return probe_vm__run(p, v, res);
}

static int probe_cases(struct probe *p, struct vcpu *v, enum probe_mode m, struct host_caps *c)
{
	enum pmode pm = (enum pmode)m;	/* PM_REAL..PM_LONG match PROBE_* */
	const uint32_t en = KVM_GUESTDBG_ENABLE;
	struct result r;
	int ret;

	probe_vm__load(p, m, false);
	ret = run_case(p, v, pm, 0, 0, 0, &r);
	if (ret < 0)
		return ret;
	c->runs[m] = r.what == OUT_DONE;

	ret = run_case(p, v, pm, en | KVM_GUESTDBG_SINGLESTEP, 0, 0, &r);
	if (ret < 0)
		return ret;
	c->single_step[m] = r.what == OUT_DEBUG && r.exception == 1 && r.pc == P_CODE + 1;

	ret = run_case(p, v, pm, en | KVM_GUESTDBG_USE_HW_BP, P_CODE + 1, DR7_FIXED | DR7_L0, &r);
	if (ret < 0)
		return ret;
	c->hw_exec_bp[m] = r.what == OUT_DEBUG && r.exception == 1 && r.pc == P_CODE + 1 &&
			   (r.dr6 & 1);
	if (c->hw_exec_bp[m]) {
		ret = run_with_rf(p, v, &r);
		if (ret < 0)
			return ret;
		c->hw_bp_rf[m] = r.what == OUT_DONE;
	}

	ret = run_case(p, v, pm, en | KVM_GUESTDBG_USE_HW_BP, P_DATA,
		       DR7_FIXED | DR7_L0 | DR7_RW0_WRITE, &r);
	if (ret < 0)
		return ret;
	c->hw_watch[m] = r.what == OUT_DEBUG && r.exception == 1 && (r.dr6 & 1);

	probe_vm__load(p, m, true);
	ret = run_case(p, v, pm, en | KVM_GUESTDBG_USE_SW_BP, 0, 0, &r);
	if (ret < 0)
		return ret;
	c->sw_bp_intercepted[m] = r.what == OUT_DEBUG && r.exception == 3;
	c->int3_emulation_exit[m] = r.what == OUT_INTERNAL && r.rip == probe_vm__int3_addr(m);
	return 0;
}

static int probe_mode(struct probe *p, enum probe_mode m, struct host_caps *c)
{
	struct vcpu v;
	int ret;

	ret = probe_vm__vcpu_open(p, &v, (enum pmode)m);
	if (ret < 0)
		return ret;
	ret = probe_cases(p, &v, m, c);
	probe_vm__vcpu_close(p, &v);
	return ret;
}

/* BLOCKIRQ is a flag of KVM_SET_GUEST_DEBUG: accepted or EINVAL. */
static int probe_blockirq(struct probe *p, struct host_caps *c)
{
	struct vcpu v;
	int ret;

	ret = probe_vm__vcpu_open(p, &v, PM_REAL);
	if (ret < 0)
		return ret;
	c->blockirq = probe_vm__set_debug(&v, KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP |
				KVM_GUESTDBG_BLOCKIRQ, 0, 0) == 0;
	probe_vm__vcpu_close(p, &v);
	return 0;
}

static int probe_paging32(struct probe *p, struct host_caps *c)
{
	struct result r;
	struct vcpu v;
	int ret;

	ret = probe_vm__vcpu_open(p, &v, PM_PAGING32);
	if (ret < 0)
		return ret;
	probe_vm__load(p, PROBE_PROTECTED, false);
	ret = run_case(p, &v, PM_PAGING32, 0, 0, 0, &r);
	probe_vm__vcpu_close(p, &v);
	if (ret < 0)
		return ret;
	c->paging32_runs = r.what == OUT_DONE;
	return 0;
}

/* "flags : ... vmx ..." in /proc/cpuinfo; false when unreadable. */
static bool cpu_has_virt(void)
{
	char buf[8192], *line, *end;
	ssize_t n;
	int fd;

	fd = open("/proc/cpuinfo", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);	/* the first CPU's block is enough */
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	line = strstr(buf, "\nflags");
	if (!line)
		return false;
	end = strchr(line + 1, '\n');
	if (end)
		*end = '\0';
	return strstr(line, " vmx") || strstr(line, " svm");
}

static int check_ext(int kvm_fd, long cap)
{
	int ret = KVM_IOCTL(kvm_fd, KVM_CHECK_EXTENSION, cap);

	return ret < 0 ? 0 : ret;
}

static void probe_caps(struct probe *p, struct host_caps *c)
{
	c->readonly_mem = check_ext(p->kvm_fd, KVM_CAP_READONLY_MEM) > 0;
	c->immediate_exit = check_ext(p->kvm_fd, KVM_CAP_IMMEDIATE_EXIT) > 0;
	c->irqchip = check_ext(p->kvm_fd, KVM_CAP_IRQCHIP) > 0;
	/* The API's defaults when a capability is absent. */
	c->nr_vcpus = check_ext(p->kvm_fd, KVM_CAP_NR_VCPUS);
	if (c->nr_vcpus <= 0)
		c->nr_vcpus = 4;
	c->max_vcpus = check_ext(p->kvm_fd, KVM_CAP_MAX_VCPUS);
	if (c->max_vcpus <= 0)
		c->max_vcpus = c->nr_vcpus;
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

void probe__caps(int kvm_fd, struct host_caps *caps)
{
	struct probe p = { .kvm_fd = kvm_fd, .vm_fd = -1 };

	memset(caps, 0, sizeof(*caps));
	probe_caps(&p, caps);
}

int probe__measure(int kvm_fd, struct host_caps *caps, char *err, size_t errlen)
{
	struct probe p = { .kvm_fd = kvm_fd, .vm_fd = -1, .err = err, .errlen = errlen,
			   .max_vcpu_id = 8 };
	struct timespec t0;
	bool intercepted = false;
	int ret, m;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (err && errlen)
		err[0] = '\0';

	ret = probe_vm__setup(&p);
	for (m = 0; !ret && m < PROBE_NR_MODES; m++)
		ret = probe_mode(&p, m, caps);
	if (!ret)
		ret = probe_blockirq(&p, caps);
	if (!ret)
		ret = probe_paging32(&p, caps);
	probe_vm__teardown(&p);

	/*
	 * "Emulated": the CPU offers no VT-x/SVM (nested kvm-pvm), or int3
	 * was intercepted in no mode -- KVM on VT-x/SVM always can.
	 */
	for (m = 0; m < PROBE_NR_MODES; m++)
		intercepted |= caps->sw_bp_intercepted[m];
	caps->emulated = !cpu_has_virt() || !intercepted;
	caps->elapsed_ms = ms_since(&t0);
	return ret;
}

int probe__run(int kvm_fd, struct host_caps *caps, char *err, size_t errlen)
{
	probe__caps(kvm_fd, caps);
	return probe__measure(kvm_fd, caps, err, errlen);
}
