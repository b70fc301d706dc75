/*
 * conds.c - breakpoint conditions: parsing gdb's ";X len,HEX" lists,
 * a small fixed table (kind, address) -> conditions, and evaluation.
 * No allocation: the table lives in the session.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "conds.h"
#include "rsp.h"

void conds__clear(struct conds *c)
{
	memset(c, 0, sizeof(*c));
}

static bool all_hex(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (rsp__hex_digit((unsigned char)p[i]) < 0)
			return false;
	return true;
}

int conds__parse(const char *p, const char *end, enum target_bp_kind kind, uint64_t addr,
		 const struct regs_layout *layout, struct cond_bp *out, char *why, size_t why_len)
{
	char reason[96] = "";
	size_t used = 0;
	uint64_t len;
	int ret = 0, nr = 0, v;
	const char *next;

	memset(out, 0, sizeof(*out));
	out->kind = kind;
	out->addr = addr;
	if (p == end)
		return 0;
	if (*p++ != ';' || p == end)
		return -EINVAL;
	while (p < end) {
		/* ";cmds:" (target-side commands) is not advertised: malformed. */
		if (*p != 'X')
			return -EINVAL;
		p++;
		if (!rsp__parse_hex_u64(p, end, &len, &next) || next == end || *next != ',')
			return -EINVAL;
		p = next + 1;
		if (len == 0 || len > (uint64_t)(end - p) / 2 || !all_hex(p, 2 * len))
			return -EINVAL;
		nr++;
		/* Keep checking the syntax of the rest after a refusal. */
		if (ret == 0) {
			if (nr > CONDS_MAX_PER_BP) {
				snprintf(reason, sizeof(reason), "more than %d conditions",
					 CONDS_MAX_PER_BP);
				ret = -EOPNOTSUPP;
			} else if (len > AGENT_MAX_LEN || len > CONDS_POOL - used) {
				snprintf(reason, sizeof(reason),
					 "condition %d: %llu bytes of bytecode is too long", nr,
					 (unsigned long long)len);
				ret = -EOPNOTSUPP;
			} else {
				rsp__hex_decode(out->code + used, p, len);
				v = agent__verify(out->code + used, len, layout, reason,
						  sizeof(reason));
				if (v < 0) {
					char tmp[sizeof(reason)];

					memcpy(tmp, reason, sizeof(tmp));
					snprintf(reason, sizeof(reason), "condition %d: %.70s", nr, tmp);
					ret = -EOPNOTSUPP;
				} else {
					out->off[out->nr] = (uint16_t)used;
					out->len[out->nr] = (uint16_t)len;
					out->nr++;
					used += len;
				}
			}
		}
		p += 2 * len;
		if (p < end && *p == ';') {
			p++;
			if (p == end)
				return -EINVAL;
		}
	}
	if (ret < 0) {
		agent__say(why, why_len, "%s", reason);
		out->nr = 0;
	}
	out->used = out->nr > 0;
	return ret;
}

static struct cond_bp *find(struct conds *c, enum target_bp_kind kind, uint64_t addr)
{
	for (int i = 0; i < CONDS_MAX_BPS; i++)
		if (c->bp[i].used && c->bp[i].kind == kind && c->bp[i].addr == addr)
			return &c->bp[i];
	return NULL;
}

const struct cond_bp *conds__find(const struct conds *c, enum target_bp_kind kind,
				  uint64_t addr)
{
	return find((struct conds *)c, kind, addr);
}

void conds__remove(struct conds *c, enum target_bp_kind kind, uint64_t addr)
{
	struct cond_bp *bp = find(c, kind, addr);

	if (!bp)
		return;
	bp->used = false;
	c->nr_used--;
}

int conds__store(struct conds *c, const struct cond_bp *bp)
{
	struct cond_bp *slot;

	conds__remove(c, bp->kind, bp->addr);
	if (bp->nr == 0)
		return 0;
	for (slot = c->bp; slot < c->bp + CONDS_MAX_BPS; slot++) {
		if (slot->used)
			continue;
		*slot = *bp;
		slot->used = true;
		c->nr_used++;
		return 0;
	}
	return -ENOSPC;
}

bool conds__eval(const struct cond_bp *bp, struct agent_ctx *ctx, int *err)
{
	uint64_t val;
	int ret;

	*err = 0;
	for (int i = 0; i < bp->nr; i++) {
		ret = agent__eval(ctx, bp->code + bp->off[i], bp->len[i], &val);
		if (ret < 0) {
			*err = ret;
			return true;
		}
		if (val)
			return true;
	}
	return false;
}
