/* probepmtu.c: the path module's path MTU search (module setting
 * pmtu=yes; see probe.h): the search of netecho --pmtu (pmtusearch.h),
 * over UDP to the target's report service, within what is left of the
 * probe's budget and noticing the daemon's stop, as gauges:
 * probe_path_mtu_bytes, _mtu_icmp_bytes, _black_hole, _local_mtu_bytes,
 * _mtu_probes. Where the evidence does not decide (loss, time run out),
 * NaN: a verdict may be unknown, never wrong.
 *
 * It must not reason on the probes itself (pmtu.c does), nor print. */
#include "probe.h"

#include <math.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

#include "net.h"
#include "pmtu.h"
#include "pmtusearch.h"
#include "route.h"

#define PMTU_TTL 64   /* as the path module's SYN */
#define PMTU_WAIT 2.0 /* seconds: the longest wait on one reply */

/* The MTU of the interface this host reaches the target by; -1: not known. */
static long device_mtu(const struct net_addr *a)
{
	int fd = socket(a->ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	long mtu = -1;

	if (fd < 0)
		return -1;
	if (connect(fd, (const struct sockaddr *)&a->ss, a->len) == 0)
		mtu = route_device_mtu(fd);
	close(fd);
	return mtu > 0 ? mtu : -1;
}

static double known(long v)
{
	return v > 0 ? (double)v : NAN;
}

bool probe_path_mtu(const struct sockaddr *target, socklen_t len, const struct probe_params *pp,
		    double end, struct promtext *p)
{
	struct net_addr a = {.len = len};
	char peer[NET_ADDRSTRLEN + 8];
	struct path_mtu r = PATH_MTU_UNKNOWN;
	struct pmtu_search q = {.addr = &a,
				.peer = peer,
				.ttl = PMTU_TTL,
				.tos = -1,
				.wait = PMTU_WAIT,
				.end = end,
				.stop = pp->stop};
	long local;
	int status;

	memcpy(&a.ss, target, len);
	net_format(target, len, peer, sizeof peer);
	status = pmtu_search_run(&q, &r);
	local = r.local_mtu > 0 && r.local_mtu < PMTU_LARGEST ? r.local_mtu : device_mtu(&a);
	probe_gauge(
		p, "probe_path_mtu_bytes",
		"Path MTU: the largest IP packet that arrives at the target, in bytes; NaN when the evidence does not decide.",
		status == 0 ? known(r.pmtu) : NAN);
	probe_gauge(
		p, "probe_path_mtu_icmp_bytes",
		"Smallest MTU an ICMP too-big (frag needed) on the way named, in bytes; NaN when none came.",
		known(r.icmp_mtu));
	probe_gauge(
		p, "probe_path_black_hole",
		"Whether packets above the path MTU vanish with no ICMP for their size (1) or not (0); NaN unknown.",
		status == 0 && r.black_hole >= 0 ? r.black_hole : NAN);
	probe_gauge(p, "probe_path_local_mtu_bytes",
		    "MTU of the interface this host sends to the target by, in bytes.",
		    known(local));
	probe_gauge(p, "probe_path_mtu_probes", "Datagrams the path MTU search sent.", r.probes);
	return status == 0;
}
