/* scan.c: netecho --scan (see scan.h).
 *
 * One epoll loop keeps at most o->parallel probes in flight, each a
 * non-blocking socket with a deadline. TCP: connect; once connected, send
 * "netecho scan PORT\n" and read what comes back until that line comes
 * back (it echoes, whatever came before it: a greeting, a reply prefix),
 * REPLY_MAX bytes came without it, the connection ends or the deadline
 * passes. UDP: a connected socket sends the probe (again at half the wait,
 * in case it was lost) and reads a reply or the ICMP error the kernel
 * reports for it.
 *
 * A probe to a free port of the local ephemeral range may be given that
 * very port as its source and connect to itself (TCP's simultaneous open;
 * a UDP socket receiving its own datagram). The kernel never picks a
 * source port that a socket is bound to, so nothing listens there: such a
 * probe is told at connect() and called refused (self-connect), never
 * open.
 *
 * It must not have more than o->parallel probes in flight, nor wait for
 * one past its deadline. */
#include "scan.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <unistd.h>

#include "clock.h"
#include "parse.h"

/* Bytes of a TCP reply looked at for the probe's line: room for a greeting
 * and a reply prefix (netechod's greeting and reply_prefix, 256 bytes
 * each) before it. */
#define REPLY_MAX   1024
#define EVENTS      64
#define SCAN_FDS_SPARE 16       /* descriptors kept beyond the probes' */

enum state { IDLE, CONNECTING, READING };
enum verdict { OPEN, REFUSED, FILTERED };
enum reply { SILENT, ECHOES, ANSWERS };   /* what an open port sent back */
/* How a port was refused: a reset (or ICMP port unreachable), another ICMP
 * unreachable, or the probe connected to itself (nothing listens). */
enum refusal { BY_RESET, BY_UNREACHABLE, BY_SELF };

struct result {
	unsigned char verdict;          /* enum verdict */
	unsigned char reply;            /* enum reply, for an open port */
	unsigned char by;               /* enum refusal, for a refused port */
};

struct probe {
	int fd;
	size_t index;                   /* of the port */
	enum state state;
	double deadline, resend;        /* resend: UDP's second datagram, 0 once sent */
	char sent[64];                  /* TCP: the line sent */
	size_t sentlen;
	char got[REPLY_MAX];
	size_t gotlen;
};

struct scan {
	const struct scan_options *o;
	int ep;
	long parallel;                  /* probes at once: o->parallel, or what descriptors allow */
	struct probe *probes;           /* parallel of them */
	struct result *results;
	size_t next, done, inflight;
	size_t counts[3];
	char *udp_probe;                /* SCAN_UDP_PROBE bytes */
	double last_progress;
};

static void finish(struct scan *s, struct probe *p, enum verdict v, enum reply r, enum refusal by)
{
	struct result *res = &s->results[p->index];

	res->verdict = (unsigned char)v;
	res->reply = (unsigned char)r;
	res->by = (unsigned char)by;
	s->counts[v]++;
	s->done++;
	s->inflight--;
	close(p->fd);
	p->fd = -1;
	p->state = IDLE;
}

/* A connection or a datagram refused, unreachable, or not answered. */
static void failed(struct scan *s, struct probe *p, int err)
{
	switch (err) {
	case ECONNREFUSED:
		finish(s, p, REFUSED, SILENT, BY_RESET);
		break;
	case EHOSTUNREACH:
	case ENETUNREACH:
	case EACCES:
	case EPERM:
	case ENETDOWN:
	case EHOSTDOWN:
	case EPROTO:
		finish(s, p, REFUSED, SILENT, BY_UNREACHABLE);
		break;
	default:                        /* ETIMEDOUT and the like: nothing came back */
		finish(s, p, FILTERED, SILENT, BY_RESET);
		break;
	}
}

static void send_line(struct scan *s, struct probe *p)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = p };

	p->sentlen = (size_t)snprintf(p->sent, sizeof p->sent, "netecho scan %u\n",
				      s->o->ports[p->index]);
	p->state = READING;
	p->deadline = clock_now() + s->o->wait;
	/* a send that fails leaves a port open that did not take a line */
	if (send(p->fd, p->sent, p->sentlen, MSG_NOSIGNAL | MSG_DONTWAIT) < 0 ||
	    epoll_ctl(s->ep, EPOLL_CTL_MOD, p->fd, &ev) < 0)
		finish(s, p, OPEN, SILENT, BY_RESET);
}

/* Did the probe get the port it probes as its own source: connected to
 * itself? Told at connect(), which has chosen the source by then. */
static bool self_connected(int fd, const struct net_addr *to)
{
	struct net_addr me;

	return net_local_addr(fd, &me) == 0 && net_same_addr(&me, to, false);
}

/* A self-connected probe's end: a TCP socket is closed with a reset, so
 * that no TIME_WAIT keeps its port from the probes after it (without the
 * reset, only that). */
static void end_self(struct scan *s, struct probe *p)
{
	static const struct linger now = { .l_onoff = 1, .l_linger = 0 };

	if (!s->o->udp && setsockopt(p->fd, SOL_SOCKET, SO_LINGER, &now, sizeof now) < 0)
		fprintf(stderr, "netecho: --scan: SO_LINGER: %s\n", strerror(errno));
	finish(s, p, REFUSED, SILENT, BY_SELF);
}

enum start { STARTED, NO_PORT, NO_SOCKET };

/* Starts the probe of the next port: NO_SOCKET when no socket can be made;
 * NO_PORT, the port left for later, when no local port is free (each taken
 * by a probe still running, or a TIME_WAIT). */
static enum start start(struct scan *s, struct probe *p)
{
	struct net_addr a = s->o->addr;
	struct epoll_event ev = { .data.ptr = p };
	int type = s->o->udp ? SOCK_DGRAM : SOCK_STREAM;

	p->index = s->next++;
	p->gotlen = 0;
	p->resend = 0;
	net_set_port(&a, s->o->ports[p->index]);
	p->fd = socket(a.ss.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (p->fd < 0)
		return NO_SOCKET;
	s->inflight++;
	p->deadline = clock_now() + s->o->wait;
	if (connect(p->fd, (struct sockaddr *)&a.ss, a.len) < 0 && errno != EINPROGRESS) {
		if (errno == EAGAIN || errno == EADDRNOTAVAIL) {
			close(p->fd);
			p->fd = -1;
			s->inflight--;
			s->next--;
			return NO_PORT;
		}
		failed(s, p, errno);
		return STARTED;
	}
	if (self_connected(p->fd, &a)) {
		end_self(s, p);
		return STARTED;
	}
	if (s->o->udp) {
		ev.events = EPOLLIN;
		p->state = READING;
		p->resend = clock_now() + s->o->wait / 2;
		if (send(p->fd, s->udp_probe, SCAN_UDP_PROBE, MSG_DONTWAIT) < 0) {
			failed(s, p, errno);
			return STARTED;
		}
	} else {
		ev.events = EPOLLOUT;
		p->state = CONNECTING;
	}
	if (epoll_ctl(s->ep, EPOLL_CTL_ADD, p->fd, &ev) < 0) {
		finish(s, p, FILTERED, SILENT, BY_RESET);
		return NO_SOCKET;
	}
	return STARTED;
}

static void on_tcp(struct scan *s, struct probe *p)
{
	if (p->state == CONNECTING) {
		int err = 0;
		socklen_t len = sizeof err;

		if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		if (err != 0)
			failed(s, p, err);
		else
			send_line(s, p);
		return;
	}
	for (;;) {
		ssize_t n =
			recv(p->fd, p->got + p->gotlen, sizeof p->got - p->gotlen, MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;                 /* more may come: until the deadline */
		if (n > 0)
			p->gotlen += (size_t)n;
		/* the line sent came back: it echoes, whatever came before it */
		if (memmem(p->got, p->gotlen, p->sent, p->sentlen) != NULL) {
			finish(s, p, OPEN, ECHOES, BY_RESET);
			return;
		}
		/* the end, or as much as is looked at without the line */
		if (n <= 0 || p->gotlen == sizeof p->got) {
			finish(s, p, OPEN, p->gotlen > 0 ? ANSWERS : SILENT, BY_RESET);
			return;
		}
	}
}

static void on_udp(struct scan *s, struct probe *p)
{
	/* the probe's bytes compared: as many as got holds (all of them) */
	static const size_t compared = SCAN_UDP_PROBE < REPLY_MAX ? SCAN_UDP_PROBE : REPLY_MAX;
	ssize_t n = recv(p->fd, p->got, sizeof p->got, MSG_DONTWAIT | MSG_TRUNC);

	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			failed(s, p, errno);
		return;
	}
	finish(s, p, OPEN,
	       n == SCAN_UDP_PROBE && memcmp(p->got, s->udp_probe, compared) == 0 ? ECHOES
										   : ANSWERS,
	       BY_RESET);
}

/* Deadlines passed, and UDP's second datagram due. */
static void on_time(struct scan *s, double now)
{
	for (long i = 0; i < s->parallel; i++) {
		struct probe *p = &s->probes[i];

		if (p->state == IDLE)
			continue;
		if (now >= p->deadline) {
			if (p->state == CONNECTING || s->o->udp)
				finish(s, p, FILTERED, SILENT, BY_RESET);
			else
				finish(s, p, OPEN, p->gotlen > 0 ? ANSWERS : SILENT, BY_RESET);
		} else if (p->resend > 0 && now >= p->resend) {
			p->resend = 0;
			if (send(p->fd, s->udp_probe, SCAN_UDP_PROBE, MSG_DONTWAIT) < 0 &&
			    errno != EAGAIN)
				failed(s, p, errno);
		}
	}
}

static void progress(struct scan *s, bool last)
{
	double now = clock_now();

	if (!s->o->progress || (!last && now - s->last_progress < 0.1))
		return;
	s->last_progress = now;
	if (last)
		fprintf(stderr, "\r%60s\r", "");
	else
		fprintf(stderr, "\rscan: %zu/%zu ports, %zu open, %zu refused, %zu filtered ",
			s->done, s->o->nports, s->counts[OPEN], s->counts[REFUSED],
			s->counts[FILTERED]);
}

/* The probes, until every port has its verdict. -1 on a system error, -2
 * when no local port is free for a probe (said). */
static int probe_all(struct scan *s)
{
	struct epoll_event ev[EVENTS];

	while (s->done < s->o->nports) {
		double now = clock_now(), soonest = now + 1;
		int n;

		enum start started = STARTED;

		for (long i = 0; i < s->parallel && s->next < s->o->nports && started == STARTED;
		     i++)
			if (s->probes[i].state == IDLE)
				started = start(s, &s->probes[i]);
		if (started == NO_SOCKET)
			return -1;
		if (started == NO_PORT && s->inflight == 0) {
			fprintf(stderr,
				"netecho: --scan: no local port is free for a probe (see net.ipv4.ip_local_port_range)\n");
			return -2;
		}
		for (long i = 0; i < s->parallel; i++) {
			const struct probe *p = &s->probes[i];

			if (p->state != IDLE && p->deadline < soonest)
				soonest = p->deadline;
			if (p->state != IDLE && p->resend > 0 && p->resend < soonest)
				soonest = p->resend;
		}
		n = epoll_wait(s->ep, ev, EVENTS,
			       s->inflight > 0 ? clock_ms_until(soonest) + 1 : 0);
		if (n < 0 && errno != EINTR)
			return -1;
		for (int i = 0; i < n; i++) {
			struct probe *p = ev[i].data.ptr;

			if (p->state == IDLE)
				continue;       /* finished by an earlier event */
			if (s->o->udp)
				on_udp(s, p);
			else
				on_tcp(s, p);
		}
		on_time(s, clock_now());
		progress(s, false);
	}
	progress(s, true);
	return 0;
}

/* --- the report -------------------------------------------------------- */

/* A verdict's name: a UDP port that sends nothing back is "open|filtered",
 * as nmap says: a service that does not answer looks exactly like a drop. */
static const char *verdict_name(const struct scan *s, unsigned char v)
{
	static const char *const names[] = { "open", "refused", "filtered" };

	return v == FILTERED && s->o->udp ? "open|filtered" : names[v];
}

/* What refused a port, in --json's "refused_by": over TCP a reset and an
 * ICMP port unreachable both come as ECONNREFUSED, over UDP only the ICMP;
 * another ICMP unreachable; or the probe's own socket. */
static const char *refused_by(const struct scan *s, unsigned char by)
{
	if (by == BY_RESET)
		return s->o->udp ? "port-unreachable" : "reset-or-port-unreachable";
	return by == BY_UNREACHABLE ? "other-unreachable" : "self-connect";
}

/* What more there is to say of a verdict: whether an open port echoed,
 * whether a refusal was an ICMP unreachable, or the probe's own socket. */
static const char *detail(const struct result *r)
{
	if (r->verdict == OPEN)
		return r->reply == ECHOES ? " (echoes)" : r->reply == ANSWERS ? " (answers)" : "";
	if (r->verdict == REFUSED && r->by == BY_UNREACHABLE)
		return " (unreachable)";   /* an ICMP unreachable other than port's */
	if (r->verdict == REFUSED && r->by == BY_SELF)
		return " (self-connect)";  /* nothing listens: the probe met itself */
	return "";
}

static bool same(const struct result *a, const struct result *b)
{
	return a->verdict == b->verdict && a->reply == b->reply && a->by == b->by;
}

static int text(const struct scan *s)
{
	const struct scan_options *o = s->o;

	if (printf("scan of %s, %zu %s port%s\n", o->host, o->nports, o->udp ? "udp" : "tcp",
		   o->nports == 1 ? "" : "s") < 0)
		return -1;
	for (size_t i = 0; i < o->nports;) {
		size_t j = i;

		/* a run of consecutive ports with the same verdict */
		while (j + 1 < o->nports && o->ports[j + 1] == o->ports[j] + 1 &&
		       same(&s->results[j + 1], &s->results[i]))
			j++;
		if ((j > i ? printf("  %u-%u", o->ports[i], o->ports[j])
			   : printf("  %u", o->ports[i])) < 0 ||
		    printf(" %s%s%s\n", verdict_name(s, s->results[i].verdict),
			   detail(&s->results[i]),
			   s->results[i].verdict != FILTERED ? ""
			   : o->udp ? " (nothing came back: a silent service, or dropped)"
				    : " (nothing came back)") < 0)
			return -1;
		i = j + 1;
	}
	if (printf("%zu open, %zu refused, %zu %s\n", s->counts[OPEN], s->counts[REFUSED],
		   s->counts[FILTERED], verdict_name(s, FILTERED)) < 0)
		return -1;
	if (o->udp && s->counts[FILTERED] == o->nports &&
	    printf("(a UDP port shows open only where something answers: against netechod, [udp] echo = yes, or the path report's port)\n") <
		    0)
		return -1;
	return 0;
}

static int json(const struct scan *s)
{
	const struct scan_options *o = s->o;

	if (printf("{\"host\":\"%s\",\"proto\":\"%s\",\"open\":%zu,\"refused\":%zu,\"%s\":%zu,\"ports\":[",
		   o->host, o->udp ? "udp" : "tcp", s->counts[OPEN], s->counts[REFUSED],
		   o->udp ? "open_or_filtered" : "filtered", s->counts[FILTERED]) < 0)
		return -1;
	for (size_t i = 0; i < o->nports; i++) {
		const struct result *r = &s->results[i];

		if (printf("%s{\"port\":%u,\"state\":\"%s\"", i ? "," : "", o->ports[i],
			   verdict_name(s, r->verdict)) < 0 ||
		    (r->verdict == OPEN &&
		     printf(",\"echoes\":%s,\"answers\":%s", r->reply == ECHOES ? "true" : "false",
			    r->reply != SILENT ? "true" : "false") < 0) ||
		    (r->verdict == REFUSED &&
		     printf(",\"refused_by\":\"%s\"", refused_by(s, r->by)) < 0) ||
		    printf("}") < 0)
			return -1;
	}
	return printf("]}\n") < 0 ? -1 : 0;
}

int scan_expect_parse(const char *spec, unsigned char *want, char *err, size_t errlen)
{
	static const char *const states[] = { "open", "refused", "filtered", "open|filtered" };
	unsigned short *ports = malloc(SCAN_PORTS_MAX * sizeof *ports);
	const char *p = spec;
	int rc = 0;

	if (ports == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	while (rc == 0 && *(p += strspn(p, " ")) != '\0') {
		size_t len = strcspn(p, " "), colon = strcspn(p, ":"), n = 0, st = 0;

		while (st < 4 && (strlen(states[st]) != colon || strncmp(p, states[st], colon) != 0))
			st++;
		if (colon >= len || st == 4) {
			snprintf(err, errlen, "%.*s: not STATE:PORTS (open, refused, filtered or open|filtered)",
				 (int)(len < 40 ? len : 40), p);
			rc = -1;
		} else if (parse_ports(p + colon + 1, len - colon - 1, ports, SCAN_PORTS_MAX, &n, err,
				       errlen) < 0) {
			rc = -1;
		}
		for (size_t i = 0; rc == 0 && i < n; i++)
			want[ports[i]] = (unsigned char)(1 + (st == 3 ? FILTERED : st));
		p += len;
	}
	free(ports);
	return rc;
}

/* --expect: every port named has the state it should; what differs is
 * said, ten lines at most. Returns 0, or 1. */
static int check_expected(const struct scan *s)
{
	const struct scan_options *o = s->o;
	size_t wrong = 0;

	for (size_t i = 0; i < o->nports; i++) {
		unsigned char want = o->expect[o->ports[i]];

		if (want == 0 || want - 1 == s->results[i].verdict)
			continue;
		if (++wrong <= 10)
			fprintf(stderr, "netecho: --expect: port %u is %s, not %s\n", o->ports[i],
				verdict_name(s, s->results[i].verdict), verdict_name(s, want - 1));
	}
	if (wrong > 10)
		fprintf(stderr, "netecho: --expect: %zu ports in all are not as expected\n", wrong);
	return wrong > 0 ? 1 : 0;
}

/* Raises the descriptor limit to fit parallel probes and a few more;
 * returns how many probes it leaves room for (saying so when fewer). */
static long fit_descriptors(long parallel)
{
	struct rlimit rl;
	rlim_t need = (rlim_t)parallel + SCAN_FDS_SPARE;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return parallel;
	if (rl.rlim_cur < need && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max < need ? rl.rlim_max : need;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0 && getrlimit(RLIMIT_NOFILE, &rl) < 0)
			return parallel;
	}
	if (rl.rlim_cur >= need)
		return parallel;
	parallel = rl.rlim_cur > SCAN_FDS_SPARE + 1 ? (long)(rl.rlim_cur - SCAN_FDS_SPARE) : 1;
	fprintf(stderr, "netecho: --scan: %ld probes at once (the descriptor limit, %lu)\n",
		parallel, (unsigned long)rl.rlim_cur);
	return parallel;
}

int scan_run(const struct scan_options *o)
{
	struct scan s = { .o = o, .ep = -1 };
	int status = EX_OSERR;

	s.parallel = fit_descriptors(o->parallel);
	s.probes = calloc((size_t)s.parallel, sizeof *s.probes);
	s.results = calloc(o->nports, sizeof *s.results);
	s.udp_probe = malloc(SCAN_UDP_PROBE);
	s.ep = epoll_create1(EPOLL_CLOEXEC);
	if (s.probes == NULL || s.results == NULL || s.udp_probe == NULL || s.ep < 0) {
		fprintf(stderr, "netecho: --scan: %s\n", strerror(errno ? errno : ENOMEM));
		goto out;
	}
	/* a marker the server's log shows, padded so that a report fits */
	memset(s.udp_probe, '.', SCAN_UDP_PROBE);
	memcpy(s.udp_probe, "netecho scan ", 13);
	for (long i = 0; i < s.parallel; i++)
		s.probes[i].fd = -1;
	switch (probe_all(&s)) {
	case -1:
		fprintf(stderr, "netecho: --scan: %s\n", strerror(errno));
		goto out;
	case -2:
		goto out;               /* said */
	}
	if ((o->json ? json(&s) : text(&s)) < 0 || fflush(stdout) == EOF) {
		fprintf(stderr, "netecho: standard output: %s\n", strerror(errno));
		status = EX_IOERR;
		goto out;
	}
	status = o->expect != NULL ? check_expected(&s) : s.counts[OPEN] == o->nports ? 0 : 1;
out:
	for (long i = 0; s.probes != NULL && i < s.parallel; i++)
		if (s.probes[i].fd >= 0)
			close(s.probes[i].fd);
	if (s.ep >= 0)
		close(s.ep);
	free(s.probes);
	free(s.results);
	free(s.udp_probe);
	return status;
}
