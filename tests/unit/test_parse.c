/* The number and size parser: every shell command depends on it. */
#include "unit.h"
#include <ballast/errno.h>
#include <ballast/parse.h>

TEST(parse_u64_decimal_and_hex)
{
	u64 v = 0;

	CHECK_EQ(parse_u64("0", &v), 0);
	CHECK_EQ(v, 0);
	CHECK_EQ(parse_u64("12345", &v), 0);
	CHECK_EQ(v, 12345);
	CHECK_EQ(parse_u64("0x1F", &v), 0);
	CHECK_EQ(v, 31);
	CHECK_EQ(parse_u64("0XfF", &v), 0);
	CHECK_EQ(v, 255);
	CHECK_EQ(parse_u64("18446744073709551615", &v), 0);
	CHECK(v == ~0ULL);
	CHECK_EQ(parse_u64("0xffffffffffffffff", &v), 0);
	CHECK(v == ~0ULL);
}

TEST(parse_u64_rejects_garbage_and_overflow)
{
	u64 v = 77;

	CHECK_EQ(parse_u64("", &v), -EINVAL);
	CHECK_EQ(parse_u64("0x", &v), -EINVAL);
	CHECK_EQ(parse_u64("0xZZ", &v), -EINVAL);
	CHECK_EQ(parse_u64("12a", &v), -EINVAL);
	CHECK_EQ(parse_u64("-1", &v), -EINVAL);
	CHECK_EQ(parse_u64(" 1", &v), -EINVAL);
	CHECK_EQ(parse_u64("1 ", &v), -EINVAL);
	CHECK_EQ(parse_u64("12K", &v), -EINVAL);
	CHECK_EQ(parse_u64(NULL, &v), -EINVAL);
	CHECK_EQ(parse_u64("18446744073709551616", &v), -ERANGE);
	CHECK_EQ(parse_u64("0x10000000000000000", &v), -ERANGE);
	CHECK_EQ(v, 77); /* untouched on error */
}

TEST(parse_size_suffixes)
{
	u64 v;

	CHECK_EQ(parse_size("4096", &v), 0);
	CHECK_EQ(v, 4096);
	CHECK_EQ(parse_size("4K", &v), 0);
	CHECK_EQ(v, 4096);
	CHECK_EQ(parse_size("4k", &v), 0);
	CHECK_EQ(v, 4096);
	CHECK_EQ(parse_size("128M", &v), 0);
	CHECK_EQ(v, 128ULL << 20);
	CHECK_EQ(parse_size("128MiB", &v), 0);
	CHECK_EQ(v, 128ULL << 20);
	CHECK_EQ(parse_size("2GB", &v), 0);
	CHECK_EQ(v, 2ULL << 30);
	CHECK_EQ(parse_size("1T", &v), 0);
	CHECK_EQ(v, 1ULL << 40);
	CHECK_EQ(parse_size("0x100000", &v), 0);
	CHECK_EQ(v, 1 << 20);
	CHECK_EQ(parse_size("0x10M", &v), 0);
	CHECK_EQ(v, 16 << 20);
	CHECK_EQ(parse_size("7B", &v), 0);
	CHECK_EQ(v, 7);
}

TEST(parse_size_rejects_garbage_and_overflow)
{
	u64 v = 5;

	CHECK_EQ(parse_size("M", &v), -EINVAL);
	CHECK_EQ(parse_size("12Q", &v), -EINVAL);
	CHECK_EQ(parse_size("12MM", &v), -EINVAL);
	CHECK_EQ(parse_size("12Mi", &v), -EINVAL);
	CHECK_EQ(parse_size("1.5G", &v), -EINVAL);
	CHECK_EQ(parse_size("16777216T", &v), -ERANGE);
	CHECK_EQ(parse_size("17179869184G", &v), -ERANGE);
	CHECK_EQ(parse_size("99999999999999999999", &v), -ERANGE);
	CHECK_EQ(v, 5);
	CHECK(parse_error(-ERANGE) != parse_error(-EINVAL));
}
