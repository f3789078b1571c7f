/* benchreport.c: the figures of netecho --bench (see benchreport.h). It
 * reads counts and prints them; it never touches a socket. */
#include "benchreport.h"

#include <stdlib.h>
#include <string.h>

#include "clock.h"

#define BUCKET   1.0            /* seconds of an answered-requests bucket */

int benchreport_init(struct bench_stats *s, const struct bench_options *o, double start)
{
	size_t buckets = (size_t)(o->seconds / BUCKET) + 2;

	s->o = o;
	s->start = start;
	s->seconds_kept = buckets < BENCH_MAX_SECONDS_KEPT ? buckets : BENCH_MAX_SECONDS_KEPT;
	s->per_second = calloc(s->seconds_kept, sizeof *s->per_second);
	if (o->interval > 0) {
		size_t n = (size_t)(o->seconds / o->interval) + 2;

		s->intervals_max = n < BENCH_MAX_INTERVALS ? n : BENCH_MAX_INTERVALS;
		s->intervals = calloc(s->intervals_max, sizeof *s->intervals);
		s->next_interval = start + o->interval;
	}
	s->next_live = start + 1;
	return s->per_second == NULL || (o->interval > 0 && s->intervals == NULL) ? -1 : 0;
}

void benchreport_free(struct bench_stats *s)
{
	free(s->per_second);
	free(s->intervals);
}

/* Latencies in microseconds, log-linear: bucket e holds HIST_SUB equal
 * steps of 2^e from HIST_SUB * 2^e on (e = 0: 0 to HIST_SUB - 1). */
void benchreport_answered(struct bench_stats *s, double seconds)
{
	uint64_t us = (uint64_t)(seconds * 1e6);
	double at = clock_now() - s->start;
	int e = 0;

	while ((us >> e) >= 2 * HIST_SUB && e < 62)
		e++;
	if (e == 0 && us < HIST_SUB)
		s->hist[us]++;
	else
		s->hist[(e + 1) * HIST_SUB + (int)((us >> e) - HIST_SUB) % HIST_SUB]++;
	if (seconds * 1000 > s->max_ms)
		s->max_ms = seconds * 1000;
	s->requests++;
	if (at >= 0 && (size_t)(at / BUCKET) < s->seconds_kept)
		s->per_second[(size_t)(at / BUCKET)]++;
}

/* The latency below which a share p of the requests fell, in ms. */
static double percentile(const struct bench_stats *s, double p)
{
	uint64_t total = 0, acc = 0;

	for (int i = 0; i < HIST_BUCKETS; i++)
		total += s->hist[i];
	if (total == 0)
		return 0;
	for (int i = 0; i < HIST_BUCKETS; i++) {
		acc += s->hist[i];
		if ((double)acc >= p * (double)total) {
			/* the bucket's upper edge, never above the largest seen */
			double edge;

			if (i < HIST_SUB)
				edge = (double)(i + 1);
			else
				edge = (double)((uint64_t)(HIST_SUB + i % HIST_SUB + 1)
						<< (i / HIST_SUB - 1));
			edge /= 1000.0;
			return edge < s->max_ms ? edge : s->max_ms;
		}
	}
	return s->max_ms;
}

/* iperf3's way: 3 figures, the unit that keeps the number under 1000. */
static const char *with_unit(double v, double step, const char *const units[5], char *buf,
			     size_t size)
{
	int u = 0;

	while (v >= 1000 && u < 4) {
		v /= step;
		u++;
	}
	snprintf(buf, size, v < 9.995 ? "%.2f %s" : v < 99.95 ? "%.1f %s" : "%.0f %s", v, units[u]);
	return buf;
}

const char *benchreport_bits(double bytes_per_s, char *buf, size_t size)
{
	static const char *const units[5] = { "bits/sec", "Kbits/sec", "Mbits/sec", "Gbits/sec",
					      "Tbits/sec" };

	return with_unit(bytes_per_s * 8, 1000, units, buf, size);
}

const char *benchreport_bytes(double bytes_per_s, char *buf, size_t size)
{
	static const char *const units[5] = { "Bytes/sec", "KBytes/sec", "MBytes/sec",
					      "GBytes/sec", "TBytes/sec" };

	return with_unit(bytes_per_s, 1024, units, buf, size);
}

/* Closes the interval that ends at `to`: its line (text), kept (JSON). */
static void close_interval(struct bench_stats *s, double to)
{
	struct bench_interval iv = {
		.from = s->cur.from, .to = to - s->start,
		.requests = s->requests - s->cur.requests,
		.bytes_in = s->bytes_in - s->cur.bytes_in,
		.bytes_out = s->bytes_out - s->cur.bytes_out,
	};
	double dt = iv.to - iv.from;
	char in[32], out[32];

	if (dt <= 0)
		return;
	if (!s->o->json)
		printf("  [%6.2f-%6.2f s]  %8lu requests  %9.0f/s  in %s  out %s\n", iv.from, iv.to,
		       iv.requests, (double)iv.requests / dt,
		       benchreport_bits((double)iv.bytes_in / dt, in, sizeof in),
		       benchreport_bits((double)iv.bytes_out / dt, out, sizeof out));
	else if (s->nintervals < s->intervals_max)
		s->intervals[s->nintervals++] = iv;
	s->cur = (struct bench_interval){ .from = iv.to, .requests = s->requests,
					  .bytes_in = s->bytes_in, .bytes_out = s->bytes_out };
}

void benchreport_tick(struct bench_stats *s, double now)
{
	const struct bench_options *o = s->o;

	while (o->interval > 0 && now >= s->next_interval) {
		close_interval(s, s->next_interval);
		s->next_interval += o->interval;
		fflush(stdout);
	}
	if (o->progress && now >= s->next_live) {
		char in[32];
		double dt = now - s->next_live + 1;

		fprintf(stderr, "\r%5.1fs  %10.0f req/s  in %s  p50 %.3f ms  errors %lu   ",
			now - s->start, (double)(s->requests - s->live_last) / dt,
			benchreport_bits((double)s->bytes_in / (now - s->start), in, sizeof in),
			percentile(s, 0.5), s->errors);
		s->live_last = s->requests;
		s->next_live = now + 1;
	}
}

bool benchreport_rate_limited(const struct bench_stats *s, double run, double *rate)
{
	double lo = 1e300, hi = 0, sum = 0;
	size_t n = 0;

	if (s->reply_timeouts == 0)
		return false;
	/* each second of the run, a last one cut short scaled up when it
	 * holds 90% of a second at least */
	for (size_t i = 0; i < s->seconds_kept && (double)i + 0.9 <= run; i++) {
		double len = run - (double)i < 1 ? run - (double)i : 1,
		       v = (double)s->per_second[i] / len;

		lo = v < lo ? v : lo;
		hi = v > hi ? v : hi;
		sum += v;
		n++;
	}
	if (n < 2 || sum == 0)
		return false;
	*rate = sum / (double)n;
	/* steady: every second within 20% of the mean, or one request */
	return hi - lo <= 0.2 * *rate + 1.0;
}

static void print_json(const struct bench_stats *s, double elapsed)
{
	const struct bench_options *o = s->o;
	double in = (double)s->bytes_in / elapsed, out = (double)s->bytes_out / elapsed;

	printf("{\"proto\":\"%s\",\"mode\":\"%s\",\"peer\":\"%s\",\"connections\":%ld,"
	       "\"size_bytes\":%ld,\"prefix_bytes\":%zu,\"greeting_bytes\":%zu,\"seconds\":%.3f,"
	       "\"requests\":%lu,\"requests_per_s\":%.1f,\"bits_per_s_in\":%.0f,"
	       "\"bits_per_s_out\":%.0f,\"mb_per_s_in\":%.3f,\"mb_per_s_out\":%.3f,"
	       "\"bytes_in\":%llu,\"bytes_out\":%llu,\"bytes_echoed\":%llu,"
	       "\"latency_ms\":{\"p50\":%.3f,\"p90\":%.3f,\"p99\":%.3f,\"max\":%.3f},"
	       "\"errors\":%lu,\"mismatches\":%lu,\"connect_timeouts\":%lu,"
	       "\"reply_timeouts\":%lu,\"cut_off\":%lu,\"intervals\":[",
	       o->udp ? "udp" : "tcp", o->stream ? "stream" : "request", o->peer, o->conns,
	       o->size, s->prefix, s->greeting, elapsed, s->requests,
	       (double)s->requests / elapsed, in * 8, out * 8, in / 1e6, out / 1e6, s->bytes_in,
	       s->bytes_out, s->echoed,
	       percentile(s, 0.5), percentile(s, 0.9), percentile(s, 0.99), s->max_ms, s->errors,
	       s->mismatches, s->connect_timeouts, s->reply_timeouts, s->cut_off);
	for (size_t i = 0; i < s->nintervals; i++) {
		const struct bench_interval *iv = &s->intervals[i];
		double dt = iv->to - iv->from;

		printf("%s{\"from_s\":%.3f,\"to_s\":%.3f,\"requests\":%lu,\"bits_per_s_in\":%.0f,"
		       "\"bits_per_s_out\":%.0f}",
		       i > 0 ? "," : "", iv->from, iv->to, iv->requests,
		       (double)iv->bytes_in * 8 / dt, (double)iv->bytes_out * 8 / dt);
	}
	printf("]}\n");
}

void benchreport_print(struct bench_stats *s, double now)
{
	const struct bench_options *o = s->o;
	double elapsed = now - s->start;
	double in = (double)s->bytes_in / elapsed, out = (double)s->bytes_out / elapsed;
	char b1[32], b2[32], b3[32], b4[32];

	if (o->interval > 0)
		close_interval(s, now);
	if (o->json) {
		print_json(s, elapsed);
		return;
	}
	printf("netecho bench%s: %s %s, %ld %s, %ld-byte messages (reply prefix %zu bytes), %.1f s\n",
	       o->stream ? " --stream" : "", o->udp ? "udp" : "tcp", o->peer, o->conns,
	       o->udp ? "sockets" : "connections", o->size, s->prefix, elapsed);
	if (o->stream)
		printf("  echoed      %llu bytes of %llu sent, every one checked; %lu messages whole\n",
		       s->echoed, s->bytes_out, s->requests);
	else
		printf("  requests    %lu, %.0f/s\n", s->requests, (double)s->requests / elapsed);
	printf("  throughput  in %s (%s), out %s (%s)\n", benchreport_bits(in, b1, sizeof b1),
	       benchreport_bytes(in, b2, sizeof b2), benchreport_bits(out, b3, sizeof b3),
	       benchreport_bytes(out, b4, sizeof b4));
	if (!o->stream)
		printf("  latency     p50 %.3f ms, p90 %.3f ms, p99 %.3f ms, max %.3f ms\n",
		       percentile(s, 0.5), percentile(s, 0.9), percentile(s, 0.99), s->max_ms);
	printf("  errors      %lu, mismatched replies %lu\n", s->errors, s->mismatches);
	printf("  timeouts    connect %lu, reply %lu (%s); unanswered at the end %lu\n",
	       s->connect_timeouts, s->reply_timeouts, o->udp ? "lost" : "none within the wait",
	       s->cut_off);
}
