/*
 * printf.c -- the variadic part of the mdb module API for the Linux host:
 * mdb_printf(), mdb_warn() and mdb_snprintf().
 *
 * Why C: a module calls these three with C varargs.  Stable Rust can call a
 * variadic function but cannot define one (c_variadic is unstable), so the
 * host defines them here and forwards the finished text to Rust through
 * host_output().  Everything else of the API lives in Rust.
 *
 * What is reproduced: mdb's own format language, NOT C printf(3).  It was
 * written from the behaviour of illumos mdb (see shared/reference/
 * mdb-modapi.md, section 3.8), in particular:
 *
 *   - the default integer size is int; 'h', 'l' and 'll' select short, long
 *     and long long ("%lx" for 64-bit values);
 *   - there is no precision: '.' is not part of any directive;
 *   - "%#x" prefixes 0x to non-zero values, but "%#r", "%#R", "%#d", "%#u"
 *     and "%a" use mdb's radix prefixes (0x, 0t, 0o) and only for values
 *     greater than 9 ("%#lr" of 5 is "5", of 0x10 is "0x10");
 *   - "%p" is hex without 0x, and '#' does not change it;
 *   - "%?" sets the width to 16 (two hex digits per byte of a uintptr_t);
 *   - the '0' flag fills with zeroes in front of everything, including a
 *     sign or a 0x prefix ("%05d" of -5 is "000-5"), as mdb does;
 *   - a tab, whether "%t" or a literal '\t' in the format or in a "%s"
 *     argument, becomes spaces up to the next multiple of 8 columns;
 *   - "%e"/"%E" is C's "%+.7e", "%g"/"%G" is C's "%+.16e" ("%lg" reads a
 *     long double); there is no "%f" in mdb;
 *   - "%<b>" ... "%</b>" (also u r s d a) are terminal attributes, emitted
 *     as xterm escapes only when host_attrs_enabled() says so, and never by
 *     mdb_snprintf() (mdb has no terminal behind a string buffer).
 *
 * Deliberate differences from mdb:
 *   - an unknown directive prints its whole text ("%Z", "%.3s" -> "%.3s")
 *     instead of only its last character; it never consumes an argument;
 *   - "%<_var>" (an mdb variable) prints nothing: the host has none;
 *   - "%Y" formats in UTC, not local time, so output is reproducible;
 *   - "%*" with a negative width left-justifies as in C; widths are capped
 *     at MAX_WIDTH;
 *   - the radix of "%r"/"%R" is fixed at 16 (mdb's default);
 *   - nothing ever wraps: mdb's autowrap is off by default and the host has
 *     no line width, so a tab or left-justified pad never turns into a
 *     newline at the end of a line;
 *   - "%m" pads only when given a width: the margin itself is applied by
 *     the Rust side at the start of each line.
 *
 * The Rust side provides (see report / host sources):
 *   host_output, host_strerror, host_symbolize, host_attrs_enabled, and,
 *   optionally (weak), host_column.
 *
 * mdb is single-threaded; so is this file's use.  It keeps no state.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "mdb_modapi.h"
#include "frame.h"

/* ---- interface to the Rust side ---------------------------------------- */

/* Write len bytes of finished text to stream 1 (stdout) or 2 (stderr). */
extern void host_output(int stream, const char *buf, size_t len);
/* Message for any errno value, including mdb's own (>= 1000, EMDB_*). */
extern const char *host_strerror(int err);
/*
 * Symbolic form of addr ("sym", "sym+0x10") into buf (NUL-terminated);
 * 0 on success, -1 if addr does not symbolize.
 */
extern int host_symbolize(uintptr_t addr, char *buf, size_t len);
/* Nonzero if "%<b>" and friends should produce terminal escapes. */
extern int host_attrs_enabled(void);
/*
 * Optional: the column the next byte written to stream will land in.  Used
 * only by "%t", "%NT", "%m" and tabs that start before the first newline of
 * a call; without it every mdb_printf()/mdb_warn() starts at column 0.
 */
extern size_t host_column(int stream) __attribute__((weak));

/*
 * Referenced once by the Rust side at start-up so that the linker pulls this
 * object out of the static archive; with --export-dynamic that is enough to
 * export mdb_printf and friends to the module.
 */
void mdb_printf_shim_linked(void);

void
mdb_printf_shim_linked(void)
{
}

/* ---- output sink ------------------------------------------------------- */

#define	STDOUT_STREAM	1
#define	STDERR_STREAM	2
#define	TABSTOP		8	/* mdb's default tab stop */
#define	PTR_WIDTH	16	/* "%?": 2 * sizeof (uintptr_t) */
#define	MAX_WIDTH	4096	/* cap on any field width */
#define	RADIX		16	/* mdb's default radix, for %r and %R */

/*
 * A sink collects formatted bytes.  'len' counts every byte produced, even
 * those that did not fit; only min(len, cap) bytes are in 'buf'.  A growable
 * sink moves to the heap when it fills up; a fixed one (mdb_snprintf)
 * truncates.
 */
struct sink {
	char *buf;
	size_t cap;
	size_t len;
	int grow;	/* may realloc (buf is then ours) */
	int heap;	/* buf was malloc'ed by us */
	size_t col;	/* current output column, for tabs */
	int attrs;	/* emit terminal attribute escapes */
};

/* Append n raw bytes; does not look at them (used for escapes too). */
static void
sink_raw(struct sink *s, const char *p, size_t n)
{
	if (n > SIZE_MAX - s->len)
		n = SIZE_MAX - s->len;	/* cannot happen in practice */

	if (s->grow && s->len + n > s->cap) {
		size_t ncap = s->cap != 0 ? s->cap : 64;
		char *nbuf;

		while (ncap < s->len + n && ncap <= SIZE_MAX / 2)
			ncap *= 2;
		if (ncap < s->len + n)
			ncap = s->len + n;
		nbuf = s->heap ? realloc(s->buf, ncap) : malloc(ncap);
		if (nbuf != NULL) {
			if (!s->heap && s->len > 0)
				memcpy(nbuf, s->buf, s->len);
			s->buf = nbuf;
			s->cap = ncap;
			s->heap = 1;
		} else {
			s->grow = 0;	/* out of memory: truncate from here */
		}
	}

	if (s->len < s->cap) {
		size_t room = s->cap - s->len;

		memcpy(s->buf + s->len, p, n < room ? n : room);
	}
	s->len += n;
}

/* Append n copies of byte c. */
static void
sink_fill(struct sink *s, char c, size_t n)
{
	char chunk[64];

	memset(chunk, c, sizeof (chunk));
	s->col += n;
	while (n > 0) {
		size_t m = n < sizeof (chunk) ? n : sizeof (chunk);

		sink_raw(s, chunk, m);
		n -= m;
	}
}

/* Pad with spaces to the next multiple of 'stop' columns. */
static void
sink_tab(struct sink *s, size_t stop)
{
	sink_fill(s, ' ', stop - s->col % stop);
}

/* Append text: track the column, expand tabs as mdb does. */
static void
sink_text(struct sink *s, const char *p, size_t n)
{
	while (n > 0) {
		size_t run = 0;

		while (run < n && p[run] != '\t' && p[run] != '\n')
			run++;
		sink_raw(s, p, run);
		s->col += run;
		if (run == n)
			break;
		if (p[run] == '\t') {
			sink_tab(s, TABSTOP);
		} else {
			sink_raw(s, "\n", 1);
			s->col = 0;
		}
		p += run + 1;
		n -= run + 1;
	}
}

static void
sink_puts(struct sink *s, const char *str)
{
	sink_text(s, str, strlen(str));
}

/* A growable sink starting in the caller's (stack) buffer. */
static void
sink_init_growable(struct sink *s, char *stackbuf, size_t size, int stream)
{
	s->buf = stackbuf;
	s->cap = size;
	s->len = 0;
	s->grow = 1;
	s->heap = 0;
	s->col = host_column != NULL ? host_column(stream) : 0;
	s->attrs = host_attrs_enabled() != 0;
}

/* Hand the collected text to the host and release the sink. */
static void
sink_flush(struct sink *s, int stream)
{
	size_t have = s->len < s->cap ? s->len : s->cap;

	if (have > 0)
		host_output(stream, s->buf, have);
	if (s->heap)
		free(s->buf);
}

/* ---- number conversion ------------------------------------------------- */

#define	NUM_UNSIGNED	0x1	/* value is unsigned */
#define	NUM_SHOWBASE	0x2	/* radix prefix (0x, 0t, 0o) if value > 9/7 */
#define	NUM_SIGNPOS	0x4	/* '+' in front of non-negative values */
#define	NUM_UPCASE	0x8	/* A-F */

#define	NUMBUF		72	/* 64 binary digits + prefix + sign + NUL */

/*
 * Convert v (a sign-extended value unless NUM_UNSIGNED) to text in base 8,
 * 10 or 16, right-aligned in buf; returns a pointer into buf.
 */
static const char *
num2str(char *buf, uint64_t v, unsigned base, unsigned flags)
{
	const char *digits = (flags & NUM_UPCASE) ?
	    "0123456789ABCDEF" : "0123456789abcdef";
	int neg = !(flags & NUM_UNSIGNED) && (int64_t)v < 0;
	uint64_t rem = neg ? (uint64_t)0 - v : v;
	char *p = buf + NUMBUF - 1;

	*p = '\0';
	do {
		*--p = digits[rem % base];
		rem /= base;
	} while (rem != 0);

	/*
	 * mdb omits the prefix where the digit alone is unambiguous; it
	 * compares the raw (not negated) value, so negatives always get one.
	 */
	if (flags & NUM_SHOWBASE) {
		char c = base == 16 ? 'x' : base == 10 ? 't' : 'o';
		uint64_t lim = base == 8 ? 7 : 9;

		if (v > lim) {
			*--p = c;
			*--p = '0';
		}
	}

	if (neg)
		*--p = '-';
	else if (flags & NUM_SIGNPOS)
		*--p = '+';
	return (p);
}

enum intsize { SZ_SHORT, SZ_INT, SZ_LONG, SZ_LONGLONG };

/*
 * Fetch an integer argument of the given size, widened to 64 bits: signed
 * values are sign-extended, unsigned ones zero-extended.  short arguments
 * arrive promoted to int.
 */
static uint64_t
get_int(va_list *ap, enum intsize size, int is_unsigned)
{
	switch (size) {
	case SZ_SHORT:
		if (is_unsigned)
			return ((unsigned short)va_arg(*ap, unsigned int));
		return ((uint64_t)(int64_t)(short)va_arg(*ap, int));
	case SZ_LONG:
		if (is_unsigned)
			return (va_arg(*ap, unsigned long));
		return ((uint64_t)(int64_t)va_arg(*ap, long));
	case SZ_LONGLONG:
		if (is_unsigned)
			return (va_arg(*ap, unsigned long long));
		return ((uint64_t)(int64_t)va_arg(*ap, long long));
	case SZ_INT:
	default:
		if (is_unsigned)
			return (va_arg(*ap, unsigned int));
		return ((uint64_t)(int64_t)va_arg(*ap, int));
	}
}

/*
 * "%H": a byte count with a binary unit, like mdb (and zfs_nicenum): exact
 * multiples print as "4K", others with three significant digits ("1.50K",
 * "10.0K", "1020K"), ties rounding to even.
 */
static void
bytes2str(char *buf, size_t len, uint64_t v)
{
	static const char units[] = " KMGTPE";
	uint64_t n = v;
	unsigned idx = 0;
	double val;
	unsigned mag, decimals;

	while (n >= 1024) {
		n /= 1024;
		idx++;
	}
	if (idx == 0) {
		(void) snprintf(buf, len, "%llu", (unsigned long long)n);
		return;
	}
	if ((v & ((1ULL << (10 * idx)) - 1)) == 0) {
		(void) snprintf(buf, len, "%llu%c", (unsigned long long)n,
		    units[idx]);
		return;
	}

	val = (double)v / (double)(1ULL << (10 * idx));	/* 1 <= val < 1024 */
	for (mag = 100, decimals = 2; ; mag /= 10, decimals--) {
		double mult = val * mag;
		uint32_t r = (uint32_t)mult;

		if (mult - r > 0.5 || (mult - r == 0.5 && (r & 1)))
			r++;
		if (mag == 1) {
			(void) snprintf(buf, len, "%u%c", r, units[idx]);
			return;
		}
		if (r < 1000) {		/* three significant digits */
			(void) snprintf(buf, len, "%u.%0*u%c", r / mag,
			    (int)decimals, r % mag, units[idx]);
			return;
		}
	}
}

/* ---- the formatter ----------------------------------------------------- */

/* xterm's terminfo strings for mdb's attributes (on, off). */
static const struct attr {
	char code;
	const char *on;
	const char *off;
} attrs[] = {
	{ 'b', "\033[1m", "\033[m" },	/* bold: off is sgr0 */
	{ 'd', "\033[2m", "\033[m" },	/* dim: off is sgr0 */
	{ 'r', "\033[7m", "\033[m" },	/* reverse: off is sgr0 */
	{ 's', "\033[7m", "\033[27m" },	/* standout: smso / rmso */
	{ 'u', "\033[4m", "\033[24m" },	/* underline: smul / rmul */
	{ 'a', "\033(0", "\033(B" },	/* alternate charset: smacs / rmacs */
};

/*
 * "%<...>": p points just past '<'.  Returns the position after the
 * directive (after '>', or at the end of an unterminated one).
 */
static const char *
do_attr(struct sink *s, const char *p)
{
	const char *end = strchr(p, '>');
	size_t n, i;
	int off = 0;

	if (end == NULL)
		return (p + strlen(p));	/* mdb drops the rest of the format */

	n = (size_t)(end - p);
	if (n > 0 && *p == '_')
		return (end + 1);	/* mdb variable: not supported here */
	if (n > 0 && *p == '/') {
		off = 1;
		p++;
		n--;
	}
	if (n != 1 || !s->attrs)
		return (end + 1);
	for (i = 0; i < sizeof (attrs) / sizeof (attrs[0]); i++) {
		if (attrs[i].code == *p) {
			const char *esc = off ? attrs[i].off : attrs[i].on;

			sink_raw(s, esc, strlen(esc));	/* no column */
			break;
		}
	}
	return (end + 1);
}

/* Same layout as mdb_bitmask_t; private name, should the header grow one. */
struct bitmask {
	const char *bm_name;
	u_longlong_t bm_mask;
	u_longlong_t bm_bits;
};

/*
 * "%b": names of the entries whose bits are set, joined by ','.  With '#',
 * bits no entry claimed (or a value no entry matched) follow in hex.
 */
static void
do_bits(struct sink *s, uint64_t v, const struct bitmask *bm, int alt)
{
	char num[NUMBUF];
	int delim = 0;

	for (; bm != NULL && bm->bm_name != NULL; bm++) {
		if ((v & bm->bm_mask) == bm->bm_bits) {
			if (delim)
				sink_text(s, ",", 1);
			sink_puts(s, bm->bm_name);
			delim = 1;
			v &= ~bm->bm_bits;
		}
	}
	if (alt && (!delim || v != 0)) {
		if (delim)
			sink_text(s, ",", 1);
		sink_puts(s, num2str(num, v, 16, NUM_UNSIGNED | NUM_SHOWBASE));
	}
}

/*
 * Emit one field: optional fill, prefix, text, suffix, trailing pad.  As in
 * mdb, zero fill goes in front of the prefix.
 */
static void
put_field(struct sink *s, const char *str, const char *alt, int altsuffix,
    size_t width, int left, int zfill)
{
	size_t len = strlen(str);
	size_t altlen = alt != NULL ? strlen(alt) : 0;
	size_t pad = len + altlen < width ? width - len - altlen : 0;

	if (!left && pad > 0)
		sink_fill(s, zfill ? '0' : ' ', pad);
	if (alt != NULL && !altsuffix)
		sink_text(s, alt, altlen);
	sink_text(s, str, len);
	if (alt != NULL && altsuffix)
		sink_text(s, alt, altlen);
	if (left && pad > 0)
		sink_fill(s, ' ', pad);
}

/*
 * Format one directive starting at '%'.  Returns the position after it.
 * Every argument is fetched with exactly the type mdb would fetch.
 */
static const char *
do_directive(struct sink *s, const char *start, va_list *ap)
{
	const char *p = start + 1;
	enum intsize size = SZ_INT;
	size_t width = 0;
	int left = 0, zfill = 0, alt = 0, signpos = 0, digits = 0;

	char num[NUMBUF];
	char text[MDB_SYM_NAMLEN + 64];	/* symbols, doubles, addresses */
	const char *str = NULL;		/* the field's text */
	const char *pfx = NULL;		/* prefix or suffix ('#') */
	int pfxsuffix = 0;
	unsigned nflags = 0;
	uint64_t v;

	/* Flags, width and size, in any order, as mdb accepts them. */
	for (;; p++) {
		if (*p == '-') {
			left = 1;
		} else if (*p == '#') {
			alt = 1;
		} else if (*p == '+') {
			signpos = 1;
		} else if (*p == '?') {
			width = PTR_WIDTH;
		} else if (*p == '*') {
			int w = va_arg(*ap, int);

			if (w < 0) {
				left = 1;
				width = (size_t)-(long)w;
			} else {
				width = (size_t)w;
			}
		} else if (*p == 'h') {
			size = SZ_SHORT;
		} else if (*p == 'l') {
			size = size >= SZ_LONG ? SZ_LONGLONG : SZ_LONG;
		} else if (*p == '0' && !digits) {
			zfill = 1;
		} else if (*p >= '0' && *p <= '9') {
			if (!digits)
				width = 0;	/* digits override '?' and '*' */
			while (*p >= '0' && *p <= '9') {
				if (width <= MAX_WIDTH)
					width = width * 10 + (size_t)(*p - '0');
				p++;
			}
			p--;
			digits = 1;
		} else {
			break;
		}
	}
	if (width > MAX_WIDTH)
		width = MAX_WIDTH;
	if (signpos)
		nflags |= NUM_SIGNPOS;

	switch (*p) {
	case 'a':	/* address, symbolic if possible; '#' appends ':' */
	case 'A':	/* symbolic only; '#' gives "?" if not */
		v = get_int(ap, size < SZ_LONG ? SZ_LONG : size, 1);
		text[0] = '\0';
		if (host_symbolize((uintptr_t)v, text, sizeof (text)) == 0) {
			text[sizeof (text) - 1] = '\0';
			str = text;
		} else if (*p == 'a') {
			str = num2str(num, v, 16, NUM_UNSIGNED | NUM_SHOWBASE);
		} else {
			str = alt ? "?" : "";
		}
		if (*p == 'a' && alt) {
			pfx = ":";
			pfxsuffix = 1;
		}
		break;

	case 'b': {	/* bit field: value, then const mdb_bitmask_t * */
		const struct bitmask *bm;

		v = get_int(ap, size, 1);
		bm = va_arg(*ap, const struct bitmask *);
		do_bits(s, v, bm, alt);
		return (p + 1);
	}

	case 'c':
		text[0] = (char)va_arg(*ap, int);
		text[1] = '\0';		/* NUL prints nothing, as in mdb */
		str = text;
		break;

	case 'd':
	case 'i':
		v = get_int(ap, size, 0);
		str = num2str(num, v, 10, nflags | (alt ? NUM_SHOWBASE : 0));
		break;

	case 'u':
		v = get_int(ap, size, 1);
		str = num2str(num, v, 10,
		    nflags | NUM_UNSIGNED | (alt ? NUM_SHOWBASE : 0));
		break;

	case 'o':	/* unsigned octal; '#' prefixes 0 to non-zero values */
	case 'q':	/* signed octal, likewise */
		v = get_int(ap, size, *p == 'o');
		str = num2str(num, v, 8,
		    *p == 'o' ? NUM_UNSIGNED : nflags);
		if (alt && v != 0)
			pfx = "0";
		break;

	case 'x':
	case 'X':	/* hex; '#' prefixes 0x / 0X to non-zero values */
		v = get_int(ap, size, 1);
		str = num2str(num, v, 16,
		    NUM_UNSIGNED | (*p == 'X' ? NUM_UPCASE : 0));
		if (alt && v != 0)
			pfx = *p == 'X' ? "0X" : "0x";
		break;

	case 'r':
	case 'R':	/* current radix, unsigned / signed */
		v = get_int(ap, size, *p == 'r');
		str = num2str(num, v, RADIX, nflags |
		    (*p == 'r' ? NUM_UNSIGNED : 0) | (alt ? NUM_SHOWBASE : 0));
		break;

	case 'p':	/* pointer: hex, never a prefix */
		v = (uint64_t)(uintptr_t)va_arg(*ap, void *);
		str = num2str(num, v, 16, NUM_UNSIGNED);
		break;

	case 's':
		str = va_arg(*ap, const char *);
		if (str == NULL)
			str = "<NULL>";
		break;

	case 'e':
	case 'E':
		(void) snprintf(text, sizeof (text), *p == 'e' ? "%+.7e" :
		    "%+.7E", va_arg(*ap, double));
		str = text;
		break;

	case 'g':
	case 'G':	/* mdb prints these in e-notation, 16 digits */
		if (size >= SZ_LONG) {
			(void) snprintf(text, sizeof (text), *p == 'g' ?
			    "%+.16Le" : "%+.16LE", va_arg(*ap, long double));
		} else {
			(void) snprintf(text, sizeof (text), *p == 'g' ?
			    "%+.16e" : "%+.16E", va_arg(*ap, double));
		}
		str = text;
		break;

	case 'H':	/* human-readable byte count */
		bytes2str(text, sizeof (text), get_int(ap, size, 1));
		str = text;
		break;

	case 'I': {	/* IPv4 address, a uint32_t in network byte order */
		uint32_t a = va_arg(*ap, uint32_t);
		unsigned char b[4];

		memcpy(b, &a, sizeof (b));
		(void) snprintf(text, sizeof (text), "%u.%u.%u.%u",
		    b[0], b[1], b[2], b[3]);
		str = text;
		break;
	}

	case 'N': {	/* IPv6 address, pointer to 16 bytes */
		const void *a6 = va_arg(*ap, const void *);

		if (a6 == NULL ||
		    inet_ntop(AF_INET6, a6, text, sizeof (text)) == NULL)
			str = "<NULL>";
		else
			str = text;
		break;
	}

	case 'Y': {	/* time_t as "YYYY Mon DD HH:MM:SS" (UTC here) */
		time_t t = va_arg(*ap, time_t);
		struct tm tm;

		if (gmtime_r(&t, &tm) == NULL || strftime(text, sizeof (text),
		    "%Y %b %e %H:%M:%S", &tm) == 0)
			str = num2str(num, (uint64_t)(int64_t)t, RADIX, 0);
		else
			str = text;
		break;
	}

	case 't': {	/* "%Nt": N tab stops (default 1) */
		size_t k = width != 0 ? width : 1;

		while (k-- > 0)
			sink_tab(s, TABSTOP);
		return (p + 1);
	}

	case 'T':	/* pad to a multiple of width columns */
		if (width != 0 && s->col % width != 0)
			sink_tab(s, width);
		return (p + 1);

	case 'm':	/* pad to the margin, only at the start of a line */
		if (s->col == 0 && width != 0)
			sink_fill(s, ' ', width);
		return (p + 1);

	case '<':
		return (do_attr(s, p + 1));

	case '%':
		str = "%";
		break;

	case '\0':	/* '%' at the end of the format */
		sink_text(s, start, (size_t)(p - start));
		return (p);

	default:	/* unknown (also '.', ' ', 'f'): print it, take nothing */
		sink_text(s, start, (size_t)(p - start) + 1);
		return (p + 1);
	}

	put_field(s, str, pfx, pfxsuffix, width, left, zfill);
	return (p + 1);
}

/* The one formatter behind mdb_printf, mdb_warn and mdb_snprintf. */
static void
mdb_vformat(struct sink *s, const char *fmt, va_list args)
{
	va_list ap;
	const char *p = fmt != NULL ? fmt : "";

	va_copy(ap, args);	/* so helpers can take it by pointer */
	while (*p != '\0') {
		const char *pct = strchr(p, '%');

		if (pct == NULL) {
			sink_puts(s, p);
			break;
		}
		sink_text(s, p, (size_t)(pct - p));
		p = do_directive(s, pct, &ap);
	}
	va_end(ap);
}

/* ---- the API ----------------------------------------------------------- */

#define	STACKBUF	512

void
mdb_printf(const char *fmt, ...)
{
	char stackbuf[STACKBUF];
	struct sink s;
	va_list ap;

	host_api_enter();
	sink_init_growable(&s, stackbuf, sizeof (stackbuf), STDOUT_STREAM);
	va_start(ap, fmt);
	mdb_vformat(&s, fmt, ap);
	va_end(ap);
	sink_flush(&s, STDOUT_STREAM);
	host_api_leave();	/* a pager quit or ^C jumps out here */
}

void
mdb_warn(const char *fmt, ...)
{
	int err = errno;	/* before anything can change it */
	char stackbuf[STACKBUF];
	struct sink s;
	va_list ap;

	host_api_enter();
	sink_init_growable(&s, stackbuf, sizeof (stackbuf), STDERR_STREAM);
	sink_puts(&s, "mdb: ");
	va_start(ap, fmt);
	mdb_vformat(&s, fmt, ap);
	va_end(ap);

	/* mdb looks at the format, not the output, for the newline. */
	if (fmt == NULL || strchr(fmt, '\n') == NULL) {
		const char *msg = host_strerror(err);

		sink_puts(&s, ": ");
		sink_puts(&s, msg != NULL ? msg : "unknown error");
		sink_puts(&s, "\n");
	}
	sink_flush(&s, STDERR_STREAM);
	errno = err;
	host_api_leave();
}

size_t
mdb_snprintf(char *buf, size_t n, const char *fmt, ...)
{
	struct sink s;
	va_list ap;

	if (buf == NULL)
		n = 0;
	s.buf = buf;
	s.cap = n > 0 ? n - 1 : 0;	/* keep one byte for the NUL */
	s.len = 0;
	s.grow = 0;
	s.heap = 0;
	s.col = 0;
	s.attrs = 0;	/* no terminal behind a string */

	va_start(ap, fmt);
	mdb_vformat(&s, fmt, ap);
	va_end(ap);

	if (n > 0)
		buf[s.len < s.cap ? s.len : s.cap] = '\0';
	return (s.len);
}
