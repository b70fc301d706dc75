/*
 * snapshot.c - one snapshot as an object (snap.h): what freeing it frees.
 * The store (snap.c) and the file reader (snap_file.c) both make them.
 */
#include "snap.h"

#include <stdlib.h>

void snap__destroy(struct snapshot *s)
{
	if (!s)
		return;
	for (uint32_t i = 0; s->cpus && i < s->nr_cpus; i++)
		cpu_state__free(&s->cpus[i].st);
	free(s->cpus);
	for (int i = 0; s->devs && i < s->nr_devs; i++)
		free(s->devs[i].data);
	free(s->devs);
	mem_image__free(&s->mem);
	free(s);
}
