/* stress: a test client that abuses an echo server and checks what it gets.
 *
 *   stress flood  -p PORT [-n ATTEMPTS] [-c PARALLEL] [-H HOLD_MS]
 *       connection attempts as fast as they go, PARALLEL at a time, each
 *       closed HOLD_MS after it is established
 *   stress probe  -p PORT [-d SECONDS] [-i INTERVAL_MS] [-P PREFIX]
 *       one connection, a message every interval; prints "ready", then at
 *       the end the number of probes and the slowest round trip
 *   stress push   -p PORT [-b BYTES] [-H HOLD_MS]
 *       sends BYTES without ever reading; says how it ended; with -H,
 *       then holds the connection open that long, still not reading
 *   stress stream -p PORT [-c CONNS] [-d SECONDS]
 *       CONNS connections sending and reading at once; every byte must come
 *       back unchanged (empty prefix) and each must end with a clean EOF
 *   stress reset  -p PORT [-b BYTES]
 *       sends BYTES, then resets the connection while the replies flow
 *   stress udpflood -p PORT [-n DATAGRAMS] [-c SOURCES]
 *       DATAGRAMS small datagrams from SOURCES addresses 127.0.0.1,
 *       127.0.0.2 ..., as a spoofed flood would look to the server
 *   stress badecho -p PORT [-W]
 *       a TCP echo server that answers each connection's first message
 *       right and flips a bit of every later one: a client that says it
 *       checks replies must notice; with -W it answers every message
 *       with as many 'z' bytes
 *   stress soak   -p PORT [-d SECONDS] [-c CONNS] [-P PREFIX]
 *       CONNS threads connecting, exchanging 1-50 messages of 1-4096 bytes
 *       and disconnecting, over and over, plus UDP round trips (echoed
 *       exactly: no prefix); every byte is checked
 *   stress connect -p PORT [-P PREFIX] [-d SECONDS]
 *       new connections one after another until SIGTERM or SECONDS: each
 *       sends a message, half-closes, and must get PREFIX + message and a
 *       clean EOF within 10 s; prints "ready" after the first, and at the
 *       end how many were answered, refused, reset, timed out or wrong
 *   stress bind   -p PORT [-h HOST] [-u]
 *       holds HOST:PORT (TCP listening, or UDP with -u) until killed, as
 *       another program on the port would; prints "bound"
 *   stress blackhole -p PORT [-h HOST]
 *       a UDP socket that reads and never answers (a name server that does
 *       not answer); prints "bound", then "query N" for each datagram
 *   stress dgramfill -h PATH
 *       fills the queue of the unix datagram socket at PATH (a syslog
 *       daemon that has stopped reading): sends until it is full, prints
 *       how many it took
 *   stress spoof -p PORT [-h HOST] -s SOURCE:SPORT [-m MESSAGE]
 *       one UDP datagram to HOST:PORT that claims to come from
 *       SOURCE:SPORT (IPv4, a raw socket: needs root in the namespace; exit
 *       status 77 when a raw socket is not allowed here)
 *   stress first  -p PORT [-d SECONDS] [-m MESSAGE]
 *       connects over and over, each refused at once, until PORT listens
 *       (at most SECONDS), as soon as it does; sends MESSAGE, prints what
 *       comes back within 10 s
 *   stress udpask -p PORT [-h HOST] [-m MESSAGE]
 *       one datagram from an unconnected socket allowed to broadcast;
 *       prints "reply from ADDRESS: PAYLOAD" for the first reply within
 *       2 s, or "no reply"
 *
 * Host: -h (default 127.0.0.1). Prints one line of key=value figures; exits
 * 0 when what it checked was right. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "echoreply.h"
#include "helper.h"

static const char *host = "127.0.0.1", *port, *prefix = "";
static size_t plen;
static long attempts = 5000, parallel = 200, hold_ms, interval_ms = 10, conns = 10,
	    bytes = 100 << 20;
static double seconds = 5;
static struct sockaddr_storage target;
static socklen_t target_len;

static int tcp_connect(bool nonblock)
{
	int fd = socket(target.ss_family, SOCK_STREAM | (nonblock ? SOCK_NONBLOCK : 0), 0), one = 1;

	if (fd < 0)
		return -1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (connect(fd, (struct sockaddr *)&target, target_len) < 0 &&
	    !(nonblock && errno == EINPROGRESS)) {
		close(fd);
		return -1;
	}
	return fd;
}

static void set_timeout(int fd, double secs)
{
	struct timeval tv = { (time_t)secs, (suseconds_t)((secs - (double)(time_t)secs) * 1e6) };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

static int send_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void fill(unsigned char *m, size_t len, uint64_t *seed)
{
	for (size_t i = 0; i < len; i++) {
		*seed = *seed * 6364136223846793005ull + 1442695040888963407ull;
		m[i] = (unsigned char)(*seed >> 56);
		if (plen > 0 && m[i] == (unsigned char)prefix[0])
			m[i] ^= 1;
	}
}

/* ---- flood ---- */

static int do_flood(void)
{
	struct pollfd *pfd = calloc((size_t)parallel, sizeof *pfd);
	double *since = calloc((size_t)parallel, sizeof *since);
	long started = 0, established = 0, failed = 0, active = 0;

	if (pfd == NULL || since == NULL)
		return 2;
	for (long i = 0; i < parallel; i++)
		pfd[i].fd = -1;
	while (started < attempts || active > 0) {
		for (long i = 0; i < parallel && started < attempts; i++) {
			if (pfd[i].fd >= 0)
				continue;
			pfd[i].fd = tcp_connect(true);
			pfd[i].events = POLLOUT;
			since[i] = 0;
			started++;
			if (pfd[i].fd < 0)
				failed++;
			else
				active++;
		}
		if (poll(pfd, (nfds_t)parallel, 10) < 0 && errno != EINTR)
			return 2;
		for (long i = 0; i < parallel; i++) {
			int err = 0;
			socklen_t l = sizeof err;

			if (pfd[i].fd < 0)
				continue;
			if (since[i] > 0) {
				if (clock_now() - since[i] >= (double)hold_ms / 1000) {
					close(pfd[i].fd);
					pfd[i].fd = -1;
					active--;
				}
				continue;
			}
			if (pfd[i].revents == 0)
				continue;
			getsockopt(pfd[i].fd, SOL_SOCKET, SO_ERROR, &err, &l);
			if (err != 0 || (pfd[i].revents & (POLLERR | POLLHUP)) != 0) {
				failed++;
				close(pfd[i].fd);
				pfd[i].fd = -1;
				active--;
				continue;
			}
			established++;
			since[i] = clock_now();
			pfd[i].events = 0;
		}
	}
	printf("attempts=%ld established=%ld failed=%ld\n", started, established, failed);
	free(pfd);
	free(since);
	return 0;
}

/* ---- probe ---- */

static atomic_bool stop_probe;

static void on_term(int sig)
{
	(void)sig;
	atomic_store(&stop_probe, true);
}

static int do_probe(void)
{
	unsigned char buf[256], msg[64];
	double end, worst = 0;
	long probes = 0, failures = 0;
	int fd = -1;

	/* the connection the flood must not disturb: a few tries, each
	 * failure said, so that a slow start shows rather than hangs */
	for (int attempt = 1; attempt <= 5 && fd < 0; attempt++) {
		struct pollfd p;
		int err = 0;
		socklen_t l = sizeof err;

		fd = tcp_connect(true);
		if (fd < 0) {
			fprintf(stderr, "stress probe: connect (try %d): %s\n", attempt,
				strerror(errno));
		} else {
			p = (struct pollfd){ .fd = fd, .events = POLLOUT };
			if (poll(&p, 1, 2000) != 1 ||
			    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &l) < 0 || err != 0) {
				fprintf(stderr, "stress probe: connect (try %d): %s\n", attempt,
					err ? strerror(err) : "timed out");
				close(fd);
				fd = -1;
			} else if (fcntl(fd, F_SETFL, 0) < 0) {
				perror("stress probe: fcntl");
				return 1;
			}
		}
		if (fd < 0)
			usleep(200000);
	}
	if (fd < 0)
		return 1;
	signal(SIGTERM, on_term);
	set_timeout(fd, 5);
	printf("ready\n");
	fflush(stdout);
	end = clock_now() + seconds;
	while (clock_now() < end && !atomic_load(&stop_probe)) {
		struct echoreply v;
		int len = snprintf((char *)msg, sizeof msg, "probe %ld\n", probes);
		double t0 = clock_now();
		int done = 0;

		if (plen > 0 && strchr((char *)msg, prefix[0]) != NULL)
			return 2;
		echoreply_start(&v, prefix, plen, msg, (size_t)len);
		if (send_all(fd, msg, (size_t)len) < 0) {
			failures++;
			break;
		}
		while (done == 0) {
			ssize_t n = recv(fd, buf, sizeof buf, 0);
			size_t used;

			if (n < 0 && errno == EINTR)
				continue;       /* the SIGTERM that ends the probe */
			if (n <= 0) {
				fprintf(stderr, "stress probe: %s\n",
					n == 0 ? "EOF" : strerror(errno));
				done = -1;
				break;
			}
			done = echoreply_feed(&v, buf, (size_t)n, (size_t)len, &used);
			if (done == ECHOREPLY_DONE && used != (size_t)n)
				done = -1;
		}
		probes++;
		if (done != 1) {
			fprintf(stderr, "stress probe: probe %ld failed\n", probes);
			failures++;
			break;
		}
		if (clock_now() - t0 > worst)
			worst = clock_now() - t0;
		usleep((useconds_t)interval_ms * 1000);
	}
	printf("probes=%ld failures=%ld max_ms=%.1f\n", probes, failures, worst * 1000);
	return failures == 0 && probes > 0 ? 0 : 1;
}

/* ---- push: never read ---- */

static int do_push(void)
{
	static char chunk[65536];
	int fd = tcp_connect(false);
	long pushed = 0;
	const char *how = "done";

	if (fd < 0) {
		perror("stress push: connect");
		return 1;
	}
	memset(chunk, 'p', sizeof chunk);
	set_timeout(fd, seconds);
	while (pushed < bytes) {
		size_t want = (size_t)(bytes - pushed) < sizeof chunk ? (size_t)(bytes - pushed)
								      : sizeof chunk;
		ssize_t n = send(fd, chunk, want, MSG_NOSIGNAL);

		if (n < 0) {
			how = errno == EAGAIN ? "stalled" : errno == EPIPE ? "closed" :
			      errno == ECONNRESET ? "reset" : strerror(errno);
			break;
		}
		pushed += n;
	}
	printf("pushed=%ld ended=%s\n", pushed, how);
	fflush(stdout);
	if (hold_ms > 0) {
		/* no reading, no closing: until the server closes or time's up */
		struct pollfd p = { .fd = fd, .events = POLLRDHUP };

		poll(&p, 1, (int)hold_ms);
	}
	close(fd);
	return 0;
}

/* ---- reset mid-transfer ---- */

static int do_reset(void)
{
	static char chunk[65536];
	int fd = tcp_connect(false);
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	long sent = 0;

	if (fd < 0) {
		perror("stress reset: connect");
		return 1;
	}
	memset(chunk, 'r', sizeof chunk);
	set_timeout(fd, 2);
	while (sent < bytes) {
		ssize_t n = send(fd, chunk, sizeof chunk, MSG_NOSIGNAL);

		if (n <= 0)
			break;
		sent += n;
	}
	/* some replies are on their way: reset now */
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	close(fd);
	printf("sent=%ld reset=yes\n", sent);
	return 0;
}

/* ---- stream: send and read at once until the server ends it ---- */

struct stream_result {
	unsigned long sent, received, mismatches, resets;
	bool eof;
};

static void *stream_conn(void *arg)
{
	struct stream_result *r = arg;
	unsigned char out[16384], in[16384];
	uint64_t wseed = (uint64_t)(uintptr_t)arg, rseed = wseed;
	int fd = tcp_connect(true);
	double end = clock_now() + seconds;

	if (fd < 0) {
		r->resets++;
		return NULL;
	}
	fill(out, sizeof out, &wseed);
	while (clock_now() < end) {
		struct pollfd p = { .fd = fd, .events = POLLIN | (r->eof ? 0 : POLLOUT) };

		if (poll(&p, 1, 100) < 0 && errno != EINTR)
			break;
		if (p.revents & POLLOUT) {
			ssize_t n = send(fd, out, sizeof out, MSG_NOSIGNAL);

			if (n > 0) {
				/* the stream is the seeded sequence: refill what went */
				r->sent += (unsigned long)n;
				memmove(out, out + n, sizeof out - (size_t)n);
				fill(out + sizeof out - n, (size_t)n, &wseed);
			}
		}
		if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n = recv(fd, in, sizeof in, MSG_DONTWAIT);

			if (n > 0) {
				unsigned char expect[16384];

				fill(expect, (size_t)n, &rseed);
				if (memcmp(expect, in, (size_t)n) != 0)
					r->mismatches++;
				r->received += (unsigned long)n;
			} else if (n == 0) {
				r->eof = true;
				break;
			} else if (errno != EAGAIN && errno != EINTR) {
				r->resets++;
				break;
			}
		}
	}
	close(fd);
	return NULL;
}

static int do_stream(void)
{
	pthread_t *t = calloc((size_t)conns, sizeof *t);
	struct stream_result *r = calloc((size_t)conns, sizeof *r);
	unsigned long sent = 0, received = 0, mismatches = 0, resets = 0, eofs = 0;

	if (t == NULL || r == NULL)
		return 2;
	for (long i = 0; i < conns; i++)
		pthread_create(&t[i], NULL, stream_conn, &r[i]);
	printf("streaming\n");
	fflush(stdout);
	for (long i = 0; i < conns; i++) {
		pthread_join(t[i], NULL);
		sent += r[i].sent;
		received += r[i].received;
		mismatches += r[i].mismatches;
		resets += r[i].resets;
		eofs += r[i].eof;
	}
	printf("conns=%ld sent=%lu received=%lu mismatches=%lu resets=%lu eof=%lu\n",
	       conns, sent, received, mismatches, resets, eofs);
	free(t);
	free(r);
	return mismatches == 0 && resets == 0 && eofs == (unsigned long)conns ? 0 : 1;
}

/* ---- UDP flood from many addresses ---- */

static int do_udpflood(void)
{
	int *fds = calloc((size_t)conns, sizeof *fds);
	long sent = 0;

	if (fds == NULL || target.ss_family != AF_INET)
		return 2;
	for (long i = 0; i < conns; i++) {
		struct sockaddr_in src = { .sin_family = AF_INET };

		src.sin_addr.s_addr = htonl(0x7f000001u + (uint32_t)i);
		fds[i] = socket(AF_INET, SOCK_DGRAM, 0);
		if (fds[i] < 0 || bind(fds[i], (struct sockaddr *)&src, sizeof src) < 0) {
			perror("stress udpflood: bind");
			return 1;
		}
	}
	for (long n = 0; n < attempts; n++) {
		char msg[32];
		int len = snprintf(msg, sizeof msg, "flood %ld", n);

		while (sendto(fds[n % conns], msg, (size_t)len, 0, (struct sockaddr *)&target,
			      target_len) < 0) {
			if (errno != ENOBUFS && errno != EAGAIN) {
				perror("stress udpflood: sendto");
				return 1;
			}
			usleep(100);
		}
		sent++;
		if (n % 64 == 63)
			usleep(200);    /* a flood, but one the receiver can keep up with */
	}
	printf("sent=%ld sources=%ld\n", sent, conns);
	for (long i = 0; i < conns; i++)
		close(fds[i]);
	free(fds);
	return 0;
}

/* ---- a server whose echo goes wrong ---- */

static bool always_wrong;

static void *badecho_conn(void *arg)
{
	int fd = (int)(intptr_t)arg;
	unsigned char buf[16384];
	ssize_t n;
	bool first = true;

	while ((n = recv(fd, buf, sizeof buf, 0)) > 0) {
		if (always_wrong)
			memset(buf, 'z', (size_t)n);
		else if (!first)
			buf[0] ^= 1;
		first = false;
		if (send_all(fd, buf, (size_t)n) < 0)
			break;
	}
	close(fd);
	return NULL;
}

static int do_badecho(void)
{
	int ls = socket(target.ss_family, SOCK_STREAM, 0), one = 1;

	if (ls < 0 || setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    bind(ls, (struct sockaddr *)&target, target_len) < 0 || listen(ls, 128) < 0) {
		perror("stress badecho");
		return 1;
	}
	printf("listening\n");
	fflush(stdout);
	for (;;) {
		int fd = accept(ls, NULL, NULL);
		pthread_t t;

		if (fd < 0)
			continue;
		if (pthread_create(&t, NULL, badecho_conn, (void *)(intptr_t)fd) != 0)
			close(fd);
		else
			pthread_detach(t);
	}
}

/* ---- soak ---- */

static atomic_ulong soak_sessions, soak_messages, soak_bytes, soak_errors, soak_udp_ok,
	soak_udp_lost;

static void soak_error(const char *what)
{
	atomic_fetch_add(&soak_errors, 1);
	fprintf(stderr, "stress soak: %s: %s\n", what, strerror(errno));
}

static void *soak_tcp(void *arg)
{
	uint64_t seed = (uint64_t)(uintptr_t)arg * 7919 + 1;
	unsigned char *msg = malloc(4096), buf[8192];
	double end = clock_now() + seconds;

	while (msg != NULL && clock_now() < end) {
		int fd = tcp_connect(false);
		long n;

		if (fd < 0) {
			soak_error("connect");
			usleep(10000);
			continue;
		}
		set_timeout(fd, 10);
		seed = seed * 6364136223846793005ull + 1;
		n = 1 + (long)(seed >> 33) % 50;
		for (long m = 0; m < n; m++) {
			struct echoreply v;
			size_t len;
			int done = 0;

			seed = seed * 6364136223846793005ull + 1;
			len = 1 + (size_t)((seed >> 33) % 4096);
			fill(msg, len, &seed);
			echoreply_start(&v, prefix, plen, msg, len);
			if (send_all(fd, msg, len) < 0) {
				soak_error("send");
				break;
			}
			while (done == 0) {
				ssize_t r = recv(fd, buf, sizeof buf, 0);
				size_t used;

				if (r <= 0) {
					soak_error(r == 0 ? "early EOF" : "recv");
					done = -1;
					break;
				}
				done = echoreply_feed(&v, buf, (size_t)r, len, &used);
				if (done == ECHOREPLY_WRONG ||
				    (done == ECHOREPLY_DONE && used != (size_t)r)) {
					errno = EBADMSG;
					soak_error("reply differs");
					done = -1;
				}
			}
			if (done != 1)
				break;
			atomic_fetch_add(&soak_messages, 1);
			atomic_fetch_add(&soak_bytes, len);
		}
		/* half the sessions half-close and read to EOF, the rest just close */
		if (seed >> 63) {
			ssize_t r;

			shutdown(fd, SHUT_WR);
			while ((r = recv(fd, buf, sizeof buf, 0)) > 0)
				;
			if (r < 0)
				soak_error("no EOF after half-close");
		}
		close(fd);
		atomic_fetch_add(&soak_sessions, 1);
	}
	free(msg);
	return NULL;
}

static void *soak_udp(void *arg)
{
	int fd = socket(target.ss_family, SOCK_DGRAM, 0);
	unsigned char msg[1200], buf[2048];
	uint64_t seed = 99;
	double end = clock_now() + seconds;

	(void)arg;
	if (fd < 0 || connect(fd, (struct sockaddr *)&target, target_len) < 0) {
		soak_error("udp socket");
		return NULL;
	}
	set_timeout(fd, 2);
	while (clock_now() < end) {
		size_t len = 1 + (size_t)((seed >> 33) % sizeof msg);
		ssize_t r;

		fill(msg, len, &seed);
		if (send(fd, msg, len, 0) < 0) {
			soak_error("udp send");
			continue;
		}
		/* a UDP echo is the datagram itself, never larger */
		r = recv(fd, buf, sizeof buf, 0);
		if (r == (ssize_t)len && memcmp(buf, msg, len) == 0)
			atomic_fetch_add(&soak_udp_ok, 1);
		else
			atomic_fetch_add(&soak_udp_lost, 1);
		usleep(1000);
	}
	close(fd);
	return NULL;
}

static int do_soak(void)
{
	pthread_t *t = calloc((size_t)conns + 1, sizeof *t);

	if (t == NULL)
		return 2;
	for (long i = 0; i < conns; i++)
		pthread_create(&t[i], NULL, soak_tcp, (void *)(uintptr_t)(i + 1));
	pthread_create(&t[conns], NULL, soak_udp, NULL);
	for (long i = 0; i <= conns; i++)
		pthread_join(t[i], NULL);
	free(t);
	printf("sessions=%lu messages=%lu bytes_checked=%lu udp_ok=%lu udp_lost=%lu errors=%lu\n",
	       atomic_load(&soak_sessions), atomic_load(&soak_messages), atomic_load(&soak_bytes),
	       atomic_load(&soak_udp_ok), atomic_load(&soak_udp_lost), atomic_load(&soak_errors));
	return atomic_load(&soak_errors) == 0 && atomic_load(&soak_udp_lost) == 0 &&
	       atomic_load(&soak_sessions) > 0 ? 0 : 1;
}

/* ---- connect: new connections one after another, each checked ---- */

enum outcome { ANSWERED, REFUSED, RESET, TIMED_OUT, WRONG, OUTCOMES };

/* One connection: a message, a half-close, its echo and EOF. */
static enum outcome one_connection(long n, char *why, size_t whylen)
{
	unsigned char msg[64], buf[512];
	struct echoreply v;
	int fd = tcp_connect(false), len = snprintf((char *)msg, sizeof msg, "c%ld", n);
	enum echoreply_state st = ECHOREPLY_MORE;
	enum outcome o = ANSWERED;

	if (fd < 0) {
		snprintf(why, whylen, "connect: %s", strerror(errno));
		return errno == ECONNREFUSED ? REFUSED : errno == ECONNRESET ? RESET : WRONG;
	}
	set_timeout(fd, 10);
	echoreply_start(&v, prefix, plen, msg, (size_t)len);
	if (send_all(fd, msg, (size_t)len) < 0 || shutdown(fd, SHUT_WR) < 0) {
		snprintf(why, whylen, "send: %s", strerror(errno));
		o = errno == ECONNRESET || errno == EPIPE ? RESET : WRONG;
	}
	while (o == ANSWERED) {
		ssize_t r = recv(fd, buf, sizeof buf, 0);
		size_t used;

		if (r < 0) {
			snprintf(why, whylen, "recv: %s", strerror(errno));
			o = errno == EAGAIN ? TIMED_OUT : errno == ECONNRESET ? RESET : WRONG;
		} else if (r == 0) {
			if (st != ECHOREPLY_DONE) {
				snprintf(why, whylen, "EOF before the whole reply");
				o = WRONG;
			}
			break;
		} else if (st == ECHOREPLY_DONE ||
			   (st = echoreply_feed(&v, buf, (size_t)r, (size_t)len, &used)) ==
				   ECHOREPLY_WRONG ||
			   used != (size_t)r) {
			snprintf(why, whylen, "reply differs");
			o = WRONG;
		}
	}
	close(fd);
	return o;
}

static int do_connect(void)
{
	static const char *const names[OUTCOMES] = {"answered", "refused", "reset", "timed_out",
						    "wrong"};
	unsigned long count[OUTCOMES] = { 0 };
	double end = clock_now() + seconds;
	char why[128];

	signal(SIGTERM, on_term);
	for (long n = 0; clock_now() < end && !atomic_load(&stop_probe); n++) {
		enum outcome o = one_connection(n, why, sizeof why);

		if (atomic_load(&stop_probe))
			break;          /* the SIGTERM that ends it may have cut this one short */
		count[o]++;
		if (o != ANSWERED)
			fprintf(stderr, "stress connect: connection %ld: %s\n", n, why);
		if (n == 0) {
			printf("ready\n");
			fflush(stdout);
		}
	}
	for (int i = 0; i < OUTCOMES; i++)
		printf("%s%s=%lu", i ? " " : "", names[i], count[i]);
	printf("\n");
	return count[ANSWERED] > 0 && count[ANSWERED] ==
					      count[0] + count[1] + count[2] + count[3] + count[4]
		       ? 0
		       : 1;
}

/* ---- bind: another program on the port ---- */

static bool udp_mode;

static int do_bind(void)
{
	int fd = socket(target.ss_family, udp_mode ? SOCK_DGRAM : SOCK_STREAM, 0), one = 1;

	if (fd < 0 ||
	    (target.ss_family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) < 0) ||
	    bind(fd, (struct sockaddr *)&target, target_len) < 0 ||
	    (!udp_mode && listen(fd, 16) < 0)) {
		perror("stress bind");
		return 1;
	}
	printf("bound\n");
	fflush(stdout);
	for (;;)
		pause();
}

/* ---- blackhole: a name server that never answers ---- */

static int do_blackhole(void)
{
	int fd = socket(target.ss_family, SOCK_DGRAM, 0);
	char buf[2048];
	unsigned long n = 0;

	if (fd < 0 || bind(fd, (struct sockaddr *)&target, target_len) < 0) {
		perror("stress blackhole");
		return 1;
	}
	printf("bound\n");
	fflush(stdout);
	for (;;)
		if (recv(fd, buf, sizeof buf, 0) >= 0) {
			printf("query %lu\n", ++n);
			fflush(stdout);
		}
}

/* ---- dgramfill: a syslog that does not read ---- */

static int do_dgramfill(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	long n = 0;

	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", host);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof sun) < 0) {
		perror("stress dgramfill");
		return 1;
	}
	while (send(fd, "<14>filler", 10, 0) == 10)
		n++;
	if (errno != EAGAIN) {
		perror("stress dgramfill: send");
		return 1;
	}
	printf("filled=%ld\n", n);
	return 0;
}

/* ---- spoof: a datagram with another source ---- */

static const char *spoof_source, *message = "x";

static int do_spoof(void)
{
	struct sockaddr_in dst, src = { .sin_family = AF_INET };
	unsigned char pkt[1500];
	size_t mlen = strlen(message), len = 20 + 8 + mlen;
	char shost[64];
	const char *colon = spoof_source != NULL ? strrchr(spoof_source, ':') : NULL;
	int fd;

	if (target.ss_family != AF_INET || colon == NULL ||
	    (size_t)(colon - spoof_source) >= sizeof shost || len > sizeof pkt) {
		fprintf(stderr, "stress spoof: an IPv4 target and -s ADDRESS:PORT\n");
		return 2;
	}
	memcpy(shost, spoof_source, (size_t)(colon - spoof_source));
	shost[colon - spoof_source] = '\0';
	if (inet_pton(AF_INET, shost, &src.sin_addr) != 1)
		return 2;
	src.sin_port = htons((uint16_t)num(colon + 1));
	memcpy(&dst, &target, sizeof dst);
	fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	if (fd < 0) {
		int err = errno;

		perror("stress spoof: raw socket");
		return err == EPERM || err == EACCES ? 77 : 1;   /* 77: not allowed here */
	}
	memset(pkt, 0, sizeof pkt);
	pkt[0] = 0x45;                          /* IPv4, 20-byte header */
	pkt[2] = (unsigned char)(len >> 8);
	pkt[3] = (unsigned char)len;
	pkt[8] = 64;                            /* TTL */
	pkt[9] = IPPROTO_UDP;
	memcpy(pkt + 12, &src.sin_addr, 4);
	memcpy(pkt + 16, &dst.sin_addr, 4);     /* the kernel fills in the checksum and id */
	memcpy(pkt + 20, &src.sin_port, 2);
	memcpy(pkt + 22, &dst.sin_port, 2);
	pkt[24] = (unsigned char)((8 + mlen) >> 8);
	pkt[25] = (unsigned char)(8 + mlen);    /* UDP checksum 0: none, as IPv4 allows */
	memcpy(pkt + 28, message, mlen);
	if (sendto(fd, pkt, len, 0, (struct sockaddr *)&dst, sizeof dst) != (ssize_t)len) {
		perror("stress spoof: sendto");
		return 1;
	}
	printf("sent\n");
	return 0;
}

/* ---- udpask: a datagram, maybe to a broadcast address; its reply is
 * awaited 10 s (a loaded machine; the test expects one) ---- */

static int do_udpask(void)
{
	int fd = socket(target.ss_family, SOCK_DGRAM, 0), one = 1;
	struct sockaddr_storage from;
	socklen_t fromlen = sizeof from;
	char buf[2048], where[INET6_ADDRSTRLEN];
	struct pollfd p;
	ssize_t n;

	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof one) < 0 ||
	    sendto(fd, message, strlen(message), 0, (struct sockaddr *)&target, target_len) < 0) {
		perror("stress udpask");
		return 1;
	}
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	if (poll(&p, 1, 10000) != 1 ||
	    (n = recvfrom(fd, buf, sizeof buf - 1, 0, (struct sockaddr *)&from, &fromlen)) < 0) {
		printf("no reply\n");
		return 1;
	}
	buf[n] = '\0';
	if (from.ss_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)&from)->sin_addr, where, sizeof where);
	else
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&from)->sin6_addr, where,
			  sizeof where);
	printf("reply from %s: %s\n", where, buf);
	return 0;
}

/* ---- first: the first connection a new listener takes ---- */

static int do_first(void)
{
	double end = clock_now() + seconds;
	char buf[256];
	ssize_t n;
	int fd = -1;

	while (fd < 0 && clock_now() < end) {
		fd = socket(target.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			perror("stress first: socket");
			return 1;
		}
		if (connect(fd, (struct sockaddr *)&target, target_len) < 0) {
			if (errno != ECONNREFUSED) {
				perror("stress first: connect");
				close(fd);
				return 1;
			}
			close(fd);
			fd = -1;
		}
	}
	if (fd < 0) {
		printf("never listened\n");
		return 1;
	}
	set_timeout(fd, 10);
	if (write(fd, message, strlen(message)) < 0 ||
	    (n = read(fd, buf, sizeof buf - 1)) < 0) {
		perror("stress first");
		close(fd);
		return 1;
	}
	buf[n] = '\0';
	printf("%s\n", buf);
	close(fd);
	return 0;
}

static const struct {
	const char *name;
	int (*run)(void);
} modes[] = {
	{"first", do_first},
	{"connect", do_connect},     {"bind", do_bind},	      {"blackhole", do_blackhole},
	{"dgramfill", do_dgramfill}, {"spoof", do_spoof},     {"udpask", do_udpask},
	{"flood", do_flood},	     {"probe", do_probe},     {"push", do_push},
	{"reset", do_reset},	     {"stream", do_stream},   {"soak", do_soak},
	{"udpflood", do_udpflood},   {"badecho", do_badecho},
};

int main(int argc, char **argv)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE }, *ai;
	const char *mode;
	int opt, rc;

	if (argc < 2) {
		fprintf(stderr, "usage: see the comment at the top of tests/stress.c\n");
		return 2;
	}
	mode = argv[1];
	optind = 2;
	while ((opt = getopt(argc, argv, "h:p:n:c:H:d:i:P:b:us:m:W")) != -1) {
		switch (opt) {
		case 'h': host = optarg; break;
		case 'p': port = optarg; break;
		case 'n': attempts = num(optarg); break;
		case 'c': conns = parallel = num(optarg); break;
		case 'H': hold_ms = num(optarg); break;
		case 'd': seconds = (double)num(optarg); break;
		case 'i': interval_ms = num(optarg); break;
		case 'P': prefix = optarg; break;
		case 'b': bytes = num(optarg); break;
		case 'u': udp_mode = true; break;
		case 's': spoof_source = optarg; break;
		case 'm': message = optarg; break;
		case 'W': always_wrong = true; break;
		default: return 2;
		}
	}
	if (strcmp(mode, "dgramfill") == 0)
		return do_dgramfill();  /* a path, not a host and port */
	if (port == NULL || conns < 1 || attempts < 1 || seconds <= 0)
		return 2;
	plen = strlen(prefix);
	if ((rc = getaddrinfo(host, port, &hints, &ai)) != 0) {
		fprintf(stderr, "stress: %s: %s\n", host, gai_strerror(rc));
		return 2;
	}
	memcpy(&target, ai->ai_addr, ai->ai_addrlen);
	target_len = ai->ai_addrlen;
	freeaddrinfo(ai);
	signal(SIGPIPE, SIG_IGN);
	for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
		if (strcmp(mode, modes[i].name) == 0)
			return modes[i].run();
	fprintf(stderr, "stress: unknown mode %s\n", mode);
	return 2;
}
