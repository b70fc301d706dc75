/*
 * fail_probe_vcpus.c - an LD_PRELOAD shim for machine_probe_fails.sh: every
 * KVM_CREATE_VCPU with an id of 3 or more fails with ENOMEM.  kvmstub's
 * probe opens vCPUs 0 to 4 in its scratch VM; a one-vCPU machine only
 * vCPU 0, so only the probe fails.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <linux/kvm.h>
#include <stdarg.h>
#include <sys/ioctl.h>

int ioctl(int fd, unsigned long req, ...)
{
	static int (*real)(int, unsigned long, ...);
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (!real)
		real = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
	if (req == KVM_CREATE_VCPU && (unsigned long)arg >= 3) {
		errno = ENOMEM;
		return -1;
	}
	return real(fd, req, arg);
}
