/* srclimit.h: counts open connections per client address, for [tcp]
 * max_per_source, or per network when prefix lengths are given. An
 * IPv4-mapped IPv6 address counts as its IPv4 address. Not thread-safe:
 * the caller holds its own lock. Pure and unit-tested. */
#ifndef NETECHO_SRCLIMIT_H
#define NETECHO_SRCLIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define SRCLIMIT_BUCKETS 4096   /* hash buckets; entries: one per address with a connection */

struct srclimit;

/* A table hashing with the 128-bit key (k0, k1): pick it at random, so
 * that clients cannot choose addresses that collide. Addresses count
 * together when their first v4_prefix (0-32) or v6_prefix (0-128) bits
 * agree: 32 and 128 count each address alone. NULL on ENOMEM. */
struct srclimit *srclimit_new(uint64_t k0, uint64_t k1, unsigned v4_prefix, unsigned v6_prefix);
void srclimit_free(struct srclimit *sl);

enum srclimit_result {
	SRCLIMIT_TAKEN,                 /* counted */
	SRCLIMIT_FULL,                  /* the source has limit connections already */
	SRCLIMIT_NOMEM,                 /* no memory for a new source */
	SRCLIMIT_BADADDR,               /* neither IPv4 nor IPv6 */
};

/* Counts one more connection from sa if its source has fewer than limit. */
enum srclimit_result srclimit_take(struct srclimit *sl, const struct sockaddr *sa,
				   unsigned long limit);

/* Counts one connection from sa less (one that srclimit_take counted). */
void srclimit_put(struct srclimit *sl, const struct sockaddr *sa);

/* Connections counted for sa now. */
unsigned long srclimit_count(const struct srclimit *sl, const struct sockaddr *sa);

/* Addresses with at least one connection. */
size_t srclimit_sources(const struct srclimit *sl);

#endif
