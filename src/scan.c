/* scan.c: netecho --scan (see scan.h).
 *
 * One epoll loop keeps at most o->parallel probes in flight, each a
 * non-blocking socket with a deadline. TCP: connect; once connected, send
 * "netecho scan PORT\n" and read what comes back until a newline, 256
 * bytes, the end of the connection or the deadline. UDP: a connected
 * socket sends the probe (again at half the wait, in case it was lost)
 * and reads a reply or the ICMP error the kernel reports for it. */
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

#define REPLY_MAX   256         /* bytes of a TCP reply looked at */
#define EVENTS      64
#define SCAN_FDS_SPARE 16       /* descriptors kept beyond the probes' */

enum state { IDLE, CONNECTING, READING };
enum verdict { OPEN, REFUSED, FILTERED };
enum reply { SILENT, ECHOES, ANSWERS };   /* what an open port sent back */

struct result {
	unsigned char verdict;          /* enum verdict */
	unsigned char reply;            /* enum reply, for an open port */
	unsigned char unreachable;      /* refused by an ICMP unreachable, not a reset */
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

static void finish(struct scan *s, struct probe *p, enum verdict v, enum reply r, bool unreachable)
{
	struct result *res = &s->results[p->index];

	res->verdict = (unsigned char)v;
	res->reply = (unsigned char)r;
	res->unreachable = unreachable;
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
		finish(s, p, REFUSED, SILENT, false);
		break;
	case EHOSTUNREACH:
	case ENETUNREACH:
	case EACCES:
	case EPERM:
	case ENETDOWN:
	case EHOSTDOWN:
	case EPROTO:
		finish(s, p, REFUSED, SILENT, true);
		break;
	default:                        /* ETIMEDOUT and the like: nothing came back */
		finish(s, p, FILTERED, SILENT, false);
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
		finish(s, p, OPEN, SILENT, false);
}

/* Starts the probe of the next port; false when no socket can be made. */
static bool start(struct scan *s, struct probe *p)
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
		return false;
	s->inflight++;
	p->deadline = clock_now() + s->o->wait;
	if (connect(p->fd, (struct sockaddr *)&a.ss, a.len) < 0 && errno != EINPROGRESS) {
		failed(s, p, errno);
		return true;
	}
	if (s->o->udp) {
		ev.events = EPOLLIN;
		p->state = READING;
		p->resend = clock_now() + s->o->wait / 2;
		if (send(p->fd, s->udp_probe, SCAN_UDP_PROBE, MSG_DONTWAIT) < 0) {
			failed(s, p, errno);
			return true;
		}
	} else {
		ev.events = EPOLLOUT;
		p->state = CONNECTING;
	}
	if (epoll_ctl(s->ep, EPOLL_CTL_ADD, p->fd, &ev) < 0) {
		finish(s, p, FILTERED, SILENT, false);
		return false;
	}
	return true;
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
		/* a line came (or as much as is looked at), or the end */
		if (n <= 0 || memchr(p->got, '\n', p->gotlen) != NULL ||
		    p->gotlen == sizeof p->got) {
			bool echoes = memmem(p->got, p->gotlen, p->sent, p->sentlen) != NULL;

			finish(s, p, OPEN,
			       echoes	       ? ECHOES
			       : p->gotlen > 0 ? ANSWERS
					       : SILENT,
			       false);
			return;
		}
	}
}

static void on_udp(struct scan *s, struct probe *p)
{
	ssize_t n = recv(p->fd, p->got, sizeof p->got, MSG_DONTWAIT | MSG_TRUNC);

	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			failed(s, p, errno);
		return;
	}
	finish(s, p, OPEN,
	       n == SCAN_UDP_PROBE && memcmp(p->got, s->udp_probe, sizeof p->got) == 0 ? ECHOES
											: ANSWERS,
	       false);
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
				finish(s, p, FILTERED, SILENT, false);
			else
				finish(s, p, OPEN, p->gotlen > 0 ? ANSWERS : SILENT, false);
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

/* The probes, until every port has its verdict. -1 on a system error. */
static int probe_all(struct scan *s)
{
	struct epoll_event ev[EVENTS];

	while (s->done < s->o->nports) {
		double now = clock_now(), soonest = now + 1;
		int n;

		for (long i = 0; i < s->parallel && s->next < s->o->nports; i++)
			if (s->probes[i].state == IDLE && !start(s, &s->probes[i]))
				return -1;
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

static const char *const verdicts[] = { "open", "refused", "filtered" };

/* What more there is to say of a verdict: whether an open port echoed,
 * whether a refusal was an ICMP unreachable (a reset, and ICMP's port
 * unreachable, both come as ECONNREFUSED: they are "refused" alone). */
static const char *detail(const struct result *r)
{
	if (r->verdict == OPEN)
		return r->reply == ECHOES ? " (echoes)" : r->reply == ANSWERS ? " (answers)" : "";
	if (r->verdict == REFUSED && r->unreachable)
		return " (unreachable)";   /* an ICMP unreachable other than port's */
	return "";
}

static bool same(const struct result *a, const struct result *b)
{
	return a->verdict == b->verdict && a->reply == b->reply && a->unreachable == b->unreachable;
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
		    printf(" %s%s%s\n", verdicts[s->results[i].verdict], detail(&s->results[i]),
			   s->results[i].verdict == FILTERED ? " (nothing came back)" : "") < 0)
			return -1;
		i = j + 1;
	}
	if (printf("%zu open, %zu refused, %zu filtered\n", s->counts[OPEN], s->counts[REFUSED],
		   s->counts[FILTERED]) < 0)
		return -1;
	if (o->udp && s->counts[FILTERED] == o->nports &&
	    printf("(a UDP port shows open only where something answers: against netechod, "
		   "[udp] echo = yes, or the path report's port)\n") < 0)
		return -1;
	return 0;
}

static int json(const struct scan *s)
{
	const struct scan_options *o = s->o;

	if (printf("{\"host\":\"%s\",\"proto\":\"%s\",\"open\":%zu,\"refused\":%zu,"
		   "\"filtered\":%zu,\"ports\":[",
		   o->host, o->udp ? "udp" : "tcp", s->counts[OPEN], s->counts[REFUSED],
		   s->counts[FILTERED]) < 0)
		return -1;
	for (size_t i = 0; i < o->nports; i++) {
		const struct result *r = &s->results[i];

		if (printf("%s{\"port\":%u,\"state\":\"%s\"", i ? "," : "", o->ports[i],
			   verdicts[r->verdict]) < 0 ||
		    (r->verdict == OPEN &&
		     printf(",\"echoes\":%s,\"answers\":%s", r->reply == ECHOES ? "true" : "false",
			    r->reply != SILENT ? "true" : "false") < 0) ||
		    (r->verdict == REFUSED &&
		     printf(",\"by\":\"%s\"", r->unreachable ? "unreachable" : "refused") < 0) ||
		    printf("}") < 0)
			return -1;
	}
	return printf("]}\n") < 0 ? -1 : 0;
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
	if (probe_all(&s) < 0) {
		fprintf(stderr, "netecho: --scan: %s\n", strerror(errno));
		goto out;
	}
	if ((o->json ? json(&s) : text(&s)) < 0 || fflush(stdout) == EOF) {
		fprintf(stderr, "netecho: standard output: %s\n", strerror(errno));
		status = EX_IOERR;
		goto out;
	}
	status = s.counts[OPEN] == o->nports ? 0 : 1;
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
