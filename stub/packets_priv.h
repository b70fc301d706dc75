/*
 * packets_priv.h - shared by the packet handlers (packets*.c) only: reply
 * builders, strict argument parsers, and the handlers the table in
 * packets.c points at.  Not for the rest of the daemon.
 */
#ifndef KVMSTUB_PACKETS_PRIV_H
#define KVMSTUB_PACKETS_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "packets.h"
#include "session.h"

/* Replies: fill s->reply, return SESSION_OK. */
enum session_action pkt__reply_str(struct session *s, const char *str);
enum session_action pkt__reply_fmt(struct session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* "Enn", nn the errno in decimal (E14 EFAULT, E22 EINVAL, E28 ENOSPC);
 * err may be negative. */
enum session_action pkt__reply_err(struct session *s, int err);
enum session_action pkt__reply_hex(struct session *s, const void *data, size_t len);
/* "E.text", the protocol's textual error, which gdb shows as it is: the
 * characters that framing would escape ('#', '$', '}') or gdb would take
 * for run-length ('*') are left out or replaced. */
enum session_action pkt__reply_text_err(struct session *s, const char *text, size_t len);

/* Parsers: *p advances past what they accept; end is exclusive.  false
 * when malformed (then *p is unspecified). */
bool pkt__parse_num(const char **p, const char *end, uint64_t *val);
bool pkt__parse_char(const char **p, const char *end, char c);
bool pkt__parse_addr_len(const char **p, const char *end, uint64_t *addr, uint64_t *len);
/* A thread id: "-1" (all), "0" (any) or a positive hex number. */
bool pkt__parse_tid(const char **p, const char *end, int64_t *tid);

int pkt__nr_cpus(struct session *s);
/* Thread ids are cpu + 1: gdb reserves 0 for "any" and -1 for "all". */
bool pkt__tid_is_cpu(struct session *s, int64_t tid);
/* The parts of the extended state described (TARGET_XF_*): the target's,
 * or x87 and SSE read as unavailable by a target that has none. */
uint32_t pkt__xfeatures(struct session *s);
/* Linear, or guest-physical after "monitor phys on". */
enum target_space pkt__mem_space(const struct session *s);

/* Handlers: args/len are what follows the packet's name. */

/* registers, memory, target description, monitor (packets_data.c) */
enum session_action pkt__read_regs(struct session *s, const char *args, size_t len);
enum session_action pkt__write_regs(struct session *s, const char *args, size_t len);
enum session_action pkt__read_reg(struct session *s, const char *args, size_t len);
enum session_action pkt__write_reg(struct session *s, const char *args, size_t len);
enum session_action pkt__read_mem(struct session *s, const char *args, size_t len);
enum session_action pkt__write_mem_hex(struct session *s, const char *args, size_t len);
enum session_action pkt__write_mem_bin(struct session *s, const char *args, size_t len);
enum session_action pkt__features(struct session *s, const char *args, size_t len);
enum session_action pkt__memory_map(struct session *s, const char *args, size_t len);
enum session_action pkt__monitor(struct session *s, const char *args, size_t len);

/* resuming, breakpoints, leaving, extended-remote (packets_run.c) */
enum session_action pkt__continue(struct session *s, const char *args, size_t len);
enum session_action pkt__step(struct session *s, const char *args, size_t len);
enum session_action pkt__reverse_step(struct session *s, const char *args, size_t len);
enum session_action pkt__reverse_continue(struct session *s, const char *args, size_t len);
enum session_action pkt__continue_sig(struct session *s, const char *args, size_t len);
enum session_action pkt__step_sig(struct session *s, const char *args, size_t len);
enum session_action pkt__vcont_query(struct session *s, const char *args, size_t len);
enum session_action pkt__vcont(struct session *s, const char *args, size_t len);
enum session_action pkt__insert_bp(struct session *s, const char *args, size_t len);
enum session_action pkt__remove_bp(struct session *s, const char *args, size_t len);
enum session_action pkt__detach(struct session *s, const char *args, size_t len);
enum session_action pkt__kill(struct session *s, const char *args, size_t len);
enum session_action pkt__vkill(struct session *s, const char *args, size_t len);
enum session_action pkt__extended(struct session *s, const char *args, size_t len);
enum session_action pkt__run(struct session *s, const char *args, size_t len);
enum session_action pkt__restart(struct session *s, const char *args, size_t len);

#endif
