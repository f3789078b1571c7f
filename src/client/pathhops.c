/* pathhops.c: netecho --path --hops (see pathhops.h).
 *
 * It must not go past PATH_HOPS_MAX hops nor wait past its budget, and
 * names a hop only from the ICMP error that came back for it. */
#include "pathhops.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "icmp.h"
#include "outbuf.h"
#include "pathreport.h"

/* A socket for the probe of one hop: connected, its TTL set, ICMP errors
 * queued; Don't Fragment (whatever path MTU this host learnt) when df,
 * else never. -1 with errno. */
static int hop_socket(const struct path_options *o, int ttl, bool df)
{
	bool v6 = o->addr.ss.ss_family == AF_INET6;
	int lvl = v6 ? IPPROTO_IPV6 : IPPROTO_IP, on = 1, tos = 0, saved;
	int pmtu = df ? (v6 ? IPV6_PMTUDISC_PROBE : IP_PMTUDISC_PROBE)
		      : (v6 ? IPV6_PMTUDISC_DONT : IP_PMTUDISC_DONT);
	int fd = socket(o->addr.ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (o->dscp >= 0)
		tos = o->dscp << 2;
	if (setsockopt(fd, lvl, v6 ? IPV6_UNICAST_HOPS : IP_TTL, &ttl, sizeof ttl) < 0 ||
	    setsockopt(fd, lvl, v6 ? IPV6_RECVERR : IP_RECVERR, &on, sizeof on) < 0 ||
	    setsockopt(fd, lvl, v6 ? IPV6_MTU_DISCOVER : IP_MTU_DISCOVER, &pmtu, sizeof pmtu) < 0 ||
	    (tos > 0 && setsockopt(fd, lvl, v6 ? IPV6_TCLASS : IP_TOS, &tos, sizeof tos) < 0) ||
	    connect(fd, (const struct sockaddr *)&o->addr.ss, o->addr.len) < 0) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

/* Awaits what answers the probe on fd until the deadline: the report, or
 * an ICMP error. */
static void await_hop(int fd, const struct path_options *o, double until, struct path_hop *h)
{
	bool v6 = o->addr.ss.ss_family == AF_INET6;
	char buf[PATH_REPORT_MAX + 1], err[128];
	struct path_seen seen;
	struct icmp_seen ic;

	h->answer = HOP_SILENT;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int rc = poll(&p, 1, clock_ms_until(until));
		ssize_t n;

		if (rc < 0 && errno == EINTR)
			continue;
		if (rc <= 0)
			return;
		n = recv(fd, buf, sizeof buf - 1, MSG_DONTWAIT);
		if (n >= 0 && path_parse_report(buf, (size_t)n, &seen, err, sizeof err) == 0 &&
		    seen.udp) {
			h->answer = HOP_REACHED;
			net_format_host((const struct sockaddr *)&o->addr.ss, o->addr.len, h->from,
					sizeof h->from);
			return;
		}
		if (n >= 0 || errno == EINTR || errno == EAGAIN)
			continue;               /* not a report */
		/* the error the queue set: which ICMP, from whom */
		icmp_take(fd, &ic);
		if (!ic.have)
			continue;
		h->type = ic.type;
		h->code = ic.code;
		snprintf(h->from, sizeof h->from, "%s", ic.from);
		h->answer = icmp_expired(v6, ic.type) ? HOP_EXPIRED : HOP_UNREACHABLE;
		return;
	}
}

int path_trace(const struct path_options *o, struct path_trace *t)
{
	char *probe = malloc((size_t)o->size);
	double share = o->wait / 2 < PATH_HOPS_WAIT ? o->wait / 2 : PATH_HOPS_WAIT;
	int silent = 0;

	t->n = 0;
	t->reached = -1;
	t->exact = false;
	if (probe == NULL) {
		fprintf(stderr, "netecho: out of memory\n");
		return EX_OSERR;
	}
	memset(probe, '.', (size_t)o->size);
	for (int ttl = 1; ttl <= PATH_HOPS_MAX && silent < PATH_HOPS_SILENT; ttl++) {
		struct path_hop *h = &t->hop[t->n++];
		struct timespec pace = { 0, PATH_PACE_MS * 1000000L };
		int fd;

		/* under the report's rate (10 a second from one source), so that
		 * the probe that reaches is answered */
		while (nanosleep(&pace, &pace) < 0 && errno == EINTR)
			;
		fd = hop_socket(o, ttl, false);

		memset(h, 0, sizeof *h);
		if (fd < 0 || send(fd, probe, (size_t)o->size, 0) < 0) {
			fprintf(stderr, "netecho: --hops: probing %s with ttl %d: %s\n", o->peer,
				ttl, strerror(errno));
			if (fd >= 0)
				close(fd);
			free(probe);
			return EX_UNAVAILABLE;
		}
		await_hop(fd, o, clock_now() + share, h);
		close(fd);
		silent = h->answer == HOP_SILENT ? silent + 1 : 0;
		if (h->answer == HOP_REACHED) {
			t->reached = ttl;
			/* the count, when the hop before said it was too few */
			t->exact = ttl == 1 || t->hop[ttl - 2].answer == HOP_EXPIRED;
			break;
		}
		if (h->answer == HOP_UNREACHABLE)
			break;
	}
	free(probe);
	return 0;
}

void path_mtu_hops(struct path_mtu *m, const struct path_trace *t)
{
	m->traced = true;
	for (int i = 0; i < m->nicmp; i++)
		for (int h = 0; h < t->n && m->icmp[i].hop < 0; h++)
			if (t->hop[h].answer == HOP_EXPIRED &&
			    strcmp(t->hop[h].from, m->icmp[i].from) == 0)
				m->icmp[i].hop = h + 1;
}

/* Whether a Don't Fragment probe of payload bytes sent with ttl is
 * answered "time exceeded" (by hop ttl: it got there), in up to
 * PATH_MTU_HOLE_TRIES tries (loss, an ICMP rate limit): 1 (from set), 0, or
 * -1 (errno) when it could not be sent. */
static int reaches(const struct path_options *o, const char *probe, size_t payload, int ttl,
		   char *from, size_t fromsize)
{
	double share = o->wait / 2 < PATH_HOPS_WAIT ? o->wait / 2 : PATH_HOPS_WAIT;

	for (int i = 0; i < PATH_MTU_HOLE_TRIES; i++) {
		struct timespec pace = { 0, PATH_PACE_MS * 1000000L };
		struct path_hop h;
		int fd, saved;

		while (nanosleep(&pace, &pace) < 0 && errno == EINTR)
			;
		fd = hop_socket(o, ttl, true);
		if (fd < 0 || send(fd, probe, payload, 0) < 0) {
			saved = errno;
			if (fd >= 0)
				close(fd);
			errno = saved;
			return -1;
		}
		memset(&h, 0, sizeof h);
		await_hop(fd, o, clock_now() + share, &h);
		close(fd);
		if (h.answer == HOP_EXPIRED) {
			snprintf(from, fromsize, "%s", h.from);
			return 1;
		}
	}
	return 0;
}

void path_locate_hole(const struct path_options *o, const struct path_trace *t,
		      struct path_mtu *m)
{
	int routers = t->reached > 0 ? t->reached - 1 : t->n;
	size_t payload;
	char *probe;

	m->hole_after = m->hole_next = -1;
	m->hole_why = NULL;
	if (m->black_hole != 1 || m->pmtu <= 0)
		return;
	/* the smallest size that vanishes, headers and all */
	payload = (size_t)(m->pmtu + 1 - (o->addr.ss.ss_family == AF_INET6 ? 48 : 28));
	probe = malloc(payload);
	if (probe == NULL) {
		m->hole_why = "out of memory";
		return;
	}
	memset(probe, '.', payload);
	m->hole_after = 0;
	for (int ttl = 1; ttl <= routers && ttl <= t->n; ttl++) {
		int rc;

		/* a hop silent to small probes tells nothing of big ones */
		if (t->hop[ttl - 1].answer != HOP_EXPIRED)
			continue;
		rc = reaches(o, probe, payload, ttl, m->hole_from, sizeof m->hole_from);
		if (rc < 0) {
			m->hole_why = "a probe of that size could not be sent";
			break;
		}
		if (rc == 0) {
			m->hole_next = ttl;
			break;
		}
		m->hole_after = ttl;
	}
	free(probe);
	if (m->hole_why == NULL && m->hole_after == 0)
		m->hole_why = routers == 0 ? "no router answered --hops"
					   : "no hop answered a probe of the size that vanishes "
					     "(the first link, or loss)";
	if (m->hole_why != NULL)
		m->hole_after = -1;
}

size_t path_trace_text(char *buf, size_t size, const struct path_trace *t, int v6)
{
	struct outbuf o;
	int last = t->n;

	outbuf_start(&o, buf, size);
	/* the silent hops that ended it are said once */
	while (last > 0 && t->hop[last - 1].answer == HOP_SILENT)
		last--;
	if (t->reached > 0 && t->exact)
		outbuf_add(&o, "hops there: %d (routers; a %s of %d reaches the report service)\n",
			   t->reached - 1, v6 ? "hop limit" : "ttl", t->reached);
	else if (t->reached > 0)
		outbuf_add(&o, "hops there: at most %d (routers; a %s of %d reaches the report service; hop %d did not answer)\n",
			   t->reached - 1, v6 ? "hop limit" : "ttl", t->reached, t->reached - 1);
	else
		outbuf_add(&o, "hops there: unknown (the report service was not reached)\n");
	for (int i = 0; i < last; i++) {
		const struct path_hop *h = &t->hop[i];

		if (h->answer == HOP_SILENT)
			outbuf_add(&o, "  hop %d: no answer\n", i + 1);
		else if (h->answer == HOP_REACHED)
			outbuf_add(&o, "  hop %d: %s (the report service)\n", i + 1, h->from);
		else
			outbuf_add(&o, "  hop %d: %s (ICMP %s)\n", i + 1, h->from,
				   icmp_name(v6, h->type, h->code));
	}
	if (last < t->n)
		outbuf_add(&o, "  hop %d on: no answer (the last that answered was hop %d%s%s)\n",
			   last + 1, last, last > 0 ? ", " : "",
			   last > 0 ? t->hop[last - 1].from : "");
	return o.len;
}

size_t path_trace_json(char *buf, size_t size, const struct path_trace *t, int v6)
{
	static const char *const answers[] = { "none", "time exceeded", "unreachable",
					       "report" };
	struct outbuf o;

	outbuf_start(&o, buf, size);
	if (t->reached > 0 && t->exact)
		outbuf_add(&o, "\"hops_there\":%d,", t->reached - 1);
	else
		outbuf_add(&o, "\"hops_there\":null,");
	if (t->reached > 0)
		outbuf_add(&o, "\"hops_there_at_most\":%d,\"trace\":[", t->reached - 1);
	else
		outbuf_add(&o, "\"hops_there_at_most\":null,\"trace\":[");
	for (int i = 0; i < t->n; i++) {
		const struct path_hop *h = &t->hop[i];

		outbuf_add(&o, "%s{\"hop\":%d,\"answer\":\"%s\",\"from\":", i ? "," : "", i + 1,
			   answers[h->answer]);
		if (h->answer == HOP_SILENT)
			outbuf_add(&o, "null,\"icmp\":null}");
		else if (h->answer == HOP_REACHED)
			outbuf_add(&o, "\"%s\",\"icmp\":null}", h->from);
		else
			outbuf_add(&o, "\"%s\",\"icmp\":\"%s\"}", h->from,
				   icmp_name(v6, h->type, h->code));
	}
	outbuf_add(&o, "]");
	return o.len;
}

void path_trace_out(struct outbuf *r, const struct path_options *o, const struct path_trace *t)
{
	int v6 = o->addr.ss.ss_family == AF_INET6;

	if (o->json) {
		outbuf_add(r, ",");
		r->len += path_trace_json(r->buf + r->len, r->size - r->len, t, v6);
	} else {
		r->len += path_trace_text(r->buf + r->len, r->size - r->len, t, v6);
	}
}
