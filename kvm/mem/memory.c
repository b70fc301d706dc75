/*
 * memory.c - guest RAM, the firmware window, and guest-physical access.
 *
 * The guest-physical map:
 *
 *   0x00000000 - 0x000DFFFF   RAM
 *   0x000E0000 - 0x000FFFFF   the last 128 KiB of the firmware
 *   0x00100000 - mem_size     RAM (3 GiB at most)
 *   0xFEC00000, 0xFEE00000    the I/O APIC, the local APICs (KVM's irqchip)
 *   0xFEFFC000 - 0xFEFFFFFF   VMX's identity page table and TSS (host/vm.c)
 *   4 GiB - fw_size - 4 GiB   the firmware window (128 KiB to 16 MiB)
 *
 * These four views are the map (memory__host, gdb's accesses).  The two
 * firmware views show the same host bytes, as a PC's chipset shows the top
 * of its flash chip both below 1 MiB and below 4 GiB: a write through one
 * view is seen through the other.  The RAM under the alias is unused.
 *
 * KVM's memory slots are the views, one each.
 */
#include "memory.h"

#include <errno.h>
#include <linux/kvm.h>
#include <string.h>
#include <sys/mman.h>

#include "../host/ioctl.h"

/* The map above, in order; nothing overlaps whatever the sizes. */
_Static_assert(MEM_RAM_MAX <= MEM_IOAPIC_BASE, "RAM reaches the I/O APIC");
_Static_assert(MEM_LAPIC_BASE + (1 << 20) <= MEM_VMX_IDMAP,
	       "the VMX pages overlap the local APICs");
_Static_assert(MEM_VMX_IDMAP + MEM_PAGE == MEM_VMX_TSS,
	       "the TSS does not follow the identity page");
_Static_assert(MEM_VMX_TSS + 3 * MEM_PAGE <= MEM_FW_TOP - MEM_FW_MAX,
	       "the largest firmware window covers the VMX pages");

/* A view of the map: guest-physical [gpa, gpa + size) shows host[0, size). */
static void add_view(struct memory *mem, uint64_t gpa, uint64_t size, uint8_t *host)
{
	mem->views[mem->nr_views++] = (struct mem_slot){ .gpa = gpa, .size = size, .host = host };
}

static int set_region(struct memory *mem, const struct mem_slot *s, uint64_t size,
		      char *err, size_t errlen)
{
	struct kvm_userspace_memory_region region = {
		.slot = s->id,
		.flags = s->flags,
		.guest_phys_addr = s->gpa,
		.memory_size = size,
		.userspace_addr = (uint64_t)(uintptr_t)s->host,
	};
	int r = KVM_IOCTL(mem->vm_fd, KVM_SET_USER_MEMORY_REGION, &region);

	if (r < 0)
		kvm__ioctl_error(err, errlen, "KVM_SET_USER_MEMORY_REGION", r);
	return r;
}

/* KVM's slots: one per view of the map. */
static int install_slots(struct memory *mem, char *err, size_t errlen)
{
	if ((uint32_t)mem->nr_views > mem->max_slots) {
		snprintf(err, errlen, "KVM allows %u memory slots; the map needs %d",
			 mem->max_slots, mem->nr_views);
		return -ENOSPC;
	}
	for (int i = 0; i < mem->nr_views; i++) {
		struct mem_slot s = mem->views[i];
		int r;

		s.id = (uint32_t)i;
		r = set_region(mem, &s, s.size, err, errlen);
		if (r < 0)
			return r;
		mem->slots[i] = s;
		mem->nr_slots = i + 1;
	}
	return 0;
}

int memory__aliases(const struct memory *mem, uint64_t gpa, uint64_t *gpas, int max)
{
	uint8_t *host = memory__host(mem, gpa, NULL);
	int n = 0;

	if (!host || max < 1)
		return 0;
	gpas[n++] = gpa;
	for (int i = 0; i < mem->nr_views && n < max; i++) {
		const struct mem_slot *v = &mem->views[i];

		if (host >= v->host && host < v->host + v->size && v->gpa + (host - v->host) != gpa)
			gpas[n++] = v->gpa + (uint64_t)(host - v->host);
	}
	return n;
}

static uint8_t *map_anon(uint64_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

int memory__init(struct memory *mem, int vm_fd, uint64_t ram_size, uint64_t fw_size,
		 char *err, size_t errlen)
{
	int r;

	memset(mem, 0, sizeof(*mem));
	mem->ram_size = ram_size;
	mem->fw_size = fw_size;
	mem->ram = map_anon(ram_size);
	if (!mem->ram) {
		r = -errno;
		snprintf(err, errlen, "cannot allocate %llu MiB of guest memory: %s",
			 (unsigned long long)(ram_size >> 20), strerror(errno));
		return r;
	}
	mem->fw = map_anon(fw_size);
	if (!mem->fw) {
		r = -errno;
		snprintf(err, errlen, "cannot allocate the firmware window: %s", strerror(errno));
		return r;
	}
	mem->vm_fd = vm_fd;
	r = KVM_IOCTL(vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_MEMSLOTS);
	mem->max_slots = r > 0 && r < MEM_MAX_SLOTS ? (uint32_t)r : MEM_MAX_SLOTS;
	/* In ascending guest-physical order: the memory map lists them so. */
	add_view(mem, 0, MEM_FW_ALIAS_BASE, mem->ram);
	add_view(mem, MEM_FW_ALIAS_BASE, MEM_FW_ALIAS_SIZE, mem->fw + fw_size - MEM_FW_ALIAS_SIZE);
	if (ram_size > MEM_FW_ALIAS_BASE + MEM_FW_ALIAS_SIZE)
		add_view(mem, MEM_FW_ALIAS_BASE + MEM_FW_ALIAS_SIZE,
			 ram_size - (MEM_FW_ALIAS_BASE + MEM_FW_ALIAS_SIZE),
			 mem->ram + MEM_FW_ALIAS_BASE + MEM_FW_ALIAS_SIZE);
	add_view(mem, MEM_FW_TOP - fw_size, fw_size, mem->fw);
	return install_slots(mem, err, errlen);
}

void memory__free(struct memory *mem)
{
	if (mem->ram)
		munmap(mem->ram, mem->ram_size);
	if (mem->fw)
		munmap(mem->fw, mem->fw_size);
	mem->ram = mem->fw = NULL;
	mem->nr_slots = 0;
	mem->nr_views = 0;
}

/* Back to all zeroes, as at power-on (before the image is loaded again). */
void memory__clear(struct memory *mem)
{
	/* Dropping anonymous pages zeroes them; KVM follows through its MMU notifier. */
	if (madvise(mem->ram, mem->ram_size, MADV_DONTNEED) < 0)
		memset(mem->ram, 0, mem->ram_size);
	memset(mem->fw, 0, mem->fw_size);
}

uint8_t *memory__host(const struct memory *mem, uint64_t gpa, uint64_t *avail)
{
	for (int i = 0; i < mem->nr_views; i++) {
		const struct mem_slot *s = &mem->views[i];

		if (gpa >= s->gpa && gpa - s->gpa < s->size) {
			if (avail)
				*avail = s->size - (gpa - s->gpa);
			return s->host + (gpa - s->gpa);
		}
	}
	return NULL;
}

/* Copy to or from guest-physical memory, stopping at the first byte that
 * is in no view; returns the count copied. */
static size_t copy(const struct memory *mem, uint64_t gpa, void *buf, size_t len, bool write)
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
		if (write)
			memcpy(host, (uint8_t *)buf + done, n);
		else
			memcpy((uint8_t *)buf + done, host, n);
		done += n;
	}
	return done;
}

size_t memory__read(const struct memory *mem, uint64_t gpa, void *buf, size_t len)
{
	return copy(mem, gpa, buf, len, false);
}

size_t memory__write(struct memory *mem, uint64_t gpa, const void *buf, size_t len)
{
	return copy(mem, gpa, (void *)buf, len, true);
}

void memory__describe(const struct memory *mem, char *buf, size_t len)
{
	snprintf(buf, len,
		 "RAM is %llu KiB at 0x0, firmware at 0x%llx-0xffffffff and 0xe0000-0xfffff",
		 (unsigned long long)(mem->ram_size >> 10),
		 (unsigned long long)(MEM_FW_TOP - mem->fw_size));
}

bool memory__is_ram(const struct memory *mem, const uint8_t *host)
{
	return host >= mem->ram && host < mem->ram + mem->ram_size;
}
