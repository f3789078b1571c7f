/* log.h: netechod's logging: syslog (ident netechod, LOG_PID, the configured
 * facility), filtered by level, and a copy on stderr in the foreground.
 *
 * Until log_start() and after log_stop(), a call writes at once. In between,
 * lines go through a bounded queue to one writer thread, so that a slow
 * syslog daemon never makes connection threads wait: when the queue is full
 * a line is dropped and counted. Connection and payload lines also pass a
 * rate limit (log_take()); log_tick(), called once a second, reports what
 * either dropped. Info and debug lines never take the last
 * LOG_QUEUE_URGENT places of the queue, so notices and errors still get
 * through a flood. syslog() only ever sees the format "%s". */
#ifndef NETECHO_LOG_H
#define NETECHO_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <syslog.h>

#define LOG_LINE_MAX  2048   /* bytes in one log line, longer ones are cut */
#define LOG_QUEUE_LEN 256    /* lines waiting for the writer thread */
#define LOG_QUEUE_URGENT 64  /* of those, kept for notices and worse */
#define LOG_STOP_WAIT 2      /* seconds log_stop() waits for a stalled syslog */

/* Sets the ident, and the least urgent level still copied to stderr
 * (LOG_DEBUG: every line; -1: none); before anything else. */
void log_init(const char *ident, int stderr_level);

/* Applies the [log] settings: level, facility and rate_limit (lines per
 * second for log_take(); 0 = no limit). (Re)opens syslog when needed. */
void log_configure(int level, int facility, long rate_limit);

/* Starts and stops the writer thread. log_start returns 0, or an errno.
 * log_stop waits at most LOG_STOP_WAIT seconds for the queue to drain: a
 * syslog daemon that has stopped reading cannot keep netechod from
 * exiting. */
int log_start(void);
void log_stop(void);

/* Is a line of this level written at all? Cheap: call it before building
 * an expensive line. */
bool log_enabled(int level);

void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Takes one line from the per-second allowance for connection and payload
 * lines; false (and counted as suppressed) when this second's is spent. */
bool log_take(void);

/* A line for received data: "WHAT peer=PEER len=N", and with payload set
 * " data=\"...\"" escaped and cut (escape.h); at level info, subject to
 * log_take(). */
void log_data(const char *what, const char *peer, const void *data, size_t len, bool payload);

/* Once a second: reports lines suppressed by the rate limit or dropped by a
 * full queue since the last call. */
void log_tick(void);

/* Closes syslog. */
void log_close(void);

#endif
