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

/* JSON members, for the writers of reports and verdicts: "name": after a
 * comma when a member came before (o->members); a number, null when n < 0;
 * true, false, or null when b < 0. */
void outbuf_key(struct outbuf *o, const char *name);
void outbuf_json_int(struct outbuf *o, const char *name, long n);
void outbuf_json_bool(struct outbuf *o, const char *name, int b);

#endif
