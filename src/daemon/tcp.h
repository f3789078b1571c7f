/* tcp.h: netechod's TCP connection core: an accept thread on the
 * listening sockets and one POSIX thread per accepted connection, which
 * the listener's service (a row of service.h: the echo, the report)
 * serves once admission (admit.c) lets it.
 *
 * Threads: the accept thread owns the listeners (sockset.h); each
 * connection thread owns its socket and its buffer; the server's lock
 * guards the lists of threads. Each connection takes a reference to the
 * configuration in force when it is accepted and keeps it to its end: a
 * reload changes what new connections see, never an open one. */
#ifndef NETECHO_TCP_H
#define NETECHO_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "sockset.h"
#include "stats.h"

#define TCP_BUFSIZE    65536            /* bytes read per recv(), one buffer a thread */
#define TCP_STACK_SIZE (64 * 1024)      /* connection thread stack */
#define TCP_DRAIN_MAX   4096            /* connections taken from a retired listener, at most */
/* ... in at most this long: a handshake under way on it (SYN-RECV, the
 * client's ACK late or lost and sent again after the SYN-ACK repeated at
 * 1 s) completes meanwhile. Only an address the new set does not serve
 * retires (see plan_cover()): no new client of ours waits on it. */
#define TCP_DRAIN_S     3.0
#define TCP_FD_HEADROOM 16              /* descriptors always left free: see tcp.c */

struct tcp_server;

/* A server with no listeners, counting into st, its new connections
 * served with cfg. NULL with errno. */
struct tcp_server *tcp_new(struct stats *st, struct config *cfg);

/* Starts the accept thread (with the listeners offered so far, if any).
 * Returns 0 or an errno value. */
int tcp_start(struct tcp_server *srv);

/* The listeners from now on (see sockset_offer(): socks is a malloc'd
 * array the server owns from now on, with its descriptors). Listeners no
 * longer in the set are retired by the accept thread: they stop taking
 * new SYNs, what they queued and the handshakes under way on them are
 * accepted (at most TCP_DRAIN_MAX connections in TCP_DRAIN_S seconds),
 * then they are closed. */
void tcp_offer(struct tcp_server *srv, struct sock *socks, size_t n);

/* The listeners, for copies of them (sockset_current(), sockset_ours():
 * the retired ones still being drained are among ours). */
struct sockset *tcp_sockset(struct tcp_server *srv);

/* New connections from now on use cfg (its limits, timeouts, thread
 * cache and backlog). */
void tcp_reconfigure(struct tcp_server *srv, struct config *cfg);

/* A service's connections now, and bytes in and out so far, open
 * connections included. */
struct tcp_counts {
	uint64_t active, in, out;
};

/* Each service's counts (by enum service), and into *total their sum
 * (total may be NULL). */
void tcp_counters(struct tcp_server *srv, struct tcp_counts by_service[SERVICE_LABELS],
		  struct tcp_counts *total);

/* The connection threads: serving a connection, and cached (waiting for
 * one, [tcp] thread_cache). */
void tcp_threads(struct tcp_server *srv, uint64_t *serving, uint64_t *cached);

/* Once a second: joins the threads of connections that have ended, and
 * reads the descriptor limit again. */
void tcp_tick(struct tcp_server *srv);

/* Stopping, in three steps, so that the caller can cut the wait short:
 * tcp_stop_accepting() ends the accept thread, closes the listeners and
 * asks every connection to send what it owes, half-close and end;
 * tcp_wait() waits up to seconds for them and returns how many are left;
 * tcp_close_all() closes the rest and joins every thread. */
void tcp_stop_accepting(struct tcp_server *srv);
unsigned long tcp_wait(struct tcp_server *srv, double seconds);
void tcp_close_all(struct tcp_server *srv);

/* Watchdog support: the accept thread wakes at least every ms (0: only
 * when there is work), and tcp_alive() says whether it has gone round its
 * loop since the last call. */
void tcp_heartbeat_every(struct tcp_server *srv, int ms);
bool tcp_alive(struct tcp_server *srv, unsigned long *last);

/* The signal that wakes connection threads: every other thread blocks it. */
int tcp_wake_signal(void);

/* Frees the server once its threads have ended: true. false when
 * connection threads that never ended (tcp_close_all() said so) still use
 * it: it is kept, and so must be what it counts into. */
bool tcp_free(struct tcp_server *srv);

#endif
