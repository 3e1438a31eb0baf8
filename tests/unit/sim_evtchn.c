/* Simulated event channels and vcpu blocking (see sim_evtchn.h). */
#include "sim_evtchn.h"
#include "unit.h"
#include <ballast/errno.h>

struct xen_guest xen;

static struct port {
	const struct sim_evtchn_peer *peer;
	evtchn_handler_t fn;
	void *arg;
	bool pending; /* an event waits for the guest */
} ports[SIM_EVTCHN_PORTS];

static struct port *peer_port(evtchn_port_t port)
{
	if (port >= SIM_EVTCHN_PORTS || !ports[port].peer)
		return NULL;
	return &ports[port];
}

void sim_evtchn_connect(evtchn_port_t port, const struct sim_evtchn_peer *peer)
{
	if (port >= SIM_EVTCHN_PORTS)
		unit_fail(__FILE__, __LINE__, "sim_evtchn_connect: port %u",
			  port);
	ports[port].peer = peer;
	ports[port].pending = false;
}

void sim_evtchn_raise(evtchn_port_t port)
{
	if (!peer_port(port))
		unit_fail(__FILE__, __LINE__, "sim_evtchn_raise: port %u",
			  port);
	ports[port].pending = true;
}

bool sim_evtchn_pending(evtchn_port_t port)
{
	return peer_port(port) && ports[port].pending;
}

static bool any_pending(void)
{
	for (evtchn_port_t p = 0; p < SIM_EVTCHN_PORTS; p++)
		if (ports[p].pending)
			return true;
	return false;
}

/* ---- what the guest links against -------------------------------------- */

int evtchn_bind(evtchn_port_t port, evtchn_handler_t fn, void *arg)
{
	struct port *p = peer_port(port);

	if (!p)
		return -EINVAL;
	p->fn = fn; /* rebinding is fine: every test reinitialises its driver */
	p->arg = arg;
	return 0;
}

void evtchn_unmask(evtchn_port_t port)
{
}

int evtchn_send(evtchn_port_t port)
{
	struct port *p = peer_port(port);

	if (!p)
		unit_fail(__FILE__, __LINE__, "evtchn_send to port %u", port);
	p->peer->notify();
	return 0;
}

static void __noreturn never_comes(void)
{
	char msg[512] = "", line[256];
	size_t len = 0;

	for (evtchn_port_t p = 0; p < SIM_EVTCHN_PORTS; p++) {
		const struct sim_evtchn_peer *peer = ports[p].peer;
		int n;

		if (!peer || !peer->describe || len == sizeof(msg) - 1)
			continue;
		peer->describe(line, sizeof(line));
		n = snprintf(msg + len, sizeof(msg) - len, " (port %u, %s: %s)",
			     p, peer->name, line);
		len = MIN(len + (size_t)n, sizeof(msg) - 1);
	}
	unit_fail(__FILE__, __LINE__,
		  "guest waits for an event that can never come%s", msg);
}

void xen_wait_event(void)
{
	for (evtchn_port_t p = 0; p < SIM_EVTCHN_PORTS && !any_pending(); p++)
		if (ports[p].peer && ports[p].peer->idle)
			ports[p].peer->idle();
	if (!any_pending())
		never_comes();
	for (evtchn_port_t p = 0; p < SIM_EVTCHN_PORTS; p++) {
		if (!ports[p].pending)
			continue;
		ports[p].pending = false;
		if (ports[p].fn)
			ports[p].fn(p, ports[p].arg);
	}
}
