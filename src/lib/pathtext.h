/* pathtext.h: the path report's verdicts (pathtext.c), what was sent
 * (struct path_sent) set beside what the report says was seen (struct
 * path_seen, pathreport.h). Pure: unit-tested in unit_pathreport. */
#ifndef NETECHO_PATHTEXT_H
#define NETECHO_PATHTEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "pathreport.h"

/* The verdicts, one line each ("  nat: ...\n"). Returns the length. */
size_t path_text(char *buf, size_t size, const struct path_sent *sent,
		 const struct path_seen *seen);

/* The verdicts' own terms, for the JSON writer (pathjson.h) and /probe.
 * The same address, IPv4-mapped or not, and a link-local scope aside. */
bool path_same_host(const char *a, const char *b);
/* The hops on the way; -1 when either TTL is unknown or it grew. */
int path_hops(const struct path_sent *sent, const struct path_seen *seen);
/* The destination translated: 1, 0, or -1 not known. */
int path_dnat(const struct path_sent *sent, const struct path_seen *seen);
/* A SYN's options as a set of PATH_O_ bits; -1 when not known. */
enum { PATH_O_MSS = 1, PATH_O_WSCALE = 2, PATH_O_SACK = 4, PATH_O_TS = 8 };
int path_options_sent(const struct path_sent *s);
int path_options_seen(const struct path_seen *s);
/* The name of option bit i (0: "mss" ... 3: "timestamps"). */
const char *path_option_name(int i);

#endif
