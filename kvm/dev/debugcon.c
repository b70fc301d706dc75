/*
 * debugcon.c - the debug consoles of Bochs (port 0xE9) and QEMU (0x402):
 * each byte written is the guest's output; a read of 0xE9 answers 0xE9,
 * Bochs' "the console is there".  No state.
 */
#include "device.h"

#define PORT_BOCHS	0xE9

static const struct dev_range ports[] = { { PORT_BOCHS, 1 }, { 0x402, 1 } };

struct debugcon {
	int out_fd;
};

static int debugcon_create(void *st, const struct dev_env *env, char *err, size_t errlen)
{
	struct debugcon *c = st;

	(void)err;
	(void)errlen;
	c->out_fd = env->out_fd;
	return 0;
}

static int debugcon_out(void *st, uint16_t port, uint8_t val)
{
	struct debugcon *c = st;

	(void)port;
	dev__output(c->out_fd, val);
	return 0;
}

static uint8_t debugcon_in(void *st, uint16_t port)
{
	(void)st;
	return port == PORT_BOCHS ? PORT_BOCHS : 0xFF;
}

const struct device debugcon_device = {
	.name = "debug console (0xe9, 0x402)",
	.ports = ports,
	.nr_ports = 2,
	.state_size = sizeof(struct debugcon),
	.create = debugcon_create,
	.in = debugcon_in,
	.out = debugcon_out,
};
