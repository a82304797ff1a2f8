// File: query/parser.h
// Recursive descent over the tokens (query/lexer.h) into the syntax tree
// (query/ast.h). The grammar is docs/query.md's; errors point at the token
// (QueryText::Error: "query:LINE:COL: message", the line and a caret).
#pragma once

#include "common/status.h"
#include "query/ast.h"
#include "query/lexer.h"

namespace starling::query {

// InvalidArgument for anything the grammar does not accept, and for what
// the subset leaves out on purpose (sort or take inside group, ...), each
// saying what to write instead where it can.
Result<Query> Parse(const QueryText& text);

}  // namespace starling::query
