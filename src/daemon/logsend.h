/* logsend.h: how a log line travels (logsend.c), for logline.c only: the
 * queue, the writer thread, syslog (RFC 3164 over LOG_SYSLOG_PATH) and the
 * copy on stderr. The public calls (log_init(), log_start(), log_stop())
 * are in log.h. Nothing here decides what is logged: levels, rate limits
 * and the wording of lines belong to logline.c. */
#ifndef NETECHO_LOGSEND_H
#define NETECHO_LOGSEND_H

#include <stdbool.h>
#include <stddef.h>

/* Queues a formatted line (text, len bytes, no line break) for syslog and
 * stderr; before log_start() stderr gets it at once. A full queue drops
 * it and counts it (logsend_take_dropped()). */
void logsend_line(int level, const char *text, size_t len);

/* The syslog facility of the lines sent from now on. */
void logsend_facility(int facility);

/* Lines lost to a full queue since the last call. */
unsigned long logsend_take_dropped(void);

/* Lines syslog did not take since the last call; 0 while syslog is not
 * taking lines (that was said once, and the count is told when it takes
 * them again). */
unsigned long logsend_take_lost(void);

#endif
