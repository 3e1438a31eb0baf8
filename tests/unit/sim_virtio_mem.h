/*
 * A simulated virtio-mem device for the host tests, behaving like QEMU 7.2's
 * (hw/virtio/virtio-mem.c): a region of device blocks with a plugged
 * bitmap, the 56-byte config (never written by the driver), one request
 * queue of 128. Requests as the spec and QEMU answer them: PLUG beyond
 * requested_size NACK; a misaligned range, one outside the usable region,
 * or blocks not all in the opposite state ERROR; UNPLUG_ALL shrinks the
 * usable region; STATE says plugged, unplugged or mixed. usable_region_size
 * = min(region, requested + 256 MiB), grows only (but with UNPLUG_ALL).
 *
 * Unplugged blocks are out of the guest's reach: their direct-map pages are
 * PROT_NONE (sim_mm_access; blocks added later via sim_mm_backed), and an
 * unplug drops their frames (a block plugged again reads back zeros, its
 * first page garbage, 0x5c), so a touch of unplugged memory kills the test.
 *
 * Faults: refuse FEATURES_OK; the next N requests answered NACK, BUSY or
 * ERROR without acting; kept without an answer (sim_vmem_release answers
 * and acts on them, oldest first); answered after some wait polls;
 * requested_size changed inside the next request; a function run inside
 * it. A device reset (the driver's probe) keeps what is plugged, as QEMU.
 */
#ifndef SIM_VIRTIO_MEM_H
#define SIM_VIRTIO_MEM_H

#include <ballast/virtio.h>
#include <linux/virtio_mem.h>
#include "sim_virtio.h"

#define SIM_VMEM_KEPT_MAX 8
#define SIM_VMEM_EXTENT (256ULL << 20)

struct sim_vmem {
	struct virtio_device vdev;
	u64 offered, accepted;
	u8 status;
	struct virtio_mem_config cfg;
	struct sim_vq q;
	u8 *plugged;                 /* per device block of the region */
	unsigned long nblocks;
	/* Faults. */
	bool refuse_features;
	unsigned int nack_next, busy_next, error_next, keep_next;
	unsigned int delay_polls;    /* answer after this many wait polls */
	bool change_mid;             /* inside the next request: requested := */
	u64 change_to;
	void (*during)(void);
	u16 kept[SIM_VMEM_KEPT_MAX];
	unsigned int nkept;
	unsigned int polls_left;
	bool work_pending;
	/* Counters: requests seen by type, answers by type. */
	u64 reqs[4], resps[4], notifies;
	bool soft;
	u64 violations;
	char what[200];
};

extern struct sim_vmem svm;

/*
 * A new device (the virtio core and the driver are NOT reset: a test with
 * the balloon beside it resets once for both): region [addr, addr + size)
 * of block_size blocks, offering `features` (VERSION_1 and the device's
 * bits), requested 0, nothing plugged.
 */
void sim_vmem_init(u64 features, u64 addr, u64 size, u64 block_size);
/* Register the driver and virtio_add_device the device. */
int sim_vmem_add(void);
/* The host sets requested_size (usable grows) and raises a config interrupt. */
void sim_vmem_set_requested(u64 bytes);
/* Plug [addr, addr + size) on the host's side (a reset with memory plugged). */
void sim_vmem_preplug(u64 addr, u64 size);
/* Answer (and act on) kept requests, oldest first; returns how many. */
unsigned int sim_vmem_release(unsigned int n);
bool sim_vmem_block_plugged(u64 addr);
/* The device's pending work (delayed answers) now. */
void sim_vmem_run(void);

/* ---- shared by the virtio-mem tests ---------------------------------------- */

/* QEMU 7.2's offer for memory-backend-ram: VERSION_1, ACPI_PXM, and ring
 * extras the core refuses. */
#define VMT_QEMU_FEATURES                                                     \
	((1ULL << 32) | (1ULL << VIRTIO_MEM_F_ACPI_PXM) | (1ULL << 29) |      \
	 (1ULL << 28))
#define VMT_BOOT_RAM (512ULL << 20)
#define VMT_ADDR (2ULL << 30)
#define VMT_SIZE (1ULL << 30)
#define VMT_BS (2ULL << 20)

/* mm booted with 512 MiB (poisoning on), the clock at 1 s, the virtio core
 * and the driver reset, the device (2 GiB +1 GiB, 2 MiB blocks) created. */
void vmt_boot(u64 features);
/* vmt_boot and the probe, which must succeed. */
void vmt_boot_added(void);
/* Interrupts and the worker (the fake clock jumps to its deadline) until
 * the worker is idle, at most max_runs runs (0: no limit); returns runs. */
unsigned long vmt_run(unsigned long max_runs);
/* Everything agrees: mm consistent, device map == driver map (unknown
 * sub-blocks aside), pages of plugged sub-blocks in mm, of unplugged ones
 * PageOffline, block states, counters. */
void vmt_check(void);
/* The end of a test: the driver's worker cancelled, so that no later test
 * (one that runs deferred calls over a new mm) runs it. */
void vmt_done(void);
/* Sub-blocks the device has plugged. */
unsigned long vmt_dev_plugged(void);

#endif
