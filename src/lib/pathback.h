/* pathback.h: the path report's way back, from the server to the client:
 * over UDP the report's TTL, DSCP and ECN as the server sent them (it says
 * so in the report) against how they came; over TCP the MSS the server's
 * SYN-ACK announced against the one this host took. Pure: unit-tested in
 * unit_pathreport. */
#ifndef NETECHO_PATHBACK_H
#define NETECHO_PATHBACK_H

#include "outbuf.h"
#include "pathreport.h"

/* The SYN-ACK's MSS announced against the one taken: "kept", "clamped",
 * "raised"; NULL when unknown (the server did not say, or this host's
 * own MTU hides a clamp above what it lets it take). */
const char *path_mss_back(const struct path_sent *sent, const struct path_seen *seen);

/* The SYN-ACK's window scale sent against the one taken: "kept", "none"
 * (neither), "stripped", "added", "changed"; NULL when unknown. */
const char *path_wscale_back(const struct path_sent *sent, const struct path_seen *seen);

/* The way back's verdicts as text lines ("  hops back: ...\n"): UDP's
 * hops, DSCP and ECN, TCP's MSS. */
void path_back_text(struct outbuf *o, const struct path_sent *sent,
		    const struct path_seen *seen);

#endif
