/* tcp.h: netechod's TCP service: an accept thread on the listening sockets
 * and one POSIX thread per accepted connection, which answers every chunk it
 * reads with reply_prefix followed by the chunk.
 *
 * Threads: the accept thread owns the listeners; each connection thread owns
 * its socket and its buffer; the server's lock guards the lists of threads
 * and the current configuration, which a connection takes a reference to
 * when it is accepted (a reload changes what new connections see). */
#ifndef NETECHO_TCP_H
#define NETECHO_TCP_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "net.h"
#include "stats.h"

#define TCP_BUFSIZE    65536            /* bytes read per recv(), one buffer a thread */
#define TCP_STACK_SIZE (64 * 1024)      /* connection thread stack */

struct tcp_server;

/* A server with no listeners yet, counting into st. NULL on ENOMEM. */
struct tcp_server *tcp_new(struct stats *st, struct config *cfg);

/* Starts the accept thread on nfds listening sockets, which the server now
 * owns. Returns 0 or an errno value. */
int tcp_start(struct tcp_server *srv, const int *fds, size_t nfds);

/* New connections from now on use cfg. */
void tcp_reconfigure(struct tcp_server *srv, struct config *cfg);

/* Replaces the listening sockets (a reload that changed the address): the
 * old ones are closed once what they had queued is accepted, so no client
 * that connected is dropped. Returns 0 or an errno value. */
int tcp_replace_listeners(struct tcp_server *srv, const int *fds, size_t nfds);

/* The addresses the listeners are bound to (at most max). */
size_t tcp_local_addrs(struct tcp_server *srv, struct net_addr *out, size_t max);

/* Applies a new listen backlog to the current listeners. */
void tcp_set_backlog(struct tcp_server *srv, int backlog);

/* Connections being served now. */
unsigned long tcp_active(struct tcp_server *srv);

/* Connections now, and bytes in and out so far, open connections included. */
void tcp_counters(struct tcp_server *srv, unsigned long *active, unsigned long *in, unsigned long *out);

/* Joins the threads of connections that have ended (once a second). */
void tcp_reap(struct tcp_server *srv);

/* Stopping, in three steps, so that the caller can cut the wait short:
 * tcp_stop_accepting() closes the listeners and asks every connection to
 * send what it owes, half-close and end; tcp_wait() waits up to seconds for
 * them and returns how many are left; tcp_close_all() closes the rest and
 * joins every thread. tcp_stop() does all three with timeout seconds. */
void tcp_stop_accepting(struct tcp_server *srv);
unsigned long tcp_wait(struct tcp_server *srv, double seconds);
void tcp_close_all(struct tcp_server *srv);
void tcp_stop(struct tcp_server *srv, long timeout);

/* Watchdog support: the accept thread wakes at least every ms (0: only
 * when there is work), and tcp_alive() says whether it has gone round its
 * loop since the last call (true also when it is not running). */
void tcp_heartbeat_every(struct tcp_server *srv, int ms);
bool tcp_alive(struct tcp_server *srv, unsigned long *last);

/* The signal that wakes connection threads: every other thread blocks it. */
int tcp_wake_signal(void);

void tcp_free(struct tcp_server *srv);

#endif
