/*
 * exit_port.c - port 0xF4: a byte written there ends the guest with that
 * byte as its exit status (QEMU's isa-debug-exit without the shift).
 * kvmstub --no-gdb exits with it; under gdb it is "exited with code N".
 */
#include "device.h"

static const struct dev_range ports[] = { { 0xF4, 1 } };

static int exit_out(void *st, uint16_t port, uint8_t val)
{
	(void)st;
	(void)port;
	return DEV_EXIT | val;
}

const struct device exit_port_device = {
	.name = "exit port (0xf4)",
	.ports = ports,
	.nr_ports = 1,
	.out = exit_out,
};
