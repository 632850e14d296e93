// gb.cc - the side-by-side cases (kernels.h) under Google Benchmark: data
// made once per benchmark outside the timed loop, one call per iteration.
#include <benchmark/benchmark.h>

#include "kernels.h"

int main(int argc, char **argv)
{
	for (size_t i = 0; i < sbs_ncases; i++) {
		const sbs_case *c = &sbs_cases[i];

		benchmark::RegisterBenchmark(c->name, [c](benchmark::State &st) {
			void *ctx = c->setup(c->n);
			for (auto _ : st)
				c->run(ctx);
			c->teardown(ctx);
		});
	}
	benchmark::Initialize(&argc, argv);
	benchmark::RunSpecifiedBenchmarks();
	benchmark::Shutdown();
	return 0;
}
