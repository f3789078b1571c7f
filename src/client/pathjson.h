/* pathjson.h: netecho --path --json: one protocol's facts as one JSON
 * object, the raw values sent and seen beside each fact's verdict as a
 * string, as the text says it ("dscp":"remarked", "mss":"clamped",
 * "nat":"source translated, port kept"). A verdict that could not be
 * learnt is null, and "unknown" holds the reason ({"dscp":"..."}).
 * Pure: unit-tested in unit_pathreport. */
#ifndef NETECHO_PATHJSON_H
#define NETECHO_PATHJSON_H

#include <stddef.h>

#include "pathreport.h"

/* The version of netecho --path --json's object: 2 has each fact's
 * verdict as a string ("nat" was a boolean in 1). */
#define PATH_JSON_VERSION 2

/* One protocol's object (no newline). Returns the length. */
size_t path_json(char *buf, size_t size, const struct path_sent *sent,
		 const struct path_seen *seen);

/* Adds text to o as a JSON string (quoted; quotes, backslashes and bytes
 * outside printable ASCII escaped as \u00XX), or null when text is NULL. */
struct outbuf;
void path_json_text(struct outbuf *o, const char *text);

#endif
