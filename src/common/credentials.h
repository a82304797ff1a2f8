// File: common/credentials.h
// Where the providers' tokens come from: an environment variable
// (X_BEARER_TOKEN, GITHUB_TOKEN, MASTODON_TOKEN, MEETUP_TOKEN), else the
// credentials file `starling configure` writes: $XDG_CONFIG_HOME/starling/
// credentials (~/.config/starling/credentials), one NAME=value per line,
// mode 0600. A file that others can read is refused, not read.
//
// A token's value is never printed, logged or written anywhere else; code
// that holds one passes it only into a request header.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace starling {

// The credential names Starling knows, with what each is for.
struct CredentialName {
  std::string_view name;
  std::string_view help;
};
const std::vector<CredentialName>& KnownCredentials();

// The path of the credentials file (whether it exists or not).
std::string CredentialsPath();

// The value of credential `name`: the environment variable first, then the
// credentials file. NotFound when neither has it (the message names the
// variable and `starling configure`); InvalidArgument when the file is
// readable by others or cannot be read.
Result<std::string> LookupCredential(std::string_view name);

// The file's entries (names and values), in order. An absent file is empty.
Result<std::vector<std::pair<std::string, std::string>>> ReadCredentialsFile(
    const std::string& path);

// Sets (or, with an empty value, removes) one entry and rewrites the file
// with mode 0600 (written to a temporary file in the same folder, then
// renamed), creating its folder with mode 0700.
Status WriteCredential(const std::string& path, std::string_view name, std::string_view value);

}  // namespace starling
