/* echoreply.c: checking an echo server's reply (see echoreply.h).
 *
 * Pure: it must not read a socket nor keep the reply's bytes; it only says
 * whether each byte belongs. */
#include "echoreply.h"

void echoreply_start(struct echoreply *r, const void *prefix, size_t plen, const void *msg,
		     size_t len)
{
	*r = (struct echoreply){ .prefix = prefix, .plen = plen, .msg = msg, .len = len };
}

/* What byte b of the reply is: NULL when it belongs, else why not. */
static const char *check_byte(struct echoreply *r, unsigned char b, size_t sent)
{
	if (r->pfx < r->plen)
		return b == r->prefix[r->pfx++] ? NULL : "reply prefix differs";
	if (r->plen > 0 && r->in_data && b == r->prefix[0]) {
		r->pfx = 1;             /* the next piece */
		r->in_data = false;
		return NULL;
	}
	if (r->matched >= sent)
		return "reply ahead of what was sent";
	if (b != r->msg[r->matched])
		return "reply data differs";
	r->matched++;
	r->in_data = true;
	return NULL;
}

void echoreply_next(struct echoreply *r)
{
	r->matched = 0;
	r->pfx = r->plen;       /* within the piece that ended the last copy */
	r->in_data = true;
}

enum echoreply_state echoreply_feed(struct echoreply *r, const void *bytes, size_t n, size_t sent,
				    size_t *used)
{
	const unsigned char *b = bytes;
	size_t i;

	for (i = 0; i < n && r->matched < r->len; i++)
		if ((r->why = check_byte(r, b[i], sent)) != NULL) {
			*used = i;
			return ECHOREPLY_WRONG;
		}
	*used = i;
	return r->matched == r->len ? ECHOREPLY_DONE : ECHOREPLY_MORE;
}
