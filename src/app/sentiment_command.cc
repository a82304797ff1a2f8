// File: app/sentiment_command.cc
// `starling sentiment`: VADER scores per post, as JSON lines.

#include <cmath>
#include <cstdio>

#include "app/cli_util.h"
#include "app/command_support.h"
#include "app/commands.h"
#include "common/log.h"
#include "model/post_json.h"
#include "text/sentiment.h"

namespace starling::app {

namespace {

// Python's repr of a float rounded as VADER rounds it.
void AppendScore(double v, int decimals, std::string* out) {
  const double scale = std::pow(10.0, decimals);
  double r = std::round(v * scale) / scale;
  if (r == 0) r = 0;  // no "-0"
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*g", 15, r);
  out->append(buf);
  if (std::string_view(buf).find_first_of(".e") == std::string_view::npos) out->append(".0");
}

void AppendSentiment(const text::SentimentScores& s, std::string* out) {
  out->append("\"sentiment\":{\"compound\":");
  AppendScore(s.compound, 4, out);
  out->append(",\"pos\":");
  AppendScore(s.pos, 3, out);
  out->append(",\"neu\":");
  AppendScore(s.neu, 3, out);
  out->append(",\"neg\":");
  AppendScore(s.neg, 3, out);
  out->append("}}\n");
}

}  // namespace

int RunSentiment(const SentimentArgs& args) {
  const text::SentimentAnalyzer& vader = text::SentimentAnalyzer::Default();
  source::SourceOptions so = MakeSourceOptions(args.in);
  so.detect_documents = !args.text;
  auto src = OpenInputs(args.inputs, so);
  if (!src.ok()) return Fail(src.status());
  CommonInput in = args.in;
  in.keep_raw = false;
  auto po = MakeParseOptions(in);
  if (!po.ok()) return Fail(po.status());
  parse::PostParser parser(*po);
  const std::string dl_path = args.in.dead_letter.empty() ? "" : args.in.dead_letter;
  dataflow::DeadLetterWriter dead_letters(dl_path);
  std::vector<const model::Post*> posts;
  std::vector<parse::ControlMessage> controls;
  std::string out;
  source::Record rec;
  std::uint64_t n = 0;
  for (;;) {
    auto more = (*src)->Next(&rec);
    if (!more.ok()) {
      if (more.status().code() == StatusCode::kTryAgain) continue;
      return Fail(more.status());
    }
    if (!*more) break;
    if (args.text) {
      std::string_view line = rec.bytes;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      out += "{\"line\":" + std::to_string(rec.line) + ",";
      AppendSentiment(vader.Score(line), &out);
    } else {
      Status st =
          rec.truncated
              ? ResourceExhausted(dataflow::CutRecordReason(rec.full_size, rec.bytes.size()))
              : parser.ParseView(rec.bytes, &posts, &controls, rec.padding);
      if (!st.ok()) {
        Status w = dead_letters.Write(rec.bytes, st.ToString(), rec.origin, rec.line, rec.offset);
        if (!w.ok()) return Fail(w);
        continue;
      }
      for (const model::Post* p : posts) {
        out += '{';
        if (!p->id.empty()) {
          out += "\"id\":";
          model::AppendJsonString(p->id, &out);
          out += ',';
        }
        AppendSentiment(vader.Score(p->text), &out);
      }
    }
    if (out.size() > (1u << 16)) {
      Status w = WriteStdout(out);
      if (!w.ok()) return Fail(w);
      out.clear();
    }
    ++n;
  }
  if (Status w = WriteStdout(out); !w.ok() || !(w = FlushStdout()).ok()) return Fail(w);
  Status st = dead_letters.Flush();
  if (!st.ok()) return Fail(st);
  if (dead_letters.count() > 0 && !GlobalUi().quiet) {
    std::fprintf(
        stderr, "%s records could not be parsed%s%s\n", Grouped(dead_letters.count()).c_str(),
        dl_path.empty() ? " (use --dead-letter FILE to keep them)" : "; kept in ", dl_path.c_str());
  }
  return 0;
}

}  // namespace starling::app
