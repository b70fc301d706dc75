/*
 * session.h - one gdb connection's protocol state, fed bytes by the server
 * loop (server.c), which alone touches sockets.  The session never does
 * I/O: it consumes input, talks to the target, and appends framed output
 * to its output buffer for the server loop to send.
 */
#ifndef KVMSTUB_SESSION_H
#define KVMSTUB_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "conds.h"
#include "rsp.h"
#include "target.h"

/* What the server loop must do after feeding the session. */
enum session_action {
	SESSION_OK,		/* keep going */
	SESSION_DETACH,		/* 'D': send pending output, close the client; the guest runs on */
	SESSION_KILL,		/* 'k'/'vKill': the machine was reset; close the client */
};

/* What answers one whole packet (packets.c's dispatch table), its reply
 * in s->reply: handed in by the server, so that the session, below the
 * packet handlers, does not call up into them. */
struct session;
typedef enum session_action (*session_dispatch_fn)(struct session *s, const char *pkt,
						     size_t len);

/* Upper bound of one framed reply, "$" + payload + "#xx". */
#define SESSION_OUT_SIZE	(2 * RSP_PACKET_SIZE + 64)
/* Room for the target description document (target.xml). */
#define SESSION_XML_SIZE	(32 * 1024)
/* Room for the memory map document (a few regions). */
#define SESSION_MEMMAP_SIZE	2048

/* The machine's switches as last set through the monitor, for the
 * monitor to show them (the target keeps no copy it can be asked for).
 * They outlive connections, as the switches do; zero is the machine's
 * power-on choice. */
struct session_switches {
	bool step_irq;
	bool stop_on_mode;
	uint8_t sw_break;		/* 0 auto, 1 int3, 2 dr */
	bool step_rep_whole;
};

struct session {
	struct target *target;
	FILE *log;			/* --verbose packet log, or NULL */
	session_dispatch_fn dispatch;

	struct rsp_decoder dec;
	bool attached;			/* a client is connected */
	bool no_ack;
	bool running;			/* a c/s/vCont is outstanding */
	bool physical;			/* monitor phys: memory packets are physical */
	/* The register layout for the whole session (--arch); NULL is the
	 * default i386 layout (see regs.h). */
	const struct regs_layout *layout;
	bool arch_auto;			/* --arch auto: pick the layout at each target.xml read */
	int g_cpu, c_cpu;		/* Hg and Hc thread selection (0-based cpu) */

	bool extended;			/* '!': extended-remote (this connection) */
	/* qSupported error-message+: the client takes "E.text" error replies
	 * to qRcmd (newer gdb); without it, console text and "E01". */
	bool gdb_error_message;
	/* A detach let the guest run on with no client following it: a stop
	 * that is not its end (exit, fault, hlt) or the daemon's own
	 * interrupt resumes it again (an event kept from before the detach,
	 * a stop-on-mode change). */
	bool free_running;
	bool killed;			/* k or vKill, and nothing run since */
	struct session_switches switches;

	struct target_stop last_stop;	/* for '?' */
	bool have_stop;
	unsigned long nr_stops;		/* stops collected so far (the server reports faults) */
	bool exited;			/* the guest ended; exit_status is valid */
	int exit_status;

	/* Conditions of target-side conditional breakpoints (conds.c). */
	struct conds conds;
	/* A hit whose conditions were all false is resumed past (past_bp: a
	 * continue at a breakpoint would report it again at once), all
	 * without a packet; a target without past_bp gets a step over it and
	 * then gdb's continue: skipping says that step is out. */
	bool skipping;
	/* Ctrl-C while running: the next stop is shown even if we would hide it. */
	bool interrupt_wanted;
	/* How to resume after a stop that is not reported. */
	struct target_resume silent_resume;
	/* Hits hidden because their conditions were false, here or in the
	 * target's bp_filter (for the log). */
	uint64_t cond_skips;
	enum target_space filter_space;	/* of the bp_filter's memory reads */

	/* Features gdb announced in qSupported (stop replies say swbreak/hwbreak
	 * only to a gdb that understands them; exec-events: --arch auto may
	 * switch the layout with an exec stop). */
	bool gdb_swbreak, gdb_hwbreak, gdb_exec_events;
	/* --arch auto switched the layout: gdb was told with an exec stop
	 * and follows it by reading target.xml again and resuming; the stop
	 * that revealed the new mode is reported at that resume, nothing run. */
	bool exec_pending;
	bool exec_stepped;		/* ... and a step was answered where the vCPU is */
	struct target_stop exec_stop;
	/* Set by a handler whose packet gets no reply now (c, s, vCont, k). */
	bool no_reply;
	/* How the target was last resumed (to resume again after a stop that
	 * is not reported, see session__stop_is_reportable). */
	struct target_resume last_resume;

	char reply[RSP_PACKET_SIZE + 1];	/* unframed reply being built */
	size_t reply_len;
	/* The last packet sent, unframed, for retransmission on '-'. */
	char last_sent[RSP_PACKET_SIZE];
	size_t last_sent_len;
	bool have_sent;
	/* target.xml, generated at offset 0 and kept until the next offset 0,
	 * so that every chunk gdb reads comes from one document. */
	char xml[SESSION_XML_SIZE];
	size_t xml_len;
	/* The memory map (qXfer:memory-map:read), kept the same way. */
	char memmap[SESSION_MEMMAP_SIZE];
	size_t memmap_len;
	uint8_t out[SESSION_OUT_SIZE];		/* framed bytes waiting to be sent */
	size_t out_len;
};

/* Set up for a target, packets answered by dispatch; called once. */
void session__init(struct session *s, struct target *t, FILE *log, session_dispatch_fn dispatch);
/* A new client connected: acknowledgement mode on, decoder reset. */
void session__attach(struct session *s);
/* Bytes from the client.  Appends replies to s->out.  Stops early, after
 * a whole packet, when s->out could not hold another maximal reply; then
 * *consumed < len and the server loop sends s->out and calls again with
 * the rest, so nothing is lost however much a client pipelines. */
enum session_action session__input(struct session *s, const uint8_t *data, size_t len,
				   size_t *consumed);
/* The target's event fd is readable: collect the stop, and when a client
 * is waiting for one, append the stop reply to s->out. */
enum session_action session__target_event(struct session *s);
/* The server loop sent n bytes of s->out. */
void session__consumed(struct session *s, size_t n);

/* The server stops the guest for its own sake (a client went away, the
 * daemon exits): interrupt it, and have the stop that follows collected as
 * that interrupt, even a hit a false condition would hide: nothing is
 * resumed behind the server's back. */
void session__interrupt_quietly(struct session *s);

/* The client went away or detached: what it set up goes with it (its
 * breakpoints and watchpoints, their conditions, monitor phys).  gdb
 * inserts its breakpoints afresh after connecting; the next client must
 * not stop at one it never set.  The guest must be stopped. */
void session__forget_client(struct session *s);

/* The last stop was a fault (triple fault, internal error, entry
 * failure) and the guest has not run since: it cannot run on. */
bool session__faulted(const struct session *s);

/* The machine was reset (k, vKill, "monitor reset"): forget the last
 * stop and the guest's exit; '?' reports the reset vector again. */
void session__machine_reset(struct session *s);

/* Internal to the session and the packet handlers (packets*.c). */

/* Frame payload straight into s->out (for replies made of several
 * packets: qRcmd's 'O' packets, a stop's message).  0, or -ENOSPC when
 * s->out cannot hold it (the packet is dropped and logged). */
int session__send_packet(struct session *s, const void *payload, size_t len);
/* The stop reply for stop ("T05thread:01;04:...;05:...;08:...;", "W00",
 * ...) into out: a T reply carries the stack and frame pointers and the
 * pc of the stopped vCPU.  Returns its length, 0 if cap is too small. */
size_t session__stop_reply(const struct session *s, const struct target_stop *stop,
			   char *out, size_t cap);
/* Whether a stop is shown to gdb, or the target silently resumed with
 * s->silent_resume: a breakpoint whose conditions are all false during a
 * continue (resumed with past_bp, or stepped over first), and the end of
 * that step. */
bool session__stop_is_reportable(struct session *s, const struct target_stop *stop);
/* A continue while breakpoints have conditions: let the target evaluate
 * them where a breakpoint is hit (how->bp_filter). */
void session__add_filter(struct session *s, struct target_resume *how);
/* A resume of kind arrived while an exec stop is pending (exec_pending):
 * a continue gets the kept stop, a first step a stop where the vCPU is,
 * and nothing runs; a second step drops the kept stop and runs.  Returns
 * false when the resume is to run. */
bool session__report_kept_stop(struct session *s, enum target_resume_kind kind);

#endif
