/*
 * insn_vs_cpu.c - kvm/insn.c against the CPU: every instruction form the
 * daemon executes itself (past a false condition's breakpoint), with
 * random operands and flags, run by insn__exec and by a KVM vCPU (one
 * single step) in real, protected and long mode; registers, RFLAGS and
 * RIP must come out the same.  It reuses the probe's scratch VM
 * (kvm/probe_vm.c) for the three modes.  Run by insn_vs_cpu.sh.
 *
 *   insn_vs_cpu [TRIALS_PER_MODE]      exit 0: all equal; 1: a difference
 *                                      (printed); 2: KVM unusable
 *
 * Also checked without KVM: encodings it must refuse (memory operands,
 * other prefixes, other opcodes) leave the registers alone.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../kvm/cpu/insn.h"
#include "../../kvm/host/ioctl.h"
#include "../../kvm/host/probe_priv.h"

#define ARITH_FLAGS	0x8D5ull	/* OF SF ZF AF PF CF */

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* One random instruction of a form insn.c executes, for a mode. */
static size_t make_insn(uint8_t *b, int bits)
{
	size_t n = 0;
	int kind = (int)(rnd() % 12);
	uint8_t modrm = (uint8_t)(0xC0 | (rnd() & 0x3F));

	if (rnd() % 4 == 0)
		b[n++] = 0x66;
	if (bits == 64 && rnd() % 2)
		b[n++] = (uint8_t)(0x40 | (rnd() & 0xD));	/* W, R, B; never X */
	switch (kind) {
	case 0:		/* ALU r/m, r and r, r/m */
		b[n++] = (uint8_t)((rnd() % 8) << 3 | (rnd() % 4));
		b[n++] = modrm;
		break;
	case 1:		/* ALU al/eAX, imm */
		b[n++] = (uint8_t)((rnd() % 8) << 3 | (4 + rnd() % 2));
		break;
	case 2:		/* 80, 81, 83 */
		b[n++] = (uint8_t[]){ 0x80, 0x81, 0x83 }[rnd() % 3];
		b[n++] = modrm;
		break;
	case 3:		/* test r/m, r */
		b[n++] = (uint8_t)(0x84 + rnd() % 2);
		b[n++] = modrm;
		break;
	case 4:		/* mov */
		b[n++] = (uint8_t)(0x88 + rnd() % 4);
		b[n++] = modrm;
		break;
	case 5:		/* test al/eAX, imm */
		b[n++] = (uint8_t)(0xA8 + rnd() % 2);
		break;
	case 6:		/* mov r, imm */
		b[n++] = (uint8_t)(0xB0 + rnd() % 16);
		break;
	case 7:		/* inc, dec r/m */
		b[n++] = (uint8_t)(0xFE + rnd() % 2);
		b[n++] = (uint8_t)(0xC0 | (rnd() % 2) << 3 | (rnd() & 7));
		break;
	case 8:		/* test r/m, imm */
		b[n++] = (uint8_t)(0xF6 + rnd() % 2);
		b[n++] = (uint8_t)(0xC0 | (rnd() & 7));
		break;
	case 9:		/* inc, dec r (REX there in 64-bit mode) */
		if (bits == 64)
			return 0;
		b[n++] = (uint8_t)(0x40 + rnd() % 16);
		break;
	case 10:	/* nop; with REX.B it would be xchg r8, rax */
		if (n && (b[n - 1] & 0xF0) == 0x40 && bits == 64)
			b[n - 1] &= (uint8_t)~1;
		b[n++] = 0x90;
		break;
	default:	/* the ALU forms again: they are most of it */
		b[n++] = (uint8_t)((rnd() % 8) << 3 | (rnd() % 6));
		b[n++] = modrm;
		break;
	}
	for (int i = 0; i < 8; i++)	/* immediate bytes, as many as it takes */
		b[n++] = (uint8_t)rnd();
	return n;
}

static void random_regs(struct kvm_regs *r, int bits)
{
	__u64 *g[] = { &r->rax, &r->rbx, &r->rcx, &r->rdx, &r->rsi, &r->rdi, &r->rbp,
		       &r->r8, &r->r9, &r->r10, &r->r11, &r->r12, &r->r13, &r->r14, &r->r15 };

	for (size_t i = 0; i < sizeof(g) / sizeof(g[0]); i++) {
		uint64_t v = rnd();

		switch (rnd() % 4) {	/* edge values now and then */
		case 0:
			v = rnd() % 2 ? 0 : ~0ull;
			break;
		case 1:
			v = (rnd() % 2 ? 0x80ull : 0x7Full) << (8 * (rnd() % 8));
			break;
		default:
			break;
		}
		*g[i] = bits == 64 ? v : v & 0xFFFFFFFFull;
	}
	r->rflags = 0x2 | (rnd() & ARITH_FLAGS);
}

static int compare(const char *mode, const uint8_t *code, size_t len,
		   const struct kvm_regs *before, const struct kvm_regs *cpu,
		   const struct kvm_regs *ours, int bits)
{
	const char *names[] = { "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rsp", "rbp",
				"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "rip",
				"rflags" };
	const __u64 *a = &cpu->rax, *b = &ours->rax, *s = &before->rax;
	uint64_t m = bits == 64 ? ~0ull : 0xFFFFFFFFull;
	int bad = 0;

	for (int i = 0; i < 18; i++) {
		if (((a[i] ^ b[i]) & m) == 0)
			continue;
		if (!bad) {
			printf("DIFFERENT in %s mode:", mode);
			for (size_t k = 0; k < len; k++)
				printf(" %02x", code[k]);
			printf("\n");
		}
		printf("  %-6s before 0x%016llx  cpu 0x%016llx  insn.c 0x%016llx\n", names[i],
		       (unsigned long long)s[i], (unsigned long long)a[i],
		       (unsigned long long)b[i]);
		bad = 1;
	}
	return bad;
}

/* Encodings insn.c must leave to the CPU: it returns 0, r untouched. */
static int check_refusals(void)
{
	static const struct { int bits; uint8_t code[4]; size_t len; } no[] = {
		{ 32, { 0x01, 0x03 }, 2 },		/* add [ebx], eax: memory */
		{ 32, { 0x8b, 0x45, 0x08 }, 3 },	/* mov eax, [ebp+8] */
		{ 32, { 0xf0, 0x01, 0xc0 }, 3 },	/* lock */
		{ 32, { 0xf3, 0x90 }, 2 },		/* pause */
		{ 32, { 0x2e, 0x01, 0xc0 }, 3 },	/* a segment override */
		{ 64, { 0x41, 0x90 }, 2 },		/* xchg r8, rax */
		{ 64, { 0x42, 0x01, 0xc0 }, 3 },	/* REX.X */
		{ 64, { 0x40 }, 1 },			/* REX, then nothing */
		{ 32, { 0x50 }, 1 },			/* push eax */
		{ 32, { 0xeb, 0xfe }, 2 },		/* jmp */
		{ 16, { 0xb8, 0x34 }, 2 },		/* mov ax, imm16: cut short */
		{ 32, { 0xf7, 0xd8 }, 2 },		/* neg eax */
		{ 32, { 0xff, 0xd0 }, 2 },		/* call eax */
	};
	int bad = 0;

	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		struct kvm_regs r, before;

		memset(&r, 0x5a, sizeof(r));
		before = r;
		if (insn__exec(no[i].code, no[i].len, no[i].bits, &r) != 0 ||
		    memcmp(&r, &before, sizeof(r))) {
			printf("insn.c executed refusal case %zu (first byte %02x)\n", i,
			       no[i].code[0]);
			bad = 1;
		}
	}
	return bad;
}

int main(int argc, char **argv)
{
	static const struct { enum pmode pm; int bits; const char *name; } modes[] = {
		{ PM_REAL, 16, "real" },
		{ PM_PROTECTED, 32, "protected" },
		{ PM_LONG, 64, "long" },
	};
	char err[256] = "";
	struct probe p = { .vm_fd = -1, .err = err, .errlen = sizeof(err), .max_vcpu_id = 8 };
	long trials = argc > 1 ? strtol(argv[1], NULL, 0) : 3000;
	int bad = check_refusals(), ret;
	long done = 0;

	p.kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (p.kvm_fd < 0 || probe_vm__setup(&p) < 0) {
		fprintf(stderr, "insn_vs_cpu: KVM unusable: %s\n", err[0] ? err : "/dev/kvm");
		return 2;
	}
	for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]) && !bad; m++) {
		struct vcpu v;

		if (probe_vm__vcpu_open(&p, &v, modes[m].pm) < 0) {
			fprintf(stderr, "insn_vs_cpu: %s\n", err);
			return 2;
		}
		for (long t = 0; t < trials && !bad; t++) {
			uint8_t code[32];
			size_t len = make_insn(code, modes[m].bits);
			struct kvm_regs before, ours, cpu;
			struct result res;
			int n;

			if (!len)
				continue;
			ret = probe_vm__set_mode(&p, &v, modes[m].pm);
			if (ret == 0)
				ret = KVM_IOCTL(v.fd, KVM_GET_REGS, &before);
			if (ret < 0) {
				fprintf(stderr, "insn_vs_cpu: %s\n", err[0] ? err : "KVM_GET_REGS");
				return 2;
			}
			random_regs(&before, modes[m].bits);
			ours = before;
			n = insn__exec(code, len, modes[m].bits, &ours);
			if (n <= 0) {
				printf("insn.c refused a form it should execute in %s mode:", modes[m].name);
				for (size_t k = 0; k < len; k++)
					printf(" %02x", code[k]);
				printf("\n");
				bad = 1;
				break;
			}
			memcpy(p.mem + P_CODE, code, len);
			if (KVM_IOCTL(v.fd, KVM_SET_REGS, &before) < 0 ||
			    probe_vm__set_debug(&v, KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP,
						0, 0) < 0 ||
			    probe_vm__run(&p, &v, &res) < 0 ||
			    KVM_IOCTL(v.fd, KVM_GET_REGS, &cpu) < 0) {
				fprintf(stderr, "insn_vs_cpu: running the vCPU failed: %s\n", err);
				return 2;
			}
			if (res.what != OUT_DEBUG || res.exception != 1) {
				printf("the vCPU did not stop after one instruction in %s mode "
				       "(outcome %d)\n", modes[m].name, res.what);
				bad = 1;
				break;
			}
			bad = compare(modes[m].name, code, (size_t)n, &before, &cpu, &ours,
				      modes[m].bits);
			done++;
		}
		probe_vm__vcpu_close(&p, &v);
	}
	probe_vm__teardown(&p);
	close(p.kvm_fd);
	if (bad)
		return 1;
	printf("insn_vs_cpu: %ld instructions in real, protected and long mode: insn.c and "
	       "the vCPU agree on every register, RFLAGS and RIP\n", done);
	return 0;
}
