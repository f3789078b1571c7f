/* bench.c: netecho --bench (see bench.h).
 *
 * One thread and epoll drive every connection. First one connection finds
 * out what the server sends on connect (a greeting) and what it puts before
 * the echo of a short message (a prefix: netechod's "Receive: "). Then each
 * request is the same message, and its reply must be the message, in one
 * or more pieces each after the prefix (a server reads a long message in
 * several chunks). Message bytes never equal the prefix's first byte, so
 * where a piece begins is never in doubt.
 *
 * It must not format the figures (benchreport.c does) nor wait for a reply
 * past o->wait: a request not answered in time is counted as a timeout. */
#include "bench.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
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
#include "benchreport.h"
#include "echoreply.h"

#define PROBE_GREETING_MAX 65536        /* greeting bytes taken, at most */
#define UDP_PAYLOAD_MAX 65507           /* the most one datagram holds */
#define SEQ_LEN      12                 /* a UDP message begins with its sequence number */
#define PROBE_GREETING_MS 200           /* how long a greeting may take to come */
#define PROBE_QUIET_MS    50            /* a reply is whole after this much quiet */
#define EVENTS       512                /* epoll events per wait */
#define RBUF         (256 * 1024)       /* bytes read per recv */
#define PROBE_SIZE   64                 /* the message that finds out the prefix */
#define PREFIX_MAX   4096               /* prefix bytes kept */
#define BENCH_GRACE  0.25               /* seconds after the end for the replies still due */
#define SCAN_MS      100                /* how often requests are checked for timeouts */
#define STREAM_WINDOW (4ull << 20)      /* --stream: bytes sent ahead of their echo, at most */
#define STREAM_WRITE  65536             /* --stream: bytes a send() offers, about */

enum { CONNECTING, GREETING, REQUEST, CLOSED };

struct conn {
	int fd, state;
	size_t sent;                    /* of the current request's message */
	struct echoreply reply;         /* TCP: the current request's reply */
	unsigned long seq;              /* UDP: the current request's number */
	size_t greet_left;
	double t0;                      /* when the request began (--stream: the last progress) */
	unsigned long long streamed;    /* --stream: bytes sent */
	unsigned long long copies;      /* --stream: whole messages echoed */
};

struct bench {
	const struct bench_options *o;
	unsigned char *msg, *rbuf;
	unsigned char *smsg;            /* --stream: the message repeated, slen bytes */
	size_t slen;
	size_t greeting;
	unsigned char prefix[PREFIX_MAX];
	size_t extra;                   /* the prefix's length */
	struct bench_stats st;          /* what the run counts */
	double start, end;              /* of the measured run */
	long open;                      /* connections or sockets still running */
	int ep;
};

/* Anything that comes before we send is a greeting: whatever comes within
 * PROBE_GREETING_MS of the last (or of the start), within the wait and
 * PROBE_GREETING_MAX bytes. Returns 0, or an exit status. */
static int probe_greeting(struct bench *b, int fd)
{
	const struct bench_options *o = b->o;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	double until = clock_now() + o->wait;

	for (;;) {
		int quiet = clock_ms_until(until), rc;
		ssize_t n;

		if (quiet > PROBE_GREETING_MS)
			quiet = PROBE_GREETING_MS;
		rc = poll(&p, 1, quiet);
		if (rc == 0)
			return 0;               /* quiet: the greeting, if any, is whole */
		if (rc < 0 && errno != EINTR)
			break;
		n = rc > 0 ? recv(fd, b->rbuf, RBUF, 0) : 0;
		if (rc > 0 && n <= 0)
			break;
		b->greeting += (size_t)(n > 0 ? n : 0);
		if (b->greeting >= PROBE_GREETING_MAX || clock_now() >= until) {
			fprintf(stderr,
				"netecho: %s: the server keeps sending without being asked: not an echo server?\n",
				o->peer);
			return EX_UNAVAILABLE;
		}
	}
	fprintf(stderr, "netecho: %s: the server closed the connection before anything was sent\n",
		o->peer);
	return EX_UNAVAILABLE;
}

/* Finds out, on one connection, the greeting's length and the prefix
 * that comes before the echo of a short message. Returns 0, or an exit
 * status. */
/* The probe's reply read into b->rbuf until deadline, and then until the
 * server is quiet for PROBE_QUIET_MS once size bytes came (a prefix may
 * come in pieces); one datagram for UDP. Returns the bytes read. */
static size_t probe_read(struct bench *b, int fd, size_t size, double deadline)
{
	size_t total = 0;

	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int rc = poll(&p, 1, total >= size ? PROBE_QUIET_MS : clock_ms_until(deadline));
		ssize_t n;

		if (rc <= 0 || total >= RBUF)
			break;
		n = recv(fd, b->rbuf + total, RBUF - total, 0);
		if (n <= 0)
			break;
		total += (size_t)n;
		if (b->o->udp)
			break; /* one datagram is the reply */
	}
	return total;
}

static int probe(struct bench *b)
{
	const struct bench_options *o = b->o;
	size_t size = o->size < PROBE_SIZE ? (size_t)o->size : PROBE_SIZE, total = 0;
	char err[NET_ERRLEN];
	int fd = net_connect(&o->addr, o->udp ? SOCK_DGRAM : SOCK_STREAM, (int)(o->wait * 1000),
			     err, sizeof err);
	int status;

	if (fd < 0) {
		fprintf(stderr, "netecho: %s\n", err);
		return errno == ETIMEDOUT ? EX_TEMPFAIL : EX_UNAVAILABLE;
	}
	if (!o->udp && (status = probe_greeting(b, fd)) != 0) {
		close(fd);
		return status;
	}
	for (size_t i = 0; i < size; i++)
		b->msg[i] = (unsigned char)('0' + i % 10);
	if (send(fd, b->msg, size, MSG_NOSIGNAL) != (ssize_t)size) {
		fprintf(stderr, "netecho: %s: %s\n", o->peer, strerror(errno));
		close(fd);
		return EX_UNAVAILABLE;
	}
	total = probe_read(b, fd, size, clock_now() + o->wait);
	close(fd);
	if (total == 0) {
		fprintf(stderr, "netecho: %s: no reply to a %zu-byte message within %gs%s\n",
			o->peer, size, o->wait, o->udp ? " (does the server echo UDP?)" : "");
		return 1;
	}
	if (total < size || memcmp(b->rbuf + total - size, b->msg, size) != 0) {
		fprintf(stderr,
			"netecho: %s: the reply to a %zu-byte message does not end with the message: not an echo server?\n",
			o->peer, size);
		return 1;
	}
	b->extra = total - size;
	if (b->extra > PREFIX_MAX) {
		fprintf(stderr, "netecho: %s: a reply prefix of %zu bytes is more than %d\n",
			o->peer, b->extra, PREFIX_MAX);
		return 1;
	}
	memcpy(b->prefix, b->rbuf, b->extra);
	return 0;
}

static void watch_events(struct bench *b, struct conn *c, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = c };

	if (epoll_ctl(b->ep, EPOLL_CTL_MOD, c->fd, &ev) < 0)
		b->st.errors++;
}

static void close_conn(struct bench *b, struct conn *c, bool error)
{
	if (error)
		b->st.errors++;
	if (c->fd >= 0)
		close(c->fd);   /* epoll forgets a closed descriptor itself */
	c->fd = -1;
	c->state = CLOSED;
}

/* Sends what is left of the current request's message. */
static void push(struct bench *b, struct conn *c)
{
	while (c->sent < (size_t)b->o->size) {
		ssize_t n =
			send(c->fd, b->msg + c->sent, (size_t)b->o->size - c->sent, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EAGAIN)
				break;
			close_conn(b, c, true);
			return;
		}
		c->sent += (size_t)n;
		b->st.bytes_out += (unsigned long long)n;
	}
	watch_events(b, c, EPOLLIN | (c->sent < (size_t)b->o->size ? EPOLLOUT : 0));
}

static void stream_push(struct bench *b, struct conn *c);

static void begin(struct bench *b, struct conn *c)
{
	if (b->o->stream) {
		c->state = REQUEST;
		echoreply_start(&c->reply, b->prefix, b->extra, b->msg, (size_t)b->o->size);
		c->t0 = clock_now();
		stream_push(b, c);
		return;
	}
	c->state = REQUEST;
	c->sent = 0;
	echoreply_start(&c->reply, b->prefix, b->extra, b->msg, (size_t)b->o->size);
	c->t0 = clock_now();
	push(b, c);
	if (c->state == CLOSED)
		b->open--;      /* the send failed */
}

/* Checks reply bytes: pieces of prefix then message. True when the whole
 * message has come back; a wrong byte, or one more than was asked for,
 * closes the connection. */
static bool check_reply(struct bench *b, struct conn *c, const unsigned char *p, size_t n)
{
	size_t used, before = c->reply.matched;
	enum echoreply_state st = echoreply_feed(&c->reply, p, n, c->sent, &used);

	b->st.echoed += c->reply.matched - before;
	if (st == ECHOREPLY_WRONG || used < n) {
		b->st.mismatches++;
		close_conn(b, c, true);
		return false;
	}
	return st == ECHOREPLY_DONE;
}

/* Opens the TCP connections, each connecting without waiting. */
static void tcp_open_all(struct bench *b, struct conn *cs)
{
	const struct bench_options *o = b->o;

	for (long i = 0; i < o->conns; i++) {
		struct epoll_event ev = { .events = EPOLLOUT, .data.ptr = &cs[i] };
		int one = 1;

		cs[i].fd =
			socket(o->addr.ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (cs[i].fd < 0 ||
		    setsockopt(cs[i].fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0 ||
		    (connect(cs[i].fd, (const struct sockaddr *)&o->addr.ss, o->addr.len) < 0 &&
		     errno != EINPROGRESS) ||
		    epoll_ctl(b->ep, EPOLL_CTL_ADD, cs[i].fd, &ev) < 0) {
			close_conn(b, &cs[i], true);
			continue;
		}
		cs[i].state = CONNECTING;
		cs[i].t0 = b->start;
		b->open++;
	}
}

static void drop(struct bench *b, struct conn *c, bool error)
{
	close_conn(b, c, error);
	b->open--;
}

/* --stream: each connection sends the message over and over, at most
 * STREAM_WINDOW bytes ahead of its echo, while it reads the echo back and
 * checks every byte; it stops sending at the end and is done when all
 * that it sent has come back. */
static unsigned long long echoed(const struct bench *b, const struct conn *c)
{
	return c->copies * (unsigned long long)b->o->size + c->reply.matched;
}

/* The echo caught up after the end: the connection is done. */
static bool stream_done(struct bench *b, struct conn *c)
{
	if (clock_now() < b->end || echoed(b, c) < c->streamed)
		return false;
	close_conn(b, c, false);
	b->open--;
	return true;
}

static void stream_push(struct bench *b, struct conn *c)
{
	size_t size = (size_t)b->o->size;
	bool sending = clock_now() < b->end;

	while (sending && c->streamed - echoed(b, c) < STREAM_WINDOW) {
		size_t off = (size_t)(c->streamed % size), len = b->slen - off;
		unsigned long long room = STREAM_WINDOW - (c->streamed - echoed(b, c));
		ssize_t n = send(c->fd, b->smsg + off, len < room ? len : (size_t)room,
				 MSG_NOSIGNAL);

		if (n < 0 && errno == EAGAIN)
			break;
		if (n < 0) {
			close_conn(b, c, true);
			b->open--;
			return;
		}
		c->streamed += (unsigned long long)n;
		b->st.bytes_out += (unsigned long long)n;
	}
	if (!stream_done(b, c))
		watch_events(b, c, EPOLLIN | (sending ? EPOLLOUT : 0));
}

/* Checks the echo of the stream: message after message, each in pieces
 * after the prefix. False when a byte is wrong (the connection closed). */
static bool stream_check(struct bench *b, struct conn *c, const unsigned char *p, size_t n)
{
	size_t size = (size_t)b->o->size;

	while (n > 0) {
		unsigned long long ahead = c->streamed - c->copies * size;
		size_t used, before = c->reply.matched;
		enum echoreply_state st = echoreply_feed(&c->reply, p, n,
							 ahead < size ? (size_t)ahead : size, &used);

		if (st == ECHOREPLY_WRONG || (st == ECHOREPLY_MORE && used < n)) {
			b->st.mismatches++;
			close_conn(b, c, true);
			b->open--;
			return false;
		}
		b->st.echoed += c->reply.matched - before;
		if (st == ECHOREPLY_DONE) {
			c->copies++;
			b->st.requests++;               /* messages echoed whole */
			echoreply_next(&c->reply);
		}
		p += used;
		n -= used;
	}
	c->t0 = clock_now();
	return true;
}

static void stream_readable(struct bench *b, struct conn *c)
{
	for (;;) {
		ssize_t r = recv(c->fd, b->rbuf, RBUF, 0);

		if (r < 0 && errno == EAGAIN)
			break;
		if (r <= 0) {
			drop(b, c, true);
			return;
		}
		b->st.bytes_in += (unsigned long long)r;
		if (!stream_check(b, c, b->rbuf, (size_t)r))
			return;
	}
	if (!stream_done(b, c) && clock_now() >= b->end)
		watch_events(b, c, EPOLLIN);
}

/* A connection's connect ended: its greeting is awaited, or it begins. */
static void tcp_connected(struct bench *b, struct conn *c)
{
	int err = 0;
	socklen_t l = sizeof err;

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &l) < 0 || err != 0) {
		drop(b, c, true);
		return;
	}
	c->greet_left = b->greeting;
	if (c->greet_left > 0) {
		c->state = GREETING;
		watch_events(b, c, EPOLLIN);
	} else {
		begin(b, c);
	}
}

/* A whole reply: counted, and the next request, or the end. */
static void tcp_answered(struct bench *b, struct conn *c)
{
	benchreport_answered(&b->st, clock_now() - c->t0);
	if (clock_now() < b->end)
		begin(b, c);
	else
		drop(b, c, false);
}

/* Reads what a connection has: greeting bytes, or reply bytes checked. */
static void tcp_readable(struct bench *b, struct conn *c)
{
	for (;;) {
		size_t room = c->state == GREETING ? c->greet_left : RBUF;
		ssize_t r = recv(c->fd, b->rbuf, room < RBUF ? room : RBUF, 0);

		if (r < 0 && errno == EAGAIN)
			return;
		if (r <= 0) {
			drop(b, c, true);
			return;
		}
		b->st.bytes_in += (unsigned long long)r;
		if (c->state == GREETING) {
			c->greet_left -= (size_t)r;
			if (c->greet_left == 0)
				begin(b, c);
			return;
		}
		if (check_reply(b, c, b->rbuf, (size_t)r)) {
			tcp_answered(b, c);
			return;
		}
		if (c->state == CLOSED) {
			b->open--;
			return;
		}
	}
}

static void tcp_event(struct bench *b, struct conn *c, uint32_t events)
{
	if (c->state == CLOSED)
		return;
	if (c->state == CONNECTING) {
		tcp_connected(b, c);
		return;
	}
	if (b->o->stream && c->state == REQUEST) {
		if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
			stream_readable(b, c);
		if (c->state == REQUEST && (events & EPOLLOUT))
			stream_push(b, c);
		return;
	}
	if ((events & EPOLLOUT) && c->state == REQUEST)
		push(b, c);
	if (c->state == CLOSED) {
		b->open--;
		return;
	}
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		tcp_readable(b, c);
}

/* A request with no reply within the wait is a timeout. */
static void tcp_expire(struct bench *b, struct conn *cs, double now)
{
	for (long i = 0; i < b->o->conns; i++)
		if (cs[i].state != CLOSED && now - cs[i].t0 > b->o->wait) {
			if (cs[i].state == CONNECTING)
				b->st.connect_timeouts++;
			else
				b->st.reply_timeouts++;
			drop(b, &cs[i], false);     /* counted as a timeout, not an error */
		}
}

/* The last moment of the run: the end, and a short grace for the replies
 * still due. */
static double last_moment(const struct bench *b)
{
	return b->end + (b->o->wait < BENCH_GRACE ? b->o->wait : BENCH_GRACE);
}

/* epoll_wait()'s timeout: the next scan for timeouts, or the last moment. */
static int wait_ms(const struct bench *b)
{
	int ms = clock_ms_until(last_moment(b));

	return ms < SCAN_MS ? ms : SCAN_MS;
}

/* What has not ended by the last moment is unanswered at the end. */
static void cut_off(struct bench *b, struct conn *cs)
{
	for (long i = 0; i < b->o->conns; i++)
		if (cs[i].state != CLOSED) {
			b->st.cut_off++;
			close_conn(b, &cs[i], false);
		}
	b->open = 0;
}

static void run_tcp(struct bench *b, struct conn *cs)
{
	struct epoll_event evs[EVENTS];
	double next_scan = b->start;

	tcp_open_all(b, cs);
	while (b->open > 0 && clock_now() < last_moment(b)) {
		double now = clock_now();
		int n;

		benchreport_tick(&b->st, now);
		if (now >= next_scan) {
			tcp_expire(b, cs, now);
			next_scan = now + SCAN_MS / 1000.0;
		}
		n = epoll_wait(b->ep, evs, EVENTS, wait_ms(b));
		for (int k = 0; k < n; k++)
			tcp_event(b, evs[k].data.ptr, evs[k].events);
	}
	cut_off(b, cs);
}

/* Sends socket i's next request: the message, its first SEQ_LEN bytes the
 * request's number, so that a late reply is not taken for the next. */
static void udp_send(struct bench *b, struct conn *c, unsigned long seq)
{
	char tag[SEQ_LEN + 1];

	snprintf(tag, sizeof tag, "%0*lu", SEQ_LEN, seq % 1000000000000ul);
	memcpy(b->msg, tag, SEQ_LEN);
	c->seq = seq;
	c->t0 = clock_now();
	if (send(c->fd, b->msg, (size_t)b->o->size, 0) == b->o->size) {
		b->st.bytes_out += (unsigned long long)b->o->size;
	} else if (errno != EAGAIN && errno != ENOBUFS && errno != ECONNREFUSED) {
		if (b->st.errors++ == 0)
			fprintf(stderr, "netecho: %s: send: %s\n", b->o->peer, strerror(errno));
	}
}

/* Opens the UDP sockets and sends each its first request. */
static void udp_open_all(struct bench *b, struct conn *cs, unsigned long *seq)
{
	const struct bench_options *o = b->o;

	for (long i = 0; i < o->conns; i++) {
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &cs[i] };

		cs[i].fd =
			socket(o->addr.ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (cs[i].fd < 0 ||
		    connect(cs[i].fd, (const struct sockaddr *)&o->addr.ss, o->addr.len) < 0 ||
		    epoll_ctl(b->ep, EPOLL_CTL_ADD, cs[i].fd, &ev) < 0) {
			close_conn(b, &cs[i], true);
			continue;
		}
		b->open++;
		cs[i].state = REQUEST;
		udp_send(b, &cs[i], ++*seq);
	}
}

/* The next request on a socket, or its end. */
static void udp_next(struct bench *b, struct conn *c, unsigned long *seq)
{
	if (clock_now() < b->end) {
		udp_send(b, c, ++*seq);
	} else {
		close_conn(b, c, false);
		b->open--;
	}
}

/* A lost datagram or reply: counted, and the next one goes. */
static void udp_expire(struct bench *b, struct conn *cs, double now, unsigned long *seq)
{
	for (long i = 0; i < b->o->conns; i++)
		if (cs[i].state == REQUEST && now - cs[i].t0 > b->o->wait) {
			b->st.reply_timeouts++;
			udp_next(b, &cs[i], seq);
		}
}

/* A datagram came on a socket: the reply to its request, checked. */
static void udp_readable(struct bench *b, struct conn *c, unsigned long *seq)
{
	const struct bench_options *o = b->o;
	ssize_t r = recv(c->fd, b->rbuf, RBUF, 0);
	char tag[SEQ_LEN + 1];

	if (r < 0) {
		if (errno != EAGAIN && errno != ECONNREFUSED)
			b->st.errors++;
		return;
	}
	b->st.bytes_in += (unsigned long long)r;
	/* prefix, this request's number, the rest of the message */
	snprintf(tag, sizeof tag, "%0*lu", SEQ_LEN, c->seq % 1000000000000ul);
	if ((size_t)r != b->extra + (size_t)o->size ||
	    memcmp(b->rbuf, b->prefix, b->extra) != 0 ||
	    memcmp(b->rbuf + b->extra + SEQ_LEN, b->msg + SEQ_LEN, (size_t)o->size - SEQ_LEN) !=
		    0) {
		b->st.mismatches++;
		return;
	}
	if (memcmp(b->rbuf + b->extra, tag, SEQ_LEN) != 0)
		return;         /* a late reply to a request given up on */
	benchreport_answered(&b->st, clock_now() - c->t0);
	udp_next(b, c, seq);
}

static void run_udp(struct bench *b, struct conn *cs)
{
	struct epoll_event evs[EVENTS];
	double next_scan = b->start;
	unsigned long seq = 0;

	udp_open_all(b, cs, &seq);
	while (b->open > 0 && clock_now() < last_moment(b)) {
		double now = clock_now();
		int n;

		benchreport_tick(&b->st, now);
		if (now >= next_scan) {
			udp_expire(b, cs, now, &seq);
			next_scan = now + SCAN_MS / 1000.0;
		}
		n = epoll_wait(b->ep, evs, EVENTS, wait_ms(b));
		for (int k = 0; k < n; k++)
			if (((struct conn *)evs[k].data.ptr)->state != CLOSED)
				udp_readable(b, evs[k].data.ptr, &seq);
	}
	cut_off(b, cs);
}

/* A descriptor a connection, and a few. Returns 0, or an exit status. */
static int enough_descriptors(long conns)
{
	struct rlimit rl;
	rlim_t want = (rlim_t)conns + 16;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= want)
		return 0;
	rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
	if (setrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur >= want)
		return 0;
	fprintf(stderr, "netecho: %ld connections need %ld descriptors; the limit is %lu (ulimit -n)\n",
		conns, conns + 16, (unsigned long)rl.rlim_cur);
	return EX_USAGE;
}

/* After the probe: does a message fit, and what is it. Returns 0, or an
 * exit status. */
static int make_message(struct bench *b)
{
	const struct bench_options *o = b->o;

	if (o->udp && (size_t)o->size + b->extra > UDP_PAYLOAD_MAX) {
		fprintf(stderr,
			"netecho: %ld-byte messages with a %zu-byte reply prefix do not fit a datagram (-s %zu at most)\n",
			o->size, b->extra, UDP_PAYLOAD_MAX - b->extra);
		return EX_USAGE;
	}
	if (o->udp && o->size < SEQ_LEN) {
		fprintf(stderr,
			"netecho: UDP bench messages carry a %d-byte sequence number: -s %d at least\n",
			SEQ_LEN, SEQ_LEN);
		return EX_USAGE;
	}
	/* the message: letters, none equal to the prefix's first byte */
	for (long i = 0; i < o->size; i++) {
		unsigned char x = (unsigned char)('a' + i % 26);

		if (b->extra > 0 && x == b->prefix[0])
			x = (unsigned char)('a' + (x - 'a' + 1) % 26);
		b->msg[i] = x;
	}
	/* --stream writes copies of it STREAM_WRITE bytes at a time, or one */
	b->slen = o->stream && o->size < STREAM_WRITE ? STREAM_WRITE / (size_t)o->size * (size_t)o->size
						       : (size_t)o->size;
	if (o->stream && (b->smsg = malloc(b->slen)) == NULL) {
		fprintf(stderr, "netecho: out of memory\n");
		return EX_OSERR;
	}
	for (size_t i = 0; o->stream && i < b->slen; i += (size_t)o->size)
		memcpy(b->smsg + i, b->msg, (size_t)o->size);
	return 0;
}

/* Replies that went missing: said once, with what they look like. */
static void say_missing(const struct bench *b)
{
	const struct bench_options *o = b->o;
	double rate;

	if (b->st.reply_timeouts == 0 && b->st.connect_timeouts == 0)
		return;
	if (o->udp && benchreport_rate_limited(&b->st, b->end - b->start, &rate))
		fprintf(stderr,
			"netecho: %s: %lu requests got no reply while replies came at a steady %.0f a second, as a rate limit gives: netechod holds echoes beyond [udp] echo_rate (10 a second a source by default); raise echo_rate and echo_rate_total in netechod.conf to bench UDP\n",
			o->peer, b->st.reply_timeouts, rate);
	else
		fprintf(stderr,
			"netecho: %s: %lu connections not made and %lu requests not answered within %gs\n",
			o->peer, b->st.connect_timeouts, b->st.reply_timeouts, o->wait);
}

/* The measured run and its report. Returns the exit status. */
static int measure(struct bench *b, struct conn *cs, double begun)
{
	const struct bench_options *o = b->o;

	b->start = clock_now();
	/* the run lasts -d from its beginning, the probe included */
	b->end = begun + o->seconds > b->start + 0.1 ? begun + o->seconds : b->start + 0.1;
	if (benchreport_init(&b->st, o, b->start) < 0) {
		fprintf(stderr, "netecho: out of memory\n");
		return EX_OSERR;
	}
	b->st.greeting = b->greeting;
	b->st.prefix = b->extra;
	if (o->udp)
		run_udp(b, cs);
	else
		run_tcp(b, cs);
	if (o->progress)
		fprintf(stderr, "\n");
	benchreport_print(&b->st, clock_now());
	if (fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr, "netecho: standard output: %s\n", strerror(errno));
		return EX_IOERR;
	}
	say_missing(b);
	return b->st.requests > 0 && b->st.errors == 0 && b->st.mismatches == 0 &&
			       b->st.reply_timeouts == 0 && b->st.connect_timeouts == 0
		       ? 0
		       : 1;
}

int bench_run(const struct bench_options *o)
{
	struct bench b = { .o = o };
	struct conn *cs = calloc((size_t)o->conns, sizeof *cs);
	double begun = clock_now();
	int status = EX_OSERR;

	b.msg = malloc((size_t)o->size);
	b.rbuf = malloc(RBUF);
	b.ep = epoll_create1(EPOLL_CLOEXEC);
	if (cs == NULL || b.msg == NULL || b.rbuf == NULL || b.ep < 0)
		fprintf(stderr, "netecho: %s\n", strerror(errno ? errno : ENOMEM));
	else if ((status = enough_descriptors(o->conns)) == 0 && (status = probe(&b)) == 0 &&
		 (status = make_message(&b)) == 0)
		status = measure(&b, cs, begun);
	if (b.ep >= 0)
		close(b.ep);
	benchreport_free(&b.st);
	free(cs);
	free(b.msg);
	free(b.smsg);
	free(b.rbuf);
	return status;
}
