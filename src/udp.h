/* udp.h: netechod's UDP service: one dedicated thread receives datagrams on
 * the bound sockets (in batches, with recvmmsg), logs each with its sender,
 * size and payload, and with [udp] echo = yes answers reply_prefix + payload.
 * By default it never replies: an echoing UDP port can be used to reflect
 * traffic at a spoofed victim. */
#ifndef NETECHO_UDP_H
#define NETECHO_UDP_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "net.h"
#include "stats.h"

#define UDP_BATCH     32        /* datagrams per recvmmsg() */
#define UDP_DGRAM_MAX 65536     /* bytes kept of one datagram: all of any UDP payload */

struct udp_server;

struct udp_server *udp_new(struct stats *st, struct config *cfg);

/* Starts the receive thread on nfds bound sockets, which the server now
 * owns. Returns 0 or an errno value. */
int udp_start(struct udp_server *srv, const int *fds, size_t nfds);

/* Datagrams from now on are handled with cfg. */
void udp_reconfigure(struct udp_server *srv, struct config *cfg);

/* Replaces the sockets (a reload that changed the address); what the old
 * ones hold is read first. Returns 0 or an errno value. */
int udp_replace_sockets(struct udp_server *srv, const int *fds, size_t nfds);

/* The addresses the sockets are bound to (at most max). */
size_t udp_local_addrs(struct udp_server *srv, struct net_addr *out, size_t max);

/* Watchdog support, as tcp_heartbeat_every() and tcp_alive(). */
void udp_heartbeat_every(struct udp_server *srv, int ms);
bool udp_alive(struct udp_server *srv, unsigned long *last);

/* Stops and joins the thread and closes the sockets. */
void udp_stop(struct udp_server *srv);

void udp_free(struct udp_server *srv);

#endif
