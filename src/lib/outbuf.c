/* outbuf.c: bounded text appending (see outbuf.h).
 *
 * It must not write past the caller's buffer: what does not fit is cut,
 * and the text stays a terminated string. */
#include "outbuf.h"

#include <stdarg.h>
#include <stdio.h>

void outbuf_start(struct outbuf *o, char *buf, size_t size)
{
	*o = (struct outbuf){ .buf = buf, .size = size };
	if (size > 0)
		buf[0] = '\0';
}

void outbuf_add(struct outbuf *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->size == 0 || o->len >= o->size - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, o->size - o->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n < o->size - o->len ? (size_t)n : o->size - o->len - 1;
}

void outbuf_key(struct outbuf *o, const char *name)
{
	outbuf_add(o, "%s\"%s\":", o->members ? "," : "", name);
	o->members = true;
}

void outbuf_json_int(struct outbuf *o, const char *name, long n)
{
	outbuf_key(o, name);
	if (n >= 0)
		outbuf_add(o, "%ld", n);
	else
		outbuf_add(o, "null");
}

void outbuf_json_bool(struct outbuf *o, const char *name, int b)
{
	outbuf_key(o, name);
	outbuf_add(o, "%s", b < 0 ? "null" : b ? "true" : "false");
}
