/* probemem.h: the report service's memory of --pmtu probes, so that a
 * report confirms earlier probes too: a lost report is then not taken for
 * a lost probe, nor a report held back by the rate limits.
 *
 * A --pmtu probe's payload begins with a tag: "netecho pmtu probe
 * s=SESSION n=SEQ " (SESSION 16 lowercase hex digits the client draws at
 * random, SEQ its probe's number, 0 to PROBEMEM_SEQS - 1). For each client
 * address and session the table keeps which probe numbers arrived, from
 * the first that created the entry on ("first": a probe numbered lower is
 * not known either way), and the report carries them (report.h).
 *
 * Bounded: PROBEMEM_ENTRIES sessions in sets of PROBEMEM_WAYS, keyed with a
 * keyed hash (siphash) of the address and session; an entry unused for
 * PROBEMEM_EXPIRY seconds is free, and a new session in a full set takes
 * the place of the one used longest ago (its client then sees a later
 * "first": what it sent before is unknown, never lost). Pure: no system
 * calls, the time is the caller's; unit-tested. One thread's (the UDP
 * thread's). */
#ifndef NETECHO_PROBEMEM_H
#define NETECHO_PROBEMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define PROBEMEM_ENTRIES 256            /* sessions remembered at once (about 15 KiB) */
#define PROBEMEM_WAYS    4              /* entries a session may take (a set) */
#define PROBEMEM_SEQS    128            /* probes of one session remembered */
#define PROBEMEM_EXPIRY  60.0           /* seconds: a session unused this long is forgotten */
#define PROBEMEM_TAG_MAX 48             /* room for a tag */
#define PROBEMEM_HEX_LEN (PROBEMEM_SEQS / 4)    /* the bits as hex digits */

/* What one session's entry holds: probe first + i arrived when bit i of
 * bits (byte i / 8, bit i % 8) is set. */
struct probemem_view {
	unsigned first;
	uint8_t bits[PROBEMEM_SEQS / 8];
};

struct probemem;

/* A table with a random hash key (k0, k1); NULL when out of memory. */
struct probemem *probemem_new(uint64_t k0, uint64_t k1);
void probemem_free(struct probemem *m);

/* Writes the tag of probe seq of a session (with its trailing blank)
 * into buf; returns its length (PROBEMEM_TAG_MAX at most). */
size_t probemem_tag(char *buf, size_t size, uint64_t session, unsigned seq);

/* Reads a tag at the start of a payload of len bytes. 0, or -1 when it
 * holds none (a --path probe, anything else). */
int probemem_parse(const void *payload, size_t len, uint64_t *session, unsigned *seq);

/* Notes that probe seq of a session arrived from address from at time
 * now (seconds) and copies the session's entry into *v. */
void probemem_note(struct probemem *m, const struct sockaddr *from, uint64_t session,
		   unsigned seq, double now, struct probemem_view *v);

/* The bits as PROBEMEM_HEX_LEN hex digits and a NUL (out: that + 1
 * bytes), and back: 0, or -1 when hex is not that. */
void probemem_hex(const struct probemem_view *v, char *out);
int probemem_unhex(const char *hex, uint8_t *bits);

#endif
