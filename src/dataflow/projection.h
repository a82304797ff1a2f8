// File: dataflow/projection.h
// Which fields of a post a pipeline reads, so that the parser decodes only
// those (parse::Fields): `top --by hashtag` over the whole input needs the
// hashtags and nothing else of a tweet.
#pragma once

#include "dataflow/pipeline.h"
#include "parse/post_parser.h"

namespace starling::dataflow {

// The fields the analyses of `spec` read: from each analysis's dimensions
// (by, and of for distinct) and kind (sentiment and clusters read the text,
// co-occurrence the hashtags), plus created_at when some analysis has a
// time window in event time. Transforms and custom key functions are opaque
// C++ callables that may read anything: a spec with any of them needs every
// field. Only what the analyses read: a caller that also hands posts to
// post sinks or a late sink must parse every field (Fields{}) instead.
parse::Fields FieldsNeeded(const PipelineSpec& spec);

// FieldsNeeded for one dimension (label: every field, labels come from joins).
parse::Fields FieldsNeeded(const DimensionRef& dim);

}  // namespace starling::dataflow
