/* logfmt.h: a log line as stderr shows it, pure: the kind of a line, the
 * RFC 3339 time stamp, and the line as one JSON object ([log] format =
 * json). For logline.c (the kind of a suppressed line) and logsend.c
 * (stderr). Nothing here reads a clock, the environment or a descriptor.
 *
 * The kind of a line is its leading words (letters, then letters, digits,
 * '_' or '-'; at most LOGFMT_KIND_WORDS) before its first field
 * ("key=value"), colon, number or other text: "tcp open peer=..." is "tcp
 * open", "udp receive: ..." is "udp receive", "SIGHUP: reloading" is
 * "SIGHUP", "stats uptime=..." is "stats"; a line with no leading word
 * (a format that starts with "%s") is "other".
 *
 * The fields of a line are its "key=value" words (key: a lower-case letter,
 * then lower-case letters, digits or '_'); a value runs to the next space,
 * less one trailing ':', ';' or ',', or is a double-quoted string with
 * backslash escapes (taken without its quotes, as escape.h wrote it). */
#ifndef NETECHO_LOGFMT_H
#define NETECHO_LOGFMT_H

#include <stddef.h>
#include <time.h>

#define LOGFMT_KIND_WORDS 3
#define LOGFMT_KIND_MAX   32    /* bytes of a kind, its NUL included */
#define LOGFMT_STAMP_MAX  40    /* bytes of a time stamp, its NUL included */
#define LOGFMT_FIELDS_MAX 16    /* fields of a line made JSON members; the rest stay in msg */
#define LOGFMT_JSON_MIN   256   /* the least room logfmt_json() works in */

/* The kind of text (len bytes) into kind (LOGFMT_KIND_MAX bytes); returns
 * its length. */
size_t logfmt_kind(char *kind, const char *text, size_t len);

/* tm (local time, with its tm_gmtoff) and ms as RFC 3339 with
 * milliseconds and the offset: "2026-12-07T07:05:09.042+01:00". Returns
 * the length, or 0 when size is too small. */
size_t logfmt_stamp(char *buf, size_t size, const struct tm *tm, long ms);

/* One JSON object, without a line break, into buf (size bytes, at least
 * LOGFMT_JSON_MIN): "time", "level", "kind", "msg" (the whole text), then
 * each field of text (a number when the value is an integer of at most 15
 * digits, else a string; a key that came before or is one of those four
 * is left out). Every string is escaped for JSON: '"', '\' and control
 * characters, and bytes above 0x7e as \u00XX (the log's text is ASCII once
 * escape.h has escaped it). What does not fit is cut, and the object stays
 * whole: msg comes before the fields, so that a cut loses the fields (which
 * msg repeats) first. Returns the length; 0 when size is too small. */
size_t logfmt_json(char *buf, size_t size, const char *time, const char *level, const char *text,
		   size_t len);

#endif
