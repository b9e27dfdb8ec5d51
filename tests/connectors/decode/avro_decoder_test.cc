// Tests for AvroEventDecoder with FakeSchemaRegistry: the Confluent framing,
// records built by an independent hand encoder of the Avro 1.11 binary
// encoding (zig-zag varints, length-prefixed strings, little-endian doubles,
// union branch indexes), the JSON-equivalence of the event, every Avro dead
// letter, and that a registry outage is an error and not a dead letter.
#include "connectors/decode/avro_decoder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>
#include <tuple>

#include "connectors/decode/json_decoder.h"
#include "connectors/decode/reasons.h"
#include "connectors/schema_registry/schema_registry.h"
#include "engine/util/time.h"
#include "tests/connectors/decode/first_uci_event.h"

namespace segstream {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// --- an independent Avro binary encoder (spec: "Binary Encoding") ---
struct Enc {
  std::string out;
  Enc& Long(int64_t v) {
    uint64_t z = (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
    while (z >= 0x80) {
      out += static_cast<char>((z & 0x7f) | 0x80);
      z >>= 7;
    }
    out += static_cast<char>(z);
    return *this;
  }
  Enc& Str(std::string_view s) {
    Long(static_cast<int64_t>(s.size()));
    out += s;
    return *this;
  }
  Enc& Double(double d) {
    char b[8];
    std::memcpy(b, &d, 8);  // little-endian on the machines we build for
    out.append(b, 8);
    return *this;
  }
  Enc& Branch(int64_t i) { return Long(i); }
};

std::string Frame(int32_t id, const std::string& body) {
  std::string m(1, '\0');
  for (int shift = 24; shift >= 0; shift -= 8) m += static_cast<char>((static_cast<uint32_t>(id) >> shift) & 0xff);
  return m + body;
}

constexpr const char* kEventSchema = R"({"type":"record","name":"InvoiceLine","namespace":"segstream.test","fields":[
  {"name":"invoice","type":"string"},
  {"name":"stock_code","type":"string"},
  {"name":"description","type":["null","string"],"default":null},
  {"name":"quantity","type":"long"},
  {"name":"unit_price","type":"double"},
  {"name":"invoice_ts","type":"string"},
  {"name":"customer_id","type":["null","string"],"default":null},
  {"name":"country","type":"string"}]})";

std::string FirstUciBody(std::string_view customer = "17850", bool null_customer = false) {
  Enc e;
  e.Str("536365").Str("85123A").Branch(1).Str("WHITE HANGING HEART T-LIGHT HOLDER").Long(6).Double(2.55)
      .Str("2010-12-01T08:26:00Z");
  if (null_customer) {
    e.Branch(0);
  } else {
    e.Branch(1).Str(customer);
  }
  e.Str("United Kingdom");
  return e.out;
}

struct Fixture : ::testing::Test {
  std::shared_ptr<FakeSchemaRegistry> registry = std::make_shared<FakeSchemaRegistry>();
  int32_t event_id = registry->Register("invoices-value", kEventSchema).value();

  DecodedRecord Decode(AvroEventDecoder& d, const std::string& m) {
    DecodedRecord r;
    Status s = d.Decode(m, &r);
    EXPECT_TRUE(s.ok()) << s.message();
    return r;
  }
};

using AvroDecoder = Fixture;

TEST_F(AvroDecoder, EventSchemaDecodesLikeJson) {
  AvroEventDecoder d({}, registry);
  DecodedRecord r = Decode(d, Frame(event_id, FirstUciBody()));
  ExpectFirstUciEvent(r);

  JsonEventDecoder json;
  DecodedRecord j;
  json.Decode(R"({"invoice":"536365","stock_code":"85123A","description":"WHITE HANGING HEART T-LIGHT HOLDER",)"
              R"("quantity":6,"unit_price":2.55,"invoice_ts":"2010-12-01T08:26:00Z","customer_id":"17850",)"
              R"("country":"United Kingdom"})",
              &j);
  ASSERT_EQ(j.error, "");
  EXPECT_EQ(std::tie(r.event.invoice, r.event.stock_code, r.event.description, r.event.customer_id, r.event.country,
                     r.event.quantity, r.event.unit_price_milli, r.event.invoice_ts),
            std::tie(j.event.invoice, j.event.stock_code, j.event.description, j.event.customer_id, j.event.country,
                     j.event.quantity, j.event.unit_price_milli, j.event.invoice_ts));

  // The same decoder, again and with a null customer (a union's null branch).
  ExpectFirstUciEvent(Decode(d, Frame(event_id, FirstUciBody())));
  r = Decode(d, Frame(event_id, FirstUciBody("", true)));
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(r.event.customer_id, "");
  r = Decode(d, Frame(event_id, FirstUciBody("17850.0")));
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(r.event.customer_id, "17850");
}

TEST_F(AvroDecoder, SchemaFetchedOncePerId) {
  AvroEventDecoder d({}, registry);
  for (int i = 0; i < 5; ++i) ExpectFirstUciEvent(Decode(d, Frame(event_id, FirstUciBody())));
  EXPECT_EQ(registry->lookups(), 1);
  // Unknown ids are remembered too (ids are never reused).
  for (int i = 0; i < 3; ++i) {
    EXPECT_THAT(Decode(d, Frame(99, FirstUciBody())).error, StartsWith("unknown_schema: schema id 99"));
  }
  EXPECT_EQ(registry->lookups(), 2);
}

TEST_F(AvroDecoder, FramingDeadLetters) {
  AvroEventDecoder d({}, registry);
  DecodedRecord r = Decode(d, std::string("\0\0\0", 3));
  EXPECT_THAT(r.error, StartsWith("bad_avro: 3 bytes"));
  EXPECT_EQ(r.raw, "hex:000000");
  r = Decode(d, R"({"invoice":"1"})");
  EXPECT_THAT(r.error, StartsWith("bad_avro: magic byte 123 is not 0"));
  EXPECT_THAT(r.raw, StartsWith("hex:7b22"));
  const std::string body = FirstUciBody();
  r = Decode(d, Frame(event_id, body.substr(0, body.size() - 3)));  // truncated
  EXPECT_THAT(r.error, StartsWith("bad_avro: does not decode with schema"));
  r = Decode(d, Frame(event_id, body + "x"));
  EXPECT_THAT(r.error, StartsWith("bad_avro: bytes left over"));
  // A string length of 2^62: refused by the bounded allocator, not attempted.
  Enc huge;
  huge.Long(int64_t{1} << 62);
  r = Decode(d, Frame(event_id, huge.out + "abc"));
  EXPECT_THAT(r.error, StartsWith("bad_avro: does not decode"));
  // A negative length.
  Enc neg;
  neg.Long(-5);
  r = Decode(d, Frame(event_id, neg.out + "abc"));
  EXPECT_THAT(r.error, StartsWith("bad_avro: does not decode"));
  // Still decoding good records afterwards.
  ExpectFirstUciEvent(Decode(d, Frame(event_id, body)));
}

TEST_F(AvroDecoder, SchemaDeadLetters) {
  const int32_t not_record = registry->Register("s", R"("string")").value();
  const int32_t not_avro = registry->Register("t", R"({"type":"recordx"})").value();
  AvroEventDecoder d({}, registry);
  EXPECT_THAT(Decode(d, Frame(not_record, Enc().Str("x").out)).error, StartsWith("bad_avro: schema 2 is a string"));
  EXPECT_THAT(Decode(d, Frame(not_avro, "")).error, StartsWith("bad_avro: schema 3 is not a valid Avro schema"));
}

TEST_F(AvroDecoder, UnmappedTypeRules) {
  const int32_t id = registry->Register("x", R"({"type":"record","name":"R","fields":[
    {"name":"invoice","type":"string"},{"name":"stock_code","type":"string"},
    {"name":"quantity","type":"string"},{"name":"unit_price","type":"double"},
    {"name":"invoice_ts","type":"string"}]})").value();
  AvroEventDecoder d({}, registry);
  DecodedRecord r = Decode(d, Frame(id, Enc().Str("1").Str("S").Str("6").Double(1).Str("2011-01-01T00:00:00Z").out));
  EXPECT_EQ(r.error, "wrong_type: quantity is a string");
  const int32_t no_stock = registry->Register("y", R"({"type":"record","name":"R","fields":[
    {"name":"invoice","type":"string"},{"name":"quantity","type":"int"},{"name":"unit_price","type":"float"},
    {"name":"invoice_ts","type":"string"},{"name":"customer_id","type":"long"}]})").value();
  Enc e;
  e.Str("1").Long(3);
  float price = 2.5f;
  char b[4];
  std::memcpy(b, &price, 4);
  e.out.append(b, 4);
  e.Str("2011-01-01T00:00:00Z").Long(12345);
  r = Decode(d, Frame(no_stock, e.out));
  EXPECT_THAT(r.error, StartsWith("missing_field"));
  EXPECT_THAT(r.error, HasSubstr("stock_code"));
}

TEST_F(AvroDecoder, MappedPathsEnumsAndEpochs) {
  // A CDC-like nested layout: a union-wrapped record, an enum, a long epoch_ms time.
  const int32_t id = registry->Register("cdc-value", R"({"type":"record","name":"Envelope","fields":[
    {"name":"after","type":["null",{"type":"record","name":"Row","fields":[
      {"name":"ref","type":"long"},
      {"name":"sku","type":{"type":"enum","name":"Sku","symbols":["A1","B2"]}},
      {"name":"qty","type":"int"},
      {"name":"total","type":"double"},
      {"name":"at","type":{"type":"long","logicalType":"timestamp-millis"}},
      {"name":"gift","type":"boolean"}]}]}]})").value();
  auto format = decode::InputFormat{};
  format.columns = decode::ColumnMapping::Parse(
                       "customer_id=after.ref,stock_code=after.sku,quantity=after.qty,amount=after.total,"
                       "invoice_ts=after.at")
                       .value();
  format.time_format = decode::TimeFormat::Parse("epoch_ms").value();
  AvroEventDecoder d(format, registry);
  const std::string body = Enc().Branch(1).Long(17850).Long(1).Long(3).Double(7.65).Long(1291191960000).out + '\1';
  DecodedRecord r = Decode(d, Frame(id, body));
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(r.event.customer_id, "17850");
  EXPECT_EQ(r.event.stock_code, "B2");
  EXPECT_EQ(r.event.quantity, 1);  // the sign of the line total (normalize.h)
  EXPECT_EQ(r.event.unit_price_milli, 7650);
  EXPECT_EQ(FormatIso8601(r.event.invoice_ts), "2010-12-01T08:26:00Z");
  EXPECT_THAT(r.event.invoice, StartsWith("L"));  // synthesized
  // The null branch of `after`: every field absent.
  r = Decode(d, Frame(id, Enc().Branch(0).out));
  EXPECT_THAT(r.error, StartsWith("missing_field"));
  // A boolean mapped as a field is a wrong type.
  auto bad = format;
  bad.columns = decode::ColumnMapping::Parse("customer_id=after.gift,amount=after.total,invoice_ts=after.at").value();
  AvroEventDecoder d2(bad, registry);
  EXPECT_EQ(Decode(d2, Frame(id, body)).error, "wrong_type: after.gift is a boolean");
}

TEST_F(AvroDecoder, RegistryOutageIsAnErrorNotADeadLetter) {
  AvroEventDecoder d({}, registry);
  registry->SetUnavailable(true);
  DecodedRecord r;
  Status s = d.Decode(Frame(event_id, FirstUciBody()), &r);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), Status::Code::kUnavailable);
  EXPECT_THAT(s.message(), HasSubstr("unavailable"));
  // Nothing was cached: once the registry is back the same record decodes.
  registry->SetUnavailable(false);
  ExpectFirstUciEvent(Decode(d, Frame(event_id, FirstUciBody())));
  // A cached schema keeps decoding through an outage.
  registry->SetUnavailable(true);
  ExpectFirstUciEvent(Decode(d, Frame(event_id, FirstUciBody())));
}

// Mutated and truncated records (a deterministic fuzz): never a crash or a
// non-OK status (the registry is up), always an event or a known reason class.
TEST_F(AvroDecoder, MutatedRecordsAreEventsOrKnownDeadLetters) {
  AvroEventDecoder d({}, registry);
  const std::string good = Frame(event_id, FirstUciBody());
  uint64_t state = 42;
  auto next = [&state] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<uint32_t>(state >> 33);
  };
  int events = 0, dead = 0;
  for (int i = 0; i < 5000; ++i) {
    std::string m = good;
    const int edits = 1 + static_cast<int>(next() % 4);
    for (int e = 0; e < edits; ++e) {
      const size_t at = 5 + next() % (m.size() - 5);  // keep the header: exercise avro-c
      switch (next() % 3) {
        case 0: m[at] = static_cast<char>(next()); break;
        case 1: m.resize(at); break;
        default: m.insert(at, 1, static_cast<char>(next())); break;
      }
      if (m.size() <= 5) break;
    }
    DecodedRecord r;
    ASSERT_TRUE(d.Decode(m, &r).ok());
    if (r.error.empty()) {
      ++events;
      continue;
    }
    ++dead;
    bool known = false;
    for (auto c : decode::kAllReasonClasses) known = known || decode::ReasonClass(r.error) == c;
    EXPECT_TRUE(known) << r.error;
    EXPECT_THAT(r.raw, StartsWith("hex:"));
  }
  EXPECT_GT(dead, 1000);
  EXPECT_GT(events, 0);
  ExpectFirstUciEvent(Decode(d, good));
}

}  // namespace
}  // namespace segstream
