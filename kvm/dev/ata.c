/*
 * ata.c - the IDE channels in PIO mode: the primary (ports 0x1F0-0x1F7,
 * 0x3F6, IRQ 14) with --disk FILE as its master, and the secondary
 * (0x170-0x177, 0x376, IRQ 15) with the --floppy image as its master,
 * which is how kvmstub's BIOS reads a floppy (there is no floppy
 * controller).  No slave drives: selecting one reads status 0.
 *
 * Commands: IDENTIFY DEVICE (0xEC), READ SECTORS (0x20/0x21) and WRITE
 * SECTORS (0x30/0x31) with 28-bit LBA or CHS addresses, READ/WRITE
 * SECTORS EXT (0x24/0x34) with 48-bit LBA (the registers written twice,
 * the first value read back with the device control's HOB bit), READ
 * VERIFY (0x40/0x41), FLUSH CACHE (0xE7/0xEA), SET FEATURES (0xEF), INITIALIZE
 * DEVICE PARAMETERS (0x91), CHECK POWER MODE (0xE5); anything else is
 * aborted (ERR, ABRT).  Each sector moves through the data port as 256
 * words (rep insw/outsw), DRQ set while it does; IRQ 14/15 rises when a
 * sector is ready or written unless nIEN (device control bit 1) is set,
 * and falls when the guest reads the status register.
 *
 * The image: mapped private (copy-on-write: the guest's writes stay in
 * memory, the file is never changed) unless --disk FILE,rw, then shared
 * (writes reach the file; flushed by FLUSH CACHE and at the end).  Its
 * size must be whole 512-byte sectors, and not 0.
 *
 * A snapshot saves both channels' registers and the sector being moved
 * (ata_save); the images' contents are not machine state it keeps.
 */
#include "device.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "irqchip.h"

#define SECTOR		512
#define REG_DATA	0
#define REG_ERROR	1	/* features on write */
#define REG_COUNT	2
#define REG_LBA0	3
#define REG_LBA1	4
#define REG_LBA2	5
#define REG_DEVICE	6
#define REG_STATUS	7	/* command on write */
#define ST_ERR		0x01
#define ST_DRQ		0x08
#define ST_DSC		0x10
#define ST_DRDY		0x40
#define ST_BSY		0x80
#define ERR_ABRT	0x04
#define ERR_IDNF	0x10
#define DEV_LBA		0x40
#define DEV_SLAVE	0x10
#define CTL_NIEN	0x02
#define CTL_SRST	0x04
#define CTL_HOB		0x80

static const struct dev_range ports[] = {
	{ 0x1F0, 8 }, { 0x3F6, 1 }, { 0x170, 8 }, { 0x376, 1 },
};

enum xfer { XFER_NONE, XFER_READ, XFER_WRITE, XFER_IDENTIFY };

struct channel {
	const char *what;		/* "--disk" or "--floppy" */
	uint8_t *image;			/* mapped, size bytes */
	size_t size;
	bool shared;			/* writes reach the file */
	uint16_t cyls, heads, spt;	/* the CHS geometry IDENTIFY reports */
	unsigned int irq;
	/* Registers, with the previous value of each for 48-bit commands. */
	uint8_t error, features, count[2], lba[3][2], device, status, control;
	enum xfer xfer;
	uint8_t buf[SECTOR];
	unsigned int pos;		/* bytes of buf moved */
	uint64_t sector;		/* the one in buf */
	uint32_t left;			/* sectors after it */
	bool line;
};

struct ata {
	struct channel ch[2];
	int irq_fd;
};

static uint64_t sectors(const struct channel *c)
{
	return c->size / SECTOR;
}

static void set_irq(struct ata *a, struct channel *c, bool level)
{
	if (level && (c->control & CTL_NIEN))
		level = false;
	if (level != c->line) {
		c->line = level;
		irqchip__line(a->irq_fd, c->irq, level);
	}
}

static bool present(const struct channel *c)
{
	return c->image && !(c->device & DEV_SLAVE);
}

/* A string field of IDENTIFY: two characters a word, the first in the high byte. */
static void id_string(uint16_t *w, const char *s, int words)
{
	for (int i = 0; i < words; i++) {
		char hi = *s ? *s++ : ' ', lo = *s ? *s++ : ' ';

		w[i] = (uint16_t)((uint8_t)hi << 8 | (uint8_t)lo);
	}
}

static void identify(struct channel *c)
{
	uint16_t w[256];
	uint64_t n = sectors(c), n28 = n > 0x0FFFFFFF ? 0x0FFFFFFF : n;
	uint32_t chs = (uint32_t)c->cyls * c->heads * c->spt;

	memset(w, 0, sizeof(w));
	w[0] = 0x0040;			/* a fixed disk */
	w[1] = c->cyls;
	w[3] = c->heads;
	w[6] = c->spt;
	id_string(&w[10], "KVMSTUB0001", 10);
	id_string(&w[23], "1.0", 4);
	id_string(&w[27], c->irq == 14 ? "KVMSTUB DISK" : "KVMSTUB FLOPPY IMAGE", 20);
	w[47] = 0x8001;			/* READ/WRITE MULTIPLE: 1 sector */
	w[49] = 0x0200;			/* LBA */
	w[53] = 0x0001;			/* words 54-58 are valid */
	w[54] = c->cyls;
	w[55] = c->heads;
	w[56] = c->spt;
	w[57] = (uint16_t)chs;
	w[58] = (uint16_t)(chs >> 16);
	w[60] = (uint16_t)n28;
	w[61] = (uint16_t)(n28 >> 16);
	w[80] = 0x007E;			/* ATA/ATAPI-1 to -6 */
	w[83] = 0x4400;			/* 48-bit addresses */
	w[86] = 0x0400;
	for (int i = 0; i < 4; i++)
		w[100 + i] = (uint16_t)(n >> (16 * i));
	memcpy(c->buf, w, sizeof(w));
}

static void abort_cmd(struct channel *c, uint8_t err)
{
	c->error = err;
	c->status = ST_DRDY | ST_ERR;
	c->xfer = XFER_NONE;
}

/* The address and count of the command: 48-bit, 28-bit LBA or CHS. */
static bool address(struct channel *c, bool ext, uint64_t *lba, uint32_t *count)
{
	if (ext) {
		*lba = (uint64_t)c->lba[2][1] << 40 | (uint64_t)c->lba[1][1] << 32 |
		       (uint64_t)c->lba[0][1] << 24 | (uint64_t)c->lba[2][0] << 16 |
		       (uint64_t)c->lba[1][0] << 8 | c->lba[0][0];
		*count = (uint32_t)c->count[1] << 8 | c->count[0];
		if (!*count)
			*count = 65536;
	} else {
		if (c->device & DEV_LBA) {
			*lba = (uint64_t)(c->device & 0x0F) << 24 | (uint64_t)c->lba[2][0] << 16 |
			       (uint64_t)c->lba[1][0] << 8 | c->lba[0][0];
		} else {
			unsigned int cyl = (unsigned int)c->lba[2][0] << 8 | c->lba[1][0];
			unsigned int head = c->device & 0x0F, sec = c->lba[0][0];

			if (!sec || sec > c->spt || head >= c->heads || cyl >= c->cyls)
				return false;
			*lba = ((uint64_t)cyl * c->heads + head) * c->spt + sec - 1;
		}
		*count = c->count[0] ? c->count[0] : 256;
	}
	return *lba < sectors(c) && *count <= sectors(c) - *lba;
}

static void start_sector(struct ata *a, struct channel *c)
{
	c->pos = 0;
	c->status = ST_DRDY | ST_DSC | ST_DRQ;
	if (c->xfer == XFER_READ) {
		memcpy(c->buf, c->image + c->sector * SECTOR, SECTOR);
		set_irq(a, c, true);
	}
}

static void command(struct ata *a, struct channel *c, uint8_t cmd)
{
	bool ext = cmd == 0x24 || cmd == 0x34;
	uint64_t lba;
	uint32_t count;

	c->error = 0;
	if (!present(c))
		return;
	switch (cmd) {
	case 0xEC:
		identify(c);
		c->xfer = XFER_IDENTIFY;
		c->pos = 0;
		c->status = ST_DRDY | ST_DSC | ST_DRQ;
		set_irq(a, c, true);
		return;
	case 0x20: case 0x21: case 0x24: case 0x30: case 0x31: case 0x34:
		if (!address(c, ext, &lba, &count)) {
			abort_cmd(c, ERR_IDNF);
			set_irq(a, c, true);
			return;
		}
		c->xfer = cmd >= 0x30 ? XFER_WRITE : XFER_READ;
		c->sector = lba;
		c->left = count - 1;
		start_sector(a, c);
		return;
	case 0x40: case 0x41:
		if (!address(c, false, &lba, &count))
			abort_cmd(c, ERR_IDNF);
		else
			c->status = ST_DRDY | ST_DSC;
		set_irq(a, c, true);
		return;
	case 0xE7: case 0xEA:
		if (c->shared)
			msync(c->image, c->size, MS_SYNC);
		c->status = ST_DRDY | ST_DSC;
		set_irq(a, c, true);
		return;
	case 0xEF: case 0x91:
		c->status = ST_DRDY | ST_DSC;
		set_irq(a, c, true);
		return;
	case 0xE5:
		c->count[0] = 0xFF;	/* active */
		c->status = ST_DRDY | ST_DSC;
		set_irq(a, c, true);
		return;
	default:
		abort_cmd(c, ERR_ABRT);
		set_irq(a, c, true);
		return;
	}
}

/* Two bytes of the data port moved; the end of a sector goes on. */
static void data_done(struct ata *a, struct channel *c)
{
	if (c->pos < SECTOR)
		return;
	if (c->xfer == XFER_WRITE) {
		memcpy(c->image + c->sector * SECTOR, c->buf, SECTOR);
		set_irq(a, c, true);
	}
	if (c->xfer != XFER_IDENTIFY && c->left) {
		c->left--;
		c->sector++;
		start_sector(a, c);
		return;
	}
	c->xfer = XFER_NONE;
	c->status = ST_DRDY | ST_DSC;
}

static uint16_t data_in(struct ata *a, struct channel *c)
{
	uint16_t v;

	if ((c->xfer != XFER_READ && c->xfer != XFER_IDENTIFY) || c->pos >= SECTOR)
		return 0xFFFF;
	v = (uint16_t)(c->buf[c->pos] | c->buf[c->pos + 1] << 8);
	c->pos += 2;
	data_done(a, c);
	return v;
}

static void data_out(struct ata *a, struct channel *c, uint16_t v)
{
	if (c->xfer != XFER_WRITE || c->pos >= SECTOR)
		return;
	c->buf[c->pos] = (uint8_t)v;
	c->buf[c->pos + 1] = (uint8_t)(v >> 8);
	c->pos += 2;
	data_done(a, c);
}

/* The channel of a port, and the register there (8: device control). */
static struct channel *chan(struct ata *a, uint16_t port, int *reg)
{
	if (port == 0x3F6 || port == 0x376) {
		*reg = 8;
		return &a->ch[port == 0x376];
	}
	*reg = port & 7;
	return &a->ch[(port & 0xFFF8) == 0x170];
}

static uint8_t ata_in(void *st, uint16_t port)
{
	struct ata *a = st;
	int reg;
	struct channel *c = chan(a, port, &reg);
	int hob = c->control & CTL_HOB ? 1 : 0;

	if (!c->image)
		return 0xFF;		/* nothing on this channel */
	if (reg != REG_DEVICE && !present(c))
		return 0;
	switch (reg) {
	case REG_DATA: return (uint8_t)data_in(a, c);
	case REG_ERROR: return c->error;
	case REG_COUNT: return c->count[hob];
	case REG_LBA0: case REG_LBA1: case REG_LBA2: return c->lba[reg - REG_LBA0][hob];
	case REG_DEVICE: return c->device | 0xA0;
	case REG_STATUS:
		set_irq(a, c, false);	/* reading the status acknowledges */
		return c->status;
	default: return c->status;	/* alternate status */
	}
}

static int ata_out(void *st, uint16_t port, uint8_t val)
{
	struct ata *a = st;
	int reg;
	struct channel *c = chan(a, port, &reg);

	if (!c->image)
		return 0;
	c->control &= (uint8_t)~CTL_HOB;	/* any write clears HOB */
	switch (reg) {
	case REG_DATA: data_out(a, c, val); break;
	case REG_ERROR: c->features = val; break;
	case REG_COUNT: c->count[1] = c->count[0]; c->count[0] = val; break;
	case REG_LBA0: case REG_LBA1: case REG_LBA2:
		c->lba[reg - REG_LBA0][1] = c->lba[reg - REG_LBA0][0];
		c->lba[reg - REG_LBA0][0] = val;
		break;
	case REG_DEVICE: c->device = val; break;
	case REG_STATUS: command(a, c, val); break;
	default:
		if ((val & CTL_SRST) && !(c->control & CTL_SRST)) {
			c->xfer = XFER_NONE;
			c->status = ST_DRDY | ST_DSC;
			c->error = 0x01;	/* diagnostics passed */
		}
		c->control = val;
		set_irq(a, c, c->line);
		break;
	}
	return 0;
}

static uint32_t ata_in_wide(void *st, uint16_t port, unsigned int size)
{
	struct ata *a = st;
	int reg;
	struct channel *c = chan(a, port, &reg);
	uint32_t v;

	if (reg != REG_DATA || !present(c))
		return size == 2 ? 0xFFFF : 0xFFFFFFFF;
	v = data_in(a, c);
	if (size == 4)
		v |= (uint32_t)data_in(a, c) << 16;
	return v;
}

static void ata_out_wide(void *st, uint16_t port, uint32_t val, unsigned int size)
{
	struct ata *a = st;
	int reg;
	struct channel *c = chan(a, port, &reg);

	if (reg != REG_DATA || !present(c))
		return;
	data_out(a, c, (uint16_t)val);
	if (size == 4)
		data_out(a, c, (uint16_t)(val >> 16));
}

/* The geometry of a floppy format, or the usual 16 heads, 63 sectors. */
static void geometry(struct channel *c, bool floppy)
{
	static const struct { size_t size; uint16_t cyls, heads, spt; } formats[] = {
		{ 368640, 40, 2, 9 }, { 737280, 80, 2, 9 }, { 1228800, 80, 2, 15 },
		{ 1474560, 80, 2, 18 }, { 2949120, 80, 2, 36 },
	};
	uint64_t cyls;

	if (floppy) {
		/* Its own format; a smaller image (a boot sector and a few
		 * more) is the start of a 1.44 MB floppy. */
		size_t i = 3;

		for (size_t j = 0; j < sizeof(formats) / sizeof(formats[0]); j++)
			if (c->size == formats[j].size)
				i = j;
		if (c->size > formats[3].size && c->size != formats[i].size)
			i = 4;
		c->cyls = formats[i].cyls;
		c->heads = formats[i].heads;
		c->spt = formats[i].spt;
		return;
	}
	/* As QEMU's IDE disks: whole cylinders (the rest is reached by LBA). */
	c->heads = 16;
	c->spt = 63;
	cyls = sectors(c) / (16 * 63);
	c->cyls = (uint16_t)(cyls > 16383 ? 16383 : cyls ? cyls : 1);
}

static int open_image(struct channel *c, const char *path, bool rw, bool floppy,
		      char *err, size_t errlen)
{
	struct stat st;
	int fd, r;

	c->what = floppy ? "--floppy" : "--disk";
	fd = open(path, (rw ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		snprintf(err, errlen, "%s %s: %s", c->what, path, strerror(errno));
		return r;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		snprintf(err, errlen, "%s %s: not a regular file", c->what, path);
		return -EINVAL;
	}
	if (st.st_size == 0 || st.st_size % SECTOR) {
		close(fd);
		snprintf(err, errlen, "%s %s: %lld bytes is not a whole, non-zero number of "
			 "512-byte sectors, as a disk image must be", c->what, path,
			 (long long)st.st_size);
		return -EINVAL;
	}
	c->size = (size_t)st.st_size;
	c->shared = rw;
	c->image = mmap(NULL, c->size, PROT_READ | PROT_WRITE, rw ? MAP_SHARED : MAP_PRIVATE,
			fd, 0);
	r = -errno;
	close(fd);
	if (c->image == MAP_FAILED) {
		c->image = NULL;
		snprintf(err, errlen, "%s %s: cannot map it: %s", c->what, path, strerror(-r));
		return r;
	}
	geometry(c, floppy);
	return 0;
}

static int ata_reset(void *st, char *err, size_t errlen)
{
	struct ata *a = st;

	(void)err;
	(void)errlen;
	for (int i = 0; i < 2; i++) {
		struct channel *c = &a->ch[i];

		set_irq(a, c, false);
		c->error = 0x01;
		c->count[0] = c->lba[0][0] = 1;	/* the ATA signature after reset */
		c->count[1] = c->lba[0][1] = 0;
		c->lba[1][0] = c->lba[1][1] = c->lba[2][0] = c->lba[2][1] = 0;
		c->device = 0;
		c->control = 0;
		c->xfer = XFER_NONE;
		c->status = ST_DRDY | ST_DSC;
	}
	return 0;
}

static int ata_create(void *st, const struct dev_env *env, char *err, size_t errlen)
{
	struct ata *a = st;
	int r = 0;

	a->irq_fd = env->caps && env->caps->irqchip ? env->vm_fd : -1;
	a->ch[0].irq = 14;
	a->ch[1].irq = 15;
	if (env->disk_path)
		r = open_image(&a->ch[0], env->disk_path, env->disk_rw, false, err, errlen);
	if (!r && env->floppy_path)
		r = open_image(&a->ch[1], env->floppy_path, false, true, err, errlen);
	return r ? r : ata_reset(a, err, errlen);
}

/* One channel as a snapshot keeps it (ata_save): its registers and the
 * transfer under way; not the image, which is the drive's. */
struct channel_saved {
	uint8_t error, features, count[2], lba[3][2], device, status, control;
	uint8_t xfer;
	uint8_t buf[SECTOR];
	uint32_t pos, left;
	uint64_t sector;
	uint8_t line;
};

static ssize_t ata_save(void *st, void *buf, size_t len)
{
	struct ata *a = st;
	struct channel_saved *out = buf;

	if (!buf || len < 2 * sizeof(*out))
		return (ssize_t)(2 * sizeof(*out));
	memset(out, 0, 2 * sizeof(*out));
	for (int i = 0; i < 2; i++) {
		const struct channel *c = &a->ch[i];
		struct channel_saved *o = &out[i];

		o->error = c->error;
		o->features = c->features;
		memcpy(o->count, c->count, sizeof(o->count));
		memcpy(o->lba, c->lba, sizeof(o->lba));
		o->device = c->device;
		o->status = c->status;
		o->control = c->control;
		o->xfer = (uint8_t)c->xfer;
		memcpy(o->buf, c->buf, SECTOR);
		o->pos = c->pos;
		o->left = c->left;
		o->sector = c->sector;
		o->line = c->line;
	}
	return (ssize_t)(2 * sizeof(*out));
}

static int ata_load(void *st, const void *buf, size_t len)
{
	struct ata *a = st;
	const struct channel_saved *in = buf;

	if (len != 2 * sizeof(*in))
		return -EINVAL;
	for (int i = 0; i < 2; i++) {
		struct channel *c = &a->ch[i];
		const struct channel_saved *o = &in[i];

		if (o->xfer > XFER_IDENTIFY || o->pos > SECTOR)
			return -EINVAL;
		c->error = o->error;
		c->features = o->features;
		memcpy(c->count, o->count, sizeof(c->count));
		memcpy(c->lba, o->lba, sizeof(c->lba));
		c->device = o->device;
		c->status = o->status;
		c->control = o->control;
		c->xfer = (enum xfer)o->xfer;
		memcpy(c->buf, o->buf, SECTOR);
		c->pos = o->pos;
		c->left = o->left;
		c->sector = o->sector;
		set_irq(a, c, o->line);
	}
	return 0;
}

static void ata_destroy(void *st)
{
	struct ata *a = st;

	for (int i = 0; i < 2; i++) {
		struct channel *c = &a->ch[i];

		if (!c->image)
			continue;
		if (c->shared)
			msync(c->image, c->size, MS_SYNC);
		munmap(c->image, c->size);
		c->image = NULL;
	}
}

const struct device ata_device = {
	.name = "IDE disks (ATA PIO: 0x1f0 IRQ 14 --disk, 0x170 IRQ 15 --floppy)",
	.ports = ports,
	.nr_ports = 4,
	.state_size = sizeof(struct ata),
	.create = ata_create,
	.destroy = ata_destroy,
	.in = ata_in,
	.out = ata_out,
	.in_wide = ata_in_wide,
	.out_wide = ata_out_wide,
	.reset = ata_reset,
	.save = ata_save,
	.load = ata_load,
};
