/* outbuf.c: bounded text appending (see outbuf.h). */
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
