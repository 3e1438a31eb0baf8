/* A simulated virtio device (see sim_virtio.h). */
#include <ballast/virtio.h>

/* The simulated device runs between a wait's polls (set by sim_virtio). */
void (*sim_virtio_relax_hook)(void);

void virtio_wait_relax(void)
{
	if (sim_virtio_relax_hook)
		sim_virtio_relax_hook();
}
