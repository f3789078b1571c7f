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
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "escape.h"
#include "logfmt.h"
#include "logsend.h"

/* The policy is process-wide, as the log is. */
static struct {
	atomic_int level;
	atomic_long rate_limit;
	atomic_ulong window_used;       /* lines taken in this second */
	atomic_ulong denials_used;      /* denial lines this second */
	atomic_ulong denials_unlogged;  /* beyond LOG_DENIALS_PER_SEC */
} P = {
	.level = LOG_INFO,
};

/* Lines refused by the rate limit, by kind (logfmt.h). A slot once named
 * keeps its name (the process's kinds are its format strings'); the last
 * is "other", for kinds beyond LOG_KINDS_COUNTED - 1. */
static struct {
	pthread_mutex_t lock;           /* naming a slot */
	atomic_size_t named;            /* slots named, the last not counted */
	struct {
		char name[LOGFMT_KIND_MAX];
		atomic_ulong n;
	} slot[LOG_KINDS_COUNTED];
} K = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.slot[LOG_KINDS_COUNTED - 1] = { .name = "other" },
};

static size_t kind_slot(const char *kind)
{
	size_t named = atomic_load_explicit(&K.named, memory_order_acquire), i;

	if (strcmp(kind, "other") == 0)
		return LOG_KINDS_COUNTED - 1;
	for (i = 0; i < named; i++)
		if (strcmp(K.slot[i].name, kind) == 0)
			return i;
	pthread_mutex_lock(&K.lock);
	named = atomic_load_explicit(&K.named, memory_order_relaxed);
	for (i = 0; i < named && strcmp(K.slot[i].name, kind) != 0; i++)
		;
	if (i == named && named < LOG_KINDS_COUNTED - 1) {
		snprintf(K.slot[i].name, sizeof K.slot[i].name, "%s", kind);
		atomic_store_explicit(&K.named, named + 1, memory_order_release);
	} else if (i == named) {
		i = LOG_KINDS_COUNTED - 1;
	}
	pthread_mutex_unlock(&K.lock);
	return i;
}

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

bool log_admit_kind(int level, const char *kind)
{
	long limit;

	if (!log_enabled(level))
		return false;
	limit = atomic_load_explicit(&P.rate_limit, memory_order_relaxed);
	if (limit <= 0 || atomic_fetch_add_explicit(&P.window_used, 1, memory_order_relaxed) <
				  (unsigned long)limit)
		return true;
	atomic_fetch_add_explicit(&K.slot[kind_slot(kind)].n, 1, memory_order_relaxed);
	return false;
}

bool log_admit(int level)
{
	return log_admit_kind(level, "other");
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
	char kind[LOGFMT_KIND_MAX];
	va_list ap;

	if (!log_enabled(level))
		return;
	/* the kind of the format is the kind of the line: its leading words */
	logfmt_kind(kind, fmt, strlen(fmt));
	if (!log_admit_kind(level, kind))
		return;
	va_start(ap, fmt);
	vlog(level, fmt, ap);
	va_end(ap);
}

void log_data(const char *what, const char *peer, const void *data, size_t len, bool payload)
{
	char esc[ESCAPE_BUFSIZE(ESCAPE_PAYLOAD_MAX)];

	if (!log_admit_kind(LOG_INFO, what))
		return;
	if (!payload) {
		log_msg(LOG_INFO, "%s peer=%s len=%zu", what, peer, len);
		return;
	}
	escape_payload(esc, sizeof esc, data, len, ESCAPE_PAYLOAD_MAX);
	log_msg(LOG_INFO, "%s peer=%s len=%zu data=%s", what, peer, len, esc);
}

/* "log: N lines suppressed (rate_limit R lines/s): tcp_open=N, ...", the
 * counts by kind, a kind's spaces as '_' (a field of its own in JSON). */
static void tell_suppressed(void)
{
	size_t named = atomic_load_explicit(&K.named, memory_order_acquire), used = 0;
	char list[LOG_LINE_MAX / 2];
	unsigned long total = 0;

	list[0] = '\0';
	for (size_t i = 0; i < LOG_KINDS_COUNTED; i++) {
		unsigned long n;
		int k;

		if (i >= named && i != LOG_KINDS_COUNTED - 1)
			continue;
		n = atomic_exchange_explicit(&K.slot[i].n, 0, memory_order_relaxed);
		if (n == 0)
			continue;
		total += n;
		k = snprintf(list + used, sizeof list - used, "%s%s=%lu", used > 0 ? ", " : "",
			     K.slot[i].name, n);
		if (k > 0 && (size_t)k < sizeof list - used) {
			for (size_t j = used; j < used + (size_t)k; j++)
				list[j] = list[j] == ' ' && list[j - 1] != ',' ? '_' : list[j];
			used += (size_t)k;
		}
	}
	if (total > 0)
		log_notice("log: %lu lines suppressed (rate_limit %ld lines/s): %s", total,
			   atomic_load(&P.rate_limit), list);
}

void log_tick(void)
{
	unsigned long dropped, lost, denials;

	atomic_store_explicit(&P.window_used, 0, memory_order_relaxed);
	atomic_store_explicit(&P.denials_used, 0, memory_order_relaxed);
	denials = atomic_exchange_explicit(&P.denials_unlogged, 0, memory_order_relaxed);
	dropped = logsend_take_dropped();
	/* what syslog lost is told once it takes lines again, where it can
	 * be read (until then it was said once that it does not) */
	lost = logsend_take_lost();
	tell_suppressed();
	if (denials > 0)
		log_notice(
			"access: %lu more denied in the last second (%d a second are logged one by one)",
			denials, LOG_DENIALS_PER_SEC);
	if (dropped > 0)
		log_warnx("log: %lu lines dropped (the log queue was full)", dropped);
	if (lost > 0)
		log_warnx("log: %lu lines could not be written to syslog", lost);
}
