/*
 * vm.h - /dev/kvm and the VM: open it, check what kvmstub needs from it,
 * create the VM (vm.c).
 */
#ifndef KVMSTUB_VM_H
#define KVMSTUB_VM_H

#include <stddef.h>
#include <stdint.h>

/* Open /dev/kvm; the message says what to do about a failure. */
int vm__open_kvm(int *kvm_fd, char *err, size_t errlen);
/* Check the API and the capabilities kvmstub needs, create the VM with
 * the pages VMX wants for real mode at tss_addr and idmap_addr, and say
 * how large a vCPU's kvm_run area is.  0 or -errno. */
int vm__create(int kvm_fd, uint64_t tss_addr, uint64_t idmap_addr, int *vm_fd, size_t *run_size,
	       char *err, size_t errlen);

#endif
