/* ioctl.c - the only call to ioctl() in kvmstub. */
#include "ioctl.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

int kvm__ioctl(int fd, unsigned long request, unsigned long arg)
{
	int ret = ioctl(fd, request, arg);

	return ret < 0 ? -errno : ret;
}

const char *kvm__ioctl_error(char *buf, size_t len, const char *name, int err)
{
	snprintf(buf, len, "%s failed: %s", name, strerror(err < 0 ? -err : err));
	return buf;
}
