/*
 * startup.c - start-up work that gdb does not wait for.
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
 * joined at the same point.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "machine_priv.h"

static void *measure(void *arg)
{
	struct machine *m = arg;

	m->probe.ret = probe__measure(m->kvm_fd, &m->probe.caps, m->probe.err,
				      sizeof(m->probe.err));
	return NULL;
}

void startup__probe(struct machine *m)
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
