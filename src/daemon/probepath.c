/* probepath.c: a /probe's path module (probe.h): one TCP connection to
 * the target's report service, its SYN marked with the module's DSCP (EF,
 * 46, in the built-in one) and TTL 64,
 * and the report read back (untrusted: the client's parser,
 * src/lib/pathreport.c) set beside what was sent, as gauges: DSCP and
 * ECN seen, the MSS sent (TCP_INFO's advmss) and seen, the TTL seen and
 * the hops, NAT and port preservation; and the way back: the MSS the
 * target's SYN-ACK announced (the report says) against the one this host
 * took (TCP_INFO), judged by pathback.c, which says "unknown" rather than
 * "clamped" where Linux's own bounds hide the MSS. A fact not known is NaN.
 *
 * It must not trust the report (pathreport.c reads it), nor outlive the
 * probe's budget, and it closes its socket on every path. */
#include "probepath.h"

#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "net.h"
#include "pathback.h"
#include "pathreport.h"
#include "pathtext.h"
#include "probepmtu.h"
#include "report.h"
#include "tcpwnd.h"

#define PATH_TTL  64

static int marked_socket(int family, int dscp)
{
	int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int tos = dscp << 2, ttl = PATH_TTL;

	if (fd < 0)
		return -1;
	if ((family == AF_INET6 &&
	     (setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &tos, sizeof tos) < 0 ||
	      setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl, sizeof ttl) < 0)) ||
	    (family == AF_INET && (setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof tos) < 0 ||
				   setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof ttl) < 0))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* connects and reads the report line into buf: its length, or -1 */
static ssize_t read_report(int fd, const struct sockaddr *target, socklen_t len, char *buf,
			   size_t size, const struct probe_params *pp)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	double deadline = clock_now() + pp->budget;
	size_t have = 0;

	if (connect(fd, target, len) < 0 && errno != EINPROGRESS)
		return -1;
	for (;;) {
		int n = probe_poll(pp, &pfd, deadline);
		if (n <= 0)
			return -1;
		if (pfd.events == POLLOUT) {
			int err = 0;
			socklen_t elen = sizeof err;
			if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0 || err != 0)
				return -1;
			pfd.events = POLLIN;
			continue;
		}
		ssize_t got = recv(fd, buf + have, size - 1 - have, 0);
		if (got < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (got < 0)
			return -1;
		have += (size_t)got;
		if (got == 0 || memchr(buf, '\n', have) != NULL || have == size - 1)
			return (ssize_t)have;
	}
}

static double known(long v)
{
	return v >= 0 ? (double)v : NAN;
}

static void path_metrics(struct promtext *p, const struct path_seen *s, int dscp,
			 long mss_sent, const char *local, long local_port)
{
	bool have = s != NULL;

	probe_gauge(p, "probe_path_dscp_sent", "DSCP the probe's SYN was sent with.", dscp);
	probe_gauge(p, "probe_path_dscp_seen", "DSCP the target saw on the SYN.",
		    have ? known(s->dscp) : NAN);
	probe_gauge(p, "probe_path_ecn_seen",
		    "ECN codepoint the target saw (0 not-ECT, 1 ECT(1), 2 ECT(0), 3 CE).",
		    have ? known(s->ecn) : NAN);
	probe_gauge(p, "probe_path_mss_sent", "MSS the probe's SYN announced, in bytes.",
		    known(mss_sent));
	probe_gauge(p, "probe_path_mss_seen", "MSS the target saw in the SYN, in bytes.",
		    have ? known(s->mss) : NAN);
	probe_gauge(p, "probe_path_ttl_seen", "TTL (hop limit) the SYN arrived with; sent with 64.",
		    have ? known(s->ttl) : NAN);
	probe_gauge(p, "probe_path_hops", "Routers on the way: 64 less the TTL seen.",
		    have && s->ttl > 0 && s->ttl <= PATH_TTL ? PATH_TTL - s->ttl : NAN);
	probe_gauge(p, "probe_path_nat", "Whether the target saw another source address (1) or this one (0).",
		    have && s->client[0] != '\0' && local[0] != '\0'
			    ? !path_same_host(s->client, local)
			    : NAN);
	probe_gauge(p, "probe_path_port_preserved",
		    "Whether the target saw the source port sent (1) or another (0).",
		    have && s->client_port >= 0 && local_port > 0 ? s->client_port == local_port
								  : NAN);
	probe_gauge(p, "probe_path_options_seen", "TCP options other than MSS, wscale, SACK and timestamps the target saw.",
		    have && s->nother >= 0 ? s->nother : NAN);
}

/* The way back: the SYN-ACK's MSS as the target announced it and as this
 * host took it, and whether it was clamped (raised is not clamped). */
static void back_metrics(struct promtext *p, const struct path_sent *sent,
			 const struct path_seen *s)
{
	const char *v = s != NULL ? path_mss_back(sent, s) : NULL;
	bool exact = sent->back_mss > 0 && sent->back_mss < sent->back_mss_limit &&
		     !sent->back_mss_window;

	probe_gauge(p, "probe_path_mss_back_sent",
		    "MSS the target's SYN-ACK announced (its report says), in bytes.",
		    s != NULL ? known(s->reply_mss) : NAN);
	probe_gauge(
		p, "probe_path_mss_back_seen",
		"MSS this host took from the target's SYN-ACK, in bytes; NaN where its own MTU or half the window offered hides it.",
		s != NULL && (exact || v != NULL) ? (double)sent->back_mss : NAN);
	probe_gauge(
		p, "probe_path_mss_back_clamped",
		"Whether the SYN-ACK's MSS was lowered on the way back (1) or not (0); NaN unknown.",
		v == NULL ? NAN : strcmp(v, "clamped") == 0);
}

bool probe_path(const struct sockaddr *target, socklen_t len, const struct probe_params *pp,
		struct promtext *p)
{
	char buf[PATH_REPORT_MAX + 1], local[NET_ADDRSTRLEN] = "", err[64];
	struct path_seen seen;
	struct path_sent sent = {.v6 = target->sa_family == AF_INET6,
				 .wscale = -1,
				 .back_mss = -1,
				 .back_mss_limit = -1,
				 .back_wscale = -1};
	struct tcp_info ti;
	socklen_t tilen = sizeof ti;
	long mss_sent = -1, local_port = -1;
	struct net_addr me;
	ssize_t n = -1;
	int fd = marked_socket(target->sa_family, pp->dscp);
	double end = clock_now() + pp->budget;
	bool ok;

	if (fd >= 0) {
		n = read_report(fd, target, len, buf, sizeof buf, pp);
		memset(&ti, 0, sizeof ti);
		/* advmss is the MSS less the timestamps option (report.h):
		 * the SYN carried it with them */
		if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &tilen) == 0 && ti.tcpi_advmss > 0)
			mss_sent = ti.tcpi_advmss +
				   ((ti.tcpi_options & TCPI_OPT_TIMESTAMPS) ? REPORT_TS_OPTION : 0);
		if (net_local_addr(fd, &me) == 0) {
			net_format_host((const struct sockaddr *)&me.ss, me.len, local, sizeof local);
			local_port = net_port((const struct sockaddr *)&me.ss);
		}
		if (n > 0)
			tcp_back_taken(fd, &sent);
		close(fd);
	}
	ok = n > 0 && path_parse_report(buf, (size_t)n, &seen, err, sizeof err) == 0 && !seen.udp;
	path_metrics(p, ok ? &seen : NULL, pp->dscp, mss_sent, local, local_port);
	back_metrics(p, &sent, ok ? &seen : NULL);
	if (pp->pmtu && !probe_path_mtu(target, len, pp, end, p))
		ok = false;
	return ok;
}
