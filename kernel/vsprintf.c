/*
 * kvsnprintf: the formatting core behind printk. Supports the conversions the
 * kernel uses: %d %i %u %x %X %o %s %c %p %%, flags - 0 # + space, width and
 * precision (also as *), length modifiers hh h l ll z t j. Always terminates
 * the buffer; returns the length the full output would have had.
 */
#include <ballast/printk.h>
#include <ballast/string.h>

struct out {
	char *buf;
	size_t size;
	size_t len;
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void pad(struct out *o, char c, int n)
{
	while (n-- > 0)
		put(o, c);
}

struct spec {
	bool left, zero, alt, plus, space;
	int width, prec; /* prec < 0: none */
};

static void put_str(struct out *o, const char *s, const struct spec *sp)
{
	size_t n;

	if (!s)
		s = "(null)";
	n = sp->prec >= 0 ? strnlen(s, sp->prec) : strlen(s);
	if (!sp->left)
		pad(o, ' ', sp->width - (int)n);
	for (size_t i = 0; i < n; i++)
		put(o, s[i]);
	if (sp->left)
		pad(o, ' ', sp->width - (int)n);
}

static void put_num(struct out *o, u64 v, bool neg, unsigned base, bool upper,
		    const struct spec *sp)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0, prefix_len = 0;
	char sign = 0;
	const char *prefix = "";

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	if (sp->prec == 0 && n == 1 && tmp[0] == '0')
		n = 0;
	if (neg)
		sign = '-';
	else if (sp->plus)
		sign = '+';
	else if (sp->space)
		sign = ' ';
	if (sp->alt && base == 16) {
		prefix = upper ? "0X" : "0x";
		prefix_len = 2;
	} else if (sp->alt && base == 8 && (n == 0 || tmp[n - 1] != '0')) {
		prefix = "0";
		prefix_len = 1;
	}
	int digits_len = MAX(n, sp->prec);
	int total = digits_len + prefix_len + (sign ? 1 : 0);
	bool zero = sp->zero && !sp->left && sp->prec < 0;

	if (!sp->left && !zero)
		pad(o, ' ', sp->width - total);
	if (sign)
		put(o, sign);
	for (int i = 0; i < prefix_len; i++)
		put(o, prefix[i]);
	if (zero)
		pad(o, '0', sp->width - total);
	pad(o, '0', digits_len - n);
	while (n)
		put(o, tmp[--n]);
	if (sp->left)
		pad(o, ' ', sp->width - total);
}

static const char *parse_spec(const char *f, struct spec *sp, va_list *ap)
{
	*sp = (struct spec){ .prec = -1 };
	for (;; f++) {
		if (*f == '-')
			sp->left = true;
		else if (*f == '0')
			sp->zero = true;
		else if (*f == '#')
			sp->alt = true;
		else if (*f == '+')
			sp->plus = true;
		else if (*f == ' ')
			sp->space = true;
		else
			break;
	}
	if (*f == '*') {
		sp->width = va_arg(*ap, int);
		if (sp->width < 0) {
			sp->left = true;
			sp->width = -sp->width;
		}
		f++;
	}
	while (*f >= '0' && *f <= '9')
		sp->width = sp->width * 10 + (*f++ - '0');
	if (*f == '.') {
		f++;
		sp->prec = 0;
		if (*f == '*') {
			sp->prec = va_arg(*ap, int);
			f++;
		}
		while (*f >= '0' && *f <= '9')
			sp->prec = sp->prec * 10 + (*f++ - '0');
	}
	return f;
}

/* Length modifier: 0 int, 1 long, 2 long long, 3 size_t, -1 short, -2 char */
static const char *parse_len(const char *f, int *len)
{
	*len = 0;
	if (f[0] == 'h' && f[1] == 'h') {
		*len = -2;
		return f + 2;
	}
	if (f[0] == 'l' && f[1] == 'l') {
		*len = 2;
		return f + 2;
	}
	switch (*f) {
	case 'h':
		*len = -1;
		return f + 1;
	case 'l':
	case 'j':
		*len = 1;
		return f + 1;
	case 'z':
	case 't':
		*len = 3;
		return f + 1;
	}
	return f;
}

static u64 get_unsigned(int len, va_list *ap)
{
	switch (len) {
	case -2:
		return (unsigned char)va_arg(*ap, unsigned int);
	case -1:
		return (unsigned short)va_arg(*ap, unsigned int);
	case 1:
		return va_arg(*ap, unsigned long);
	case 2:
		return va_arg(*ap, unsigned long long);
	case 3:
		return va_arg(*ap, size_t);
	default:
		return va_arg(*ap, unsigned int);
	}
}

static s64 get_signed(int len, va_list *ap)
{
	switch (len) {
	case -2:
		return (signed char)va_arg(*ap, int);
	case -1:
		return (short)va_arg(*ap, int);
	case 1:
		return va_arg(*ap, long);
	case 2:
		return va_arg(*ap, long long);
	case 3:
		return va_arg(*ap, ptrdiff_t);
	default:
		return va_arg(*ap, int);
	}
}

static void convert(struct out *o, char c, int len, struct spec *sp,
		    va_list *ap)
{
	switch (c) {
	case 'd':
	case 'i': {
		s64 v = get_signed(len, ap);
		put_num(o, v < 0 ? -(u64)v : (u64)v, v < 0, 10, false, sp);
		break;
	}
	case 'u':
		put_num(o, get_unsigned(len, ap), false, 10, false, sp);
		break;
	case 'x':
	case 'X':
		put_num(o, get_unsigned(len, ap), false, 16, c == 'X', sp);
		break;
	case 'o':
		put_num(o, get_unsigned(len, ap), false, 8, false, sp);
		break;
	case 'p':
		sp->alt = true;
		put_num(o, (uintptr_t)va_arg(*ap, void *), false, 16, false,
			sp);
		break;
	case 's':
		put_str(o, va_arg(*ap, const char *), sp);
		break;
	case 'c': {
		char s[2] = { (char)va_arg(*ap, int), 0 };
		sp->prec = 1;
		put_str(o, s, sp);
		break;
	}
	case '%':
		put(o, '%');
		break;
	default: /* unknown: print it as written so the bug is visible */
		put(o, '%');
		put(o, c);
		break;
	}
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap_in)
{
	struct out o = { buf, size, 0 };
	struct spec sp;
	va_list ap;
	int len;

	va_copy(ap, ap_in);
	while (*fmt) {
		if (*fmt != '%') {
			put(&o, *fmt++);
			continue;
		}
		fmt = parse_spec(fmt + 1, &sp, &ap);
		fmt = parse_len(fmt, &len);
		if (!*fmt)
			break;
		convert(&o, *fmt++, len, &sp, &ap);
	}
	va_end(ap);
	if (size)
		buf[MIN(o.len, size - 1)] = 0;
	return (int)o.len;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

/* printk itself: vprintk is the kernel's console path, or a test's capture. */
int printk(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintk(fmt, ap);
	va_end(ap);
	return n;
}
