/* probepmtu.c: the path module's path MTU search (module setting
 * pmtu=yes; see probe.h): the search of netecho --pmtu (pmtusearch.h),
 * over UDP to the target's report service, within what is left of the
 * probe's budget and noticing the daemon's stop, as gauges:
 * probe_path_mtu_bytes, _mtu_icmp_bytes, _black_hole, _local_mtu_bytes,
 * _mtu_probes; and the way back of its reports, as the target says it
 * sent the last one against how it came: probe_path_hops_back,
 * _dscp_back_sent/_seen, _ecn_back_sent/_seen. Where the evidence does
 * not decide (loss, time run out), NaN: a verdict may be unknown, never
 * wrong.
 *
 * It must not reason on the probes itself (pmtu.c does), nor print. */
#include "probepmtu.h"

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

static double known0(int v)
{
	return v >= 0 ? (double)v : NAN;
}

/* The way back of the search's last report: hops, DSCP and ECN as the
 * target sent it (its report says) and as it came. */
static void back_metrics(struct promtext *p, const struct pmtu_back *b)
{
	bool hops = b->ttl > 0 && b->sent_ttl > 0 && b->ttl <= b->sent_ttl;

	probe_gauge(
		p, "probe_path_hops_back",
		"Routers on the way back: the TTL the target's UDP report was sent with less the one it came with.",
		hops ? b->sent_ttl - b->ttl : NAN);
	probe_gauge(p, "probe_path_dscp_back_sent",
		    "DSCP the target sent its UDP report with (its report says).",
		    known0(b->sent_dscp));
	probe_gauge(p, "probe_path_dscp_back_seen", "DSCP the target's UDP report came with.",
		    b->tos >= 0 ? b->tos >> 2 : NAN);
	probe_gauge(
		p, "probe_path_ecn_back_sent",
		"ECN codepoint the target sent its UDP report with (0 not-ECT, 1 ECT(1), 2 ECT(0), 3 CE).",
		known0(b->sent_ecn));
	probe_gauge(p, "probe_path_ecn_back_seen",
		    "ECN codepoint the target's UDP report came with.",
		    b->tos >= 0 ? b->tos & 3 : NAN);
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
				.stop = pp->stop,
				.back = true};
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
	back_metrics(p, &r.back);
	return status == 0;
}
