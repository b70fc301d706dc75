/*
 * memory.h - guest memory (memory.c): the guest-physical map, KVM's memory
 * slots, host pointers, and which pages were written (dirty logging).
 *
 *   0x00000000 - 0x000DFFFF   RAM
 *   0x000E0000 - 0x000FFFFF   the last 128 KiB of the firmware
 *   0x00100000 - RAM's end    RAM (3 GiB at most)
 *   0xFEC00000, 0xFEE00000    I/O APIC, local APICs (the in-kernel irqchip's MMIO)
 *   0xFEFFC000 - 0xFEFFFFFF   the pages VMX needs for real mode (no slot)
 *   4 GiB - fw_size - 4 GiB   the firmware window (16 MiB at most)
 */
#ifndef KVMSTUB_MEMORY_H
#define KVMSTUB_MEMORY_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define MEM_PAGE		0x1000ull
#define MEM_RAM_MAX		(3ull << 30)
#define MEM_IOAPIC_BASE		0xFEC00000ull
#define MEM_LAPIC_BASE		0xFEE00000ull	/* 1 MiB of local APIC space */
#define MEM_VMX_IDMAP		0xFEFFC000ull	/* 1 page */
#define MEM_VMX_TSS		0xFEFFD000ull	/* 3 pages, up to 0xFEFFFFFF */
#define MEM_FW_TOP		0x100000000ull	/* the firmware ends at 4 GiB */
#define MEM_FW_ALIAS_BASE	0xE0000ull	/* its last 128 KiB are also here, */
#define MEM_FW_ALIAS_SIZE	0x20000ull	/* ... ending at 1 MiB */
#define MEM_FW_MIN		MEM_FW_ALIAS_SIZE
#define MEM_FW_MAX		(16ull << 20)	/* 0xFF000000 up */

#define MEM_MAX_VIEWS		4	/* RAM low, RAM high, firmware top, firmware alias */
#define MEM_MAX_SLOTS		(MEM_MAX_VIEWS + 2)	/* a view each, the logged range cut out */

/*
 * Who wants to know which pages were written (memory__take_dirty): the
 * screen (its text buffer, memory__log_dirty), snapshots and the recorder
 * (all of memory, memory__log_all).  Pages are numbered by their host
 * bytes: RAM's page i is i, the firmware's page j is RAM's pages + j (so
 * the firmware's two views are one page).
 */
enum mem_dirty_user { MEM_DIRTY_SCREEN, MEM_DIRTY_SNAP, MEM_DIRTY_RECORD, MEM_NR_DIRTY };

/* One guest-physical range backed by host memory: a view of the map, or a KVM slot. */
struct mem_slot {
	uint64_t gpa, size;
	uint8_t *host;
	uint32_t id;			/* KVM slot number (slots only) */
	uint32_t flags;			/* KVM_MEM_LOG_DIRTY_PAGES or 0 (slots only) */
};

struct memory {
	uint8_t *ram;			/* ram_size bytes, gpa 0 */
	uint64_t ram_size;
	uint8_t *fw;			/* fw_size bytes, ending at 4 GiB */
	uint64_t fw_size;
	int vm_fd;
	/* The guest-physical map: what memory is where, whatever KVM has now. */
	struct mem_slot views[MEM_MAX_VIEWS];
	int nr_views;
	/* KVM's slots: the views, the logged range cut out of its own. */
	struct mem_slot slots[MEM_MAX_SLOTS];
	int nr_slots;
	uint32_t max_slots;		/* KVM_CAP_NR_MEMSLOTS, at most MEM_MAX_SLOTS */
	/* Dirty-page logging: of one range (the VGA text buffer), whose
	 * slot has KVM_MEM_LOG_DIRTY_PAGES, and of every slot while someone
	 * wants all of memory (log_all).  Each user's bitmap gathers the
	 * pages written since it last took them: KVM's logs (each read of
	 * them goes to every user) and the daemon's own writes
	 * (memory__touched).  lock keeps the slots and bitmaps still while
	 * another thread reads the logs. */
	uint64_t log_base, log_len;
	uint64_t ram_pages, nr_pages;	/* the page numbers: RAM's, then the firmware's */
	int nr_log_all;			/* users of all of memory: every slot is logged */
	uint64_t *dirty[MEM_NR_DIRTY];	/* per user, nr_pages bits; NULL: not a user */
	uint64_t *scratch;		/* one slot's log from KVM */
	pthread_mutex_t lock;
};

int memory__init(struct memory *mem, int vm_fd, uint64_t ram_size, uint64_t fw_size,
		 char *err, size_t errlen);
void memory__free(struct memory *mem);
/* Back to all zeroes, as at power-on. */
void memory__clear(struct memory *mem);
/* Host pointer for gpa and how many bytes follow it in the same view; NULL if in none. */
uint8_t *memory__host(const struct memory *mem, uint64_t gpa, uint64_t *avail);
/* Copy, stopping at the first byte in no view; returns the count copied. */
size_t memory__read(const struct memory *mem, uint64_t gpa, void *buf, size_t len);
size_t memory__write(struct memory *mem, uint64_t gpa, const void *buf, size_t len);
/* Whether host is guest RAM (not firmware). */
bool memory__is_ram(const struct memory *mem, const uint8_t *host);
/* "RAM is ... KiB at 0x0, firmware at ..." for messages. */
void memory__describe(const struct memory *mem, char *buf, size_t len);
/* Log the guest's writes to [gpa, gpa + len) (page-aligned, in RAM):
 * the slots there get KVM_MEM_LOG_DIRTY_PAGES.  0 or -errno. */
int memory__log_dirty(struct memory *mem, uint64_t gpa, uint64_t len, char *err, size_t errlen);
/* Which pages of the logged range were written since the last call
 * (KVM_GET_DIRTY_LOG), bit i for page i; everything when the slots or the
 * memory changed meanwhile (a reset, a write from gdb).
 * From any thread.  0 or -errno. */
int memory__dirty(struct memory *mem, uint64_t *bits);
/* who (MEM_DIRTY_SNAP, MEM_DIRTY_RECORD) starts wanting to know which
 * pages of all memory are written: every slot gets logged; at first every
 * page counts as written.  Only while no vCPU runs.  0 or -errno with a
 * message; on false, who stops (the slots lose their logs when no one is
 * left). */
int memory__log_all(struct memory *mem, enum mem_dirty_user who, bool on, char *err,
		    size_t errlen);
/* The pages written since who last asked, added to bits (nr_pages bits,
 * as uint64_t words), and forgotten for who.  From any thread.  0 or -errno. */
int memory__take_dirty(struct memory *mem, enum mem_dirty_user who, uint64_t *bits);
/* The daemon itself wrote len bytes at host (guest memory): every user
 * counts those pages as written, as KVM's logs do not. */
void memory__touched(struct memory *mem, const uint8_t *host, size_t len);
/* Page number i's host bytes (MEM_PAGE of them), or NULL past the end. */
uint8_t *memory__page(const struct memory *mem, uint64_t i);
/* The page number of host bytes in guest memory. */
uint64_t memory__page_index(const struct memory *mem, const uint8_t *host);
/* The guest-physical addresses that show the same host byte as gpa (gpa
 * itself first; the firmware is seen twice).  Returns how many, at most max. */
int memory__aliases(const struct memory *mem, uint64_t gpa, uint64_t *gpas, int max);

#endif
