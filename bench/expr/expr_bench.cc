// Rows per second of `price * 2 > 1000 AND channel LIKE 'app%'` evaluated by
// CompiledExpr over 2048-row batches, next to a hand-written loop computing
// the same thing over the same vectors. After the Google Benchmark runs, the
// ratio of the two (measured in the same process) is printed.
//
// The same for the string kernels SPLIT_PART(url, '/', 4) and
// REPLACE(url, '/', '_'), each next to a hand-written loop.
//
// And the rates of the numeric and date kernels ROUND(amount, 2),
// ABS(amount), SQRT(ratio), EXTRACT('YEAR', ts) and DATE_TRUNC('HOUR', ts).
//
//   cmake -S . -B build-bench -G Ninja -DWEIR_BENCH=ON
//   ninja -C build-bench expr_bench && build-bench/bench/expr/expr_bench

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "engine/expr/bound_expr.h"
#include "engine/expr/functions.h"
#include "engine/expr/vector_eval.h"
#include "engine/types/batch.h"

namespace {

using namespace weir;
using types::LogicalType;
using types::Value;

constexpr size_t kRows = 2048;

types::Batch MakeBatch() {
  auto schema = std::make_shared<types::Schema>(
      std::vector<types::Field>{{"price", LogicalType::Bigint(), true},
                                {"channel", LogicalType::Varchar(), true}});
  types::Batch batch(schema);
  std::mt19937_64 rng(42);
  const char* channels[] = {"app", "apple-ios", "web", "partner",
                            "app-android"};
  for (size_t r = 0; r < kRows; ++r) {
    batch.AppendRow({Value::Bigint(static_cast<int64_t>(rng() % 1000)),
                     Value::Varchar(channels[rng() % 5])});
  }
  return batch;
}

expr::BoundExprPtr Call(const std::string& name,
                        std::vector<expr::BoundExprPtr> args) {
  std::vector<LogicalType> types;
  for (const auto& a : args) types.push_back(a->type);
  auto r = *expr::ResolveScalar(name, types);
  for (size_t i = 0; i < args.size(); ++i) {
    args[i] = expr::MakeCast(args[i], r.arg_types[i]);
  }
  return expr::MakeCall(r.function, std::move(args), r.result, true);
}

std::unique_ptr<expr::CompiledExpr> MakeExpr() {
  auto price = expr::MakeColumn(0, "price", LogicalType::Bigint(), true);
  auto channel = expr::MakeColumn(1, "channel", LogicalType::Varchar(), true);
  auto e = Call(
      "AND",
      {Call(">", {Call("*", {price, expr::MakeLiteral(Value::Int(2))}),
                  expr::MakeLiteral(Value::Int(1000))}),
       Call("LIKE", {channel, expr::MakeLiteral(Value::Varchar("app%"))})});
  return *expr::CompiledExpr::Compile(e);
}

// The same predicate written by hand over the batch's vectors (overflow
// checked and NULL-aware like the SQL, so the comparison is fair).
size_t HandWritten(const types::Batch& batch, std::vector<uint8_t>* out) {
  const types::Column& p = batch.column(0);
  const types::Column& c = batch.column(1);
  const int64_t* price = p.ints();
  const std::string* channel = c.string_objects();  // AppendRow made them
  WEIR_CHECK(channel != nullptr);
  out->resize(batch.num_rows());
  size_t hits = 0;
  for (size_t r = 0; r < batch.num_rows(); ++r) {
    int64_t twice;
    bool ok = !p.IsNull(r) && !c.IsNull(r) &&
              !__builtin_mul_overflow(price[r], 2, &twice) && twice > 1000 &&
              channel[r].compare(0, 3, "app") == 0;
    (*out)[r] = ok;
    hits += ok;
  }
  return hits;
}

void BM_CompiledEvaluate(benchmark::State& state) {
  types::Batch batch = MakeBatch();
  auto e = MakeExpr();
  types::Column out;
  for (auto _ : state) {
    if (!e->Evaluate(batch, &out).ok()) state.SkipWithError("error");
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations() * kRows);
}
BENCHMARK(BM_CompiledEvaluate);

void BM_CompiledFilter(benchmark::State& state) {
  types::Batch batch = MakeBatch();
  auto e = MakeExpr();
  for (auto _ : state) {
    batch.ClearSelection();
    if (!e->Filter(&batch).ok()) state.SkipWithError("error");
    benchmark::DoNotOptimize(batch.selection().data());
  }
  state.SetItemsProcessed(state.iterations() * kRows);
}
BENCHMARK(BM_CompiledFilter);

void BM_HandWritten(benchmark::State& state) {
  types::Batch batch = MakeBatch();
  std::vector<uint8_t> out;
  for (auto _ : state) {
    benchmark::DoNotOptimize(HandWritten(batch, &out));
  }
  state.SetItemsProcessed(state.iterations() * kRows);
}
BENCHMARK(BM_HandWritten);

// ---- String kernels: SPLIT_PART and REPLACE over URL-like text.

types::Batch MakeUrlBatch() {
  auto schema = std::make_shared<types::Schema>(
      std::vector<types::Field>{{"url", LogicalType::Varchar(), true}});
  types::Batch batch(schema);
  std::mt19937_64 rng(7);
  const char* hosts[] = {"example.com", "shop.example.org", "nexmark.io"};
  const char* paths[] = {"item", "auction/bid", "category/é", "a/b/c/d"};
  for (size_t r = 0; r < kRows; ++r) {
    std::string url = std::string("https://") + hosts[rng() % 3] + "/" +
                      paths[rng() % 4] + "/" + std::to_string(rng() % 100000);
    batch.AppendRow({Value::Varchar(std::move(url))});
  }
  return batch;
}

expr::BoundExprPtr UrlCall(bool split) {
  auto url = expr::MakeColumn(0, "url", LogicalType::Varchar(), true);
  auto lit = [](Value v) { return expr::MakeLiteral(std::move(v)); };
  if (split) {
    return Call("SPLIT_PART",
                {url, lit(Value::Varchar("/")), lit(Value::Bigint(4))});
  }
  return Call("REPLACE",
              {url, lit(Value::Varchar("/")), lit(Value::Varchar("_"))});
}

// What the kernels compute, written by hand over the column (allocating
// one std::string per row, as a VARCHAR result column must).
size_t HandWrittenSplit(const types::Batch& batch,
                        std::vector<std::string>* out) {
  const types::Column& c = batch.column(0);
  const std::string* url = c.string_objects();  // AppendRow made them
  WEIR_CHECK(url != nullptr);
  out->resize(batch.num_rows());
  size_t bytes = 0;
  for (size_t r = 0; r < batch.num_rows(); ++r) {
    std::string_view s = url[r];
    size_t start = 0;
    bool found = true;
    for (int i = 0; i < 3 && found; ++i) {
      size_t pos = s.find('/', start);
      found = pos != std::string_view::npos;
      start = pos + 1;
    }
    std::string_view field;
    if (found) field = s.substr(start, s.find('/', start) - start);
    (*out)[r].assign(field);
    bytes += field.size();
  }
  return bytes;
}

size_t HandWrittenReplace(const types::Batch& batch,
                          std::vector<std::string>* out) {
  const types::Column& c = batch.column(0);
  const std::string* url = c.string_objects();  // AppendRow made them
  WEIR_CHECK(url != nullptr);
  out->resize(batch.num_rows());
  size_t bytes = 0;
  for (size_t r = 0; r < batch.num_rows(); ++r) {
    std::string& t = (*out)[r];
    t = url[r];
    for (char& ch : t) {
      if (ch == '/') ch = '_';
    }
    bytes += t.size();
  }
  return bytes;
}

void BM_SplitPartCompiled(benchmark::State& state) {
  types::Batch batch = MakeUrlBatch();
  auto e = *expr::CompiledExpr::Compile(UrlCall(true));
  types::Column out;
  for (auto _ : state) {
    if (!e->Evaluate(batch, &out).ok()) state.SkipWithError("error");
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations() * kRows);
}
BENCHMARK(BM_SplitPartCompiled);

void BM_ReplaceCompiled(benchmark::State& state) {
  types::Batch batch = MakeUrlBatch();
  auto e = *expr::CompiledExpr::Compile(UrlCall(false));
  types::Column out;
  for (auto _ : state) {
    if (!e->Evaluate(batch, &out).ok()) state.SkipWithError("error");
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations() * kRows);
}
BENCHMARK(BM_ReplaceCompiled);

// ---- Numeric and date kernels.

types::Batch MakeNumericBatch() {
  auto schema = std::make_shared<types::Schema>(std::vector<types::Field>{
      {"amount", LogicalType::DecimalOrDie(12, 4), true},
      {"ratio", LogicalType::Double(), true},
      {"ts", LogicalType::TimestampOrDie(3), true}});
  types::Batch batch(schema);
  std::mt19937_64 rng(11);
  for (size_t r = 0; r < kRows; ++r) {
    int64_t amount =
        static_cast<int64_t>(rng() % 2'000'000'000) - 1'000'000'000;
    int64_t ts =
        static_cast<int64_t>(rng() % 4'000'000'000'000'000ULL) / 1000 * 1000;
    batch.AppendRow({Value::Decimal(amount, LogicalType::DecimalOrDie(12, 4)),
                     Value::Double(static_cast<double>(rng() % 100000) / 7),
                     Value::Timestamp(ts, 3)});
  }
  return batch;
}

struct NumericCase {
  const char* label;
  expr::BoundExprPtr call;
};

std::vector<NumericCase> NumericCases() {
  auto amount =
      expr::MakeColumn(0, "amount", LogicalType::DecimalOrDie(12, 4), true);
  auto ratio = expr::MakeColumn(1, "ratio", LogicalType::Double(), true);
  auto ts = expr::MakeColumn(2, "ts", LogicalType::TimestampOrDie(3), true);
  auto lit = [](Value v) { return expr::MakeLiteral(std::move(v)); };
  return {
      {"ROUND(amount, 2)", Call("ROUND", {amount, lit(Value::Int(2))})},
      {"ABS(amount)", Call("ABS", {amount})},
      {"SQRT(ratio)", Call("SQRT", {ratio})},
      {"EXTRACT('YEAR', ts)",
       Call("EXTRACT", {lit(Value::Varchar("YEAR")), ts})},
      {"DATE_TRUNC('HOUR', ts)",
       Call("DATE_TRUNC", {lit(Value::Varchar("HOUR")), ts})},
  };
}

void BM_NumericKernels(benchmark::State& state) {
  types::Batch batch = MakeNumericBatch();
  auto cases = NumericCases();
  auto e = *expr::CompiledExpr::Compile(cases[state.range(0)].call);
  types::Column out;
  for (auto _ : state) {
    if (!e->Evaluate(batch, &out).ok()) state.SkipWithError("error");
    benchmark::DoNotOptimize(out);
  }
  state.SetLabel(cases[state.range(0)].label);
  state.SetItemsProcessed(state.iterations() * kRows);
}
BENCHMARK(BM_NumericKernels)->DenseRange(0, 4);

template <typename F>
double RowsPerSecond(F&& f) {
  constexpr int kIterations = 3000;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kIterations; ++i) f();
  std::chrono::duration<double> s = std::chrono::steady_clock::now() - start;
  return kIterations * static_cast<double>(kRows) / s.count();
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  types::Batch batch = MakeBatch();
  auto e = MakeExpr();
  types::Column col;
  std::vector<uint8_t> hand;
  double compiled = RowsPerSecond([&] {
    if (!e->Evaluate(batch, &col).ok()) std::abort();
    benchmark::DoNotOptimize(col);
  });
  double filter = RowsPerSecond([&] {
    batch.ClearSelection();
    if (!e->Filter(&batch).ok()) std::abort();
  });
  double manual = RowsPerSecond(
      [&] { benchmark::DoNotOptimize(HandWritten(batch, &hand)); });
  std::printf(
      "price * 2 > 1000 AND channel LIKE 'app%%' over %zu-row batches:\n"
      "  CompiledExpr::Evaluate %.1f M rows/s, Filter %.1f M rows/s, "
      "hand-written loop %.1f M rows/s\n"
      "  hand-written / Evaluate = %.2fx, hand-written / Filter = %.2fx\n",
      kRows, compiled / 1e6, filter / 1e6, manual / 1e6, manual / compiled,
      manual / filter);

  types::Batch urls = MakeUrlBatch();
  std::vector<std::string> scratch;
  for (bool split : {true, false}) {
    auto compiled_call = *expr::CompiledExpr::Compile(UrlCall(split));
    double kernel = RowsPerSecond([&] {
      if (!compiled_call->Evaluate(urls, &col).ok()) std::abort();
      benchmark::DoNotOptimize(col);
    });
    double hand_rate = RowsPerSecond([&] {
      benchmark::DoNotOptimize(split ? HandWrittenSplit(urls, &scratch)
                                     : HandWrittenReplace(urls, &scratch));
    });
    std::printf(
        "%s over %zu-row batches:\n"
        "  CompiledExpr::Evaluate %.1f M rows/s, hand-written loop %.1f M "
        "rows/s, hand-written / Evaluate = %.2fx\n",
        split ? "SPLIT_PART(url, '/', 4)" : "REPLACE(url, '/', '_')", kRows,
        kernel / 1e6, hand_rate / 1e6, hand_rate / kernel);
  }

  types::Batch numbers = MakeNumericBatch();
  for (const NumericCase& c : NumericCases()) {
    auto compiled_call = *expr::CompiledExpr::Compile(c.call);
    double kernel = RowsPerSecond([&] {
      if (!compiled_call->Evaluate(numbers, &col).ok()) std::abort();
      benchmark::DoNotOptimize(col);
    });
    std::printf(
        "%s over %zu-row batches: CompiledExpr::Evaluate %.1f M rows/s\n",
        c.label, kRows, kernel / 1e6);
  }
  return 0;
}
