/* srclimit.h: counts open connections per client address, for [tcp]
 * max_per_source. An IPv4-mapped IPv6 address counts as its IPv4 address.
 * Not thread-safe: the caller holds its own lock. Pure and unit-tested. */
#ifndef NETECHO_SRCLIMIT_H
#define NETECHO_SRCLIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define SRCLIMIT_BUCKETS 4096   /* hash buckets; entries: one per address with a connection */

struct srclimit;

/* A table hashing with the 128-bit key (k0, k1): pick it at random, so
 * that clients cannot choose addresses that collide. NULL on ENOMEM. */
struct srclimit *srclimit_new(uint64_t k0, uint64_t k1);
void srclimit_free(struct srclimit *sl);

/* Counts one more connection from sa if it has fewer than limit; returns
 * true if it was counted. False when at the limit, or with errno ENOMEM,
 * or EAFNOSUPPORT for an address that is neither IPv4 nor IPv6. */
bool srclimit_take(struct srclimit *sl, const struct sockaddr *sa, unsigned long limit);

/* Counts one connection from sa less (one that srclimit_take counted). */
void srclimit_put(struct srclimit *sl, const struct sockaddr *sa);

/* Connections counted for sa now. */
unsigned long srclimit_count(const struct srclimit *sl, const struct sockaddr *sa);

/* Addresses with at least one connection. */
size_t srclimit_sources(const struct srclimit *sl);

#endif
