/* outbuf.h: text appended to a caller's buffer, cut (and still a
 * terminated string) when it is full, never written past. For the
 * formatters of log fields, reports and verdicts. */
#ifndef NETECHO_OUTBUF_H
#define NETECHO_OUTBUF_H

#include <stdbool.h>
#include <stddef.h>

struct outbuf {
	char *buf;
	size_t size, len;               /* len < size once started with size > 0 */
	bool members;                   /* for JSON writers: a member came, the next needs a comma */
};

/* An empty string in buf (size bytes; none when size is 0). */
void outbuf_start(struct outbuf *o, char *buf, size_t size);

/* printf into what is left; what does not fit is cut. */
void outbuf_add(struct outbuf *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
