/*
 * vm.c - open /dev/kvm, check what kvmstub needs from it, create the VM.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ioctl.h"
#include "vm.h"

#define KVM_API_EXPECTED	12

int vm__open_kvm(int *kvm_fd, char *err, size_t errlen)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	int e = errno;
	const char *hint = "";

	if (fd >= 0) {
		*kvm_fd = fd;
		return 0;
	}
	if (e == EACCES || e == EPERM)
		hint = " (is your user in group kvm?)";
	else if (e == ENOENT || e == ENODEV || e == ENXIO)
		hint = " (KVM is not available on this machine)";
	snprintf(err, errlen, "cannot open /dev/kvm: %s%s", strerror(e), hint);
	return -e;
}

/* The capabilities kvmstub cannot work without, and why it needs them. */
static const struct {
	int cap;
	const char *name, *why;
} required_caps[] = {
	{ KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY", "guest memory cannot be set up" },
	{ KVM_CAP_SET_GUEST_DEBUG, "KVM_CAP_SET_GUEST_DEBUG",
	  "single-stepping and breakpoints are impossible" },
	{ KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT",
	  "a running guest cannot be interrupted reliably (Linux 4.11 or later needed)" },
};

static int check_caps(int kvm_fd, char *err, size_t errlen)
{
	for (size_t i = 0; i < sizeof(required_caps) / sizeof(required_caps[0]); i++) {
		int r = KVM_IOCTL(kvm_fd, KVM_CHECK_EXTENSION, required_caps[i].cap);

		if (r < 0) {
			kvm__ioctl_error(err, errlen, "KVM_CHECK_EXTENSION", r);
			return r;
		}
		if (r == 0) {
			snprintf(err, errlen, "KVM lacks %s: %s", required_caps[i].name,
				 required_caps[i].why);
			return -EOPNOTSUPP;
		}
	}
	return 0;
}

int vm__create(int kvm_fd, uint64_t tss_addr, uint64_t idmap_addr, int *vm_fd, size_t *run_size,
	       char *err, size_t errlen)
{
	int r = KVM_IOCTL(kvm_fd, KVM_GET_API_VERSION, 0);

	if (r < 0) {
		kvm__ioctl_error(err, errlen, "KVM_GET_API_VERSION", r);
		return r;
	}
	if (r != KVM_API_EXPECTED) {
		snprintf(err, errlen, "KVM API version is %d; kvmstub needs %d", r,
			 KVM_API_EXPECTED);
		return -EOPNOTSUPP;
	}
	r = check_caps(kvm_fd, err, errlen);
	if (r < 0)
		return r;

	r = KVM_IOCTL(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (r < 0) {
		kvm__ioctl_error(err, errlen, "KVM_GET_VCPU_MMAP_SIZE", r);
		return r;
	}
	*run_size = (size_t)r;

	r = KVM_IOCTL(kvm_fd, KVM_CREATE_VM, 0);
	if (r < 0) {
		kvm__ioctl_error(err, errlen, "KVM_CREATE_VM", r);
		return r;
	}
	*vm_fd = r;

	/*
	 * Intel's VMX needs a few pages of guest-physical space for its own
	 * use in real mode (a TSS and an identity page table), in no memory
	 * slot: tss_addr (3 pages) and idmap_addr (1 page), which the physical
	 * map (mem/memory.h) keeps clear of RAM, firmware and the APICs.
	 */
	r = KVM_IOCTL(*vm_fd, KVM_SET_TSS_ADDR, tss_addr);
	if (r < 0) {
		kvm__ioctl_error(err, errlen, "KVM_SET_TSS_ADDR", r);
		return r;
	}
	r = KVM_IOCTL(*vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &idmap_addr);
	if (r < 0) {
		kvm__ioctl_error(err, errlen, "KVM_SET_IDENTITY_MAP_ADDR", r);
		return r;
	}
	return 0;
}
