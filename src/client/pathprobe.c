/* pathprobe.c: netecho --path (see pathprobe.h).
 *
 * It must not parse a report's bytes itself (pathreport.c does), nor wait
 * without a bound. */
#include "pathprobe.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "icmp.h"
#include "parse.h"
#include "outbuf.h"
#include "pathhops.h"
#include "pathjson.h"
#include "pathreport.h"
#include "pathtext.h"
#include "report.h"
#include "route.h"
#include "tcpwnd.h"
#include "pmtuprobe.h"

#define EXIT_PARTIAL 1                  /* a report did not come */
#define ECT0         2                  /* the ECN codepoint UDP probes carry */
#define TS_OPTION    12                 /* bytes of the timestamps option, aligned */
#define V4_HEADERS   28                 /* IPv4 and UDP headers */
#define V6_HEADERS   48                 /* IPv6 and UDP headers */

static int set_opt(int fd, bool v6, int opt4, int opt6, int v)
{
	return setsockopt(fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP, v6 ? opt6 : opt4, &v, sizeof v);
}

static int get_opt(int fd, bool v6, int opt4, int opt6)
{
	int v = -1;
	socklen_t len = sizeof v;

	if (getsockopt(fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP, v6 ? opt6 : opt4, &v, &len) < 0)
		return -1;
	return v;
}

/* Says why a probe failed on standard error ("netecho: WHY") and keeps it
 * in why (PATH_WHY_MAX bytes) for the JSON; returns status. */
static int __attribute__((format(printf, 3, 4))) say(char *why, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, PATH_WHY_MAX, fmt, ap);
	va_end(ap);
	fprintf(stderr, "netecho: %s\n", why);
	return status;
}

int path_set_marks(int fd, void *arg)
{
	const struct path_marks *m = arg;

	if (m->ttl >= 0 && set_opt(fd, m->v6, IP_TTL, IPV6_UNICAST_HOPS, m->ttl) < 0)
		return -1;
	if (m->tos >= 0 && set_opt(fd, m->v6, IP_TOS, IPV6_TCLASS, m->tos) < 0)
		return -1;
	if (m->pmtudisc >= 0 &&
	    set_opt(fd, m->v6, IP_MTU_DISCOVER, IPV6_MTU_DISCOVER, m->pmtudisc) < 0)
		return -1;
	if (m->recverr && set_opt(fd, m->v6, IP_RECVERR, IPV6_RECVERR, 1) < 0)
		return -1;
	return 0;
}

/* A number from /proc/sys/net/ipv4 (this network namespace's); -1 when
 * it cannot be read. */
static int sysctl_ipv4(const char *name)
{
	char path[96], buf[32];
	long v;
	ssize_t n;
	int fd;

	snprintf(path, sizeof path, "/proc/sys/net/ipv4/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	if (parse_long(buf, 0, 1000, &v) < 0)
		return -1;
	return (int)v;
}

/* The TTL or hop limit the probe leaves with: the one set (--ttl); over
 * IPv6 the socket's (it holds the route's hop limit); over IPv4 the
 * route's hoplimit metric, else the default that IP_TTL shows (which
 * knows nothing of the route); -1 when the route cannot be read. */
static int ttl_sent(int fd, bool v6, int ttl, const struct route_facts *rf)
{
	if (ttl >= 0 || v6)
		return get_opt(fd, v6, IP_TTL, IPV6_UNICAST_HOPS);
	if (rf == NULL)
		return -1;
	return rf->hoplimit > 0 ? rf->hoplimit : get_opt(fd, v6, IP_TTL, IPV6_UNICAST_HOPS);
}

/* The socket's own address and port, its TTL or hop limit (ttl: the one
 * asked for, or -1), its DSCP; rf: its route, NULL when not known. */
static void sent_common(int fd, bool v6, int ttl, const struct route_facts *rf,
			struct path_sent *s)
{
	struct net_addr a;
	int tos = get_opt(fd, v6, IP_TOS, IPV6_TCLASS);

	s->v6 = v6;
	s->local[0] = '\0';
	s->local_port = -1;
	if (net_local_addr(fd, &a) == 0) {
		net_format_host((struct sockaddr *)&a.ss, a.len, s->local, sizeof s->local);
		s->local_port = net_port((struct sockaddr *)&a.ss);
	}
	s->peer[0] = '\0';
	s->peer_port = -1;
	a.len = sizeof a.ss;
	if (getpeername(fd, (struct sockaddr *)&a.ss, &a.len) == 0) {
		net_format_host((struct sockaddr *)&a.ss, a.len, s->peer, sizeof s->peer);
		s->peer_port = net_port((struct sockaddr *)&a.ss);
	}
	s->ttl = ttl_sent(fd, v6, ttl, rf);
	s->dscp = tos >= 0 ? (tos >> 2) & 0x3f : -1;
	s->ecn = -1;
	s->ecn_setup = s->wscale = s->sack = s->timestamps = -1;
	s->mss = s->size = s->local_mtu = -1;
	s->back_ttl = s->back_tos = -1;
	s->back_mss = s->back_mss_limit = -1;
	s->back_wscale = -1;
}

/* Whether a SYN asked for ECN (ECE and CWR): Linux asks when tcp_ecn is 1,
 * when the congestion control needs ECN, and, with tcp_ecn 0 or 2 (not
 * asking), when the route says "features ecn"; 1, 0, or -1 when the
 * sysctl or the route cannot be read or the sysctl is another mode. */
static int syn_asked_ecn(int tcp_ecn, bool needs_ecn, const struct route_facts *rf)
{
	if (tcp_ecn == 1 || needs_ecn)
		return 1;
	if ((tcp_ecn != 0 && tcp_ecn != 2) || rf == NULL)
		return -1;
	return rf->ecn;
}

/* What a connected TCP socket's SYN carried: the MSS it advertised
 * (TCP_INFO's advmss is that value), the options the system puts in a SYN
 * (the sysctls), whether it asked for ECN (rf: the route, NULL when not
 * known). */
static void sent_syn(int fd, const struct route_facts *rf, struct path_sent *s)
{
	struct tcp_info ti;
	socklen_t len = sizeof ti;
	char cc[16] = "";
	socklen_t cclen = sizeof cc - 1;
	int ecn = sysctl_ipv4("tcp_ecn"), ws = sysctl_ipv4("tcp_window_scaling");
	int sack = sysctl_ipv4("tcp_sack"), ts = sysctl_ipv4("tcp_timestamps");
	bool needs_ecn;

	memset(&ti, 0, sizeof ti);
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0)
		return;
	/* advmss is the SYN's MSS less the timestamps option once they were
	 * agreed */
	s->mss = ti.tcpi_advmss > 0 ? (long)ti.tcpi_advmss : -1;
	if (s->mss > 0 && (ti.tcpi_options & TCPI_OPT_TIMESTAMPS) != 0)
		s->mss += TS_OPTION;
	s->wscale = ws < 0 ? -1 : ws != 0;
	s->sack = sack < 0 ? -1 : sack != 0;
	s->timestamps = ts < 0 ? -1 : ts != 0;
	/* a congestion control that needs ECN (dctcp) marks the SYN ECT(0) and
	 * asks for ECN; otherwise Linux sends a SYN not-ECT */
	needs_ecn = getsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, cc, &cclen) == 0 &&
		    strncmp(cc, "dctcp", 5) == 0;
	s->ecn = needs_ecn ? ECT0 : 0;
	/* ECN agreed: only a client that asked agrees */
	s->ecn_setup = (ti.tcpi_options & TCPI_OPT_ECN) != 0 ? 1
							     : syn_asked_ecn(ecn, needs_ecn, rf);
	tcp_back_taken(fd, s);
	/* a SYN sent again goes without ECE and CWR: then who knows which came */
	if (s->ecn_setup == 1 && ti.tcpi_total_retrans > 0)
		s->ecn_setup = -1;
}

/* Reads one line (the report) from a connected TCP socket within wait
 * seconds. Returns its length, or -1 with *status and a message. */
static ssize_t read_report(int fd, const struct path_options *o, char *buf, size_t size,
			   int *status, char *why)
{
	double deadline = clock_now() + o->wait;
	size_t len = 0;

	while (len < size - 1) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int rc = poll(&p, 1, clock_ms_until(deadline));
		ssize_t n;

		if (rc < 0 && errno == EINTR)
			continue;
		if (rc == 0) {
			/* the port answered: what follows cannot be told apart */
			*status =
				say(why, EX_TEMPFAIL,
				    "%s accepted the connection, but no path report came within "
				    "%gs%s: the report was lost or held up on the way back, or the "
				    "port is not netechod's report service ([report] port)",
				    o->peer, o->wait, len > 0 ? " (only a part of one)" : "");
			return -1;
		}
		n = rc < 0 ? -1 : read(fd, buf + len, size - 1 - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			*status = say(why, EX_UNAVAILABLE, "%s: %s", o->peer, strerror(errno));
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (memchr(buf, '\n', len) != NULL)
			break;
	}
	buf[len] = '\0';
	if (len == 0) {
		*status = say(
			why, EX_UNAVAILABLE,
			"%s closed the connection without a path report: netechod turned this client away (its [report] allow or deny, or a limit: its log says which), or the port is not netechod's report service ([report] port)",
			o->peer);
		return -1;
	}
	return (ssize_t)len;
}

/* Parses a report, which must be about proto. 0, or -1 with a message. */
static int take_report(const struct path_options *o, const char *buf, size_t len, bool udp,
		       struct path_seen *seen, char *why)
{
	char err[128];

	if (path_parse_report(buf, len, seen, err, sizeof err) < 0)
		return say(why, -1, "%s sent something that is not a path report: %s", o->peer,
			   err);
	if (seen->udp != udp)
		return say(why, -1, "%s sent a report on %s over %s", o->peer,
			   seen->udp ? "udp" : "tcp", udp ? "udp" : "tcp");
	return 0;
}

/* Why a connection or datagram found no report service: a status. */
static int unreachable(const struct path_options *o, const char *proto, const char *err, char *why)
{
	if (errno == ECONNREFUSED)
		return say(why, EX_UNAVAILABLE,
			   "no path report service at %s over %s (refused): is [report] on in the "
			   "server's netechod.conf?",
			   o->peer, proto);
	return say(why, errno == ETIMEDOUT ? EX_TEMPFAIL : EX_UNAVAILABLE, "%s", err);
}

/* An ICMP error that ended a probe, said; its status. An ICMP "port
 * unreachable" from the server itself is a refusal: not said here (-1). */
static int icmp_failure(const struct path_options *o, const char *proto, const struct icmp_seen *ic,
			char *why)
{
	bool v6 = o->addr.ss.ss_family == AF_INET6;
	char host[NET_ADDRSTRLEN];
	const char *hint = "";

	net_format_host((const struct sockaddr *)&o->addr.ss, o->addr.len, host, sizeof host);
	if (!ic->have || (icmp_refused(v6, ic->type, ic->code) && strcmp(ic->from, host) == 0))
		return -1;
	if (icmp_expired(v6, ic->type))
		hint = o->ttl >= 0 ? ": the TTL ran out on the way (raise --ttl)"
				   : ": the TTL ran out on the way (a routing loop, or a route's "
				     "hoplimit too low)";
	return say(why, EX_NOHOST, "%s to %s: ICMP %s (type %d, code %d) from %s%s", proto, o->peer,
		   icmp_name(v6, ic->type, ic->code), ic->type, ic->code, ic->from, hint);
}

static int tcp_probe(const struct path_options *o, struct path_sent *sent, struct path_seen *seen,
		     char *why)
{
	bool v6 = o->addr.ss.ss_family == AF_INET6;
	struct path_marks m = {v6, o->ttl, o->dscp >= 0 ? o->dscp << 2 : -1, -1, true};
	char err[NET_ERRLEN], buf[PATH_REPORT_MAX + 1];
	struct route_facts rf;
	struct icmp_seen ic;
	bool have_route;
	int status = 0, fd, saved;
	ssize_t len;

	fd = icmp_connect(&o->addr, SOCK_STREAM, path_set_marks, &m, o->connect_wait, &ic, err,
			  sizeof err);
	if (fd < 0) {
		saved = errno;
		status = icmp_failure(o, "tcp", &ic, why);
		errno = saved;
		return status >= 0 ? status : unreachable(o, "tcp", err, why);
	}
	have_route = route_of_socket(fd, &rf) == 0;
	sent_common(fd, v6, o->ttl, have_route ? &rf : NULL, sent);
	sent->udp = false;
	sent_syn(fd, have_route ? &rf : NULL, sent);
	len = read_report(fd, o, buf, sizeof buf, &status, why);
	close(fd);
	if (len < 0)
		return status;
	if (take_report(o, buf, (size_t)len, false, seen, why) < 0)
		return EX_PROTOCOL;
	return 0;
}

/* The probe's bytes: a marker the server's log shows, then padding. */
static void fill_probe(char *buf, size_t len)
{
	static const char mark[] = "netecho path probe: padding for the report. ";

	for (size_t i = 0; i < len; i++)
		buf[i] = i < sizeof mark - 1 ? mark[i] : '.';
}

/* Waits for the report on a datagram of size bytes, within until.
 * Returns 0 (seen set), 1 when none came in time, -1 on an error (errno:
 * ECONNREFUSED for a port unreachable, EMSGSIZE for too big). What came
 * that is no report is not said here: the first such reason goes into
 * bad (when not NULL and empty), for the caller to say once. back (when
 * not NULL) gets how the report arrived: its TTL and TOS, when the socket
 * asked for them. */
static int await_report(int fd, long size, double until, struct path_seen *seen, char *bad,
			size_t badsize, struct dgram_facts *back)
{
	char buf[PATH_REPORT_MAX + 1], err[128];
	union {
		struct cmsghdr align;
		char buf[4 * CMSG_SPACE(sizeof(int))];
	} ctrl;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		struct iovec iov = { buf, sizeof buf - 1 };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctrl.buf,
				    .msg_controllen = sizeof ctrl.buf };
		int rc = poll(&p, 1, clock_ms_until(until));
		ssize_t n;

		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			return -1;
		if (rc == 0)
			return 1;
		n = recvmsg(fd, &m, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -1;
		}
		/* a report on an earlier probe, or not a report: not this one's */
		if (path_parse_report(buf, (size_t)n, seen, err, sizeof err) < 0) {
			if (bad != NULL && bad[0] == '\0')
				snprintf(bad, badsize, "%s", err);
		} else if (!seen->udp) {
			if (bad != NULL && bad[0] == '\0')
				snprintf(bad, badsize, "a report on tcp over udp");
		} else if (seen->size == size) {
			if (back != NULL)
				report_dgram_facts(&m, 0, back);
			return 0;
		}
	}
}

/* Sends the probe, twice, each awaiting its report half the wait (a
 * datagram may be lost). 0 (seen set), 1 none came, -1 an error (errno;
 * the ICMP that caused it in *ic); the first reply that is no report in
 * bad. */
static int send_probes(int fd, const struct path_options *o, struct path_seen *seen, char *bad,
		       size_t badsize, struct icmp_seen *ic, struct dgram_facts *back)
{
	char *probe = malloc((size_t)o->size);
	int rc = 1, saved;

	if (probe == NULL) {
		errno = ENOMEM;
		return -1;
	}
	fill_probe(probe, (size_t)o->size);
	for (int i = 0; i < 2 && rc == 1; i++) {
		if (send(fd, probe, (size_t)o->size, 0) < 0) {
			rc = -1;
			break;
		}
		rc = await_report(fd, o->size, clock_now() + o->wait / 2, seen, bad, badsize, back);
		/* "too big" (IPv6: routers do not split): the next try leaves in
		 * fragments of the MTU it named */
		if (rc < 0 && errno == EMSGSIZE) {
			icmp_take(fd, ic);
			rc = 1;
		}
	}
	saved = errno;
	if (rc < 0)
		icmp_take(fd, ic);
	free(probe);
	errno = saved;
	return rc;
}

static int udp_probe(const struct path_options *o, struct path_sent *sent, struct path_seen *seen,
		     char *why)
{
	bool v6 = o->addr.ss.ss_family == AF_INET6;
	struct path_marks m = {v6, o->ttl, ((o->dscp >= 0 ? o->dscp : 0) << 2) | ECT0,
			       v6 ? IPV6_PMTUDISC_DONT : IP_PMTUDISC_DONT, true};
	char err[NET_ERRLEN], bad[128] = "";
	struct route_facts rf;
	struct icmp_seen ic = { .have = false };
	struct dgram_facts back = { .ttl = -1, .tos = -1 }, *bp = &back;
	int fd, tos, rc, saved, status;

	fd = net_connect_with(&o->addr, SOCK_DGRAM, path_set_marks, &m, (int)(o->wait * 1000), err,
			      sizeof err);
	if (fd < 0)
		return unreachable(o, "udp", err, why);
	sent_common(fd, v6, o->ttl, route_of_socket(fd, &rf) == 0 ? &rf : NULL, sent);
	sent->udp = true;
	tos = get_opt(fd, v6, IP_TOS, IPV6_TCLASS);
	sent->ecn = tos >= 0 ? tos & 3 : -1;
	sent->size = o->size;
	/* how the report comes back: its TTL and TOS as received */
	if (set_opt(fd, v6, IP_RECVTTL, IPV6_RECVHOPLIMIT, 1) < 0 ||
	    set_opt(fd, v6, IP_RECVTOS, IPV6_RECVTCLASS, 1) < 0)
		bp = NULL;                      /* not asked: not known */
	rc = send_probes(fd, o, seen, bad, sizeof bad, &ic, bp);
	sent->back_ttl = rc == 0 ? back.ttl : -1;
	sent->back_tos = rc == 0 ? back.tos : -1;
	saved = errno;
	/* the MTU the datagram left with, after any "too big" that came back
	 * (an IPv6 router sends one rather than split it) */
	sent->local_mtu = get_opt(fd, v6, IP_MTU, IPV6_MTU);
	close(fd);
	if (rc < 0 && saved == ENOMEM)
		return say(why, EX_OSERR, "out of memory");
	if (rc < 0) {
		status = icmp_failure(o, "udp", &ic, why);
		if (status >= 0)
			return status;
		snprintf(err, sizeof err, "udp to %s: %s", o->peer, strerror(saved));
		errno = saved;
		return unreachable(o, "udp", err, why);
	}
	if (rc == 1 && bad[0] != '\0')
		return say(why, EX_PROTOCOL, "%s sent something that is not a path report: %s",
			   o->peer, bad);
	if (rc == 1)
		return say(
			why, EXIT_PARTIAL,
			"no path report over udp from %s within %gs: the probe or the report was "
			"lost or filtered, or the server held it back (its rate limits)",
			o->peer, o->wait);
	return 0;
}

/* --- the whole ----------------------------------------------------------- */

static int put(const char *s)
{
	if (fputs(s, stdout) == EOF || fflush(stdout) == EOF) {
		fprintf(stderr, "netecho: standard output: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

/* The first failure's status, in the order the probes ran. */
static int worse(int a, int b)
{
	return a != 0 ? a : b;
}

/* What the probes found, and why what failed did. */
struct path_all {
	struct path_sent tsent, usent;
	struct path_seen tseen, useen;
	struct path_mtu mtu;
	struct path_trace trace;
	int ts, us, ms, hs; /* each probe's status; -1: not run */
	char twhy[PATH_WHY_MAX], uwhy[PATH_WHY_MAX];
};

/* A protocol's object, or null with its reason kept for "unknown". */
static void json_proto(struct outbuf *r, const char *name, int status, const struct path_sent *sent,
		       const struct path_seen *seen)
{
	outbuf_add(r, ",\"%s\":", name);
	if (status == 0)
		r->len += path_json(r->buf + r->len, r->size - r->len, sent, seen);
	else
		outbuf_add(r, "null");
}

/* "unknown": why "tcp" or "udp" is null, in the style of each fact's. */
static void json_unknown(struct outbuf *r, const struct path_all *a)
{
	bool first = true;
	const char *name[] = {"tcp", "udp"}, *why[] = {a->twhy, a->uwhy};
	int st[] = {a->ts, a->us};

	outbuf_add(r, ",\"unknown\":{");
	for (int i = 0; i < 2; i++) {
		if (st[i] == 0)
			continue;
		outbuf_add(r, "%s\"%s\":", first ? "" : ",", name[i]);
		path_json_text(r, st[i] < 0 ? (i == 0 ? "not asked (-u asks over udp only)"
						      : "not asked (over tcp only)")
					    : why[i]);
		first = false;
	}
	outbuf_add(r, "}");
}

static void out_json(struct outbuf *r, const struct path_options *o, struct path_all *a)
{
	outbuf_add(r, "{\"version\":%d,\"server\":", PATH_JSON_VERSION);
	path_json_text(r, o->peer);
	json_proto(r, "tcp", a->ts, &a->tsent, &a->tseen);
	json_proto(r, "udp", a->us, &a->usent, &a->useen);
	json_unknown(r, a);
	if (o->pmtu) {
		outbuf_add(r, ",");
		r->len += path_mtu_json(r->buf + r->len, r->size - r->len, &a->mtu);
	}
	if (a->hs == 0)
		path_trace_out(r, o, &a->trace);
	outbuf_add(r, "}\n");
}

static void out_text(struct outbuf *r, const struct path_options *o, struct path_all *a)
{
	if (a->ts == 0 || a->us == 0 || a->ms == 0 || a->hs == 0)
		outbuf_add(r, "path report from %s\n", o->peer);
	if (a->ts == 0)
		r->len += path_text(r->buf + r->len, r->size - r->len, &a->tsent, &a->tseen);
	if (a->us == 0)
		r->len += path_text(r->buf + r->len, r->size - r->len, &a->usent, &a->useen);
	if (a->ms == 0)
		r->len += path_mtu_text(r->buf + r->len, r->size - r->len, &a->mtu);
	if (a->hs == 0)
		path_trace_out(r, o, &a->trace);
}

int path_run(const struct path_options *o)
{
	static struct path_all a = {.mtu = PATH_MTU_UNKNOWN};
	static char out[3 * PATH_TEXT_MAX + 2 * NET_ADDRSTRLEN + PATH_HOPS_MAX * 128 +
			4 * PATH_WHY_MAX];
	/* --pmtu: the probes before it and the search together end by PMTU_TOTAL */
	double end = clock_now() + PMTU_TOTAL;
	struct outbuf r;
	int status = 0;

	a.ts = o->tcp ? tcp_probe(o, &a.tsent, &a.tseen, a.twhy) : -1;
	a.us = o->udp ? udp_probe(o, &a.usent, &a.useen, a.uwhy) : -1;
	a.ms = a.hs = -1;
	/* the UDP probe has shown the peer sends no reports: no search */
	if (a.us == EX_PROTOCOL)
		a.mtu.why = "not run: what came back over udp is no path report";
	if (o->pmtu && a.us != EX_PROTOCOL)
		a.ms = pmtu_run(o, end, &a.mtu);
	if (o->hops && a.us != EX_PROTOCOL)
		a.hs = path_trace(o, &a.trace);
	/* where the ICMPs came from, where a black hole sits */
	if (a.ms == 0 && a.hs == 0) {
		path_mtu_hops(&a.mtu, &a.trace);
		path_locate_hole(o, &a.trace, &a.mtu);
	}
	outbuf_start(&r, out, sizeof out);
	if (o->json)
		out_json(&r, o, &a);
	else
		out_text(&r, o, &a);
	if (r.len > 0 && put(r.buf) < 0)
		return EX_IOERR;
	/* in the order they ran; what did not run counts for nothing */
	for (int i = 0, run[] = {a.ts > 0 ? a.ts : 0, a.us > 0 ? a.us : 0, a.ms > 0 ? a.ms : 0,
				 a.hs > 0 ? a.hs : 0};
	     i < 4; i++)
		status = worse(status, run[i]);
	return status;
}
