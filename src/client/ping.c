/* ping.c: netecho's ping mode (see ping.h). COUNT probes, one at a time,
 * each timed to its reply: the line ending with the probe's "seq=N". It
 * owns the probes, the replies' lines and the summary; never the socket,
 * which its caller opened and closes. */
#include "ping.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <time.h>

#include "clock.h"

#define LINE_MAX_PING 4096 /* longest reply line kept */

struct ping {
	const struct options *o;
	int fd;
	const char *peer;
	double wait, start;
	char *line, *rbuf;
	size_t linelen;
	long sent, received;
	double min, max, sum, sum2; /* round trips, ms */
	int failed;		    /* an exit status that ends the run */
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

/* Does the line (without its newline) end with tag? */
static bool ends_with(const char *line, size_t len, const char *tag)
{
	size_t t = strlen(tag);

	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	return len >= t && memcmp(line + len - t, tag, t) == 0;
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

static int send_probe(struct ping *p, long seq)
{
	const char *msg = p->o->nmsgs > 0 ? p->o->msgs[0] : "ping";
	char probe[PING_MSG_MAX + 32];
	int len = snprintf(probe, sizeof probe, "%s seq=%ld\n", msg, seq);

	if (send(p->fd, probe, (size_t)len, MSG_NOSIGNAL) == len) {
		p->sent++;
		return 0;
	}
	fprintf(stderr, "netecho: %s: %s\n", p->peer,
		errno == ECONNREFUSED ? "nothing listens on that UDP port (connection refused)"
				      : strerror(errno));
	p->failed = EX_UNAVAILABLE;
	return -1;
}

/* Looks through n received bytes for the line ending with tag (over UDP a
 * datagram is a line; over TCP, lines). True when it came. */
static bool find_reply(struct ping *p, ssize_t n, const char *tag, long seq, double t0)
{
	bool udp = p->o->udp;

	if (udp)
		p->linelen = 0;
	for (ssize_t i = 0; i < n; i++) {
		if (p->linelen < LINE_MAX_PING)
			p->line[p->linelen++] = p->rbuf[i];
		if (p->rbuf[i] != '\n' && !(udp && i == n - 1))
			continue;
		if (ends_with(p->line, p->linelen, tag)) {
			double rtt = (clock_now() - t0) * 1000.0;

			note_rtt(p, rtt);
			if (say("%zu bytes from %s: seq=%ld time=%.3f ms\n", p->linelen, p->peer,
				seq, rtt) < 0)
				p->failed = EX_IOERR;
			p->linelen = 0;
			return true;
		}
		p->linelen = 0;
	}
	return false;
}

/* Reads what comes until the reply to seq or the wait's end. True when
 * the reply came. */
static bool await_reply(struct ping *p, long seq, double t0)
{
	double deadline = t0 + p->wait;
	char tag[32];

	snprintf(tag, sizeof tag, "seq=%ld", seq);
	while (p->failed == 0) {
		struct pollfd pfd = {.fd = p->fd, .events = POLLIN};
		int rc = poll(&pfd, 1, clock_ms_until(deadline));
		ssize_t n;

		if (rc < 0 && errno == EINTR)
			continue;
		if (rc <= 0)
			return false;
		n = recv(p->fd, p->rbuf, IO_BUFSIZE, MSG_DONTWAIT);
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

static void sleep_until(double until)
{
	while (clock_now() < until) {
		struct timespec ts = clock_timespec(until - clock_now());

		if (nanosleep(&ts, NULL) < 0 && errno != EINTR)
			break;
	}
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
	if (p->received > 0 && say("rtt min/avg/max/mdev = %.3f/%.3f/%.3f/%.3f ms\n", p->min, avg,
				   p->max, var > 0 ? sqrt(var) : 0.0) < 0)
		return -1;
	return 0;
}

int ping_run(const struct options *o, int fd, const char *peer)
{
	struct ping p = {
		.o = o,
		.fd = fd,
		.peer = peer,
		.start = clock_now(),
		.wait = o->wait > 0 ? o->wait : DEFAULT_WAIT,
		.line = malloc(LINE_MAX_PING),
		.rbuf = malloc(IO_BUFSIZE),
	};
	int status = EX_IOERR;

	if (p.line == NULL || p.rbuf == NULL) {
		fprintf(stderr, "netecho: out of memory\n");
		status = EX_OSERR;
		goto out;
	}
	if (say("PING %s (%s): %s\n", o->host, peer, o->udp ? "udp" : "tcp") < 0)
		goto out;
	for (long seq = 1; seq <= o->count && p.failed == 0; seq++) {
		double t0 = clock_now();

		if (send_probe(&p, seq) < 0)
			break;
		if (!await_reply(&p, seq, t0) && p.failed == 0 &&
		    say("no reply from %s: seq=%ld within %gs\n", peer, seq, p.wait) < 0)
			p.failed = EX_IOERR;
		if (seq < o->count && p.failed == 0)
			sleep_until(t0 + o->interval);
	}
	if (p.failed == EX_IOERR || summary(&p) < 0)
		goto out;
	status = p.failed != 0				      ? p.failed
		 : p.received == p.sent && p.sent == o->count ? 0
							      : EXIT_LOST;
out:
	free(p.line);
	free(p.rbuf);
	return status;
}
