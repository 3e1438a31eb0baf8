/*
 * ballast as a Xen guest (PV, PVH, HVM): hypercalls, the state every Xen
 * driver shares, and the interfaces between arch/x86/xen and drivers/xen.
 *
 * The ABI structures come from Xen's public headers (libxen-dev); only the
 * guest-side glue is defined here. Generic code (mm/, kernel/) never includes
 * this header.
 */
#ifndef BALLAST_XEN_H
#define BALLAST_XEN_H

/* Interface of Xen 4.14+: every hypercall used here exists since long. */
#ifndef __XEN_INTERFACE_VERSION__
#define __XEN_INTERFACE_VERSION__ 0x00040e00
#endif

#include <ballast/types.h>
#include <xen/xen.h>
#include <xen/memory.h>
#include <xen/sched.h>
#include <xen/event_channel.h>
#include <xen/vcpu.h>
#include <xen/version.h>
#include <xen/features.h>
#include <xen/callback.h>
#include <xen/hvm/params.h>
#include <xen/hvm/hvm_op.h>
#include <xen/arch-x86/cpuid.h>
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

/* ---- hypercalls ------------------------------------------------------- */

extern char hypercall_page[];

/*
 * Number in the hypercall page slot (32 bytes each), arguments in rdi, rsi,
 * rdx, r10, r8; the stubs clobber rcx and r11 (syscall on PV).
 */
#define _xen_hcall(nr, a1, a2, a3, a4, a5)                                   \
	({                                                                    \
		/* Evaluate every argument first: one that calls a function \
		 * would clobber a register variable already bound (GCC    \
		 * guarantees them only at the asm itself). */             \
		unsigned long _v1 = (unsigned long)(a1);                      \
		unsigned long _v2 = (unsigned long)(a2);                      \
		unsigned long _v3 = (unsigned long)(a3);                      \
		unsigned long _v4 = (unsigned long)(a4);                      \
		unsigned long _v5 = (unsigned long)(a5);                      \
		register unsigned long _a1 __asm__("rdi") = _v1;              \
		register unsigned long _a2 __asm__("rsi") = _v2;              \
		register unsigned long _a3 __asm__("rdx") = _v3;              \
		register unsigned long _a4 __asm__("r10") = _v4;              \
		register unsigned long _a5 __asm__("r8") = _v5;               \
		long _res;                                                    \
		__asm__ volatile("call hypercall_page + %c[off]"             \
				 : "=a"(_res), "+r"(_a1), "+r"(_a2),          \
				   "+r"(_a3), "+r"(_a4), "+r"(_a5)            \
				 : [off] "i"((nr) * 32)                       \
				 : "memory", "rcx", "r11");                   \
		_res;                                                         \
	})

#define HYPERVISOR_memory_op(cmd, arg) \
	_xen_hcall(__HYPERVISOR_memory_op, cmd, arg, 0, 0, 0)
#define HYPERVISOR_sched_op(cmd, arg) \
	_xen_hcall(__HYPERVISOR_sched_op, cmd, arg, 0, 0, 0)
#define HYPERVISOR_event_channel_op(cmd, arg) \
	_xen_hcall(__HYPERVISOR_event_channel_op, cmd, arg, 0, 0, 0)
#define HYPERVISOR_hvm_op(op, arg) \
	_xen_hcall(__HYPERVISOR_hvm_op, op, arg, 0, 0, 0)
#define HYPERVISOR_xen_version(cmd, arg) \
	_xen_hcall(__HYPERVISOR_xen_version, cmd, arg, 0, 0, 0)
#define HYPERVISOR_vcpu_op(cmd, vcpu, arg) \
	_xen_hcall(__HYPERVISOR_vcpu_op, cmd, vcpu, arg, 0, 0)
#define HYPERVISOR_callback_op(cmd, arg) \
	_xen_hcall(__HYPERVISOR_callback_op, cmd, arg, 0, 0, 0)
#define HYPERVISOR_set_trap_table(table) \
	_xen_hcall(__HYPERVISOR_set_trap_table, table, 0, 0, 0, 0)
#define HYPERVISOR_mmu_update(req, count, done, dom) \
	_xen_hcall(__HYPERVISOR_mmu_update, req, count, done, dom, 0)
#define HYPERVISOR_mmuext_op(op, count, done, dom) \
	_xen_hcall(__HYPERVISOR_mmuext_op, op, count, done, dom, 0)
#define HYPERVISOR_update_va_mapping(va, val, flags) \
	_xen_hcall(__HYPERVISOR_update_va_mapping, va, val, flags, 0, 0)
#define HYPERVISOR_console_io(cmd, len, buf) \
	_xen_hcall(__HYPERVISOR_console_io, cmd, len, buf, 0, 0)

/* ---- arch/x86/xen ----------------------------------------------------- */

/* CPUID leaf of Xen's signature, or 0 when not running on Xen. */
u32 xen_cpuid_base(void);
/* HVM/PVH: fill the hypercall page through the MSR CPUID names. */
int xen_hvm_init_hypercall_page(void);
/* Map shared_info, read version; common to every mode. */
void xen_common_init(void);
/* Read an HVM parameter; negative errno on failure. */
int xen_hvm_get_param(u32 index, u64 *value);
/* Called from arch_early_init on the multiboot2 path: detects HVM. */
void xen_hvm_early_detect(void);

/* Event-delivery mask of vcpu 0 (PV) or the interrupt flag (HVM/PVH). */
void xen_irq_disable(void);
void xen_irq_enable(void);

/* ---- drivers/xen ------------------------------------------------------ */

/* Event channels. Handlers run in the upcall, with events masked. */
typedef void (*evtchn_handler_t)(evtchn_port_t port, void *arg);
/* PV P2M (arch/x86/xen/p2m.c); INVALID_P2M_ENTRY where no frame. */
#define INVALID_P2M_ENTRY (~0ULL)
void xen_p2m_init(xen_pfn_t *list, unsigned long entries);
unsigned long xen_p2m_size(void);
u64 xen_pfn_to_mfn(unsigned long pfn);
unsigned long xen_mfn_to_pfn(u64 mfn);
int xen_p2m_check(unsigned long *backed, unsigned long *bad);

void xen_events_init(void);
int evtchn_bind(evtchn_port_t port, evtchn_handler_t fn, void *arg);
int evtchn_bind_virq(u32 virq, evtchn_handler_t fn, void *arg);
void evtchn_unmask(evtchn_port_t port);
void evtchn_mask(evtchn_port_t port);
int evtchn_send(evtchn_port_t port);
/* The upcall body: scan and dispatch pending ports. */
void xen_evtchn_upcall(void);

/* Time: Xen system time in ns (since the domain booted, roughly). */
u64 xen_clock_ns(void);

/*
 * Deferred calls: fn(arg) runs once, in process context (from the idle
 * loop, never inside the upcall), no earlier than delay_ns from now.
 */
struct xen_deferred {
	u64 deadline;
	void (*fn)(void *arg);
	void *arg;
	bool queued;
	struct xen_deferred *next;
};
void xen_defer(struct xen_deferred *d, u64 delay_ns, void (*fn)(void *),
	       void *arg);
void xen_defer_cancel(struct xen_deferred *d);
/* Sleep in process context, idling the vcpu; runs deferred work meanwhile. */
void xen_sleep_ms(u64 ms);
/* Block the vcpu until any event (or the timer) arrives; nothing runs. */
void xen_wait_event(void);
/* What platform.idle does under Xen: run due work, then block. */
void xen_idle(void);
/* Run due deferred calls and queued watch events; called by xen_idle. */
void xen_run_deferred(void);

/* PV console (drivers/xen/pvconsole.c). */
int xen_console_init(void);
void xen_console_flush(void);

/* xenstore client (drivers/xen/xenstore.c). */
int xenstore_init(void);
bool xenstore_ready(void);
/* Read PATH into buf (NUL-terminated); returns the length or -errno. */
int xs_read(u32 tx, const char *path, char *buf, size_t size);
int xs_write(u32 tx, const char *path, const char *value);
int xs_rm(u32 tx, const char *path);
/* Directory: NUL-separated names in buf; returns the count or -errno. */
int xs_directory(u32 tx, const char *path, char *buf, size_t size,
		 size_t *len);
int xs_transaction_start(u32 *tx);
/* abort: true to discard; -EAGAIN when the transaction must be retried. */
int xs_transaction_end(u32 tx, bool abort);

struct xs_watch {
	const char *path;
	char token[24];   /* filled by xs_watch_add */
	/* Runs in process context (idle loop) with the path that fired. */
	void (*fn)(struct xs_watch *w, const char *path);
	struct xs_watch *next;
};
int xs_watch_add(struct xs_watch *w);
int xs_watch_remove(struct xs_watch *w);
/* Watch events dropped because the client's queue was full. */
unsigned xenstore_events_dropped(void);

/* Shutdown on control/shutdown (drivers/xen/control.c). */
int xen_control_init(void);
/* SCHEDOP_shutdown with the console flushed first. */
void xen_shutdown(unsigned reason);

/* Everything drivers/xen sets up once shared_info and events work. */
void xen_drivers_init(void);

#endif
