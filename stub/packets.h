/*
 * packets.h - the one packet dispatch table: which handler answers which
 * gdb packet.  Handlers fill s->reply (or set s->no_reply) and return;
 * they never touch a socket.
 */
#ifndef KVMSTUB_PACKETS_H
#define KVMSTUB_PACKETS_H

#include <stddef.h>

#include "session.h"

enum packet_match {
	PACKET_EXACT,		/* the whole packet is the name */
	PACKET_PREFIX,		/* the packet starts with the name; the rest are arguments */
};

/* args/len: what follows the name (not NUL-terminated in general: 'X'
 * and binary payloads may hold NULs; use len). */
typedef enum session_action (*packet_fn)(struct session *s, const char *args, size_t len);

struct packet_desc {
	const char *name;
	enum packet_match match;
	packet_fn fn;
	const char *help;	/* one line, for people reading logs and "monitor help" */
};

/* Answer one packet: fills s->reply/s->reply_len (empty reply for an
 * unknown packet) or sets s->no_reply, and may already have sent packets
 * with session__send_packet. */
enum session_action packets__dispatch(struct session *s, const char *pkt, size_t len);

/* The table itself, read-only, e.g. for a monitor command listing it. */
const struct packet_desc *packets__table(size_t *count);

#endif
