/* netecho: the netecho client. Sends messages or standard input over TCP or
 * UDP and prints the replies (stream mode), times round trips like ping
 * (-n), loads an echo path like a benchmark tool (--bench, bench.c), or
 * shows what the network did to its packets (--path, pathprobe.c).
 *
 * It must not parse options itself (options.c) nor hold another mode's
 * work: ping.c, bench.c, scan.c and pathprobe.c own theirs; here only
 * stream mode and the choice of mode. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <unistd.h>

#include "bench.h"
#include "clock.h"
#include "escape.h"
#include "fds.h"
#include "net.h"
#include "options.h"
#include "pathprobe.h"
#include "ping.h"
#include "scan.h"

#define PACE_TAIL     8         /* bytes of a message that mark its reply */

static int write_out(const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(STDOUT_FILENO, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "netecho: standard output: %s\n", strerror(errno));
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Resolves and connects, trying each address in turn. Returns the socket,
 * or -1 after printing why, with *status set. */
static int open_connection(const struct options *o, int *status, char *peer, size_t peersize)
{
	struct net_addr addrs[NET_MAX_ADDRS];
	char err[NET_ERRLEN];
	int socktype = o->udp ? SOCK_DGRAM : SOCK_STREAM;
	double wait = o->wait > 0 ? o->wait : DEFAULT_WAIT;
	double deadline = clock_now() + wait;
	int n = net_resolve(o->host, o->port, o->family, socktype, false, addrs, NET_MAX_ADDRS,
			    (int)(wait * 1000), err, sizeof err);
	int saved = 0;

	if (n < 0) {
		fprintf(stderr, "netecho: %s\n", err);
		*status = errno == EAGAIN ? EX_TEMPFAIL : EX_NOHOST;
		return -1;
	}
	/* each address in turn, all within one wait */
	for (int i = 0; i < n; i++) {
		int fd =
			net_connect(&addrs[i], socktype, clock_ms_until(deadline), err, sizeof err);

		if (fd >= 0) {
			net_format((struct sockaddr *)&addrs[i].ss, addrs[i].len, peer, peersize);
			return fd;
		}
		saved = errno;
		if (saved == ETIMEDOUT)
			break;
	}
	fprintf(stderr, "netecho: %s\n", err);
	*status = saved == ETIMEDOUT ? EX_TEMPFAIL : EX_UNAVAILABLE;
	return -1;
}

/* What to send next: the -m messages in turn, or standard input. */
struct source {
	const struct options *o;
	size_t next_msg;
	bool stdin_open;
	char *buf;                      /* IO_BUFSIZE */
	size_t len, off;                /* pending bytes in buf */
	/* -m messages go one at a time: the next once the bytes received end
	 * with the last PACE_TAIL bytes of the previous one, its reply */
	bool pace, awaiting;
	char want[PACE_TAIL], tail[PACE_TAIL];
	size_t want_len, tail_len;
};

/* Notes received bytes; ends the wait for a reply when they end it. */
static void saw_reply_bytes(struct source *s, const char *buf, size_t n)
{
	if (!s->awaiting)
		return;
	if (n >= PACE_TAIL) {
		memcpy(s->tail, buf + n - PACE_TAIL, PACE_TAIL);
		s->tail_len = PACE_TAIL;
	} else {
		size_t keep = s->tail_len + n > PACE_TAIL ? PACE_TAIL - n : s->tail_len;

		memmove(s->tail, s->tail + s->tail_len - keep, keep);
		memcpy(s->tail + keep, buf, n);
		s->tail_len = keep + n;
	}
	if (s->tail_len >= s->want_len &&
	    memcmp(s->tail + s->tail_len - s->want_len, s->want, s->want_len) == 0)
		s->awaiting = false;
}

/* Is the source waiting for the reply to what it sent? */
static bool awaiting_replies(const struct source *s)
{
	return s->awaiting && s->off == s->len;
}

/* Fills the pending buffer from the next message; false when none is left. */
static bool next_message(struct source *s)
{
	const char *m;
	size_t len;

	if (s->next_msg >= s->o->nmsgs || s->awaiting)
		return false;
	m = s->o->msgs[s->next_msg++];
	len = strlen(m);                /* at most IO_BUFSIZE - 1: see parse_options() */
	memcpy(s->buf, m, len);
	if (!s->o->raw)
		s->buf[len++] = '\n';
	s->len = len;
	s->off = 0;
	if (s->pace && len > 0) {
		s->want_len = len < PACE_TAIL ? len : PACE_TAIL;
		memcpy(s->want, s->buf + len - s->want_len, s->want_len);
		s->tail_len = 0;
		s->awaiting = true;
	}
	return true;
}

static bool input_done(const struct source *s)
{
	return s->len == s->off && !s->stdin_open && s->next_msg >= s->o->nmsgs &&
	       !awaiting_replies(s);
}

/* TCP stream mode's state: what is sent, the replies, the wait. */
struct stream {
	struct source s;
	int fd;
	const char *peer;
	char *rbuf;                     /* IO_BUFSIZE */
	double wait, deadline;          /* deadline 0: none */
	bool half_closed;
};

/* Half-closes once everything is sent and answered, and keeps the
 * deadline: the server has to move within the wait whenever it owes
 * something. Returns 0, or an exit status. */
static int keep_deadline(struct stream *st)
{
	if (!st->half_closed && input_done(&st->s)) {
		if (shutdown(st->fd, SHUT_WR) < 0) {
			fprintf(stderr, "netecho: %s: shutdown: %s\n", st->peer, strerror(errno));
			return EX_UNAVAILABLE;
		}
		st->half_closed = true;
		st->deadline = clock_now() + st->wait;
	} else if (!st->half_closed && (awaiting_replies(&st->s) || st->s.off < st->s.len)) {
		/* waiting for replies, or for the server to take what is sent */
		if (st->deadline == 0)
			st->deadline = clock_now() + st->wait;
	} else if (!st->half_closed) {
		st->deadline = 0;
	}
	return 0;
}

static int timed_out(const struct stream *st)
{
	if (st->s.off < st->s.len)
		fprintf(stderr,
			"netecho: %s: timed out after %gs: the server takes nothing of what is sent\n",
			st->peer, st->wait);
	else
		fprintf(stderr, "netecho: %s: timed out after %gs waiting for the replies\n",
			st->peer, st->wait);
	return EX_TEMPFAIL;
}

/* Prints what the server sent. Returns -1 to go on, or an exit status. */
static int take_replies(struct stream *st)
{
	ssize_t n = recv(st->fd, st->rbuf, IO_BUFSIZE, 0);

	if (n > 0) {
		if (write_out(st->rbuf, (size_t)n) < 0)
			return EX_IOERR;
		saw_reply_bytes(&st->s, st->rbuf, (size_t)n);
		if (st->deadline > 0)
			st->deadline = clock_now() + st->wait;
		return -1;
	}
	if (n == 0) {
		if (st->half_closed)
			return 0;
		fprintf(stderr, "netecho: %s: the server closed the connection\n", st->peer);
		return EX_UNAVAILABLE;
	}
	if (errno == EAGAIN || errno == EINTR)
		return -1;
	fprintf(stderr, "netecho: %s: %s\n", st->peer, strerror(errno));
	return EX_UNAVAILABLE;
}

/* Sends what is pending. Returns -1 to go on, or an exit status. */
static int give(struct stream *st)
{
	ssize_t n = send(st->fd, st->s.buf + st->s.off, st->s.len - st->s.off, MSG_NOSIGNAL);

	if (n > 0 && st->deadline > 0 && !st->half_closed)
		st->deadline = clock_now() + st->wait;      /* it takes what is sent */
	if (n >= 0) {
		st->s.off += (size_t)n;
		return -1;
	}
	if (errno == EAGAIN || errno == EINTR)
		return -1;
	fprintf(stderr, "netecho: %s: %s\n", st->peer, strerror(errno));
	return EX_UNAVAILABLE;
}

static void read_input(struct source *s)
{
	ssize_t n = read(STDIN_FILENO, s->buf, IO_BUFSIZE);

	if (n > 0) {
		s->len = (size_t)n;
		s->off = 0;
	} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
		s->stdin_open = false;
	}
}

/* One turn: waits for the socket or input and moves what is ready.
 * Returns -1 to go on, or an exit status. */
static int stream_turn(struct stream *st)
{
	struct pollfd pfd[2] = {
		{ .fd = st->fd, .events = POLLIN },
		{ .fd = STDIN_FILENO, .events = 0 },
	};
	int rc;

	if (st->s.off == st->s.len && !next_message(&st->s) && st->s.stdin_open)
		pfd[1].events = POLLIN;
	if (st->s.off < st->s.len)
		pfd[0].events |= POLLOUT;
	if ((rc = keep_deadline(st)) != 0)
		return rc;
	rc = poll(pfd, pfd[1].events ? 2 : 1, clock_ms_until(st->deadline));
	if (rc < 0) {
		if (errno == EINTR)
			return -1;
		fprintf(stderr, "netecho: poll: %s\n", strerror(errno));
		return EX_UNAVAILABLE;
	}
	if (rc == 0)
		return timed_out(st);
	if ((pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) && (rc = take_replies(st)) >= 0)
		return rc;
	if ((pfd[0].revents & POLLOUT) && st->s.off < st->s.len && (rc = give(st)) >= 0)
		return rc;
	if (pfd[1].revents)
		read_input(&st->s);
	return -1;
}

/* TCP stream mode: send, print replies, half-close, read to the end. */
static int run_tcp(const struct options *o, int fd, const char *peer)
{
	struct stream st = {
		.s = { .o = o, .stdin_open = o->nmsgs == 0, .buf = malloc(IO_BUFSIZE),
		       .pace = o->nmsgs > 0 },
		.fd = fd, .peer = peer, .rbuf = malloc(IO_BUFSIZE),
		.wait = o->wait > 0 ? o->wait : DEFAULT_WAIT,
	};
	int status = EX_UNAVAILABLE;

	if (st.rbuf == NULL || st.s.buf == NULL || fcntl(fd, F_SETFL, O_NONBLOCK) < 0)
		fprintf(stderr, "netecho: %s\n", strerror(errno ? errno : ENOMEM));
	else
		while ((status = stream_turn(&st)) < 0)
			;
	free(st.rbuf);
	free(st.s.buf);
	return status;
}

/* Takes the next datagram from standard input's buffered bytes: a line,
 * or UDP_MAX bytes without a newline, or at end of input what is left.
 * Returns its length, or 0 when none is complete yet. */
static size_t take_line(char *carry, size_t *carrylen, bool eof, char *out)
{
	char *nl = memchr(carry, '\n', *carrylen);
	size_t len;

	if (nl != NULL)
		len = (size_t)(nl - carry) + 1;
	else if (*carrylen == UDP_MAX || (eof && *carrylen > 0))
		len = *carrylen;
	else
		return 0;
	memcpy(out, carry, len);
	memmove(carry, carry + len, *carrylen - len);
	*carrylen -= len;
	return len;
}

/* Reads one datagram from the socket and prints it. */
static int print_reply(int fd, const char *peer, char *buf)
{
	ssize_t n = recv(fd, buf, UDP_MAX, MSG_DONTWAIT);

	if (n >= 0)
		return write_out(buf, (size_t)n) < 0 ? EX_IOERR : 0;
	if (errno == EAGAIN || errno == EINTR)
		return 0;
	if (errno == ECONNREFUSED)
		fprintf(stderr,
			"netecho: %s: nothing listens on that UDP port (connection refused)\n",
			peer);
	else
		fprintf(stderr, "netecho: %s: %s\n", peer, strerror(errno));
	return EX_UNAVAILABLE;
}

static int send_datagram(int fd, const char *peer, const char *buf, size_t len)
{
	if (send(fd, buf, len, 0) >= 0)
		return 0;
	fprintf(stderr, "netecho: %s: %s\n", peer,
		errno == ECONNREFUSED ? "nothing listens on that UDP port (connection refused)"
				      : strerror(errno));
	return EX_UNAVAILABLE;
}

/* Sends the -m messages not sent yet, each a datagram. */
static int send_ready(const struct options *o, int fd, const char *peer, size_t *next,
		      char *buf)
{
	while (*next < o->nmsgs) {
		size_t len = strlen(o->msgs[*next]);
		int status;

		memcpy(buf, o->msgs[(*next)++], len);
		if (!o->raw)
			buf[len++] = '\n';
		if ((status = send_datagram(fd, peer, buf, len)) != 0)
			return status;
	}
	return 0;
}

/* Sends the whole lines of input buffered in carry, each a datagram. */
static int send_lines(int fd, const char *peer, char *carry, size_t *carrylen, bool eof,
		      char *buf)
{
	size_t len;
	int status;

	while ((len = take_line(carry, carrylen, eof, buf)) > 0)
		if ((status = send_datagram(fd, peer, buf, len)) != 0)
			return status;
	return 0;
}

/* UDP stream mode: each message or line of input is a datagram; replies
 * are printed as they come, and for the wait after the last datagram. */
static int run_udp(const struct options *o, int fd, const char *peer)
{
	char *buf = malloc(UDP_MAX), *carry = malloc(UDP_MAX), *rbuf = malloc(UDP_MAX);
	double wait = o->wait > 0 ? o->wait : DEFAULT_UDP_WAIT, deadline = 0;
	size_t carrylen = 0, next = 0;
	bool input_open = o->nmsgs == 0, eof = false;
	int status = EX_UNAVAILABLE;

	if (buf == NULL || carry == NULL || rbuf == NULL) {
		fprintf(stderr, "netecho: out of memory\n");
		goto out;
	}
	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = fd, .events = POLLIN },
			{ .fd = STDIN_FILENO, .events = POLLIN },
		};
		int rc;

		/* what is ready to go goes */
		if ((status = send_ready(o, fd, peer, &next, buf)) != 0 ||
		    (status = send_lines(fd, peer, carry, &carrylen, eof, buf)) != 0)
			goto out;
		if (!input_open && deadline == 0)
			deadline = clock_now() + wait;
		rc = poll(pfd, input_open ? 2 : 1, deadline > 0 ? clock_ms_until(deadline) : -1);
		if (rc < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "netecho: poll: %s\n", strerror(errno));
			goto out;
		}
		if (rc == 0) {
			status = 0;     /* the wait for replies is over */
			goto out;
		}
		if (pfd[0].revents && (status = print_reply(fd, peer, rbuf)) != 0)
			goto out;
		if (input_open && pfd[1].revents) {
			ssize_t n = read(STDIN_FILENO, carry + carrylen, UDP_MAX - carrylen);

			if (n > 0) {
				carrylen += (size_t)n;
			} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
				input_open = false;
				eof = true;
			}
		}
	}
out:
	free(buf);
	free(carry);
	free(rbuf);
	return status;
}

/* --bench: resolves the first address and hands over to bench.c. */
static int run_bench(const struct options *o)
{
	struct bench_options b = {
		.udp = o->udp,
		.conns = o->conns,
		.seconds = o->seconds,
		.size = o->size,
		.wait = o->wait > 0 ? o->wait
			: o->udp    ? DEFAULT_UDP_WAIT
				    : DEFAULT_WAIT,
		.json = o->json,
		.interval = o->given[OPT_INTERVAL] ? o->interval : 0,
		.stream = o->stream,
		.progress = !o->json && !o->given[OPT_INTERVAL] && isatty(STDERR_FILENO),
	};
	char err[NET_ERRLEN];
	int n = net_resolve(o->host, o->port, o->family, o->udp ? SOCK_DGRAM : SOCK_STREAM, false,
			    &b.addr, 1, (int)(b.wait * 1000), err, sizeof err);

	if (n < 0) {
		fprintf(stderr, "netecho: %s\n", err);
		return errno == EAGAIN ? EX_TEMPFAIL : EX_NOHOST;
	}
	net_format((struct sockaddr *)&b.addr.ss, b.addr.len, b.peer, sizeof b.peer);
	return bench_run(&b);
}

/* --scan: resolves the first address and hands over to scan.c. */
static int run_scan(const struct options *o)
{
	struct scan_options so = {
		.ports = o->ports,
		.nports = o->nports,
		.udp = o->udp,
		.parallel = o->given[OPT_CONNS] ? o->conns : SCAN_PARALLEL,
		.wait = o->wait > 0 ? o->wait : SCAN_WAIT,
		.json = o->json,
		.progress = !o->json && isatty(STDERR_FILENO),
		.expect = o->expect,
	};
	char err[NET_ERRLEN];
	int n = net_resolve(o->host, 0, o->family, o->udp ? SOCK_DGRAM : SOCK_STREAM, false,
			    &so.addr, 1, (int)(so.wait * 1000), err, sizeof err);

	if (n < 0) {
		fprintf(stderr, "netecho: %s\n", err);
		return errno == EAGAIN ? EX_TEMPFAIL : EX_NOHOST;
	}
	net_format_host((struct sockaddr *)&so.addr.ss, so.addr.len, so.host, sizeof so.host);
	return scan_run(&so);
}

/* A port given to --path that answered, but with no path report (75: no
 * report came; 76: not a report), is likely the echo port: the report
 * service is elsewhere, by default on the echo port + 1. Said once. */
static int path_hint(const struct options *o, int status)
{
	char host[ESCAPE_BUFSIZE(64)];

	escape_payload(host, sizeof host, o->host, strlen(o->host), 64);
	if (o->port_set && o->port < 65535 && (status == EX_TEMPFAIL || status == 76))
		fprintf(stderr,
			"netecho: --path asks netechod's path report service, not the echo: it listens on the echo port + 1 by default ([report] port in netechod.conf); if %ld is the echo port, try: netecho --path -p %ld %s\n",
			o->port, o->port + 1, host);
	return status;
}

/* --path: resolves the first address and hands over to pathprobe.c. */
static int run_path(const struct options *o)
{
	struct path_options p = {
		.tcp = !o->udp,
		.udp = true,
		.pmtu = o->pmtu,
		.hops = o->hops,
		.json = o->json,
		.ttl = (int)o->ttl,
		.dscp = o->dscp,
		.size = o->size,
		.wait = o->wait > 0 ? o->wait : PATH_DEFAULT_WAIT,
		.connect_wait = o->wait > 0 ? o->wait : PATH_CONNECT_WAIT,
		.progress = isatty(STDERR_FILENO),
	};
	char err[NET_ERRLEN];
	int n = net_resolve(o->host, o->port, o->family, SOCK_STREAM, false, &p.addr, 1,
			    (int)(p.wait * 1000), err, sizeof err);

	if (n < 0) {
		fprintf(stderr, "netecho: %s\n", err);
		return errno == EAGAIN ? EX_TEMPFAIL : EX_NOHOST;
	}
	net_format((struct sockaddr *)&p.addr.ss, p.addr.len, p.peer, sizeof p.peer);
	return path_hint(o, path_run(&p));
}

/* --connect: resolves the first address and hands over to ping.c. */
static int run_connect(const struct options *o)
{
	struct net_addr addr;
	char err[NET_ERRLEN], peer[NET_ADDRSTRLEN];
	double wait = o->wait > 0 ? o->wait : DEFAULT_WAIT;
	int n = net_resolve(o->host, o->port, o->family, SOCK_STREAM, false, &addr, 1,
			    (int)(wait * 1000), err, sizeof err);

	if (n < 0) {
		fprintf(stderr, "netecho: %s\n", err);
		return errno == EAGAIN ? EX_TEMPFAIL : EX_NOHOST;
	}
	net_format((struct sockaddr *)&addr.ss, addr.len, peer, sizeof peer);
	return ping_run(o, -1, &addr, peer);
}

/* The mode the options chose, on its socket when it has one. */
static int run(const struct options *o)
{
	char peer[NET_ADDRSTRLEN];
	int fd, status;

	if (o->bench)
		return run_bench(o);
	if (o->path)
		return run_path(o);
	if (o->scan)
		return run_scan(o);
	if (o->connect)
		return run_connect(o);
	fd = open_connection(o, &status, peer, sizeof peer);
	if (fd < 0)
		return status;
	if (o->given[OPT_COUNT])
		status = ping_run(o, fd, NULL, peer);
	else if (o->udp)
		status = run_udp(o, fd, peer);
	else
		status = run_tcp(o, fd, peer);
	close(fd);
	return status;
}

int main(int argc, char **argv)
{
	struct options o = { 0 };
	struct sigaction ign = { .sa_handler = SIG_IGN };
	int status;

	/* before any socket: replies must not go into one on descriptor 1 */
	if (fds_ensure_std() < 0)
		return EX_OSERR;
	if (options_parse(argc, argv, &o) < 0) {
		options_free(&o);
		return EX_USAGE;
	}
	if (o.help || o.version) {
		if (o.help)
			options_usage(stdout);
		else
			printf("netecho %s\n", PACKAGE_VERSION);
		options_free(&o);
		return fflush(stdout) == EOF ? EX_IOERR : 0;
	}
	sigemptyset(&ign.sa_mask);
	if (sigaction(SIGPIPE, &ign, NULL) < 0) {
		fprintf(stderr, "netecho: sigaction: %s\n", strerror(errno));
		options_free(&o);
		return EX_OSERR;
	}
	status = run(&o);
	options_free(&o);
	return status;
}
