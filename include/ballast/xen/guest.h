/*
 * ballast as a Xen guest (PV, PVH, HVM): the state every Xen driver shares,
 * and the few services the arch side (arch/x86/xen) gives them.
 *
 * The ABI structures come from Xen's public headers (libxen-dev). Generic
 * code (mm/, kernel/, drivers/balloon) never includes this header.
 */
#ifndef BALLAST_XEN_GUEST_H
#define BALLAST_XEN_GUEST_H

/* Interface of Xen 4.14+: every hypercall used here exists since long. */
#ifndef __XEN_INTERFACE_VERSION__
#define __XEN_INTERFACE_VERSION__ 0x00040e00
#endif

#include <ballast/types.h>
#include <xen/xen.h>
#include <xen/event_channel.h>
#include <xen/arch-x86/hvm/start_info.h>

enum xen_mode { XEN_NONE = 0, XEN_HVM, XEN_PVH, XEN_PV };

struct xen_guest {
	enum xen_mode mode;
	u32 cpuid_base;            /* 0x40000000 or 0x40000100 (Viridian) */
	u32 version;               /* XENVER_version: major << 16 | minor */
	struct shared_info *shared;
	struct vcpu_info *vcpu;    /* vcpu 0's slot in shared_info */
	u64 store_pfn;             /* guest frame of the xenstore ring */
	u32 store_evtchn;
	u64 console_pfn;           /* guest frame of the PV console ring */
	u32 console_evtchn;
	void *store_ring;          /* mapped rings (NULL when absent) */
	void *console_ring;
	int domid;                 /* from xenstore "domid"; -1 unknown */
	start_info_t *start_info;  /* PV */
	struct hvm_start_info *hvm_start_info; /* PVH */
};

extern struct xen_guest xen;

static inline bool xen_present(void)
{
	return xen.mode != XEN_NONE;
}

/* ---- from arch/x86/xen (enlighten.c) ---------------------------------- */

/* Event-delivery mask of vcpu 0 (PV) or the interrupt flag (HVM/PVH). */
void xen_irq_disable(void);
void xen_irq_enable(void);
/* Block the vcpu until any event (or the timer) arrives; nothing runs. */
void xen_wait_event(void);
/* SCHEDOP_shutdown with the console flushed first. */
void xen_shutdown(unsigned reason);

#endif
