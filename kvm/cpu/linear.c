/*
 * linear.c - where a vCPU is and what its addresses mean (cpu.h): the
 * linear pc, the CPU mode, a "where" for messages, linear-to-physical
 * translation (KVM_TRANSLATE with paging on), and guest memory accessed
 * by linear or physical address.
 */
#include "cpu.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../host/ioctl.h"

int cpu__pc(struct cpu *c, uint64_t *pc)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	int ret = cpu__regs(c, &r);

	if (ret < 0)
		return ret;
	ret = cpu__sregs(c, &s);
	if (ret < 0)
		return ret;
	*pc = s.cs.base + r.rip;
	if (!(s.efer & X86_EFER_LMA))
		*pc &= 0xFFFFFFFFull;
	return 0;
}

const char *cpu__mode_name(const struct kvm_sregs *s)
{
	if (!(s->cr0 & X86_CR0_PE))
		return "real mode";
	if (s->efer & X86_EFER_LMA)
		return s->cs.l ? "long mode" : "compatibility mode";
	return "protected mode";
}

int cpu__where(struct cpu *c, int64_t pc_adjust, char *buf, size_t len)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	int ret = cpu__regs(c, &r);

	if (ret >= 0)
		ret = cpu__sregs(c, &s);
	if (ret < 0) {
		snprintf(buf, len, "at an unknown place (KVM_GET_REGS/SREGS failed)");
		return ret;
	}
	uint64_t ip = r.rip + (uint64_t)pc_adjust;
	uint64_t lin = s.cs.base + ip;
	const char *mode = cpu__mode_name(&s);

	if (!(s.cr0 & X86_CR0_PE))
		snprintf(buf, len, "at %04x:%04llx (linear 0x%llx, %s)", s.cs.selector,
			 (unsigned long long)(ip & 0xFFFF), (unsigned long long)(lin & 0xFFFFFFFF),
			 mode);
	else if (s.efer & X86_EFER_LMA)
		snprintf(buf, len, "at %04x:%016llx (linear 0x%llx, %s)", s.cs.selector,
			 (unsigned long long)ip, (unsigned long long)lin, mode);
	else
		snprintf(buf, len, "at %04x:%08llx (linear 0x%llx, %s)", s.cs.selector,
			 (unsigned long long)(ip & 0xFFFFFFFF),
			 (unsigned long long)(lin & 0xFFFFFFFF), mode);
	return 0;
}

int cpu__translate(struct cpu *c, uint64_t linear, uint64_t *phys)
{
	struct kvm_sregs s;
	struct kvm_translation tr = { .linear_address = linear };
	int ret = cpu__sregs(c, &s);

	if (ret < 0)
		return ret;
	if (!(s.cr0 & X86_CR0_PG)) {
		*phys = (s.efer & X86_EFER_LMA) ? linear : (linear & 0xFFFFFFFFull);
		return 0;
	}
	if (!(s.efer & X86_EFER_LMA))
		tr.linear_address &= 0xFFFFFFFFull;
	ret = KVM_IOCTL(c->fd, KVM_TRANSLATE, &tr);
	if (ret < 0)
		return ret;
	if (!tr.valid)
		return -EFAULT;
	*phys = tr.physical_address;
	return 0;
}

/* Guest-physical access through the copy hooks, stopping at no memory. */
static size_t phys_access(struct memory *mem, uint64_t gpa, uint8_t *buf, size_t len, bool write,
			  const struct cpu_copy *copy)
{
	size_t done = 0;

	while (done < len) {
		uint64_t avail;
		uint8_t *host = memory__host(mem, gpa + done, &avail);
		size_t n = len - done;

		if (!host)
			break;
		if (n > avail)
			n = (size_t)avail;
		if (write && copy && copy->write)
			copy->write(copy->ctx, host, buf + done, n);
		else if (write)
			memcpy(host, buf + done, n);
		if (write)
			memory__touched(mem, host, n);	/* no dirty log sees the daemon's writes */
		else if (copy && copy->read)
			copy->read(copy->ctx, host, buf + done, n);
		else
			memcpy(buf + done, host, n);
		done += n;
	}
	return done;
}

ssize_t cpu__access(struct cpu *c, struct memory *mem, enum target_space space, uint64_t addr,
		    void *buf, size_t len, bool write, const struct cpu_copy *copy)
{
	struct kvm_sregs s;
	size_t done = 0;
	int ret;

	if (space == TARGET_PHYSICAL)
		return (ssize_t)phys_access(mem, addr, buf, len, write, copy);
	ret = cpu__sregs(c, &s);
	if (ret < 0)
		return ret;
	bool paging = s.cr0 & X86_CR0_PG;
	bool wide = s.efer & X86_EFER_LMA;

	while (done < len) {
		uint64_t lin = addr + done, gpa;
		uint64_t chunk = len - done, n;

		if (!wide)
			lin &= 0xFFFFFFFFull;
		if (paging) {
			uint64_t room = 0x1000 - (lin & 0xFFF);

			ret = cpu__translate(c, lin, &gpa);
			if (ret < 0)
				break;
			if (chunk > room)
				chunk = room;
		} else {
			gpa = lin;
			if (!wide && chunk > 0x100000000ull - lin)
				chunk = 0x100000000ull - lin;	/* wraps at 4 GiB */
		}
		n = phys_access(mem, gpa, (uint8_t *)buf + done, (size_t)chunk, write, copy);
		done += n;
		if (n < chunk)
			break;
	}
	return (ssize_t)done;
}
