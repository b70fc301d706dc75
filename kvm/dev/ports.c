/*
 * ports.c - the machine's port-I/O devices:
 *
 *   0x3F8-0x3FF  a 16550 UART, just enough of it for a guest to print:
 *                the transmitter is always empty and ready
 *   0xE9, 0x402  debug consoles (Bochs/QEMU style): each byte written is output
 *   0xF4         exit port: writing a byte ends the guest with that status
 *
 * Any other port reads as 0xFF (no device answers) and ignores writes.
 * Guest output goes straight to cfg.serial_fd with write(2), unbuffered,
 * so nothing is lost when the daemon is killed.
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "../machine_priv.h"

#define UART_BASE	0x3F8
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

#define PORT_DEBUGCON	0xE9
#define PORT_DEBUGCON2	0x402
#define PORT_EXIT	0xF4

void machine__log(struct machine *m, const char *fmt, ...)
{
	va_list ap;

	if (!m->cfg.log)
		return;
	va_start(ap, fmt);
	fputs("kvmstub: ", m->cfg.log);
	vfprintf(m->cfg.log, fmt, ap);
	fputc('\n', m->cfg.log);
	va_end(ap);
}

void ports__reset(struct machine *m)
{
	m->uart.lcr = 0x03;	/* 8N1 */
	m->uart.mcr = 0;
	m->uart.scr = 0;
	m->uart.dll = 1;	/* 115200 baud */
	m->uart.dlm = 0;
}

static void output(struct machine *m, uint8_t byte)
{
	if (m->cfg.serial_fd < 0)
		return;
	while (write(m->cfg.serial_fd, &byte, 1) < 0 && errno == EINTR)
		;
}

static void uart_out(struct machine *m, unsigned int reg, uint8_t val)
{
	bool dlab = m->uart.lcr & UART_LCR_DLAB;

	switch (reg) {
	case UART_THR:
		if (dlab)
			m->uart.dll = val;
		else
			output(m, val);
		break;
	case UART_IER:
		if (dlab)
			m->uart.dlm = val;
		break;
	case UART_LCR:
		m->uart.lcr = val;
		break;
	case UART_MCR:
		m->uart.mcr = val;
		break;
	case UART_SCR:
		m->uart.scr = val;
		break;
	default:		/* FCR, LSR, MSR: nothing to remember */
		break;
	}
}

static uint8_t uart_in(struct machine *m, unsigned int reg)
{
	bool dlab = m->uart.lcr & UART_LCR_DLAB;

	switch (reg) {
	case UART_THR:
		return dlab ? m->uart.dll : 0;	/* no input yet */
	case UART_IER:
		return dlab ? m->uart.dlm : 0;
	case UART_IIR:
		return UART_IIR_NONE;
	case UART_LCR:
		return m->uart.lcr;
	case UART_MCR:
		return m->uart.mcr;
	case UART_LSR:
		return UART_LSR_IDLE;
	case UART_MSR:
		return UART_MSR_IDLE;
	default:
		return m->uart.scr;
	}
}

/* true when the exit port was written */
static bool port_out(struct vcpu *v, uint16_t port, uint8_t val)
{
	struct machine *m = v->m;

	if (port >= UART_BASE && port < UART_BASE + 8) {
		uart_out(m, port - UART_BASE, val);
	} else if (port == PORT_DEBUGCON || port == PORT_DEBUGCON2) {
		output(m, val);
	} else if (port == PORT_EXIT) {
		v->exit_status = val;
		return true;
	} else {
		machine__log(m, "vCPU %d: write 0x%02x to port 0x%x ignored (no device)",
			     v->id, val, port);
	}
	return false;
}

static uint8_t port_in(struct vcpu *v, uint16_t port)
{
	struct machine *m = v->m;

	if (port >= UART_BASE && port < UART_BASE + 8)
		return uart_in(m, port - UART_BASE);
	if (port == PORT_DEBUGCON)
		return PORT_DEBUGCON;	/* Bochs' "is the debug console there" answer */
	machine__log(m, "vCPU %d: read from port 0x%x: 0xff (no device)", v->id, port);
	return 0xFF;
}

/*
 * One KVM_EXIT_IO: count accesses (rep ins/outs) of size bytes each, all
 * at the same port, their data packed at data_offset in kvm_run.  A wide
 * access to port p touches ports p, p+1, ... one byte each, as on a PC bus.
 */
bool ports__io(struct vcpu *v)
{
	struct kvm_run *run = v->cpu.run;
	bool exited = false;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	unsigned int size = run->io.size;

	if (size != 1 && size != 2 && size != 4)
		size = 1;
	/* vCPUs print at once (--smp): one access at a time through the UART. */
	pthread_mutex_lock(&v->m->io_lock);
	for (uint32_t i = 0; i < run->io.count; i++) {
		for (unsigned int b = 0; b < size; b++) {
			uint8_t *p = data + (size_t)i * size + b;
			uint16_t port = (uint16_t)(run->io.port + b);

			if (run->io.direction == KVM_EXIT_IO_OUT)
				exited |= port_out(v, port, *p);
			else
				*p = port_in(v, port);
		}
	}
	pthread_mutex_unlock(&v->m->io_lock);
	return exited;
}

/* An access to a guest-physical address in no slot: no device, reads see 0xFF. */
void memory__mmio(struct vcpu *v)
{
	struct kvm_run *run = v->cpu.run;
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
