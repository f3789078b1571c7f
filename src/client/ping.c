/* ping.c: netecho's ping mode (see ping.h). COUNT probes (or until SIGINT),
 * one at a time, each timed to its reply: the line ending with the probe's
 * "seq=N", or with --connect a TCP handshake on a new connection. It owns
 * the probes, the replies' lines, SIGINT while it runs (a signalfd: the
 * signal ends the run with the summary) and the summary; never the
 * socket of the echo probes, which its caller opened and closes. */
#include "ping.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"

#define TAIL_KEPT 32            /* bytes of a reply line kept: enough for its "seq=N" */

struct ping {
	const struct options *o;
	int fd;                         /* the echo probes' socket; -1 with --connect */
	const struct net_addr *addr;    /* --connect: where to */
	const char *peer;
	int sfd;                        /* SIGINT as a descriptor */
	bool interrupted;
	double wait, start;
	char *probe, *rbuf;             /* PING_SIZE_MAX + 32, IO_BUFSIZE */
	char tail[TAIL_KEPT];           /* the last bytes of the line being read */
	size_t linelen, taillen;
	long sent, received;
	double min, max, sum, sum2;     /* round trips, ms */
	int failed;                     /* an exit status that ends the run */
};

/* printf to stdout, flushed; -1 (and a message) when it cannot be
 * written, e.g. when the reader of a pipe went away. */
static int say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int say(const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vprintf(fmt, ap);
	va_end(ap);
	if (rc < 0 || fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr, "netecho: standard output: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

/* A probe's line: with -D after the time of day as ping -D prints it,
 * none with -q. */
static void tell(struct ping *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void tell(struct ping *p, const char *fmt, ...)
{
	struct timespec now;
	char line[256];
	va_list ap;

	if (p->o->quiet)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (p->o->timestamps && clock_gettime(CLOCK_REALTIME, &now) == 0) {
		if (say("[%lld.%06ld] %s\n", (long long)now.tv_sec, now.tv_nsec / 1000, line) < 0)
			p->failed = EX_IOERR;
	} else if (say("%s\n", line) < 0) {
		p->failed = EX_IOERR;
	}
}

static void note_rtt(struct ping *p, double rtt)
{
	p->received++;
	if (p->received == 1 || rtt < p->min)
		p->min = rtt;
	if (rtt > p->max)
		p->max = rtt;
	p->sum += rtt;
	p->sum2 += rtt * rtt;
}

/* The probe: MESSAGE, padded with dots to -s bytes in all, " seq=N\n". */
static size_t make_probe(struct ping *p, long seq)
{
	const char *msg = p->o->nmsgs > 0 ? p->o->msgs[0] : "ping";
	char tag[32];
	size_t m = strlen(msg), t = (size_t)snprintf(tag, sizeof tag, " seq=%ld\n", seq), pad = 0;

	if (p->o->given[OPT_SIZE] && (size_t)p->o->size > m + t)
		pad = (size_t)p->o->size - m - t;
	memcpy(p->probe, msg, m);
	memset(p->probe + m, '.', pad);
	memcpy(p->probe + m + pad, tag, t);
	return m + pad + t;
}

static int send_probe(struct ping *p, long seq)
{
	size_t len = make_probe(p, seq);

	if (send(p->fd, p->probe, len, MSG_NOSIGNAL) == (ssize_t)len) {
		p->sent++;
		return 0;
	}
	fprintf(stderr, "netecho: %s: %s\n", p->peer,
		errno == ECONNREFUSED ? "nothing listens on that UDP port (connection refused)"
				      : strerror(errno));
	p->failed = EX_UNAVAILABLE;
	return -1;
}

/* Is there a SIGINT? Notes it. */
static void check_signal(struct ping *p, short revents)
{
	struct signalfd_siginfo si;

	if (revents != 0 && read(p->sfd, &si, sizeof si) == (ssize_t)sizeof si)
		p->interrupted = true;
}

/* Waits up to the deadline for fd's events or SIGINT. Returns poll()'s
 * events of fd (0: none, the time is up or SIGINT came). */
static short wait_for(struct ping *p, int fd, short events, double deadline)
{
	struct pollfd pfd[2] = { { .fd = p->sfd, .events = POLLIN },
				 { .fd = fd, .events = events } };

	while (!p->interrupted) {
		int rc = poll(pfd, fd >= 0 ? 2 : 1, clock_ms_until(deadline));

		if (rc < 0 && errno == EINTR)
			continue;
		if (rc <= 0)
			return 0;
		check_signal(p, pfd[0].revents);
		if (!p->interrupted && pfd[1].revents != 0)
			return pfd[1].revents;
	}
	return 0;
}

/* Looks through n received bytes for the line ending with tag (over UDP a
 * datagram is a line; over TCP, lines). True when it came. */
static bool find_reply(struct ping *p, ssize_t n, const char *tag, long seq, double t0)
{
	bool udp = p->o->udp;
	size_t t = strlen(tag);

	if (udp)
		p->linelen = p->taillen = 0;
	for (ssize_t i = 0; i < n; i++) {
		if (p->taillen == TAIL_KEPT)
			memmove(p->tail, p->tail + 1, --p->taillen);
		p->tail[p->taillen++] = p->rbuf[i];
		p->linelen++;
		if (p->rbuf[i] != '\n' && !(udp && i == n - 1))
			continue;
		/* the line, without its end of line, ends with the tag */
		size_t k = p->taillen;

		while (k > 0 && (p->tail[k - 1] == '\n' || p->tail[k - 1] == '\r'))
			k--;
		if (k >= t && memcmp(p->tail + k - t, tag, t) == 0) {
			double rtt = (clock_now() - t0) * 1000.0;

			note_rtt(p, rtt);
			tell(p, "%zu bytes from %s: seq=%ld time=%.3f ms", p->linelen, p->peer, seq,
			     rtt);
			p->linelen = p->taillen = 0;
			return true;
		}
		p->linelen = p->taillen = 0;
	}
	return false;
}

/* Reads what comes until the reply to seq, the wait's end or SIGINT.
 * True when the reply came. */
static bool await_reply(struct ping *p, long seq, double t0)
{
	double deadline = t0 + p->wait;
	char tag[32];

	snprintf(tag, sizeof tag, "seq=%ld", seq);
	while (p->failed == 0 && wait_for(p, p->fd, POLLIN, deadline) != 0) {
		ssize_t n = recv(p->fd, p->rbuf, IO_BUFSIZE, MSG_DONTWAIT);

		if (n == 0 && !p->o->udp) {
			fprintf(stderr, "netecho: %s: the server closed the connection\n", p->peer);
			p->failed = EX_UNAVAILABLE;
		} else if (n < 0 && errno != EAGAIN && errno != EINTR &&
			   !(errno == ECONNREFUSED && p->o->udp)) { /* ICMP: counted as lost */
			fprintf(stderr, "netecho: %s: %s\n", p->peer, strerror(errno));
			p->failed = EX_UNAVAILABLE;
		} else if (n > 0 && find_reply(p, n, tag, seq, t0)) {
			return true;
		}
	}
	return false;
}

/* --connect: a new TCP connection, timed from connect() to its handshake's
 * end, then closed. True when it was made. */
static bool connect_probe(struct ping *p, long seq, double t0)
{
	int fd = socket(p->addr->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int err = 0;
	socklen_t len = sizeof err;
	bool made = false;

	if (fd < 0) {
		fprintf(stderr, "netecho: socket: %s\n", strerror(errno));
		p->failed = EX_OSERR;
		return false;
	}
	p->sent++;
	if (connect(fd, (const struct sockaddr *)&p->addr->ss, p->addr->len) == 0)
		made = true;
	else if (errno == EINPROGRESS && wait_for(p, fd, POLLOUT, t0 + p->wait) != 0)
		made = getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0;
	else
		err = errno;
	if (made) {
		double rtt = (clock_now() - t0) * 1000.0;

		note_rtt(p, rtt);
		tell(p, "connected to %s: seq=%ld time=%.3f ms", p->peer, seq, rtt);
	} else if (err != 0) {
		tell(p, "no connection to %s: seq=%ld: %s", p->peer, seq, strerror(err));
	} else if (!p->interrupted) {
		tell(p, "no connection to %s: seq=%ld within %gs", p->peer, seq, p->wait);
	}
	close(fd);
	return made;
}

/* ping's summary; -1 when it cannot be written. */
static int summary(const struct ping *p)
{
	double avg = p->received > 0 ? p->sum / (double)p->received : 0,
	       var = p->received > 0 ? p->sum2 / (double)p->received - avg * avg : 0;

	if (say("\n--- %s netecho statistics ---\n"
		"%ld sent, %ld received, %.0f%% loss, time %.0fms\n",
		p->peer, p->sent, p->received,
		p->sent > 0 ? 100.0 * (double)(p->sent - p->received) / (double)p->sent : 0.0,
		(clock_now() - p->start) * 1000.0) < 0)
		return -1;
	if (p->received > 0 && say("rtt min/avg/max/mdev = %.3f/%.3f/%.3f/%.3f ms\n", p->min,
				   avg, p->max, var > 0 ? sqrt(var) : 0.0) < 0)
		return -1;
	return 0;
}

/* One probe and its wait. A probe whose wait SIGINT cut short is left
 * out of the counts: whether its reply would have come is not known. */
static void one_probe(struct ping *p, long seq)
{
	double t0 = clock_now();
	long received = p->received;

	if (p->fd < 0)
		connect_probe(p, seq, t0);
	else if (send_probe(p, seq) == 0)
		await_reply(p, seq, t0);
	if (p->failed != 0 || p->received > received)
		return;
	if (p->interrupted && clock_now() < t0 + p->wait) {
		p->sent--;
		return;
	}
	if (p->fd >= 0)
		tell(p, "no reply from %s: seq=%ld within %gs", p->peer, seq, p->wait);
}

/* SIGINT as a descriptor while the probes run; *old gets the mask to put
 * back. Returns the descriptor, or -1. */
static int take_sigint(sigset_t *old)
{
	sigset_t set;
	int sfd;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, old) < 0) {
		fprintf(stderr, "netecho: sigprocmask: %s\n", strerror(errno));
		return -1;
	}
	sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sfd < 0) {
		fprintf(stderr, "netecho: signalfd: %s\n", strerror(errno));
		sigprocmask(SIG_SETMASK, old, NULL);
	}
	return sfd;
}

static int probes(struct ping *p)
{
	const struct options *o = p->o;

	if (say("PING %s (%s): %s%s\n", o->host, p->peer, o->udp ? "udp" : "tcp",
		p->fd < 0 ? " connect" : "") < 0)
		return EX_IOERR;
	for (long seq = 1; (o->count == 0 || seq <= o->count) && p->failed == 0; seq++) {
		double t0 = clock_now();

		one_probe(p, seq);
		if (p->interrupted || p->failed != 0 || seq == o->count)
			break;
		wait_for(p, -1, 0, t0 + o->interval);
		if (p->interrupted)
			break;
	}
	if (p->failed == EX_IOERR || summary(p) < 0)
		return EX_IOERR;
	return p->failed != 0 ? p->failed : p->received == p->sent ? 0 : EXIT_LOST;
}

int ping_run(const struct options *o, int fd, const struct net_addr *addr, const char *peer)
{
	struct ping p = {
		.o = o, .fd = fd, .addr = addr, .peer = peer, .start = clock_now(),
		.wait = o->wait > 0 ? o->wait : DEFAULT_WAIT,
		.probe = malloc(PING_SIZE_MAX + 32), .rbuf = malloc(IO_BUFSIZE),
	};
	sigset_t old;
	int status = EX_OSERR;

	if (p.probe == NULL || p.rbuf == NULL)
		fprintf(stderr, "netecho: out of memory\n");
	else if ((p.sfd = take_sigint(&old)) >= 0) {
		status = probes(&p);
		close(p.sfd);
		sigprocmask(SIG_SETMASK, &old, NULL);
	}
	free(p.probe);
	free(p.rbuf);
	return status;
}
