/*
 * packets_run.c - packets that change what the guest does: resume (c s C
 * S vCont), breakpoints and watchpoints (Z z, one handler for both),
 * leaving (D k vKill) and starting again (extended-remote: ! vRun R).
 * Resuming packets get no reply now: the stop reply follows from
 * session__target_event when the target stops.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "packets_priv.h"
#include "regs.h"

/* ---- resuming ---- */

static int step_cpu(const struct session *s)
{
	return s->c_cpu >= 0 ? s->c_cpu : s->g_cpu;
}

static enum session_action do_resume(struct session *s, const struct target_resume *gdb_how)
{
	struct target_resume how = *gdb_how;
	int ret;

	if (s->exited)
		return pkt__reply_err(s, 1);	/* nothing left to run; reset first */
	/* gdb resumes after following the exec stop of a layout switch: the
	 * stop that was behind it, at once, nothing run. */
	if (session__report_kept_stop(s, how.kind))
		return SESSION_OK;
	session__add_filter(s, &how);
	ret = s->target->ops->resume(s->target, &how);
	if (ret < 0)
		return pkt__reply_err(s, ret);
	s->last_resume = how;
	s->running = true;
	s->free_running = false;
	s->killed = false;
	s->no_reply = true;	/* the stop reply comes when the target stops */
	return SESSION_OK;
}

/* The optional address of c/s/C/S: resume there. */
static int set_pc(struct session *s, int cpu, uint64_t pc)
{
	struct target *t = s->target;
	struct target_regs r;
	uint8_t val[8];
	int pcnum = regs_layout__pc(s->layout);
	int i, size = regs_layout__size(s->layout, pcnum), ret;

	if (size <= 0 || size > 8)
		return -EINVAL;
	for (i = 0; i < size; i++)
		val[i] = (uint8_t)(pc >> (8 * i));
	ret = t->ops->get_regs(t, cpu, &r);
	if (ret == 0)
		ret = regs_layout__write(s->layout, t, cpu, &r, pcnum, val, size, NULL, 0);
	if (ret == 0)
		ret = t->ops->set_regs(t, cpu, &r);
	return ret;
}

/*
 * c and s without vCont: c runs every vCPU; s steps the Hc thread, alone
 * when Hc named one (as gdbserver does), else with the others running.
 */
static enum session_action resume_at(struct session *s, enum target_resume_kind kind,
				     const char *p, const char *end)
{
	struct target_resume how = { .kind = kind, .cpu = step_cpu(s),
				     .alone = kind != RESUME_CONTINUE && s->c_cpu >= 0 };
	uint64_t pc;
	int ret;

	if (p != end) {
		if (!pkt__parse_num(&p, end, &pc) || p != end)
			return pkt__reply_err(s, 1);
		ret = set_pc(s, how.cpu, pc);
		if (ret < 0)
			return pkt__reply_err(s, ret);
	}
	return do_resume(s, &how);
}

enum session_action pkt__continue(struct session *s, const char *a, size_t len)
{
	return resume_at(s, RESUME_CONTINUE, a, a + len);
}

enum session_action pkt__step(struct session *s, const char *a, size_t len)
{
	return resume_at(s, RESUME_STEP, a, a + len);
}

/* bs, bc: backwards through the record log; an error when not recording. */
static enum session_action reverse(struct session *s, enum target_resume_kind kind)
{
	struct target_resume how = { .kind = kind, .cpu = step_cpu(s), .reverse = true };

	if (how.cpu < 0)
		how.cpu = 0;
	return do_resume(s, &how);
}

enum session_action pkt__reverse_step(struct session *s, const char *a, size_t len)
{
	(void)a;
	(void)len;
	return reverse(s, RESUME_STEP);
}

enum session_action pkt__reverse_continue(struct session *s, const char *a, size_t len)
{
	(void)a;
	(void)len;
	return reverse(s, RESUME_CONTINUE);
}

/* "C sig[;addr]" / "S sig[;addr]": the signal means nothing to a bare CPU. */
static enum session_action resume_sig(struct session *s, enum target_resume_kind kind,
				      const char *a, size_t len)
{
	const char *p = a, *end = a + len;
	uint64_t sig;

	if (!pkt__parse_num(&p, end, &sig) || sig > 0xff)
		return pkt__reply_err(s, 1);
	if (p != end && (!pkt__parse_char(&p, end, ';') || p == end))
		return pkt__reply_err(s, 1);
	return resume_at(s, kind, p, end);
}

enum session_action pkt__continue_sig(struct session *s, const char *a, size_t len)
{
	return resume_sig(s, RESUME_CONTINUE, a, len);
}

enum session_action pkt__step_sig(struct session *s, const char *a, size_t len)
{
	return resume_sig(s, RESUME_STEP, a, len);
}

enum session_action pkt__vcont_query(struct session *s, const char *a, size_t len)
{
	(void)a;
	(void)len;
	return pkt__reply_str(s, "vCont;c;C;s;S;r");
}

#define VCONT_MAX_ACTIONS	16

struct vcont_action {
	char op;		/* 'c', 's' or 'r' (C and S folded in) */
	uint64_t start, end;	/* 'r' */
	int64_t tid;		/* 0: no thread given (applies to all), -1: all */
};

/* One action after its ';': "c", "Cxx", "s", "Sxx", "rSTART,END", then ":tid". */
static bool parse_vcont_action(const char **p, const char *end, struct vcont_action *act)
{
	uint64_t sig;
	char op;

	if (*p >= end)
		return false;
	op = *(*p)++;
	memset(act, 0, sizeof(*act));
	switch (op) {
	case 'C':
	case 'S':
		if (!pkt__parse_num(p, end, &sig) || sig > 0xff)
			return false;
		op = op == 'C' ? 'c' : 's';
		break;
	case 'r':
		if (!pkt__parse_addr_len(p, end, &act->start, &act->end))
			return false;
		break;
	case 'c':
	case 's':
		break;
	default:
		return false;	/* 't' and the rest belong to non-stop mode */
	}
	act->op = op;
	if (*p < end && **p == ':') {
		(*p)++;
		if (!pkt__parse_tid(p, end, &act->tid))
			return false;
	}
	return true;
}

/*
 * The leftmost action that names cpu, or names no thread, or NULL.
 * All-stop: a vCPU without an action stays stopped (gdb's scheduler-
 * locking sends "vCont;s:2", without it "vCont;s:2;c").  The target takes
 * one stepping (or range-stepping, or lone) vCPU and says whether the
 * others continue or stay stopped (target_resume.alone); several vCPUs
 * named with others left out run all of them.
 */
static const struct vcont_action *vcont_for_cpu(const struct vcont_action *acts, int n, int cpu)
{
	int i;

	for (i = 0; i < n; i++)
		if (acts[i].tid <= 0 || acts[i].tid == cpu + 1)
			return &acts[i];
	return NULL;
}

enum session_action pkt__vcont(struct session *s, const char *a, size_t len)
{
	const char *p = a, *end = a + len;
	struct vcont_action acts[VCONT_MAX_ACTIONS];
	const struct vcont_action *act, *step = NULL;
	struct target_resume how = { .kind = RESUME_CONTINUE, .cpu = step_cpu(s) };
	int n = 0, cpu, nr_acting = 0, first = -1;

	/* The table ate the first ';': "ACTION[;ACTION]..." */
	for (;;) {
		if (n == VCONT_MAX_ACTIONS || !parse_vcont_action(&p, end, &acts[n]))
			return pkt__reply_err(s, 1);
		n++;
		if (p == end)
			break;
		if (!pkt__parse_char(&p, end, ';'))
			return pkt__reply_err(s, 1);
	}
	/* One stepping vCPU at most (ours first), or everyone continues. */
	for (cpu = 0; cpu < pkt__nr_cpus(s); cpu++) {
		act = vcont_for_cpu(acts, n, cpu);
		if (!act)
			continue;
		nr_acting++;
		if (first < 0)
			first = cpu;
		if (act->op != 'c' && (!step || cpu == step_cpu(s))) {
			step = act;
			how.cpu = cpu;
		}
	}
	if (!nr_acting)
		return pkt__reply_err(s, 1);
	if (nr_acting == 1) {
		how.alone = true;	/* the one named runs, the others stay stopped */
		how.cpu = first;
	}
	if (step && step->op == 's') {
		how.kind = RESUME_STEP;
	} else if (step) {
		how.kind = RESUME_RANGE;
		how.range_start = step->start;
		how.range_end = step->end;
	}
	return do_resume(s, &how);
}

/* ---- breakpoints and watchpoints: one handler for Z and z ---- */

/*
 * A breakpoint is in (or out): keep its conditions (or drop them).  gdb
 * sends the whole list with every Z, so each insert replaces it.  A list
 * we cannot evaluate is dropped, not refused: an error reply would make
 * gdb fail the insertion, an empty one would make it give up Z0 for
 * memory writes of int3; with no conditions here every hit is reported
 * and gdb evaluates the condition itself.
 */
static void breakpoint_conds(struct session *s, bool insert, enum target_bp_kind type,
			     uint64_t addr, int parsed, const struct cond_bp *conds,
			     const char *why)
{
	if (type != BP_SOFTWARE && type != BP_HARDWARE)
		return;
	if (!insert || parsed < 0) {
		conds__remove(&s->conds, type, addr);
		if (insert && s->log)
			fprintf(s->log, "kvmstub: breakpoint at 0x%llx: %s; gdb evaluates its "
				"condition\n", (unsigned long long)addr, why);
		return;
	}
	if (conds__store(&s->conds, conds) < 0 && s->log)
		fprintf(s->log, "kvmstub: breakpoint at 0x%llx: more than %d breakpoints with "
			"conditions; gdb evaluates its condition\n", (unsigned long long)addr,
			CONDS_MAX_BPS);
}

static enum session_action breakpoint(struct session *s, const char *a, size_t len, bool insert)
{
	const char *p = a, *end = a + len;
	struct target *t = s->target;
	uint64_t type, addr, kind;
	struct cond_bp conds;
	char why[128] = "";
	int ret, parsed = 0;

	if (!pkt__parse_num(&p, end, &type) || type >= TARGET_NR_BP_KINDS ||
	    !pkt__parse_char(&p, end, ',') || !pkt__parse_addr_len(&p, end, &addr, &kind))
		return pkt__reply_err(s, 1);
	/* Z: ";X len,bytecode" conditions may follow (conds.c). */
	if (insert) {
		parsed = conds__parse(p, end, (enum target_bp_kind)type, addr, s->layout, &conds,
				      why, sizeof(why));
		if (parsed == -EINVAL)
			return pkt__reply_err(s, 1);
	} else if (p != end && *p != ';') {
		return pkt__reply_err(s, 1);
	}
	if (type == BP_SOFTWARE || type == BP_HARDWARE) {
		/* kind is the instruction length gdb would patch: 1 on x86. */
		if (kind == 0 || kind > 15)
			return pkt__reply_err(s, EINVAL);
		kind = 1;
	}
	if (insert)
		ret = t->ops->insert_bp(t, (enum target_bp_kind)type, addr, kind);
	else
		ret = t->ops->remove_bp(t, (enum target_bp_kind)type, addr, kind);
	/* Z and z are idempotent: gdb re-sends them. */
	if (ret == 0 || (insert && ret == -EEXIST) || (!insert && ret == -ENOENT)) {
		breakpoint_conds(s, insert, (enum target_bp_kind)type, addr, parsed, &conds, why);
		return pkt__reply_str(s, "OK");
	}
	if (ret == -EOPNOTSUPP)
		return SESSION_OK;	/* empty: gdb says this kind is not supported */
	if (ret == -ENOSPC || ret == -EINVAL)
		return pkt__reply_err(s, ret);
	return pkt__reply_err(s, 1);
}

enum session_action pkt__insert_bp(struct session *s, const char *a, size_t len)
{
	return breakpoint(s, a, len, true);
}

enum session_action pkt__remove_bp(struct session *s, const char *a, size_t len)
{
	return breakpoint(s, a, len, false);
}

/* ---- leaving ---- */

/*
 * "D[;pid]": the guest runs on without a debugger, unless it has ended
 * (exited, or faulted: it cannot run on).  Plain remote: the server then
 * closes the connection; extended-remote: the client stays connected,
 * as with gdbserver.
 */
enum session_action pkt__detach(struct session *s, const char *a, size_t len)
{
	struct target *t = s->target;
	struct target_resume how = { .kind = RESUME_CONTINUE };
	const char *p = a + 1, *end = a + len;
	uint64_t pid;
	int ret;

	if (len > 0 && (a[0] != ';' || !pkt__parse_num(&p, end, &pid) || p != end))
		return pkt__reply_err(s, 1);
	/* Nothing of the client's may stop the guest now (gdb removes its
	 * breakpoints before D; another client may not). */
	if (!t->ops->is_running(t))
		session__forget_client(s);
	/* Resumed, the guest may stop at once without running (a kept event,
	 * with --smp), before the target even counts as running: it is free
	 * running all the same, and such a stop resumes it again. */
	s->free_running = t->ops->is_running(t);
	if (!s->exited && !session__faulted(s) && !s->free_running) {
		ret = t->ops->resume(t, &how);
		if (ret < 0 && s->log)
			fprintf(s->log, "kvmstub: resuming the guest on detach failed: %s\n",
				strerror(-ret));
		s->free_running = ret == 0;
	}
	s->running = false;
	pkt__reply_str(s, "OK");
	return s->extended ? SESSION_OK : SESSION_DETACH;
}

static int reset_machine(struct session *s)
{
	int ret = s->target->ops->reset(s->target);

	if (ret < 0 && s->log)
		fprintf(s->log, "kvmstub: resetting the machine failed: %s\n", strerror(-ret));
	session__machine_reset(s);
	return ret;
}

/*
 * k: reset.  Plain remote: "X09" (killed, as by SIGKILL), which lldb waits
 * for (gdb reads no reply to k), then the server closes.  Extended-remote:
 * no reply and the client stays, as gdbserver does.
 */
enum session_action pkt__kill(struct session *s, const char *a, size_t len)
{
	(void)a;
	(void)len;
	reset_machine(s);
	s->killed = true;
	if (s->extended) {
		s->no_reply = true;
		return SESSION_OK;
	}
	pkt__reply_str(s, "X09");
	return SESSION_KILL;
}

/* "vKill;pid": reset, OK; the same connection rules as k. */
enum session_action pkt__vkill(struct session *s, const char *a, size_t len)
{
	(void)a;
	(void)len;
	reset_machine(s);
	s->killed = true;
	pkt__reply_str(s, "OK");
	return s->extended ? SESSION_OK : SESSION_KILL;
}

/* ---- extended-remote: starting again ---- */

enum session_action pkt__extended(struct session *s, const char *a, size_t len)
{
	(void)a;
	(void)len;
	s->extended = true;
	return pkt__reply_str(s, "OK");
}

/*
 * "vRun;filename[;argument]..." (gdb's run in extended-remote): the
 * machine back at power-on, stopped at the reset vector, and that stop as
 * the reply.  kvmstub runs the image it was started with and passes no
 * arguments: an empty filename (gdb's default) only.
 */
enum session_action pkt__run(struct session *s, const char *a, size_t len)
{
	const char *semi = memchr(a, ';', len);
	int ret;

	if (!s->extended)
		return pkt__reply_str(s, "E.vRun is for extended-remote (gdb: target extended-remote)");
	if (semi) {
		if (s->log)
			fprintf(s->log, "kvmstub: vRun with arguments refused: the guest takes none\n");
		return pkt__reply_str(s, "E.kvmstub passes no arguments to the guest");
	}
	if (len > 0) {
		if (s->log)
			fprintf(s->log, "kvmstub: vRun of a named file refused: kvmstub runs the "
				"image it was started with (set remote exec-file to nothing)\n");
		return pkt__reply_str(s, "E.kvmstub runs only the image it was started with; "
				      "leave remote exec-file empty");
	}
	ret = reset_machine(s);
	if (ret < 0)
		return pkt__reply_err(s, ret);
	s->killed = false;
	s->reply_len = session__stop_reply(s, &(struct target_stop){ .reason = STOP_STEP },
					   s->reply, sizeof(s->reply));
	return SESSION_OK;
}

/* "R XX" (restart, extended-remote only): as vRun, with no reply. */
enum session_action pkt__restart(struct session *s, const char *a, size_t len)
{
	(void)a;
	(void)len;
	if (!s->extended)
		return SESSION_OK;	/* the empty reply: not in plain remote */
	reset_machine(s);
	s->killed = false;
	s->no_reply = true;
	return SESSION_OK;
}
