/* proxyread.h: a PROXY header read off a connection (proxyread.c).
 * Internal to the connection core: admit.c reads the header, a service
 * only asks admit_first_bytes(). It decides nothing and logs nothing. */
#ifndef NETECHO_PROXYREAD_H
#define NETECHO_PROXYREAD_H

#include <stdbool.h>
#include <stddef.h>

#include "conn.h"
#include "proxyparse.h"

/* Reads a proxy's PROXY header from c (PROXY_WAIT_S seconds at most),
 * using c->buf: PROXY_OK with *h, PROXY_NONE when the connection does
 * not begin with one (or, optional, sends nothing in the time), or
 * PROXY_BAD with *why saying what was wrong. */
enum proxy_result proxy_read_header(struct conn *c, bool optional, struct proxy_header *h,
				    const char **why);

/* Does a first chunk begin with a whole PROXY signature ("PROXY " or
 * version 2's twelve bytes)? */
bool proxy_whole_signature(const char *buf, size_t len);

#endif
