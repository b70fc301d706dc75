/*
 * sysview_priv.h - what sysview.c and sysview_xlate.c share: the bounded
 * text writer and the x86 descriptor decoder.  Private to stub/sysview*.
 */
#ifndef KVMSTUB_SYSVIEW_PRIV_H
#define KVMSTUB_SYSVIEW_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sysview.h"

/*
 * Output goes into the caller's buffer, whole lines only.  When a line
 * does not fit, it is dropped and the text ends with SV_TRUNCATED
 * instead; the show functions still succeed (a long GDT listing cut short
 * is more useful than an error).  A buffer too small for even that
 * marker gives -ENOSPC.
 */
#define SV_TRUNCATED	"... (output truncated)\n"

struct sv_out {
	char *buf;
	size_t cap, len;
	bool full;
};

int sysview__out_init(struct sv_out *o, char *buf, size_t cap);
/* Every decoder's start: the output buffer, then the vCPU's registers. */
int sysview__begin(struct target *t, int cpu, struct target_regs *r, struct sv_out *o,
		   char *buf, size_t cap);
__attribute__((format(printf, 2, 3)))
void sysview__printf(struct sv_out *o, const char *fmt, ...);
/* The length written (>= 0). */
int sysview__out_end(struct sv_out *o);

/* One 8-byte GDT/LDT/IDT descriptor, decoded. */
struct sv_desc {
	uint64_t base;		/* segments (and TSS/LDT) */
	uint32_t limit;		/* in bytes, scaled by G */
	uint16_t gate_sel;	/* gates: target selector */
	uint64_t gate_off;	/* gates: target offset (low 32 bits) */
	uint8_t type, s, dpl, p, avl, l, db, g;
};

void sysview__decode_desc(uint64_t raw, struct sv_desc *d);
/* "code, exec/read, accessed", "32-bit TSS (busy)", ... into buf. */
const char *sysview__type_name(char *buf, size_t len, uint8_t s, uint8_t type, bool long_mode);
bool sysview__is_gate(uint8_t s, uint8_t type);

#endif
