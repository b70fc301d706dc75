/*
 * snap_file.c - a snapshot as a file (snap.h), to keep one across daemon
 * runs (monitor snapshot write, --snapshot-dir, --restore).
 *
 * Format version 1, little-endian, in this order:
 *   the header: "KVMSNAP1", the version, the sizes of the KVM structures
 *     that follow (as <linux/kvm.h> lays them out on x86-64: a file from a
 *     kvmstub built otherwise is refused, not misread), the snapshot's
 *     name and time, what it belongs to (RAM and firmware sizes, vCPUs,
 *     the image's name, size and CRC-32), and how many devices and pages;
 *   each vCPU: kvm_regs, kvm_sregs, kvm_xsave, kvm_fpu, kvm_xcrs,
 *     kvm_debugregs, kvm_vcpu_events, kvm_lapic_state, kvm_mp_state, which
 *     of them KVM gave, the guest's TF and what is owed to it, the MSRs;
 *   each device: its name, the length of its state, the state;
 *   memory: a bitmap of the pages that are not zero, then those pages;
 *   the CRC-32 of everything before it, and "KVMSNAP.".
 * A file is read to the end and its checksum checked before anything of
 * it reaches the machine; one of another machine (image, RAM, firmware
 * window, vCPUs) is refused before its pages are read, with the reason.
 */
#include "snap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crc32.h"

#define MAGIC		"KVMSNAP1"
#define END_MAGIC	"KVMSNAP."
#define VERSION		1u
#define NR_SIZES	9
#define MSR_MAX		1024
#define DEV_MAX		64
#define DEV_STATE_MAX	(1u << 20)

/* The sizes of the KVM structures a vCPU's part holds, in file order. */
static const uint32_t kvm_sizes[NR_SIZES] = {
	sizeof(struct kvm_regs), sizeof(struct kvm_sregs), sizeof(struct kvm_xsave),
	sizeof(struct kvm_fpu), sizeof(struct kvm_xcrs), sizeof(struct kvm_debugregs),
	sizeof(struct kvm_vcpu_events), sizeof(struct kvm_lapic_state),
	sizeof(struct kvm_mp_state),
};

struct file_header {
	char magic[8];
	uint32_t version;
	uint32_t sizes[NR_SIZES];
	char name[SNAP_NAME_MAX];
	int64_t when;
	uint64_t ram_size, fw_size;
	uint32_t nr_cpus;
	char image[128];
	uint64_t image_size;
	uint32_t image_crc;
	uint32_t nr_devs;
	uint64_t nr_pages;
};

/* A stream with its running CRC. */
struct stream {
	FILE *f;
	uint32_t crc;
	uint64_t at;
	bool short_read;
};

static bool put(struct stream *s, const void *p, size_t n)
{
	s->crc = crc32__update(s->crc, p, n);
	s->at += n;
	return fwrite(p, 1, n, s->f) == n;
}

static bool get(struct stream *s, void *p, size_t n)
{
	if (fread(p, 1, n, s->f) != n) {
		s->short_read = true;
		return false;
	}
	s->crc = crc32__update(s->crc, p, n);
	s->at += n;
	return true;
}

#define OK_REGS		0x01
#define OK_XSAVE	0x02
#define OK_FPU		0x04
#define OK_XCRS		0x08
#define OK_DREGS	0x10
#define OK_EVENTS	0x20
#define OK_LAPIC	0x40

static bool put_cpu(struct stream *s, const struct snap_cpu *c)
{
	const struct cpu_state *p = &c->st;
	uint32_t ok = (p->regs_ok ? OK_REGS : 0) | (p->xsave_ok ? OK_XSAVE : 0) |
		      (p->fpu_ok ? OK_FPU : 0) | (p->xcrs_ok ? OK_XCRS : 0) |
		      (p->dregs_ok ? OK_DREGS : 0) | (p->events_ok ? OK_EVENTS : 0) |
		      (p->lapic_ok ? OK_LAPIC : 0);
	uint8_t kept[3] = { c->guest_tf, c->owed.inject_bp, c->owed.inject_db };
	uint32_t nmsrs = p->msrs ? p->msrs->nmsrs : 0;

	return put(s, &p->regs, sizeof(p->regs)) && put(s, &p->sregs, sizeof(p->sregs)) &&
	       put(s, &p->xsave, sizeof(p->xsave)) && put(s, &p->fpu, sizeof(p->fpu)) &&
	       put(s, &p->xcrs, sizeof(p->xcrs)) && put(s, &p->dregs, sizeof(p->dregs)) &&
	       put(s, &p->events, sizeof(p->events)) && put(s, &p->lapic, sizeof(p->lapic)) &&
	       put(s, &p->mp, sizeof(p->mp)) && put(s, &ok, sizeof(ok)) &&
	       put(s, kept, sizeof(kept)) && put(s, &nmsrs, sizeof(nmsrs)) &&
	       (!nmsrs || put(s, p->msrs->entries, nmsrs * sizeof(p->msrs->entries[0])));
}

static int get_cpu(struct stream *s, struct snap_cpu *c)
{
	struct cpu_state *p = &c->st;
	uint8_t kept[3];
	uint32_t ok, nmsrs;

	if (!get(s, &p->regs, sizeof(p->regs)) || !get(s, &p->sregs, sizeof(p->sregs)) ||
	    !get(s, &p->xsave, sizeof(p->xsave)) || !get(s, &p->fpu, sizeof(p->fpu)) ||
	    !get(s, &p->xcrs, sizeof(p->xcrs)) || !get(s, &p->dregs, sizeof(p->dregs)) ||
	    !get(s, &p->events, sizeof(p->events)) || !get(s, &p->lapic, sizeof(p->lapic)) ||
	    !get(s, &p->mp, sizeof(p->mp)) || !get(s, &ok, sizeof(ok)) ||
	    !get(s, kept, sizeof(kept)) || !get(s, &nmsrs, sizeof(nmsrs)))
		return -EIO;
	p->regs_ok = ok & OK_REGS;
	p->xsave_ok = ok & OK_XSAVE;
	p->fpu_ok = ok & OK_FPU;
	p->xcrs_ok = ok & OK_XCRS;
	p->dregs_ok = ok & OK_DREGS;
	p->events_ok = ok & OK_EVENTS;
	p->lapic_ok = ok & OK_LAPIC;
	c->guest_tf = kept[0];
	c->owed.inject_bp = kept[1];
	c->owed.inject_db = kept[2];
	if (nmsrs > MSR_MAX)
		return -EINVAL;
	if (nmsrs) {
		p->msrs = calloc(1, sizeof(*p->msrs) + nmsrs * sizeof(p->msrs->entries[0]));
		if (!p->msrs)
			return -ENOMEM;
		p->msrs->nmsrs = nmsrs;
		if (!get(s, p->msrs->entries, nmsrs * sizeof(p->msrs->entries[0])))
			return -EIO;
	}
	return 0;
}

int snap__file_write(const struct snapshot *sn, const char *path, char *msg, size_t len)
{
	struct file_header h;
	struct stream s = { 0 };
	uint64_t words = (sn->mem.nr + 63) / 64;
	uint64_t *map = calloc(words ? words : 1, sizeof(uint64_t));
	bool ok;

	if (!map) {
		snprintf(msg, len, "out of memory");
		return -ENOMEM;
	}
	s.f = fopen(path, "wb");
	if (!s.f) {
		int r = -errno;

		snprintf(msg, len, "cannot create %s: %s", path, strerror(errno));
		free(map);
		return r;
	}
	memset(&h, 0, sizeof(h));
	memcpy(h.magic, MAGIC, sizeof(h.magic));
	h.version = VERSION;
	memcpy(h.sizes, kvm_sizes, sizeof(h.sizes));
	snprintf(h.name, sizeof(h.name), "%s", sn->name);
	h.when = (int64_t)sn->when;
	h.ram_size = sn->id.ram_size;
	h.fw_size = sn->id.fw_size;
	h.nr_cpus = sn->nr_cpus;
	memcpy(h.image, sn->id.image, sizeof(h.image));
	h.image_size = sn->id.image_size;
	h.image_crc = sn->id.image_crc;
	h.nr_devs = (uint32_t)sn->nr_devs;
	h.nr_pages = sn->mem.nr;
	ok = put(&s, &h, sizeof(h));
	for (uint32_t i = 0; ok && i < sn->nr_cpus; i++)
		ok = put_cpu(&s, &sn->cpus[i]);
	for (int i = 0; ok && i < sn->nr_devs; i++) {
		uint32_t n = (uint32_t)strlen(sn->devs[i].name);
		uint64_t l = sn->devs[i].len;

		ok = put(&s, &n, sizeof(n)) && put(&s, sn->devs[i].name, n) && put(&s, &l, sizeof(l)) &&
		     (!l || put(&s, sn->devs[i].data, (size_t)l));
	}
	for (uint64_t i = 0; i < sn->mem.nr; i++)
		if (sn->mem.pg[i])
			map[i / 64] |= 1ull << (i % 64);
	ok = ok && put(&s, map, (size_t)words * sizeof(uint64_t));
	for (uint64_t i = 0; ok && i < sn->mem.nr; i++)
		if (sn->mem.pg[i])
			ok = put(&s, sn->mem.pg[i]->data, MEM_PAGE);
	if (ok) {
		uint32_t crc = s.crc;

		ok = fwrite(&crc, 1, sizeof(crc), s.f) == sizeof(crc) &&
		     fwrite(END_MAGIC, 1, 8, s.f) == 8;
	}
	free(map);
	if (fclose(s.f) != 0)
		ok = false;
	if (!ok) {
		int r = errno ? -errno : -EIO;

		snprintf(msg, len, "cannot write %s: %s", path, strerror(-r));
		remove(path);
		return r;
	}
	return 0;
}

static const char *mib(uint64_t bytes, char *buf, size_t len)
{
	if (bytes % (1 << 20) == 0)
		snprintf(buf, len, "%lluM", (unsigned long long)(bytes >> 20));
	else
		snprintf(buf, len, "%lluK", (unsigned long long)(bytes >> 10));
	return buf;
}

/* Is this file's snapshot one of the machine want?  Else why not. */
static int check_id(const char *path, const struct file_header *h, const struct snap_id *want,
		    char *msg, size_t len)
{
	char a[32], b[32];

	if (h->image_size != want->image_size || h->image_crc != want->image_crc ||
	    strncmp(h->image, want->image, sizeof(h->image))) {
		snprintf(msg, len, "%s was taken of %s%.127s%s (%llu bytes, CRC-32 0x%08x); this "
			 "machine runs %s%.127s%s (%llu bytes, CRC-32 0x%08x)", path,
			 h->image[0] ? "the image " : "", h->image[0] ? h->image : "no image",
			 h->image[0] ? "" : " (a BIOS boot)",
			 (unsigned long long)h->image_size, h->image_crc,
			 want->image[0] ? "the image " : "", want->image[0] ? want->image : "no image",
			 want->image[0] ? "" : " (a BIOS boot)",
			 (unsigned long long)want->image_size, want->image_crc);
		return -EINVAL;
	}
	if (h->ram_size != want->ram_size) {
		snprintf(msg, len, "%s was taken of a machine with %s of RAM; this one has %s "
			 "(start kvmstub with --memory %s)", path, mib(h->ram_size, a, sizeof(a)),
			 mib(want->ram_size, b, sizeof(b)), a);
		return -EINVAL;
	}
	if (h->fw_size != want->fw_size) {
		snprintf(msg, len, "%s was taken of a machine with a firmware window of %llu KiB; "
			 "this one has %llu KiB (the same image, loaded otherwise: --load?)", path,
			 (unsigned long long)(h->fw_size >> 10),
			 (unsigned long long)(want->fw_size >> 10));
		return -EINVAL;
	}
	if (h->nr_cpus != want->nr_cpus) {
		snprintf(msg, len, "%s was taken of a machine with %u vCPUs; this one has %u "
			 "(start kvmstub with --smp %u)", path, h->nr_cpus, want->nr_cpus, h->nr_cpus);
		return -EINVAL;
	}
	return 0;
}

static int check_header(const char *path, const struct file_header *h, char *msg, size_t len)
{
	if (memcmp(h->magic, MAGIC, 7)) {
		snprintf(msg, len, "%s is not a kvmstub snapshot (it does not start with "
			 "\"KVMSNAP\")", path);
		return -EINVAL;
	}
	if (h->version != VERSION || h->magic[7] != MAGIC[7]) {
		snprintf(msg, len, "%s is a kvmstub snapshot of format version %u; this kvmstub "
			 "reads version %u", path, h->version, VERSION);
		return -EINVAL;
	}
	if (memcmp(h->sizes, kvm_sizes, sizeof(kvm_sizes))) {
		snprintf(msg, len, "%s holds KVM's structures as another build of kvmstub laid "
			 "them out (another kernel's <linux/kvm.h>); this one cannot read it", path);
		return -EINVAL;
	}
	if (h->nr_cpus == 0 || h->nr_cpus > SNAP_MAX_CPUS || h->nr_devs > DEV_MAX ||
	    h->nr_pages > (64ull << 30) / MEM_PAGE || memchr(h->name, 0, sizeof(h->name)) == NULL) {
		snprintf(msg, len, "%s is damaged: its header holds impossible counts", path);
		return -EINVAL;
	}
	return 0;
}

static int read_body(struct stream *s, struct snapshot *sn, const struct file_header *h)
{
	uint64_t words = (h->nr_pages + 63) / 64;
	uint64_t *map;
	int r = 0;

	sn->cpus = calloc(h->nr_cpus, sizeof(sn->cpus[0]));
	sn->devs = calloc(h->nr_devs ? h->nr_devs : 1, sizeof(sn->devs[0]));
	if (!sn->cpus || !sn->devs || mem_image__init(&sn->mem, h->nr_pages) < 0)
		return -ENOMEM;
	for (uint32_t i = 0; i < h->nr_cpus; i++) {
		sn->nr_cpus = i + 1;
		r = get_cpu(s, &sn->cpus[i]);
		if (r < 0)
			return r;
	}
	for (uint32_t i = 0; i < h->nr_devs; i++) {
		struct snap_dev *d = &sn->devs[i];
		uint32_t n;
		uint64_t l;

		sn->nr_devs = (int)i + 1;
		if (!get(s, &n, sizeof(n)))
			return -EIO;
		if (n >= sizeof(d->name))
			return -EINVAL;
		if (!get(s, d->name, n) || !get(s, &l, sizeof(l)))
			return -EIO;
		d->name[n] = '\0';
		if (l > DEV_STATE_MAX)
			return -EINVAL;
		d->len = (size_t)l;
		if (l) {
			d->data = malloc((size_t)l);
			if (!d->data)
				return -ENOMEM;
			if (!get(s, d->data, (size_t)l))
				return -EIO;
		}
	}
	map = calloc(words ? words : 1, sizeof(uint64_t));
	if (!map)
		return -ENOMEM;
	if (!get(s, map, (size_t)words * sizeof(uint64_t)))
		r = -EIO;
	for (uint64_t i = 0; r == 0 && i < h->nr_pages; i++) {
		uint8_t page[MEM_PAGE];
		int err;

		if (!(map[i / 64] & (1ull << (i % 64))))
			continue;
		if (!get(s, page, sizeof(page))) {
			r = -EIO;
			break;
		}
		sn->mem.pg[i] = mem_image__page(page, &err);
		r = err;
	}
	free(map);
	return r;
}

int snap__file_read(const char *path, const struct snap_id *want, struct snapshot **out,
		    char *msg, size_t len)
{
	struct file_header h;
	struct stream s = { 0 };
	struct snapshot *sn;
	uint32_t crc, computed;
	char end[8];
	int r;

	*out = NULL;
	s.f = fopen(path, "rb");
	if (!s.f) {
		r = -errno;
		snprintf(msg, len, "cannot open %s: %s", path, strerror(errno));
		return r;
	}
	if (!get(&s, &h, sizeof(h))) {
		snprintf(msg, len, "%s is not a kvmstub snapshot (shorter than its header)", path);
		fclose(s.f);
		return -EINVAL;
	}
	r = check_header(path, &h, msg, len);
	if (r == 0)
		r = check_id(path, &h, want, msg, len);
	if (r < 0) {
		fclose(s.f);
		return r;
	}
	sn = calloc(1, sizeof(*sn));
	if (!sn) {
		fclose(s.f);
		snprintf(msg, len, "out of memory");
		return -ENOMEM;
	}
	memcpy(sn->name, h.name, sizeof(sn->name));
	sn->when = (time_t)h.when;
	sn->id = *want;
	r = read_body(&s, sn, &h);
	computed = s.crc;
	if (r == 0 && (fread(&crc, 1, sizeof(crc), s.f) != sizeof(crc) ||
		       fread(end, 1, sizeof(end), s.f) != sizeof(end)))
		r = -EIO;
	if (r == 0 && (crc != computed || memcmp(end, END_MAGIC, sizeof(end)))) {
		snprintf(msg, len, "%s is damaged: its checksum does not match (CRC-32 0x%08x in the "
			 "file, 0x%08x of its bytes)", path, crc, computed);
		r = -EINVAL;
	} else if (r == -EIO) {
		snprintf(msg, len, "%s is cut short (%llu bytes read)", path,
			 (unsigned long long)s.at);
		r = -EINVAL;
	} else if (r == -EINVAL) {
		snprintf(msg, len, "%s is damaged: impossible sizes at byte %llu", path,
			 (unsigned long long)s.at);
	} else if (r == -ENOMEM) {
		snprintf(msg, len, "out of memory reading %s", path);
	}
	fclose(s.f);
	if (r < 0) {
		snap__destroy(sn);
		return r;
	}
	*out = sn;
	return 0;
}
