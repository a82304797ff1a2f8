// File: source/connectors/replay_source.cc
// A recorded file replayed at its original pace (by created_at), N times faster.
#include "source/registry.h"

namespace starling::source {
namespace {

// Pacing is the consumer's (RecordSource::pace): this only carries the speed.
class PacedFileSource final : public RecordSource {
 public:
  PacedFileSource(std::unique_ptr<RecordSource> inner, double speed)
      : inner_(std::move(inner)), speed_(speed) {}
  Result<bool> Next(Record* out) override { return inner_->Next(out); }
  std::string Describe() const override {
    return inner_->Describe() + " (replay x" + std::to_string(speed_) + ")";
  }
  bool WouldWait() override { return inner_->WouldWait(); }
  std::string Position() const override { return inner_->Position(); }
  Result<bool> Seek(std::string_view position) override { return inner_->Seek(position); }
  std::string SealPosition(std::string_view position) const override {
    return inner_->SealPosition(position);
  }
  void ShareBuffers() override { inner_->ShareBuffers(); }
  double pace() const override { return speed_; }

 private:
  std::unique_ptr<RecordSource> inner_;
  double speed_;
};

}  // namespace

SourceKind ReplaySourceKind() {
  SourceKind k;
  k.info = {.scheme = "replay",
            .usage = "replay:PATH?speed=N",
            .help = "replay a file at its original pace (by created_at), N times faster",
            .params = {{"speed", spec::ParamType::kNumber, "how many times faster (default 1)"}}};
  k.caps = {.live = true, .seekable = true, .replayable = true, .reads_file = true};
  k.input_file = [](const spec::Spec& s) -> std::optional<std::string> {
    if (s.path.empty()) return std::nullopt;
    return s.path;
  };
  k.open = [](const spec::Spec& s, const spec::Params& p,
              const SourceOptions& options) -> Result<std::unique_ptr<RecordSource>> {
    const double speed = p.Number("speed", 1);
    if (!(speed > 0)) {
      return InvalidArgument("replay: speed must be a positive number, got '" + *s.Find("speed") +
                             "'");
    }
    STARLING_ASSIGN_OR_RETURN(auto stream, OpenFileStream(s.path));
    return std::unique_ptr<RecordSource>(
        std::make_unique<PacedFileSource>(LineSource(std::move(stream), s.path, options), speed));
  };
  return k;
}

}  // namespace starling::source
