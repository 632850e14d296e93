/*
 * test_kernels_memory - the memory kernels: copy and set at odd sizes,
 * the strided read against a plain loop, and the pointer chase: one cycle
 * through every node, different for different seeds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cpu/kb_memory.h"

static void test_copy_set(void **st)
{
	(void)st;
	static const size_t sizes[] = { 1, 7, 33, 257, 4099 };
	for (size_t s = 0; s < 5; s++) {
		size_t n = sizes[s];
		unsigned char *a = malloc(n), *b = malloc(n + 1);
		assert_true(a && b);
		for (size_t i = 0; i < n; i++)
			a[i] = (unsigned char)(i * 7 + 1);
		b[n] = 0xEE;
		kb_memcpy_u8_libc(b, a, n);
		assert_memory_equal(a, b, n);
		kb_memset_u8_libc(b, 0x3C, n);
		for (size_t i = 0; i < n; i++)
			assert_int_equal(b[i], 0x3C);
		assert_int_equal(b[n], 0xEE);
		free(a);
		free(b);
	}
}

static void test_strided(void **st)
{
	(void)st;
	static const size_t strides[] = { 1, 3, 16, 1024 };
	size_t n = 5003;
	float *x = malloc(n * sizeof(float));
	assert_non_null(x);
	for (size_t i = 0; i < n; i++)
		x[i] = (float)(i % 17); /* integers: every order sums exactly */
	for (size_t s = 0; s < 4; s++) {
		double want = 0;
		for (size_t i = 0; i < n; i += strides[s])
			want += x[i];
		assert_true(kb_read_strided_f32(x, n, strides[s]) == (float)want);
	}
	free(x);
}

static size_t cycle_length(const void *buf, size_t limit)
{
	const void *p = kb_chase_run(buf, 1);
	size_t steps = 1;
	while (p != buf && steps <= limit) {
		p = kb_chase_run(p, 1);
		steps++;
	}
	return steps;
}

static void test_chase(void **st)
{
	(void)st;
	static const size_t nodes[] = { 2, 3, 7, 257, 1000 };
	for (size_t s = 0; s < 5; s++) {
		size_t bytes = nodes[s] * KB_CHASE_NODE + 5; /* a partial node is ignored */
		void *buf = aligned_alloc(64, (bytes + 63) / 64 * 64);
		assert_non_null(buf);
		assert_int_equal(kb_chase_init(buf, bytes, 42 + s), nodes[s]);
		assert_int_equal(cycle_length(buf, nodes[s] + 1), nodes[s]);
		/* every pointer lands on a node inside the buffer */
		for (size_t i = 0; i < nodes[s]; i++) {
			const char *p = *(void **)((char *)buf + i * KB_CHASE_NODE);
			assert_true(p >= (char *)buf && p < (char *)buf + nodes[s] * KB_CHASE_NODE);
			assert_int_equal((size_t)(p - (char *)buf) % KB_CHASE_NODE, 0);
		}
		free(buf);
	}
	void *small = malloc(KB_CHASE_NODE);
	assert_int_equal(kb_chase_init(small, KB_CHASE_NODE, 1), 0);
	free(small);
}

static void test_chase_seeds_differ(void **st)
{
	(void)st;
	size_t bytes = 64 * KB_CHASE_NODE;
	char *a = aligned_alloc(64, bytes), *b = aligned_alloc(64, bytes);
	assert_true(a && b);
	kb_chase_init(a, bytes, 1);
	kb_chase_init(b, bytes, 2);
	size_t same = 0;
	for (size_t i = 0; i < 64; i++)
		same += (*(char **)(a + i * KB_CHASE_NODE) - a) == (*(char **)(b + i * KB_CHASE_NODE) - b);
	assert_true(same < 64);
	free(a);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_copy_set),
		cmocka_unit_test(test_strided),
		cmocka_unit_test(test_chase),
		cmocka_unit_test(test_chase_seeds_differ),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
