/* tcp.c: the TCP server (see tcp.h): made, started, told of new
 * listeners and configurations, counted, stopped and freed. Its parts:
 * the accept thread (acceptor.c), admission (admit.c), the connection
 * threads and their cache (conn.c), the PROXY header reader
 * (proxyread.c); the services they serve are rows (service.h).
 *
 * It must not know a service by name nor serve a connection. */
#include "tcp.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "net.h"
#include "service.h"
#include "tcpcore.h"

#define RESIGNAL_MS      100    /* a stop request is repeated this often */
#define STOP_GRACE_S     5      /* after closing the rest, how long to wait for their threads */

static void on_wake(int sig)
{
	(void)sig;      /* only interrupts a blocking call */
}

/* The first descriptor number refused: the soft limit less the headroom. */
static int fd_ceiling(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY ||
	    rl.rlim_cur > INT32_MAX)
		return INT32_MAX;
	return rl.rlim_cur > TCP_FD_HEADROOM ? (int)(rl.rlim_cur - TCP_FD_HEADROOM) : 0;
}

/* The server's lock, condition and thread attributes: 0, or -1 (no
 * memory) with nothing made. Waits are measured on the monotonic clock:
 * a change of the wall clock cannot stretch a shutdown. */
static int sync_init(struct tcp_server *srv)
{
	pthread_condattr_t ca;
	int rc;

	if (pthread_condattr_init(&ca) != 0)
		return -1;
	rc = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) == 0 &&
		     pthread_cond_init(&srv->changed, &ca) == 0
	     ? 0
	     : -1;
	pthread_condattr_destroy(&ca);
	if (rc < 0)
		return -1;
	if (pthread_mutex_init(&srv->lock, NULL) != 0) {
		pthread_cond_destroy(&srv->changed);
		return -1;
	}
	if (pthread_attr_init(&srv->attr) != 0) {
		pthread_mutex_destroy(&srv->lock);
		pthread_cond_destroy(&srv->changed);
		return -1;
	}
	return 0;
}

/* What tcp_new() makes once the server can be freed by tcp_free(): the
 * thread stack size, the spare descriptor, the wake-up signal's handler
 * and the per-source table. 0, or -1 with errno. */
static int resources_init(struct tcp_server *srv, const struct config *cfg)
{
	struct sigaction sa = { .sa_handler = on_wake };
	uint64_t key[2];

	if (pthread_attr_setstacksize(&srv->attr, TCP_STACK_SIZE) != 0)
		return -1;
	srv->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (srv->spare_fd < 0)
		return -1;
	/* no SA_RESTART: the point is to interrupt recv() */
	sigemptyset(&sa.sa_mask);
	if (sigaction(WAKE_SIGNAL, &sa, NULL) < 0)
		return -1;
	/* a secret hash key, so that clients cannot aim at one bucket */
	if (getrandom(key, sizeof key, 0) != (ssize_t)sizeof key)
		return -1;
	srv->sources = srclimit_new(key[0], key[1], (unsigned)cfg->tcp.source_prefix[0],
				    (unsigned)cfg->tcp.source_prefix[1]);
	return srv->sources != NULL ? 0 : -1;
}

struct tcp_server *tcp_new(struct stats *st, struct config *cfg)
{
	struct tcp_server *srv = calloc(1, sizeof *srv);
	int saved;

	if (srv == NULL)
		return NULL;
	srv->st = st;
	srv->spare_fd = -1;
	if (sync_init(srv) < 0) {
		free(srv);
		errno = ENOMEM;
		return NULL;
	}
	srv->listeners = sockset_new();
	if (srv->listeners == NULL) {
		saved = errno;
		pthread_attr_destroy(&srv->attr);
		pthread_mutex_destroy(&srv->lock);
		pthread_cond_destroy(&srv->changed);
		free(srv);
		errno = saved;
		return NULL;
	}
	shared_slot_init(&srv->cfg, cfg);
	atomic_init(&srv->thread_cache, cfg->tcp.thread_cache);
	atomic_init(&srv->generation, 0);
	atomic_init(&srv->fd_ceiling, fd_ceiling());
	/* from here on tcp_free() undoes everything */
	if (resources_init(srv, cfg) == 0)
		return srv;
	saved = errno;
	tcp_free(srv);
	errno = saved;
	return NULL;
}

int tcp_start(struct tcp_server *srv)
{
	int rc;

	if (srv->accepting)
		return EINVAL;
	rc = pthread_create(&srv->acceptor, NULL, acceptor_main, srv);
	if (rc == 0)
		srv->accepting = true;
	return rc;
}

void tcp_offer(struct tcp_server *srv, struct sock *socks, size_t n)
{
	sockset_offer(srv->listeners, socks, n);
}

struct sockset *tcp_sockset(struct tcp_server *srv)
{
	return srv->listeners;
}

void tcp_reconfigure(struct tcp_server *srv, struct config *cfg)
{
	unsigned long keep = (unsigned long)cfg->tcp.thread_cache, seen = 0;

	shared_slot_set(&srv->cfg, cfg);
	atomic_store(&srv->thread_cache, cfg->tcp.thread_cache);
	atomic_fetch_add_explicit(&srv->generation, 1, memory_order_release);
	/* a smaller cache: the threads beyond it are told to leave; each
	 * takes itself off the list, so they stay counted until they go */
	pthread_mutex_lock(&srv->lock);
	for (struct conn *w = srv->idle; w != NULL; w = w->next)
		if (!w->quit && ++seen > keep) {
			w->quit = true;
			pthread_cond_signal(&w->assigned);
		}
	pthread_mutex_unlock(&srv->lock);
}

void tcp_counters(struct tcp_server *srv, struct tcp_counts by_service[SERVICE_LABELS],
		  struct tcp_counts *total)
{
	struct tcp_counts sum = {0, 0, 0};

	pthread_mutex_lock(&srv->lock);
	for (unsigned k = 0; k < SERVICE_LABELS; k++)
		by_service[k] = (struct tcp_counts){
			.active = srv->nbusy_of[k], .in = srv->done_in[k], .out = srv->done_out[k]};
	for (struct conn *w = srv->busy; w != NULL; w = w->next) {
		by_service[w->row->label].in += atomic_load_explicit(&w->in, memory_order_relaxed);
		by_service[w->row->label].out +=
			atomic_load_explicit(&w->out, memory_order_relaxed);
	}
	pthread_mutex_unlock(&srv->lock);
	for (unsigned k = 0; k < SERVICE_LABELS; k++) {
		sum.active += by_service[k].active;
		sum.in += by_service[k].in;
		sum.out += by_service[k].out;
	}
	if (total != NULL)
		*total = sum;
}

void tcp_threads(struct tcp_server *srv, uint64_t *serving, uint64_t *cached)
{
	pthread_mutex_lock(&srv->lock);
	*serving = srv->nbusy;
	*cached = srv->nidle;
	pthread_mutex_unlock(&srv->lock);
}

void tcp_tick(struct tcp_server *srv)
{
	struct conn *dead;

	pthread_mutex_lock(&srv->lock);
	dead = conn_take_dead(srv);
	pthread_mutex_unlock(&srv->lock);
	conn_join_all(dead);
	/* the limit may have been raised (a reload) or changed (prlimit) */
	atomic_store(&srv->fd_ceiling, fd_ceiling());
}

/* Waits until no connection is left or the deadline passes; with lock
 * held. Repeats the wake-up to threads that have not seen it yet. */
static void wait_idle(struct tcp_server *srv, double deadline)
{
	while (srv->nbusy > 0 && clock_now() < deadline) {
		double until = clock_now() + RESIGNAL_MS / 1000.0;
		struct timespec ts;

		if (until > deadline)
			until = deadline;
		for (struct conn *w = srv->busy; w != NULL; w = w->next) {
			int rc;

			/* a thread in a send must finish it or time out: a
			 * signal would start its send timeout over */
			if (!w->tid_valid || atomic_load(&w->stopping) || atomic_load(&w->sending))
				continue;
			rc = pthread_kill(w->tid, WAKE_SIGNAL);
			if (rc != 0)
				log_conn(LOG_WARNING, "tcp: cannot wake a connection thread: %s",
					 strerror(rc));
		}
		ts = clock_timespec(until);
		/* ETIMEDOUT is the normal way out; the loop checks the rest */
		(void)pthread_cond_timedwait(&srv->changed, &srv->lock, &ts);
	}
}

void tcp_stop_accepting(struct tcp_server *srv)
{
	int rc;

	pthread_mutex_lock(&srv->lock);
	srv->stopping = true;
	pthread_mutex_unlock(&srv->lock);
	if (srv->accepting) {
		sockset_stop(srv->listeners);
		if ((rc = pthread_join(srv->acceptor, NULL)) != 0)
			log_errx("tcp: cannot join the accept thread: %s", strerror(rc));
		srv->accepting = false;
	}
	/* the listeners close now: nothing more is queued for us */
	sockset_close_all(srv->listeners);
	pthread_mutex_lock(&srv->lock);
	for (struct conn *w = srv->busy; w != NULL; w = w->next)
		atomic_store(&w->stop, true);
	for (struct conn *w = srv->idle; w != NULL; w = w->next)
		pthread_cond_signal(&w->assigned);      /* they see stopping and go */
	pthread_mutex_unlock(&srv->lock);
}

unsigned long tcp_wait(struct tcp_server *srv, double seconds)
{
	unsigned long left;

	pthread_mutex_lock(&srv->lock);
	wait_idle(srv, clock_now() + seconds);
	left = srv->nbusy;
	pthread_mutex_unlock(&srv->lock);
	return left;
}

void tcp_close_all(struct tcp_server *srv)
{
	struct conn *dead;
	double deadline;

	pthread_mutex_lock(&srv->lock);
	if (srv->nbusy > 0) {
		log_notice("tcp: closing %lu connections still open", srv->nbusy);
		for (struct conn *w = srv->busy; w != NULL; w = w->next)
			if (w->fd >= 0 && shutdown(w->fd, SHUT_RDWR) < 0 && errno != ENOTCONN) {
				char peer[NET_ADDRSTRLEN];

				log_warn("tcp: shutdown peer=%s",
					 net_format((struct sockaddr *)&w->peer, w->peerlen, peer,
						    sizeof peer));
			}
		wait_idle(srv, clock_now() + STOP_GRACE_S);
		if (srv->nbusy > 0)
			log_errx("tcp: %lu connection threads did not end", srv->nbusy);
	}
	/* the cached threads leave on their own: wait for them too */
	deadline = clock_now() + STOP_GRACE_S;
	while (srv->nidle > 0 && clock_now() < deadline) {
		struct timespec ts = clock_timespec(clock_now() + 0.1);

		(void)pthread_cond_timedwait(&srv->changed, &srv->lock, &ts);
	}
	dead = conn_take_dead(srv);
	pthread_mutex_unlock(&srv->lock);
	conn_join_all(dead);
}

void tcp_heartbeat_every(struct tcp_server *srv, int ms)
{
	heartbeat_set(&srv->beat, ms);
}

bool tcp_alive(struct tcp_server *srv, unsigned long *last)
{
	return heartbeat_moved(&srv->beat, last) || !srv->accepting;
}

int tcp_wake_signal(void)
{
	return WAKE_SIGNAL;
}

bool tcp_free(struct tcp_server *srv)
{
	if (srv == NULL)
		return true;
	if (srv->nbusy > 0 || srv->nidle > 0)
		return false;   /* threads that never ended still use it: keep it */
	sockset_free(srv->listeners);
	if (srv->spare_fd >= 0)
		tcp_close_counted(srv, srv->spare_fd);
	srclimit_free(srv->sources);
	shared_slot_destroy(&srv->cfg);
	pthread_attr_destroy(&srv->attr);
	pthread_cond_destroy(&srv->changed);
	pthread_mutex_destroy(&srv->lock);
	free(srv);
	return true;
}
