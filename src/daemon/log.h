/* log.h: netechod's logging: syslog (ident netechod, the process id, the
 * configured facility), filtered by level, and a copy on stderr in the
 * foreground.
 *
 * Nothing here waits on syslog without a bound. netechod speaks to the
 * syslog socket itself (LOG_SYSLOG_PATH, a unix datagram socket, RFC 3164
 * lines as syslog(3) writes them) without blocking: a syslog daemon that
 * stops reading is waited for LOG_SYSLOG_WAIT_MS once, then its lines are
 * counted as lost until it reads again, and stderr keeps flowing.
 *
 * Lines reach syslog through a bounded queue served by one writer thread
 * (log_start() to log_stop()). A line is formatted in the caller's thread,
 * which then holds the queue's lock only to copy it in; when the queue is
 * full the line is dropped and counted. Info and debug lines never take
 * the last LOG_QUEUE_URGENT places, so notices and errors get through a
 * flood. Before log_start() lines are copied to stderr at once and kept in
 * the queue for the writer, so that every line reaches syslog with the
 * process id of the daemon (after detaching), and start-up never waits on
 * syslog.
 *
 * Per-connection and per-datagram lines go through log_conn() (or
 * log_admit()), which also take one line from the per-second allowance
 * [log] rate_limit; log_tick(), once a second, reports what the rate
 * limit, a full queue or syslog held back.
 *
 * Two parts: logline.c decides what is logged (levels, rate limits,
 * escaping, the wording of the summaries); logsend.c carries it (the
 * queue, the writer thread, syslog and stderr). */
#ifndef NETECHO_LOG_H
#define NETECHO_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <syslog.h>

#define LOG_LINE_MAX       2048         /* bytes of one line; longer ones are cut */
#define LOG_QUEUE_LEN      256          /* lines waiting for the writer thread */
#define LOG_QUEUE_URGENT   64           /* of those, kept for notices and worse */
#define LOG_STOP_WAIT      2            /* seconds log_stop() gives the writer */
#define LOG_SYSLOG_WAIT_MS 100          /* a syslog that does not read: waited for once */
#define LOG_SYSLOG_RETRY_S 1.0          /* a missing syslog socket: tried again this often */
#define LOG_SYSLOG_PATH    "/dev/log"

/* Sets the ident, and the least urgent level still copied to stderr
 * (LOG_DEBUG: every line; -1: none). May be called again (netechod stops
 * copying to stderr once it detaches). */
void log_init(const char *ident, int stderr_level);

/* Applies the [log] settings: level, facility and rate_limit (lines a
 * second for log_conn(); 0 = no limit). */
void log_configure(int level, int facility, long rate_limit);

/* [log] format: stderr's lines as JSON objects, one a line (logfmt.h:
 * time, level, kind, the line's fields, msg), or as text, which starts
 * with an RFC 3339 time stamp when stderr is a terminal (log_init() looks)
 * and not otherwise: the journal, a container runtime or a supervisor
 * reading a pipe stamps lines itself. Syslog's lines are the same either
 * way. */
void log_set_format(bool json);

/* Starts the writer thread (0, or an errno value), which sends what was
 * logged before to syslog first. log_stop() lets it send what is queued,
 * for at most LOG_STOP_WAIT seconds, and ends it; without a writer it
 * sends the queued lines itself, without waiting. */
int log_start(void);
void log_stop(void);

/* Lines at a level. log_err() and log_warn() append ": " and the text of
 * errno; the x forms do not. */
void log_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_errx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_notice(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A per-connection or per-datagram line: written only if level is logged
 * and this second's allowance has room (else counted as suppressed). */
void log_conn(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The same test alone, for a line whose arguments cost something to
 * build: true when the caller is to build the line and log_msg() it.
 * kind names the line's kind (logfmt.h: "tcp open") for the count of what
 * was suppressed; log_admit() counts under "other". log_conn() takes the
 * kind from its format, log_data() from what. */
#define LOG_KINDS_COUNTED 16    /* kinds counted apart, "other" included */
bool log_admit_kind(int level, const char *kind);
bool log_admit(int level);

/* Access denials ([server] allow and deny): at most LOG_DENIALS_PER_SEC
 * lines a second at notice, the rest counted and summarised once a second
 * by log_tick(), so that a spoofed flood cannot fill the log. True when
 * the caller is to log this one. */
#define LOG_DENIALS_PER_SEC 10
bool log_admit_denial(void);

/* Is level logged at all? */
bool log_enabled(int level);

/* A line for received data: "WHAT peer=PEER len=N", and with payload set
 * " data=\"...\"" escaped and cut (escape.h); at info, through log_conn(). */
void log_data(const char *what, const char *peer, const void *data, size_t len, bool payload);

/* Once a second: reports the lines the rate limit, a full queue or syslog
 * held back since the last call. */
void log_tick(void);

#endif
