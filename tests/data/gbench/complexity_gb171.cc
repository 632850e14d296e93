// The program that wrote complexity_gb171.json: Google Benchmark 1.7.1
// (Debian's libbenchmark-dev), its ->Complexity() on a sum.  The fixture is
// the reference for the shape of the BigO and RMS rows kbench writes in
// Google Benchmark's format (tests/integration/test_complexity.sh), and its
// numbers are the reference for the fit itself (tests/unit/test_complexity.c).
//
//   g++ -O2 complexity_gb171.cc $(pkg-config --cflags --libs benchmark) -lpthread -o gb
//   ./gb --benchmark_min_time=0.01 --benchmark_format=json > complexity_gb171.json
//
// (The file was written with both families named BM_Sum, as the first
// version of this program registered them; the second family's rows were
// renamed BM_SumAuto afterwards so that the names are unique.)
#include <benchmark/benchmark.h>
#include <vector>

static void BM_Sum(benchmark::State& st) {
  std::vector<float> v(st.range(0), 1.0f);
  for (auto _ : st) {
    float s = 0;
    for (float x : v) s += x;
    benchmark::DoNotOptimize(s);
  }
  st.SetComplexityN(st.range(0));
}
static void BM_SumAuto(benchmark::State& st) { BM_Sum(st); }
BENCHMARK(BM_Sum)->RangeMultiplier(4)->Range(1 << 8, 1 << 14)->Complexity(benchmark::oN);
BENCHMARK(BM_SumAuto)->RangeMultiplier(4)->Range(1 << 8, 1 << 14)->Complexity();
BENCHMARK_MAIN();
