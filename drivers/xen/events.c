/*
 * Xen event channels (2-level ABI in shared_info) and the upcall that
 * dispatches them.
 *
 * ballast runs with events masked except while idle (as it runs with IF=0
 * on bare metal), so handlers only ever interrupt the idle loop; they just
 * note work, and the work runs afterwards in process context.
 */
#include <ballast/errno.h>
#include <ballast/printk.h>
#include <ballast/trace.h>
#include <ballast/init.h>
#include <ballast/platform.h>
#include <ballast/string.h>
#include <ballast/xen/events.h>
#include <ballast/xen/timer.h>
#include <asm/xen/hypercall.h>
#include <asm/xen/setup.h>
#include <asm/cpu.h>
#include <asm/traps.h>

/* HVM/PVH: the IDT vector Xen raises for events (HVM_PARAM_CALLBACK_IRQ). */
#define XEN_UPCALL_VECTOR 0xf3
#define NR_PORTS 1024 /* enough for a small guest; the ABI allows 4096 */
#define BITS_PER_ULONG 64

static struct {
	evtchn_handler_t fn;
	void *arg;
} handlers[NR_PORTS];

unsigned long xen_upcalls; /* count, for the `xen` command */

static void sync_clear_bit(unsigned nr, xen_ulong_t *addr)
{
	__asm__ volatile("lock btrq %1, %0"
			 : "+m"(addr[nr / BITS_PER_ULONG])
			 : "r"((u64)(nr % BITS_PER_ULONG))
			 : "memory");
}

static void sync_set_bit(unsigned nr, xen_ulong_t *addr)
{
	__asm__ volatile("lock btsq %1, %0"
			 : "+m"(addr[nr / BITS_PER_ULONG])
			 : "r"((u64)(nr % BITS_PER_ULONG))
			 : "memory");
}

void evtchn_mask(evtchn_port_t port)
{
	sync_set_bit(port, xen.shared->evtchn_mask);
}

void evtchn_unmask(evtchn_port_t port)
{
	evtchn_unmask_t op = { .port = port };

	/* The hypercall also re-raises an event that arrived while masked. */
	HYPERVISOR_event_channel_op(EVTCHNOP_unmask, &op);
}

int evtchn_send(evtchn_port_t port)
{
	evtchn_send_t op = { .port = port };

	return (int)HYPERVISOR_event_channel_op(EVTCHNOP_send, &op);
}

int evtchn_bind(evtchn_port_t port, evtchn_handler_t fn, void *arg)
{
	if (port == 0 || port >= NR_PORTS)
		return -EINVAL;
	if (handlers[port].fn)
		return -EBUSY;
	handlers[port].fn = fn;
	handlers[port].arg = arg;
	evtchn_unmask(port);
	return 0;
}

int evtchn_bind_virq(u32 virq, evtchn_handler_t fn, void *arg)
{
	evtchn_bind_virq_t op = { .virq = virq, .vcpu = 0 };
	long rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_virq, &op);

	if (rc < 0)
		return (int)rc;
	rc = evtchn_bind(op.port, fn, arg);
	return rc < 0 ? (int)rc : (int)op.port;
}

static void dispatch_word(unsigned word)
{
	struct shared_info *s = xen.shared;
	xen_ulong_t bits = s->evtchn_pending[word] & ~s->evtchn_mask[word];

	while (bits) {
		unsigned bit = __builtin_ctzl(bits);
		evtchn_port_t port = word * BITS_PER_ULONG + bit;

		bits &= bits - 1;
		sync_clear_bit(port, s->evtchn_pending);
		if (port < NR_PORTS && handlers[port].fn)
			handlers[port].fn(port, handlers[port].arg);
	}
}

void xen_evtchn_upcall(void)
{
	struct vcpu_info *v = xen.vcpu;

	xen_upcalls++;
	trace_wake("upcall", v->evtchn_pending_sel, xen.shared->evtchn_pending[0]);
	do {
		v->evtchn_upcall_pending = 0;
		/* Clear the selector only after the pending flag (ABI order). */
		xen_ulong_t sel = __atomic_exchange_n(&v->evtchn_pending_sel, 0,
						      __ATOMIC_SEQ_CST);
		while (sel) {
			unsigned word = __builtin_ctzl(sel);

			sel &= sel - 1;
			dispatch_word(word);
		}
	} while (v->evtchn_upcall_pending);
}

static void upcall_vector(struct regs *r)
{
	xen_idle_fixup(r);
	xen_evtchn_upcall();
}

/*
 * Bring-up: the upcall vector, and the one-shot timer's VIRQ. Only once the
 * VIRQ is bound can a timer event wake a blocked vcpu, so only then does
 * the platform get its set_timer hook.
 */
static void timer_event(evtchn_port_t port, void *arg)
{
	xen_timer_expired();
}

/*
 * HVM/PVH: the vector as HVM_PARAM_CALLBACK_IRQ. Its being non-zero is
 * also what tells the toolstack we have PV drivers: it then asks us to
 * suspend, and tells us when a suspend was cancelled (facts doc, 1-2).
 */
static void set_callback(void)
{
	u64 via = ((u64)HVM_PARAM_CALLBACK_TYPE_VECTOR << 56) |
		  XEN_UPCALL_VECTOR;
	struct xen_hvm_param p = { .domid = DOMID_SELF,
				   .index = HVM_PARAM_CALLBACK_IRQ,
				   .value = via };

	if (xen.mode != XEN_HVM && xen.mode != XEN_PVH)
		return;
	if (HYPERVISOR_hvm_op(HVMOP_set_param, &p) < 0)
		pr_err("xen: cannot set the event callback vector\n");
}

static void bind_timer(void)
{
	int port;

	/* Only our one-shot timer may wake us: no 100 Hz periodic tick
	 * (a new vcpu, also one restored, starts with one). */
	HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL);
	port = evtchn_bind_virq(VIRQ_TIMER, timer_event, NULL);
	if (port < 0) {
		pr_warn("xen: no timer event channel (%d)\n", port);
		platform.set_timer = NULL;
		return;
	}
	platform.set_timer = xen_set_timer;
}

static int xen_events_init(void)
{
	if (!xen_present())
		return -ENODEV;
	/* PV's event callback (pv_entry.S) enters through the same vector. */
	set_irq_handler(XEN_UPCALL_VECTOR, upcall_vector);
	set_callback();
	bind_timer();
	return 0;
}
INIT_HOOK(xen_events, xen_events_init, INIT_LEVEL_PLATFORM);

/*
 * In a new domain no port of the old one exists: forget every binding
 * (the drivers bind their new ports in their own resume hooks, which run
 * after this one), and set up the callback and the timer again. Cancelled,
 * everything is still bound. Either way the one-shot is armed afresh: in a
 * new domain it is gone, and its deadline was turned into Xen time by an
 * offset the resume changed.
 */
static void xen_events_resume(bool cancelled)
{
	if (!xen_present())
		return;
	xen_timer_forget();
	if (cancelled)
		return;
	memset(handlers, 0, sizeof(handlers));
	set_callback();
	bind_timer();
}
SUSPEND_HOOK(xen_events, NULL, xen_events_resume, INIT_LEVEL_PLATFORM);
