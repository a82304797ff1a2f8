// File: query/printer.cc
#include "query/printer.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "common/json_escape.h"
#include "sink/csv_format.h"

namespace starling::query {
namespace {

void AppendReal(double d, std::string* out) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, d);
  out->append(buf, r.ptr);
}

void AppendInt(std::int64_t i, std::string* out) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, i);
  out->append(buf, r.ptr);
}

void AppendJsonString(std::string_view s, std::string* out) {
  out->push_back('"');
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (JsonNeedsEscape(u)) {
      char esc[8];
      out->append(esc, JsonEscape(u, esc));
    } else {
      out->push_back(c);
    }
  }
  out->push_back('"');
}

// Text with \, tab, LF and CR escaped, so a cell stays on one line.
void AppendEscaped(std::string_view s, std::string* out) {
  for (const char c : s) {
    switch (c) {
      case '\\':
        out->append("\\\\");
        break;
      case '\t':
        out->append("\\t");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      default:
        out->push_back(c);
    }
  }
}

std::size_t Width(std::string_view s) {
  std::size_t n = 0;
  for (const char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

std::string Table(const Answer& a) {
  const std::size_t w = a.width();
  std::vector<std::vector<std::string>> cells(a.rows(), std::vector<std::string>(w));
  std::vector<std::size_t> widths(w);
  for (std::size_t c = 0; c < w; ++c) widths[c] = Width(a.names[c]);
  for (std::size_t r = 0; r < a.rows(); ++r) {
    for (std::size_t c = 0; c < w; ++c) {
      const Value& v = a.at(r, c);
      std::string s;
      if (v.null()) {
        s = "NULL";
      } else if (v.type == Type::kText) {
        AppendEscaped(v.text(), &s);
      } else {
        s = FormatCell(v);
      }
      widths[c] = std::max(widths[c], Width(s));
      cells[r][c] = std::move(s);
    }
  }
  auto numeric = [&](std::size_t c) {
    return a.types[c] == Type::kInt || a.types[c] == Type::kReal;
  };
  auto pad = [](std::string* out, std::size_t n) { out->append(n, ' '); };
  std::string out;
  for (std::size_t c = 0; c < w; ++c) {
    if (c > 0) out += "  ";
    const std::size_t fill = widths[c] - Width(a.names[c]);
    if (numeric(c)) pad(&out, fill);
    out += a.names[c];
    if (!numeric(c) && c + 1 < w) pad(&out, fill);
  }
  out += '\n';
  for (std::size_t c = 0; c < w; ++c) {
    if (c > 0) out += "  ";
    out.append(widths[c], '-');
  }
  out += '\n';
  for (std::size_t r = 0; r < a.rows(); ++r) {
    for (std::size_t c = 0; c < w; ++c) {
      if (c > 0) out += "  ";
      const std::size_t fill = widths[c] - Width(cells[r][c]);
      if (numeric(c)) pad(&out, fill);
      out += cells[r][c];
      if (!numeric(c) && c + 1 < w) pad(&out, fill);
    }
    out += '\n';
  }
  out += "(" + std::to_string(a.rows()) + (a.rows() == 1 ? " row)\n" : " rows)\n");
  return out;
}

}  // namespace

Result<OutputFormat> OutputFormatFromName(std::string_view name) {
  if (name == "table") return OutputFormat::kTable;
  if (name == "tsv") return OutputFormat::kTsv;
  if (name == "csv") return OutputFormat::kCsv;
  if (name == "jsonl") return OutputFormat::kJsonl;
  return InvalidArgument("--format " + std::string(name) + ": expected table, tsv, csv or jsonl");
}

std::string FormatCell(const Value& v) {
  std::string s;
  switch (v.type) {
    case Type::kNull:
      break;
    case Type::kBool:
      s = v.i ? "true" : "false";
      break;
    case Type::kInt:
      AppendInt(v.i, &s);
      break;
    case Type::kReal:
      AppendReal(v.d, &s);
      break;
    case Type::kText:
      s = std::string(v.text());
      break;
  }
  return s;
}

std::string FormatAnswer(const Answer& a, OutputFormat format) {
  if (format == OutputFormat::kTable) return Table(a);
  std::string out;
  const std::size_t w = a.width();
  if (format == OutputFormat::kTsv || format == OutputFormat::kCsv) {
    for (std::size_t c = 0; c < w; ++c) {
      if (c > 0) out += format == OutputFormat::kTsv ? '\t' : ',';
      if (format == OutputFormat::kTsv) {
        AppendEscaped(a.names[c], &out);
      } else {
        sink::AppendCsvField(a.names[c], &out);
      }
    }
    out += '\n';
  }
  for (std::size_t r = 0; r < a.rows(); ++r) {
    if (format == OutputFormat::kJsonl) out += '{';
    for (std::size_t c = 0; c < w; ++c) {
      const Value& v = a.at(r, c);
      switch (format) {
        case OutputFormat::kTsv:
          if (c > 0) out += '\t';
          if (v.type == Type::kText) {
            AppendEscaped(v.text(), &out);
          } else {
            out += FormatCell(v);
          }
          break;
        case OutputFormat::kCsv:
          if (c > 0) out += ',';
          if (v.type == Type::kText) {
            // An empty text is "" so that it differs from NULL (an empty field).
            if (v.size == 0) {
              out += "\"\"";
            } else {
              sink::AppendCsvField(v.text(), &out);
            }
          } else {
            out += FormatCell(v);
          }
          break;
        default:
          if (c > 0) out += ',';
          AppendJsonString(a.names[c], &out);
          out += ':';
          if (v.null() || (v.type == Type::kReal && !std::isfinite(v.d))) {
            out += "null";
          } else if (v.type == Type::kText) {
            AppendJsonString(v.text(), &out);
          } else {
            out += FormatCell(v);
          }
          break;
      }
    }
    out += format == OutputFormat::kJsonl ? "}\n" : "\n";
  }
  return out;
}

}  // namespace starling::query
