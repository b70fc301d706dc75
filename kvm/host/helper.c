/* helper.c - start-up work in a thread of its own (helper.h). */
#include "helper.h"

#include <signal.h>

bool helper__start(pthread_t *thread, void *(*fn)(void *), void *arg)
{
	sigset_t all, old;
	bool started;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	started = pthread_create(thread, NULL, fn, arg) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!started)
		fn(arg);
	return started;
}
