/* udp.h: netechod's UDP core: one dedicated thread receives datagrams on
 * the bound sockets (in batches, with recvmmsg), applies the access list,
 * logs each with its sender, size and payload, and hands it to the
 * socket's service (a row of service.h): the echo answers reply_prefix +
 * payload with [udp] echo = yes, the report its JSON.
 *
 * The echo by default never replies: an echoing UDP port can be used to reflect
 * traffic at a spoofed victim, or to start a loop with another service.
 * When it does, a reply never goes to a port below 1024 nor to one of
 * netechod's own sockets, and replies pass token buckets per source
 * address and in total ([udp] echo_rate, echo_rate_total; ratelimit.h). */
#ifndef NETECHO_UDP_H
#define NETECHO_UDP_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "sockset.h"
#include "stats.h"

#define UDP_BATCH     32        /* datagrams per recvmmsg() */
#define UDP_DGRAM_MAX 65536     /* bytes kept of one datagram: all of any UDP payload */
#define UDP_ECHO_MIN_PORT 1024  /* no echo to privileged ports: echo, chargen, DNS ... */

struct udp_server;

/* A server with no sockets, counting into st. NULL with errno. */
struct udp_server *udp_new(struct stats *st, struct config *cfg);

/* Starts the receive thread. Returns 0 or an errno value. */
int udp_start(struct udp_server *srv);

/* The sockets from now on (see sockset_offer(): socks is a malloc'd array
 * the server owns from now on, with its descriptors); those no longer in
 * the set are read empty and closed by the receive thread. */
void udp_offer(struct udp_server *srv, struct sock *socks, size_t n);

/* The sockets, for copies of them (sockset_current(), sockset_ours()). */
struct sockset *udp_sockset(struct udp_server *srv);

/* Datagrams from now on are handled with cfg. */
void udp_reconfigure(struct udp_server *srv, struct config *cfg);

/* Watchdog support, as tcp_heartbeat_every() and tcp_alive(). */
void udp_heartbeat_every(struct udp_server *srv, int ms);
bool udp_alive(struct udp_server *srv, unsigned long *last);

/* Stops and joins the thread and closes the sockets. */
void udp_stop(struct udp_server *srv);

void udp_free(struct udp_server *srv);

#endif
