/* siphash.h: SipHash-2-4 (Aumasson and Bernstein), a keyed hash for short
 * inputs: with a random key, clients cannot choose inputs that collide.
 * Used by the tables keyed by client address (srclimit, ratelimit).
 * Ours: glibc has no keyed hash, and one small function is no reason for a
 * library dependency.
 *
 * It must not allocate nor keep state: pure. */
#ifndef NETECHO_SIPHASH_H
#define NETECHO_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

uint64_t siphash(const unsigned char *in, size_t len, uint64_t k0, uint64_t k1);

#endif
