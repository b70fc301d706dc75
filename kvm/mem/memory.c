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
 * KVM's memory slots are the views, one each, but for the range whose
 * writes are logged (the VGA text buffer, with --screen): that part of its
 * view is a slot of its own, with KVM_MEM_LOG_DIRTY_PAGES.  While snapshots
 * or the recorder want to know every page written (memory__log_all), every
 * slot has it.  KVM's log of a slot is cleared when it is read, so each
 * read goes to every user's bitmap at once; each user takes its own.
 */
#include "memory.h"

#include <errno.h>
#include <linux/kvm.h>
#include <stdlib.h>
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

/* Append the piece [gpa, gpa + size) of view v to the slots wanted. */
static void want(struct mem_slot *out, int *n, const struct mem_slot *v, uint64_t gpa,
		 uint64_t size, uint32_t flags)
{
	if (size == 0)
		return;
	out[(*n)++] = (struct mem_slot){ .gpa = gpa, .size = size, .flags = flags,
					 .host = v->host + (gpa - v->gpa) };
}

/*
 * KVM's slots: one per view of the map, the logged range cut out of its
 * view.  The old slots go first, since KVM refuses overlapping ones; only
 * while no vCPU runs (at creation).
 */
static int install_slots(struct memory *mem, char *err, size_t errlen)
{
	struct mem_slot next[MEM_MAX_SLOTS];
	uint64_t lb = mem->log_base, le = mem->log_base + mem->log_len;
	int nr = 0, r;

	for (int i = 0; i < mem->nr_views; i++) {
		const struct mem_slot *v = &mem->views[i];
		uint64_t end = v->gpa + v->size;

		if (mem->nr_log_all > 0) {
			want(next, &nr, v, v->gpa, v->size, KVM_MEM_LOG_DIRTY_PAGES);
			continue;
		}
		if (!mem->log_len || end <= lb || v->gpa >= le) {
			want(next, &nr, v, v->gpa, v->size, 0);
			continue;
		}
		uint64_t from = v->gpa > lb ? v->gpa : lb, to = end < le ? end : le;

		want(next, &nr, v, v->gpa, from - v->gpa, 0);
		want(next, &nr, v, from, to - from, KVM_MEM_LOG_DIRTY_PAGES);
		want(next, &nr, v, to, end - to, 0);
	}
	if ((uint32_t)nr > mem->max_slots) {
		snprintf(err, errlen, "KVM allows %u memory slots; the map needs %d",
			 mem->max_slots, nr);
		return -ENOSPC;
	}
	for (; mem->nr_slots > 0; mem->nr_slots--) {
		r = set_region(mem, &mem->slots[mem->nr_slots - 1], 0, err, errlen);
		if (r < 0)
			return r;
	}
	for (int i = 0; i < nr; i++) {
		next[i].id = (uint32_t)i;
		r = set_region(mem, &next[i], next[i].size, err, errlen);
		if (r < 0)
			return r;
		mem->slots[i] = next[i];
		mem->nr_slots = i + 1;
	}
	return 0;
}

#define WORDS(bits)	(((bits) + 63) / 64)

uint64_t memory__page_index(const struct memory *mem, const uint8_t *host)
{
	if (host >= mem->ram && host < mem->ram + mem->ram_size)
		return (uint64_t)(host - mem->ram) / MEM_PAGE;
	return mem->ram_pages + (uint64_t)(host - mem->fw) / MEM_PAGE;
}

uint8_t *memory__page(const struct memory *mem, uint64_t i)
{
	if (i < mem->ram_pages)
		return mem->ram + i * MEM_PAGE;
	if (i < mem->nr_pages)
		return mem->fw + (i - mem->ram_pages) * MEM_PAGE;
	return NULL;
}

/* Every user counts pages [first, first + n) as written; under lock. */
static void mark(struct memory *mem, uint64_t first, uint64_t n)
{
	for (int u = 0; u < MEM_NR_DIRTY; u++) {
		uint64_t *b = mem->dirty[u];

		if (!b)
			continue;
		for (uint64_t i = first; i < first + n && i < mem->nr_pages; i++)
			b[i / 64] |= 1ull << (i % 64);
	}
}

static void mark_all(struct memory *mem)
{
	mark(mem, 0, mem->nr_pages);
}

/* KVM's logs of the logged slots, to every user; under lock. */
static int fetch_logs(struct memory *mem)
{
	int r = 0;

	for (int i = 0; i < mem->nr_slots; i++) {
		const struct mem_slot *s = &mem->slots[i];
		uint64_t words = WORDS(s->size / MEM_PAGE), base;
		struct kvm_dirty_log log = { .slot = s->id, .dirty_bitmap = mem->scratch };

		if (!(s->flags & KVM_MEM_LOG_DIRTY_PAGES))
			continue;
		r = KVM_IOCTL(mem->vm_fd, KVM_GET_DIRTY_LOG, &log);
		if (r < 0)
			break;
		base = memory__page_index(mem, s->host);
		for (uint64_t w = 0; w < words; w++) {
			uint64_t bits = mem->scratch[w];

			while (bits) {
				int b = __builtin_ctzll(bits);

				bits &= bits - 1;
				mark(mem, base + w * 64 + (uint64_t)b, 1);
			}
		}
	}
	return r;
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
	pthread_mutex_init(&mem->lock, NULL);
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
	mem->ram_pages = (ram_size + MEM_PAGE - 1) / MEM_PAGE;
	mem->nr_pages = mem->ram_pages + (fw_size + MEM_PAGE - 1) / MEM_PAGE;
	/* A slot's log is at most as long as all of memory's. */
	mem->scratch = calloc(WORDS(mem->nr_pages), sizeof(uint64_t));
	if (!mem->scratch) {
		snprintf(err, errlen, "out of memory for the dirty-page logs");
		return -ENOMEM;
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
	for (int u = 0; u < MEM_NR_DIRTY; u++) {
		free(mem->dirty[u]);
		mem->dirty[u] = NULL;
	}
	free(mem->scratch);
	mem->scratch = NULL;
	pthread_mutex_destroy(&mem->lock);
}

/* New slots: what KVM logged in the old ones first, then everything, for
 * the writes between that read and the new slots.  Under lock. */
static int reinstall(struct memory *mem, char *err, size_t errlen)
{
	int r;

	fetch_logs(mem);
	r = install_slots(mem, err, errlen);
	mark_all(mem);
	return r;
}

int memory__log_dirty(struct memory *mem, uint64_t gpa, uint64_t len, char *err, size_t errlen)
{
	int r;

	if ((gpa | len) & (MEM_PAGE - 1) || !len || len > 64 * MEM_PAGE || gpa + len > mem->ram_size ||
	    (gpa < MEM_FW_ALIAS_BASE + MEM_FW_ALIAS_SIZE && gpa + len > MEM_FW_ALIAS_BASE)) {
		snprintf(err, errlen, "cannot log writes to 0x%llx-0x%llx: not whole pages of RAM",
			 (unsigned long long)gpa, (unsigned long long)(gpa + len - 1));
		return -EINVAL;
	}
	pthread_mutex_lock(&mem->lock);
	if (!mem->dirty[MEM_DIRTY_SCREEN])
		mem->dirty[MEM_DIRTY_SCREEN] = calloc(WORDS(mem->nr_pages), sizeof(uint64_t));
	if (!mem->dirty[MEM_DIRTY_SCREEN]) {
		pthread_mutex_unlock(&mem->lock);
		snprintf(err, errlen, "out of memory for the dirty-page log");
		return -ENOMEM;
	}
	mem->log_base = gpa;
	mem->log_len = len;
	r = reinstall(mem, err, errlen);
	pthread_mutex_unlock(&mem->lock);
	return r;
}

int memory__dirty(struct memory *mem, uint64_t *bits)
{
	uint64_t first = mem->log_base / MEM_PAGE, npages = mem->log_len / MEM_PAGE;
	uint64_t *b;
	int r;

	*bits = 0;
	pthread_mutex_lock(&mem->lock);
	b = mem->dirty[MEM_DIRTY_SCREEN];
	r = b ? fetch_logs(mem) : -EINVAL;
	for (uint64_t i = 0; b && i < npages; i++) {
		uint64_t p = first + i;

		if (b[p / 64] & (1ull << (p % 64)))
			*bits |= 1ull << i;
		b[p / 64] &= ~(1ull << (p % 64));
	}
	pthread_mutex_unlock(&mem->lock);
	return r < 0 ? r : 0;
}

int memory__log_all(struct memory *mem, enum mem_dirty_user who, bool on, char *err,
		    size_t errlen)
{
	int r = 0;

	if (who == MEM_DIRTY_SCREEN || who >= MEM_NR_DIRTY)
		return -EINVAL;
	pthread_mutex_lock(&mem->lock);
	if (on && !mem->dirty[who]) {
		mem->dirty[who] = calloc(WORDS(mem->nr_pages), sizeof(uint64_t));
		if (!mem->dirty[who]) {
			pthread_mutex_unlock(&mem->lock);
			snprintf(err, errlen, "out of memory for the dirty-page log");
			return -ENOMEM;
		}
		if (mem->nr_log_all++ == 0)
			r = reinstall(mem, err, errlen);	/* marks everything */
		else
			mark(mem, 0, mem->nr_pages);
		if (r < 0) {
			mem->nr_log_all--;
			free(mem->dirty[who]);
			mem->dirty[who] = NULL;
		}
	} else if (!on && mem->dirty[who]) {
		free(mem->dirty[who]);
		mem->dirty[who] = NULL;
		if (--mem->nr_log_all == 0)
			r = reinstall(mem, err, errlen);
	}
	pthread_mutex_unlock(&mem->lock);
	return r;
}

int memory__take_dirty(struct memory *mem, enum mem_dirty_user who, uint64_t *bits)
{
	uint64_t words = WORDS(mem->nr_pages);
	int r;

	if (who >= MEM_NR_DIRTY)
		return -EINVAL;
	pthread_mutex_lock(&mem->lock);
	if (!mem->dirty[who]) {
		pthread_mutex_unlock(&mem->lock);
		return -EINVAL;
	}
	r = fetch_logs(mem);
	for (uint64_t w = 0; w < words; w++)
		bits[w] |= mem->dirty[who][w];
	memset(mem->dirty[who], 0, words * sizeof(uint64_t));
	pthread_mutex_unlock(&mem->lock);
	return r < 0 ? r : 0;
}

void memory__touched(struct memory *mem, const uint8_t *host, size_t len)
{
	uint64_t first, last;

	if (!len)
		return;
	first = memory__page_index(mem, host);
	last = memory__page_index(mem, host + len - 1);
	pthread_mutex_lock(&mem->lock);
	mark(mem, first, last - first + 1);
	pthread_mutex_unlock(&mem->lock);
}

/* Back to all zeroes, as at power-on (before the image is loaded again). */
void memory__clear(struct memory *mem)
{
	/* Dropping anonymous pages zeroes them; KVM follows through its MMU notifier. */
	if (madvise(mem->ram, mem->ram_size, MADV_DONTNEED) < 0)
		memset(mem->ram, 0, mem->ram_size);
	memset(mem->fw, 0, mem->fw_size);
	pthread_mutex_lock(&mem->lock);
	mark_all(mem);
	pthread_mutex_unlock(&mem->lock);
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
static size_t copy(struct memory *mem, uint64_t gpa, void *buf, size_t len, bool write)
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
		if (write) {
			memcpy(host, (uint8_t *)buf + done, n);
			memory__touched(mem, host, n);	/* not the guest's write: no log saw it */
		} else
			memcpy((uint8_t *)buf + done, host, n);
		done += n;
	}
	return done;
}

size_t memory__read(const struct memory *mem, uint64_t gpa, void *buf, size_t len)
{
	return copy((struct memory *)mem, gpa, buf, len, false);
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
