/*
 * Xen event channels (2-level ABI in shared_info), the upcall that
 * dispatches them, Xen system time, a one-shot timer and deferred calls.
 *
 * ballast runs with events masked except while idle (as it runs with IF=0
 * on bare metal), so handlers only ever interrupt the idle loop; they just
 * note work, and the work runs afterwards in process context.
 */
#include <ballast/errno.h>
#include <ballast/printk.h>
#include <ballast/xen.h>
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

static evtchn_port_t timer_port;
static struct xen_deferred *deferred; /* sorted by deadline */
static u64 timer_armed_for;           /* deadline the one-shot is set to */
unsigned long xen_upcalls;            /* count, for the `xen` command */

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
	xen_evtchn_upcall();
}

/* ---- time ------------------------------------------------------------ */

u64 xen_clock_ns(void)
{
	volatile struct vcpu_time_info *t = &xen.vcpu->time;
	u32 ver;
	u64 ns;

	do {
		ver = t->version;
		__asm__ volatile("lfence" ::: "memory");
		u64 delta = rdtsc() - t->tsc_timestamp;
		s8 shift = t->tsc_shift;

		delta = shift >= 0 ? delta << shift : delta >> -shift;
		ns = t->system_time +
		     (u64)(((unsigned __int128)delta * t->tsc_to_system_mul) >> 32);
		__asm__ volatile("lfence" ::: "memory");
	} while ((ver & 1) || ver != t->version);
	return ns;
}

static void timer_event(evtchn_port_t port, void *arg)
{
	timer_armed_for = 0; /* fired: idle re-arms for the next deadline */
}

static void arm_timer(u64 deadline)
{
	struct vcpu_set_singleshot_timer t = { .timeout_abs_ns = deadline };

	if (!timer_port || deadline == timer_armed_for)
		return;
	if (HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, 0, &t) == 0)
		timer_armed_for = deadline;
}

/* ---- deferred calls -------------------------------------------------- */

void xen_defer_cancel(struct xen_deferred *d)
{
	for (struct xen_deferred **p = &deferred; *p; p = &(*p)->next) {
		if (*p == d) {
			*p = d->next;
			break;
		}
	}
	d->queued = false;
}

void xen_defer(struct xen_deferred *d, u64 delay_ns, void (*fn)(void *),
	       void *arg)
{
	struct xen_deferred **p = &deferred;

	if (d->queued)
		xen_defer_cancel(d);
	d->deadline = xen_clock_ns() + delay_ns;
	d->fn = fn;
	d->arg = arg;
	while (*p && (*p)->deadline <= d->deadline)
		p = &(*p)->next;
	d->next = *p;
	*p = d;
	d->queued = true;
}

void xenstore_poll_events(void);

void xen_run_deferred(void)
{
	u64 now = xen_clock_ns();

	while (deferred && deferred->deadline <= now) {
		struct xen_deferred *d = deferred;

		deferred = d->next;
		d->queued = false;
		d->fn(d->arg);
		now = xen_clock_ns();
	}
	xenstore_poll_events();
}

void xen_idle(void)
{
	xen_run_deferred();
	if (deferred)
		arm_timer(deferred->deadline);
	xen_wait_event();
	xen_run_deferred();
}

void xen_sleep_ms(u64 ms)
{
	u64 end = xen_clock_ns() + ms * 1000000ULL;

	while (xen_clock_ns() < end) {
		arm_timer(end);
		xen_wait_event();
		xen_run_deferred();
	}
}

void xen_events_init(void)
{
	int port;

	/* PV's event callback (pv_entry.S) enters through the same vector. */
	set_irq_handler(XEN_UPCALL_VECTOR, upcall_vector);
	if (xen.mode == XEN_HVM || xen.mode == XEN_PVH) {
		u64 via = ((u64)HVM_PARAM_CALLBACK_TYPE_VECTOR << 56) |
			  XEN_UPCALL_VECTOR;
		struct xen_hvm_param p = { .domid = DOMID_SELF,
					   .index = HVM_PARAM_CALLBACK_IRQ,
					   .value = via };

		if (HYPERVISOR_hvm_op(HVMOP_set_param, &p) < 0)
			pr_err("xen: cannot set the event callback vector\n");
	}
	/* Only our one-shot timer may wake us: no 100 Hz periodic tick. */
	HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL);
	port = evtchn_bind_virq(VIRQ_TIMER, timer_event, NULL);
	if (port < 0)
		pr_warn("xen: no timer event channel (%d)\n", port);
	else
		timer_port = port;
}
