/* listen.c - opening the socket gdb connects to. */
#include "listen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static bool is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

		return IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
	}
	return false;
}

/*
 * The TCP address of l, first of what it resolves to; 0, -EAGAIN when it
 * does not resolve (err says why), or -EINVAL.
 */
static int resolve(const struct listen_addr *l, struct addrinfo **ai, char *err, size_t errlen)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
	char port[16];
	int ret;

	snprintf(port, sizeof(port), "%u", l->port);
	ret = getaddrinfo(l->host, port, &hints, ai);
	if (ret) {
		snprintf(err, errlen, "cannot listen on %s:%u: %s", l->host, l->port, gai_strerror(ret));
		return -EAGAIN;
	}
	return 0;
}

static void refusal(const struct listen_addr *l, char *err, size_t errlen)
{
	snprintf(err, errlen,
		 "refusing to listen on %s: not a loopback address, and anyone who can reach "
		 "the port controls the guest; add --allow-remote to do it anyway", l->host);
}

int listen__check(const struct listen_addr *l, bool allow_remote, char *err, size_t errlen)
{
	struct addrinfo *ai;
	bool loop;

	if (l->kind != LISTEN_TCP || allow_remote)
		return 0;
	/* A name that does not resolve now is listen__open's to report. */
	if (resolve(l, &ai, err, errlen) < 0)
		return 0;
	loop = is_loopback(ai->ai_addr);
	freeaddrinfo(ai);
	if (loop)
		return 0;
	refusal(l, err, errlen);
	return -EPERM;
}

static int open_tcp(const struct listen_addr *l, bool allow_remote, bool *warn,
		    char *target, size_t targetlen, char *err, size_t errlen)
{
	struct addrinfo *ai;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int fd, ret, one = 1;
	unsigned real_port;

	if (resolve(l, &ai, err, errlen) < 0)
		return -EINVAL;
	if (!is_loopback(ai->ai_addr)) {
		if (!allow_remote) {
			refusal(l, err, errlen);
			freeaddrinfo(ai);
			return -EPERM;
		}
		*warn = true;
	}
	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "socket: %s", strerror(-ret));
		freeaddrinfo(ai);
		return ret;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 4) < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot listen on %s:%u: %s%s", l->host, l->port, strerror(-ret),
			 ret == -EADDRINUSE ? " (is another kvmstub or gdbserver running? "
					      "choose another port with --listen)" : "");
		close(fd);
		freeaddrinfo(ai);
		return ret;
	}
	freeaddrinfo(ai);
	real_port = l->port;
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
		real_port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
							   : ((struct sockaddr_in *)&ss)->sin_port);
	if (strchr(l->host, ':'))
		snprintf(target, targetlen, "[%s]:%u", l->host, real_port);
	else
		snprintf(target, targetlen, "%s:%u", l->host, real_port);
	return fd;
}

/* A socket file nobody answers on is stale and may be replaced. */
static int clear_stale_socket(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, ret;

	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		ret = -errno;
		snprintf(err, errlen, "cannot listen on %s: %s", path, strerror(-ret));
		return ret;
	}
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "cannot listen on %s: the file exists and is not a socket", path);
		return -EEXIST;
	}
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "socket: %s", strerror(-ret));
		return ret;
	}
	ret = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
	close(fd);
	if (ret == 0) {
		snprintf(err, errlen, "cannot listen on %s: another process is serving that socket", path);
		return -EADDRINUSE;
	}
	if (unlink(path) < 0 && errno != ENOENT) {
		ret = -errno;
		snprintf(err, errlen, "cannot remove stale socket %s: %s", path, strerror(-ret));
		return ret;
	}
	return 0;
}

static int open_unix(const struct listen_addr *l, char *target, size_t targetlen,
		     char *err, size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char cwd[256];
	mode_t old;
	int fd, ret;

	ret = clear_stale_socket(l->path, err, errlen);
	if (ret)
		return ret;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "socket: %s", strerror(-ret));
		return ret;
	}
	strcpy(sun.sun_path, l->path);
	old = umask(0177);	/* the socket is born 0600: only its owner controls the guest */
	ret = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (ret < 0 || listen(fd, 4) < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot listen on %s: %s", l->path, strerror(-ret));
		close(fd);
		return ret;
	}
	/* gdb (13) takes a unix socket as a plain path, "target remote
	 * /path/to/sock" (it refuses "unix::PATH"); an absolute one, so
	 * that it works from gdb's own directory too. */
	if (l->path[0] != '/' && getcwd(cwd, sizeof(cwd)))
		snprintf(target, targetlen, "%s/%s", strcmp(cwd, "/") ? cwd : "", l->path);
	else
		snprintf(target, targetlen, "%s", l->path);
	return fd;
}

int listen__open(const struct listen_addr *l, bool allow_remote, bool *warn,
		 char *target, size_t targetlen, char *err, size_t errlen)
{
	*warn = false;
	if (l->kind == LISTEN_UNIX)
		return open_unix(l, target, targetlen, err, errlen);
	return open_tcp(l, allow_remote, warn, target, targetlen, err, errlen);
}

void listen__close(int fd, const struct listen_addr *l)
{
	if (fd < 0)
		return;
	close(fd);
	if (l->kind == LISTEN_UNIX)
		unlink(l->path);
}
