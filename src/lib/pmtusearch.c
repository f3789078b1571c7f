/* pmtusearch.c: the path MTU search's probes (see pmtusearch.h).
 *
 * It must not reason on what arrived (pmtu.c does), nor send past
 * PMTU_SEQS probes and PMTU_BUDGET seconds, nor print. */
#include "pmtusearch.h"

#include <errno.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "icmp.h"
#include "pathreport.h"
#include "pmtu.h"
#include "probemem.h"
#include "report.h"
#include "route.h"

#define EXIT_PARTIAL 1                  /* no report came (netecho's exit status) */
#define V4_HEADERS   28                 /* IPv4 and UDP headers */
#define V6_HEADERS   48                 /* IPv6 and UDP headers */
#define FLOOR_V4     576                /* every IPv4 host takes this much */
#define FLOOR_V6     1280               /* and every IPv6 link */
#define TRY_WAIT_MIN 0.2                /* seconds: the shortest wait on a reply */
#define LIVE_EVERY   0.1                /* seconds between live lines */

enum { TOO_BIG = -2, FAILED = -1 };

struct search {
	const struct pmtu_search *q;
	int fd;
	bool v6;
	char *buf;                      /* PMTU_LARGEST bytes */
	uint64_t session;
	double wait;                    /* on each reply */
	double last_send, deadline, start, last_live;
	double end;                     /* the caller's deadline; 0: none */
	double sent_at[PMTU_SEQS];
	bool refused;
	struct pmtu_evidence e;
	struct path_mtu_icmp icmp[PATH_MTU_ICMPS]; /* who said "too big", MTU rising */
	int nicmp;
	char bad[128];                  /* the first reply that was not a report */
	struct pmtu_back back;		/* q->back: the last report's way back */
};

static long headers(const struct search *s)
{
	return s->v6 ? V6_HEADERS : V4_HEADERS;
}

/* An ICMP "too big" for mtu from a sender, noted once: the smallest
 * PATH_MTU_ICMPS MTUs kept, rising. */
static void note_icmp(struct search *s, long mtu, const struct cmsghdr *c)
{
	struct path_mtu_icmp x = {.mtu = mtu, .hop = -1};
	int i;

	icmp_sender(c, x.from, sizeof x.from);
	for (i = 0; i < s->nicmp; i++)
		if (s->icmp[i].mtu == mtu && strcmp(s->icmp[i].from, x.from) == 0)
			return;
	if (s->nicmp == PATH_MTU_ICMPS && mtu >= s->icmp[PATH_MTU_ICMPS - 1].mtu)
		return;
	for (i = s->nicmp < PATH_MTU_ICMPS ? s->nicmp++ : PATH_MTU_ICMPS - 1;
	     i > 0 && s->icmp[i - 1].mtu > mtu; i--)
		s->icmp[i] = s->icmp[i - 1];
	s->icmp[i] = x;
}

/* Takes the socket's queued errors: the MTU a "too big" named, from this
 * host or an ICMP; a port unreachable. */
static void take_errors(struct search *s)
{
	int soerr;
	socklen_t sl = sizeof soerr;

	for (;;) {
		char ctrl[512], data[64];
		struct iovec iov = { data, sizeof data };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctrl,
				    .msg_controllen = sizeof ctrl };

		if (recvmsg(s->fd, &m, MSG_ERRQUEUE | MSG_DONTWAIT) < 0)
			break;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c != NULL; c = CMSG_NXTHDR(&m, c)) {
			struct sock_extended_err ee;
			long mtu;

			if (!((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_RECVERR) ||
			      (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_RECVERR)) ||
			    c->cmsg_len < CMSG_LEN(sizeof ee))
				continue;
			memcpy(&ee, CMSG_DATA(c), sizeof ee);
			mtu = (long)ee.ee_info;
			if (ee.ee_errno == ECONNREFUSED) {
				s->refused = true;
			} else if (ee.ee_errno != EMSGSIZE || mtu <= 0 || mtu > PMTU_LARGEST) {
				continue;
			} else if (ee.ee_origin == SO_EE_ORIGIN_ICMP ||
				   ee.ee_origin == SO_EE_ORIGIN_ICMP6) {
				if (s->e.icmp_mtu < 0 || mtu < s->e.icmp_mtu)
					s->e.icmp_mtu = mtu;
				note_icmp(s, mtu, c);
			} else if (s->e.local_mtu < 0 || mtu < s->e.local_mtu) {
				s->e.local_mtu = mtu;
			}
		}
	}
	/* the pending error the queue set, taken so that it does not show again */
	(void)getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
}

/* A reply: a report, whose memory of the session (or, from a server
 * without one, its size) tells which probes arrived. */
static void take_reply(struct search *s, const char *buf, size_t len, const struct msghdr *m)
{
	struct path_seen seen;
	char err[128];
	struct dgram_facts f = {.ttl = -1, .tos = -1};

	if (path_parse_report(buf, len, &seen, err, sizeof err) < 0 || !seen.udp) {
		if (s->bad[0] == '\0')
			snprintf(s->bad, sizeof s->bad, "%s", seen.udp ? err : "a report on tcp");
		return;
	}
	if (seen.size < 0)
		return;
	/* the way back: how it came (the socket asked, q->back) and what the
	 * target says it sent it with */
	report_dgram_facts(m, 0, &f);
	if (s->q->back && f.ttl >= 0 && f.tos >= 0)
		s->back = (struct pmtu_back){.ttl = f.ttl,
					     .tos = f.tos,
					     .sent_ttl = seen.reply_ttl,
					     .sent_dscp = seen.reply_dscp,
					     .sent_ecn = seen.reply_ecn};
	if (seen.session_first >= 0)
		pmtu_seen(&s->e, (unsigned)seen.session_first, seen.session_seen,
			  seen.size + headers(s));
	else
		pmtu_seen_size(&s->e, seen.size + headers(s));
}

static bool stopping(const struct search *s)
{
	return s->q->stop != NULL && atomic_load_explicit(s->q->stop, memory_order_relaxed);
}

/* Milliseconds to wait until then, at most a slice (a stop is seen). */
static int slice_ms(double until)
{
	int ms = clock_ms_until(until);

	return ms > PMTU_STOP_SLICE_MS ? PMTU_STOP_SLICE_MS : ms;
}

/* Until probe seq is no longer pending (0), an ICMP says it was too big
 * or until passes (1); -1 on an error. */
static int await(struct search *s, int seq, double until)
{
	char buf[PATH_REPORT_MAX + 1];
	union {
		struct cmsghdr align;
		char buf[4 * CMSG_SPACE(sizeof(int))];
	} ctrl;

	for (;;) {
		struct pollfd p = { .fd = s->fd, .events = POLLIN };
		struct iovec iov = {buf, sizeof buf - 1};
		struct msghdr m = {.msg_iov = &iov,
				   .msg_iovlen = 1,
				   .msg_control = ctrl.buf,
				   .msg_controllen = sizeof ctrl.buf};
		int rc;
		ssize_t n;

		if (s->e.state[seq] != PMTU_PENDING)
			return 0;
		if (s->e.icmp_mtu > 0 && s->e.icmp_mtu < s->e.size[seq])
			return 1;
		if (clock_now() >= until || stopping(s))
			return 1;
		rc = poll(&p, 1, slice_ms(until));
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			return -1;
		if (rc == 0)
			continue;
		/* an error queued: taken now, or poll() would say so at once again */
		if (p.revents & POLLERR) {
			take_errors(s);
			if (s->refused) {
				errno = ECONNREFUSED;
				return -1;
			}
			if (!(p.revents & POLLIN))
				continue;
		}
		n = recvmsg(s->fd, &m, MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0 && errno != EMSGSIZE && errno != ECONNREFUSED && errno != EHOSTUNREACH &&
		    errno != ENETUNREACH)
			return -1;
		if (n < 0) {
			take_errors(s);
			if (s->refused) {
				errno = ECONNREFUSED;
				return -1;
			}
			continue;
		}
		take_reply(s, buf, (size_t)n, &m);
	}
}

/* A reply awaited wait seconds from now, never past the deadline. */
static double until(const struct search *s, double wait)
{
	double u = clock_now() + wait;

	return u < s->deadline ? u : s->deadline;
}

static void pace(struct search *s)
{
	double until = s->last_send + PMTU_PACE_MS / 1000.0;

	while (clock_now() < until && !stopping(s)) {
		struct timespec ts = {0, (long)slice_ms(until) * 1000000L};

		if (nanosleep(&ts, NULL) < 0 && errno != EINTR)
			break;
	}
	s->last_send = clock_now();
}

/* The live line, the caller's: which size it tries. */
static void live(struct search *s, long size, long low)
{
	double now = clock_now();

	if (s->q->live == NULL || now - s->last_live < LIVE_EVERY)
		return;
	s->last_live = now;
	s->q->live(s->q->arg, size, low, s->e.n + 1, now - s->start);
}

/* Sends a probe of an IP packet of total bytes: its number, TOO_BIG
 * when this host will not send it, FAILED (errno). */
static int send_probe(struct search *s, long total)
{
	long payload = total - headers(s);
	int seq;

	s->buf[probemem_tag(s->buf, PROBEMEM_TAG_MAX, s->session, (unsigned)s->e.n)] = '.';
	pace(s);
	/* EMSGSIZE may be an ICMP's, pending on the socket since the last
	 * probe, not this host's refusal of this size: taken, then once more */
	for (int tries = 0; send(s->fd, s->buf, (size_t)payload, 0) < 0; tries++) {
		if (errno != EMSGSIZE)
			return FAILED;
		take_errors(s);
		if (s->e.local_mtu > 0 && s->e.local_mtu < total)
			return TOO_BIG;
		if (tries == 0)
			continue;
		s->e.local_mtu = total - 1;
		return TOO_BIG;
	}
	seq = pmtu_sent(&s->e, total);
	s->sent_at[seq] = s->last_send;
	return seq;
}

/* The smallest size every path takes (or that an ICMP or this host
 * named), until one arrives: 0, 1 when none did, 2 when the size named is
 * too small to probe, -1 on an error. */
static int first_arrival(struct search *s)
{
	long size = s->v6 ? FLOOR_V6 : FLOOR_V4;

	for (int tries = 0; tries < PMTU_FLOOR_TRIES && s->e.n < PMTU_SEQS &&
			    clock_now() < s->deadline && !stopping(s);) {
		int seq;

		if (s->e.icmp_mtu > 0 && s->e.icmp_mtu < size)
			size = s->e.icmp_mtu;
		if (s->e.local_mtu > 0 && s->e.local_mtu < size)
			size = s->e.local_mtu;
		if (size < PMTU_PROBE_MIN)
			return 2;
		live(s, size, -1);
		seq = send_probe(s, size);
		if (seq == FAILED)
			return -1;
		if (seq == TOO_BIG)
			continue;
		tries++;
		/* the first tries wait half the wait each */
		if (await(s, seq, until(s, s->q->wait / 2)) < 0)
			return -1;
		if (s->e.state[seq] == PMTU_ARRIVED) {
			/* later replies are awaited four round trips, within the wait */
			s->wait = 4 * (clock_now() - s->sent_at[seq]);
			s->wait = s->wait < TRY_WAIT_MIN ? TRY_WAIT_MIN : s->wait;
			s->wait = s->wait > s->q->wait ? s->q->wait : s->wait;
			return 0;
		}
	}
	return 1;
}

/* Sizes as pmtu_decide() says, until it decides or gives up, time runs
 * out or the probes do. 0 (*why set when undecided), or -1 on an error. */
static int search(struct search *s, struct pmtu_verdict *v, const char **why)
{
	for (;;) {
		double wait;
		int seq;

		pmtu_decide(&s->e, v);
		*why = v->why;
		if (v->next < 0)
			return 0;
		if (stopping(s)) {
			*why = "stopped";
			return 0;
		}
		if (clock_now() > s->deadline) {
			*why = "out of time";
			return 0;
		}
		if (s->e.n >= PMTU_SEQS) {
			*why = "out of probes";
			return 0;
		}
		live(s, v->next, v->low);
		seq = send_probe(s, v->next);
		if (seq == FAILED)
			return -1;
		/* a larger probe's report is awaited until the next may go: if
		 * it does not come, the next (a size that arrives) asks for the
		 * server's memory of it */
		wait = v->next > v->low && s->wait > PMTU_PACE_MS / 1000.0 ? PMTU_PACE_MS / 1000.0
									   : s->wait;
		if (seq >= 0 && await(s, seq, until(s, wait)) < 0)
			return -1;
	}
}

/* The search's failure, kept in r (why, and the interface MTU when
 * known); returns status. */
static int __attribute__((format(printf, 4, 5)))
failed(int fd, struct path_mtu *r, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->failure, sizeof r->failure, fmt, ap);
	va_end(ap);
	r->why = r->failure;
	if (fd >= 0 && r->local_mtu < 0)
		r->local_mtu = route_device_mtu(fd);
	return status;
}

static int report_failure(struct search *s, int rc, struct path_mtu *r)
{
	if (s->e.local_mtu > 0)
		r->local_mtu = s->e.local_mtu;
	r->probes = s->e.n;
	if (s->bad[0] != '\0')
		return failed(s->fd, r, EX_PROTOCOL,
			      "%s sent something that is not a path report: %s", s->q->peer,
			      s->bad);
	if (rc < 0 && errno == ECONNREFUSED)
		return failed(s->fd, r, EX_UNAVAILABLE,
			      "no path report service at %s over udp (refused): is [report] on in "
			      "the server's netechod.conf?",
			      s->q->peer);
	if (rc < 0)
		return failed(s->fd, r, EX_UNAVAILABLE, "probing %s: %s", s->q->peer,
			      strerror(errno));
	return failed(s->fd, r, EXIT_PARTIAL, "not even a %ld-byte probe brought a report from %s",
		      s->e.n > 0 ? s->e.size[s->e.n - 1] : (long)(s->v6 ? FLOOR_V6 : FLOOR_V4),
		      s->q->peer);
}

static void result(const struct search *s, const struct pmtu_verdict *v, const char *why,
		   struct path_mtu *r)
{
	r->pmtu = v->pmtu;
	r->local_mtu = s->e.local_mtu > 0 ? s->e.local_mtu : PMTU_LARGEST;
	r->icmp_mtu = s->e.icmp_mtu;
	r->black_hole = v->black_hole;
	r->low = v->low;
	r->bound = v->bound;
	r->loss = v->loss;
	r->probes = s->e.n;
	r->vanished = v->vanished;
	r->why = v->pmtu >= 0 ? NULL : why;
	r->nicmp = s->nicmp;
	memcpy(r->icmp, s->icmp, sizeof s->icmp);
	r->back = s->back;
}

/* The socket, the buffer and the session; then the search. */
static int run(struct search *s, struct path_mtu *r)
{
	struct pmtu_verdict v;
	const char *why = NULL;
	int rc;

	if (getrandom(&s->session, sizeof s->session, 0) != (ssize_t)sizeof s->session)
		return failed(s->fd, r, EX_OSERR, "no random session id: %s", strerror(errno));
	s->buf = malloc(PMTU_LARGEST);
	if (s->buf == NULL)
		return failed(s->fd, r, EX_OSERR, "out of memory");
	memset(s->buf, '.', PMTU_LARGEST);
	s->start = clock_now();
	s->deadline = s->start + PMTU_BUDGET;
	if (s->end > 0 && s->end < s->deadline)
		s->deadline = s->end;
	rc = first_arrival(s);
	if (rc == 0)
		rc = search(s, &v, &why);
	if (s->q->live_end != NULL && s->last_live > 0)
		s->q->live_end(s->q->arg);
	free(s->buf);
	if (rc == 2) {
		/* an ICMP named an MTU too small to probe */
		pmtu_decide(&s->e, &v);
		result(s, &v, "an MTU too small for a probe and its report", r);
		return 0;
	}
	if (rc != 0)
		return report_failure(s, rc, r);
	result(s, &v, why, r);
	return 0;
}

/* Sets a probe socket's marks before it connects: TTL, TOS, DF on
 * every probe whatever the cached path MTU, ICMP errors queued. 0, or -1
 * with errno. */
static int marks(int fd, void *arg)
{
	const struct pmtu_search *q = arg;
	bool v6 = q->addr->ss.ss_family == AF_INET6;
	int on = 1, disc = v6 ? IPV6_PMTUDISC_PROBE : IP_PMTUDISC_PROBE;
	int lvl = v6 ? IPPROTO_IPV6 : IPPROTO_IP;

	if (q->ttl >= 0 &&
	    setsockopt(fd, lvl, v6 ? IPV6_UNICAST_HOPS : IP_TTL, &q->ttl, sizeof q->ttl) < 0)
		return -1;
	if (q->tos >= 0 &&
	    setsockopt(fd, lvl, v6 ? IPV6_TCLASS : IP_TOS, &q->tos, sizeof q->tos) < 0)
		return -1;
	if (setsockopt(fd, lvl, v6 ? IPV6_MTU_DISCOVER : IP_MTU_DISCOVER, &disc, sizeof disc) < 0)
		return -1;
	if (q->back &&
	    (setsockopt(fd, lvl, v6 ? IPV6_RECVHOPLIMIT : IP_RECVTTL, &on, sizeof on) < 0 ||
	     setsockopt(fd, lvl, v6 ? IPV6_RECVTCLASS : IP_RECVTOS, &on, sizeof on) < 0))
		return -1;
	return setsockopt(fd, lvl, v6 ? IPV6_RECVERR : IP_RECVERR, &on, sizeof on);
}

int pmtu_search_run(const struct pmtu_search *q, struct path_mtu *r)
{
	struct search *s = calloc(1, sizeof *s);
	char err[NET_ERRLEN];
	int status;

	if (s == NULL)
		return failed(-1, r, EX_OSERR, "out of memory");
	s->q = q;
	s->v6 = q->addr->ss.ss_family == AF_INET6;
	s->end = q->end;
	s->e.local_mtu = s->e.icmp_mtu = -1;
	s->back = (struct pmtu_back)PMTU_BACK_UNKNOWN;
	s->wait = q->wait;
	s->fd = net_connect_with(q->addr, SOCK_DGRAM, marks, (void *)q, (int)(q->wait * 1000), err,
				 sizeof err);
	if (s->fd < 0) {
		free(s);
		return failed(-1, r, EX_UNAVAILABLE, "%s", err);
	}
	status = run(s, r);
	close(s->fd);
	free(s);
	return status;
}
