/*
 * server.c - the connection loop.  It alone touches sockets: it accepts
 * one gdb at a time, feeds its bytes to the session, sends what the session
 * framed, and passes the target's stop events on.  Nothing here knows KVM.
 */
#include "server.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "listen.h"
#include "regs.h"
#include "rsp.h"
#include "packets.h"
#include "session.h"

#define SEND_TIMEOUT_MS	10000	/* a client that stops reading for this long is dropped */
#define STOP_TIMEOUT_MS	2000	/* waiting for a running guest to stop */
#define STOP_POLL_MS	100	/* ... interrupting it again this often */

struct server {
	const struct server_config *cfg;
	struct target *t;
	struct session *s;
	int listen_fd, client_fd, sig_fd;
	int refused_fd;		/* a second client, told why before it is closed */
	bool refused_told;
	bool detached;		/* --once: the session ended with D; wait for the guest */
	bool fresh;		/* the client has sent no packet yet */
	uint8_t in[RSP_PACKET_SIZE];
};

static void say(const struct server *srv, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void say(const struct server *srv, const char *fmt, ...)
{
	va_list ap;

	if (!srv->cfg->log)
		return;
	va_start(ap, fmt);
	fputs("kvmstub: ", srv->cfg->log);
	vfprintf(srv->cfg->log, fmt, ap);
	fputc('\n', srv->cfg->log);
	va_end(ap);
}

/* Send everything the session framed.  false when the client is gone. */
static bool flush(struct server *srv)
{
	struct session *s = srv->s;

	while (s->out_len) {
		ssize_t n;

		if (srv->client_fd < 0) {
			session__consumed(s, s->out_len);
			return false;
		}
		n = send(srv->client_fd, s->out, s->out_len, MSG_NOSIGNAL);
		if (n > 0) {
			session__consumed(s, (size_t)n);
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			struct pollfd p = { .fd = srv->client_fd, .events = POLLOUT };

			if (poll(&p, 1, SEND_TIMEOUT_MS) > 0)
				continue;
			say(srv, "client stopped reading for %d s; dropping it", SEND_TIMEOUT_MS / 1000);
		}
		session__consumed(s, s->out_len);
		return false;
	}
	return true;
}

static void close_client(struct server *srv, const char *why)
{
	if (srv->client_fd < 0)
		return;
	say(srv, "gdb disconnected (%s)", why);
	close(srv->client_fd);
	srv->client_fd = -1;
	srv->s->attached = false;
}

/*
 * Stop a running guest for the daemon's own sake (a client went away, the
 * daemon exits) and collect the stop outside any client's view.  The
 * session is told it wants this stop: a hit that a false condition would
 * hide is collected as the interrupt, never resumed behind our back.
 * true once no vCPU runs (so none is inside the session's bp_filter
 * either); false when the guest did not stop within STOP_TIMEOUT_MS.
 */
static bool stop_guest(struct server *srv)
{
	struct target *t = srv->t;
	int waited = 0;

	while (t->ops->is_running(t)) {
		struct pollfd p = { .fd = t->ops->event_fd(t), .events = POLLIN };

		if (waited >= STOP_TIMEOUT_MS)
			return false;
		session__interrupt_quietly(srv->s);
		if (poll(&p, 1, STOP_POLL_MS) > 0)
			session__target_event(srv->s);
		waited += STOP_POLL_MS;
	}
	return true;
}

/*
 * A second client while one is attached: answer its first packet with an
 * error that says why, then close.  Closing at once would reset the
 * connection (gdb's first bytes unread) and lose the message.
 */
static void refuse(struct server *srv, int fd)
{
	fprintf(stderr, "kvmstub: refused a second client: a gdb is already attached\n");
	if (srv->refused_fd >= 0)
		close(srv->refused_fd);
	srv->refused_fd = fd;
	srv->refused_told = false;
}

static void refused_readable(struct server *srv)
{
	static const char msg[] = "E.kvmstub: another gdb is already attached; only one client at a time";
	uint8_t buf[512];
	ssize_t n = recv(srv->refused_fd, buf, sizeof(buf), 0);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0 && !srv->refused_told && memchr(buf, '#', (size_t)n)) {
		size_t len;

		buf[0] = '+';
		len = 1 + rsp__frame(buf + 1, sizeof(buf) - 1, msg, sizeof(msg) - 1);
		if (send(srv->refused_fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
			say(srv, "refusal not delivered: %s", strerror(errno));
		shutdown(srv->refused_fd, SHUT_WR);
		srv->refused_told = true;
	}
	if (n <= 0) {
		close(srv->refused_fd);
		srv->refused_fd = -1;
	}
}

static void accept_client(struct server *srv)
{
	int one = 1;
	int fd = accept4(srv->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (fd < 0) {
		say(srv, "accept: %s", strerror(errno));
		return;
	}
	if (srv->client_fd >= 0 || srv->detached) {
		refuse(srv, fd);
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	srv->client_fd = fd;
	srv->fresh = true;
	session__attach(srv->s);
	say(srv, "gdb connected");
}

/*
 * The first packet of a new client.  A guest that ended (exit port) is
 * of no use to it: "The target is not running" and no monitor.  Power it
 * on again, and say so.
 */
static void begin_session(struct server *srv)
{
	struct session *s = srv->s;
	struct target *t = srv->t;
	int ret;

	srv->fresh = false;
	if (!s->exited)
		return;
	ret = t->ops->reset(t);
	if (ret < 0) {
		fprintf(stderr, "kvmstub: the guest had exited (status %d); resetting the machine "
			"for the new gdb failed: %s\n", s->exit_status, strerror(-ret));
		return;
	}
	fprintf(stderr, "kvmstub: the guest had exited (status %d); the machine is back at "
		"power-on for the new gdb\n", s->exit_status);
	session__machine_reset(s);
}

/*
 * --once: the session is over (D, k, or the client went away).  The exit
 * status, or -1 to wait for the guest's end when a detach left it running.
 */
static int once_end(struct server *srv)
{
	struct session *s = srv->s;

	if (s->exited)
		return s->exit_status;
	if (session__faulted(s)) {
		fprintf(stderr, "kvmstub: --once: the guest faulted; exiting with status 1\n");
		return 1;
	}
	if (s->killed)
		return 0;
	if (s->free_running) {
		srv->detached = true;
		return -1;
	}
	fprintf(stderr, "kvmstub: gdb went away without detaching\n");
	return 1;
}

/*
 * The client is gone without D (closed, or unreachable): the guest stays
 * stopped, as gdb left it, unless a detach had let it run on; what the
 * client set up goes with it.
 */
static int client_gone(struct server *srv, const char *why)
{
	struct session *s = srv->s;

	close_client(srv, why);
	if (!s->free_running)
		stop_guest(srv);
	if (!srv->t->ops->is_running(srv->t))
		session__forget_client(s);
	return srv->cfg->once ? once_end(srv) : -1;
}

/* Returns -1 to go on, or the exit status to end with. */
static int handle_action(struct server *srv, enum session_action act)
{
	struct session *s = srv->s;

	switch (act) {
	case SESSION_OK:
		return -1;
	case SESSION_DETACH:
		flush(srv);
		close_client(srv, s->free_running ? "detached; the guest runs on" :
			     "detached; the guest stays stopped where it ended");
		return srv->cfg->once ? once_end(srv) : -1;
	case SESSION_KILL:
		flush(srv);
		close_client(srv, "killed; the machine is back at power-on");
		return srv->cfg->once ? once_end(srv) : -1;
	}
	return -1;
}

static int client_readable(struct server *srv)
{
	struct session *s = srv->s;
	ssize_t n = recv(srv->client_fd, srv->in, sizeof(srv->in), 0);
	size_t off = 0;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return -1;
	if (n <= 0)
		return client_gone(srv, n == 0 ? "connection closed" : strerror(errno));
	if (memchr(srv->in, '$', (size_t)n)) {
		/* A guest left running by an earlier D is stopped by the first
		 * packet of the next client, not by its connecting. */
		if (!s->running && srv->t->ops->is_running(srv->t))
			stop_guest(srv);
		if (srv->fresh)
			begin_session(srv);
	}
	while (off < (size_t)n && srv->client_fd >= 0) {
		size_t used = 0;
		enum session_action act = session__input(s, srv->in + off, (size_t)n - off, &used);
		int status;

		off += used;
		if (!flush(srv))
			return client_gone(srv, "send failed");
		status = handle_action(srv, act);
		if (status >= 0 || act != SESSION_OK)
			return status;
		if (used == 0)
			break;
	}
	return -1;
}

static int target_event(struct server *srv)
{
	struct session *s = srv->s;
	unsigned long before = s->nr_stops;

	session__target_event(s);
	/* A guest fault is news for the user at the daemon too, not only
	 * for gdb (which may not even be attached): say it on stderr. */
	if (s->nr_stops != before && s->last_stop.reason == STOP_FAULT)
		fprintf(stderr, "kvmstub: guest fault: %.*s\n", (int)sizeof(s->last_stop.message),
			s->last_stop.message);
	if (srv->client_fd >= 0 && !flush(srv))
		return client_gone(srv, "send failed");
	/* --once after a detach: the guest's end is the daemon's. */
	if (srv->cfg->once && srv->detached && s->nr_stops != before) {
		if (s->exited)
			return s->exit_status;
		if (s->last_stop.reason == STOP_FAULT)
			return 1;
		if (s->last_stop.reason == STOP_HALT)
			return 0;
	}
	return -1;
}

static int signalled(struct server *srv)
{
	struct signalfd_siginfo si;

	if (read(srv->sig_fd, &si, sizeof(si)) != sizeof(si))
		return -1;
	fprintf(stderr, "kvmstub: %s: shutting down\n", strsignal((int)si.ssi_signo));
	close_client(srv, "daemon shutting down");
	return 128 + (int)si.ssi_signo;
}

static void print_ready(struct server *srv, const char *target)
{
	struct target_regs r;
	struct target *t = srv->t;

	if (t->ops->get_regs(t, 0, &r) == 0) {
		uint64_t pc = regs__linear_pc(&r);

		if (r.cr0 & X86_CR0_PE)
			printf("kvmstub: guest halted at %04x:%08llx (linear 0x%llx); gdb: target remote %s\n",
			       r.seg[SEG_CS].selector, (unsigned long long)r.rip,
			       (unsigned long long)pc, target);
		else
			printf("kvmstub: guest halted at %04x:%04llx (linear 0x%llx); gdb: target remote %s\n",
			       r.seg[SEG_CS].selector, (unsigned long long)r.rip,
			       (unsigned long long)pc, target);
	} else {
		printf("kvmstub: gdb: target remote %s\n", target);
	}
	fflush(stdout);
}

int server__run(const struct server_config *cfg, struct target *t, int sig_fd)
{
	struct server *srv;
	char target[300], err[512];
	bool warn;
	int status = -1;

	srv = calloc(1, sizeof(*srv));
	if (srv)
		srv->s = calloc(1, sizeof(*srv->s));
	if (!srv || !srv->s) {
		fprintf(stderr, "kvmstub: out of memory\n");
		free(srv);
		return 1;
	}
	srv->cfg = cfg;
	srv->t = t;
	srv->sig_fd = sig_fd;
	srv->client_fd = -1;
	srv->refused_fd = -1;
	session__init(srv->s, t, cfg->log, packets__dispatch);
	srv->s->attached = false;
	srv->s->layout = regs__layout(cfg->arch);
	srv->s->arch_auto = cfg->arch_auto;
	srv->listen_fd = listen__open(&cfg->listen, cfg->allow_remote, &warn, target, sizeof(target),
				      err, sizeof(err));
	if (srv->listen_fd < 0) {
		fprintf(stderr, "kvmstub: %s\n", err);
		free(srv->s);
		free(srv);
		return 1;
	}
	if (warn)
		fprintf(stderr, "kvmstub: WARNING: listening on %s, not on loopback: anyone who can reach "
			"this port controls the guest\n", target);
	print_ready(srv, target);

	while (status < 0) {
		struct pollfd p[5] = {
			{ .fd = sig_fd, .events = POLLIN },
			{ .fd = t->ops->event_fd(t), .events = POLLIN },
			{ .fd = srv->detached ? -1 : srv->listen_fd, .events = POLLIN },
			{ .fd = srv->client_fd, .events = POLLIN },
			{ .fd = srv->refused_fd, .events = POLLIN },
		};

		if (poll(p, 5, -1) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "kvmstub: poll: %s\n", strerror(errno));
			status = 1;
			break;
		}
		if (p[0].revents & POLLIN)
			status = signalled(srv);
		else if (p[1].revents & POLLIN)
			status = target_event(srv);
		else if (p[3].revents & (POLLIN | POLLHUP | POLLERR))
			status = client_readable(srv);
		else if (p[2].revents & POLLIN)
			accept_client(srv);
		else if (p[4].revents & (POLLIN | POLLHUP | POLLERR))
			refused_readable(srv);
	}
	close_client(srv, "daemon exiting");
	if (srv->refused_fd >= 0)
		close(srv->refused_fd);
	listen__close(srv->listen_fd, &cfg->listen);
	/* The vCPUs of a continue may be inside the session's bp_filter (a
	 * breakpoint condition): stop them before the session goes. */
	if (!stop_guest(srv)) {
		fprintf(stderr, "kvmstub: the guest did not stop within %d ms; exiting without "
			"freeing the protocol session its vCPUs may still use\n", STOP_TIMEOUT_MS);
		free(srv);
		return status;
	}
	free(srv->s);
	free(srv);
	return status;
}

int server__run_no_gdb(struct target *t, int sig_fd, FILE *log)
{
	struct target_resume how = { .kind = RESUME_CONTINUE };
	struct target_stop stop;
	int ret = t->ops->resume(t, &how);

	if (ret < 0) {
		fprintf(stderr, "kvmstub: cannot start the guest: %s\n", strerror(-ret));
		return 1;
	}
	for (;;) {
		struct pollfd p[2] = {
			{ .fd = sig_fd, .events = POLLIN },
			{ .fd = t->ops->event_fd(t), .events = POLLIN },
		};
		struct signalfd_siginfo si;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "kvmstub: poll: %s\n", strerror(errno));
			return 1;
		}
		if (p[0].revents & POLLIN) {
			if (read(sig_fd, &si, sizeof(si)) != sizeof(si))
				continue;
			fprintf(stderr, "kvmstub: %s: stopping the guest\n", strsignal((int)si.ssi_signo));
			return 128 + (int)si.ssi_signo;
		}
		if (!(p[1].revents & POLLIN) || t->ops->get_stop(t, &stop) < 0)
			continue;
		switch (stop.reason) {
		case STOP_EXITED:
			if (log)
				fprintf(log, "kvmstub: guest exited with status %d\n", stop.exit_status);
			return stop.exit_status;
		case STOP_HALT:
			if (log)
				fprintf(log, "kvmstub: %s\n", stop.message);
			return 0;
		case STOP_FAULT:
			fprintf(stderr, "kvmstub: guest fault: %s\n", stop.message);
			return 1;
		default:
			/* No breakpoints without gdb; anything else is unexpected. */
			fprintf(stderr, "kvmstub: guest stopped unexpectedly (%s)\n",
				stop.message[0] ? stop.message : "no reason given");
			return 1;
		}
	}
}
