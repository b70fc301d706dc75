/* output.c - the guest's output bytes, for the devices that print (device.h). */
#include "device.h"

#include <errno.h>
#include <unistd.h>

void dev__output(int out_fd, uint8_t byte)
{
	if (out_fd < 0)
		return;
	while (write(out_fd, &byte, 1) < 0 && errno == EINTR)
		;
}
