/* echoreply.h: checking what an echo server sends back for a message: the
 * message itself, in one or more pieces, each after the server's reply
 * prefix (netechod answers every chunk it reads with its prefix and the
 * chunk, and reads a long message in several chunks). The message's
 * bytes must never equal the prefix's first byte, so where a piece begins
 * is never in doubt. Used by netecho --bench and by the test programs.
 * Pure. */
#ifndef NETECHO_ECHOREPLY_H
#define NETECHO_ECHOREPLY_H

#include <stdbool.h>
#include <stddef.h>

struct echoreply {
	const unsigned char *prefix;
	size_t plen;
	const unsigned char *msg;       /* the message expected back */
	size_t len;
	size_t matched;                 /* message bytes seen in the reply */
	size_t pfx;                     /* prefix bytes seen of the current piece */
	bool in_data;                   /* a message byte came since that prefix */
	const char *why;                /* after ECHOREPLY_WRONG: what was wrong */
};

enum echoreply_state {
	ECHOREPLY_WRONG = -1,           /* a byte that does not belong */
	ECHOREPLY_MORE = 0,             /* right so far, the message not yet whole */
	ECHOREPLY_DONE = 1,             /* the whole message is back */
};

/* Starts checking the reply to msg (len bytes) with prefix (plen bytes). */
void echoreply_start(struct echoreply *r, const void *prefix, size_t plen, const void *msg,
		     size_t len);

/* After ECHOREPLY_DONE, checks the next copy of the message in a stream:
 * its bytes may go on in the same piece, or a new piece begin. */
void echoreply_next(struct echoreply *r);

/* Feeds n reply bytes, of which at most sent message bytes may be echoed
 * (what was sent of the message so far). Stops at the end of the message:
 * *used tells how many bytes it took (the rest belong to what follows). */
enum echoreply_state echoreply_feed(struct echoreply *r, const void *bytes, size_t n, size_t sent,
				    size_t *used);

#endif
