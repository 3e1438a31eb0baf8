/* printk's formatter. */
#include "unit.h"
#include <ballast/printk.h>

#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#pragma GCC diagnostic ignored "-Wformat-security"
static const char *fmt(const char *f, ...) __printf(1, 2);
static const char *fmt(const char *f, ...)
{
	static char buf[256];
	va_list ap;

	va_start(ap, f);
	kvsnprintf(buf, sizeof(buf), f, ap);
	va_end(ap);
	return buf;
}

TEST(vsprintf_integers)
{
	CHECK_STR(fmt("%d %i %u", -42, 7, 3000000000u), "-42 7 3000000000");
	CHECK_STR(fmt("%x %X %#x %o", 0xabc, 0xabc, 255, 8), "abc ABC 0xff 10");
	CHECK_STR(fmt("%ld %lu %lx", -1L, 1UL << 40, 0xdeadbeefUL),
		  "-1 1099511627776 deadbeef");
	CHECK_STR(fmt("%lld %llx", -9223372036854775807LL - 1,
		      0xffffffffffffffffULL),
		  "-9223372036854775808 ffffffffffffffff");
	CHECK_STR(fmt("%zu %hhu %hd", (size_t)12, 300, 70000), "12 44 4464");
}

TEST(vsprintf_width_and_padding)
{
	CHECK_STR(fmt("[%5d][%-5d][%05d]", 42, 42, 42),
		  "[   42][42   ][00042]");
	CHECK_STR(fmt("[%08x][%#010x]", 0x1234, 0x1234),
		  "[00001234][0x00001234]");
	CHECK_STR(fmt("[%-6s][%6s][%.2s]", "ab", "ab", "abcdef"),
		  "[ab    ][    ab][ab]");
	CHECK_STR(fmt("[%*d][%-*d]", 4, 1, 3, 2), "[   1][2  ]");
	CHECK_STR(fmt("[%05d]", -42), "[-0042]");
	CHECK_STR(fmt("[%+d][% d]", 5, 5), "[+5][ 5]");
}

TEST(vsprintf_strings_chars_pointers)
{
	CHECK_STR(fmt("%s|%c|%%", "hi", 'x'), "hi|x|%");
	const char *volatile null_str = NULL;
	const char *volatile unknown = "%q";

	CHECK_STR(fmt("%s", null_str), "(null)");
	CHECK_STR(fmt("%p", (void *)0x1000), "0x1000");
	CHECK_STR(fmt(unknown), "%q"); /* printed as written */
}

TEST(vsprintf_truncates_and_terminates)
{
	char buf[8];
	int n = ksnprintf(buf, sizeof(buf), "%s", "0123456789");

	CHECK_EQ(n, 10);
	CHECK_STR(buf, "0123456");
	CHECK_EQ(ksnprintf(NULL, 0, "%d", 12345), 5);
}
