// The shim's own time to decide: argfile expansion (with the file read from
// disk) and classification, for a 10,000-argument command line and for one
// passed as a 1 MB argfile. Prints the median of many runs in microseconds.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "argfile.h"
#include "classify.h"
#include "platform.h"

namespace {

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

template <typename F>
double TimeMicros(int runs, F&& f) {
  std::vector<double> samples;
  for (int i = 0; i < runs; ++i) {
    auto start = std::chrono::steady_clock::now();
    f();
    auto end = std::chrono::steady_clock::now();
    samples.push_back(std::chrono::duration<double, std::micro>(end - start).count());
  }
  return Median(samples);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace rustc_shim;
  const std::string dir = argc > 1 ? argv[1] : "/tmp";

  // 10,000 arguments as cargo would write them, the deciding flag last.
  std::vector<std::string> many;
  for (int i = 0; i < 10000; ++i) many.push_back("--cfg=feature=\"feature-" + std::to_string(i) + "\"");
  many.push_back("-Cinstrument-coverage");
  std::vector<absl::string_view> many_views(many.begin(), many.end());
  int checks = 0;
  double argv_us = TimeMicros(200, [&] {
    Expanded e = ExpandArgfiles(many_views, ReadFile);
    checks += Classify("rustc", e.args, {}).rule == Rule::kCoverage;
  });

  // The same kind of command line as a 1 MB argfile.
  const std::string path = dir + "/bench-argfile";
  std::string text;
  for (int i = 0; text.size() < (1 << 20); ++i) {
    text += "--cfg=feature=\"feature-" + std::to_string(i) + "\"\n";
  }
  text += "-Cinstrument-coverage\n";
  std::ofstream(path, std::ios::binary) << text;
  std::string at = "@" + path;
  std::vector<absl::string_view> file_views = {"--crate-name", "big", at};
  double file_us = TimeMicros(200, [&] {
    Expanded e = ExpandArgfiles(file_views, ReadFile);
    checks += Classify("rustc", e.args, {}).rule == Rule::kCoverage;
  });
  std::remove(path.c_str());

  if (checks != 400) {
    std::fprintf(stderr, "decide: wrong decisions (%d of 400 right)\n", checks);
    return 1;
  }
  std::printf("decide-10000-args\t%.1f\n", argv_us);
  std::printf("decide-1MB-argfile\t%.1f\t%zu\n", file_us, text.size());
  return 0;
}
