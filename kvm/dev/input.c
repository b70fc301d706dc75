/*
 * input.c - what the guest gets from outside, as a device without ports:
 * the daemon's terminal (stdin when it is one), whose key presses become
 * scancodes of the keyboard (keyboard.c) and bytes for COM1's receiver
 * (serial.c), and --serial-in FILE, whose bytes go to COM1 only, in order
 * and as fast as the guest takes them.  A helper thread waits for both.
 * The terminal is put in non-canonical mode without echo (each key counts
 * at once; Ctrl-C still ends the daemon) and restored at the end.
 */
#include "device.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "keyboard.h"
#include "serial.h"

#define CHUNK		256

struct input {
	int console_fd, serial_in_fd;
	struct termios saved;
	bool termios_saved;
	struct keyboard *kbd;
	struct serial *uart;
	int wake[2];			/* the pipe that ends the thread */
	pthread_t thread;
	bool thread_on;
};

/* All of buf to COM1, waiting while its queue is full; false when asked
 * to end meanwhile. */
static bool to_serial(struct input *in, const uint8_t *buf, size_t n)
{
	struct pollfd p = { .fd = in->wake[0], .events = POLLIN };

	for (size_t done = 0; done < n; ) {
		done += serial__feed(in->uart, buf + done, n - done);
		if (done < n && poll(&p, 1, 10) > 0)
			return false;
	}
	return true;
}

static void *reader(void *arg)
{
	struct input *in = arg;
	struct pollfd p[3] = {
		{ .fd = in->wake[0], .events = POLLIN },
		{ .fd = in->console_fd, .events = POLLIN },
		{ .fd = in->serial_in_fd, .events = POLLIN },
	};
	uint8_t buf[CHUNK];
	char err[128];

	for (;;) {
		ssize_t n;

		if (poll(p, 3, -1) < 0 && errno != EINTR)
			return NULL;
		if (p[0].revents)
			return NULL;
		if (p[1].revents) {
			n = read(in->console_fd, buf, sizeof(buf));
			if (n <= 0) {
				p[1].fd = -1;	/* the terminal went away */
			} else {
				for (ssize_t i = 0; i < n; i++)
					keyboard__type(in->kbd, (const char *)&buf[i], 1, err,
						       sizeof(err));
				if (!to_serial(in, buf, (size_t)n))
					return NULL;
			}
		}
		if (p[2].revents) {
			n = read(in->serial_in_fd, buf, sizeof(buf));
			if (n <= 0 && !(n < 0 && errno == EAGAIN))
				p[2].fd = -1;	/* the end of the file */
			else if (n > 0 && !to_serial(in, buf, (size_t)n))
				return NULL;
		}
	}
}

static int input_create(void *st, const struct dev_env *env, char *err, size_t errlen)
{
	struct input *in = st;
	struct termios t;

	in->console_fd = env->console_fd;
	in->serial_in_fd = env->serial_in_fd;
	in->wake[0] = in->wake[1] = -1;
	if ((in->console_fd < 0 && in->serial_in_fd < 0) || !env->devs)
		return 0;
	in->kbd = devices__state(env->devs, &keyboard_device);
	in->uart = devices__state(env->devs, &serial_device);
	if (!in->kbd || !in->uart || pipe2(in->wake, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "cannot set up the guest's input: %s", strerror(errno));
		return -EINVAL;
	}
	if (in->console_fd >= 0 && tcgetattr(in->console_fd, &in->saved) == 0) {
		t = in->saved;
		t.c_lflag &= (tcflag_t)~(ICANON | ECHO);
		t.c_cc[VMIN] = 1;
		t.c_cc[VTIME] = 0;
		in->termios_saved = tcsetattr(in->console_fd, TCSANOW, &t) == 0;
	}
	in->thread_on = pthread_create(&in->thread, NULL, reader, in) == 0;
	if (!in->thread_on) {
		snprintf(err, errlen, "cannot start the thread that reads the guest's input");
		return -EAGAIN;
	}
	return 0;
}

static void input_destroy(void *st)
{
	struct input *in = st;

	if (in->thread_on) {
		(void)!write(in->wake[1], "", 1);
		pthread_join(in->thread, NULL);
	}
	if (in->termios_saved)
		tcsetattr(in->console_fd, TCSANOW, &in->saved);
	for (int i = 0; i < 2; i++)
		if (in->wake[i] >= 0)
			close(in->wake[i]);
}

const struct device input_device = {
	.name = "input (the terminal: keyboard and COM1; --serial-in: COM1)",
	.state_size = sizeof(struct input),
	.create = input_create,
	.destroy = input_destroy,
};
