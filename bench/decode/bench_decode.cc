// bench_decode: throughput of the invoice decoders and the file source on
// the real UCI data ($SEGSTREAM_DATA_DIR or ../shared/data; falls back to
// synthetic lines when it is missing).
//   BM_CsvDecode         CsvDecoder over every line of online_retail.csv (in memory)
//   BM_CsvDecodeIso      the same over the ISO export (ISO dates, float ids)
//   BM_JsonDecode        JsonEventDecoder over the same events as JSON lines
//   BM_JsonEncode        AppendEventJson over the same events
//   BM_Inflate           ByteStream alone over the .gz (the zcat baseline)
//   BM_FileSourceGz      OpenFileSource + Poll until end over the .gz file
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "connectors/decode/csv_decoder.h"
#include "connectors/decode/event_json.h"
#include "connectors/decode/json_decoder.h"
#include "connectors/file/byte_stream.h"
#include "connectors/file/file_source.h"

namespace segstream {
namespace {

std::string DataFile(const char* name) {
  const char* env = std::getenv("SEGSTREAM_DATA_DIR");
  return std::string(env != nullptr && *env != '\0' ? env : SEGSTREAM_DEFAULT_DATA_DIR) + "/" + name;
}

// The decompressed file, or a synthetic stand-in.
std::string LoadText(const char* name) {
  const std::string path = DataFile(name);
  std::string out;
  if (std::filesystem::exists(path)) {
    auto s = ByteStream::Open(path);
    if (s.ok()) {
      std::vector<char> buf(1 << 20);
      while (true) {
        auto r = (*s)->Read(buf.data(), buf.size());
        if (!r.ok() || *r == 0) break;
        out.append(buf.data(), *r);
      }
      return out;
    }
  }
  out = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n";
  for (int i = 0; i < 200000; ++i) {
    out += std::to_string(536365 + i / 10) + ",85123A,\"WHITE HANGING, HEART\",6,12/1/2010 8:26,2.55,17850,United Kingdom\n";
  }
  return out;
}

struct Lines {
  std::string text;
  std::vector<std::string_view> lines;  // without the header
};

const Lines& GetLines(const char* name) {
  static std::map<std::string, Lines>* cache = new std::map<std::string, Lines>();
  auto [it, inserted] = cache->try_emplace(name);
  if (inserted) {
    it->second.text = LoadText(name);
    std::string_view t = it->second.text;
    size_t pos = t.find('\n') + 1;
    while (pos < t.size()) {
      size_t nl = t.find('\n', pos);
      if (nl == std::string_view::npos) nl = t.size();
      it->second.lines.push_back(t.substr(pos, nl - pos));
      pos = nl + 1;
    }
  }
  return it->second;
}

void CsvBench(benchmark::State& state, const char* name) {
  const Lines& l = GetLines(name);
  auto d = CsvDecoder::FromHeader(l.text.substr(0, l.text.find('\n')));
  if (!d.ok()) {
    state.SkipWithError(d.status().message().c_str());
    return;
  }
  DecodedRecord r;
  size_t errors = 0;
  for (auto _ : state) {
    for (std::string_view line : l.lines) {
      d->Decode(line, &r);
      errors += !r.error.empty();
    }
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(l.lines.size()));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(l.text.size()));
  state.counters["dead_letters"] = static_cast<double>(errors) / static_cast<double>(state.iterations());
}

void BM_CsvDecode(benchmark::State& state) { CsvBench(state, "online_retail.csv.gz"); }
void BM_CsvDecodeIso(benchmark::State& state) { CsvBench(state, "online_retail_iso.csv.gz"); }

const std::vector<std::string>& JsonLines() {
  static std::vector<std::string>* json = [] {
    auto* v = new std::vector<std::string>();
    const Lines& l = GetLines("online_retail.csv.gz");
    auto d = CsvDecoder::FromHeader(l.text.substr(0, l.text.find('\n')));
    DecodedRecord r;
    for (std::string_view line : l.lines) {
      d->Decode(line, &r);
      if (r.error.empty()) v->push_back(EncodeEventJson(r.event));
    }
    return v;
  }();
  return *json;
}

void BM_JsonDecode(benchmark::State& state) {
  const auto& lines = JsonLines();
  JsonEventDecoder d;
  DecodedRecord r;
  int64_t bytes = 0;
  for (const auto& s : lines) bytes += static_cast<int64_t>(s.size());
  for (auto _ : state) {
    for (const auto& s : lines) d.Decode(s, &r);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(lines.size()));
  state.SetBytesProcessed(state.iterations() * bytes);
}

void BM_JsonEncode(benchmark::State& state) {
  const Lines& l = GetLines("online_retail.csv.gz");
  auto d = CsvDecoder::FromHeader(l.text.substr(0, l.text.find('\n')));
  std::vector<InvoiceEvent> events;
  DecodedRecord r;
  for (std::string_view line : l.lines) {
    d->Decode(line, &r);
    if (r.error.empty()) events.push_back(r.event);
  }
  std::string out;
  for (auto _ : state) {
    for (const auto& e : events) {
      out.clear();
      AppendEventJson(e, &out);
    }
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(events.size()));
}

void BM_Inflate(benchmark::State& state) {
  const std::string path = DataFile("online_retail.csv.gz");
  if (!std::filesystem::exists(path)) {
    state.SkipWithError("real data missing");
    return;
  }
  std::vector<char> buf(1 << 20);
  int64_t bytes = 0;
  for (auto _ : state) {
    auto s = ByteStream::Open(path);
    while (true) {
      auto r = (*s)->Read(buf.data(), buf.size());
      if (!r.ok() || *r == 0) break;
      bytes += static_cast<int64_t>(*r);
    }
  }
  state.SetBytesProcessed(bytes);
}

void BM_FileSourceGz(benchmark::State& state) {
  const std::string path = DataFile("online_retail.csv.gz");
  if (!std::filesystem::exists(path)) {
    state.SkipWithError("real data missing");
    return;
  }
  int64_t records = 0;
  SourceBatch batch;
  for (auto _ : state) {
    auto s = OpenFileSource(path);
    if (!s.ok()) {
      state.SkipWithError(s.status().message().c_str());
      return;
    }
    while (true) {
      batch.Clear();
      if (!(*s)->Poll(static_cast<size_t>(state.range(0)), 1000, &batch).ok()) break;
      records += static_cast<int64_t>(batch.records.size());
      if (batch.end_of_input) break;
    }
  }
  state.SetItemsProcessed(records);
}

BENCHMARK(BM_CsvDecode)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CsvDecodeIso)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_JsonDecode)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_JsonEncode)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Inflate)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FileSourceGz)->Arg(4096)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace segstream

BENCHMARK_MAIN();
