/*
 * hv_vsnprintf: formatted output for the kernel log, the console and the
 * loader. No floating point, no allocation, no global state, so it runs
 * anywhere: VMX root with interrupts off, the UEFI loader, host unit tests.
 *
 * Beyond the conversions lib/printf.h lists, '*' is accepted for width and
 * precision (as in C: "%.*s" prints a string that is not NUL-terminated),
 * and a precision on an integer is a minimum digit count, as in C. An
 * unknown conversion is copied to the output as written, so a format this
 * file does not support shows up in the log instead of eating arguments.
 */
#include "lib/printf.h"

#include <stdbool.h>
#include <stdint.h>

/* Format strings are constants: the clamp only keeps the arithmetic defined. */
#define PF_WIDTH_MAX 4096

struct pf_out {
	char *buf;
	size_t size;
	size_t len; /* length of the full output so far, stored or not */
};

struct pf_spec {
	bool left;  /* '-' */
	bool zero;  /* '0' */
	int width;
	int prec;   /* -1: none */
	int length; /* 'H' hh, 'h', 0, 'l', 'L' ll, 'z' */
};

static void pf_putc(struct pf_out *o, char c)
{
	/* The last byte of buf is kept for the NUL. */
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void pf_repeat(struct pf_out *o, char c, int n)
{
	while (n-- > 0)
		pf_putc(o, c);
}

static void pf_puts(struct pf_out *o, const char *s, size_t n)
{
	while (n--)
		pf_putc(o, *s++);
}

static void pf_string(struct pf_out *o, const struct pf_spec *sp, const char *s)
{
	size_t n = 0;
	int pad;

	if (!s)
		s = "(null)";
	/* Never read past the precision: the string may not be terminated. */
	while ((sp->prec < 0 || n < (size_t)sp->prec) && s[n])
		n++;
	pad = n < (size_t)sp->width ? sp->width - (int)n : 0;
	if (!sp->left)
		pf_repeat(o, ' ', pad);
	pf_puts(o, s, n);
	if (sp->left)
		pf_repeat(o, ' ', pad);
}

static void pf_number(struct pf_out *o, const struct pf_spec *sp, uint64_t v,
		      bool neg, unsigned int base, bool upper, const char *prefix)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24]; /* 2^64 has 20 decimal digits */
	int n = 0, plen = 0, zeros, pad, body;

	/* C: a zero value with precision 0 prints no digits. */
	if (v || sp->prec != 0) {
		do {
			tmp[n++] = digits[v % base];
			v /= base;
		} while (v);
	}
	if (neg)
		plen++;
	if (prefix)
		plen += 2;
	zeros = sp->prec > n ? sp->prec - n : 0;
	body = plen + zeros + n;
	pad = sp->width > body ? sp->width - body : 0;
	/* '0' pads between sign/prefix and digits; '-' or a precision cancels it. */
	if (sp->zero && !sp->left && sp->prec < 0) {
		zeros += pad;
		pad = 0;
	}
	if (!sp->left)
		pf_repeat(o, ' ', pad);
	if (neg)
		pf_putc(o, '-');
	if (prefix)
		pf_puts(o, prefix, 2);
	pf_repeat(o, '0', zeros);
	while (n)
		pf_putc(o, tmp[--n]);
	if (sp->left)
		pf_repeat(o, ' ', pad);
}

/* Reads a decimal field (width or precision) at *fmt, clamped. */
static int pf_atoi(const char **fmt)
{
	int v = 0;

	while (**fmt >= '0' && **fmt <= '9') {
		if (v < PF_WIDTH_MAX)
			v = v * 10 + (**fmt - '0');
		(*fmt)++;
	}
	return v < PF_WIDTH_MAX ? v : PF_WIDTH_MAX;
}

static int pf_clamp(int v)
{
	return v < PF_WIDTH_MAX ? v : PF_WIDTH_MAX;
}

int hv_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct pf_out o = { buf, size, 0 };

	while (*fmt) {
		const char *start = fmt;
		struct pf_spec sp = { .prec = -1 };
		uint64_t u;
		int64_t s;

		if (*fmt != '%') {
			pf_putc(&o, *fmt++);
			continue;
		}
		fmt++;
		for (;; fmt++) {
			if (*fmt == '-')
				sp.left = true;
			else if (*fmt == '0')
				sp.zero = true;
			else
				break;
		}
		if (*fmt == '*') {
			int w = va_arg(ap, int);

			fmt++;
			if (w < 0) {
				sp.left = true;
				/* -INT_MIN overflows; anything that large is clamped anyway. */
				w = w < -PF_WIDTH_MAX ? PF_WIDTH_MAX : -w;
			}
			sp.width = pf_clamp(w);
		} else {
			sp.width = pf_atoi(&fmt);
		}
		if (*fmt == '.') {
			fmt++;
			if (*fmt == '*') {
				int p = va_arg(ap, int);

				fmt++;
				sp.prec = p < 0 ? -1 : pf_clamp(p);
			} else {
				sp.prec = pf_atoi(&fmt);
			}
		}
		if (*fmt == 'h') {
			fmt++;
			sp.length = 'h';
			if (*fmt == 'h') {
				fmt++;
				sp.length = 'H';
			}
		} else if (*fmt == 'l') {
			fmt++;
			sp.length = 'l';
			if (*fmt == 'l') {
				fmt++;
				sp.length = 'L';
			}
		} else if (*fmt == 'z') {
			fmt++;
			sp.length = 'z';
		}

		switch (*fmt) {
		case 'd':
		case 'i':
			switch (sp.length) {
			case 'H': s = (signed char)va_arg(ap, int); break;
			case 'h': s = (short)va_arg(ap, int); break;
			case 'l': s = va_arg(ap, long); break;
			case 'L': s = va_arg(ap, long long); break;
			/* The signed type of size_t's width. */
			case 'z': s = va_arg(ap, ptrdiff_t); break;
			default: s = va_arg(ap, int); break;
			}
			/* Negate in unsigned arithmetic: -INT64_MIN overflows. */
			u = s < 0 ? 0 - (uint64_t)s : (uint64_t)s;
			pf_number(&o, &sp, u, s < 0, 10, false, NULL);
			break;
		case 'u':
		case 'x':
		case 'X':
			switch (sp.length) {
			case 'H': u = (unsigned char)va_arg(ap, unsigned int); break;
			case 'h': u = (unsigned short)va_arg(ap, unsigned int); break;
			case 'l': u = va_arg(ap, unsigned long); break;
			case 'L': u = va_arg(ap, unsigned long long); break;
			case 'z': u = va_arg(ap, size_t); break;
			default: u = va_arg(ap, unsigned int); break;
			}
			pf_number(&o, &sp, u, false, *fmt == 'u' ? 10 : 16,
				  *fmt == 'X', NULL);
			break;
		case 'p':
			u = (uintptr_t)va_arg(ap, void *);
			pf_number(&o, &sp, u, false, 16, false, "0x");
			break;
		case 's':
			pf_string(&o, &sp, va_arg(ap, const char *));
			break;
		case 'c':
			if (!sp.left)
				pf_repeat(&o, ' ', sp.width - 1);
			pf_putc(&o, (char)va_arg(ap, int));
			if (sp.left)
				pf_repeat(&o, ' ', sp.width - 1);
			break;
		case '%':
			pf_putc(&o, '%');
			break;
		default:
			/* Unknown or truncated spec: show it as written. */
			if (!*fmt)
				fmt--;
			pf_puts(&o, start, (size_t)(fmt + 1 - start));
			break;
		}
		fmt++;
	}

	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return o.len < 0x7fffffffU ? (int)o.len : 0x7fffffff;
}

int hv_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = hv_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
