/*
 * memory.c - guest RAM, the firmware window, and guest-physical access.
 *
 * The guest-physical map:
 *
 *   0x00000000 - 0x000DFFFF   RAM (slot 0)
 *   0x000E0000 - 0x000FFFFF   the last 128 KiB of the firmware (slot 3)
 *   0x00100000 - mem_size     RAM (slot 1)
 *   4 GiB - fw_size - 4 GiB   the firmware window (slot 2)
 *
 * Slots 2 and 3 map the same host bytes, as a PC's chipset shows the top
 * of its flash chip both below 1 MiB and below 4 GiB: a write through one
 * view is seen through the other.  The RAM under the alias is unused.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "ioctl.h"
#include "machine_priv.h"

static int add_slot(struct memory *mem, int vm_fd, uint64_t gpa, uint64_t size, uint8_t *host,
		    char *err, size_t errlen)
{
	struct kvm_userspace_memory_region region = {
		.slot = (uint32_t)mem->nr_slots,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uint64_t)(uintptr_t)host,
	};
	int r;

	if (mem->nr_slots >= MEM_MAX_SLOTS) {
		snprintf(err, errlen, "too many memory slots");
		return -ENOSPC;
	}
	r = KVM_IOCTL(vm_fd, KVM_SET_USER_MEMORY_REGION, &region);
	if (r < 0) {
		kvm__ioctl_error(err, errlen, "KVM_SET_USER_MEMORY_REGION", r);
		return r;
	}
	mem->slots[mem->nr_slots++] = (struct mem_slot){ .gpa = gpa, .size = size, .host = host };
	return 0;
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
	r = add_slot(mem, vm_fd, 0, FW_ALIAS_BASE, mem->ram, err, errlen);
	if (!r && ram_size > FW_ALIAS_BASE + FW_ALIAS_SIZE)
		r = add_slot(mem, vm_fd, FW_ALIAS_BASE + FW_ALIAS_SIZE,
			     ram_size - (FW_ALIAS_BASE + FW_ALIAS_SIZE),
			     mem->ram + FW_ALIAS_BASE + FW_ALIAS_SIZE, err, errlen);
	if (!r)
		r = add_slot(mem, vm_fd, FW_TOP - fw_size, fw_size, mem->fw, err, errlen);
	if (!r)
		r = add_slot(mem, vm_fd, FW_ALIAS_BASE, FW_ALIAS_SIZE,
			     mem->fw + fw_size - FW_ALIAS_SIZE, err, errlen);
	return r;
}

void memory__free(struct memory *mem)
{
	if (mem->ram)
		munmap(mem->ram, mem->ram_size);
	if (mem->fw)
		munmap(mem->fw, mem->fw_size);
	mem->ram = mem->fw = NULL;
	mem->nr_slots = 0;
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
	for (int i = 0; i < mem->nr_slots; i++) {
		const struct mem_slot *s = &mem->slots[i];

		if (gpa >= s->gpa && gpa - s->gpa < s->size) {
			if (avail)
				*avail = s->size - (gpa - s->gpa);
			return s->host + (gpa - s->gpa);
		}
	}
	return NULL;
}

size_t memory__read(const struct memory *mem, uint64_t gpa, void *buf, size_t len)
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
		memcpy((uint8_t *)buf + done, host, n);
		done += n;
	}
	return done;
}

size_t memory__write(struct memory *mem, uint64_t gpa, const void *buf, size_t len)
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
		memcpy(host, (const uint8_t *)buf + done, n);
		done += n;
	}
	return done;
}

/*
 * The firmware window: at least 128 KiB (the part aliased below 1 MiB),
 * more when a raw image or an ELF segment above 3 GiB needs it.
 */
uint64_t memory__fw_size_for(const struct image *img)
{
	uint64_t size = FW_SIZE_MIN;

	for (int i = 0; i < img->nr_segs; i++) {
		const struct load_seg *s = &img->segs[i];

		if (s->gpa >= MACHINE_MEM_MAX && s->gpa < FW_TOP) {
			uint64_t need = (FW_TOP - s->gpa + 0xfff) & ~0xfffull;

			if (need > size)
				size = need;
		}
	}
	return size > FW_SIZE_MAX ? FW_SIZE_MAX : size;
}

static void describe_map(const struct memory *mem, char *buf, size_t len)
{
	snprintf(buf, len,
		 "RAM is %llu KiB at 0x0, firmware at 0x%llx-0xffffffff and 0xe0000-0xfffff",
		 (unsigned long long)(mem->ram_size >> 10),
		 (unsigned long long)(FW_TOP - mem->fw_size));
}

int memory__load(struct memory *mem, const struct image *img, char *err, size_t errlen)
{
	for (int i = 0; i < img->nr_segs; i++) {
		const struct load_seg *s = &img->segs[i];
		static const uint8_t zeroes[4096];
		size_t done;

		done = memory__write(mem, s->gpa, img->data + s->offset, s->filesz);
		for (size_t z = s->filesz; done == z && z < s->memsz; ) {
			size_t n = s->memsz - z < sizeof(zeroes) ? s->memsz - z : sizeof(zeroes);

			done += memory__write(mem, s->gpa + z, zeroes, n);
			z += n;
		}
		if (done < s->memsz) {
			char map[160];

			describe_map(mem, map, sizeof(map));
			snprintf(err, errlen,
				 "image segment at 0x%llx-0x%llx is outside guest memory "
				 "(at 0x%llx); %s",
				 (unsigned long long)s->gpa,
				 (unsigned long long)(s->gpa + s->memsz - 1),
				 (unsigned long long)(s->gpa + done), map);
			return -EINVAL;
		}
	}
	return 0;
}

/* An access to a guest-physical address in no slot: no device, reads see 0xFF. */
void memory__mmio(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	uint32_t len = run->mmio.len > 8 ? 8 : run->mmio.len;

	if (run->mmio.is_write) {
		machine__log(v->m, "vCPU %d: write of %u bytes to 0x%llx ignored (no memory there)",
			     v->id, len, (unsigned long long)run->mmio.phys_addr);
	} else {
		memset(run->mmio.data, 0xFF, len);
		machine__log(v->m,
			     "vCPU %d: read of %u bytes from 0x%llx: all 0xff (no memory there)",
			     v->id, len, (unsigned long long)run->mmio.phys_addr);
	}
}
