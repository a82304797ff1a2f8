// File: serve/report.h
// A stored run as one self-contained HTML file (`starling report`): inline
// SVG charts and tables, no scripts, no network, for people who want a file
// to share rather than a server.
#pragma once

#include <string>

#include "serve/dashboard_state.h"

namespace starling::serve {

struct ReportOptions {
  std::string title;   // default: "Starling report: PIPELINE"
  std::string source;  // where the data came from (shown in the header)
};

// Renders what `state` holds (as LoadStoredResults / LoadStoredPosts fill
// it): volume over time, trending terms, sentiment over time, language and
// provider mix, bursts, topic clusters, and recent posts.
std::string RenderReport(const DashboardState& state, const ReportOptions& options);

}  // namespace starling::serve
