/* udp.c: the UDP receive thread (see udp.h).
 *
 * The thread reads with recvmmsg(MSG_DONTWAIT) while datagrams keep coming
 * and sleeps in poll() only when every socket is empty, so a flood costs one
 * system call a batch and an idle port costs nothing. A stop request is an
 * atomic flag (checked every batch) and an eventfd (wakes the poll). */
#include "udp.h"

#include <errno.h>
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

#include "log.h"
#include "net.h"

struct udp_server {
	struct stats *st;
	struct config_slot cfg;
	atomic_uint generation;         /* bumped by every reconfigure */
	int fds[NET_MAX_ADDRS];
	size_t nfds;
	int wakefd;
	atomic_bool stop;
	pthread_t thread;
	bool running;
};

/* Buffers of the receive thread, on the heap (2 MiB of address space, of
 * which only the bytes received are ever touched). */
struct batch {
	struct mmsghdr msgs[UDP_BATCH];
	struct iovec iov[UDP_BATCH];
	struct sockaddr_storage from[UDP_BATCH];
	char data[UDP_BATCH][UDP_DGRAM_MAX];
};

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
		struct msghdr msg = {
			.msg_name = &b->from[i], .msg_namelen = fromlen,
			.msg_iov = iov, .msg_iovlen = 2,
		};

		/* never block the receive thread on a reply: drop it instead */
		if (sendmsg(fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
			stats_add(&srv->st->errors, 1);
	}
}

static void *receiver_main(void *arg)
{
	struct udp_server *srv = arg;
	struct batch *b = malloc(sizeof *b);
	struct pollfd pfd[NET_MAX_ADDRS + 1];
	struct config *cfg = config_slot_get(&srv->cfg);
	unsigned gen = atomic_load(&srv->generation);
	size_t n = srv->nfds;

	if (b == NULL) {
		stats_add(&srv->st->errors, 1);
		log_msg(LOG_ERR, "udp: no memory for the receive buffers; UDP is not served");
		config_unref(cfg);
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		pfd[i] = (struct pollfd){ .fd = srv->fds[i], .events = POLLIN };
	pfd[n] = (struct pollfd){ .fd = srv->wakefd, .events = POLLIN };

	while (!atomic_load_explicit(&srv->stop, memory_order_relaxed)) {
		bool got = false;

		if (atomic_load_explicit(&srv->generation, memory_order_acquire) != gen) {
			gen = atomic_load(&srv->generation);
			config_unref(cfg);
			cfg = config_slot_get(&srv->cfg);
		}
		for (size_t s = 0; s < n; s++) {
			int r;

			for (int i = 0; i < UDP_BATCH; i++) {
				b->iov[i] = (struct iovec){ b->data[i], sizeof b->data[i] };
				b->msgs[i].msg_hdr = (struct msghdr){
					.msg_name = &b->from[i], .msg_namelen = sizeof b->from[i],
					.msg_iov = &b->iov[i], .msg_iovlen = 1,
				};
			}
			r = recvmmsg(srv->fds[s], b->msgs, UDP_BATCH, MSG_DONTWAIT, NULL);
			if (r > 0) {
				got = true;
				for (int i = 0; i < r; i++)
					handle(srv, cfg, srv->fds[s], b, i);
			} else if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
				/* e.g. ECONNREFUSED left by an ICMP error after an echo */
				stats_add(&srv->st->errors, 1);
				if (log_take())
					log_msg(LOG_NOTICE, "udp receive: %s", strerror(errno));
				got = true;
			}
		}
		if (got)
			continue;
		if (poll(pfd, n + 1, -1) < 0 && errno != EINTR) {
			stats_add(&srv->st->errors, 1);
			if (log_take())
				log_msg(LOG_ERR, "udp poll: %s", strerror(errno));
		}
	}
	config_unref(cfg);
	free(b);
	return NULL;
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
	int rc;

	if (nfds > NET_MAX_ADDRS)
		return EINVAL;
	memcpy(srv->fds, fds, nfds * sizeof *fds);
	srv->nfds = nfds;
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

void udp_stop(struct udp_server *srv)
{
	uint64_t one = 1;

	if (!srv->running)
		return;
	atomic_store(&srv->stop, true);
	if (write(srv->wakefd, &one, sizeof one) < 0)
		log_msg(LOG_ERR, "udp: cannot wake the receive thread: %s", strerror(errno));
	pthread_join(srv->thread, NULL);
	srv->running = false;
	for (size_t i = 0; i < srv->nfds; i++)
		close(srv->fds[i]);
	srv->nfds = 0;
}

void udp_free(struct udp_server *srv)
{
	if (srv == NULL)
		return;
	if (srv->wakefd >= 0)
		close(srv->wakefd);
	config_slot_destroy(&srv->cfg);
	free(srv);
}
