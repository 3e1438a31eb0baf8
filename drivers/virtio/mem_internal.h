/* Between the files of the virtio-mem driver (drivers/virtio/mem*.c). */
#ifndef DRIVERS_VIRTIO_MEM_INTERNAL_H
#define DRIVERS_VIRTIO_MEM_INTERNAL_H

#include <ballast/mm.h>
#include <ballast/page.h>
#include <ballast/virtio_mem.h>

extern struct virtio_mem vmem;

/* What one step of the worker came to. */
enum vm_step {
	VM_IDLE,     /* nothing to do (or nothing it can do) */
	VM_AGAIN,    /* it moved: run again at once */
	VM_RETRY,    /* refused, busy or in use: run again after the backoff */
};

static inline unsigned long vm_first_pfn(void)
{
	return section_nr_to_pfn(vmem.first_block);
}

static inline unsigned long vm_nr_sbs(void)
{
	return vmem.nr_blocks * vmem.sb_per_block;
}

static inline unsigned long vm_sb_pfn(unsigned long i)
{
	return vm_first_pfn() + (i << vmem.sb_order);
}

static inline phys_addr_t vm_sb_phys(unsigned long i)
{
	return PFN_PHYS(vm_sb_pfn(i));
}

/* The sub-block a pfn of the used blocks is in. */
static inline unsigned long vm_pfn_sb(unsigned long pfn)
{
	return (pfn - vm_first_pfn()) >> vmem.sb_order;
}

/* Memory block number (mm's) of used block b, and back. */
static inline unsigned long vm_block_nr(unsigned long b)
{
	return vmem.first_block + b;
}

/* Sub-block i lies wholly in the usable region (the device takes it). */
static inline bool vm_sb_usable(unsigned long i)
{
	return vm_sb_phys(i) + vmem.block_size <= vmem.addr + vmem.usable;
}

/* Sub-blocks [first, first + n) to a state, the counts kept. */
void vm_set_sbs(unsigned long first, unsigned long n, enum vm_sb_state st);
/* Sub-blocks of used block b in state st. */
unsigned long vm_count_sbs(unsigned long b, enum vm_sb_state st);

/* ---- requests (mem_request.c) ------------------------------------------ */

/*
 * One request about sub-blocks [first, first + n) (UNPLUG_ALL: none), one
 * at a time, waiting at most VM_TIMEOUT_NS: the response type
 * (VIRTIO_MEM_RESP_*, counted, the last NACK/BUSY/ERROR remembered), with
 * *state for STATE; or -ETIMEDOUT (vmem.late set). After a timeout or an
 * ERROR the range of a PLUG or UNPLUG is VM_SB_UNKNOWN (a line says so); -EAGAIN while the device
 * holds an earlier request, or another negative errno (queue full).
 */
int vm_request(u16 type, unsigned long first, unsigned long n, u16 *state);
/* What a step does after request result r: AGAIN after ACK and ERROR (the
 * range is unknown: the resync runs next), RETRY (backoff) otherwise. */
enum vm_step vm_after(int r);
/* r left the range as it was (NACK, BUSY, not sent): pages taken for it
 * go back. Not after ERROR or a timeout: the range is unknown then. */
bool vm_undo(int r);
/* The answer to the request the device kept came back: true (late cleared). */
bool vm_reap_late(void);
/* Re-read the config fields the device changes. */
void vm_read_config(void);
/* Sub-blocks whose state the device has to say (STATE requests): one
 * block's worth per call. */
enum vm_step vm_resync(void);
/* "plug", "unplug", ... and "ACK", "NACK", ... */
const char *vm_req_name(u16 type);
const char *vm_resp_name(u16 resp);
/* Remember why a step could not go on (the command's "blocked"). */
void vm_block_reason(const char *fmt, ...) __printf(1, 2);

/* ---- plug and unplug (mem_plug.c, mem_unplug.c) ------------------------ */

/* Towards `need` more plugged sub-blocks (one memory block's worth). */
enum vm_step vm_plug_step(unsigned long need);
/* Towards `excess` fewer. */
enum vm_step vm_unplug_step(unsigned long excess);
/* Plugged sub-blocks of absent blocks (an add or a request that failed
 * half-way) are unplugged first, whichever way the goal lies. */
enum vm_step vm_unplug_strays(void);
/* UNPLUG_ALL until ACK (plugged memory at probe). */
enum vm_step vm_unplug_all_step(void);
/* Sub-block i of an online block became plugged: its pages (PageOffline,
 * the driver's) go to the allocator. */
void vm_give_pages(unsigned long first, unsigned long n);

#endif
