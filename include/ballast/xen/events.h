/*
 * Xen event channels (drivers/xen/events.c): 2-level ABI in shared_info.
 * Handlers run in the upcall, with events masked: they only note work.
 */
#ifndef BALLAST_XEN_EVENTS_H
#define BALLAST_XEN_EVENTS_H

#include <ballast/xen/guest.h>

typedef void (*evtchn_handler_t)(evtchn_port_t port, void *arg);

int evtchn_bind(evtchn_port_t port, evtchn_handler_t fn, void *arg);
int evtchn_bind_virq(u32 virq, evtchn_handler_t fn, void *arg);
void evtchn_unmask(evtchn_port_t port);
void evtchn_mask(evtchn_port_t port);
int evtchn_send(evtchn_port_t port);
/* The upcall body: scan and dispatch pending ports. */
void xen_evtchn_upcall(void);
/* Upcalls since boot, for the `xen` command. */
extern unsigned long xen_upcalls;

#endif
