/* logline.c: what is logged: levels, the per-second allowance of
 * connection and datagram lines ([log] rate_limit), the allowance of
 * access denials, payloads escaped (escape.h), and the summary of what was
 * held back (see log.h).
 *
 * A line leaves here formatted and escaped, through logsend_line(); this
 * file must not write to stderr or syslog itself, nor hold a lock while
 * formatting. */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "escape.h"
#include "logsend.h"

/* The policy is process-wide, as the log is. */
static struct {
	atomic_int level;
	atomic_long rate_limit;
	atomic_ulong window_used;       /* lines taken in this second */
	atomic_ulong suppressed;        /* refused by the rate limit */
	atomic_ulong denials_used;      /* denial lines this second */
	atomic_ulong denials_unlogged;  /* beyond LOG_DENIALS_PER_SEC */
} P = {
	.level = LOG_INFO,
};

void log_configure(int level, int facility, long rate_limit)
{
	atomic_store(&P.level, level);
	atomic_store(&P.rate_limit, rate_limit);
	logsend_facility(facility);
}

bool log_enabled(int level)
{
	return level <= atomic_load_explicit(&P.level, memory_order_relaxed);
}

static void vlog(int level, const char *fmt, va_list ap)
{
	char text[LOG_LINE_MAX];
	int n = vsnprintf(text, sizeof text, fmt, ap);

	if (n < 0)
		return;
	logsend_line(level, text, (size_t)n < sizeof text ? (size_t)n : sizeof text - 1);
}
#define LOG_AT(name, lvl, with_errno) \
	void name(const char *fmt, ...) \
	{ \
		va_list ap; \
		int saved = errno; \
		\
		if (!log_enabled(lvl)) \
			return; \
		va_start(ap, fmt); \
		if (with_errno) { \
			char msg[LOG_LINE_MAX]; \
			\
			vsnprintf(msg, sizeof msg, fmt, ap); \
			log_msg(lvl, "%s: %s", msg, strerror(saved)); \
		} else { \
			vlog(lvl, fmt, ap); \
		} \
		va_end(ap); \
		errno = saved; \
	}

LOG_AT(log_err, LOG_ERR, true)
LOG_AT(log_errx, LOG_ERR, false)
LOG_AT(log_warn, LOG_WARNING, true)
LOG_AT(log_warnx, LOG_WARNING, false)
LOG_AT(log_notice, LOG_NOTICE, false)
LOG_AT(log_info, LOG_INFO, false)
LOG_AT(log_debug, LOG_DEBUG, false)

void log_msg(int level, const char *fmt, ...)
{
	va_list ap;

	if (!log_enabled(level))
		return;
	va_start(ap, fmt);
	vlog(level, fmt, ap);
	va_end(ap);
}

bool log_admit(int level)
{
	long limit;

	if (!log_enabled(level))
		return false;
	limit = atomic_load_explicit(&P.rate_limit, memory_order_relaxed);
	if (limit <= 0 || atomic_fetch_add_explicit(&P.window_used, 1, memory_order_relaxed) <
				  (unsigned long)limit)
		return true;
	atomic_fetch_add_explicit(&P.suppressed, 1, memory_order_relaxed);
	return false;
}

bool log_admit_denial(void)
{
	if (!log_enabled(LOG_NOTICE))
		return false;
	if (atomic_fetch_add_explicit(&P.denials_used, 1, memory_order_relaxed) <
	    LOG_DENIALS_PER_SEC)
		return true;
	atomic_fetch_add_explicit(&P.denials_unlogged, 1, memory_order_relaxed);
	return false;
}

void log_conn(int level, const char *fmt, ...)
{
	va_list ap;

	if (!log_admit(level))
		return;
	va_start(ap, fmt);
	vlog(level, fmt, ap);
	va_end(ap);
}

void log_data(const char *what, const char *peer, const void *data, size_t len, bool payload)
{
	char esc[ESCAPE_BUFSIZE(ESCAPE_PAYLOAD_MAX)];

	if (!log_admit(LOG_INFO))
		return;
	if (!payload) {
		log_msg(LOG_INFO, "%s peer=%s len=%zu", what, peer, len);
		return;
	}
	escape_payload(esc, sizeof esc, data, len, ESCAPE_PAYLOAD_MAX);
	log_msg(LOG_INFO, "%s peer=%s len=%zu data=%s", what, peer, len, esc);
}

void log_tick(void)
{
	unsigned long suppressed, dropped, lost, denials;

	atomic_store_explicit(&P.window_used, 0, memory_order_relaxed);
	atomic_store_explicit(&P.denials_used, 0, memory_order_relaxed);
	denials = atomic_exchange_explicit(&P.denials_unlogged, 0, memory_order_relaxed);
	suppressed = atomic_exchange_explicit(&P.suppressed, 0, memory_order_relaxed);
	dropped = logsend_take_dropped();
	/* what syslog lost is told once it takes lines again, where it can
	 * be read (until then it was said once that it does not) */
	lost = logsend_take_lost();
	if (suppressed > 0)
		log_notice("log: %lu lines suppressed (rate_limit %ld lines/s)", suppressed,
			   atomic_load(&P.rate_limit));
	if (denials > 0)
		log_notice(
			"access: %lu more denied in the last second (%d a second are logged one by one)",
			denials, LOG_DENIALS_PER_SEC);
	if (dropped > 0)
		log_warnx("log: %lu lines dropped (the log queue was full)", dropped);
	if (lost > 0)
		log_warnx("log: %lu lines could not be written to syslog", lost);
}
