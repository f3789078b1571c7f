/* udp.c: the UDP receive thread (see udp.h).
 *
 * The thread reads with recvmmsg(MSG_DONTWAIT) while datagrams keep coming
 * and sleeps in poll() only when every socket is empty, so a flood costs one
 * system call a batch and an idle port costs nothing. A stop request is an
 * atomic flag (checked every batch) and an eventfd (wakes the poll). */
#include "udp.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "heartbeat.h"
#include "log.h"
#include "net.h"

#define UDP_DRAIN_MAX 64        /* batches read from replaced sockets before closing them */
#define UDP_ERROR_PAUSE_MS 10   /* after a receive error, before trying again */
#define ECHO_MIN_PORT 1024      /* no echo to privileged ports: echo, chargen, DNS ... */

struct udp_server {
	struct stats *st;
	struct config_slot cfg;
	atomic_uint generation;         /* bumped by every reconfigure */
	int fds[NET_MAX_ADDRS];
	bool pktinfo[NET_MAX_ADDRS];    /* bound to a wildcard: note each datagram's address */
	size_t nfds;
	int wakefd;
	atomic_bool stop;
	atomic_bool drain;              /* read what the sockets hold before stopping */
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
	/* the address each datagram was sent to, on a wildcard socket */
	char control[UDP_BATCH][CMSG_SPACE(sizeof(struct in6_pktinfo))];
	char data[UDP_BATCH][UDP_DGRAM_MAX];
};

/* On a wildcard socket, a reply must leave from the address the datagram
 * came to, or a client that connected its socket drops it: copies the
 * received packet info into out as a cmsg for sendmsg(). Returns its size. */
static size_t reply_source(const struct msghdr *in, char *out, size_t outsize)
{
	struct cmsghdr *c;
	struct msghdr m = { .msg_control = out, .msg_controllen = outsize };
	struct cmsghdr *o = CMSG_FIRSTHDR(&m);

	if (o == NULL)
		return 0;
	for (c = CMSG_FIRSTHDR((struct msghdr *)in); c != NULL; c = CMSG_NXTHDR((struct msghdr *)in, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof pi);
			pi.ipi_spec_dst = pi.ipi_addr;  /* from the address it came to */
			pi.ipi_ifindex = 0;             /* by whatever route leads back */
			o->cmsg_level = IPPROTO_IP;
			o->cmsg_type = IP_PKTINFO;
			o->cmsg_len = CMSG_LEN(sizeof pi);
			memcpy(CMSG_DATA(o), &pi, sizeof pi);
			return CMSG_SPACE(sizeof pi);
		}
		if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			o->cmsg_level = IPPROTO_IPV6;
			o->cmsg_type = IPV6_PKTINFO;
			o->cmsg_len = CMSG_LEN(sizeof(struct in6_pktinfo));
			memcpy(CMSG_DATA(o), CMSG_DATA(c), sizeof(struct in6_pktinfo));
			return CMSG_SPACE(sizeof(struct in6_pktinfo));
		}
	}
	return 0;
}

static unsigned port_of(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)(const void *)ss)->sin_port);
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)(const void *)ss)->sin6_port);
	return 0;
}

static void handle(struct udp_server *srv, const struct config *cfg, int fd,
		   struct batch *b, int i)
{
	size_t len = b->msgs[i].msg_len;
	socklen_t fromlen = b->msgs[i].msg_hdr.msg_namelen;
	char peer[NET_ADDRSTRLEN];

	stats_add(&srv->st->udp_datagrams, 1);
	stats_add(&srv->st->udp_bytes, len);
	if (log_enabled(LOG_INFO)) {
		net_format((struct sockaddr *)&b->from[i], fromlen, peer, sizeof peer);
		log_data("udp datagram", peer, b->data[i], len, cfg->log.data);
	}
	if (cfg->udp.echo) {
		struct iovec iov[2] = {
			{ (void *)cfg->tcp.reply_prefix.data, cfg->tcp.reply_prefix.len },
			{ b->data[i], len },
		};
		char control[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct msghdr msg = {
			.msg_name = &b->from[i], .msg_namelen = fromlen,
			.msg_iov = iov, .msg_iovlen = 2,
		};

		if (port_of(&b->from[i]) < ECHO_MIN_PORT) {
			/* a spoofed datagram "from" another echo or chargen
			 * service would start a loop between the two */
			if (log_take()) {
				net_format((struct sockaddr *)&b->from[i], fromlen, peer, sizeof peer);
				log_msg(LOG_NOTICE, "udp echo refused peer=%s reason=privileged-port", peer);
			}
			return;
		}
		msg.msg_controllen = reply_source(&b->msgs[i].msg_hdr, control, sizeof control);
		msg.msg_control = msg.msg_controllen > 0 ? control : NULL;
		/* never block the receive thread on a reply: drop it instead */
		if (sendmsg(fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
			stats_add(&srv->st->errors, 1);
			if (log_take()) {
				net_format((struct sockaddr *)&b->from[i], fromlen, peer, sizeof peer);
				log_msg(LOG_WARNING, "udp echo failed peer=%s len=%zu: %s", peer,
					cfg->tcp.reply_prefix.len + len, strerror(errno));
			}
		}
	}
}

/* Reads and handles one batch from fd; true if it got anything. */
enum { EMPTY, GOT, FAILED };

static int receive_batch(struct udp_server *srv, const struct config *cfg, int fd, bool pktinfo,
			 struct batch *b)
{
	int r;

	for (int i = 0; i < UDP_BATCH; i++) {
		b->iov[i] = (struct iovec){ b->data[i], sizeof b->data[i] };
		b->msgs[i].msg_hdr = (struct msghdr){
			.msg_name = &b->from[i], .msg_namelen = sizeof b->from[i],
			.msg_iov = &b->iov[i], .msg_iovlen = 1,
			.msg_control = pktinfo ? b->control[i] : NULL,
			.msg_controllen = pktinfo ? sizeof b->control[i] : 0,
		};
	}
	r = recvmmsg(fd, b->msgs, UDP_BATCH, MSG_DONTWAIT, NULL);
	if (r > 0) {
		for (int i = 0; i < r; i++)
			handle(srv, cfg, fd, b, i);
		return GOT;
	}
	if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
		/* e.g. ECONNREFUSED left by an ICMP error after an echo (read
		 * once, then gone), or ENOMEM */
		stats_add(&srv->st->errors, 1);
		if (log_take())
			log_msg(LOG_NOTICE, "udp receive: %s", strerror(errno));
		return FAILED;
	}
	return EMPTY;
}

static void *receiver_main(void *arg)
{
	struct udp_server *srv = arg;
	struct batch *b = malloc(sizeof *b);
	struct pollfd pfd[NET_MAX_ADDRS + 1];
	struct config *cfg = config_slot_get(&srv->cfg);
	unsigned gen = atomic_load(&srv->generation);
	size_t n = srv->nfds;
	unsigned drained = 0;

	if (b == NULL) {
		stats_add(&srv->st->errors, 1);
		log_msg(LOG_ERR, "udp: no memory for the receive buffers; UDP is not served");
		config_unref(cfg);
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		pfd[i] = (struct pollfd){ .fd = srv->fds[i], .events = POLLIN };
	pfd[n] = (struct pollfd){ .fd = srv->wakefd, .events = POLLIN };

	for (;;) {
		bool got = false, failed = false, stop = atomic_load_explicit(&srv->stop, memory_order_relaxed);
		int beat = heartbeat_beat(&srv->beat);

		if (stop && !atomic_load(&srv->drain))
			break;
		if (atomic_load_explicit(&srv->generation, memory_order_acquire) != gen) {
			gen = atomic_load(&srv->generation);
			config_unref(cfg);
			cfg = config_slot_get(&srv->cfg);
		}
		for (size_t s = 0; s < n; s++)
			switch (receive_batch(srv, cfg, srv->fds[s], srv->pktinfo[s], b)) {
			case GOT:
				got = true;
				break;
			case FAILED:
				failed = true;
				break;
			}
		if (stop && (!got || ++drained >= UDP_DRAIN_MAX))
			break;          /* replaced: the old sockets are empty now */
		if (got || stop)
			continue;
		/* after an error, a pause, so that a lasting one is not spun on */
		if (poll(failed ? &pfd[n] : pfd, failed ? 1 : n + 1,
			 failed ? UDP_ERROR_PAUSE_MS : beat) < 0 &&
		    errno != EINTR) {
			stats_add(&srv->st->errors, 1);
			if (log_take())
				log_msg(LOG_ERR, "udp poll: %s", strerror(errno));
		}
	}
	config_unref(cfg);
	free(b);
	return NULL;
}

/* A socket bound to a wildcard address asks for each datagram's
 * destination address, to answer from it. */
static bool want_pktinfo(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	int one = 1;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return false;
	if (ss.ss_family == AF_INET &&
	    ((struct sockaddr_in *)&ss)->sin_addr.s_addr == htonl(INADDR_ANY))
		return setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof one) == 0;
	if (ss.ss_family == AF_INET6 &&
	    IN6_IS_ADDR_UNSPECIFIED(&((struct sockaddr_in6 *)&ss)->sin6_addr))
		return setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof one) == 0;
	return false;
}

struct udp_server *udp_new(struct stats *st, struct config *cfg)
{
	struct udp_server *srv = calloc(1, sizeof *srv);

	if (srv == NULL)
		return NULL;
	srv->st = st;
	config_slot_init(&srv->cfg, cfg);
	atomic_init(&srv->generation, 0);
	atomic_init(&srv->stop, false);
	srv->wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (srv->wakefd < 0) {
		udp_free(srv);
		return NULL;
	}
	return srv;
}

int udp_start(struct udp_server *srv, const int *fds, size_t nfds)
{
	uint64_t count;
	int rc;

	if (nfds > NET_MAX_ADDRS || srv->running)
		return EINVAL;
	if (nfds > 0)           /* fds may be NULL then */
		memcpy(srv->fds, fds, nfds * sizeof *fds);
	srv->nfds = nfds;
	for (size_t i = 0; i < nfds; i++)
		srv->pktinfo[i] = want_pktinfo(fds[i]);
	if (nfds == 0)
		return 0;
	if (read(srv->wakefd, &count, sizeof count) < 0 && errno != EAGAIN)
		return errno;
	atomic_store(&srv->stop, false);
	atomic_store(&srv->drain, false);
	rc = pthread_create(&srv->thread, NULL, receiver_main, srv);
	if (rc == 0)
		srv->running = true;
	return rc;
}

void udp_reconfigure(struct udp_server *srv, struct config *cfg)
{
	config_slot_set(&srv->cfg, cfg);
	atomic_fetch_add_explicit(&srv->generation, 1, memory_order_release);
}

static void stop_thread(struct udp_server *srv, bool drain)
{
	uint64_t one = 1;
	int rc;

	if (!srv->running) {
		for (size_t i = 0; i < srv->nfds; i++)
			stats_close(srv->st, srv->fds[i]);
		srv->nfds = 0;
		return;
	}
	atomic_store(&srv->drain, drain);
	atomic_store(&srv->stop, true);
	if (write(srv->wakefd, &one, sizeof one) < 0)
		log_msg(LOG_ERR, "udp: cannot wake the receive thread: %s", strerror(errno));
	if ((rc = pthread_join(srv->thread, NULL)) != 0)
		log_msg(LOG_ERR, "udp: cannot join the receive thread: %s", strerror(rc));
	srv->running = false;
	for (size_t i = 0; i < srv->nfds; i++)
		stats_close(srv->st, srv->fds[i]);
	srv->nfds = 0;
}

void udp_heartbeat_every(struct udp_server *srv, int ms)
{
	heartbeat_set(&srv->beat, ms);
}

bool udp_alive(struct udp_server *srv, unsigned long *last)
{
	return heartbeat_moved(&srv->beat, last) || (srv->nfds == 0 && !srv->running);
}

void udp_stop(struct udp_server *srv)
{
	stop_thread(srv, false);
}

int udp_replace_sockets(struct udp_server *srv, const int *fds, size_t nfds)
{
	stop_thread(srv, true);
	return udp_start(srv, fds, nfds);
}

void udp_free(struct udp_server *srv)
{
	if (srv == NULL)
		return;
	if (srv->wakefd >= 0)
		stats_close(srv->st, srv->wakefd);
	config_slot_destroy(&srv->cfg);
	free(srv);
}

size_t udp_local_addrs(struct udp_server *srv, struct net_addr *out, size_t max)
{
	size_t k = 0;

	for (size_t i = 0; i < srv->nfds && k < max; i++) {
		out[k].len = sizeof out[k].ss;
		if (getsockname(srv->fds[i], (struct sockaddr *)&out[k].ss, &out[k].len) == 0)
			k++;
	}
	return k;
}
