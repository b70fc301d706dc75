/*
 * packets.c - the one packet dispatch table, and the small handlers for
 * the connection (qSupported, QStartNoAckMode, ?) and the threads (one
 * per vCPU).  The other handlers live in packets_data.c and
 * packets_run.c; the shared helpers in packets_util.c.
 *
 * Every handler parses strictly and fills s->reply.  Malformed input gets
 * an "Enn" reply, a packet we do not know the empty reply, as the
 * protocol asks.  Error numbers are errno values in decimal ("E14" is
 * EFAULT), which gdb shows but does not interpret.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "packets_priv.h"
#include "regs.h"
#include "rsp.h"

/* ---- connection and features ---- */

/* Whether the ';'-separated feature list holds exactly token. */
static bool has_feature(const char *list, size_t len, const char *token)
{
	size_t tlen = strlen(token), i = 0, j;

	while (i < len) {
		for (j = i; j < len && list[j] != ';'; j++)
			;
		if (j - i == tlen && memcmp(list + i, token, tlen) == 0)
			return true;
		i = j + 1;
	}
	return false;
}

static enum session_action pk_supported(struct session *s, const char *a, size_t len)
{
	struct target *t = s->target;
	char msg[8];
	/* Reverse execution only while the machine records (--record). */
	bool rev = t->ops->record && t->ops->record(t, TARGET_REC_QUERY, 0, msg, sizeof(msg)) == 1;

	s->gdb_swbreak = has_feature(a, len, "swbreak+");
	s->gdb_hwbreak = has_feature(a, len, "hwbreak+");
	s->gdb_error_message = has_feature(a, len, "error-message+");
	/* --arch auto switches the layout with an exec stop (session.c):
	 * only for a client that follows one (gdb; lldb does not). */
	s->gdb_exec_events = has_feature(a, len, "exec-events+");
	return pkt__reply_fmt(s, "PacketSize=%x;QStartNoAckMode+;swbreak+;hwbreak+;"
			 "qXfer:features:read+;qXfer:memory-map:read+;vContSupported+;"
			 "ConditionalBreakpoints+"
			 "%s%s", RSP_PACKET_SIZE, s->arch_auto ? ";exec-events+" : "",
			 rev ? ";ReverseStep+;ReverseContinue+" : "");
}

static enum session_action pk_no_ack(struct session *s, const char *a, size_t len)
{
	(void)a;
	(void)len;
	/* The '+' for this packet is already out, and OK is framed the
	 * same either way: from here on nobody acknowledges. */
	s->no_ack = true;
	return pkt__reply_str(s, "OK");
}

static enum session_action pk_status(struct session *s, const char *a, size_t len)
{
	struct target *t = s->target;
	int ret;

	(void)a;
	(void)len;
	if (s->exited)
		return pkt__reply_fmt(s, "W%02x", (unsigned int)s->exit_status & 0xff);
	if (t->ops->is_running(t)) {
		/* A new gdb found the guest running (after a detach): stop it;
		 * the stop reply follows from session__target_event. */
		ret = t->ops->interrupt(t);
		if (ret < 0)
			return pkt__reply_err(s, ret);
		s->running = true;
		s->no_reply = true;
		return SESSION_OK;
	}
	/* Halted at the reset vector when nothing ran yet. */
	s->reply_len = session__stop_reply(s, s->have_stop ? &s->last_stop :
					   &(struct target_stop){ .reason = STOP_STEP },
					   s->reply, sizeof(s->reply));
	return SESSION_OK;
}

/* lldb asks what it talks to before it reads target.xml; without this (and
 * without an ELF file) it knows no architecture, hence no pc.  The answer
 * follows the register layout (--arch); "auto" is decided as target.xml
 * will decide it, from the CPU mode now. */
static enum session_action pk_host_info(struct session *s, const char *a, size_t len)
{
	const struct regs_layout *layout = s->layout;
	struct target_regs r;
	const char *triple;
	char hex[64];
	bool is64;

	(void)a;
	(void)len;
	if (s->arch_auto && s->target->ops->get_regs(s->target, s->g_cpu, &r) == 0)
		layout = regs__layout_for(&r);
	is64 = strcmp(regs_layout__name(layout), "x86-64") == 0;
	triple = is64 ? "x86_64-unknown-unknown" : "i386-unknown-unknown";
	hex[rsp__hex_encode(hex, triple, strlen(triple))] = '\0';
	return pkt__reply_fmt(s, "triple:%s;ptrsize:%d;endian:little;", hex, is64 ? 8 : 4);
}

/* ---- threads (one per vCPU) ---- */

/* The guest exited, or extended-remote killed it: no process, no threads
 * (as gdbserver; gdb would otherwise take the vCPUs for a new process). */
static bool no_process(const struct session *s)
{
	return s->exited || (s->extended && s->killed);
}

static enum session_action pk_set_thread(struct session *s, const char *a, size_t len)
{
	const char *p = a + 1, *end = a + len;
	int64_t tid;

	if (len < 2 || (a[0] != 'g' && a[0] != 'c') || !pkt__parse_tid(&p, end, &tid) || p != end)
		return pkt__reply_err(s, 1);
	if (tid > 0 && !pkt__tid_is_cpu(s, tid))
		return pkt__reply_err(s, 1);
	if (a[0] == 'g') {
		if (tid > 0)	/* "any" or "all" keeps the current one */
			s->g_cpu = (int)tid - 1;
	} else {
		s->c_cpu = tid > 0 ? (int)tid - 1 : -1;
	}
	return pkt__reply_str(s, "OK");
}

static enum session_action pk_thread_alive(struct session *s, const char *a, size_t len)
{
	const char *p = a, *end = a + len;
	int64_t tid;

	if (!pkt__parse_tid(&p, end, &tid) || p != end || !pkt__tid_is_cpu(s, tid) ||
	    no_process(s))
		return pkt__reply_err(s, 1);
	return pkt__reply_str(s, "OK");
}

static enum session_action pk_current_thread(struct session *s, const char *a, size_t len)
{
	(void)a;
	(void)len;
	return pkt__reply_fmt(s, "QC%02x", s->g_cpu + 1);
}

static enum session_action pk_thread_first(struct session *s, const char *a, size_t len)
{
	int cpu, n = pkt__nr_cpus(s);
	size_t at = 0;

	(void)a;
	(void)len;
	if (no_process(s))
		return pkt__reply_str(s, "l");
	s->reply[at++] = 'm';
	for (cpu = 0; cpu < n && at + 8 < sizeof(s->reply); cpu++)
		at += snprintf(s->reply + at, sizeof(s->reply) - at, "%s%02x",
			       cpu ? "," : "", cpu + 1);
	s->reply_len = at;
	return SESSION_OK;
}

static enum session_action pk_thread_next(struct session *s, const char *a, size_t len)
{
	(void)a;
	(void)len;
	return pkt__reply_str(s, "l");
}

static enum session_action pk_thread_extra(struct session *s, const char *a, size_t len)
{
	const char *p = a, *end = a + len;
	char text[256];
	int64_t tid;
	int ret;

	if (!pkt__parse_tid(&p, end, &tid) || p != end || !pkt__tid_is_cpu(s, tid))
		return pkt__reply_err(s, 1);
	ret = s->target->ops->describe_cpu(s->target, (int)tid - 1, text, sizeof(text));
	if (ret < 0)
		return pkt__reply_err(s, ret);
	return pkt__reply_hex(s, text, strnlen(text, sizeof(text)));
}

static enum session_action pk_attached(struct session *s, const char *a, size_t len)
{
	(void)a;
	(void)len;
	return pkt__reply_str(s, "1");	/* we did not create a process: detach, not kill */
}

/* ---- answered by a constant ---- */

static enum session_action pk_empty(struct session *s, const char *a, size_t len)
{
	(void)s;
	(void)a;
	(void)len;
	return SESSION_OK;
}

/* The image is where it was linked: every section offset is 0. */
static enum session_action pk_offsets(struct session *s, const char *a, size_t len)
{
	(void)a;
	(void)len;
	return pkt__reply_str(s, "Text=0;Data=0;Bss=0");
}

static enum session_action pk_ok(struct session *s, const char *a, size_t len)
{
	(void)a;
	(void)len;
	return pkt__reply_str(s, "OK");
}

/* Searched in order; the first match answers. */
static const struct packet_desc packet_table[] = {
	{ "qSupported", PACKET_EXACT, pk_supported, "exchange features" },
	{ "qSupported:", PACKET_PREFIX, pk_supported, "exchange features" },
	{ "QStartNoAckMode", PACKET_EXACT, pk_no_ack, "stop acknowledging packets" },
	{ "?", PACKET_EXACT, pk_status, "why the guest stopped" },
	{ "g", PACKET_EXACT, pkt__read_regs, "read all registers" },
	{ "G", PACKET_PREFIX, pkt__write_regs, "write all registers" },
	{ "p", PACKET_PREFIX, pkt__read_reg, "read one register" },
	{ "P", PACKET_PREFIX, pkt__write_reg, "write one register" },
	{ "m", PACKET_PREFIX, pkt__read_mem, "read memory" },
	{ "M", PACKET_PREFIX, pkt__write_mem_hex, "write memory (hex)" },
	{ "X", PACKET_PREFIX, pkt__write_mem_bin, "write memory (binary)" },
	{ "c", PACKET_PREFIX, pkt__continue, "continue" },
	{ "s", PACKET_PREFIX, pkt__step, "single step" },
	{ "bs", PACKET_EXACT, pkt__reverse_step, "step one instruction backwards (recording)" },
	{ "bc", PACKET_EXACT, pkt__reverse_continue, "continue backwards (recording)" },
	{ "C", PACKET_PREFIX, pkt__continue_sig, "continue with a signal (ignored)" },
	{ "S", PACKET_PREFIX, pkt__step_sig, "step with a signal (ignored)" },
	{ "vCont?", PACKET_EXACT, pkt__vcont_query, "which vCont actions exist" },
	{ "vCont;", PACKET_PREFIX, pkt__vcont, "continue, step or range-step threads" },
	{ "Z", PACKET_PREFIX, pkt__insert_bp, "insert a breakpoint or watchpoint" },
	{ "z", PACKET_PREFIX, pkt__remove_bp, "remove a breakpoint or watchpoint" },
	{ "H", PACKET_PREFIX, pk_set_thread, "select the thread for g/G (Hg) or c/s (Hc)" },
	{ "T", PACKET_PREFIX, pk_thread_alive, "is this thread alive" },
	{ "qHostInfo", PACKET_EXACT, pk_host_info, "lldb: the architecture (i386 or x86-64)" },
	{ "qC", PACKET_EXACT, pk_current_thread, "current thread" },
	{ "qfThreadInfo", PACKET_EXACT, pk_thread_first, "list the threads (vCPUs)" },
	{ "qsThreadInfo", PACKET_EXACT, pk_thread_next, "end of the thread list" },
	{ "qThreadExtraInfo,", PACKET_PREFIX, pk_thread_extra, "describe a vCPU" },
	{ "qAttached", PACKET_EXACT, pk_attached, "attached to an existing process" },
	{ "qAttached:", PACKET_PREFIX, pk_attached, "attached to an existing process" },
	{ "qXfer:features:read:", PACKET_PREFIX, pkt__features, "read target.xml" },
	{ "qXfer:memory-map:read:", PACKET_PREFIX, pkt__memory_map, "read the memory map" },
	{ "qRcmd,", PACKET_PREFIX, pkt__monitor, "monitor command" },
	{ "qOffsets", PACKET_EXACT, pk_offsets, "section offsets: none (not relocated)" },
	{ "qSymbol:", PACKET_PREFIX, pk_ok, "symbol lookup (none needed)" },
	{ "qTStatus", PACKET_EXACT, pk_empty, "tracepoints (none)" },
	{ "vMustReplyEmpty", PACKET_EXACT, pk_empty, "unknown-packet probe" },
	{ "vKill;", PACKET_PREFIX, pkt__vkill, "reset the machine" },
	{ "k", PACKET_EXACT, pkt__kill, "reset the machine" },
	{ "D", PACKET_PREFIX, pkt__detach, "detach; the guest runs on" },
	{ "!", PACKET_EXACT, pkt__extended, "extended-remote mode" },
	{ "vRun;", PACKET_PREFIX, pkt__run, "extended-remote run: power-on, stopped at the reset vector" },
	{ "R", PACKET_PREFIX, pkt__restart, "extended-remote restart (no reply)" },
};

const struct packet_desc *packets__table(size_t *count)
{
	*count = sizeof(packet_table) / sizeof(packet_table[0]);
	return packet_table;
}

static bool packet_matches(const struct packet_desc *d, const char *pkt, size_t len)
{
	size_t n = strlen(d->name);

	if (d->match == PACKET_EXACT)
		return len == n && memcmp(pkt, d->name, n) == 0;
	return len >= n && memcmp(pkt, d->name, n) == 0;
}

enum session_action packets__dispatch(struct session *s, const char *pkt, size_t len)
{
	size_t i, n = sizeof(packet_table) / sizeof(packet_table[0]), name_len;

	s->reply_len = 0;
	for (i = 0; i < n; i++) {
		if (!packet_matches(&packet_table[i], pkt, len))
			continue;
		name_len = strlen(packet_table[i].name);
		return packet_table[i].fn(s, pkt + name_len, len - name_len);
	}
	return SESSION_OK;	/* unknown: the empty reply */
}
