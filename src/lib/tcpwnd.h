/* tcpwnd.h: what a connected TCP socket took of its peer's SYN-ACK, from
 * the kernel's own struct tcp_info (linux/tcp.h: glibc's netinet/tcp.h
 * lacks tcpi_snd_wnd), apart so that the two headers never meet in one
 * file: the window the peer offers, and the way back's facts of a path
 * report (the MSS and window scale taken). In src/lib because netecho
 * --path and netechod's /probe path module both read them.
 *
 * It must not do more than read them: no verdict here (pathback.c). */
#ifndef NETECHO_TCPWND_H
#define NETECHO_TCPWND_H

#include <stdbool.h>

#include "pathreport.h"

/* The peer's receive window as this host has it (tcpi_snd_wnd, Linux 5.19
 * and later: right after the handshake, the SYN-ACK's), or -1 when the
 * kernel does not say. */
long tcp_peer_window(int fd);

/* The SYN-ACK's MSS and window scale as a connected socket took them,
 * into s's back_mss, back_mss_limit, back_mss_window and back_wscale
 * (pathreport.h says what each means; s->v6 and s->wscale, whether the
 * SYN offered a window scale, are read); those it cannot read stay as
 * they were. */
void tcp_back_taken(int fd, struct path_sent *s);

#endif
