/*
 * Simulated event channels and vcpu blocking for the host unit tests: what a
 * Xen driver links against to signal and wait (evtchn_bind, evtchn_unmask,
 * evtchn_send, xen_wait_event), plus the guest's record of its platform
 * (struct xen_guest xen), which each simulator fills in for its part.
 *
 * The far end of a port is a simulator (sim_xenstore.c: xenstored) that
 * connects itself as the port's peer. The guest's evtchn_send calls the
 * peer's notify; the peer raises the port when it has news for the guest.
 * xen_wait_event delivers pending ports to the handlers the guest bound.
 * When nothing is pending it first lets each peer act on its own (idle, as
 * a real daemon would meanwhile); a wait that still nothing could end fails
 * the test, with each peer's state in the message.
 */
#ifndef SIM_EVTCHN_H
#define SIM_EVTCHN_H

#include <ballast/types.h>
#include <ballast/xen/events.h>
#include <ballast/xen/guest.h>

#define SIM_EVTCHN_PORTS 8

struct sim_evtchn_peer {
	/* The guest kicked the port (evtchn_send). */
	void (*notify)(void);
	/* The guest blocks with no port pending: do what you would do by
	 * yourself, if anything (may raise). NULL: nothing. */
	void (*idle)(void);
	/* One line of state for the "can never come" failure. NULL: none. */
	void (*describe)(char *buf, size_t size);
	const char *name;
};

/* PEER plays the far end of PORT from now on, and the port has nothing
 * pending. The guest's binding stays: a driver rebinds on its init. */
void sim_evtchn_connect(evtchn_port_t port, const struct sim_evtchn_peer *peer);
/* Signal the guest on PORT: its handler runs in the next xen_wait_event. */
void sim_evtchn_raise(evtchn_port_t port);
bool sim_evtchn_pending(evtchn_port_t port);

#endif
