/*
 * rtc.c - the CMOS real-time clock (an MC146818) at ports 0x70 (index;
 * bit 7 masks NMIs) and 0x71 (data), IRQ 8.
 *
 * The clock is the host's, in UTC (as QEMU's default -rtc base=utc), plus
 * whatever offset the guest sets by writing the time registers.  Register
 * B says BCD or binary (bit 2) and 24 or 12 hours (bit 1; 12-hour PM is
 * bit 7 of the hour); while B's SET bit (7) is on the time stands still.
 * Register A's update-in-progress bit (7) is on for the last 244 us of
 * each second, as on the chip.  Register C's flags (periodic PF, alarm
 * AF, update-ended UF, and IRQF when one of them is enabled in B) are
 * cleared by reading C, which also lowers IRQ 8: as on a PC, a guest that
 * does not read C gets no further interrupt.  A helper thread raises IRQ 8
 * at the periodic rate of A's low 4 bits (32768 >> (rate - 1) Hz) when B's
 * PIE is on, and at each second for UIE (and AIE when the alarm matches).
 * UF (and AF) are also set for a guest that polls C without interrupts;
 * PF is set only while PIE is on (the chip sets it at any rate but 0).
 *
 * The CMOS bytes a BIOS and kernels read: base memory 0x15/0x16 (640 KiB),
 * extended memory 0x17/0x18 and 0x30/0x31 (KiB above 1 MiB, at most
 * 65535), 0x34/0x35 (64 KiB blocks above 16 MiB), the floppy type 0x10,
 * the hard disk 0x12, the equipment byte 0x14, the century 0x32, and
 * their checksum at 0x2E/0x2F.
 */
#include "device.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "irqchip.h"

#define RTC_IRQ		8
#define REG_SEC		0x00
#define REG_SEC_ALARM	0x01
#define REG_MIN		0x02
#define REG_MIN_ALARM	0x03
#define REG_HOUR	0x04
#define REG_HOUR_ALARM	0x05
#define REG_WDAY	0x06
#define REG_MDAY	0x07
#define REG_MONTH	0x08
#define REG_YEAR	0x09
#define REG_A		0x0A
#define REG_B		0x0B
#define REG_C		0x0C
#define REG_D		0x0D
#define REG_CENTURY	0x32
#define A_UIP		0x80
#define B_SET		0x80
#define B_PIE		0x40
#define B_AIE		0x20
#define B_UIE		0x10
#define B_BINARY	0x04
#define B_24H		0x02
#define C_IRQF		0x80
#define C_PF		0x40
#define C_AF		0x20
#define C_UF		0x10
#define NS		1000000000ll

static const struct dev_range ports[] = { { 0x70, 2 } };

struct rtc {
	uint8_t cmos[128];
	uint8_t index;
	int64_t offset;			/* guest time - host time, seconds */
	int64_t frozen;			/* the guest's time while B.SET is on */
	int64_t last_second;		/* the second UF was last raised for */
	int irq_fd;
	bool line;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t thread;
	bool thread_on, stop;
};

static int64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * NS + ts.tv_nsec;
}

static int64_t guest_time(const struct rtc *r)
{
	if (r->cmos[REG_B] & B_SET)
		return r->frozen;
	return now_ns(CLOCK_REALTIME) / NS + r->offset;
}

static uint8_t to_reg(const struct rtc *r, int v)
{
	return r->cmos[REG_B] & B_BINARY ? (uint8_t)v : (uint8_t)((v / 10) << 4 | v % 10);
}

static int from_reg(const struct rtc *r, uint8_t v)
{
	return r->cmos[REG_B] & B_BINARY ? v : (v >> 4) * 10 + (v & 15);
}

static uint8_t hour_reg(const struct rtc *r, int hour)
{
	int h12;

	if (r->cmos[REG_B] & B_24H)
		return to_reg(r, hour);
	h12 = hour % 12 ? hour % 12 : 12;
	return (uint8_t)(to_reg(r, h12) | (hour >= 12 ? 0x80 : 0));
}

static int hour_from_reg(const struct rtc *r, uint8_t v)
{
	int h;

	if (r->cmos[REG_B] & B_24H)
		return from_reg(r, v);
	h = from_reg(r, v & 0x7F) % 12;
	return v & 0x80 ? h + 12 : h;
}

/* The time registers, as the guest reads them now. */
static uint8_t time_reg(const struct rtc *r, uint8_t reg)
{
	time_t t = (time_t)guest_time(r);
	struct tm tm;

	gmtime_r(&t, &tm);
	switch (reg) {
	case REG_SEC: return to_reg(r, tm.tm_sec);
	case REG_MIN: return to_reg(r, tm.tm_min);
	case REG_HOUR: return hour_reg(r, tm.tm_hour);
	case REG_WDAY: return to_reg(r, tm.tm_wday + 1);
	case REG_MDAY: return to_reg(r, tm.tm_mday);
	case REG_MONTH: return to_reg(r, tm.tm_mon + 1);
	case REG_YEAR: return to_reg(r, tm.tm_year % 100);
	default: return to_reg(r, 19 + tm.tm_year / 100);	/* REG_CENTURY */
	}
}

static bool is_time_reg(uint8_t reg)
{
	return reg == REG_SEC || reg == REG_MIN || reg == REG_HOUR ||
	       (reg >= REG_WDAY && reg <= REG_YEAR) || reg == REG_CENTURY;
}

/* A write to a time register moves the guest's clock. */
static void set_time_reg(struct rtc *r, uint8_t reg, uint8_t v)
{
	time_t t = (time_t)guest_time(r);
	struct tm tm;

	gmtime_r(&t, &tm);
	switch (reg) {
	case REG_SEC: tm.tm_sec = from_reg(r, v); break;
	case REG_MIN: tm.tm_min = from_reg(r, v); break;
	case REG_HOUR: tm.tm_hour = hour_from_reg(r, v); break;
	case REG_WDAY: return;		/* follows from the date */
	case REG_MDAY: tm.tm_mday = from_reg(r, v); break;
	case REG_MONTH: tm.tm_mon = from_reg(r, v) - 1; break;
	case REG_YEAR: tm.tm_year = tm.tm_year / 100 * 100 + from_reg(r, v); break;
	default: tm.tm_year = (from_reg(r, v) - 19) * 100 + tm.tm_year % 100; break;
	}
	t = timegm(&tm);
	if (r->cmos[REG_B] & B_SET)
		r->frozen = t;
	else
		r->offset = t - now_ns(CLOCK_REALTIME) / NS;
}

static void update_irq(struct rtc *r)
{
	uint8_t b = r->cmos[REG_B], c = r->cmos[REG_C];
	bool irqf = ((c & C_PF) && (b & B_PIE)) || ((c & C_AF) && (b & B_AIE)) ||
		    ((c & C_UF) && (b & B_UIE));

	if (irqf)
		r->cmos[REG_C] |= C_IRQF;
	if (irqf != r->line) {
		r->line = irqf;
		irqchip__line(r->irq_fd, RTC_IRQ, irqf);
	}
}

/* The alarm registers match the guest's time (0xC0 and up: any). */
static bool alarm_matches(const struct rtc *r)
{
	static const uint8_t pairs[3][2] = {
		{ REG_SEC_ALARM, REG_SEC }, { REG_MIN_ALARM, REG_MIN }, { REG_HOUR_ALARM, REG_HOUR },
	};

	for (int i = 0; i < 3; i++) {
		uint8_t a = r->cmos[pairs[i][0]];

		if (a < 0xC0 && a != time_reg(r, pairs[i][1]))
			return false;
	}
	return true;
}

/* A new second since the last look: UF (and AF when the alarm matches). */
static void seconds(struct rtc *r)
{
	int64_t t = guest_time(r);

	if (r->cmos[REG_B] & B_SET || t == r->last_second)
		return;
	r->last_second = t;
	r->cmos[REG_C] |= C_UF;
	if (alarm_matches(r))
		r->cmos[REG_C] |= C_AF;
}

static int64_t period_ns(const struct rtc *r)
{
	unsigned int rate = r->cmos[REG_A] & 15;

	if (!rate)
		return 0;
	if (rate < 3)
		rate += 7;		/* 1 and 2 are 256 and 128 Hz, as 8 and 9 */
	return NS / (32768 >> (rate - 1));
}

/* IRQ 8's thread: sleeps while B enables no interrupt. */
static void *ticker(void *arg)
{
	struct rtc *r = arg;
	int64_t next_pf = 0;

	pthread_mutex_lock(&r->lock);
	while (!r->stop) {
		uint8_t b = r->cmos[REG_B];
		int64_t mono = now_ns(CLOCK_MONOTONIC), real = now_ns(CLOCK_REALTIME);
		int64_t wait = NS - real % NS, period = period_ns(r);
		struct timespec until;

		if (!(b & (B_PIE | B_UIE | B_AIE))) {
			pthread_cond_wait(&r->wake, &r->lock);
			next_pf = 0;
			continue;
		}
		if ((b & B_PIE) && period) {
			if (!next_pf || next_pf < mono - 100 * period)
				next_pf = mono + period;
			if (next_pf - mono < wait)
				wait = next_pf - mono;
		}
		if (wait > 0) {
			until.tv_sec = (time_t)((mono + wait) / NS);
			until.tv_nsec = (long)((mono + wait) % NS);
			pthread_cond_timedwait(&r->wake, &r->lock, &until);
		}
		mono = now_ns(CLOCK_MONOTONIC);
		if ((r->cmos[REG_B] & B_PIE) && period && next_pf && mono >= next_pf) {
			r->cmos[REG_C] |= C_PF;
			next_pf += period;
		}
		if (r->cmos[REG_B] & (B_UIE | B_AIE))
			seconds(r);
		update_irq(r);
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

static uint8_t rtc_in(void *st, uint16_t port)
{
	struct rtc *r = st;
	uint8_t v, reg;

	if (port == 0x70)
		return 0xFF;		/* the index port is write-only */
	pthread_mutex_lock(&r->lock);
	reg = r->index;
	if (is_time_reg(reg)) {
		v = time_reg(r, reg);
	} else if (reg == REG_A) {
		v = r->cmos[REG_A] & 0x7F;
		if (!(r->cmos[REG_B] & B_SET) && now_ns(CLOCK_REALTIME) % NS >= NS - 244000)
			v |= A_UIP;
	} else if (reg == REG_C) {
		seconds(r);
		v = r->cmos[REG_C];
		r->cmos[REG_C] = 0;	/* read: cleared, IRQ 8 falls */
		update_irq(r);
	} else {
		v = r->cmos[reg];
	}
	pthread_mutex_unlock(&r->lock);
	return v;
}

static int rtc_out(void *st, uint16_t port, uint8_t val)
{
	struct rtc *r = st;

	pthread_mutex_lock(&r->lock);
	if (port == 0x70) {
		r->index = val & 0x7F;	/* bit 7: NMIs masked (no NMI source here) */
	} else if (is_time_reg(r->index)) {
		set_time_reg(r, r->index, val);
	} else if (r->index == REG_B) {
		if ((val & B_SET) && !(r->cmos[REG_B] & B_SET))
			r->frozen = guest_time(r);
		else if (!(val & B_SET) && (r->cmos[REG_B] & B_SET))
			r->offset = r->frozen - now_ns(CLOCK_REALTIME) / NS;
		r->cmos[REG_B] = val;
		update_irq(r);
		pthread_cond_signal(&r->wake);
	} else if (r->index == REG_A) {
		r->cmos[REG_A] = val & 0x7F;
		pthread_cond_signal(&r->wake);
	} else if (r->index != REG_C && r->index != REG_D) {
		r->cmos[r->index] = val;
	}
	pthread_mutex_unlock(&r->lock);
	return 0;
}

static uint8_t floppy_type(const char *path)
{
	struct stat st;

	if (!path || stat(path, &st) < 0)
		return 0;
	switch (st.st_size) {
	case 368640: return 1;		/* 360 KB */
	case 1228800: return 2;		/* 1.2 MB */
	case 737280: return 3;		/* 720 KB */
	case 2949120: return 5;		/* 2.88 MB */
	default: return 4;		/* 1.44 MB, and anything else */
	}
}

/* The configuration bytes for this machine, and their checksum. */
static void fill_cmos(struct rtc *r, uint64_t ram, const struct dev_env *env)
{
	uint64_t ext = ram > (1u << 20) ? (ram - (1u << 20)) >> 10 : 0;
	uint64_t high = ram > (16u << 20) ? (ram - (16u << 20)) >> 16 : 0;
	uint8_t fd = floppy_type(env->floppy_path);
	unsigned int sum = 0;

	if (ext > 0xFFFF)
		ext = 0xFFFF;
	if (high > 0xFFFF)
		high = 0xFFFF;
	memset(r->cmos, 0, sizeof(r->cmos));
	r->cmos[REG_A] = 0x26;
	r->cmos[REG_B] = B_24H;
	r->cmos[REG_D] = 0x80;		/* the battery is fine */
	r->cmos[0x10] = (uint8_t)(fd << 4);
	r->cmos[0x12] = env->disk_path ? 0xF0 : 0;	/* type 47, in 0x19 */
	r->cmos[0x19] = env->disk_path ? 47 : 0;
	r->cmos[0x14] = (uint8_t)((fd ? 0x01 : 0) | 0x02);	/* floppy, x87, VGA */
	r->cmos[0x15] = 640 & 0xFF;
	r->cmos[0x16] = 640 >> 8;
	r->cmos[0x17] = r->cmos[0x30] = (uint8_t)ext;
	r->cmos[0x18] = r->cmos[0x31] = (uint8_t)(ext >> 8);
	r->cmos[0x34] = (uint8_t)high;
	r->cmos[0x35] = (uint8_t)(high >> 8);
	for (int i = 0x10; i <= 0x2D; i++)
		sum += r->cmos[i];
	r->cmos[0x2E] = (uint8_t)(sum >> 8);
	r->cmos[0x2F] = (uint8_t)sum;
}

static int rtc_create(void *st, const struct dev_env *env, char *err, size_t errlen)
{
	struct rtc *r = st;
	pthread_condattr_t ca;

	r->irq_fd = env->caps && env->caps->irqchip ? env->vm_fd : -1;
	pthread_mutex_init(&r->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&r->wake, &ca);
	pthread_condattr_destroy(&ca);
	fill_cmos(r, env->mem ? env->mem->ram_size : 0, env);
	r->thread_on = pthread_create(&r->thread, NULL, ticker, r) == 0;
	if (!r->thread_on) {
		snprintf(err, errlen, "cannot start the CMOS clock's thread");
		return -EAGAIN;
	}
	return 0;
}

static void rtc_destroy(void *st)
{
	struct rtc *r = st;

	if (r->thread_on) {
		pthread_mutex_lock(&r->lock);
		r->stop = true;
		pthread_cond_signal(&r->wake);
		pthread_mutex_unlock(&r->lock);
		pthread_join(r->thread, NULL);
	}
	pthread_cond_destroy(&r->wake);
	pthread_mutex_destroy(&r->lock);
}

/* Back to power-on: the guest's offset and interrupts gone, the bytes kept. */
static int rtc_reset(void *st, char *err, size_t errlen)
{
	struct rtc *r = st;

	(void)err;
	(void)errlen;
	pthread_mutex_lock(&r->lock);
	r->offset = 0;
	r->index = 0;
	r->cmos[REG_A] = 0x26;
	r->cmos[REG_B] = B_24H;
	r->cmos[REG_C] = 0;
	update_irq(r);
	pthread_cond_signal(&r->wake);
	pthread_mutex_unlock(&r->lock);
	return 0;
}

/* What a snapshot keeps: the CMOS bytes, the index, the guest's offset
 * from the host's clock, its time while SET holds it, and the second of
 * the last update interrupt. */
struct rtc_saved {
	uint8_t cmos[128];
	uint8_t index;
	int64_t offset, frozen, last_second;
};

static ssize_t rtc_save(void *st, void *buf, size_t len)
{
	struct rtc *r = st;
	struct rtc_saved *o = buf;

	if (buf && len >= sizeof(*o)) {
		memset(o, 0, sizeof(*o));
		pthread_mutex_lock(&r->lock);
		memcpy(o->cmos, r->cmos, sizeof(r->cmos));
		o->index = r->index;
		o->offset = r->offset;
		o->frozen = r->frozen;
		o->last_second = r->last_second;
		pthread_mutex_unlock(&r->lock);
	}
	return (ssize_t)sizeof(*o);
}

static int rtc_load(void *st, const void *buf, size_t len)
{
	struct rtc *r = st;
	const struct rtc_saved *o = buf;

	if (len != sizeof(*o))
		return -EINVAL;
	pthread_mutex_lock(&r->lock);
	memcpy(r->cmos, o->cmos, sizeof(r->cmos));
	r->index = o->index & 0x7F;
	r->offset = o->offset;
	r->frozen = o->frozen;
	r->last_second = o->last_second;
	update_irq(r);
	pthread_cond_signal(&r->wake);
	pthread_mutex_unlock(&r->lock);
	return 0;
}

const struct device rtc_device = {
	.name = "CMOS clock (MC146818, IRQ 8)",
	.ports = ports,
	.nr_ports = 1,
	.state_size = sizeof(struct rtc),
	.create = rtc_create,
	.destroy = rtc_destroy,
	.in = rtc_in,
	.out = rtc_out,
	.reset = rtc_reset,
	.save = rtc_save,
	.load = rtc_load,
};
