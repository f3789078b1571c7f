/* ratelimit.h: token buckets for the replies netechod sends to datagrams
 * (UDP echo, the report service): at most `rate` a second to one source
 * address, in bursts of at most `rate`, and at most `total` a second in
 * all. A datagram's source address can be forged, so this is what keeps a
 * reply from being turned into a flood at a victim, or a loop with another
 * service.
 *
 * The table has RATELIMIT_SLOTS places, found by a keyed hash (SipHash,
 * random key) and RATELIMIT_PROBE places of probing; when they are taken,
 * the source quiet for longest gives up its place. A flood from many
 * forged sources can so win a fresh bucket for a source, and is then held
 * by the total. An IPv4-mapped IPv6 address is its IPv4 address.
 *
 * Pure: the caller gives the time; one thread uses a table. */
#ifndef NETECHO_RATELIMIT_H
#define NETECHO_RATELIMIT_H

#include <stdint.h>
#include <sys/socket.h>

#define RATELIMIT_SLOTS 4096
#define RATELIMIT_PROBE 8

struct ratelimit;

/* A table hashing with the key (k0, k1), admitting rate replies a second
 * to one source and total in all. NULL on ENOMEM. */
struct ratelimit *ratelimit_new(uint64_t k0, uint64_t k1, double rate, double total);
void ratelimit_free(struct ratelimit *rl);

/* New limits (a reload); the buckets keep what they hold, up to them. */
void ratelimit_set(struct ratelimit *rl, double rate, double total);

enum ratelimit_verdict {
	RATELIMIT_PASS,                 /* a reply may go: one token taken */
	RATELIMIT_SOURCE,               /* this source had its share */
	RATELIMIT_TOTAL,                /* everyone together had theirs */
	RATELIMIT_BADADDR,              /* neither IPv4 nor IPv6 */
};

/* May a reply go to sa at time now (seconds, any steady clock)? */
enum ratelimit_verdict ratelimit_take(struct ratelimit *rl, const struct sockaddr *sa, double now);

#endif
