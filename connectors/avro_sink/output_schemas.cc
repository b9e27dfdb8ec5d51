// The output schemas; see output_schemas.h.
#include "connectors/avro_sink/output_schemas.h"

namespace segstream {

const char* const kSegmentChangeSchema = R"({"type":"record","name":"SegmentChange","namespace":"segstream","fields":[
{"name":"customer_id","type":"string"},
{"name":"seq","type":"long"},
{"name":"segment_id","type":"long"},
{"name":"segment_name","type":"string"},
{"name":"previous_segment_id","type":["null","long"],"default":null},
{"name":"previous_segment_name","type":["null","string"],"default":null},
{"name":"reason","type":"string"},
{"name":"recency_days","type":"double"},
{"name":"frequency","type":"long"},
{"name":"monetary","type":"double"},
{"name":"model_version","type":"long"},
{"name":"event_time","type":"string"},
{"name":"invoice","type":["null","string"],"default":null}]})";

const char* const kCustomerSegmentSchema = R"({"type":"record","name":"CustomerSegment","namespace":"segstream","fields":[
{"name":"customer_id","type":"string"},
{"name":"segment_id","type":"long"},
{"name":"segment_name","type":"string"},
{"name":"seq","type":"long"},
{"name":"model_version","type":"long"},
{"name":"event_time","type":"string"}]})";

const char* const kModelSchema = R"({"type":"record","name":"Model","namespace":"segstream","fields":[
{"name":"model_version","type":"long"},
{"name":"k","type":"long"},
{"name":"event_time","type":"string"},
{"name":"customers","type":"long"},
{"name":"inertia","type":["null","double"],"default":null},
{"name":"silhouette","type":["null","double"],"default":null},
{"name":"trigger","type":"string"},
{"name":"k_requested","type":["long","string"]},
{"name":"k_note","type":["null","string"],"default":null},
{"name":"k_selection","type":["null",{"type":"record","name":"KSelection","fields":[
  {"name":"customers_sampled","type":"long"},
  {"name":"table","type":{"type":"array","items":{"type":"record","name":"KScore","fields":[
    {"name":"k","type":"long"},
    {"name":"inertia","type":["null","double"],"default":null},
    {"name":"silhouette","type":["null","double"],"default":null}]}}},
  {"name":"chosen","type":"long"}]}],"default":null},
{"name":"lineage","type":["null",{"type":"array","items":{"type":"record","name":"Lineage","fields":[
  {"name":"segment_id","type":"long"},
  {"name":"from","type":{"type":"array","items":{"type":"record","name":"LineageShare","fields":[
    {"name":"segment_id","type":"long"},
    {"name":"share","type":"double"}]}}}]}}],"default":null},
{"name":"scaler","type":{"type":"record","name":"Scaler","fields":[
  {"name":"features","type":{"type":"array","items":"string"}},
  {"name":"mean","type":{"type":"array","items":"double"}},
  {"name":"std","type":{"type":"array","items":"double"}}]}},
{"name":"segments","type":{"type":"array","items":{"type":"record","name":"Segment","fields":[
  {"name":"segment_id","type":"long"},
  {"name":"name","type":"string"},
  {"name":"action","type":"string"},
  {"name":"centroid","type":{"type":"array","items":"double"}},
  {"name":"rfm","type":{"type":"record","name":"Rfm","fields":[
    {"name":"recency_days","type":"double"},
    {"name":"frequency","type":"double"},
    {"name":"monetary","type":"double"}]}},
  {"name":"customers","type":"long"},
  {"name":"shift","type":"double"}]}}},
{"name":"previous_version","type":["null","long"],"default":null},
{"name":"drift","type":{"type":"record","name":"Drift","fields":[
  {"name":"max_centroid_shift","type":"double"}]}}]})";

const char* const kDeadLetterSchema = R"({"type":"record","name":"DeadLetter","namespace":"segstream","fields":[
{"name":"source","type":"string"},
{"name":"partition","type":"long"},
{"name":"offset","type":"long"},
{"name":"line","type":"long"},
{"name":"reason","type":"string"},
{"name":"raw","type":"string"}]})";

}  // namespace segstream
