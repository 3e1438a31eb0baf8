/*
 * Between two polls of a virtqueue wait (kernel only; the host simulator
 * defines its own, which runs the simulated device). A spin-wait hint to
 * the CPU: under TCG the device model runs in QEMU's I/O thread meanwhile,
 * under KVM the pause lets a hyperthread sibling run.
 */
#include <ballast/virtio.h>

void virtio_wait_relax(void)
{
	__builtin_ia32_pause();
}
