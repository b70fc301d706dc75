/*
 * serial.c - COM1, a 16550 UART at ports 0x3F8-0x3FF, just enough of it
 * for a guest to print: the transmitter is always empty and ready, each
 * byte written to THR is the guest's output (dev__output), the line and
 * modem control, scratch and divisor latch registers read back what was
 * written.
 */
#include "device.h"

#include <errno.h>
#include <string.h>

#define UART_THR	0	/* transmit holding register (DLL when DLAB) */
#define UART_IER	1	/* interrupt enable (DLM when DLAB) */
#define UART_IIR	2	/* interrupt identification (FCR on write) */
#define UART_LCR	3
#define UART_MCR	4
#define UART_LSR	5
#define UART_MSR	6
#define UART_SCR	7
#define UART_LCR_DLAB	0x80
#define UART_LSR_IDLE	0x60	/* THR empty, transmitter empty */
#define UART_IIR_NONE	0x01	/* no interrupt pending */
#define UART_MSR_IDLE	0xB0	/* DCD, DSR, CTS */

static const struct dev_range ports[] = { { 0x3F8, 8 } };

/* What a guest can read back, all of it saved by a snapshot. */
struct uart_regs {
	uint8_t lcr, mcr, scr, dll, dlm;
};

struct serial {
	struct uart_regs r;
	int out_fd;
};

static int serial_reset(void *st, char *err, size_t errlen)
{
	struct serial *s = st;

	(void)err;
	(void)errlen;
	s->r = (struct uart_regs){
		.lcr = 0x03,	/* 8N1 */
		.dll = 1,	/* 115200 baud */
	};
	return 0;
}

static int serial_create(void *st, const struct dev_env *env, char *err, size_t errlen)
{
	struct serial *s = st;

	s->out_fd = env->out_fd;
	return serial_reset(s, err, errlen);
}

static int serial_out(void *st, uint16_t port, uint8_t val)
{
	struct serial *s = st;
	bool dlab = s->r.lcr & UART_LCR_DLAB;

	switch (port - ports[0].base) {
	case UART_THR:
		if (dlab)
			s->r.dll = val;
		else
			dev__output(s->out_fd, val);
		break;
	case UART_IER:
		if (dlab)
			s->r.dlm = val;
		break;
	case UART_LCR:
		s->r.lcr = val;
		break;
	case UART_MCR:
		s->r.mcr = val;
		break;
	case UART_SCR:
		s->r.scr = val;
		break;
	default:		/* FCR, LSR, MSR: nothing to remember */
		break;
	}
	return 0;
}

static uint8_t serial_in(void *st, uint16_t port)
{
	struct serial *s = st;
	bool dlab = s->r.lcr & UART_LCR_DLAB;

	switch (port - ports[0].base) {
	case UART_THR:
		return dlab ? s->r.dll : 0;	/* no input yet */
	case UART_IER:
		return dlab ? s->r.dlm : 0;
	case UART_IIR:
		return UART_IIR_NONE;
	case UART_LCR:
		return s->r.lcr;
	case UART_MCR:
		return s->r.mcr;
	case UART_LSR:
		return UART_LSR_IDLE;
	case UART_MSR:
		return UART_MSR_IDLE;
	default:
		return s->r.scr;
	}
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
	memcpy(&s->r, buf, sizeof(s->r));
	return 0;
}

const struct device serial_device = {
	.name = "serial (COM1, 16550)",
	.ports = ports,
	.nr_ports = 1,
	.state_size = sizeof(struct serial),
	.create = serial_create,
	.in = serial_in,
	.out = serial_out,
	.reset = serial_reset,
	.save = serial_save,
	.load = serial_load,
};
