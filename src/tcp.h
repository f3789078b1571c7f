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

#include <stddef.h>

#include "config.h"
#include "stats.h"

#define TCP_BUFSIZE    16384            /* bytes read per recv(), one buffer a thread */
#define TCP_STACK_SIZE (64 * 1024)      /* connection thread stack */

struct tcp_server;

/* A server with no listeners yet, counting into st. NULL on ENOMEM. */
struct tcp_server *tcp_new(struct stats *st, struct config *cfg);

/* Starts the accept thread on nfds listening sockets, which the server now
 * owns. Returns 0 or an errno value. */
int tcp_start(struct tcp_server *srv, const int *fds, size_t nfds);

/* New connections from now on use cfg. */
void tcp_reconfigure(struct tcp_server *srv, struct config *cfg);

/* Connections being served now. */
unsigned long tcp_active(struct tcp_server *srv);

/* Stops accepting and closes the listeners; asks every connection to send
 * what it owes, half-close and end; waits up to timeout seconds for them,
 * then closes the rest; joins every thread. */
void tcp_stop(struct tcp_server *srv, long timeout);

void tcp_free(struct tcp_server *srv);

#endif
