/* probekit.h: what every /probe module shares (probekit.c): its
 * parameters, a poll() that notices the daemon's stop, and a gauge. The
 * modules (probe.c's tcp, probeudp.c, probepath.c, probepmtu.c) stand on
 * it; probe.c picks among them.
 *
 * It must not know a module. */
#ifndef NETECHO_PROBEKIT_H
#define NETECHO_PROBEKIT_H

#include <poll.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "promtext.h"

#define PROBE_COUNT_MAX     100         /* round trips or datagrams of one probe */
#define PROBE_UDP_SIZE      1024        /* a UDP probe's bytes: room for any report (report.h) */
#define PROBE_UDP_INTERVAL  0.125       /* seconds: under the report service's 10 a second */

struct probe_params {
	double budget;                  /* seconds the probe may take */
	unsigned count;                 /* round trips (tcp) or datagrams (udp) */
	double interval;                /* udp: seconds between datagrams */
	const atomic_bool *stop;        /* true: the daemon stops, end now (NULL: never) */
	int dscp;                       /* path: the DSCP the SYN is sent with, 0-63 */
	bool pmtu;			/* path: the path MTU search after it (pmtusearch.h) */
};

#define PROBE_STOP_SLICE_MS 100         /* a probe sees a stop within this, waiting */

/* Whether pp's probe is to end now (the daemon stops). */
bool probe_stopping(const struct probe_params *pp);

/* poll() of one descriptor until deadline, in slices that notice a stop:
 * 1 ready, 0 timed out or stopping, -1 error (not EINTR). */
int probe_poll(const struct probe_params *pp, struct pollfd *pfd, double deadline);

/* One gauge family with one sample: for the modules. */
void probe_gauge(struct promtext *p, const char *name, const char *help, double v);

#endif
