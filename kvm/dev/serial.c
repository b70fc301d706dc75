/*
 * serial.c - COM1, a 16550A UART at ports 0x3F8-0x3FF, IRQ 4.
 *
 * Transmit: the transmitter is always empty and ready; each byte written
 * to THR is the guest's output (dev__output), or, in loopback mode (MCR
 * bit 4), the guest's own next received byte, as the self-test of the
 * osdev wiki's driver expects.
 *
 * Receive: bytes fed by the daemon's input (input.c: the terminal,
 * --serial-in FILE) wait in a queue, the line, and move into the receive
 * FIFO (16 bytes with FCR bit 0, else 1) as the guest makes room, once it
 * looks at the receiver (reads LSR, RBR or IIR, or enables the receive
 * interrupt): LSR bit 0 says data is ready, and nothing is lost, neither
 * to an overrun nor to the FIFO reset of the driver's initialisation.
 *
 * Interrupts (IER): received data (IIR 0x04, or 0x0C "character timeout"
 * while the FIFO holds less than its trigger level) and THR empty (IIR
 * 0x02, after IER bit 1 is set or a byte is sent, until IIR is read).  As
 * on a PC, the UART's interrupt reaches IRQ 4 only while MCR bit 3 (OUT2)
 * is set and not in loopback mode.
 *
 * The divisor latch, line control, modem control and scratch registers
 * read back what was written.
 */
#include "device.h"

#include <errno.h>
#include <string.h>

#include "irqchip.h"
#include "serial.h"

#define UART_THR	0	/* transmit holding register (DLL when DLAB) */
#define UART_IER	1	/* interrupt enable (DLM when DLAB) */
#define UART_IIR	2	/* interrupt identification (FCR on write) */
#define UART_LCR	3
#define UART_MCR	4
#define UART_LSR	5
#define UART_MSR	6
#define UART_SCR	7
#define UART_LCR_DLAB	0x80
#define UART_LSR_DR	0x01	/* data ready */
#define UART_LSR_IDLE	0x60	/* THR empty, transmitter empty */
#define UART_IIR_NONE	0x01	/* no interrupt pending */
#define UART_IIR_THRE	0x02
#define UART_IIR_RDA	0x04	/* received data available */
#define UART_IIR_CTI	0x0C	/* character timeout */
#define UART_IIR_FIFO	0xC0	/* FIFOs enabled */
#define UART_IER_RDA	0x01
#define UART_IER_THRE	0x02
#define UART_FCR_ENABLE	0x01
#define UART_FCR_CLR_RX	0x02
#define UART_MCR_OUT2	0x08
#define UART_MCR_LOOP	0x10
#define UART_MSR_IDLE	0xB0	/* DCD, DSR, CTS */
#define UART_FIFO	16
#define SERIAL_IRQ	4
#define QUEUE		4096

static const struct dev_range ports[] = { { 0x3F8, 8 } };

/* What a guest can read back, all of it saved by a snapshot. */
struct uart_regs {
	uint8_t lcr, mcr, scr, dll, dlm, ier, fcr;
	bool thre_pending;
	uint8_t rx[UART_FIFO];
	uint8_t rx_n;
};

struct serial {
	struct uart_regs r;
	int out_fd;
	int irq_fd;			/* the VM's fd with the in-kernel irqchip, else -1 */
	bool line;			/* IRQ 4 as last set */
	pthread_mutex_t lock;		/* the input thread feeds the queue */
	uint8_t queue[QUEUE];		/* bytes fed, not in the FIFO yet */
	size_t q_head, q_len;
};

static unsigned int fifo_size(const struct serial *s)
{
	return s->r.fcr & UART_FCR_ENABLE ? UART_FIFO : 1;
}

static unsigned int trigger(const struct serial *s)
{
	static const unsigned int levels[4] = { 1, 4, 8, 14 };

	return s->r.fcr & UART_FCR_ENABLE ? levels[s->r.fcr >> 6] : 1;
}

/* Queue to FIFO while there is room. */
static void refill(struct serial *s)
{
	while (s->q_len && s->r.rx_n < fifo_size(s)) {
		s->r.rx[s->r.rx_n++] = s->queue[s->q_head];
		s->q_head = (s->q_head + 1) % QUEUE;
		s->q_len--;
	}
}

static uint8_t pending(const struct serial *s)
{
	if ((s->r.ier & UART_IER_RDA) && s->r.rx_n)
		return s->r.rx_n >= trigger(s) ? UART_IIR_RDA : UART_IIR_CTI;
	if ((s->r.ier & UART_IER_THRE) && s->r.thre_pending)
		return UART_IIR_THRE;
	return UART_IIR_NONE;
}

static void update_irq(struct serial *s)
{
	bool level = pending(s) != UART_IIR_NONE && (s->r.mcr & UART_MCR_OUT2) &&
		     !(s->r.mcr & UART_MCR_LOOP);

	if (level != s->line) {
		s->line = level;
		irqchip__line(s->irq_fd, SERIAL_IRQ, level);
	}
}

static int serial_reset(void *st, char *err, size_t errlen)
{
	struct serial *s = st;

	(void)err;
	(void)errlen;
	pthread_mutex_lock(&s->lock);
	/* Input from outside is not the machine's: what the FIFO held goes
	 * back to the queue, for the guest after the reset. */
	for (int i = s->r.rx_n - 1; i >= 0 && s->q_len < QUEUE; i--) {
		s->q_head = (s->q_head + QUEUE - 1) % QUEUE;
		s->queue[s->q_head] = s->r.rx[i];
		s->q_len++;
	}
	s->r = (struct uart_regs){
		.lcr = 0x03,	/* 8N1 */
		.dll = 1,	/* 115200 baud */
	};
	update_irq(s);
	pthread_mutex_unlock(&s->lock);
	return 0;
}

static int serial_create(void *st, const struct dev_env *env, char *err, size_t errlen)
{
	struct serial *s = st;

	s->out_fd = env->out_fd;
	s->irq_fd = env->caps && env->caps->irqchip ? env->vm_fd : -1;
	pthread_mutex_init(&s->lock, NULL);
	return serial_reset(s, err, errlen);
}

static void serial_destroy(void *st)
{
	struct serial *s = st;

	pthread_mutex_destroy(&s->lock);
}

size_t serial__feed(struct serial *s, const uint8_t *buf, size_t n)
{
	size_t done = 0;

	pthread_mutex_lock(&s->lock);
	while (done < n && s->q_len < QUEUE) {
		s->queue[(s->q_head + s->q_len) % QUEUE] = buf[done++];
		s->q_len++;
	}
	if (s->r.ier & UART_IER_RDA)
		refill(s);
	update_irq(s);
	pthread_mutex_unlock(&s->lock);
	return done;
}

static void transmit(struct serial *s, uint8_t val)
{
	if (s->r.mcr & UART_MCR_LOOP) {
		if (s->r.rx_n < fifo_size(s))
			s->r.rx[s->r.rx_n++] = val;
	} else {
		dev__output(s->out_fd, val);
	}
	s->r.thre_pending = true;	/* sent at once: THR is empty again */
}

static int serial_out(void *st, uint16_t port, uint8_t val)
{
	struct serial *s = st;
	bool dlab = s->r.lcr & UART_LCR_DLAB;

	pthread_mutex_lock(&s->lock);
	switch (port - ports[0].base) {
	case UART_THR:
		if (dlab)
			s->r.dll = val;
		else
			transmit(s, val);
		break;
	case UART_IER:
		if (dlab) {
			s->r.dlm = val;
		} else {
			if ((val & UART_IER_THRE) && !(s->r.ier & UART_IER_THRE))
				s->r.thre_pending = true;
			s->r.ier = val & 0x0F;
			if (val & UART_IER_RDA)
				refill(s);
		}
		break;
	case UART_IIR:		/* FCR */
		if ((val & UART_FCR_ENABLE) != (s->r.fcr & UART_FCR_ENABLE) ||
		    (val & UART_FCR_CLR_RX))
			s->r.rx_n = 0;
		s->r.fcr = val & 0xC1;
		break;
	case UART_LCR:
		s->r.lcr = val;
		break;
	case UART_MCR:
		s->r.mcr = val & 0x1F;
		break;
	case UART_SCR:
		s->r.scr = val;
		break;
	default:		/* LSR, MSR: read-only */
		break;
	}
	update_irq(s);
	pthread_mutex_unlock(&s->lock);
	return 0;
}

static uint8_t receive(struct serial *s)
{
	uint8_t v;

	if (!s->r.rx_n)
		return 0;
	v = s->r.rx[0];
	memmove(s->r.rx, s->r.rx + 1, --s->r.rx_n);
	refill(s);
	return v;
}

static uint8_t serial_in(void *st, uint16_t port)
{
	struct serial *s = st;
	bool dlab = s->r.lcr & UART_LCR_DLAB;
	uint8_t v;

	pthread_mutex_lock(&s->lock);
	if (port - ports[0].base == UART_THR || port - ports[0].base == UART_LSR ||
	    port - ports[0].base == UART_IIR)
		refill(s);		/* the guest looks at the receiver */
	switch (port - ports[0].base) {
	case UART_THR:
		v = dlab ? s->r.dll : receive(s);
		break;
	case UART_IER:
		v = dlab ? s->r.dlm : s->r.ier;
		break;
	case UART_IIR:
		v = pending(s);
		if (v == UART_IIR_THRE)
			s->r.thre_pending = false;	/* reading IIR clears it */
		if (s->r.fcr & UART_FCR_ENABLE)
			v |= UART_IIR_FIFO;
		break;
	case UART_LCR:
		v = s->r.lcr;
		break;
	case UART_MCR:
		v = s->r.mcr;
		break;
	case UART_LSR:
		v = UART_LSR_IDLE | (s->r.rx_n ? UART_LSR_DR : 0);
		break;
	case UART_MSR:
		if (s->r.mcr & UART_MCR_LOOP)	/* DTR, RTS, OUT1, OUT2 as DSR, CTS, RI, DCD */
			v = (uint8_t)((s->r.mcr & 0x01) << 5 | (s->r.mcr & 0x02) << 3 |
				      (s->r.mcr & 0x04) << 4 | (s->r.mcr & 0x08) << 4);
		else
			v = UART_MSR_IDLE;
		break;
	default:
		v = s->r.scr;
		break;
	}
	update_irq(s);
	pthread_mutex_unlock(&s->lock);
	return v;
}

static ssize_t serial_save(void *st, void *buf, size_t len)
{
	struct serial *s = st;

	if (buf && len >= sizeof(s->r))
		memcpy(buf, &s->r, sizeof(s->r));
	return (ssize_t)sizeof(s->r);
}

static int serial_load(void *st, const void *buf, size_t len)
{
	struct serial *s = st;

	if (len != sizeof(s->r))
		return -EINVAL;
	pthread_mutex_lock(&s->lock);
	memcpy(&s->r, buf, sizeof(s->r));
	if (s->r.rx_n > UART_FIFO)
		s->r.rx_n = UART_FIFO;
	update_irq(s);
	pthread_mutex_unlock(&s->lock);
	return 0;
}

const struct device serial_device = {
	.name = "serial (COM1, 16550A, IRQ 4)",
	.ports = ports,
	.nr_ports = 1,
	.state_size = sizeof(struct serial),
	.create = serial_create,
	.destroy = serial_destroy,
	.in = serial_in,
	.out = serial_out,
	.reset = serial_reset,
	.save = serial_save,
	.load = serial_load,
};
