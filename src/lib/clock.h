/* clock.h: the monotonic clock in seconds, for the daemon, the client and
 * the test programs alike. CLOCK_MONOTONIC cannot fail on Linux; if it
 * did, time would stand still (0), never jump. */
#ifndef NETECHO_CLOCK_H
#define NETECHO_CLOCK_H

#include <time.h>

/* Seconds on the monotonic clock. */
static inline double clock_now(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		return 0;
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A number of seconds (or a point on the clock) as a timespec. */
static inline struct timespec clock_timespec(double seconds)
{
	struct timespec ts = { 0, 0 };

	if (seconds > 0) {
		ts.tv_sec = (time_t)seconds;
		ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
		if (ts.tv_nsec > 999999999)
			ts.tv_nsec = 999999999;
	}
	return ts;
}

/* Milliseconds from now until deadline, rounded up, for poll(); -1 (no
 * limit) when deadline is 0. */
static inline int clock_ms_until(double deadline)
{
	double left;

	if (deadline == 0)
		return -1;
	left = (deadline - clock_now()) * 1000.0;
	if (left <= 0)
		return 0;
	if (left > 2e9)
		return 2000000000;
	return (int)left + ((double)(int)left < left);      /* rounded up */
}

#endif
