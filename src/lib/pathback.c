/* pathback.c: the way back's verdicts (see pathback.h).
 *
 * Pure: it must not touch a socket nor guess: a fact not known is unknown. */
#include "pathback.h"

#include <stdio.h>

/* UDP: what the report was sent with against how it came. */
static void udp_back(struct outbuf *o, const struct path_sent *sent,
			 const struct path_seen *seen)
{
	const char *ttl = sent->v6 ? "hop limit" : "ttl";
	int dscp = sent->back_tos >= 0 ? sent->back_tos >> 2 : -1;
	int ecn = sent->back_tos >= 0 ? sent->back_tos & 3 : -1;
	const char *v = path_ecn_verdict(seen->reply_ecn, ecn);
	char a[32], b[32];

	if (seen->reply_ttl < 0)
		outbuf_add(o, "  hops back: unknown (the server does not say what it sent the "
			      "report with)\n");
	else if (sent->back_ttl < 0)
		outbuf_add(o, "  hops back: unknown (this host did not read the report's TTL)\n");
	else if (sent->back_ttl > seen->reply_ttl)
		outbuf_add(o, "  hops back: unknown (%s %d sent, %d seen: raised on the way)\n",
			   ttl, seen->reply_ttl, sent->back_ttl);
	else
		outbuf_add(o, "  hops back: %d (%s %d sent, %d seen)\n",
			   seen->reply_ttl - sent->back_ttl, ttl, seen->reply_ttl, sent->back_ttl);
	if (seen->reply_dscp < 0 || dscp < 0)
		outbuf_add(o, "  dscp back: unknown\n");
	else if (seen->reply_dscp == dscp)
		outbuf_add(o, "  dscp back: kept (%s)\n", path_dscp_text(dscp, a, sizeof a));
	else
		outbuf_add(o, "  dscp back: remarked (%s sent, %s seen)\n",
			   path_dscp_text(seen->reply_dscp, a, sizeof a),
			   path_dscp_text(dscp, b, sizeof b));
	if (v == NULL)
		outbuf_add(o, "  ecn back: unknown\n");
	else if (seen->reply_ecn == ecn)
		outbuf_add(o, "  ecn back: kept (%s)\n", path_ecn_name(ecn));
	else
		outbuf_add(o, "  ecn back: %s (%s sent, %s seen)\n", v,
			   path_ecn_name(seen->reply_ecn), path_ecn_name(ecn));
}

/* The MSS the SYN-ACK announced against the one this host took: "kept",
 * "clamped", "raised"; NULL when unknown (the server did not say, or the
 * host's own MTU hides a clamp above what it lets it send). */
const char *path_mss_back(const struct path_sent *sent, const struct path_seen *seen)
{
	if (seen->reply_mss < 0 || sent->back_mss < 0 || sent->back_mss_limit < 0)
		return NULL;
	if (sent->back_mss == seen->reply_mss)
		return "kept";
	/* at a limit (this host's MTU, half the window offered), a clamp to
	 * anything above it looks the same */
	if ((sent->back_mss >= sent->back_mss_limit || sent->back_mss_window) &&
	    sent->back_mss < seen->reply_mss)
		return NULL;
	return sent->back_mss < seen->reply_mss ? "clamped" : "raised";
}

static void tcp_back(struct outbuf *o, const struct path_sent *sent,
			     const struct path_seen *seen)
{
	const char *v = path_mss_back(sent, seen);

	if (seen->reply_mss < 0)
		outbuf_add(o, "  mss back: unknown (the server does not say what its SYN-ACK "
			      "carried)\n");
	else if (v == NULL && sent->back_mss_window)
		outbuf_add(o, "  mss back: unknown (%ld sent; this host sends no more than half the window the SYN-ACK offered, which hides an MSS above that)\n",
			   seen->reply_mss);
	else if (v == NULL && sent->back_mss >= 0)
		outbuf_add(o, "  mss back: unknown (%ld sent; this host's MTU lets it take no more "
			      "than %ld)\n", seen->reply_mss, sent->back_mss);
	else if (v == NULL)
		outbuf_add(o, "  mss back: unknown\n");
	else if (seen->reply_mss == sent->back_mss)
		outbuf_add(o, "  mss back: kept (%ld)\n", seen->reply_mss);
	else
		outbuf_add(o, "  mss back: %s (%ld sent, %ld seen)\n", v, seen->reply_mss,
			   sent->back_mss);
}

const char *path_wscale_back(const struct path_sent *sent, const struct path_seen *seen)
{
	int a = seen->reply_wscale, b = sent->back_wscale;

	if (a == -1 || b == -1)
		return NULL;
	if (a == b)
		return a == PATH_NONE ? "none" : "kept";
	if (b == PATH_NONE)
		return "stripped";
	return a == PATH_NONE ? "added" : "changed";
}

static void wscale_back(struct outbuf *o, const struct path_sent *sent,
			const struct path_seen *seen)
{
	const char *v = path_wscale_back(sent, seen);
	char a[16], b[16];

	snprintf(a, sizeof a, "%d", seen->reply_wscale);
	snprintf(b, sizeof b, "%d", sent->back_wscale);
	if (v == NULL)
		outbuf_add(o, "  wscale back: unknown\n");
	else if (seen->reply_wscale == sent->back_wscale)
		outbuf_add(o, "  wscale back: %s (%s)\n", v,
			   seen->reply_wscale == PATH_NONE ? "the SYN-ACK carried none" : a);
	else
		outbuf_add(o, "  wscale back: %s (%s sent, %s seen)\n", v,
			   seen->reply_wscale == PATH_NONE ? "none" : a,
			   sent->back_wscale == PATH_NONE ? "none" : b);
}

void path_back_text(struct outbuf *o, const struct path_sent *sent,
		    const struct path_seen *seen)
{
	if (sent->udp)
		udp_back(o, sent, seen);
	else {
		tcp_back(o, sent, seen);
		wscale_back(o, sent, seen);
	}
}
