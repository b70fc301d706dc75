/*
 * packets_data.c - packets that move data: registers (g G p P), memory
 * (m M X), the target description (qXfer:features:read), the memory map
 * (qXfer:memory-map:read) and monitor commands (qRcmd).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "monitor.h"
#include "packets_priv.h"
#include "regs.h"
#include "rsp.h"

/* Largest memory block one 'm' reply can carry as hex. */
#define PACKETS_MAX_MEM		(RSP_PACKET_SIZE / 2)
/* Console text per 'O' packet of a monitor command's output. */
#define PACKETS_O_CHUNK		4000

/* ---- registers ---- */

enum session_action pkt__read_regs(struct session *s, const char *a, size_t len)
{
	struct target_regs r;
	int ret;

	(void)a;
	(void)len;
	ret = s->target->ops->get_regs(s->target, s->g_cpu, &r);
	if (ret < 0)
		return pkt__reply_err(s, ret);
	s->reply_len = regs_layout__encode_all(s->layout, &r, s->reply, sizeof(s->reply));
	return s->reply_len ? SESSION_OK : pkt__reply_err(s, 1);
}

/* Hex where "xx" (a register 'g' showed as unavailable) stands for a byte
 * that is not written: regs__write_all skips unavailable registers. */
static bool decode_regs_hex(uint8_t *buf, const char *hex, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (hex[2 * i] == 'x' && hex[2 * i + 1] == 'x')
			buf[i] = 0;
		else if (!rsp__hex_decode(buf + i, hex + 2 * i, 1))
			return false;
	}
	return true;
}

/*
 * The reply to P and G.  A refused write says why, as the protocol's
 * textual error "E.text": gdb shows it ('Could not write register "ds";
 * remote failure reply 'E.selector 0x0018 ...''), without the
 * characters a text reply cannot carry ("#GP" becomes "GP"); a failure with no
 * reason to give stays "Enn".
 */
static enum session_action write_reply(struct session *s, int ret, const char *why)
{
	if (ret >= 0)
		return pkt__reply_str(s, "OK");
	if (why[0])
		return pkt__reply_text_err(s, why, strlen(why));
	return pkt__reply_err(s, ret);
}

enum session_action pkt__write_regs(struct session *s, const char *a, size_t len)
{
	struct target *t = s->target;
	uint8_t buf[RSP_PACKET_SIZE / 2];
	struct target_regs r;
	char why[REGS_WHY_SIZE] = "";
	int ret;

	if (len % 2 || len / 2 > sizeof(buf) || !decode_regs_hex(buf, a, len / 2))
		return pkt__reply_err(s, 1);
	ret = t->ops->get_regs(t, s->g_cpu, &r);
	if (ret == 0)
		ret = regs_layout__write_all(s->layout, t, s->g_cpu, &r, buf, len / 2, why,
					     sizeof(why));
	if (ret == 0)
		ret = t->ops->set_regs(t, s->g_cpu, &r);
	return write_reply(s, ret, why);
}

/* "n" or "n=": a register number that exists here, with its size. */
static bool parse_regno(struct session *s, const char **p, const char *end, int *regno,
			int *size)
{
	uint64_t v;

	if (!pkt__parse_num(p, end, &v) || v > INT_MAX)
		return false;
	*regno = (int)v;
	*size = regs_layout__size(s->layout, *regno);
	return *size > 0 && regs_layout__described(s->layout, *regno, pkt__xfeatures(s));
}

/* 'p' of a register of the extended state: one XSAVE read per stop (the
 * target caches it), none for a session that never asks. */
static enum session_action read_xstate_reg(struct session *s, int regno, int size)
{
	struct target *t = s->target;
	struct target_fpu f;
	int ret;

	if (!t->ops->get_fpu) {
		memset(s->reply, 'x', 2 * (size_t)size);	/* unavailable */
		s->reply_len = 2 * (size_t)size;
		return SESSION_OK;
	}
	ret = t->ops->get_fpu(t, s->g_cpu, &f);
	if (ret < 0)
		return pkt__reply_err(s, ret);
	s->reply_len = regs_layout__encode_fpu(s->layout, &f, regno, s->reply);
	return s->reply_len ? SESSION_OK : pkt__reply_err(s, 45);
}

static int write_xstate_reg(struct session *s, int regno, const uint8_t *val, int size,
			    char *why, size_t why_len)
{
	struct target *t = s->target;
	struct target_fpu f;
	int ret;

	if (!t->ops->get_fpu || !t->ops->set_fpu) {
		snprintf(why, why_len, "this target cannot write the x87/SSE/AVX state");
		return -EOPNOTSUPP;
	}
	ret = t->ops->get_fpu(t, s->g_cpu, &f);
	if (ret == 0)
		ret = regs_layout__write_fpu(s->layout, &f, regno, val, (size_t)size, why, why_len);
	if (ret == 0) {
		ret = t->ops->set_fpu(t, s->g_cpu, &f);
		if (ret < 0)
			snprintf(why, why_len, "the vCPU refused the new %s: %s",
				 regs_layout__reg_name(s->layout, regno), strerror(-ret));
	}
	return ret;
}

enum session_action pkt__read_reg(struct session *s, const char *a, size_t len)
{
	const char *p = a, *end = a + len;
	struct target_regs r;
	int regno, size, ret;

	if (!parse_regno(s, &p, end, &regno, &size))
		return pkt__reply_err(s, 45);
	if (p != end)
		return pkt__reply_err(s, 1);
	if (regs_layout__is_xstate(s->layout, regno))
		return read_xstate_reg(s, regno, size);
	ret = s->target->ops->get_regs(s->target, s->g_cpu, &r);
	if (ret < 0)
		return pkt__reply_err(s, ret);
	s->reply_len = regs_layout__encode(s->layout, &r, regno, s->reply);
	return s->reply_len ? SESSION_OK : pkt__reply_err(s, 45);
}

enum session_action pkt__write_reg(struct session *s, const char *a, size_t len)
{
	const char *p = a, *end = a + len;
	struct target *t = s->target;
	struct target_regs r;
	char why[REGS_WHY_SIZE] = "";
	uint8_t val[64];
	int regno, size, ret;

	if (!parse_regno(s, &p, end, &regno, &size))
		return pkt__reply_err(s, 45);
	if (!pkt__parse_char(&p, end, '=') || (size_t)size > sizeof(val) ||
	    end - p != 2 * size || !rsp__hex_decode(val, p, size))
		return pkt__reply_err(s, 1);
	if (regs_layout__is_xstate(s->layout, regno))
		return write_reply(s, write_xstate_reg(s, regno, val, size, why, sizeof(why)), why);
	ret = t->ops->get_regs(t, s->g_cpu, &r);
	if (ret == 0)
		ret = regs_layout__write(s->layout, t, s->g_cpu, &r, regno, val, size, why,
					 sizeof(why));
	if (ret == 0)
		ret = t->ops->set_regs(t, s->g_cpu, &r);
	return write_reply(s, ret, why);
}

/* ---- memory ---- */

enum session_action pkt__read_mem(struct session *s, const char *a, size_t len)
{
	const char *p = a, *end = a + len;
	uint8_t buf[PACKETS_MAX_MEM];
	uint64_t addr, n;
	ssize_t got;

	if (!pkt__parse_addr_len(&p, end, &addr, &n) || p != end || n == 0)
		return pkt__reply_err(s, 1);
	/* gdb accepts a short reply: clamp to what one reply holds and to
	 * the top of the address space. */
	if (n > sizeof(buf))
		n = sizeof(buf);
	if (addr + (n - 1) < addr)
		n = 0 - addr;
	got = s->target->ops->read_mem(s->target, s->g_cpu, pkt__mem_space(s), addr, buf, n);
	if (got < 0)
		return pkt__reply_err(s, (int)got);
	if (got == 0)
		return pkt__reply_err(s, EFAULT);
	return pkt__reply_hex(s, buf, (size_t)got);
}

/* One qXfer chunk of a document cached in the session: 'm' and the bytes,
 * or 'l' with the last ones (nothing past the end). */
static enum session_action xfer_chunk(struct session *s, const char *doc, size_t doc_len,
				      uint64_t off, uint64_t n)
{
	if (off >= doc_len)
		return pkt__reply_str(s, "l");
	if (n > doc_len - off)
		n = doc_len - off;
	if (n > sizeof(s->reply) - 2)
		n = sizeof(s->reply) - 2;
	s->reply[0] = off + n < doc_len ? 'm' : 'l';
	memcpy(s->reply + 1, doc + off, n);
	s->reply_len = 1 + n;
	return SESSION_OK;
}

static enum session_action write_mem(struct session *s, uint64_t addr, const void *data,
				     size_t n)
{
	ssize_t put;

	if (n == 0)
		return pkt__reply_str(s, "OK");	/* gdb's probe for 'X' support */
	put = s->target->ops->write_mem(s->target, s->g_cpu, pkt__mem_space(s), addr, data, n);
	if (put < 0)
		return pkt__reply_err(s, (int)put);
	if ((size_t)put < n)
		return pkt__reply_err(s, EFAULT);
	return pkt__reply_str(s, "OK");
}

/* "M addr,len:hex" */
enum session_action pkt__write_mem_hex(struct session *s, const char *a, size_t len)
{
	const char *p = a, *end = a + len;
	uint8_t buf[RSP_PACKET_SIZE / 2];
	uint64_t addr, n;

	if (!pkt__parse_addr_len(&p, end, &addr, &n) || !pkt__parse_char(&p, end, ':') ||
	    n > sizeof(buf) || (uint64_t)(end - p) != 2 * n || !rsp__hex_decode(buf, p, n))
		return pkt__reply_err(s, 1);
	return write_mem(s, addr, buf, n);
}

/* "X addr,len:binary" - the decoder already removed the escapes. */
enum session_action pkt__write_mem_bin(struct session *s, const char *a, size_t len)
{
	const char *p = a, *end = a + len;
	uint64_t addr, n;

	if (!pkt__parse_addr_len(&p, end, &addr, &n) || !pkt__parse_char(&p, end, ':') ||
	    (uint64_t)(end - p) != n)
		return pkt__reply_err(s, 1);
	return write_mem(s, addr, p, n);
}

/* ---- target description ---- */

/* "target.xml:OFF,LEN" */
enum session_action pkt__features(struct session *s, const char *a, size_t len)
{
	static const char annex[] = "target.xml:";
	const char *p = a + sizeof(annex) - 1, *end = a + len;
	struct target_regs r;
	uint64_t off, n;
	int ret;

	if (len < sizeof(annex) - 1 || memcmp(a, annex, sizeof(annex) - 1) != 0)
		return pkt__reply_err(s, 0);
	if (!pkt__parse_addr_len(&p, end, &off, &n) || p != end || n == 0)
		return pkt__reply_err(s, 1);
	if (off == 0 || s->xml_len == 0) {
		s->xml_len = 0;
		ret = s->target->ops->get_regs(s->target, s->g_cpu, &r);
		if (ret < 0)
			return pkt__reply_err(s, ret);
		/* --arch auto: gdb reads target.xml first on every connection,
		 * and again after an exec stop (session.c): the layout of the
		 * CPU mode now. */
		if (s->arch_auto)
			s->layout = regs__layout_for(&r);
		s->xml_len = regs_layout__target_xml(s->layout, &r, pkt__xfeatures(s), s->xml,
						     sizeof(s->xml));
		if (s->xml_len == 0)
			return pkt__reply_err(s, 1);
	}
	return xfer_chunk(s, s->xml, s->xml_len, off, n);
}

/* ---- memory map ---- */

#define MEMMAP_MAX_REGIONS	16

/* gdb's memory-map document (its DTD: memory-map, memory type/start/length). */
static size_t memory_map_xml(struct session *s, char *out, size_t cap)
{
	struct target *t = s->target;
	struct target_region r[MEMMAP_MAX_REGIONS];
	size_t at;
	int n, ret;

	n = t->ops->memory_map(t, r, MEMMAP_MAX_REGIONS);
	if (n < 0)
		return 0;
	if (n > MEMMAP_MAX_REGIONS)
		n = MEMMAP_MAX_REGIONS;
	ret = snprintf(out, cap, "<?xml version=\"1.0\"?>\n"
		       "<!DOCTYPE memory-map PUBLIC "
		       "\"+//IDN gnu.org//DTD GDB Memory Map V1.0//EN\" "
		       "\"http://sourceware.org/gdb/gdb-memory-map.dtd\">\n<memory-map>\n");
	if (ret < 0 || (size_t)ret >= cap)
		return 0;
	at = (size_t)ret;
	for (int i = 0; i < n; i++) {
		ret = snprintf(out + at, cap - at,
			       "  <memory type=\"%s\" start=\"0x%llx\" length=\"0x%llx\"/>\n",
			       r[i].rom ? "rom" : "ram", (unsigned long long)r[i].start,
			       (unsigned long long)r[i].length);
		if (ret < 0 || (size_t)ret >= cap - at)
			return 0;
		at += (size_t)ret;
	}
	ret = snprintf(out + at, cap - at, "</memory-map>\n");
	if (ret < 0 || (size_t)ret >= cap - at)
		return 0;
	return at + (size_t)ret;
}

/* "::OFF,LEN" (the annex is empty).  Generated at offset 0 and kept, like target.xml. */
enum session_action pkt__memory_map(struct session *s, const char *a, size_t len)
{
	const char *p = a, *end = a + len;
	uint64_t off, n;

	if (!s->target->ops->memory_map)
		return SESSION_OK;	/* empty: no map, gdb treats all memory as RAM */
	if (!pkt__parse_char(&p, end, ':') || !pkt__parse_addr_len(&p, end, &off, &n) ||
	    p != end || n == 0)
		return pkt__reply_err(s, 1);
	if (off == 0 || s->memmap_len == 0) {
		s->memmap_len = memory_map_xml(s, s->memmap, sizeof(s->memmap));
		if (s->memmap_len == 0)
			return pkt__reply_err(s, EIO);
	}
	return xfer_chunk(s, s->memmap, s->memmap_len, off, n);
}

/* ---- monitor ---- */

/* Console output: 'O' followed by the text in hex, a few KiB at a time. */
static void send_console(struct session *s, const char *text, size_t len)
{
	char pkt[1 + 2 * PACKETS_O_CHUNK];
	size_t n;

	while (len > 0) {
		n = len < PACKETS_O_CHUNK ? len : PACKETS_O_CHUNK;
		pkt[0] = 'O';
		session__send_packet(s, pkt, 1 + rsp__hex_encode(pkt + 1, text, n));
		text += n;
		len -= n;
	}
}

enum session_action pkt__monitor(struct session *s, const char *a, size_t len)
{
	char line[RSP_PACKET_SIZE / 2 + 1];
	char out[MONITOR_OUT_SIZE];
	size_t n;
	int ret;

	if (len % 2 || len / 2 >= sizeof(line) || !rsp__hex_decode(line, a, len / 2))
		return pkt__reply_err(s, 1);
	line[len / 2] = '\0';
	if (strlen(line) != len / 2)
		return pkt__reply_err(s, 1);	/* a NUL inside the command */
	out[0] = '\0';
	ret = monitor__run(s, line, out, sizeof(out));
	n = strnlen(out, sizeof(out));
	/* A failure: to a gdb that takes "E.text" for qRcmd (it says
	 * error-message+), the text is the error itself.  gdb 13 does not:
	 * it hex-decodes such a reply ("Invalid hex digit 46"); it gets the
	 * text as console output, then "E01" ("Protocol error with Rcmd"),
	 * so a script can still catch the failure. */
	if (ret < 0 && s->gdb_error_message) {
		while (n > 0 && out[n - 1] == '\n')
			n--;
		if (n == 0)
			return pkt__reply_str(s, "E.the monitor command failed");
		return pkt__reply_text_err(s, out, n);
	}
	send_console(s, out, n);
	return ret < 0 ? pkt__reply_err(s, 1) : pkt__reply_str(s, "OK");
}
