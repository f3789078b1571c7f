/* udp.c: the UDP receive thread (see udp.h).
 *
 * The thread waits in epoll for any of its sockets, then reads each ready
 * one with recvmmsg(MSG_DONTWAIT) while datagrams keep coming, so a flood
 * costs one system call a batch and an idle port costs nothing. Every
 * socket asks for each datagram's destination address (net_ask_pktinfo()
 * when it is made): a reply leaves from it, and a datagram that claims to
 * come from our own address and port is never answered. */
#include "udp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "clock.h"
#include "escape.h"
#include "heartbeat.h"
#include "log.h"
#include "net.h"
#include "ratelimit.h"
#include "shared.h"

#define UDP_DRAIN_MAX   64      /* batches read from a retired socket before closing it */
#define UDP_TURN_MAX    8       /* batches from one socket before looking at the others */
#define UDP_ERROR_PAUSE_MS 10   /* after a receive error, before trying again */
#define EVENTS          64

/* Room for the control messages of one datagram, aligned for cmsghdr. */
union control {
	struct cmsghdr align;
	char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(struct in_pktinfo))];
};

struct udp_server {
	struct stats *st;
	struct shared_slot cfg;
	atomic_uint generation;         /* bumped by every reconfigure */
	struct sockset socks;
	struct ratelimit *echo_limit;   /* the receive thread's */
	struct heartbeat beat;          /* the receive thread's, for the watchdog */
	pthread_t thread;
	bool running;
};

/* Buffers of the receive thread, on the heap (2 MiB of address space, of
 * which only the bytes received are ever touched). */
struct batch {
	struct mmsghdr msgs[UDP_BATCH];
	struct iovec iov[UDP_BATCH];
	struct sockaddr_storage from[UDP_BATCH];
	union control control[UDP_BATCH];
	char data[UDP_BATCH][UDP_DGRAM_MAX];
};

/* What the receive thread knows while it handles a batch. */
struct receiver {
	struct udp_server *srv;
	struct config *cfg;
	struct batch *b;
	struct sock *retired;
	double now;
};

/* The destination address of a received datagram, from its packet info;
 * false when there is none. */
static bool destination(const struct msghdr *m, const struct sock *s, struct net_addr *dst)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR((struct msghdr *)m); c != NULL;
	     c = CMSG_NXTHDR((struct msghdr *)m, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct sockaddr_in *in = (struct sockaddr_in *)&dst->ss;
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof pi);
			memset(dst, 0, sizeof *dst);
			in->sin_family = AF_INET;
			in->sin_addr = pi.ipi_spec_dst;         /* ours: not a broadcast address */
			in->sin_port =
				htons((uint16_t)net_port((const struct sockaddr *)&s->local.ss));
			dst->len = sizeof *in;
			return true;
		}
		if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&dst->ss;
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof pi);
			memset(dst, 0, sizeof *dst);
			in6->sin6_family = AF_INET6;
			in6->sin6_addr = pi.ipi6_addr;
			in6->sin6_port =
				htons((uint16_t)net_port((const struct sockaddr *)&s->local.ss));
			if (IN6_IS_ADDR_LINKLOCAL(&pi.ipi6_addr))
				in6->sin6_scope_id = (uint32_t)pi.ipi6_ifindex;
			dst->len = sizeof *in6;
			return true;
		}
	}
	return false;
}

/* The control message that makes a reply leave from dst (the address the
 * datagram came to), for a socket bound to a wildcard address: a client
 * with a connected socket drops a reply from any other. Returns its size. */
static size_t reply_source(const struct net_addr *dst, union control *out)
{
	struct msghdr m = { .msg_control = out->buf, .msg_controllen = sizeof out->buf };
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);

	memset(out, 0, sizeof *out);
	if (dst->ss.ss_family == AF_INET) {
		struct in_pktinfo pi = {.ipi_spec_dst =
						((const struct sockaddr_in *)&dst->ss)->sin_addr};

		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof pi);
		memcpy(CMSG_DATA(c), &pi, sizeof pi);
		return CMSG_SPACE(sizeof pi);
	}
	if (dst->ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&dst->ss;
		struct in6_pktinfo pi = { .ipi6_addr = in6->sin6_addr };

		if (IN6_IS_ADDR_MULTICAST(&in6->sin6_addr))
			return 0;       /* a multicast group is no source: the kernel picks one */
		c->cmsg_level = IPPROTO_IPV6;
		c->cmsg_type = IPV6_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof pi);
		memcpy(CMSG_DATA(c), &pi, sizeof pi);
		return CMSG_SPACE(sizeof pi);
	}
	return 0;
}

static bool is_loopback(const struct sockaddr *sa)
{
	unsigned char a[16];
	size_t len = net_addr_bytes(sa, a);
	static const unsigned char v6_loopback[16] = { [15] = 1 };

	return (len == 4 && a[0] == 127) || (len == 16 && memcmp(a, v6_loopback, 16) == 0);
}

/* Does a datagram claim to come from one of our own sockets: the port of
 * one of them, and an address of this host (the one it came to, a
 * loopback address, or one a socket is bound to)? An echo to it would
 * come back to us. */
static bool from_ourselves(const struct udp_server *srv, const struct sockaddr *from,
			   socklen_t fromlen, const struct net_addr *dst)
{
	struct net_addr src = { .len = fromlen };
	unsigned port = net_port(from);

	memcpy(&src.ss, from, fromlen);
	for (size_t i = 0; i < srv->socks.nhave; i++) {
		const struct net_addr *ours = &srv->socks.have[i].local;

		if (net_port((const struct sockaddr *)&ours->ss) != port)
			continue;
		if (is_loopback(from) || net_same_addr(&src, dst, true) ||
		    net_same_addr(&src, ours, true))
			return true;
	}
	return false;
}

/* Why an echo to a datagram's sender is held back, or NULL. */
static const char *hold_echo(struct receiver *r, const struct sockaddr *from, socklen_t fromlen,
			     const struct net_addr *dst)
{
	if (net_port(from) < UDP_ECHO_MIN_PORT)
		return "privileged-port";       /* echo, chargen ...: a loop */
	if (from_ourselves(r->srv, from, fromlen, dst))
		return "own-address";
	switch (ratelimit_take(r->srv->echo_limit, from, r->now)) {
	case RATELIMIT_PASS:
		return NULL;
	case RATELIMIT_SOURCE:
		return "rate-per-source";
	case RATELIMIT_TOTAL:
		return "rate-total";
	case RATELIMIT_BADADDR:
		break;
	}
	return "bad-address";
}

/* The reply to a datagram of len bytes: the prefix, then the payload, cut
 * to len bytes, so that a reply is never larger than what asked for it
 * (with the default empty prefix it is the datagram itself). */
static int reply_iov(const struct config *cfg, const char *data, size_t len, struct iovec iov[2])
{
	size_t plen = cfg->udp.reply_prefix.len < len ? cfg->udp.reply_prefix.len : len;

	iov[0] = (struct iovec){ (void *)cfg->udp.reply_prefix.data, plen };
	iov[1] = (struct iovec){ (void *)data, len - plen };
	return 2;
}

static void echo(struct receiver *r, const struct sock *s, int i, const struct net_addr *dst,
		 bool have_dst)
{
	struct batch *b = r->b;
	size_t len = b->msgs[i].msg_len;
	const struct sockaddr *from = (const struct sockaddr *)&b->from[i];
	socklen_t fromlen = b->msgs[i].msg_hdr.msg_namelen;
	struct iovec iov[2];
	union control control;
	struct msghdr msg = {
		.msg_name = (void *)from, .msg_namelen = fromlen,
		.msg_iov = iov, .msg_iovlen = (size_t)reply_iov(r->cfg, b->data[i], len, iov),
	};
	char peer[NET_ADDRSTRLEN];
	const char *held = hold_echo(r, from, fromlen, dst);

	if (held != NULL) {
		stats_add(&r->srv->st->udp_echo_held, 1);
		if (log_admit(LOG_NOTICE))
			log_msg(LOG_NOTICE, "udp echo held back peer=%s reason=%s",
				net_format(from, fromlen, peer, sizeof peer), held);
		return;
	}
	if (have_dst) {
		msg.msg_controllen = reply_source(dst, &control);
		msg.msg_control = msg.msg_controllen > 0 ? control.buf : NULL;
	}
	/* never block the receive thread on a reply: drop it instead */
	if (sendmsg(s->fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
		stats_add(&r->srv->st->errors, 1);
		if (log_admit(LOG_WARNING))
			log_msg(LOG_WARNING, "udp echo failed peer=%s len=%zu: %s",
				net_format(from, fromlen, peer, sizeof peer), len, strerror(errno));
	}
}

static void handle(struct receiver *r, const struct sock *s, int i)
{
	struct batch *b = r->b;
	size_t len = b->msgs[i].msg_len;
	struct net_addr dst;
	bool have_dst = destination(&b->msgs[i].msg_hdr, s, &dst);

	if (!have_dst)
		dst = s->local;
	stats_add(&r->srv->st->udp_datagrams, 1);
	stats_add(&r->srv->st->udp_bytes, len);
	if (log_admit(LOG_INFO)) {
		char peer[NET_ADDRSTRLEN];

		net_format((struct sockaddr *)&b->from[i], b->msgs[i].msg_hdr.msg_namelen, peer,
			   sizeof peer);
		/* admitted already: the line itself, without a second check */
		if (r->cfg->log.data) {
			char esc[ESCAPE_BUFSIZE(ESCAPE_PAYLOAD_MAX)];

			escape_payload(esc, sizeof esc, b->data[i], len, ESCAPE_PAYLOAD_MAX);
			log_msg(LOG_INFO, "udp datagram peer=%s len=%zu data=%s", peer, len, esc);
		} else {
			log_msg(LOG_INFO, "udp datagram peer=%s len=%zu", peer, len);
		}
	}
	if (r->cfg->udp.echo)
		echo(r, s, i, &dst, have_dst);
}

enum { EMPTY, GOT, FAILED };

/* Reads and handles one batch from a socket. */
static int receive_batch(struct receiver *r, const struct sock *s)
{
	struct batch *b = r->b;
	int n;

	for (int i = 0; i < UDP_BATCH; i++) {
		b->iov[i] = (struct iovec){ b->data[i], sizeof b->data[i] };
		b->msgs[i].msg_hdr = (struct msghdr){
			.msg_name = &b->from[i],
			.msg_namelen = sizeof b->from[i],
			.msg_iov = &b->iov[i],
			.msg_iovlen = 1,
			.msg_control = b->control[i].buf,
			.msg_controllen = sizeof b->control[i].buf,
		};
	}
	n = recvmmsg(s->fd, b->msgs, UDP_BATCH, MSG_DONTWAIT, NULL);
	if (n > 0) {
		r->now = clock_now();
		for (int i = 0; i < n; i++)
			handle(r, s, i);
		return GOT;
	}
	if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
		/* e.g. ECONNREFUSED left by an ICMP error after an echo (read
		 * once, then gone), or ENOMEM */
		stats_add(&r->srv->st->errors, 1);
		log_conn(LOG_NOTICE, "udp receive: %s", strerror(errno));
		return FAILED;
	}
	return EMPTY;
}

/* Reads a socket while it has datagrams, up to max batches. */
static int receive(struct receiver *r, const struct sock *s, int max)
{
	int rc = EMPTY;

	for (int k = 0; k < max && (rc = receive_batch(r, s)) == GOT; k++)
		;
	return rc;
}

/* Sockets no longer wanted: what they hold is read, then they close. */
static void retire(struct receiver *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		receive(r, &r->retired[i], UDP_DRAIN_MAX);
		if (close(r->retired[i].fd) < 0)
			stats_add(&r->srv->st->errors, 1);
	}
}

/* The configuration in force, taken again after a reload. */
static void refresh(struct receiver *r, unsigned *gen)
{
	unsigned now = atomic_load_explicit(&r->srv->generation, memory_order_acquire);

	if (now == *gen && r->cfg != NULL)
		return;
	*gen = now;
	shared_unref(r->cfg);
	r->cfg = shared_slot_get(&r->srv->cfg);
	ratelimit_set(r->srv->echo_limit, (double)r->cfg->udp.echo_rate,
		      (double)r->cfg->udp.echo_rate_total);
}

static void *receiver_main(void *arg)
{
	struct receiver r = { .srv = arg };
	struct udp_server *srv = r.srv;
	struct epoll_event ev[EVENTS];
	unsigned gen = 0;

	pthread_setname_np(pthread_self(), "udp-receive");

	r.b = malloc(sizeof *r.b);
	r.retired = malloc(SOCKSET_MAX * sizeof *r.retired);
	if (r.b == NULL || r.retired == NULL) {
		stats_add(&srv->st->errors, 1);
		log_errx("udp: no memory for the receive buffers; UDP is not served");
		free(r.b);
		free(r.retired);
		return NULL;
	}
	for (;;) {
		size_t nretired;
		bool failed = false;
		int n = sockset_wait(&srv->socks, ev, EVENTS, heartbeat_beat(&srv->beat), r.retired,
				     SOCKSET_MAX, &nretired);

		if (n == SOCKSET_STOP)
			break;
		refresh(&r, &gen);
		if (n == SOCKSET_ERROR) {
			stats_add(&srv->st->errors, 1);
			log_conn(LOG_ERR, "udp: %s", strerror(errno));
			failed = true;
			n = 0;
		}
		retire(&r, nretired);
		for (int i = 0; i < n; i++) {
			const struct sock *s = sockset_find(&srv->socks, ev[i].data.fd);

			if (s != NULL && receive(&r, s, UDP_TURN_MAX) == FAILED)
				failed = true;
		}
		/* after an error, a pause, so that a lasting one is not spun on */
		if (failed)
			sockset_pause(&srv->socks, UDP_ERROR_PAUSE_MS);
	}
	shared_unref(r.cfg);
	free(r.b);
	free(r.retired);
	return NULL;
}

struct udp_server *udp_new(struct stats *st, struct config *cfg)
{
	struct udp_server *srv = calloc(1, sizeof *srv);
	uint64_t key[2];

	if (srv == NULL)
		return NULL;
	if (sockset_init(&srv->socks) < 0) {
		free(srv);
		return NULL;
	}
	srv->st = st;
	shared_slot_init(&srv->cfg, cfg);
	atomic_init(&srv->generation, 0);
	if (getrandom(key, sizeof key, 0) != (ssize_t)sizeof key ||
	    (srv->echo_limit = ratelimit_new(key[0], key[1], (double)cfg->udp.echo_rate,
					     (double)cfg->udp.echo_rate_total)) == NULL) {
		int saved = errno;

		udp_free(srv);
		errno = saved;
		return NULL;
	}
	return srv;
}

int udp_start(struct udp_server *srv)
{
	int rc;

	if (srv->running)
		return EINVAL;
	rc = pthread_create(&srv->thread, NULL, receiver_main, srv);
	if (rc == 0)
		srv->running = true;
	return rc;
}

void udp_offer(struct udp_server *srv, struct sock *socks, size_t n)
{
	sockset_offer(&srv->socks, socks, n);
}

struct sockset *udp_sockset(struct udp_server *srv)
{
	return &srv->socks;
}

void udp_reconfigure(struct udp_server *srv, struct config *cfg)
{
	shared_slot_set(&srv->cfg, cfg);
	atomic_fetch_add_explicit(&srv->generation, 1, memory_order_release);
}

void udp_heartbeat_every(struct udp_server *srv, int ms)
{
	heartbeat_set(&srv->beat, ms);
}

bool udp_alive(struct udp_server *srv, unsigned long *last)
{
	return heartbeat_moved(&srv->beat, last) || !srv->running;
}

void udp_stop(struct udp_server *srv)
{
	int rc;

	if (srv->running) {
		sockset_stop(&srv->socks);
		if ((rc = pthread_join(srv->thread, NULL)) != 0)
			log_errx("udp: cannot join the receive thread: %s", strerror(rc));
		srv->running = false;
	}
	sockset_close_all(&srv->socks);
}

void udp_free(struct udp_server *srv)
{
	if (srv == NULL)
		return;
	sockset_destroy(&srv->socks);
	ratelimit_free(srv->echo_limit);
	shared_slot_destroy(&srv->cfg);
	free(srv);
}
