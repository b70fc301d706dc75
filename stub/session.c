/*
 * session.c - one gdb connection: bytes in, acknowledgements, dispatch of
 * whole packets, framed replies out, and stop replies when the target
 * stops.  No I/O here: the server loop moves s->out to the socket.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "regs.h"
#include "rsp.h"
#include "session.h"

/* A framed reply is at most "$" + every payload byte escaped + "#xx";
 * one more byte for the '+' that acknowledges the packet. */
#define SESSION_MAX_FRAMED	(2 * RSP_PACKET_SIZE + 8)

/* How much of a packet the --verbose log shows. */
#define SESSION_LOG_MAX		200

static void session_log(const struct session *s, const char *dir, const void *data, size_t len)
{
	const unsigned char *p = data;
	char line[SESSION_LOG_MAX + 1];
	size_t i, n = len < SESSION_LOG_MAX ? len : SESSION_LOG_MAX;

	if (!s->log)
		return;
	/* Binary payloads (X, qXfer) would garble a terminal: show dots. */
	for (i = 0; i < n; i++)
		line[i] = (p[i] >= 0x20 && p[i] < 0x7f) ? (char)p[i] : '.';
	line[n] = '\0';
	fprintf(s->log, "kvmstub: %s $%s%s (%zu bytes)\n", dir, line,
		len > n ? "..." : "", len);
}

static void session_note(const struct session *s, const char *what)
{
	if (s->log)
		fprintf(s->log, "kvmstub: %s\n", what);
}

static bool session_has_room(const struct session *s)
{
	return s->out_len + SESSION_MAX_FRAMED <= SESSION_OUT_SIZE;
}

static void session_put_byte(struct session *s, uint8_t c)
{
	if (s->out_len < SESSION_OUT_SIZE)
		s->out[s->out_len++] = c;
}

void session__init(struct session *s, struct target *t, FILE *log, session_dispatch_fn dispatch)
{
	memset(s, 0, sizeof(*s));
	s->target = t;
	s->log = log;
	s->dispatch = dispatch;
	rsp__decoder_init(&s->dec);
}

void session__attach(struct session *s)
{
	rsp__decoder_init(&s->dec);
	s->attached = true;
	s->no_ack = false;
	s->running = false;
	s->g_cpu = 0;
	s->c_cpu = 0;
	s->gdb_swbreak = false;
	s->gdb_hwbreak = false;
	s->gdb_exec_events = false;
	s->exec_pending = false;
	s->gdb_error_message = false;
	s->extended = false;
	s->killed = false;
	s->skipping = false;
	s->interrupt_wanted = false;
	s->last_sent_len = 0;
	s->have_sent = false;
	s->xml_len = 0;
	s->out_len = 0;
}

static int session_frame(struct session *s, const void *payload, size_t len)
{
	size_t n;

	n = rsp__frame(s->out + s->out_len, SESSION_OUT_SIZE - s->out_len, payload, len);
	if (n == 0) {
		session_note(s, "output buffer full, reply dropped");
		return -ENOSPC;
	}
	s->out_len += n;
	session_log(s, "->", payload, len);
	return 0;
}

int session__send_packet(struct session *s, const void *payload, size_t len)
{
	int ret;

	if (len > sizeof(s->last_sent))
		return -EMSGSIZE;
	ret = session_frame(s, payload, len);
	if (ret)
		return ret;
	/* Without acknowledgements nothing is ever sent again: no copy. */
	if (s->no_ack) {
		s->have_sent = false;
		return 0;
	}
	memcpy(s->last_sent, payload, len);
	s->last_sent_len = len;
	s->have_sent = true;
	return 0;
}

/* A whole packet arrived: acknowledge, answer, frame the answer. */
static enum session_action session_packet(struct session *s)
{
	enum session_action act;

	session_log(s, "<-", s->dec.buf, s->dec.len);
	if (!s->no_ack)
		session_put_byte(s, '+');
	s->reply_len = 0;
	s->no_reply = false;
	act = s->dispatch(s, (const char *)s->dec.buf, s->dec.len);
	if (!s->no_reply)
		session__send_packet(s, s->reply, s->reply_len);
	return act;
}

static void session_malformed(struct session *s)
{
	session_note(s, "<- malformed or oversized packet, replying E01");
	if (!s->no_ack)
		session_put_byte(s, '+');
	session__send_packet(s, "E01", 3);
}

static void session_bad_checksum(struct session *s)
{
	if (s->no_ack) {
		session_note(s, "<- packet with a bad checksum dropped (no-ack mode)");
		return;
	}
	session_note(s, "<- packet with a bad checksum, asking again");
	session_put_byte(s, '-');
}

static void session_nak(struct session *s)
{
	if (s->no_ack)
		return;
	session_note(s, "<- '-': sending the last packet again");
	if (s->have_sent)
		session_frame(s, s->last_sent, s->last_sent_len);
}

static void session_interrupt(struct session *s)
{
	struct target *t = s->target;
	int ret;

	session_note(s, "<- interrupt (0x03)");
	if (s->running)
		s->interrupt_wanted = true;	/* even if a hidden stop races it */
	if (!s->running || !t->ops->is_running(t))
		return;
	ret = t->ops->interrupt(t);
	if (ret < 0 && s->log)
		fprintf(s->log, "kvmstub: interrupting the guest failed: %s\n", strerror(-ret));
}

void session__interrupt_quietly(struct session *s)
{
	struct target *t = s->target;
	int ret;

	s->interrupt_wanted = true;
	ret = t->ops->interrupt(t);
	if (ret < 0 && s->log)
		fprintf(s->log, "kvmstub: interrupting the guest failed: %s\n", strerror(-ret));
}

enum session_action session__input(struct session *s, const uint8_t *data, size_t len,
				   size_t *consumed)
{
	enum session_action act = SESSION_OK;
	size_t i;

	for (i = 0; i < len && act == SESSION_OK; i++) {
		/* Never start on output we might not have room for; the
		 * server sends s->out and gives us the rest again. */
		if (!session_has_room(s))
			break;
		switch (rsp__decode_byte(&s->dec, data[i])) {
		case RSP_PACKET:
			act = session_packet(s);
			break;
		case RSP_BAD_CHECKSUM:
			session_bad_checksum(s);
			break;
		case RSP_MALFORMED:
			session_malformed(s);
			break;
		case RSP_NAK:
			session_nak(s);
			break;
		case RSP_INTERRUPT:
			session_interrupt(s);
			break;
		case RSP_ACK:
		case RSP_NONE:
			break;
		}
	}
	*consumed = i;
	return act;
}

void session__consumed(struct session *s, size_t n)
{
	if (n >= s->out_len) {
		s->out_len = 0;
		return;
	}
	memmove(s->out, s->out + n, s->out_len - n);
	s->out_len -= n;
}

bool session__faulted(const struct session *s)
{
	return s->have_stop && s->last_stop.reason == STOP_FAULT && !s->running &&
	       !s->free_running;
}

void session__machine_reset(struct session *s)
{
	s->running = false;
	s->free_running = false;
	s->have_stop = false;
	s->exited = false;
	s->exit_status = 0;
	s->xml_len = 0;
	s->skipping = false;
	s->exec_pending = false;
	conds__clear(&s->conds);	/* the reset removed every breakpoint */
}

void session__forget_client(struct session *s)
{
	struct target *t = s->target;
	int ret = t->ops->remove_all_bps ? t->ops->remove_all_bps(t) : 0;

	if (ret < 0 && s->log)
		fprintf(s->log, "kvmstub: removing the breakpoints of the last client failed: %s\n",
			strerror(-ret));
	conds__clear(&s->conds);
	s->physical = false;
}

/* Whether a breakpoint hit stops: it has no conditions, or one is true. */
static bool session_conds_stop(struct session *s, const struct target_stop *stop,
			       enum target_space space)
{
	enum target_bp_kind kind = stop->reason == STOP_HWBREAK ? BP_HARDWARE : BP_SOFTWARE;
	const struct cond_bp *bp = conds__find(&s->conds, kind, stop->addr);
	struct agent_ctx ctx;
	int err;

	if (!bp)
		return true;
	agent__ctx_init(&ctx, s->target, s->layout, stop->cpu, space);
	if (!conds__eval(bp, &ctx, &err))
		return false;
	if (err && s->log)
		fprintf(s->log, "kvmstub: the condition of the breakpoint at 0x%llx failed (%s): "
			"stopping\n", (unsigned long long)stop->addr, strerror(-err));
	return true;
}

/*
 * The resume's bp_filter (target.h): the conditions, evaluated in the
 * thread of the vCPU that hit the breakpoint while the guest runs.  It
 * reads only what no packet changes until the stop: the conditions and
 * the layout (Z, z and target.xml need the vCPUs parked), and the address
 * space fixed at the resume; vCPUs may count skips at the same time.
 */
static bool session_bp_filter(void *ctx, const struct target_stop *stop)
{
	struct session *s = ctx;

	if (session_conds_stop(s, stop, s->filter_space))
		return true;
	__atomic_fetch_add(&s->cond_skips, 1, __ATOMIC_RELAXED);
	return false;
}

void session__add_filter(struct session *s, struct target_resume *how)
{
	if (how->kind != RESUME_CONTINUE || s->conds.nr_used == 0)
		return;
	s->filter_space = s->physical ? TARGET_PHYSICAL : TARGET_LINEAR;
	how->bp_filter = session_bp_filter;
	how->bp_filter_ctx = s;
}

bool session__stop_is_reportable(struct session *s, const struct target_stop *stop)
{
	bool stepped_over = s->skipping;

	s->skipping = false;
	s->silent_resume = s->last_resume;
	/* Only gdb's continue is resumed behind its back; its steps and
	 * range steps see every stop and apply their own logic. */
	if (!s->running || s->last_resume.kind != RESUME_CONTINUE)
		return true;
	/* Past the false breakpoint: on with gdb's continue. */
	if (stepped_over && stop->reason == STOP_STEP)
		return false;
	if (stop->reason != STOP_SWBREAK && stop->reason != STOP_HWBREAK)
		return true;
	if (stop->filtered ||
	    session_conds_stop(s, stop, s->physical ? TARGET_PHYSICAL : TARGET_LINEAR))
		return true;
	/* All false.  The vCPU is at the breakpoint, where a continue would
	 * report it again: the target runs past it (past_bp), or, where it
	 * cannot, session_resume_silently steps over it first. */
	s->cond_skips++;
	s->silent_resume.cpu = stop->cpu;
	s->silent_resume.past_bp = true;
	return false;
}

/*
 * On with gdb's continue after a hidden stop.  Past a false breakpoint,
 * a target without past_bp gets one step first (the breakpoint stays
 * inserted; a step executes the instruction under it; the others wait,
 * as for gdb's own step-overs), and the continue after it (skipping).
 */
static int session_resume_silently(struct session *s)
{
	struct target *t = s->target;
	int ret;

	ret = t->ops->resume(t, &s->silent_resume);
	if (ret != -EOPNOTSUPP || !s->silent_resume.past_bp)
		return ret;
	s->skipping = true;
	s->silent_resume.kind = RESUME_STEP;
	s->silent_resume.alone = true;
	s->silent_resume.past_bp = false;
	return t->ops->resume(t, &s->silent_resume);
}

static const char *session_watch_name(enum target_bp_kind kind)
{
	switch (kind) {
	case BP_WATCH_READ:
		return "rwatch";
	case BP_WATCH_ACCESS:
		return "awatch";
	default:
		return "watch";
	}
}

/*
 * The registers gdb reads at every stop, in the stop reply ("NN:value;",
 * NN the register number in hex): the stack and frame pointers and the
 * pc, as gdbserver sends them.  Without them gdb asks for the whole 'g'
 * block after each stepi.  Nothing when the registers cannot be read.
 */
static size_t session_expedite(const struct session *s, int cpu, char *out, size_t cap)
{
	struct target *t = s->target;
	struct target_regs r;
	int regs[REGS_EXPEDITED];
	char hex[2 * 8 + 1];
	size_t len = 0;
	int n;

	if (t->ops->get_regs(t, cpu, &r) < 0)
		return 0;
	regs_layout__expedited(s->layout, regs);
	for (int i = 0; i < REGS_EXPEDITED; i++) {
		if (regs_layout__size(s->layout, regs[i]) > 8 ||
		    !regs_layout__encode(s->layout, &r, regs[i], hex))
			return 0;
		n = snprintf(out + len, cap - len, "%02x:%s;", regs[i], hex);
		if (n < 0 || (size_t)n >= cap - len)
			return 0;
		len += (size_t)n;
	}
	return len;
}

size_t session__stop_reply(const struct session *s, const struct target_stop *stop,
			   char *out, size_t cap)
{
	unsigned int tid = (unsigned int)stop->cpu + 1;
	int n;

	switch (stop->reason) {
	case STOP_EXITED:
		n = snprintf(out, cap, "W%02x", (unsigned int)stop->exit_status & 0xff);
		break;
	case STOP_INTERRUPT:
		n = snprintf(out, cap, "T02thread:%02x;", tid);
		break;
	case STOP_FAULT:
		n = snprintf(out, cap, "T0bthread:%02x;", tid);
		break;
	case STOP_SWBREAK:
		n = snprintf(out, cap, "T05thread:%02x;%s", tid, s->gdb_swbreak ? "swbreak:;" : "");
		break;
	case STOP_HWBREAK:
		n = snprintf(out, cap, "T05thread:%02x;%s", tid, s->gdb_hwbreak ? "hwbreak:;" : "");
		break;
	case STOP_WATCH:
		n = snprintf(out, cap, "T05%s:%llx;thread:%02x;",
			     session_watch_name(stop->watch_kind),
			     (unsigned long long)stop->addr, tid);
		break;
	case STOP_STEP:
	case STOP_HALT:
	case STOP_MODE_CHANGE:
	default:
		n = snprintf(out, cap, "T05thread:%02x;", tid);
		break;
	}
	if (n >= 0 && (size_t)n < cap && stop->replaylog != REPLAYLOG_NONE && out[0] == 'T')
		n += snprintf(out + n, cap - (size_t)n, "replaylog:%s;",
			      stop->replaylog == REPLAYLOG_BEGIN ? "begin" : "end");
	if (n < 0 || (size_t)n >= cap)
		return 0;
	if (stop->reason != STOP_EXITED)
		n += (int)session_expedite(s, stop->cpu, out + n, cap - (size_t)n);
	return n;
}

/* The stop's message (why it halted, what faulted) as console output. */
static void session_send_message(struct session *s, const char *msg)
{
	char text[sizeof(((struct target_stop *)0)->message) + 1];
	char pkt[1 + 2 * sizeof(text)];
	size_t n = strnlen(msg, sizeof(text) - 1);

	if (n == 0)
		return;
	memcpy(text, msg, n);
	text[n++] = '\n';
	pkt[0] = 'O';
	session__send_packet(s, pkt, 1 + rsp__hex_encode(pkt + 1, text, n));
}

/* The stop reply for stop, after its message as console output. */
static void session_send_stop(struct session *s, const struct target_stop *stop)
{
	char reply[128];
	size_t n;

	session_send_message(s, stop->message);
	n = session__stop_reply(s, stop, reply, sizeof(reply));
	session__send_packet(s, reply, n);
}

/* What gdb's exec stop names as the new program: an absolute path of no
 * file, so that gdb finds none, drops its exec file and keeps its symbols
 * (a relative name would be tried as a file, fail, and leave the exec
 * file's architecture in force). */
#define EXEC_NAME_64	"/kvmstub: the CPU is in 64-bit mode, x86-64 registers"
#define EXEC_NAME_32	"/kvmstub: the CPU left 64-bit mode, i386 registers"

/*
 * --arch auto with a gdb that follows exec events: when a stop finds the
 * vCPU in another mode than the session's layout is for (64-bit code, or
 * out of it), tell gdb with an exec stop instead ("T05exec:NAME;").  gdb
 * then clears its target description, drops the exec file (none is
 * found by NAME; its symbols stay), reads target.xml again, which now
 * has the other layout, puts its breakpoints back and resumes at once;
 * that resume gets the stop itself (session__report_kept_stop).  true
 * when the exec stop was sent.
 */
static bool session_switch_layout(struct session *s, const struct target_stop *stop)
{
	struct target *t = s->target;
	const struct regs_layout *want;
	struct target_regs r;
	char reply[256], hex[128];
	const char *name;
	int n;

	if (!s->arch_auto || !s->gdb_exec_events || stop->reason == STOP_EXITED ||
	    t->ops->get_regs(t, stop->cpu, &r) < 0)
		return false;
	want = regs__layout_for(&r);
	if (strcmp(regs_layout__name(want), regs_layout__name(s->layout)) == 0)
		return false;
	name = want == regs__layout(REGS_ARCH_X86_64) ? EXEC_NAME_64 : EXEC_NAME_32;
	hex[rsp__hex_encode(hex, name, strlen(name))] = '\0';
	n = snprintf(reply, sizeof(reply), "T05exec:%s;thread:%02x;", hex,
		     (unsigned int)stop->cpu + 1);
	if (n < 0 || (size_t)n >= sizeof(reply))
		return false;
	if (s->log)
		fprintf(s->log, "kvmstub: vCPU %d is %s 64-bit mode: the %s register layout, "
			"told to gdb with an exec stop\n", stop->cpu,
			want == regs__layout(REGS_ARCH_X86_64) ? "in" : "out of",
			regs_layout__name(want));
	s->layout = want;
	s->xml_len = 0;
	s->exec_pending = true;
	s->exec_stepped = false;
	s->exec_stop = *stop;
	/* The stop comes where gdb expects a continue to go on (after a step
	 * follow_exec ended its stepping): say why. */
	if (!stop->message[0])
		snprintf(s->exec_stop.message, sizeof(s->exec_stop.message),
			 "kvmstub: the CPU is %s 64-bit mode: gdb has the %s registers from here on",
			 want == regs__layout(REGS_ARCH_X86_64) ? "in" : "out of",
			 regs_layout__name(want));
	session__send_packet(s, reply, (size_t)n);
	return true;
}

/*
 * gdb resumes after following the exec stop.  Its continue gets the stop
 * that was behind it, nothing run.  Before that it may finish a step over
 * a breakpoint it was stepping from when the vCPU changed mode
 * (follow_exec ended its stepi or next, which it then continues): that
 * step is answered done where the vCPU is, nothing run, and the kept
 * stop waits for the continue.  A second step means gdb stopped after
 * the first (a breakpoint where the vCPU is): the kept stop is dropped
 * and the step runs.
 */
bool session__report_kept_stop(struct session *s, enum target_resume_kind kind)
{
	struct target_stop step = { .reason = STOP_STEP, .cpu = s->exec_stop.cpu };

	if (!s->exec_pending)
		return false;
	if (kind != RESUME_CONTINUE && s->exec_stepped) {
		s->exec_pending = false;
		return false;
	}
	s->no_reply = true;	/* the stop goes out as its own packets */
	if (kind != RESUME_CONTINUE) {
		s->exec_stepped = true;
		session_send_stop(s, &step);
		return true;
	}
	s->exec_pending = false;
	session_send_stop(s, &s->exec_stop);
	return true;
}

/*
 * A stop while no client follows the guest (a detach let it run on) that
 * is not its end: an event kept from before the detach (another vCPU's
 * watchpoint, with --smp), or a stop-on-mode change.  Nobody is there to
 * see it: on with the guest.
 */
static int session_run_on(struct session *s, const struct target_stop *stop)
{
	struct target_resume how = { .kind = RESUME_CONTINUE };
	int ret = s->target->ops->resume(s->target, &how);

	if (s->log)
		fprintf(s->log, "kvmstub: vCPU %d stopped (reason %d) with no gdb attached; %s\n",
			stop->cpu, (int)stop->reason, ret == 0 ? "the guest runs on" :
			"resuming it failed");
	return ret;
}

enum session_action session__target_event(struct session *s)
{
	struct target *t = s->target;
	struct target_stop stop;
	int ret;

	ret = t->ops->get_stop(t, &stop);
	if (ret == -EAGAIN)
		return SESSION_OK;	/* woken for nothing: still running */
	if (ret < 0) {
		if (s->log)
			fprintf(s->log, "kvmstub: collecting the guest's stop failed: %s\n",
				strerror(-ret));
		return SESSION_OK;
	}
	if (s->free_running) {
		switch (stop.reason) {
		case STOP_EXITED:
		case STOP_FAULT:
		case STOP_HALT:
		case STOP_INTERRUPT:
			s->free_running = false;	/* its end, or our own stop */
			break;
		default:
			if (!s->interrupt_wanted && session_run_on(s, &stop) == 0)
				return SESSION_OK;
			s->free_running = false;
			break;
		}
	}
	if (!session__stop_is_reportable(s, &stop)) {
		if (s->interrupt_wanted) {
			/* Ctrl-C raced a hidden stop: the user's interrupt wins. */
			stop.reason = STOP_INTERRUPT;
		} else {
			ret = session_resume_silently(s);
			if (ret == 0)
				return SESSION_OK;
			/* Cannot go on: show the stop rather than hang gdb. */
		}
		s->skipping = false;
	}
	s->last_stop = stop;
	s->nr_stops++;
	s->have_stop = true;
	if (stop.reason == STOP_EXITED) {
		s->exited = true;
		s->exit_status = stop.exit_status;
	}
	if (stop.message[0] && s->log)
		fprintf(s->log, "kvmstub: guest stopped: %.*s\n", (int)sizeof(stop.message),
			stop.message);
	if (s->attached && s->running) {
		if (stop.cpu >= 0 && stop.cpu < t->ops->nr_cpus(t))
			s->g_cpu = stop.cpu;
		if (!session_switch_layout(s, &stop))
			session_send_stop(s, &stop);
	}
	s->running = false;
	s->interrupt_wanted = false;
	return SESSION_OK;
}
