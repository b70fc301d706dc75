/*
 * insn_access.c - the memory an x86 instruction will access, from its
 * bytes and the registers: the entry point, the CPU mode and the prefixes
 * (ModRM, SIB and the address arithmetic every access goes through are
 * insn_access_dec.c's).
 *
 * Why: a watchpoint served by stepping leaves the watched page in normal
 * service, so the CPU's own accesses (an interrupt's frame on a watched
 * stack, descriptor loads) behave as without it; the daemon then needs to
 * know before each instruction which bytes it will read and write.
 *
 * The addresses, as the SDM gives them: an operand's offset is computed
 * and wrapped at the address size (64 KiB, 4 GiB); the segment base is
 * added and, outside 64-bit mode, the linear address wraps at 4 GiB.  The
 * bytes of one access are consecutive linear addresses (a word at offset
 * 0xFFFF of a segment whose limit allows it ends at base + 0x10000);
 * consecutive elements (pushes, string iterations) each wrap their own
 * offset.  In 64-bit mode only FS and GS have a base; RIP-relative
 * addresses count from the next instruction.  Segment limits, canonical
 * form and paging are not checked: an access they refuse faults, and a
 * faulting instruction makes a subset of what is listed.
 *
 * The opcode maps are in insn_access_map1.c and insn_access_0f.c, x87/SSE/
 * VEX in insn_access_vec.c, the stack, far transfers, interrupts and
 * descriptor tables in insn_access_sys.c.  tests/unit/test_insn_access.c
 * checks hand-made encodings; tests/e2e/access_vs_cpu.c compares the
 * decoder with the bytes a KVM vCPU really reads and writes.
 */
#include "insn_access_dec.h"

#include <string.h>

#define CR0_PE		0x1ull
#define EFER_LMA	(1ull << 10)

/* ---- decoding ---- */

static void setup_mode(struct dec *d)
{
	const struct kvm_sregs *s = d->s;

	d->pe = s->cr0 & CR0_PE;
	d->lm64 = d->pe && (s->efer & EFER_LMA) && s->cs.l;
	d->v86 = d->pe && !(s->efer & EFER_LMA) && (d->r->rflags & RFLAGS_VM);
	d->bits = d->lm64 ? 64 : !d->v86 && s->cs.db ? 32 : 16;
	d->ssz = d->lm64 ? 8 : !d->v86 && s->ss.db ? 4 : 2;
	d->cpl = !d->pe ? 0 : d->v86 ? 3 : s->ss.dpl;	/* as KVM has it: SS.DPL */
	d->lin_mask = d->lm64 ? ~0ull : 0xFFFFFFFFull;
	d->seg = SEG_NONE;
}

/* Legacy prefixes and REX; returns the opcode byte in *op. */
static int prefixes(struct dec *d, uint8_t *op)
{
	for (;;) {
		uint8_t b;
		int ret = dec__byte(d, &b);

		if (ret < 0)
			return ret;
		switch (b) {
		case 0x26: case 0x2E: case 0x36: case 0x3E:
			d->seg = (b >> 3) & 3;
			break;
		case 0x64: case 0x65:
			d->seg = b == 0x64 ? SEG_FS : SEG_GS;
			break;
		case 0x66:
			d->p66 = true;
			break;
		case 0x67:
			d->p67 = true;
			break;
		case 0xF0:
			d->lock = true;
			break;
		case 0xF2: case 0xF3:
			d->rep = b;
			break;
		default:
			if (d->lm64 && (b & 0xF0) == 0x40) {
				d->rex = b;	/* counts only right before the opcode */
				continue;
			}
			*op = b;
			return 0;
		}
		d->rex = 0;		/* a legacy prefix after a REX voids it */
	}
}

static void setup_sizes(struct dec *d)
{
	if (d->lm64) {
		d->osz = REX_W(d) ? 8 : d->p66 ? 2 : 4;
		d->asz = d->p67 ? 4 : 8;
	} else {
		d->osz = (d->bits == 32) != d->p66 ? 4 : 2;
		d->asz = (d->bits == 32) != d->p67 ? 4 : 2;
	}
}

int insn__accesses_mem(const uint8_t *code, size_t avail, const struct kvm_regs *r,
		       const struct kvm_sregs *s, const struct insn_mem *mem,
		       struct insn_access *out, int max, int *insn_len)
{
	struct dec d;
	uint8_t op;
	int ret;

	if (!code || !r || !s || !out || max < 0 || !insn_len ||
	    (mem && !mem->read))
		return -EINVAL;
	memset(&d, 0, sizeof(d));
	d.code = code;
	d.avail = avail;
	d.r = r;
	d.s = s;
	d.mem = mem;
	d.out = out;
	d.max = max;
	setup_mode(&d);
	ret = prefixes(&d, &op);
	if (ret < 0)
		return ret;
	setup_sizes(&d);
	ret = map1__decode(&d, op);
	if (ret < 0)
		return ret;
	if (!d.ended)
		return -EINVAL;		/* a map returned without decoding it all */
	*insn_len = (int)d.pos;
	return d.n;
}

int insn__accesses(const uint8_t *code, size_t avail, const struct kvm_regs *r,
		   const struct kvm_sregs *s, struct insn_access *out, int max, int *insn_len)
{
	return insn__accesses_mem(code, avail, r, s, NULL, out, max, insn_len);
}
