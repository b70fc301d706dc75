/*
 * ioctl.h - the one place that calls ioctl() on /dev/kvm and its fds.
 *
 * kvm__ioctl() returns the ioctl's value (>= 0) or -errno, captured right
 * after the call.  Use KVM_IOCTL() so failures can be reported by the
 * ioctl's name: "KVM_SET_SREGS failed: Invalid argument".
 */
#ifndef KVMSTUB_KVM_IOCTL_H
#define KVMSTUB_KVM_IOCTL_H

#include <linux/kvm.h>
#include <stddef.h>

int kvm__ioctl(int fd, unsigned long request, unsigned long arg);

/* Name of the last-used request is kept by the caller: */
#define KVM_IOCTL(fd, req, arg) kvm__ioctl((fd), (req), (unsigned long)(arg))

/* Format "NAME failed: strerror" into buf (for error paths). */
const char *kvm__ioctl_error(char *buf, size_t len, const char *name, int err);

#endif
